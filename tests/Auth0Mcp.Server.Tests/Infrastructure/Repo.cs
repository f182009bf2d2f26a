namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>Paths of the repository, the shared peers beside it, and the built server.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>The read-only <c>shared/</c> folder beside the repository (an offline cache of specs), when present.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    /// <summary>The pinned test peers and their scripts (<c>tests/peers</c>, installed by <c>tests/peers/install.sh</c>).</summary>
    public static string Tools => Path.Combine(Root, "tests", "peers");

    /// <summary>
    /// The pinned spec: <c>AUTH0_MCP_SPEC</c> (build/fetch-spec.sh exports it after checking the sha256), else the copy in
    /// <c>../shared/openapi</c>.
    /// </summary>
    public static string Spec => Environment.GetEnvironmentVariable("AUTH0_MCP_SPEC") is { Length: > 0 } spec && File.Exists(spec)
        ? spec
        : Path.Combine(Shared, "openapi", "auth0-management-api.2026-06-25.json");

    /// <summary>The server assembly copied beside the tests (run it with <c>dotnet</c>).</summary>
    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "auth0-mcp.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Auth0Mcp.Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Could not find the repository root (Auth0Mcp.Sdk.sln) above " + AppContext.BaseDirectory);
    }
}
