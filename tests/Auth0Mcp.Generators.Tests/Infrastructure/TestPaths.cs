using System.Reflection;
using System.Xml.Linq;

namespace Auth0Mcp.Generators.Tests.Infrastructure;

/// <summary>Where fixtures, snapshots, the repository and the pinned full spec are.</summary>
internal static class TestPaths
{
    public static string ProjectDirectory { get; } = Metadata("Auth0Mcp.Tests.ProjectDirectory");

    public static string RepoRoot { get; } = Path.GetFullPath(Metadata("Auth0Mcp.Tests.RepoRoot"));

    public static string SnapshotDirectory => Path.Combine(ProjectDirectory, "Snapshots");

    public static string Fixture(string name) => Path.Combine(ProjectDirectory, "Fixtures", name);

    public static string ReadFixture(string name) => File.ReadAllText(Fixture(name));

    /// <summary>
    /// The pinned full spec, found as the build finds it: <c>AUTH0_MCP_SPEC</c> (a path) if set, else
    /// <c>../shared/openapi/&lt;Auth0SpecFileName&gt;</c> beside the repository, the file name from openapi/spec.pin.props.
    /// </summary>
    public static string FullSpec
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("AUTH0_MCP_SPEC");
            if (!string.IsNullOrEmpty(fromEnvironment) && !fromEnvironment.StartsWith("http", StringComparison.OrdinalIgnoreCase))
            {
                return Path.GetFullPath(fromEnvironment);
            }

            var pin = XDocument.Load(Path.Combine(RepoRoot, "openapi", "spec.pin.props"));
            var fileName = pin.Descendants("Auth0SpecFileName").Single().Value.Trim();
            return Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "openapi", fileName));
        }
    }

    private static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"The test assembly has no '{key}' metadata.");
}
