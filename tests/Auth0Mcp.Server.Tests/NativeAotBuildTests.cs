using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// A Native AOT publish builds the generated API without Refit's generated client implementations (their module
/// initializer would root every typed client, DTO and the JSON context in the executable); every other build keeps
/// them, and a host can ask for them back (docs/benchmarks-server.md, start-up and memory).
/// </summary>
public sealed class NativeAotBuildTests
{
    private static async Task<string> RefitGeneratorDisabledAsync(params string[] properties)
    {
        var (code, stdout, stderr) = await Processes.RunAsync(
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
}
