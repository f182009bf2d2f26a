using System.Text.RegularExpressions;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// Approval of one exact call on the console: alice's client (the MCP TypeScript SDK, which cannot elicit) makes a
/// call that needs an administrator; the request shows on the Approvals page with her arguments (secrets masked);
/// the admin grants it in the browser, and the same call then runs once against Prism, and only once. The tool's
/// page shows the argument rule and the approval mode that apply to it.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class AdminApprovalsTests(PrismFixture prism, ChromiumFixture chromium)
{
    private const string Config = """
        {
          "Governance": {
            "CallApproval": { "Default": "admin", "Expiry": "10m" },
            "ArgumentPolicies": [ { "Name": "db-users-only", "Tools": "auth0_users_delete", "Path": "/id", "Matches": "^auth0\\|" } ]
          }
        }
        """;

    [GeneratedRegex(@"approval request ([0-9a-f]{12}) is pending")]
    private static partial Regex Pending();

    private static string PendingId(System.Text.Json.JsonElement call)
    {
        var text = call.GetProperty("text").GetString()!;
        Assert.True(call.GetProperty("isError").GetBoolean(), text);
        var match = Pending().Match(text);
        Assert.True(match.Success, "expected a pending approval request, got: " + text);
        return match.Groups[1].Value;
    }

    [Fact]
    public async Task Approvals_LongArguments_RowKeepsItsSummaryAndAllArgumentsShowsEveryOne()
    {
        // The grant covers every argument: a row's short summary cannot hide one the administrator never sees.
        await using var server = await ConsoleServer.StartAsync(prism.BaseUrl, Config);
        var governance = server.Server.App.Services.GetRequiredService<ToolGovernance>();
        var arguments = $$"""{"a_padding":"{{new string('x', 600)}}","email":"last-field@example.com","id":"auth0|victim-<2>"}""";
        var request = await governance.RequestCallApprovalAsync("bob", "auth0_users_update", new string('0', 64), arguments, TimeSpan.FromMinutes(10));

        await using var context = await chromium.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        await ConsolePages.SignInAsync(page, server.Admin, ConsoleServer.AdminKey);
        await page.GotoAsync(server.Admin + "/approvals");
        var row = page.Locator($"tr[data-approval='{request.Id}']");
        await Assertions.Expect(row.Locator("code.arguments")).Not.ToContainTextAsync("last-field@example.com");
        var all = row.GetByTestId("all-arguments");
        await Assertions.Expect(all.Locator("pre")).Not.ToBeVisibleAsync();
        await all.Locator("summary").ClickAsync();
        await Assertions.Expect(all.Locator("summary")).ToContainTextAsync($"All arguments ({arguments.Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} characters)");
        await Assertions.Expect(all.Locator("pre")).ToBeVisibleAsync();
        // As text (Razor encodes it): the whole stored JSON, the last field included.
        Assert.Equal(arguments, await all.Locator("pre").TextContentAsync());
    }

    [Fact]
    public async Task Approvals_PendingCallGrantedOnThePage_SameCallRunsExactlyOnce()
    {
        await using var server = await ConsoleServer.StartAsync(prism.BaseUrl, Config);
        var governance = server.Server.App.Services.GetRequiredService<ToolGovernance>();
        await governance.ApproveAsync(["auth0_users_delete"], "setup");
        await governance.CreateToolsetAsync("deleters", ["auth0_users_delete"], null, "setup");
        await governance.CreateProfileAsync("deleters", ["deleters"], ["alice"], [], AccessPolicy.AutoApprove, null, "setup");
        await using var alice = await McpUser.ConnectAsync(server.Server.Url, ConsoleServer.AliceKey);
        const string Call = "call auth0_users_delete {\"id\":\"auth0|victim-1\"}";

        // 1. Alice's call waits for an administrator; a call with other arguments would be another request.
        var id = PendingId(await alice.SendAsync(Call));

        // 2. The admin sees it on the Approvals page (caller, tool, arguments, expiry) and grants it.
        await using var context = await chromium.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        await ConsolePages.SignInAsync(page, server.Admin, ConsoleServer.AdminKey);
        // The overview counts the request waiting for an administrator and links to the Approvals page.
        await page.GotoAsync(server.Admin);
        var waiting = page.GetByTestId("pending-approvals");
        await Assertions.Expect(waiting).ToContainTextAsync("1 call approval request(s) waiting");
        await waiting.GetByRole(AriaRole.Link, new() { Name = "approval requests" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/admin/approvals$"));
        var row = page.Locator($"tr[data-approval='{id}']");
        await Assertions.Expect(row).ToContainTextAsync("alice");
        await Assertions.Expect(row).ToContainTextAsync("auth0_users_delete");
        await Assertions.Expect(row).ToContainTextAsync("auth0|victim-1");
        await ConsolePages.ScreenshotAsync(page, "approvals");
        await row.GetByLabel("Reason").FillAsync("ticket 42");
        await row.GetByRole(AriaRole.Button, new() { Name = "Grant" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync($"granted approval request {id}");
        await Assertions.Expect(page.Locator($"tr[data-approval='{id}']")).ToHaveCountAsync(0);
        await page.GotoAsync(server.Admin);
        await Assertions.Expect(page.GetByTestId("pending-approvals")).ToContainTextAsync("0 call approval request(s) waiting");

        // 3. The same call now runs (Prism answers), once: the next identical call is a new request.
        var granted = await alice.SendAsync(Call);
        Assert.False(granted.GetProperty("isError").GetBoolean(), granted.ToString());
        Assert.NotEqual(id, PendingId(await alice.SendAsync(Call)));

        // 4. The decision is audited under the admin's name, and linked to the call it let through.
        var records = await server.AuditAsync();
        Assert.Contains(records, r => r.Event == "approval.granted" && r.User == "admin" && r.Details!.Contains(id, StringComparison.Ordinal));
        Assert.Contains(records, r => r.Event == "approval.used" && r.Details!.Contains(id, StringComparison.Ordinal));
        Assert.Single(records, r => r.Event == "tool.call" && r.Tool == "auth0_users_delete" && r.Outcome == "success");

        // 5. The tool's page shows the argument rule and the approval mode that apply to it.
        await page.GotoAsync(server.Admin + "/tools/auth0_users_delete");
        await Assertions.Expect(page.GetByTestId("argument-rules")).ToContainTextAsync("db-users-only");
        await Assertions.Expect(page.GetByTestId("argument-rules")).ToContainTextAsync("/id matches");
        await Assertions.Expect(page.GetByTestId("call-approval")).ToContainTextAsync("admin");
    }
}
