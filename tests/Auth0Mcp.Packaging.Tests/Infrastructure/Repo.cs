using System.Reflection;
using System.Text.RegularExpressions;

namespace Auth0Mcp.Packaging.Tests.Infrastructure;

/// <summary>The repository, the shared folder beside it, the pinned spec, and the configuration the tests were built in.</summary>
internal static partial class Repo
{
    public static string Root { get; } = Metadata("Auth0Mcp.Tests.RepoRoot").TrimEnd('/');

    public static string Configuration { get; } = Metadata("Auth0Mcp.Tests.Configuration");

    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string PinFile => Path.Combine(Root, "openapi", "spec.pin.props");

    /// <summary>
    /// The pinned spec: <c>AUTH0_MCP_SPEC</c> (build/fetch-spec.sh exports it after checking the sha256), else the copy in
    /// ../shared/openapi (the file name comes from the pin).
    /// </summary>
    public static string PinnedSpec => System.Environment.GetEnvironmentVariable("AUTH0_MCP_SPEC") is { Length: > 0 } spec && File.Exists(spec)
        ? spec
        : Path.Combine(Shared, "openapi", PinProperty("Auth0SpecFileName"));

    /// <summary>
    /// The 2026-05-27 spec: <c>AUTH0_MCP_OLDER_SPEC</c> (build/test.sh fetches it with build/fetch-spec.sh and
    /// tests/older-spec.pin.props, checking its sha256), else in ../shared/openapi, else beside <see cref="PinnedSpec"/>
    /// (a worktree elsewhere, with AUTH0_MCP_SPEC set).
    /// </summary>
    public static string OlderSpec
    {
        get
        {
            if (System.Environment.GetEnvironmentVariable("AUTH0_MCP_OLDER_SPEC") is { Length: > 0 } given && File.Exists(given))
            {
                return given;
            }

            var shared = Path.Combine(Shared, "openapi", "auth0-management-api.2026-05-27.json");
            var beside = Path.Combine(Path.GetDirectoryName(PinnedSpec)!, Path.GetFileName(shared));
            return File.Exists(shared) || !File.Exists(beside) ? shared : beside;
        }
    }

    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "auth0-mcp.dll");

    public static string PinProperty(string name)
    {
        var match = Regex.Match(File.ReadAllText(PinFile), $"<{name}>([^<]*)</{name}>");
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"{name} is not in {PinFile}");
    }

    /// <summary>The version Directory.Packages.props pins for a package (what the repository itself builds with).</summary>
    public static string CentralVersion(string id)
    {
        var match = Regex.Match(File.ReadAllText(Path.Combine(Root, "Directory.Packages.props")), $"<PackageVersion Include=\"{Regex.Escape(id)}\" Version=\"([^\"]+)\"");
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"{id} has no PackageVersion in Directory.Packages.props");
    }

    private static string Metadata(string key) =>
        typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
