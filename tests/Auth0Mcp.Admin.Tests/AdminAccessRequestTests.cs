using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Server.Tests.Http;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// The console's Access profiles page decides access requests as <c>profiles grant|deny</c> does: an administrator
/// signed in as the request's own user cannot decide it (another person does), as on the Call approvals page.
/// </summary>
public sealed partial class AdminAccessRequestTests
{
    private const string AdminKey = "admin-key-0123456789abcdef";

    [GeneratedRegex(@"grant\.requested.*? id=([0-9a-f]{12})")]
    private static partial Regex RequestId();

    [Theory]
    [InlineData("Grant")]
    [InlineData("Deny")]
    public async Task Profiles_AdminDecidesTheirOwnRequest_RefusedOnThePageAndTheRequestStaysPending(string handler)
    {
        using var governance = new TempGovernance();
        await governance.RunAsync("profiles", "create", "breakglass", "--toolsets", "all-approved", "--users", "admin", "--policy", "approval", "--expires", "1h");
        await governance.RunAsync("profiles", "request", "breakglass", "--user", "admin");
        var id = RequestId().Match(await governance.AuditAsync()).Groups[1].Value;
        await using var app = await AdminApp.StartAsync(governance.Store, new() { ["AUTH0_MCP_API_KEYS"] = $"{AdminKey}=admin:admins", ["AUTH0_MCP_ADMIN_GROUPS"] = "admins" });
        using var browser = new HttpBrowser();
        await browser.SignInAsync(app.Admin, AdminKey);

        using var page = await browser.GetAsync(app.Admin + "/profiles");
        using var posted = await browser.PostAsync(app.Admin + $"/profiles?handler={handler}", await page.Content.ReadAsStringAsync(), new() { ["id"] = id });
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        using var after = await browser.GetAsync(app.Admin + "/profiles");
        var html = await after.Content.ReadAsStringAsync();

        Assert.Contains($"access request {id} was made by admin: another person decides it", html, StringComparison.Ordinal);
        Assert.Contains($"value=\"{id}\"", html, StringComparison.Ordinal); // still in the queue
        var events = (await governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString()).ToList();
        Assert.DoesNotContain(events, e => e is "grant.granted" or "grant.denied");
    }
}
