using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// The scenario end to end, in a real browser against the real HTTP host and Prism: the admin approves two
/// tools, builds a toolset and a profile; alice (MCP TypeScript SDK client over Streamable HTTP) is told her tools
/// changed, sees exactly those two and calls one; a kill switch denies her next call; the Audit page shows it all
/// and the chain verifies.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class AdminConsoleEndToEndTests(PrismFixture prism, ChromiumFixture chromium)
{
    [Fact]
    public async Task Console_AdminGovernsInBrowser_AliceSeesChangesAndIsDeniedByKillSwitch()
    {
        await using var server = await ConsoleServer.StartAsync(prism.BaseUrl);
        await using var context = await chromium.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();

        // 1. The admin signs in; the Tools page shows 452 tools pending review.
        await page.GotoAsync(server.Admin);
        await ConsolePages.ScreenshotAsync(page, "signin");
        await ConsolePages.SignInAsync(page, server.Admin, ConsoleServer.AdminKey);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await ConsolePages.ScreenshotAsync(page, "overview");
        await page.GotoAsync(server.Admin + "/tools?state=pending-review");
        await Assertions.Expect(page.GetByTestId("match-count")).ToHaveTextAsync("452");
        await ConsolePages.ScreenshotAsync(page, "tools");

        // Alice is connected before anything is approved: she sees nothing yet.
        await using var alice = await McpUser.ConnectAsync(server.Server.Url, ConsoleServer.AliceKey);
        Assert.Empty(await alice.ListAsync());

        // 2. Approve auth0_users_list and auth0_users_get (bulk), create toolset support and a profile for group support.
        await page.GotoAsync(server.Admin + "/tools?q=auth0_users_");
        await page.Locator("input[name=names][value=auth0_users_list]").CheckAsync();
        await page.Locator("input[name=names][value=auth0_users_get]").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve selected" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("approve: 2 tool(s) changed");

        await page.GotoAsync(server.Admin + "/toolsets");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("support");
        await page.GetByLabel("Filter the list").FillAsync("auth0_users_");
        await page.Locator("#create-picker input[value=auth0_users_list]").CheckAsync();
        await page.Locator("#create-picker input[value=auth0_users_get]").CheckAsync();
        await ConsolePages.ScreenshotAsync(page, "toolsets-create");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create toolset" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("created toolset support");
        await ConsolePages.ScreenshotAsync(page, "toolsets");

        await page.GotoAsync(server.Admin + "/profiles");
        var create = page.Locator("form[aria-labelledby=create]");
        await create.GetByLabel("Name").FillAsync("support");
        await create.Locator("input[name=toolsets][value=support]").CheckAsync();
        await create.GetByLabel("Groups (comma-separated)").FillAsync("support");
        await create.GetByLabel("Policy").SelectOptionAsync("auto");
        await create.GetByRole(AriaRole.Button, new() { Name = "Create profile" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("created profile support");
        await ConsolePages.ScreenshotAsync(page, "profiles");

        // 3. Alice gets list_changed, sees exactly those two tools, and calls one against Prism.
        var changed = await alice.SendAsync("wait-list-changed 20000", TimeSpan.FromSeconds(30));
        Assert.True(changed.GetProperty("count").GetInt32() > 0, "alice received no notifications/tools/list_changed");
        Assert.Equal(["auth0_users_get", "auth0_users_list"], (await alice.ListAsync()).Order(StringComparer.Ordinal));
        var call = await alice.SendAsync("call auth0_users_list {\"per_page\":2}");
        Assert.False(call.GetProperty("isError").GetBoolean(), call.ToString());

        // 4. The per-tool kill switch on auth0_users_get, with its confirmation step; alice's next call is denied.
        await page.GotoAsync(server.Admin + "/killswitches");
        await page.GetByLabel("Tool", new() { Exact = true }).FillAsync("auth0_users_get");
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn its kill switch on" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alertdialog)).ToContainTextAsync("auth0_users_get");
        await ConsolePages.ScreenshotAsync(page, "killswitch-confirm");
        Assert.False((await server.StateAsync()).FindTool("auth0_users_get")!.Killed, "the kill switch changed before the confirmation");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, turn it on" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("kill switch on for auth0_users_get");
        var denied = await alice.SendAsync("call auth0_users_get {\"id\":\"auth0|123\"}");
        Assert.True(denied.GetProperty("isError").GetBoolean(), denied.ToString());
        Assert.Contains("kill-switch", denied.GetProperty("text").GetString(), StringComparison.Ordinal);

        // 5. The Audit page shows alice's call and denial and the admin's changes, with identities; verify says intact.
        await page.GotoAsync(server.Admin + "/audit?user=alice&kind=call");
        var aliceRows = page.Locator("tbody tr");
        await Assertions.Expect(aliceRows.Filter(new() { HasText = "auth0_users_list" }).Filter(new() { HasText = "success" })).ToHaveCountAsync(1);
        await Assertions.Expect(aliceRows.Filter(new() { HasText = "auth0_users_get" }).Filter(new() { HasText = "denied (kill-switch)" })).ToHaveCountAsync(1);
        await page.GotoAsync(server.Admin + "/audit?user=admin&kind=admin");
        foreach (var evt in new[] { "tool.approved", "toolset.created", "profile.created", "killswitch.on" })
        {
            Assert.True(await page.Locator("tbody tr").Filter(new() { HasText = evt }).CountAsync() > 0, $"no {evt} by admin on the Audit page");
        }

        await page.GotoAsync(server.Admin + "/audit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify the chain" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("verify")).ToContainTextAsync("audit chain intact");
        await ConsolePages.ScreenshotAsync(page, "audit");
        await page.GotoAsync(server.Admin + "/audit?user=alice&outcome=denied");
        await page.Locator("tbody tr a").First.ClickAsync();
        await Assertions.Expect(page.Locator("dl.facts")).ToContainTextAsync("kill-switch");
        await ConsolePages.ScreenshotAsync(page, "audit-record");

        // The same records, as the CLI reads them: the admin's identity on every change, alice's on her calls.
        var records = await server.AuditAsync();
        Assert.Contains(records, r => r.Event == "tool.approved" && r.Tool == "auth0_users_get" && r.User == "admin");
        Assert.Contains(records, r => r.Tool == "auth0_users_get" && r.User == "alice" && r.Outcome == "denied");

        // The remaining pages, for the documentation.
        await page.GotoAsync(server.Admin + "/tools/auth0_users_get");
        await ConsolePages.ScreenshotAsync(page, "tool");
        await page.GotoAsync(server.Admin + "/settings");
        await ConsolePages.ScreenshotAsync(page, "settings");
        await page.GotoAsync(server.Admin);
        await ConsolePages.ScreenshotAsync(page, "overview-after");
    }
}
