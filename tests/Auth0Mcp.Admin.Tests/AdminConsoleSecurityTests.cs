using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using Auth0Mcp.Admin;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Http;
using Auth0Mcp.Server.Tests.Infrastructure;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Playwright;

namespace Auth0Mcp.Admin.Tests;

/// <summary>Who may use the console and how it defends itself: 403 for non-admins (audited), antiforgery on every POST handler, the security headers and the session cookie, the DNS-rebinding guard, accessibility.</summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class AdminConsoleSecurityTests(PrismFixture prism, ChromiumFixture chromium)
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
    public async Task Console_SignInInABrowserCarryingSomeoneElsesSessionCookie_GetsANewSession_TheirCookieEnds()
    {
        // Session fixation in a real browser: alice (signed in, no administrator) plants her session cookie in the
        // administrator's browser (a page on another port of the host can set it for /admin), who then signs in.
        await using var server = await ConsoleServer.StartAsync(prism.BaseUrl);
        await using var aliceContext = await chromium.NewContextAsync();
        var alice = await aliceContext.NewPageAsync();
        await ConsolePages.SignInAsync(alice, server.Admin, ConsoleServer.AliceKey);
        var planted = Assert.Single(await aliceContext.CookiesAsync(), c => c.Name == AdminAuthentication.CookieName);
        await using var context = await chromium.NewContextAsync();
        await context.AddCookiesAsync([new() { Name = planted.Name, Value = planted.Value, Domain = planted.Domain, Path = planted.Path }]);
        var page = await context.NewPageAsync();
        Assert.Equal(403, (await page.GotoAsync(server.Admin))!.Status); // signed in as alice: the administrator goes to sign in

        await ConsolePages.SignInAsync(page, server.Admin + "/signin", ConsoleServer.AdminKey);

        var session = Assert.Single(await context.CookiesAsync(), c => c.Name == AdminAuthentication.CookieName);
        Assert.NotEqual(planted.Value, session.Value);
        Assert.Equal(200, (await page.GotoAsync(server.Admin + "/tools"))!.Status);
        await alice.GotoAsync(server.Admin + "/tools");
        Assert.Contains("/admin/signin", alice.Url, StringComparison.Ordinal); // no session at all, not the administrator's
        Assert.Contains(await server.AuditAsync(), r => r.Event == "admin.session.ended" && r.User == "alice");
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

    /// <summary>The headers docs/admin.md lists for every response, exactly ("Sign-in and protection").</summary>
    private static readonly Dictionary<string, string> DocumentedHeaders = new(StringComparer.Ordinal)
    {
        ["content-security-policy"] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ["x-content-type-options"] = "nosniff",
        ["x-frame-options"] = "DENY",
        ["referrer-policy"] = "same-origin",
        ["cache-control"] = "no-cache, no-store",
    };

    [Fact]
    public async Task Console_PagesAndThe403Answer_SendEveryDocumentedSecurityHeader_AndTheSessionCookieIsHttpOnly()
    {
        await using var server = await ConsoleServer.StartAsync(prism.BaseUrl);
        await using var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await ConsolePages.SignInAsync(page, server.Admin, ConsoleServer.AdminKey);
        var responses = new List<(string Path, IResponse Response)>();
        foreach (var path in new[] { "", "/tools", "/audit", "/signin" })
        {
            responses.Add((path, (await page.GotoAsync(server.Admin + path))!));
        }

        // alice is signed in but no administrator: her 403 answer is written outside the pages.
        await using var aliceContext = await chromium.NewContextAsync();
        var alice = await aliceContext.NewPageAsync();
        await ConsolePages.SignInAsync(alice, server.Admin, ConsoleServer.AliceKey);
        var forbidden = (await alice.GotoAsync(server.Admin + "/tools"))!;
        Assert.Equal(403, forbidden.Status);
        responses.Add(("/tools (403)", forbidden));

        foreach (var (path, response) in responses)
        {
            var headers = await response.AllHeadersAsync();
            Assert.Equal(
                DocumentedHeaders.Select(h => $"{path} {h.Key}: {h.Value}"),
                DocumentedHeaders.Keys.Select(k => $"{path} {k}: {headers.GetValueOrDefault(k)}"));
        }

        // "a cookie session (HttpOnly, SameSite=Lax, path /admin)": no script on a page can read it.
        var session = Assert.Single(await context.CookiesAsync(), c => c.Name == "auth0-mcp-admin");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, session.SameSite);
        Assert.Equal("/admin", session.Path);
    }

    /// <summary>Every POST handler of the console (its page and handler, "Page." for a page's unnamed OnPost) and a URL that reaches it.</summary>
    public static TheoryData<string, string> PostHandlers => new()
    {
        { "Approvals.Grant", "/approvals?handler=Grant" },
        { "Approvals.Deny", "/approvals?handler=Deny" },
        { "Audit.Export", "/audit?handler=Export" },
        { "Audit.Verify", "/audit?handler=Verify" },
        { "Index.Doctor", "?handler=Doctor" },
        { "KillSwitches.Request", "/killswitches?handler=Request" },
        { "KillSwitches.Confirm", "/killswitches?handler=Confirm" },
        { "Profiles.Create", "/profiles?handler=Create" },
        { "Profiles.Bind", "/profiles?handler=Bind" },
        { "Profiles.Unbind", "/profiles?handler=Unbind" },
        { "Profiles.Delete", "/profiles?handler=Delete" },
        { "Profiles.Grant", "/profiles?handler=Grant" },
        { "Profiles.Deny", "/profiles?handler=Deny" },
        { "Settings.", "/settings" },
        { "SignIn.", "/signin" },
        { "SignOut.", "/signout" },
        { "Tool.Approve", "/tools/auth0_users_list?handler=Approve" },
        { "Tool.Disable", "/tools/auth0_users_list?handler=Disable" },
        { "Tool.Classify", "/tools/auth0_users_list?handler=Classify" },
        { "Tools.Bulk", "/tools?handler=Bulk" },
        { "Toolset.Add", "/toolsets/ops?handler=Add" },
        { "Toolset.Remove", "/toolsets/ops?handler=Remove" },
        { "Toolset.Delete", "/toolsets/ops?handler=Delete" },
        { "Toolsets.Create", "/toolsets?handler=Create" },
    };

    [Theory]
    [MemberData(nameof(PostHandlers))]
    public async Task Console_PostWithoutTheAntiforgeryToken_Gets400OnEveryHandler(string handler, string url)
    {
        // "Razor Pages validate the token on every POST; a form without it gets 400": a form another site makes the
        // signed-in administrator's browser send has the session cookie but not the token.
        using var governance = new TempGovernance();
        await using var app = await AdminApp.StartAsync(governance.Store, new() { ["AUTH0_MCP_API_KEYS"] = $"{ConsoleServer.AdminKey}=admin:admins", ["AUTH0_MCP_ADMIN_GROUPS"] = "admins" });
        using var browser = new HttpBrowser();
        await browser.SignInAsync(app.Admin, ConsoleServer.AdminKey);

        using var posted = await browser.PostWithoutTokenAsync(app.Admin + url, new() { ["id"] = "0123456789ab", ["name"] = "ops", ["on"] = "true", ["state"] = "approved" });

        Assert.True(posted.StatusCode == HttpStatusCode.BadRequest, $"{handler} ({url}): {(int)posted.StatusCode}");
    }

    [Fact]
    public void PostHandlers_OfTheAntiforgeryTheory_AreEveryPostHandlerOfTheConsole()
    {
        var handlers = typeof(AdminConsole).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.IsSubclassOf(typeof(PageModel)))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .Select(m => PostHandler().Match(m.Name))
                .Where(m => m.Success)
                .Select(m => $"{t.Name[..^"Model".Length]}.{m.Groups[1].Value}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(handlers, PostHandlers.Select(row => (string)row[0]).Order(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"^OnPost(\w*?)(?:Async)?$")]
    private static partial Regex PostHandler();

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
