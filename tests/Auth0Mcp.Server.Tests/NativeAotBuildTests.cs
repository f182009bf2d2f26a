using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// A Native AOT publish builds the generated API without Refit's generated client implementations (their module
/// initializer would root every typed client, DTO and the JSON context in the executable); every other build keeps
/// them, and a host can ask for them back (docs/benchmarks-server.md, start-up and memory). And the Sdk's ILC
/// substitution (JsonSchema.Net initialized at first use) reaches an app's Native AOT publish only when it asks for it
/// (<c>Auth0McpDeferJsonSchemaInit</c>), as the server does (docs/packages.md, Native AOT).
/// </summary>
public sealed class NativeAotBuildTests
{
    private static async Task<string> RefitGeneratorDisabledAsync(params string[] properties)
    {
        var (code, stdout, stderr) = await ChildProcess.RunAsync(
            "dotnet",
            ["msbuild", Path.Combine(Repo.Root, "src", "Auth0Mcp.ManagementApi", "Auth0Mcp.ManagementApi.csproj"), "-getProperty:DisableRefitSourceGenerator", "-nologo", "-p:Configuration=Release", .. properties],
            timeout: TimeSpan.FromMinutes(3));
        Assert.True(code == 0, stdout + stderr);
        return stdout.Trim();
    }

    [Fact]
    public async Task ManagementApi_PublishAot_BuildsWithoutTypedClientImplementations()
    {
        Assert.Equal("true", await RefitGeneratorDisabledAsync("-p:PublishAot=true"));
    }

    [Fact]
    public async Task ManagementApi_OrdinaryBuild_KeepsTypedClientImplementations()
    {
        Assert.NotEqual("true", await RefitGeneratorDisabledAsync());
    }

    [Fact]
    public async Task ManagementApi_PublishAotWithTypedClientsAskedFor_KeepsThem()
    {
        Assert.NotEqual("true", await RefitGeneratorDisabledAsync("-p:PublishAot=true", "-p:Auth0McpTypedClients=true"));
    }

    /// <summary>The <c>IlcArg</c> items <paramref name="project"/> evaluates to with <paramref name="properties"/>.</summary>
    private static async Task<string[]> IlcArgsAsync(string project, params string[] properties)
    {
        var (code, stdout, stderr) = await ChildProcess.RunAsync("dotnet", ["msbuild", project, "-getItem:IlcArg", "-nologo", .. properties], timeout: TimeSpan.FromMinutes(3));
        Assert.True(code == 0, stdout + stderr);
        using var items = System.Text.Json.JsonDocument.Parse(stdout);
        return items.RootElement.GetProperty("Items").TryGetProperty("IlcArg", out var args)
            ? args.EnumerateArray().Select(a => a.GetProperty("Identity").GetString()!).ToArray()
            : [];
    }

    /// <summary>An app's project that imports the Sdk's buildTransitive targets, as a package reference does, outside the repository.</summary>
    private static async Task<string[]> ConsumerIlcArgsAsync(params string[] properties)
    {
        var dir = Directory.CreateTempSubdirectory("sdk-targets-");
        try
        {
            var project = Path.Combine(dir.FullName, "App.proj");
            var targets = Path.Combine(Repo.Root, "src", "Auth0Mcp.Sdk", "buildTransitive", "Auth0Mcp.Sdk.targets");
            await File.WriteAllTextAsync(project, $"<Project><Import Project=\"{targets}\" /></Project>");
            return await IlcArgsAsync(project, properties);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static readonly string Substitution = "--substitution:" + Path.Combine(Repo.Root, "src", "Auth0Mcp.Sdk", "buildTransitive", "Auth0Mcp.Sdk.Substitutions.xml");

    [Fact]
    public async Task SdkTargets_AppsPublishAot_AddNoSubstitution()
    {
        // An app that uses JsonSchema.Net itself keeps the library's module initializer (emptied, it threw under AOT).
        Assert.Empty(await ConsumerIlcArgsAsync("-p:PublishAot=true"));
    }

    [Fact]
    public async Task SdkTargets_PublishAotWithDeferJsonSchemaInit_AddTheSubstitution()
    {
        Assert.Equal([Substitution], await ConsumerIlcArgsAsync("-p:PublishAot=true", "-p:Auth0McpDeferJsonSchemaInit=true"));
        Assert.Empty(await ConsumerIlcArgsAsync("-p:Auth0McpDeferJsonSchemaInit=true")); // a JIT build: nothing for ILC
    }

    [Fact]
    public async Task Server_PublishAot_GetsTheSubstitution()
    {
        var args = await IlcArgsAsync(Path.Combine(Repo.Root, "src", "Auth0Mcp.Server", "Auth0Mcp.Server.csproj"), "-p:PublishAot=true", "-p:Configuration=Release");
        Assert.Contains(Path.GetFullPath(Substitution["--substitution:".Length..]), args.Where(a => a.StartsWith("--substitution:", StringComparison.Ordinal)).Select(a => Path.GetFullPath(a["--substitution:".Length..])));
    }
}
