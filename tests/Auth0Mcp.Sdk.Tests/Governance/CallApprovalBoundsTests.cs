using System.Text.Json;
using Auth0Mcp.Sdk.Governance;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>The bounds across all callers of the call approvals kept in the shared state document.</summary>
public sealed class CallApprovalBoundsTests
{
    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    private static string PendingId(CallToolResult result)
    {
        Assert.True(result.IsError, Text(result));
        var match = System.Text.RegularExpressions.Regex.Match(Text(result), "approval request ([0-9a-f]{12}) is pending");
        Assert.True(match.Success, Text(result));
        return match.Groups[1].Value;
    }

    private static async Task<GovernanceHarness> StartAsync(Action<CallApprovalOptions> approvals, params string[] users)
    {
        var h = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersDelete)], o => o.RequireCallApproval(approvals));
        await h.AllowAsync(users, "auth0_users_delete");
        return h;
    }

    [Fact]
    public void Options_MaxOpenRequestsAndMaxClosedRequestsKept_DefaultAThousandAtLeastOne()
    {
        Assert.Equal(1000, new CallApprovalOptions().MaxOpenRequests);
        Assert.Equal(1000, new CallApprovalOptions().MaxClosedRequestsKept);
        Assert.Equal(
            ["call approval: MaxOpenRequests must be at least 1", "call approval: MaxClosedRequestsKept must be at least 1"],
            new CallApprovalOptions { MaxOpenRequests = 0, MaxClosedRequestsKept = 0 }.Validate());

        var errors = new List<string>();
        var parsed = CallApprovalOptions.Parse(JsonDocument.Parse("""{"MaxOpenRequests": 3, "MaxClosedRequestsKept": 5}""").RootElement, errors);
        Assert.Empty(errors);
        Assert.Equal((3, 5), (parsed.MaxOpenRequests, parsed.MaxClosedRequestsKept));
        CallApprovalOptions.Parse(JsonDocument.Parse("""{"MaxOpenRequests": "many", "MaxClosedRequestsKept": -1}""").RootElement, errors);
        Assert.Equal(["CallApproval:MaxOpenRequests must be a whole number (at least 1)", "call approval: MaxClosedRequestsKept must be at least 1"], errors);
    }

    [Fact]
    public async Task Request_AllCallersAtMaxOpenRequests_TheNextCallerIsRefusedNamingTheSettingUntilADecisionFreesAPlace()
    {
        await using var h = await StartAsync(a =>
        {
            a.Default = CallApprovalMode.Admin;
            a.MaxOpenRequests = 3;
        }, "alice", "bob", "carol", "dave");
        var ids = new List<string>();
        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            var client = await h.ConnectAsync(GovernanceHarness.User(user));
            ids.Add(PendingId(await client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = $"auth0|{user}" })));
        }

        var dave = await h.ConnectAsync(GovernanceHarness.User("dave"));
        var args = new Dictionary<string, object?> { ["id"] = "auth0|dave" };

        var refused = await dave.CallToolAsync("auth0_users_delete", args);

        Assert.True(refused.IsError, Text(refused));
        Assert.Contains("this call needs approval, but all callers together already have 3 pending approval request(s), the most the server keeps (CallApproval:MaxOpenRequests)", Text(refused), StringComparison.Ordinal);
        Assert.EndsWith("[hook-denied]", Text(refused), StringComparison.Ordinal);
        Assert.Equal(3, (await h.Governance.GetStateAsync()).CallApprovals.Count);
        Assert.Equal(DenialCodes.HookDenied, (await h.CallRecordsAsync()).Single(r => r.Reason?.Contains("CallApproval:MaxOpenRequests", StringComparison.Ordinal) == true).DenialCode);

        // A decision frees a place: the next request opens.
        await h.Governance.DecideCallApprovalAsync(ids[0], false, null, null, "admin");
        PendingId(await dave.CallToolAsync("auth0_users_delete", args));
        Assert.Equal(4, (await h.Governance.GetStateAsync()).CallApprovals.Count);
    }

    [Fact]
    public async Task Prune_ClosedRequestsOfManyCallersBeyondMaxClosedRequestsKept_OldestDroppedFirstAndTheAuditKeepsThemAll()
    {
        await using var h = await StartAsync(_ => { }, "alice");
        var limits = new CallApprovalLimits(PerCaller: 20, InAll: 1000, ClosedKept: 3);
        var denial = await h.Governance.RequestCallApprovalAsync("zoe", "auth0_users_delete", "denied", "{}", TimeSpan.FromDays(1));
        await h.Governance.DecideCallApprovalAsync(denial.Id, false, null, "no", "admin");
        var declined = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(1));
            var user = $"user{i}";
            var (confirmation, refusal) = await h.Governance.TryRequestElicitedApprovalAsync(user, "auth0_users_delete", $"hash-{i}", "{}", TimeSpan.FromMinutes(5), limits, default);
            Assert.Null(refusal);
            await h.Governance.AnswerElicitedApprovalAsync(confirmation!.Id, user, "auth0_users_delete", $"hash-{i}", false, "decline");
            declined.Add(confirmation.Id);
        }

        var (open, _) = await h.Governance.TryRequestElicitedApprovalAsync("alice", "auth0_users_delete", "hash-new", "{}", TimeSpan.FromMinutes(5), limits, default);

        var stored = (await h.Governance.GetStateAsync()).CallApprovals;
        Assert.Equal(declined.Skip(3).Order(StringComparer.Ordinal), stored.Where(a => a.Status == CallApprovalStatus.Denied && a.Channel == CallApproval.ElicitationChannel).Select(a => a.Id).Order(StringComparer.Ordinal));
        Assert.Contains(stored, a => a.Id == open!.Id); // open requests are not counted
        Assert.Contains(stored, a => a.Id == denial.Id); // a denial that still refuses its call stays
        Assert.Equal(6, (await h.AuditAsync()).Count(r => r.Event == "approval.declined"));
    }
}
