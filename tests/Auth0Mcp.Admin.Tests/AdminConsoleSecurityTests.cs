using System.Net;
using Auth0Mcp.Admin;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Infrastructure;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Auth0Mcp.Admin.Tests;

/// <summary>Who may use the console and how it defends itself: 403 for non-admins (audited), antiforgery, CSP, the DNS-rebinding guard, accessibility.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class AdminConsoleSecurityTests(PrismFixture prism, ChromiumFixture chromium)
{
    [Fact]
    public async Task Console_NonAdmin_Gets403AndAttemptIsAudited()
    {
        await using var server = await ConsoleServer.StartAsync(prism.BaseUrl);
        await using var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();

        await ConsolePages.SignInAsync(page, server.Admin, ConsoleServer.AliceKey);
        var response = await page.GotoAsync(server.Admin + "/tools");

        Assert.Equal(403, response!.Status);
        Assert.DoesNotContain("auth0_users_list", await page.ContentAsync(), StringComparison.Ordinal);
        var records = await server.AuditAsync();
        Assert.Contains(records, r => r.Event == "admin.forbidden" && r.User == "alice" && r.Details!.Contains("/admin/tools", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Console_FormWithoutAntiforgeryToken_IsRefusedAndChangesNothing()
    {
        await using var server = await ConsoleServer.StartAsync(prism.BaseUrl);
        await using var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await ConsolePages.SignInAsync(page, server.Admin, ConsoleServer.AdminKey);

        // The signed-in admin's cookies, but a form that did not come from the console (no antiforgery token).
        var forged = await page.APIRequest.PostAsync(server.Admin + "/settings", new() { Form = context.APIRequest.CreateFormData().Set("state", "approved") });
        Assert.Equal(400, forged.Status);
        Assert.Equal(ToolState.PendingReview, (await server.StateAsync()).Defaults.NewToolState);

        // The same form from the page (with its token) is accepted.
        await page.GotoAsync(server.Admin + "/settings");
        await page.GetByLabel("Default state for new tools").SelectOptionAsync("approved");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("defaults saved");
        Assert.Equal(ToolState.Approved, (await server.StateAsync()).Defaults.NewToolState);
        Assert.Contains(await server.AuditAsync(), r => r.Event == "defaults.set" && r.User == "admin");
    }

    [Fact]
    public async Task Console_Pages_SendStrictContentSecurityPolicy()
    {
        await using var server = await ConsoleServer.StartAsync(prism.BaseUrl);
        await using var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await ConsolePages.SignInAsync(page, server.Admin, ConsoleServer.AdminKey);

        foreach (var path in new[] { "", "/tools", "/audit", "/signin" })
        {
            var response = await page.GotoAsync(server.Admin + path);
            var csp = await response!.HeaderValueAsync("content-security-policy");
            Assert.NotNull(csp);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("DENY", await response.HeaderValueAsync("x-frame-options"));
        }
    }

    [Fact]
    public async Task Console_ForeignHostName_IsRefusedByDnsRebindingGuard()
    {
        await using var server = await ConsoleServer.StartAsync(prism.BaseUrl);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Admin + "/signin");
        request.Headers.Host = "attacker.example";

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var local = await http.GetAsync(server.Admin + "/signin");
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
    }

    [Fact]
    public async Task Console_EveryPage_HasNoSeriousAccessibilityViolation()
    {
        await using var server = await ConsoleServer.StartAsync(prism.BaseUrl);
        await using var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        await CheckAsync("/signin");
        await ConsolePages.SignInAsync(page, server.Admin, ConsoleServer.AdminKey);
        foreach (var path in new[] { "", "/tools", "/tools/auth0_users_get", "/toolsets", "/profiles", "/approvals", "/killswitches", "/audit", "/audit/1", "/settings" })
        {
            await CheckAsync(path);
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));

        // Every page is checked even when one fails, and a failure names its page.
        async Task CheckAsync(string path)
        {
            try
            {
                var response = await page.GotoAsync(server.Admin + path);
                if (response is not { Ok: true })
                {
                    problems.Add($"{path}: HTTP {response?.Status}");
                    return;
                }

                var result = await page.RunAxe();
                foreach (var violation in result.Violations.Where(v => v.Impact is "serious" or "critical"))
                {
                    problems.Add($"{path}: {violation.Id} ({violation.Impact}) {violation.Help}: {string.Join(" | ", violation.Nodes.Take(3).Select(n => n.Html))}");
                }
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                problems.Add($"{path}: {e.GetType().Name}: {e.Message}");
            }
        }
    }
}
