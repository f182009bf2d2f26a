using System.Security.Claims;
using Auth0Mcp.Sdk.Governance;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// What the audit tells an investigator about a server process and its calls: the settings each start governed with
/// (<c>server.started</c>, written with the process's first record and only then), the credential a caller signed in
/// with, the call-approval mode that applied, and an outcome's own time.
/// </summary>
public sealed class GovernanceRuntimeRecordTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("auth0mcp-started-").FullName;

    private string Database => Path.Combine(_directory, "governance.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A start on the shared store with <paramref name="approvals"/> as its call approval.</summary>
    private Task<GovernanceHarness> StartAsync(CallApprovalOptions approvals) =>
        GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersDelete)], o =>
        {
            o.UseSqlite(Database);
            o.Hooks.Add(new CallApprovalHook(approvals));
        });

    private static async Task<CallToolResult> DeleteAsAliceAsync(GovernanceHarness h)
    {
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));
        return await client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" });
    }

    [Fact]
    public async Task TwoStarts_WithOtherCallApprovals_EachLeavesItsSettingsRecord_BeforeItsFirstCall()
    {
        // The reviewer's case: alice's delete held for approval, the settings rewritten to need none, the server restarted.
        var held = new CallApprovalOptions { Default = CallApprovalMode.Admin };
        held.Rules.Add(new CallApprovalRule { Tools = { "auth0_users_delete" }, Mode = CallApprovalMode.Admin });
        long firstStartEnd;
        await using (var h = await StartAsync(held))
        {
            await h.AllowAsync(["alice"], "auth0_users_delete");
            Assert.True((await DeleteAsAliceAsync(h)).IsError);
            firstStartEnd = (await h.Store.GetAuditHeadAsync()).Sequence;
        }

        await using (var h = await StartAsync(new CallApprovalOptions { Default = CallApprovalMode.None }))
        {
            Assert.True((await DeleteAsAliceAsync(h)).IsError is not true);
            var audit = await h.AuditAsync();

            var started = audit.Where(r => r.Event == GovernanceRuntime.StartedEvent).ToList();
            Assert.Equal(2, started.Count);
            Assert.Equal(AuditKinds.Admin, started[0].Kind);
            Assert.Contains("\"call_approval\":[{\"default\":\"admin\",\"rules\":[\"tools=auth0_users_delete -> admin\"]}]", started[0].Details, StringComparison.Ordinal);
            Assert.Contains("\"call_approval\":[{\"default\":\"none\",\"rules\":[]}]", started[1].Details, StringComparison.Ordinal);
            Assert.Contains("\"hooks\":[\"secret-masking\",\"paging-cap\",\"call-approval\"]", started[1].Details, StringComparison.Ordinal);
            // Each start's record comes first among its process's records: the first start's before its catalogue sync
            // (the process's first write), the second's after everything the first wrote and before its call's intent.
            Assert.Equal(1, started[0].Sequence);
            Assert.Equal(firstStartEnd + 1, started[1].Sequence);
            var intent = Assert.Single(audit, r => r.Event == "tool.call.intent");
            Assert.Equal(started[1].Sequence + 1, intent.Sequence);
            // The call that ran without approval says why it needed none.
            var outcome = Assert.Single(audit, r => r.Event == "tool.call" && r.IntentSequence == intent.Sequence);
            var approval = Assert.Single(outcome.Hooks!, o => o.Hook == "call-approval" && o.Phase == "before");
            Assert.Equal("allowed", approval.Outcome);
            Assert.Equal("mode none (default)", approval.Detail);
            Assert.True((await h.Store.VerifyAuditAsync()).IsValid);
        }
    }

    [Fact]
    public async Task AStart_ThatRecordsNothing_WritesNothing()
    {
        await using (var h = await StartAsync(new CallApprovalOptions()))
        {
            await h.AllowAsync(["alice"], "auth0_users_delete");
        }

        (long Sequence, string Hash) before;
        await using (var h = await StartAsync(new CallApprovalOptions { Default = CallApprovalMode.None }))
        {
            before = await h.Store.GetAuditHeadAsync();
            await h.ConnectAsync(GovernanceHarness.User("alice")).ContinueWith(c => c.Result.ListToolsAsync().AsTask()).Unwrap();
            Assert.Equal(before, await h.Store.GetAuditHeadAsync());
        }

        await using (var h = await StartAsync(new CallApprovalOptions()))
        {
            Assert.Equal(before, await h.Store.GetAuditHeadAsync());
            Assert.Single(await h.AuditAsync(), r => r.Event == GovernanceRuntime.StartedEvent);
        }
    }

    [Fact]
    public async Task Outcome_IsStampedWhenTheCallEnded_TheIntentKeepsItsStart()
    {
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await GovernanceHarness.StartAsync([tool]);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var start = h.Clock.GetUtcNow();
        tool.Answer = _ =>
        {
            h.Clock.Advance(TimeSpan.FromSeconds(8)); // Auth0 took 8 s
            return new CallToolResult { Content = [new TextContentBlock { Text = "[]" }] };
        };
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());

        var intent = Assert.Single(await h.IntentRecordsAsync());
        var outcome = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal(start, intent.Time);
        Assert.Equal(start.AddSeconds(8), outcome.Time);
        Assert.Equal(intent.Sequence, outcome.IntentSequence);
    }

    [Fact]
    public async Task CallRecords_NameTheCredential_TheHostsClaimOrATokensIssuerAndId()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList);
        await h.AllowAsync(["alice"], "auth0_users_list");
        static ClaimsPrincipal Alice(params Claim[] more) =>
            new(new ClaimsIdentity([new Claim("sub", "alice"), .. more], authenticationType: "test"));

        foreach (var user in new[]
        {
            Alice(new Claim(CallerIdentity.CredentialClaimType, "api-key 1a2b3c4d")),
            Alice(new Claim("iss", "https://issuer.example/"), new Claim("jti", "t-42")),
            // A token that carries the credential claim itself (issued by the token's issuer, not the host): not believed.
            Alice(new Claim("iss", "https://issuer.example/"), new Claim("jti", "t-43"), new Claim(CallerIdentity.CredentialClaimType, "api-key 5b0c2f11", ClaimValueTypes.String, "https://issuer.example/")),
            Alice(),
        })
        {
            var client = await h.ConnectAsync(user);
            await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());
            await client.CallToolAsync("auth0_users_missing", new Dictionary<string, object?>()); // a refusal names it too
        }

        var calls = (await h.AuditAsync()).Where(r => r.Kind == AuditKinds.Call).ToList();
        Assert.Equal(["api-key 1a2b3c4d", "api-key 1a2b3c4d", "api-key 1a2b3c4d", "jwt iss=https://issuer.example/ jti=t-42", "jwt iss=https://issuer.example/ jti=t-42", "jwt iss=https://issuer.example/ jti=t-42",
            "jwt iss=https://issuer.example/ jti=t-43", "jwt iss=https://issuer.example/ jti=t-43", "jwt iss=https://issuer.example/ jti=t-43", null, null, null],
            calls.Select(r => r.Credential));
        Assert.Equal(4, calls.Count(r => r.Outcome == AuditOutcomes.Denied));
    }
}
