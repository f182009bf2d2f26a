using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server;
using Auth0Mcp.Server.Tests.Http;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// The Audit pages as an incident investigator reads them, over plain HTTP (<c>auth0-mcp admin</c> in this process) on
/// records written straight into the store: a record's page shows every field it holds.
/// </summary>
public sealed class AuditPagesTests
{
    private const string AdminKey = "admin-key-0123456789abcdef";

    private static readonly DateTimeOffset Minute = new(2020, 1, 2, 21, 53, 0, TimeSpan.Zero);

    [Fact]
    public async Task RecordPage_CallAuth0Answered503FiveTimes_ShowsAttemptsErrorCodeSizeTruncationAndItsIntent()
    {
        // The page showed the status and latency, and the reason under "Denial", but not the attempts, Auth0's error
        // code, the answer's size, its truncation, nor the intent the outcome belongs to.
        using var governance = new TempGovernance();
        AuditRecord intent, outcome, unanswered;
        await using (var store = GovernanceStores.Open(governance.Store))
        {
            await store.InitializeAsync();
            intent = Call("tool.call.intent", AuditOutcomes.Intent);
            await store.AppendAuditAsync(intent);
            outcome = Call("tool.call", AuditOutcomes.Error);
            outcome.IntentSequence = intent.Sequence;
            outcome.Reason = "Auth0 answered 503 after 5 attempts";
            outcome.Auth0Status = 503;
            outcome.Auth0ErrorCode = "temporarily_unavailable\u202e";
            outcome.Attempts = 5;
            outcome.Bytes = 12345;
            outcome.Truncated = true;
            outcome.LatencyMs = 4321.5;
            await store.AppendAuditAsync(outcome);
            unanswered = Call("tool.call.intent", AuditOutcomes.Intent);
            await store.AppendAuditAsync(unanswered);
        }

        await using var app = await StartAsync(governance.Store);
        using var browser = new HttpBrowser();
        await browser.SignInAsync(app.Admin, AdminKey);

        var page = await browser.PageAsync($"{app.Admin}/audit/{outcome.Sequence}");
        Assert.Contains("<dt>Reason</dt><dd>Auth0 answered 503 after 5 attempts</dd>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<dt>Denial", page, StringComparison.Ordinal); // an error is no denial, and it has no code
        Assert.Contains("<dt>Auth0 status</dt><dd>503</dd>", page, StringComparison.Ordinal);
        Assert.Contains(@"<dt>Auth0 error code</dt><dd>temporarily_unavailable\u202e</dd>", page, StringComparison.Ordinal); // escaped as everywhere
        Assert.Contains("data-testid=\"attempts\">5</dd>", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"bytes\">12,345 bytes</dd>", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"truncated\">yes: the answer was cut at the output limit</dd>", page, StringComparison.Ordinal);
        Assert.Contains($"data-testid=\"intent\"><a href=\"/admin/audit/{intent.Sequence}\">#{intent.Sequence}</a>", page, StringComparison.Ordinal);
        Assert.Contains("4321.5 ms", page, StringComparison.Ordinal);

        // From the intent to its outcome, and an intent that has none says so.
        var intentPage = await browser.PageAsync($"{app.Admin}/audit/{intent.Sequence}");
        Assert.Matches($"data-testid=\"outcome-record\">\\s*<a href=\"/admin/audit/{outcome.Sequence}\">#{outcome.Sequence}</a>", intentPage);
        Assert.DoesNotContain("data-testid=\"attempts\"", intentPage, StringComparison.Ordinal); // not set: not shown
        var unansweredPage = await browser.PageAsync($"{app.Admin}/audit/{unanswered.Sequence}");
        Assert.Matches("data-testid=\"outcome-record\">\\s*none recorded", unansweredPage);
    }

    private static AuditRecord Call(string evt, string outcome) => new()
    {
        Time = Minute,
        Kind = AuditKinds.Call,
        Event = evt,
        User = "alice",
        Tool = "auth0_users_list",
        Outcome = outcome,
        Arguments = "{}",
    };

    private static Task<AdminApp> StartAsync(string store) =>
        AdminApp.StartAsync(store, new() { ["AUTH0_MCP_API_KEYS"] = $"{AdminKey}=admin:admins", ["AUTH0_MCP_ADMIN_GROUPS"] = "admins" });
}
