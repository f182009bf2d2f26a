using System.Net;
using System.Text.RegularExpressions;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server;
using Auth0Mcp.Server.Tests.Http;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// The Audit pages as an incident investigator reads them, over plain HTTP (<c>auth0-mcp admin</c> in this process) on
/// records written straight into the store: a record's page shows every field it holds, and the time, user and outcome
/// filters and their "Older records" links select exactly the records the filter names.
/// </summary>
public sealed partial class AuditPagesTests
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
            outcome.Credential = "api-key 1a2b3c4d";
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
        Assert.Contains("data-testid=\"credential\">api-key 1a2b3c4d</dd>", page, StringComparison.Ordinal);

        // From the intent to its outcome, and an intent that has none says so.
        var intentPage = await browser.PageAsync($"{app.Admin}/audit/{intent.Sequence}");
        Assert.Matches($"data-testid=\"outcome-record\">\\s*<a href=\"/admin/audit/{outcome.Sequence}\">#{outcome.Sequence}</a>", intentPage);
        Assert.DoesNotContain("data-testid=\"attempts\"", intentPage, StringComparison.Ordinal); // not set: not shown
        var unansweredPage = await browser.PageAsync($"{app.Admin}/audit/{unanswered.Sequence}");
        Assert.Matches("data-testid=\"outcome-record\">\\s*none recorded", unansweredPage);
    }

    [Fact]
    public async Task AuditPage_ToTheMinuteIncludesTheWholeMinute_AndOlderRecordsLinksKeepTheFilterExactly()
    {
        // 200 records in 21:53:46 (one each 5 ms), and one just before and one just after the minute. The filter
        // "from = to = 21:53" found none ("to" ended at 21:53:00.000), and the "Older records" link of a filter to the
        // second (or finer) cut it to the minute, so the next page was empty.
        using var governance = new TempGovernance();
        var inSecond = new List<long>();
        long before, after;
        await using (var store = GovernanceStores.Open(governance.Store))
        {
            await store.InitializeAsync();
            before = await AppendAdminAsync(store, Minute.AddTicks(-TimeSpan.TicksPerMillisecond));
            for (var i = 0; i < 200; i++)
            {
                inSecond.Add(await AppendAdminAsync(store, Minute.AddSeconds(46).AddMilliseconds(i * 5)));
            }

            after = await AppendAdminAsync(store, Minute.AddMinutes(1));
        }

        await using var app = await StartAsync(governance.Store);
        using var browser = new HttpBrowser();
        await browser.SignInAsync(app.Admin, AdminKey);

        // "to" names a whole minute: 21:53:00.000 to 21:53:59.999...; every page of it is followed.
        var (minute, minuteLinks) = await AllPagesAsync(browser, app.Admin + "/audit?from=2020-01-02T21:53&to=2020-01-02T21:53");
        Assert.Equal(inSecond.OrderDescending(), minute);
        Assert.Equal(4, minuteLinks.Count + 1); // 50 a page: it took the links
        Assert.All(minuteLinks, l => Assert.Contains("from=2020-01-02T21%3A53&to=2020-01-02T21%3A53", l, StringComparison.Ordinal));

        // To a tenth of a second: 46.5 includes 46.500 to 46.599..., so i * 5 ms < 600 ms; the links keep the tenth.
        var (tenth, tenthLinks) = await AllPagesAsync(browser, app.Admin + "/audit?kind=admin&to=2020-01-02T21:53:46.5");
        Assert.Equal(inSecond.Take(120).Append(before).OrderDescending(), tenth);
        Assert.Equal(2, tenthLinks.Count);
        Assert.All(tenthLinks, l => Assert.Contains("kind=admin&to=2020-01-02T21%3A53%3A46.5", l, StringComparison.Ordinal));

        // The form's inputs hold the filter to the same unit (seconds and a fraction kept: step 0.001).
        var form = await browser.PageAsync(app.Admin + "/audit?kind=admin&to=2020-01-02T21:53:46.5&from=2020-01-02T21:53:46");
        Assert.Contains("name=\"to\" step=\"0.001\" value=\"2020-01-02T21:53:46.5\"", form, StringComparison.Ordinal);
        Assert.Contains("name=\"from\" step=\"1\" value=\"2020-01-02T21:53:46\"", form, StringComparison.Ordinal);

        // With a zone, converted to UTC; the record after the minute is "from" it.
        var (zoned, _) = await AllPagesAsync(browser, app.Admin + "/audit?from=2020-01-02T23:54%2B02:00&to=2020-01-02T21:54:00Z");
        Assert.Equal([after], zoned);

        // A time the filter cannot read lists nothing (not every record) and says why.
        var bad = await browser.PageAsync(app.Admin + "/audit?to=yesterday");
        Assert.Contains("data-testid=\"time-error\"", bad, StringComparison.Ordinal);
        Assert.DoesNotMatch(Row(), bad);
    }

    [Fact]
    public async Task AuditPage_UserAndOutcomeFilters_ListOnlyTheirRecords_AndOlderRecordsLinksKeepBoth()
    {
        // 360 calls by alice and bob, every third denied: alice's denied calls (60) take two pages of 50.
        using var governance = new TempGovernance();
        var calls = new List<AuditRecord>();
        await using (var store = GovernanceStores.Open(governance.Store))
        {
            await store.InitializeAsync();
            for (var i = 0; i < 360; i++)
            {
                var call = Call("tool.call", i % 3 == 0 ? AuditOutcomes.Denied : AuditOutcomes.Success);
                call.User = i % 2 == 0 ? "alice" : "bob";
                calls.Add(call);
            }

            await Task.WhenAll(calls.Select(c => store.AppendAuditAsync(c)));
        }

        await using var app = await StartAsync(governance.Store);
        using var browser = new HttpBrowser();
        await browser.SignInAsync(app.Admin, AdminKey);

        var (listed, links) = await AllPagesAsync(browser, app.Admin + "/audit?user=alice&outcome=denied");

        var expected = calls.Where(c => c.User == "alice" && c.Outcome == AuditOutcomes.Denied).Select(c => c.Sequence).OrderDescending().ToList();
        Assert.Equal(60, expected.Count);
        Assert.Equal(expected, listed);
        var link = Assert.Single(links);
        Assert.Contains("user=alice&outcome=denied", link, StringComparison.Ordinal);
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

    private static async Task<long> AppendAdminAsync(IGovernanceStore store, DateTimeOffset time)
    {
        var record = new AuditRecord { Time = time, Kind = AuditKinds.Admin, Event = "probe.tick", User = "probe" };
        await store.AppendAuditAsync(record);
        return record.Sequence;
    }

    /// <summary>The sequences listed from <paramref name="url"/> on, following each "Older records" link; and those links.</summary>
    private static async Task<(List<long> Sequences, List<string> Links)> AllPagesAsync(HttpBrowser browser, string url)
    {
        var sequences = new List<long>();
        var links = new List<string>();
        var origin = new Uri(url).GetLeftPart(UriPartial.Authority);
        for (var next = url; next is not null;)
        {
            Assert.True(links.Count < 20, "the pages do not end");
            var page = await browser.PageAsync(next);
            sequences.AddRange(Row().Matches(page).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
            next = Older().Match(page) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;
            if (next is not null)
            {
                links.Add(next);
                next = origin + next;
            }
        }

        return (sequences, links);
    }

    private static Task<AdminApp> StartAsync(string store) =>
        AdminApp.StartAsync(store, new() { ["AUTH0_MCP_API_KEYS"] = $"{AdminKey}=admin:admins", ["AUTH0_MCP_ADMIN_GROUPS"] = "admins" });

    [GeneratedRegex(@"<tr data-seq=""(\d+)""")]
    private static partial Regex Row();

    [GeneratedRegex(@"<a rel=""next"" href=""([^""]+)"">Older records</a>")]
    private static partial Regex Older();
}
