using Auth0Mcp.Packaging.Tests.Infrastructure;

namespace Auth0Mcp.Packaging.Tests;

/// <summary>
/// build/public-api.sh, run from a temp folder that holds a copy of the script and of the repository's build settings
/// (Directory.Build.props, Directory.Packages.props, global.json) and one small library that tracks its public API:
/// the real analyzer reports, the script writes, and a normal build (warnings as errors) accepts what it wrote.
/// </summary>
public sealed class PublicApiScriptTests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("auth0mcp-public-api-").FullName;

    public PublicApiScriptTests()
    {
        Directory.CreateDirectory(Path.Combine(_repo, "build"));
        File.Copy(Path.Combine(Repo.Root, "build", "public-api.sh"), Path.Combine(_repo, "build", "public-api.sh"));
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" })
        {
            File.Copy(Path.Combine(Repo.Root, file), Path.Combine(_repo, file));
        }

        Write("src/Widgets/Widgets.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Auth0McpTrackPublicApi>true</Auth0McpTrackPublicApi>
              </PropertyGroup>
            </Project>
            """);
        Write("src/Widgets/Widget.cs", """
            namespace Widgets;

            public sealed class Widget
            {
                public string? Name { get; init; }

                public int Count(string text) => text.Length;

                internal void Hidden()
                {
                }
            }
            """);
        // Shipped: a type that no longer exists. Unshipped: a line from an earlier change that is gone as well.
        Write("src/Widgets/PublicAPI.Shipped.txt", "#nullable enable\nWidgets.Gone\n");
        Write("src/Widgets/PublicAPI.Unshipped.txt", "#nullable enable\nWidgets.Stale\n");
    }

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    [Fact]
    public async Task PublicApiScript_NewAndRemovedSymbols_WritesSortedUnshippedThatTheBuildAccepts()
    {
        var script = await ChildProcess.RunAsync("bash", [Path.Combine(_repo, "build", "public-api.sh")], _repo, timeout: TimeSpan.FromMinutes(5));
        Assert.True(script.ExitCode == 0, script.ToString());

        var lines = File.ReadAllLines(Path.Combine(_repo, "src", "Widgets", "PublicAPI.Unshipped.txt"));
        Assert.Equal("#nullable enable", lines[0]);
        var entries = lines[1..];
        Assert.Contains("Widgets.Widget", entries);
        Assert.Contains("Widgets.Widget.Count(string! text) -> int", entries); // with nullability
        Assert.Contains("Widgets.Widget.Name.get -> string?", entries);
        Assert.Contains("*REMOVED*Widgets.Gone", entries); // a shipped symbol that is gone
        Assert.DoesNotContain(entries, e => e.Contains("Stale", StringComparison.Ordinal) || e.Contains("Hidden", StringComparison.Ordinal));
        Assert.Equal(entries.Order(StringComparer.Ordinal), entries);
        Assert.Equal("#nullable enable\nWidgets.Gone\n", File.ReadAllText(Path.Combine(_repo, "src", "Widgets", "PublicAPI.Shipped.txt")));

        // The ordinary build (RS0016/RS0017 are errors there) finds nothing missing and nothing stale.
        var build = await ChildProcess.RunAsync("dotnet", ["build", Path.Combine(_repo, "src", "Widgets", "Widgets.csproj"), "-c", "Release", "--disable-build-servers", "-nologo", "-tl:off"], _repo, timeout: TimeSpan.FromMinutes(5));
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotContain("RS00", build.Stdout, StringComparison.Ordinal);
    }

    private void Write(string path, string text)
    {
        var full = Path.Combine(_repo, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }
}
