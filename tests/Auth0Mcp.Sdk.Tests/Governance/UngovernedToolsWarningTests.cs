using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Tests.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// A host that starts with Auth0 tools and no tool governance warns once, with the counts and the fix; governance, or
/// saying it is not wanted (<c>WithoutToolGovernance</c>), keeps it quiet.
/// </summary>
public sealed class UngovernedToolsWarningTests
{
    private const string Warning = "Auth0 tools are registered without tool governance";

    [Fact]
    public async Task HostStart_ManagementToolsWithoutGovernance_LogsOneWarningWithTheCountsAndTheFix()
    {
        var all = Auth0ToolCatalog.Descriptors;
        var changing = all.Count(d => d.Method != "GET");
        var deleting = all.Count(d => d.Method == "DELETE");

        var warnings = await StartAsync(mcp => mcp.WithAuth0ManagementTools(o => o.Token = "tok-ungoverned"));

        var warning = Assert.Single(warnings);
        Assert.StartsWith($"Warning Auth0Mcp.Sdk.Governance.UngovernedToolsWarning: {all.Count} {Warning}: every client can list and call all of them, and {changing} of them change data (not GET; {deleting} DELETE).", warning, StringComparison.Ordinal);
        Assert.Contains("Add .WithToolGovernance(g => g.UseSqlite(path)) to the MCP server builder", warning, StringComparison.Ordinal);
        Assert.Contains("or .WithoutToolGovernance() to run them ungoverned on purpose", warning, StringComparison.Ordinal);
        Assert.InRange(changing, 1, all.Count - 1);
    }

    [Fact]
    public async Task HostStart_ToolsRegisteredTwiceWithoutGovernance_OneWarningCountsEachToolOnce()
    {
        var warnings = await StartAsync(mcp => mcp
            .WithSharedTools([new FakeTool(Descriptors.UsersList), new FakeTool(Descriptors.UsersDelete)])
            .WithSharedTools([new FakeTool(Descriptors.RolesCreate), new FakeTool(Descriptors.UsersList)]));

        var warning = Assert.Single(warnings);
        Assert.Contains($"3 {Warning}: every client can list and call all of them, and 2 of them change data (not GET; 1 DELETE)", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_ToolsWithGovernance_DoesNotWarn()
    {
        using var directory = new TestDirectory("auth0mcp-ungoverned-");

        // Governance registered before the tools as well as after: the check is made at start.
        var before = await StartAsync(mcp => mcp
            .WithToolGovernance(g => g.UseSqlite(directory.File("before.db")))
            .WithSharedTools([new FakeTool(Descriptors.UsersList), new FakeTool(Descriptors.UsersDelete)]));
        var after = await StartAsync(mcp => mcp
            .WithAuth0ManagementTools(o => o.Token = "tok-governed")
            .WithToolGovernance(g => g.UseSqlite(directory.File("after.db"))));

        Assert.Empty(before);
        Assert.Empty(after);
    }

    [Fact]
    public async Task HostStart_ToolsWithoutToolGovernance_DoesNotWarn()
    {
        var warnings = await StartAsync(mcp => mcp
            .WithAuth0ManagementTools(o => o.Token = "tok-ungoverned")
            .WithoutToolGovernance());

        Assert.Empty(warnings);
    }

    [Fact]
    public async Task HostStart_SharedToolsWithoutAuth0Descriptors_DoesNotWarn()
    {
        // A host's own tools, not Auth0's: nothing here says what they change.
        var warnings = await StartAsync(mcp => mcp.WithSharedTools([McpServerTool.Create(() => "pong", new McpServerToolCreateOptions { Name = "ping" })]));

        Assert.Empty(warnings);
    }

    [Fact]
    public void WithoutToolGovernance_ReturnsTheBuilder()
    {
        var builder = new ServiceCollection().AddMcpServer();

        Assert.Same(builder, builder.WithoutToolGovernance());
    }

    /// <summary>Starts the hosted services of a server configured by <paramref name="configure"/>, as a host does; returns the warnings logged.</summary>
    private static async Task<List<string>> StartAsync(Action<IMcpServerBuilder> configure)
    {
        using var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs));
        configure(services.AddMcpServer());
        await using var provider = services.BuildServiceProvider();

        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }

        return logs.Lines.Where(l => l.StartsWith("Warning ", StringComparison.Ordinal)).ToList();
    }
}
