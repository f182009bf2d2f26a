using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Http;
using Auth0Mcp.Server.Tests.Infrastructure;
using Auth0Mcp.Server;
using Auth0Mcp.Server.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// <c>auth0-mcp admin</c> (the console alone on a store): a tool approved under one catalogue returns to review when
/// the catalogue changes it, and its page shows what changed since the approval; OIDC sign-in is code + PKCE.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class AdminCommandTests(ChromiumFixture chromium)
{
    private const string Added = "Now also lists the user's active sessions.";

    [Fact]
    public async Task Console_ResyncWithChangedTool_ShowsDiffSinceApproval()
    {
        using var governance = new TempGovernance();
        await using var context = await chromium.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();

        await using (var before = await StartAsync(governance.Store, Auth0ToolCatalog.Descriptors))
        {
            await ConsolePages.SignInAsync(page, before.Admin, ConsoleServer.AdminKey);
            await page.GotoAsync(before.Admin + "/tools/auth0_users_get");
            await page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("approved 1 tool(s)");
        }

        var changed = Auth0ToolCatalog.Descriptors.Select(d => d.Name == "auth0_users_get" ? WithDescription(d, d.Description + "\n" + Added) : d).ToList();
        await ServerStartsWithAsync(governance.Store, changed);
        await using var after = await StartAsync(governance.Store, changed);
        await context.ClearCookiesAsync();
        await ConsolePages.SignInAsync(page, after.Admin, ConsoleServer.AdminKey);
        await page.GotoAsync(after.Admin + "/tools/auth0_users_get");

        await Assertions.Expect(page.Locator("dl.facts")).ToContainTextAsync("pending-review");
        var diff = page.GetByTestId("diff");
        await Assertions.Expect(diff.Locator(".add")).ToContainTextAsync(Added);
        await Assertions.Expect(diff.Locator(".del")).Not.ToContainTextAsync(Added);
        Assert.True(await diff.Locator(".del").CountAsync() > 0, "the old description line is not shown as removed");
        await ConsolePages.ScreenshotAsync(page, "tool-diff");
    }

    [Fact]
    public async Task Console_ResyncRaisingOnlyTheRisk_ShowsTheToolBackInReviewWithTheRiseAndNoContentDiff()
    {
        // auth0_roles_update's operation id made to read "rotate": its default risk rises, its content hash stays.
        using var governance = new TempGovernance();
        await using var context = await chromium.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var original = Auth0ToolCatalog.Descriptors.Single(d => d.Name == "auth0_roles_update");
        await using (var before = await StartAsync(governance.Store, Auth0ToolCatalog.Descriptors))
        {
            await ConsolePages.SignInAsync(page, before.Admin, ConsoleServer.AdminKey);
            await page.GotoAsync(before.Admin + "/tools/auth0_roles_update");
            await page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("approved 1 tool(s)");
        }

        var changed = Auth0ToolCatalog.Descriptors.Select(d => d.Name == original.Name
            ? new Auth0ToolDescriptor(d.Name, d.Title, d.Description, d.Method, d.Path, "rotate_role", d.Group, d.Scopes, d.Action, d.Lifecycle, d.InputSchema, d.ReadOnly, d.Destructive, d.Idempotent)
            : d).ToList();
        Assert.Equal(original.ContentHash, changed.Single(d => d.Name == original.Name).ContentHash);
        await ServerStartsWithAsync(governance.Store, changed);
        await using var after = await StartAsync(governance.Store, changed);
        await context.ClearCookiesAsync();
        await ConsolePages.SignInAsync(page, after.Admin, ConsoleServer.AdminKey);
        await page.GotoAsync(after.Admin + "/tools/auth0_roles_update");

        await Assertions.Expect(page.Locator("dl.facts")).ToContainTextAsync("pending-review");
        await Assertions.Expect(page.Locator("dl.facts")).ToContainTextAsync("changed since approval");
        await Assertions.Expect(page.GetByTestId("risk-rise")).ToContainTextAsync("Its risk rose from None to Dangerous");
        Assert.Equal(0, await page.GetByTestId("diff").CountAsync());
    }

    [Fact]
    public async Task Console_TokenWithOneOfAToolsScopes_IsNotShownAsRefused_OneWithNoneNamesThemAsOneOf()
    {
        // GET /users/{id} lists read:users, read:current_user and read:user_idp_tokens; DELETE /users/{id} delete:users and
        // delete:current_user. Auth0 accepts any one: read:users alone lets auth0_users_get run, and nothing lets the delete.
        using var governance = new TempGovernance();
        await using var context = await chromium.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        await using var app = await StartAsync(governance.Store, Auth0ToolCatalog.Descriptors, () => new HashSet<string>(StringComparer.Ordinal) { "read:users" });
        await ConsolePages.SignInAsync(page, app.Admin, ConsoleServer.AdminKey);
        foreach (var tool in new[] { "auth0_users_get", "auth0_users_delete" })
        {
            await page.GotoAsync(app.Admin + "/tools/" + tool);
            await page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("approved 1 tool(s)");
        }

        await page.GotoAsync(app.Admin);
        var health = page.Locator("section[aria-labelledby=cred]");
        await Assertions.Expect(health).ToContainTextAsync("1 approved tool(s) would be refused");
        await Assertions.Expect(health).ToContainTextAsync("auth0_users_delete: needs one of delete:users, delete:current_user");
        await Assertions.Expect(health).Not.ToContainTextAsync("auth0_users_get");

        await page.GotoAsync(app.Admin + "/tools/auth0_users_get");
        await Assertions.Expect(page.Locator("dl.facts")).ToContainTextAsync("Scopes (any one suffices)");
        await Assertions.Expect(page.Locator("dl.facts")).Not.ToContainTextAsync("token has none");
        await page.GotoAsync(app.Admin + "/tools/auth0_users_delete");
        await Assertions.Expect(page.Locator("dl.facts")).ToContainTextAsync("token has none of them");
    }

    [Fact]
    public async Task Console_OidcSignIn_RedirectsToAuthorityWithCodeAndPkce()
    {
        using var governance = new TempGovernance();
        await using var app = await AdminApp.StartWithOidcAsync(governance.Store);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        var signin = await http.GetStringAsync(app.Admin + "/signin");
        using var response = await http.GetAsync(app.Admin + "/signin/oidc");

        Assert.Contains("/admin/signin/oidc", signin, StringComparison.Ordinal);
        Assert.DoesNotContain("API key", signin, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal("https://idp.test.invalid/authorize", location.GetLeftPart(UriPartial.Path));
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.False(string.IsNullOrEmpty(query["code_challenge"]));
        Assert.Equal("console-client", query["client_id"]);
        Assert.EndsWith("/admin/signin-oidc", query["redirect_uri"].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_RecordWithAnUnreadableBody_StartsAndShowsItAsUnreadable()
    {
        // One body emptied by hand stopped `auth0-mcp admin` (and `serve --http` with the console) from starting: the
        // audit index threw at start. The console starts, lists the record as unreadable, and its page shows it as stored.
        using var governance = new TempGovernance();
        await governance.RunAsync("tools", "approve", "auth0_users_list");
        await governance.RunAsync("kill-switch", "on");
        await AuditIndexTests.CorruptAsync(governance.Store, "UPDATE audit_log SET body = char(27) || '[2Jnot json' WHERE seq = 2");
        await using var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();

        await using var app = await StartAsync(governance.Store, Auth0ToolCatalog.Descriptors);
        await ConsolePages.SignInAsync(page, app.Admin, ConsoleServer.AdminKey);
        await page.GotoAsync(app.Admin + "/audit?before=4"); // the newest page is the start's tool.content records

        await Assertions.Expect(page.Locator("tr[data-seq='2']")).ToContainTextAsync("unreadable record 2: its body is not a readable audit record");
        await Assertions.Expect(page.Locator("tr[data-seq='3']")).Not.ToHaveClassAsync("unreadable");
        await Assertions.Expect(page.Locator("tr.unreadable")).ToHaveCountAsync(1);
        var record = await page.GotoAsync(app.Admin + "/audit/2");
        Assert.Equal(200, record!.Status);
        await Assertions.Expect(page.GetByTestId("unreadable")).ToContainTextAsync("unreadable record 2");
        await Assertions.Expect(page.Locator("dl.facts pre")).ToHaveTextAsync("\\u001b[2Jnot json");
    }

    private static Auth0ToolDescriptor WithDescription(Auth0ToolDescriptor d, string description) =>
        new(d.Name, d.Title, description, d.Method, d.Path, d.OperationId, d.Group, d.Scopes, d.Action, d.Lifecycle, d.InputSchema, d.ReadOnly, d.Destructive, d.Idempotent);

    /// <summary>
    /// The upgraded server starts on the store and syncs its catalogue (the console, like the command line, syncs only a
    /// new store: a store another catalogue synced is the serving server's to change).
    /// </summary>
    private static async Task ServerStartsWithAsync(string store, IReadOnlyList<Auth0ToolDescriptor> catalog)
    {
        await using var opened = GovernanceStores.Open(store);
        await opened.InitializeAsync();
        await new ToolGovernance(opened, TimeProvider.System, "server").SyncCatalogAsync(catalog, "system:server");
    }

    private static Task<AdminApp> StartAsync(string store, IReadOnlyList<Auth0ToolDescriptor> catalog, Func<IReadOnlySet<string>?>? grantedScopes = null) =>
        AdminApp.StartAsync(store, new()
        {
            ["AUTH0_MCP_API_KEYS"] = $"{ConsoleServer.AdminKey}=admin:admins",
            ["AUTH0_MCP_ADMIN_GROUPS"] = "admins",
        }, services => services.PostConfigure<AdminConsoleOptions>(o =>
        {
            o.Catalog = catalog;
            if (grantedScopes is not null)
            {
                o.GrantedScopes = grantedScopes;
            }
        }));
}
