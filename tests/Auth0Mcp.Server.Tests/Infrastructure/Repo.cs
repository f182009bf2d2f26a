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

    /// <summary>
    /// The spec before the pinned one (2026-05-27): <c>AUTH0_MCP_OLDER_SPEC</c> (build/test.sh fetches it with
    /// build/fetch-spec.sh and tests/older-spec.pin.props, checking its sha256), else the copy in <c>../shared/openapi</c>.
    /// </summary>
    public static string OlderSpec => Environment.GetEnvironmentVariable("AUTH0_MCP_OLDER_SPEC") is { Length: > 0 } spec && File.Exists(spec)
        ? spec
        : Path.Combine(Shared, "openapi", "auth0-management-api.2026-05-27.json");

    /// <summary>The server assembly copied beside the tests (run it with <c>dotnet</c>).</summary>
    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "auth0-mcp.dll");

    /// <summary>
    /// <c>AUTH0_MCP_TEST_SERVER</c>: a native <c>auth0-mcp</c> executable (the Native AOT publish, see build/test.sh) that
    /// the end-to-end tests start instead of <c>dotnet auth0-mcp.dll</c>; null runs the JIT build.
    /// </summary>
    public static string? NativeServer { get; } = Environment.GetEnvironmentVariable("AUTH0_MCP_TEST_SERVER") is { Length: > 0 } native
        ? Path.GetFullPath(native)
        : null;

    /// <summary>The program that runs the server: the native executable, or <c>dotnet</c>.</summary>
    public static string ServerFile => NativeServer ?? "dotnet";

    /// <summary>The server's command-line arguments <paramref name="args"/>, after the assembly when it runs on <c>dotnet</c>.</summary>
    public static string[] ServerArgs(params string[] args) => NativeServer is null ? [ServerDll, .. args] : args;

    /// <summary>The server as one shell word sequence (for scripts and clients that take a command string).</summary>
    public static string ServerCommandLine => NativeServer ?? $"dotnet {ServerDll}";

    /// <summary>A start info for the server with <paramref name="args"/>; redirection is left to the caller.</summary>
    public static System.Diagnostics.ProcessStartInfo ServerStartInfo(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(ServerFile) { UseShellExecute = false };
        foreach (var arg in ServerArgs(args))
        {
            psi.ArgumentList.Add(arg);
        }

        return psi;
    }

    /// <summary>Starts the server with <paramref name="args"/> and <paramref name="environment"/>, its three streams redirected.</summary>
    public static System.Diagnostics.Process StartServer(IDictionary<string, string?> environment, params string[] args)
    {
        var psi = ServerStartInfo(args);
        psi.RedirectStandardInput = psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }

        return System.Diagnostics.Process.Start(psi)!;
    }

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
