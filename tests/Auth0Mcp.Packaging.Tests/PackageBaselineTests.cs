using System.IO.Compression;
using Auth0Mcp.Packaging.Tests.Infrastructure;

namespace Auth0Mcp.Packaging.Tests;

/// <summary>
/// A small library in a temp folder that holds a copy of the repository's build settings (Directory.Build.props with
/// its Packaging group, Directory.Build.targets, Directory.Packages.props, global.json), so it is packed exactly as the
/// real packages are: version 1.0.0 is packed into a folder feed once (<see cref="BaselineFeed"/>), and each test packs
/// a 1.1.0 with <c>Auth0McpPackageBaseline=1.0.0</c> and <c>Auth0McpPackageBaselineFeed</c>. If package validation is
/// turned off in the repository's settings, the removed method no longer fails the pack and these tests fail.
/// </summary>
[Trait("Category", "Packaging")]
public sealed class PackageBaselineTests(PackageBaselineTests.BaselineFeed baseline) : IClassFixture<PackageBaselineTests.BaselineFeed>
{
    private const string WithSize = """
        namespace Widgets;

        public sealed class Widget
        {
            public int Count(string text) => text.Length;

            public int Size() => 3;
        }
        """;

    [PackagingFact]
    public async Task Pack_PublicMethodKeptAndOneAdded_PassesAgainstTheBaseline()
    {
        var result = await baseline.PackAsync("1.1.0", WithSize.Replace("public int Size() => 3;", "public int Size() => 3;\n\n    public int Weight() => 4;", StringComparison.Ordinal), ["-p:Auth0McpPackageBaseline=1.0.0", $"-p:Auth0McpPackageBaselineFeed={baseline.Feed}"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Widgets: package validation against the baseline {Path.Combine(baseline.Feed, "Widgets.1.0.0.nupkg")}", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("CP0", result.Stdout, StringComparison.Ordinal);
    }

    [PackagingTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pack_PublicMethodRemovedSinceTheBaseline_FailsWithCP0002(bool hierarchicalFeed)
    {
        var feed = baseline.Feed;
        if (hierarchicalFeed)
        {
            // The layout `dotnet nuget push` to a folder writes: <id>/<version>/<id>.<version>.nupkg, lower case.
            feed = Path.Combine(baseline.Root, "hierarchical");
            Directory.CreateDirectory(Path.Combine(feed, "widgets", "1.0.0"));
            File.Copy(Path.Combine(baseline.Feed, "Widgets.1.0.0.nupkg"), Path.Combine(feed, "widgets", "1.0.0", "widgets.1.0.0.nupkg"), overwrite: true);
        }

        var result = await baseline.PackAsync("1.1.0", WithSize.Replace("public int Size() => 3;", "", StringComparison.Ordinal), ["-p:Auth0McpPackageBaseline=1.0.0", $"-p:Auth0McpPackageBaselineFeed={feed}"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error CP0002: Member 'int Widgets.Widget.Size()' exists on [Baseline] lib/net10.0/Widgets.dll but not on lib/net10.0/Widgets.dll", result.Stdout, StringComparison.Ordinal);
    }

    [PackagingFact]
    public async Task Pack_NoBaselineFeed_RestoresTheBaselineFromTheNuGetSourcesAndFailsWithCP0002()
    {
        // Without Auth0McpPackageBaselineFeed the baseline comes from the NuGet sources at restore (the SDK's
        // PackageValidationBaselineVersion). Here the only source for Widgets is the folder feed, mapped in a
        // nuget.config of the test's own, and the packages folder is the test's own: the machine's cache is not touched.
        var config = Path.Combine(baseline.Root, "baseline-source.nuget.config");
        File.WriteAllText(config, NuGetConfig.MappedFeed("baseline", baseline.Feed, "Widgets"));
        var packages = Path.Combine(baseline.Root, "restored-packages");

        var result = await baseline.PackAsync("1.1.0", WithSize.Replace("public int Size() => 3;", "", StringComparison.Ordinal), ["-p:Auth0McpPackageBaseline=1.0.0", $"-p:RestoreConfigFile={config}", $"-p:RestorePackagesPath={packages}"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(File.Exists(Path.Combine(packages, "widgets", "1.0.0", "widgets.1.0.0.nupkg")), result.ToString());
        Assert.Contains("error CP0002: Member 'int Widgets.Widget.Size()' exists on [Baseline]", result.Stdout, StringComparison.Ordinal);
    }

    [PackagingFact]
    public async Task Pack_PublicMethodRemovedWithoutABaseline_Passes()
    {
        // The control: the same change with no baseline packs, so the failure above is the baseline's doing.
        var result = await baseline.PackAsync("1.1.0", WithSize.Replace("public int Size() => 3;", "", StringComparison.Ordinal), []);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("package validation against the baseline", result.Stdout, StringComparison.Ordinal);
    }

    [PackagingFact]
    public async Task Pack_AgainWithNothingRebuiltAgainstAnotherBaseline_IsValidatedAgain()
    {
        // The SDK's validation is incremental on the package's own inputs: without Directory.Build.targets forcing it,
        // the second pack (same sources, same output version) would be skipped as up to date and pass unchecked.
        var wider = Path.Combine(baseline.Root, "wider");
        Directory.CreateDirectory(wider);
        var widerPackage = Path.Combine(wider, "Widgets.1.0.0.nupkg");
        File.Copy(Path.Combine(baseline.Feed, "Widgets.1.0.0.nupkg"), widerPackage, overwrite: true);
        using (var zip = ZipFile.Open(widerPackage, ZipArchiveMode.Update))
        {
            using var from = zip.GetEntry("lib/net10.0/Widgets.dll")!.Open();
            using var to = zip.CreateEntry("lib/net8.0/Widgets.dll").Open();
            await from.CopyToAsync(to);
        }

        var first = await baseline.PackAsync("1.2.0", WithSize, ["-p:Auth0McpPackageBaseline=1.0.0", $"-p:Auth0McpPackageBaselineFeed={baseline.Feed}"]);
        var again = await baseline.PackAsync("1.2.0", WithSize, ["-p:Auth0McpPackageBaseline=1.0.0", $"-p:Auth0McpPackageBaselineFeed={wider}"]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("error PKV006: Target framework net8.0 is no longer supported", again.Stdout, StringComparison.Ordinal);
    }

    [PackagingFact]
    public async Task Pack_BaselineVersionNotInTheFeed_FailsNamingWhereItLooked()
    {
        var result = await baseline.PackAsync("1.1.0", WithSize, ["-p:Auth0McpPackageBaseline=0.9.0", $"-p:Auth0McpPackageBaselineFeed={baseline.Feed}"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error A0MP001: The package validation baseline Widgets 0.9.0 is not in the folder", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(baseline.Feed, "Widgets.0.9.0.nupkg"), result.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The temp repository with the copied build settings and Widgets 1.0.0 (with <c>Size()</c>) packed into <see cref="Feed"/>.</summary>
    public sealed class BaselineFeed : IAsyncLifetime
    {
        private int _packs;

        public string Root { get; } = Directory.CreateTempSubdirectory("auth0mcp-baseline-").FullName;

        public string Feed => Path.Combine(Root, "feed");

        private string Project => Path.Combine(Root, "src", "Widgets");

        public async Task InitializeAsync()
        {
            if (PackagingFactAttribute.Disabled)
            {
                return;
            }

            foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json" })
            {
                File.Copy(Path.Combine(Repo.Root, file), Path.Combine(Root, file));
            }

            Directory.CreateDirectory(Project);
            File.WriteAllText(Path.Combine(Project, "Widgets.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <IsPackable>true</IsPackable>
                    <Description>A library packed by the package validation tests.</Description>
                  </PropertyGroup>
                </Project>
                """);
            var result = await PackAsync("1.0.0", WithSize, [], Feed);
            Assert.True(result.ExitCode == 0, result.ToString());
            using var zip = ZipFile.OpenRead(Path.Combine(Feed, "Widgets.1.0.0.nupkg"));
            Assert.Contains(zip.Entries, e => e.FullName == "lib/net10.0/Widgets.dll");
        }

        /// <summary>Writes Widget.cs and packs <paramref name="version"/> into a fresh folder (or <paramref name="output"/>).</summary>
        internal Task<ChildProcess.Result> PackAsync(string version, string source, string[] properties, string? output = null)
        {
            File.WriteAllText(Path.Combine(Project, "Widget.cs"), source);
            output ??= Path.Combine(Root, "out" + Interlocked.Increment(ref _packs));
            return ChildProcess.RunAsync(
                "dotnet",
                ["pack", Path.Combine(Project, "Widgets.csproj"), "-c", "Release", "-o", output, $"-p:Version={version}", .. properties, "--disable-build-servers", "-nologo", "-tl:off", "-clp:NoSummary"],
                Root,
                timeout: TimeSpan.FromMinutes(5));
        }

        public Task DisposeAsync()
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }

            return Task.CompletedTask;
        }
    }
}
