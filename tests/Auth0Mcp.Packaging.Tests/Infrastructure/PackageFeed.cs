using System.Globalization;
using System.Security;

namespace Auth0Mcp.Packaging.Tests.Infrastructure;

/// <summary>
/// Packs the packages once per test run into a temporary folder feed, with a version of its own
/// (0.1.0-pkgtest.TIMESTAMP), and writes a nuget.config beside the consumer projects: that feed for Auth0Mcp.*
/// (package source mapping), the normal source for the rest, and the machine's package folder as a read-only
/// fallback so that restores are quick. Consumers get their own NUGET_PACKAGES, so nothing leaks into, or locks,
/// the machine's cache; the whole folder is deleted afterwards.
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    public static readonly string[] Projects = ["src/Auth0Mcp.Sdk/Auth0Mcp.Sdk.csproj", "src/Auth0Mcp.ManagementApi/Auth0Mcp.ManagementApi.csproj", "src/Auth0Mcp.Governance.Sqlite/Auth0Mcp.Governance.Sqlite.csproj", "src/Auth0Mcp.Governance.PostgreSql/Auth0Mcp.Governance.PostgreSql.csproj", "generators/Auth0Mcp.Generators/Auth0Mcp.Generators.csproj", "src/Auth0Mcp.Server/Auth0Mcp.Server.csproj"];

    public string Root { get; } = Directory.CreateTempSubdirectory("auth0mcp-pkg-").FullName;

    public string Feed => Path.Combine(Root, "feed");

    public string Packages => Path.Combine(Root, "nuget-packages");

    public string Consumers => Path.Combine(Root, "consumers");

    public string Version { get; } = "0.1.0-pkgtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    /// <summary>Environment for commands that restore from the feed.</summary>
    public Dictionary<string, string?> Environment => new()
    {
        ["NUGET_PACKAGES"] = Packages,
        ["AUTH0_MCP_SPEC"] = null,
        ["AUTH0_TOKEN"] = null,
        ["AUTH0_DOMAIN"] = null,
        ["AUTH0_CLIENT_ID"] = null,
        ["AUTH0_CLIENT_SECRET"] = null,
    };

    public async Task InitializeAsync()
    {
        if (PackagingFactAttribute.Disabled)
        {
            return;
        }

        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(Consumers);
        foreach (var project in Projects)
        {
            var result = await ChildProcess.RunAsync(
                "dotnet",
                ["pack", Path.Combine(Repo.Root, project), "-c", Repo.Configuration, "--no-build", "-o", Feed, $"-p:Version={Version}", "--disable-build-servers", "-nologo", "-clp:ErrorsOnly"],
                timeout: TimeSpan.FromMinutes(5));
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"Packing {project} failed:\n{result}");
            }
        }

        var machinePackages = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        await File.WriteAllTextAsync(Path.Combine(Consumers, "nuget.config"), NuGetConfig.MappedFeed("local-feed", Feed, "Auth0Mcp.*", machinePackages));
    }

    public string Package(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public string SymbolPackage(string id) => Path.Combine(Feed, $"{id}.{Version}.snupkg");

    /// <summary>Writes a consumer project (files relative to its folder) under the feed's nuget.config.</summary>
    public string WriteConsumer(string name, IReadOnlyDictionary<string, string> files)
    {
        var dir = Path.Combine(Consumers, name);
        Directory.CreateDirectory(dir);
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(dir, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text.Replace("$(PackageVersion)", Version, StringComparison.Ordinal));
        }

        return dir;
    }

    /// <summary>dotnet build -c Release of a consumer, with the feed's NUGET_PACKAGES; throws with the log on failure.</summary>
    public async Task<string> BuildAsync(string dir, string assemblyName)
    {
        var result = await ChildProcess.RunAsync("dotnet", ["build", "-c", "Release", "--disable-build-servers", "-nologo", "-clp:ErrorsOnly;Summary"], dir, Environment);
        Assert.True(result.ExitCode == 0, result.ToString());
        var dll = Path.Combine(dir, "bin", "Release", "net10.0", assemblyName + ".dll");
        Assert.True(File.Exists(dll), $"{dll} was not built:\n{result}");
        return dll;
    }

    /// <summary>Builds a consumer that must fail; returns what the build printed.</summary>
    internal async Task<ChildProcess.Result> BuildFailingAsync(string dir)
    {
        var result = await ChildProcess.RunAsync("dotnet", ["build", "-c", "Release", "--disable-build-servers", "-nologo", "-clp:ErrorsOnly;Summary"], dir, Environment);
        Assert.True(result.ExitCode != 0, result.ToString());
        return result;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // a process that is still exiting may hold a file; the temp folder is cleaned by the OS eventually
        }

        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class PackagingCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "packaging";
}
