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

    [Fact]
    public async Task ToolPage_StoreGovernsAnotherVersionOfATool_SaysSoAndShowsNotTheConsolesVersion()
    {
        using var governance = new TempGovernance();
        var builtIn = Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors.Single(d => d.Name == "auth0_users_list");
        var older = new Auth0ToolDescriptor(builtIn.Name, builtIn.Title, "Lists users (an older spec's wording).", builtIn.Method, builtIn.Path, builtIn.OperationId, builtIn.Group, builtIn.Scopes, builtIn.Action, builtIn.Lifecycle, builtIn.InputSchema, builtIn.ReadOnly, builtIn.Destructive, builtIn.Idempotent);
        await using (var store = GovernanceStores.Open(governance.Store))
        {
            await store.InitializeAsync();
            await new ToolGovernance(store, TimeProvider.System, "host").SyncCatalogAsync([older], "system:host");
        }

        await using var app = await AdminApp.StartAsync(governance.Store, new() { ["AUTH0_MCP_API_KEYS"] = $"{Key}=admin:admins", ["AUTH0_MCP_ADMIN_GROUPS"] = "admins" });
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() });
        var form = await http.GetStringAsync(app.Admin + "/signin");
        var token = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(form, @"name=""__af""[^>]*value=""([^""]+)""|value=""([^""]+)""[^>]*name=""__af""") is { Success: true } m
            ? (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value) : throw new InvalidOperationException("no antiforgery token"));
        using (var signIn = await http.PostAsync(app.Admin + "/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = Key, ["__af"] = token })))
        {
            Assert.Equal(System.Net.HttpStatusCode.Redirect, signIn.StatusCode);
        }

        var page = System.Net.WebUtility.HtmlDecode(await http.GetStringAsync(app.Admin + "/tools/auth0_users_list"));

        Assert.Contains("data-testid=\"other-version\"", page, StringComparison.Ordinal);
        Assert.Contains(older.ContentHash, page, StringComparison.Ordinal);
        Assert.DoesNotContain(builtIn.Description[..40], page, StringComparison.Ordinal);
        Assert.DoesNotContain("Input schema", page, StringComparison.Ordinal);
    }

    private const string Key = "admin-key-0123456789abcdef";
}
