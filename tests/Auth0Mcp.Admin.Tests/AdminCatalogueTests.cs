using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server;
using Auth0Mcp.Server.Tests.Http;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// The console run on its own (<c>auth0-mcp admin</c>) follows the rule of every administering tool
/// (<see cref="ToolGovernance.SyncCatalogIfNewOrOwnAsync"/>): a store another catalogue synced keeps its tools.
/// </summary>
public sealed class AdminCatalogueTests
{
    [Fact]
    public async Task Console_OnAStoreAHostsOwnCatalogueSynced_RemovesNothingAndRecordsNoToolOfItsOwn()
    {
        using var governance = new TempGovernance();
        var widgets = new Auth0ToolDescriptor("auth0_list_widgets", "List widgets", "Lists the widgets.", "GET", "/widgets", "listWidgets", ["widgets"], ["read:widgets"], Auth0ToolAction.Read, "GA", """{"type":"object"}""", true, false, true);
        await using (var store = GovernanceStores.Open(governance.Store))
        {
            await store.InitializeAsync();
            var host = new ToolGovernance(store, TimeProvider.System, "host");
            await host.SyncCatalogAsync([widgets], "system:host");
            await host.ApproveAsync(["auth0_list_widgets"], "dev");
        }

        await using (await AdminApp.StartAsync(governance.Store, new() { ["AUTH0_MCP_API_KEYS"] = "admin-key-0123456789abcdef=admin:admins", ["AUTH0_MCP_ADMIN_GROUPS"] = "admins" }))
        {
        }

        await using var after = GovernanceStores.Open(governance.Store);
        await after.InitializeAsync();
        var state = await after.LoadStateAsync();
        var tool = Assert.Single(state.Tools);
        Assert.Equal(("auth0_list_widgets", ToolState.Approved), (tool.Name, tool.State));
        var audit = await governance.AuditAsync();
        Assert.DoesNotContain("\"tool.removed\"", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("auth0_users_list", audit, StringComparison.Ordinal);
    }
}
