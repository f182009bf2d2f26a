using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Auth0Mcp.Admin.Pages.Admin;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// What a caller chose (a tool name, a client's name, arguments) reaches the console's pages with its control, format and
/// separator characters as visible escapes: Razor wrote U+202E as <c>&amp;#x202E;</c>, which the browser obeyed, so the
/// unknown tool <c>auth0_users_\u202etsil</c> read as <c>auth0_users_list</c> on the Audit page, a zero-width space hid
/// in <c>Claude\u200b Desktop</c>, and a partly masked argument showed the rest of the call reversed to the approver.
/// So do an access request's user and reason and a toolset's description.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class AdminVisibleTextTests(PrismFixture prism, ChromiumFixture chromium)
{
    private const string Config = """{ "Governance": { "CallApproval": { "Expiry": "10m", "Rules": [ { "Tools": ["auth0_users_update"], "Mode": "admin" } ] } } }""";

    // A numeric character reference, which the browser turns back into the character.
    [GeneratedRegex("&#(x[0-9a-f]+|[0-9]+);", RegexOptions.IgnoreCase)]
    private static partial Regex CharacterReference();

    [Fact]
    public async Task Console_FormatCharactersACallerChose_ServedAsVisibleEscapes()
    {
        await using var server = await ConsoleServer.StartAsync(prism.BaseUrl, Config);
        var governance = server.Server.App.Services.GetRequiredService<ToolGovernance>();
        await governance.ApproveAsync(["auth0_users_update"], "setup");
        await governance.CreateToolsetAsync("updaters", ["auth0_users_update"], null, "setup");
        await governance.CreateProfileAsync("updaters", ["updaters"], ["alice"], [], AccessPolicy.AutoApprove, null, "setup");
        // A request stored before the arguments' view escaped these characters, and one denied with a reason that holds one.
        await governance.RequestCallApprovalAsync("bob\u200b", "auth0_users_update", new string('0', 64), "{\"body\":{\"note\":\"a\u202eb\"}}", TimeSpan.FromMinutes(10));
        var denied = await governance.RequestCallApprovalAsync("carol", "auth0_users_update", new string('1', 64), "{}", TimeSpan.FromMinutes(10));
        await governance.DecideCallApprovalAsync(denied.Id, false, null, "no\u2066pe", "admin");

        // Alice, over HTTP: a client name with a zero-width space, an unknown tool whose name holds a right-to-left
        // override, and a call that needs approval with one after a secret that is masked.
        using (var http = new HttpClient())
        {
            var session = await PostAsync(http, server, null, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"Claude\u200b Desktop","version":"1.0\udb40\udc41"}}}""");
            await PostAsync(http, server, session, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
            await PostAsync(http, server, session, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"auth0_users_\u202etsil","arguments":{}}}""");
            await PostAsync(http, server, session, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"auth0_users_update","arguments":{"id":"auth0|ceo","body":{"app_metadata":{"note":"password=x \u202e"},"blocked":true}}}}""");
        }

        var unknown = Assert.Single(await server.AuditAsync(), r => r.Tool == "auth0_users_\u202etsil");
        Assert.Equal("Claude\u200b Desktop", unknown.ClientName);
        var pending = Assert.Single((await server.StateAsync()).CallApprovals, a => a.User == "alice");

        await using var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await ConsolePages.SignInAsync(page, server.Admin, ConsoleServer.AdminKey);

        var audit = await ServedAsync(page, server.Admin + "/audit");
        Assert.Contains(@"auth0_users_\u202etsil", audit, StringComparison.Ordinal);
        var record = await ServedAsync(page, server.Admin + "/audit/" + unknown.Sequence.ToString(CultureInfo.InvariantCulture));
        Assert.Contains(@"auth0_users_\u202etsil", record, StringComparison.Ordinal);
        Assert.Contains(@"Claude\u200b Desktop", record, StringComparison.Ordinal);
        Assert.Contains(@"1.0\udb40\udc41", record, StringComparison.Ordinal); // a tag character (U+E0041), invisible text
        var approvals = await ServedAsync(page, server.Admin + "/approvals");
        Assert.Contains(@"password=[REDACTED] \u202e", approvals, StringComparison.Ordinal);
        Assert.Contains(@"a\u202eb", approvals, StringComparison.Ordinal);
        Assert.Contains(@"bob\u200b", approvals, StringComparison.Ordinal);
        Assert.Contains(@"no\u2066pe", approvals, StringComparison.Ordinal);

        // As the browser shows them.
        await page.GotoAsync(server.Admin + "/audit");
        await Assertions.Expect(page.Locator($"tr[data-seq='{unknown.Sequence}']")).ToContainTextAsync(@"auth0_users_\u202etsil");
        await page.GotoAsync(server.Admin + "/approvals");
        await Assertions.Expect(page.Locator($"tr[data-approval='{pending.Id}'] code.arguments")).ToContainTextAsync(@"{""app_metadata"":{""note"":""password=[REDACTED] \u202e""}");
    }

    [Fact]
    public async Task Console_AccessRequestsUserAndReasonAndAToolsetsDescription_ServedAsVisibleEscapes()
    {
        // The Access profiles queue shows a request's user (a caller's name) and reason (the caller's words), and the
        // Toolsets pages an administrator's description: each with its format characters as escapes.
        await using var server = await ConsoleServer.StartAsync(prism.BaseUrl);
        var governance = server.Server.App.Services.GetRequiredService<ToolGovernance>();
        await governance.CreateToolsetAsync("readers", ["auth0_users_list"], "read \u202eylno", "setup");
        await governance.CreateProfileAsync("breakglass", ["readers"], [], ["support"], AccessPolicy.ApprovalRequired, TimeSpan.FromHours(1), "setup");
        await governance.RequestAccessAsync("breakglass", new CallerIdentity("dave\u200b", ["support"]), "urgent \u202eetadpu");

        await using var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await ConsolePages.SignInAsync(page, server.Admin, ConsoleServer.AdminKey);

        var profiles = await ServedAsync(page, server.Admin + "/profiles");
        Assert.Contains(@"<td>dave\u200b</td>", profiles, StringComparison.Ordinal);
        Assert.Contains(@"<td>urgent \u202eetadpu</td>", profiles, StringComparison.Ordinal);
        Assert.Contains(@"read \u202eylno", await ServedAsync(page, server.Admin + "/toolsets"), StringComparison.Ordinal);
        Assert.Contains(@"<p>read \u202eylno</p>", await ServedAsync(page, server.Admin + "/toolsets/readers"), StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_StoredWithAFormatCharacter_ShownEscapedTheSameJson() =>
        Assert.Equal(@"{""note"":""a\u202eb\\""}", ApprovalsModel.Arguments(new CallApproval { Arguments = "{\"note\":\"a\u202eb\\\\\"}" }));

    [Fact]
    public void FlashMessage_NamesEscapedWhereItWasMade_NotEscapedTwiceAndNothingRawLeft()
    {
        // A flash is a GovernanceException's message, whose names TerminalText already escaped: shown with Visible.Text
        // its "\u202e" read "\\u202e". A raw format character that slipped in is still escaped.
        var made = $"invalid toolset name '{TerminalText.Escape("ops\u202eteg")}': no spaces, commas, wildcards or control characters";

        Assert.Equal(made, Visible.Message(made));
        Assert.Contains(@"'ops\u202eteg'", Visible.Message(made), StringComparison.Ordinal);
        Assert.Equal(@"granted DOMAIN\alice's request a\u202eb", Visible.Message("granted DOMAIN\\alice's request a\u202eb"));
    }

    /// <summary>The HTML the console serves for <paramref name="url"/> (the page's cookies), with no control or format character in it, raw or as a character reference.</summary>
    private static async Task<string> ServedAsync(IPage page, string url)
    {
        var response = await page.APIRequest.GetAsync(url);
        Assert.Equal(200, response.Status);
        var html = await response.TextAsync();
        Assert.DoesNotContain(html.EnumerateRunes(), r => r.Value is not ('\n' or '\r' or '\t') && Hidden(r));
        foreach (Match reference in CharacterReference().Matches(html))
        {
            var digits = reference.Groups[1].Value;
            var code = digits[0] is 'x' or 'X' ? int.Parse(digits[1..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : int.Parse(digits, CultureInfo.InvariantCulture);
            Assert.False(Rune.IsValid(code) && Hidden(new Rune(code)), $"{url} serves {reference.Value}");
        }

        return html;
    }

    private static bool Hidden(Rune r) =>
        Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>One JSON-RPC message from alice; the session the server opened (on initialize) or <paramref name="session"/>.</summary>
    private static async Task<string?> PostAsync(HttpClient http, ConsoleServer server, string? session, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Server.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ConsoleServer.AliceKey);
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        await response.Content.ReadAsStringAsync(); // the answer (SSE) read to its end: the call is done and audited
        return session ?? Assert.Single(response.Headers.GetValues("Mcp-Session-Id"));
    }
}
