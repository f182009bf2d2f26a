using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Progressive;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// What one caller sends cannot make the audit, or the server's memory, grow out of proportion: names the caller
/// chooses (its client's name and version, a tool name), a denial's reason quoting what it sent, arguments refused for
/// their size, search queries and sessions are all kept within bounds.
/// </summary>
public sealed class AuditGrowthTests
{
    private static readonly string Long = new('n', 100_000);

    [Fact]
    public async Task NamesTheCallerChooses_AreKeptShortInEveryRecordAndAnswer()
    {
        await using var h = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList)]);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"), clientName: "client-" + Long);

        var allowed = await alice.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());
        var unknown = await alice.CallToolAsync("tool_" + Long, new Dictionary<string, object?>());

        Assert.NotEqual(true, allowed.IsError);
        Assert.True(unknown.IsError);
        Assert.InRange(ResultText.Of(unknown).Length, 1, 300);
        Assert.Contains("100005 chars, sha256 ", ResultText.Of(unknown), StringComparison.Ordinal);
        var records = (await h.AuditAsync()).Where(r => r.Kind == AuditKinds.Call).ToList();
        Assert.Equal(3, records.Count); // intent and outcome of the allowed call, the unknown tool's denial
        Assert.All(records, r => Assert.InRange(r.ClientName!.Length, 1, 256));
        Assert.All(records, r => Assert.InRange(r.Tool!.Length, 1, 128));
        Assert.All(records, r => Assert.StartsWith("client-nnnn", r.ClientName, StringComparison.Ordinal));
        var denied = records.Single(r => r.Outcome == AuditOutcomes.Denied);
        Assert.StartsWith("tool_nnnn", denied.Tool, StringComparison.Ordinal);
        Assert.InRange(denied.Reason!.Length, 1, 1000);
    }

    [Fact]
    public async Task ADenialQuotingWhatTheCallerSent_KeepsAShortReason()
    {
        // A schema that names its arguments (as every generated tool's does): the refusal names each unknown one.
        var closed = new Auth0Mcp.Sdk.Catalog.Auth0ToolDescriptor(
            "auth0_users_list", "users list", "A test tool.", "GET", "/users", "users_list_op", ["users"], ["read:users"],
            Auth0Mcp.Sdk.Catalog.Auth0ToolAction.Read, "GA", """{"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":false}""", true, false, true);
        await using var h = await GovernanceHarness.StartAsync([new FakeTool(closed)]);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var arguments = Enumerable.Range(0, 10).ToDictionary(i => $"unknown{i}_" + new string('x', 10_000), _ => (object?)1);

        var result = await alice.CallToolAsync("auth0_users_list", arguments);

        Assert.True(result.IsError);
        Assert.Equal(0, h.Tools["auth0_users_list"].Calls);
        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal(DenialCodes.InvalidArguments, record.DenialCode);
        Assert.InRange(record.Reason!.Length, 1, 1001); // 1,000 characters and the ellipsis
        Assert.InRange(ResultText.Of(result).Length, 1, 1100);
    }

    [Fact]
    public async Task ArgumentsRefusedForTheirSize_KeepOnlyTheirHash()
    {
        await using var h = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList)]);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var arguments = Enumerable.Range(0, 6).ToDictionary(i => $"q{i}", _ => (object?)new string('a', 250_000)); // 1.5 MB

        var result = await alice.CallToolAsync("auth0_users_list", arguments);

        Assert.True(result.IsError);
        Assert.Contains("over the 1048576-byte limit", ResultText.Of(result), StringComparison.Ordinal);
        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal(DenialCodes.InvalidArguments, record.DenialCode);
        Assert.StartsWith("[not kept: 15000", record.Arguments, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{64}$", record.ArgumentsHash);
    }

    [Fact]
    public async Task ProgressiveSearch_ALongQueryIsRefusedAndOversizedArgumentsAreRecordedAsRefused()
    {
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            services: s => s.AddMcpServer().WithToolsMode(o => o.Mode = ToolsMode.Progressive));
        await h.AllowAsync(["alice"], "auth0_users_list");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var found = await alice.CallToolAsync("auth0_search_tools", new Dictionary<string, object?> { ["query"] = "list users" });
        var tooLong = await alice.CallToolAsync("auth0_search_tools", new Dictionary<string, object?> { ["query"] = new string('u', 501) });
        var huge = await alice.CallToolAsync("auth0_search_tools", Enumerable.Range(0, 6).ToDictionary(i => $"q{i}", _ => (object?)new string('a', 250_000)));

        Assert.Contains("auth0_users_list", ResultText.Of(found), StringComparison.Ordinal);
        Assert.True(tooLong.IsError);
        Assert.Contains("query is 501 characters; say what to do in at most 500", ResultText.Of(tooLong), StringComparison.Ordinal);
        Assert.True(huge.IsError);
        var records = (await h.AuditAsync()).Where(r => r.Tool == "auth0_search_tools").ToList();
        Assert.Equal([AuditOutcomes.Success, AuditOutcomes.Error, AuditOutcomes.Denied], records.Select(r => r.Outcome));
        Assert.Equal(DenialCodes.InvalidArguments, records[2].DenialCode);
    }

    [Fact]
    public async Task ArgumentsJustWithinTheSizeLimit_AreKeptInTheRecord()
    {
        // 4 × (1 + 262,141 + 2) = 1,048,576 bytes as the size check counts them (names and raw values): allowed, though
        // their JSON, with its quotes, colons and commas, is a few bytes over the limit.
        await using var h = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList)]);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var arguments = new[] { "a", "b", "c", "d" }.ToDictionary(n => n, _ => (object?)new string('x', 262_141));

        var result = await alice.CallToolAsync("auth0_users_list", arguments);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(1, h.Tools["auth0_users_list"].Calls);
        // The echoed result comes back whole: the secret masking reads a mebibyte of long words in one pass, not into
        // its regex time limit (which withheld the harmless result).
        Assert.Contains(new string('x', 262_141), ResultText.Of(result), StringComparison.Ordinal);
        var intent = Assert.Single(await h.IntentRecordsAsync());
        Assert.StartsWith("{\"a\":\"xxxx", intent.Arguments, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionViews_OneCallerOpeningManySessions_CannotPushAnotherCallersOut()
    {
        await using var h = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList)]);
        await h.AllowAsync(["alice"], "auth0_users_list");
        h.Runtime.MaxSessionViews = 8;
        h.Runtime.MaxSessionViewsPerCaller = 4;
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        await alice.ListToolsAsync();

        for (var i = 0; i < 12; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(1));
            var mallory = await h.ConnectAsync(GovernanceHarness.User("mallory"));
            await mallory.ListToolsAsync();
            Assert.InRange(h.Runtime.SessionViewCallers.Count(u => u == "mallory"), 1, 4);
        }

        Assert.Contains("alice", h.Runtime.SessionViewCallers);
    }

    [Fact]
    public async Task SessionViews_AreBounded_TheLeastRecentlySeenForgotten()
    {
        await using var h = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList)]);
        await h.AllowAsync(["alice"], "auth0_users_list");
        h.Runtime.MaxSessionViews = 8;

        for (var i = 0; i < 20; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(1));
            var client = await h.ConnectAsync(GovernanceHarness.User("u" + i));
            await client.ListToolsAsync();
            Assert.InRange(h.Runtime.SessionViewCount, 1, 8);
        }

        var kept = h.Runtime.SessionViewCallers;
        Assert.InRange(kept.Count, 6, 8);
        Assert.Contains("u19", kept); // the newest stay
        Assert.Contains("u18", kept);
        Assert.DoesNotContain("u0", kept); // the oldest went first
        Assert.DoesNotContain("u10", kept);
    }
}
