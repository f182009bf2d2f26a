using System.Text.Json;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>The <c>auth0-mcp</c> executable's settings and exit codes, run as a process with a controlled environment.</summary>
public sealed class CliProcessTests
{
    [Fact]
    public async Task Commands_StoreAndUserInTheSettingsFile_UseThemAsServeDoes()
    {
        // The settings are read once for every command: the file's Governance:Store and :User, not only AUTH0_MCP_STORE.
        using var home = new TestHome();
        var store = Path.Combine(home.Dir, "from-config.db");
        var config = Path.Combine(home.Dir, "settings.json");
        var settings = new System.Text.Json.Nodes.JsonObject { ["Governance"] = new System.Text.Json.Nodes.JsonObject { ["Store"] = store, ["User"] = "carol" } };
        await File.WriteAllTextAsync(config, settings.ToJsonString());
        var env = home.Environment();
        env["AUTH0_MCP_STORE"] = null;
        env["AUTH0_MCP_CONFIG"] = config;

        var (code, _, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("tools", "approve", "auth0_users_list"), env: env, timeout: TimeSpan.FromMinutes(2));

        Assert.True(code == 0, stderr);
        Assert.False(File.Exists(home.Store));
        await using var opened = GovernanceStores.Open(store);
        var state = await opened.LoadStateAsync();
        Assert.Equal(ToolState.Approved, state.FindTool("auth0_users_list")!.State);
        var approvals = new List<AuditRecord>();
        await foreach (var row in opened.ReadAuditAsync(0))
        {
            if (AuditChain.Read(row) is { Event: "tool.approved" } record)
            {
                approvals.Add(record);
            }
        }

        Assert.Equal("carol", Assert.Single(approvals).User);
    }

    [Fact]
    public async Task Doctor_NoCredential_ExitsOneNamingTheFailedCheck()
    {
        using var home = new TestHome();

        var (code, stdout, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("doctor", "--json"), env: home.Environment(token: null), timeout: TimeSpan.FromMinutes(2));

        Assert.True(code == 1, $"exit {code}: {stderr}");
        using var report = JsonDocument.Parse(stdout);
        Assert.Contains("no credential", report.RootElement.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_InvalidSettings_ExitsTwoWithEveryProblem()
    {
        using var home = new TestHome();
        var env = home.Environment();
        env["AUTH0_MCP_PAGE_SIZE"] = "ten";
        env["AUTH0_MCP_TOOLS_MODE"] = "some";

        var (code, stdout, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("serve", "--http=http://127.0.0.1:0/mcp"), env: env, timeout: TimeSpan.FromMinutes(2));

        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Empty(stdout);
        Assert.StartsWith("auth0-mcp: invalid settings", stderr, StringComparison.Ordinal);
        Assert.Contains("Server:PageSize (AUTH0_MCP_PAGE_SIZE): expected a whole number, got 'ten'", stderr, StringComparison.Ordinal);
        Assert.Contains("Server:ToolsMode (AUTH0_MCP_TOOLS_MODE, --tools-mode): expected full or progressive", stderr, StringComparison.Ordinal);
        Assert.Contains("serve --http needs caller authentication", stderr, StringComparison.Ordinal);
    }
}
