using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Governance;

public sealed class GovernanceEnforcementTests
{
    private static readonly Dictionary<string, object?> Args = new() { ["id"] = "x1" };

    [Fact]
    public async Task ListTools_ApprovedToolInCallersProfile_ShowsExactlyThatTool()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList, Descriptors.ClientsGet, Descriptors.RolesCreate);
        await h.AllowAsync(["alice"], "auth0_users_list");
        await h.ApproveAsync("auth0_clients_get"); // approved but in nobody's profile

        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var bob = await h.ConnectAsync(GovernanceHarness.User("bob"));

        Assert.Equal(["auth0_users_list"], (await alice.ListToolsAsync()).Select(t => t.Name));
        Assert.Empty(await bob.ListToolsAsync());
    }

    [Fact]
    public async Task CallTool_ApprovedInActiveProfile_ReachesToolAndAuditsSuccess()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice", "g1"), "claude-code");

        var result = await client.CallToolAsync("auth0_users_list", Args);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(1, h.Tools["auth0_users_list"].Calls);
        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal(AuditOutcomes.Success, record.Outcome);
        Assert.Equal("alice", record.User);
        Assert.Equal(["g1"], record.Groups);
        Assert.Equal("claude-code", record.ClientName);
        Assert.Equal("9.9", record.ClientVersion);
        Assert.Equal("test-server", record.Server);
        Assert.Equal("auth0_users_list", record.Tool);
        Assert.Contains("x1", record.Arguments);
        Assert.Equal(64, record.ArgumentsHash!.Length);
        Assert.NotNull(record.LatencyMs);
    }

    [Theory]
    [InlineData("pending", DenialCodes.PendingReview, "tool pending review", false)]
    [InlineData("disabled", DenialCodes.Disabled, "tool disabled", false)]
    [InlineData("removed", DenialCodes.Removed, "tool removed from the catalogue", false)]
    [InlineData("unknown", DenialCodes.UnknownTool, "unknown tool", true)]
    [InlineData("not-in-profile", DenialCodes.NotInProfile, "tool not in your access profile", false)]
    [InlineData("kill-global", DenialCodes.KillSwitch, "kill switch active", true)]
    [InlineData("kill-tool", DenialCodes.KillSwitch, "kill switch active", true)]
    public async Task CallTool_Denied_AuditKeepsTheTrueReasonCallerLearnsItOnlyWhenEntitled(string situation, string code, string reason, bool disclosed)
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList, Descriptors.ClientsGet);
        var tool = "auth0_users_list";
        switch (situation)
        {
            case "pending":
                await h.Governance.CreateToolsetAsync("s", [tool], null, "admin");
                await h.Governance.CreateProfileAsync("p", ["s"], ["alice"], [], AccessPolicy.AutoApprove, null, "admin");
                break;
            case "disabled":
                await h.AllowAsync(["alice"], tool);
                await h.Governance.DisableAsync([tool], "admin");
                break;
            case "removed":
                await h.AllowAsync(["alice"], tool);
                await h.Governance.SyncCatalogAsync([Descriptors.ClientsGet], "admin");
                break;
            case "unknown":
                tool = "auth0_nope";
                break;
            case "not-in-profile":
                await h.AllowAsync(["bob"], tool);
                break;
            case "kill-global":
                await h.AllowAsync(["alice"], tool);
                await h.Governance.SetKillSwitchAsync(true, null, "admin");
                break;
            case "kill-tool":
                await h.AllowAsync(["alice"], tool);
                await h.Governance.SetKillSwitchAsync(true, tool, "admin");
                break;
        }

        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var result = await client.CallToolAsync(tool, Args);

        Assert.True(result.IsError);
        var text = ResultText.Of(result);
        var told = disclosed ? (reason, $"[{code}]") : ($"unknown tool '{tool}'", "[unknown-tool]");
        Assert.Contains(told.Item1, text, StringComparison.Ordinal);
        Assert.EndsWith(told.Item2, text, StringComparison.Ordinal);
        Assert.Equal(disclosed, text.Contains(reason, StringComparison.Ordinal));
        Assert.All(h.Tools.Values, t => Assert.Equal(0, t.Calls));
        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal(AuditOutcomes.Denied, record.Outcome);
        Assert.Equal(code, record.DenialCode);
        Assert.Contains(reason, record.Reason);
        Assert.Equal("alice", record.User);
    }

    [Fact]
    public async Task CallTool_UnauthenticatedHttpPrincipal_DeniedNoCallerIdentity()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var anonymous = await h.ConnectAsync(new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity()));

        var result = await anonymous.CallToolAsync("auth0_users_list", Args);

        Assert.True(result.IsError);
        Assert.Contains("no caller identity", ResultText.Of(result));
        Assert.Empty(await anonymous.ListToolsAsync());
        Assert.Equal(DenialCodes.NoIdentity, Assert.Single(await h.CallRecordsAsync()).DenialCode);
    }

    [Fact]
    public async Task CallTool_StdioWithoutConfiguredIdentity_DeniedNoCallerIdentity()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var stdio = await h.ConnectAsync(user: null);

        var result = await stdio.CallToolAsync("auth0_users_list", Args);

        Assert.Contains("no caller identity", ResultText.Of(result));
        Assert.Equal(0, h.Tools["auth0_users_list"].Calls);
    }

    [Fact]
    public async Task CallTool_StdioWithConfiguredIdentityAndGroups_AllowedThroughGroupBinding()
    {
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            o => o.StdioIdentity = CallerIdentity.From("ops-bot", "ops, auditors"));
        await h.ApproveAsync("auth0_users_list");
        await h.Governance.CreateProfileAsync("auditors", [Toolset.ReadOnly], [], ["auditors"], AccessPolicy.AutoApprove, null, "admin");
        var stdio = await h.ConnectAsync(user: null);

        var result = await stdio.CallToolAsync("auth0_users_list", Args);

        Assert.NotEqual(true, result.IsError);
        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal("ops-bot", record.User);
        Assert.Equal(["ops", "auditors"], record.Groups);
    }

    [Fact]
    public async Task ReadOnlyToolset_BoundToGroup_ShowsOnlyApprovedReadTools()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList, Descriptors.ClientsGet, Descriptors.RolesCreate, Descriptors.UsersDelete);
        await h.ApproveAsync("auth0_users_list", "auth0_roles_create", "auth0_users_delete");
        await h.Governance.CreateProfileAsync("readers", [Toolset.ReadOnly], [], ["g1"], AccessPolicy.AutoApprove, null, "admin");
        var client = await h.ConnectAsync(GovernanceHarness.User("carol", "g1"));

        Assert.Equal(["auth0_users_list"], (await client.ListToolsAsync()).Select(t => t.Name));
        Assert.Contains("[unknown-tool]", ResultText.Of(await client.CallToolAsync("auth0_roles_create", Args)), StringComparison.Ordinal);
        Assert.Equal(DenialCodes.NotInProfile, Assert.Single(await h.CallRecordsAsync()).DenialCode);
    }

    [Fact]
    public async Task AllApprovedToolset_SkipsDisabledAndKilledTools()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList, Descriptors.ClientsGet, Descriptors.RolesCreate);
        await h.ApproveAsync("auth0_*");
        await h.Governance.CreateProfileAsync("all", [Toolset.AllApproved], ["alice"], [], AccessPolicy.AutoApprove, null, "admin");
        await h.Governance.DisableAsync(["auth0_roles_create"], "admin");
        await h.Governance.SetKillSwitchAsync(true, "auth0_clients_get", "admin");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        Assert.Equal(["auth0_users_list"], (await client.ListToolsAsync()).Select(t => t.Name));
    }

    [Fact]
    public async Task KillSwitch_TurnedOnWhileConnected_DeniesNextCallImmediately()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));
        Assert.NotEqual(true, (await client.CallToolAsync("auth0_users_list", Args)).IsError);

        await h.Governance.SetKillSwitchAsync(true, null, "admin");
        var denied = await client.CallToolAsync("auth0_users_list", Args);
        await h.Governance.SetKillSwitchAsync(false, null, "admin");
        var again = await client.CallToolAsync("auth0_users_list", Args);

        Assert.Contains("kill switch active", ResultText.Of(denied));
        Assert.NotEqual(true, again.IsError);
        Assert.Equal(2, h.Tools["auth0_users_list"].Calls);
        var audit = await h.AuditAsync();
        Assert.Contains(audit, r => r.Event == "killswitch.on" && r.User == "admin");
        Assert.Contains(audit, r => r.Event == "killswitch.off");
    }

    [Fact]
    public async Task JustInTimeProfile_RequestedThenExpired_AllowsUntilExpiryThenDenies()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList);
        await h.ApproveAsync("auth0_users_list");
        await h.Governance.CreateProfileAsync("oncall", [Toolset.AllApproved], ["alice"], [], AccessPolicy.JustInTime, TimeSpan.FromHours(2), "admin");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var before = await client.CallToolAsync("auth0_users_list", Args);
        var grant = await h.Governance.RequestAccessAsync("oncall", new CallerIdentity("alice", []), "incident 42");
        var during = await client.CallToolAsync("auth0_users_list", Args);
        h.Clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
        var after = await client.CallToolAsync("auth0_users_list", Args);

        Assert.Contains("not active", ResultText.Of(before));
        Assert.Equal(GrantStatus.Granted, grant.Status);
        Assert.Equal(h.Clock.GetUtcNow() - TimeSpan.FromSeconds(1), grant.ExpiresAt);
        Assert.NotEqual(true, during.IsError);
        Assert.True(after.IsError);
        Assert.Contains("access profile 'oncall' is not active", ResultText.Of(after));
        Assert.Equal([DenialCodes.ProfileNotActive, null, DenialCodes.ProfileNotActive], (await h.CallRecordsAsync()).Select(r => r.DenialCode));
    }

    [Fact]
    public async Task ApprovalRequiredProfile_RequestGrantedByAdmin_ActivatesOnlyAfterGrant()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList);
        await h.ApproveAsync("auth0_users_list");
        await h.Governance.CreateProfileAsync("sensitive", [Toolset.AllApproved], [], ["sec"], AccessPolicy.ApprovalRequired, null, "admin");
        var client = await h.ConnectAsync(GovernanceHarness.User("dave", "sec"));
        var dave = new CallerIdentity("dave", ["sec"]);

        var request = await h.Governance.RequestAccessAsync("sensitive", dave, "audit");
        var pending = await client.CallToolAsync("auth0_users_list", Args);
        await h.Governance.DecideAsync(request.Id, null, grant: true, expiry: null, "boss");
        var granted = await client.CallToolAsync("auth0_users_list", Args);

        Assert.Equal(GrantStatus.Requested, request.Status);
        Assert.Contains("needs an approved request", ResultText.Of(pending));
        Assert.NotEqual(true, granted.IsError);
        var audit = await h.AuditAsync();
        Assert.Contains(audit, r => r.Event == "grant.requested" && r.User == "dave");
        Assert.Contains(audit, r => r.Event == "grant.granted" && r.User == "boss");
    }

    [Fact]
    public async Task ApprovalRequiredProfile_RequestDenied_StaysInactive()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList);
        await h.ApproveAsync("auth0_users_list");
        await h.Governance.CreateProfileAsync("sensitive", [Toolset.AllApproved], ["erin"], [], AccessPolicy.ApprovalRequired, null, "admin");
        var client = await h.ConnectAsync(GovernanceHarness.User("erin"));

        await h.Governance.RequestAccessAsync("sensitive", new CallerIdentity("erin", []), null);
        await h.Governance.DecideAsync("sensitive", "erin", grant: false, expiry: null, "boss");

        Assert.Contains("needs an approved request", ResultText.Of(await client.CallToolAsync("auth0_users_list", Args)));
        Assert.Contains(await h.AuditAsync(), r => r.Event == "grant.denied");
    }

    [Fact]
    public async Task ApprovalRequiredProfile_DecidedByTheUserWhoRequested_RefusedAndStaysInactive()
    {
        // As for call approvals: the requester cannot decide their own request, grant or deny, by id or by profile
        // and user, under any spelling of the same name; another person can.
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList);
        await h.ApproveAsync("auth0_users_list");
        await h.Governance.CreateProfileAsync("breakglass", [Toolset.AllApproved], ["zed"], [], AccessPolicy.ApprovalRequired, null, "admin");
        var client = await h.ConnectAsync(GovernanceHarness.User("zed"));
        var request = await h.Governance.RequestAccessAsync("breakglass", new CallerIdentity("zed", []), "incident");

        foreach (var (idOrProfile, user, grant, actor) in new[]
        {
            (request.Id, (string?)null, true, "zed"), (request.Id, null, false, "zed"), ("breakglass", "zed", true, "Zed"), (request.Id, null, true, " ZED "),
        })
        {
            var ex = await Assert.ThrowsAsync<GovernanceException>(() => h.Governance.DecideAsync(idOrProfile, user, grant, expiry: null, actor));
            Assert.Equal($"access request {request.Id} was made by zed: another person decides it", ex.Message);
        }

        Assert.Equal(GrantStatus.Requested, (await h.Governance.GetStateAsync()).Grants.Single().Status);
        Assert.Contains("needs an approved request", ResultText.Of(await client.CallToolAsync("auth0_users_list", Args)));
        Assert.DoesNotContain(await h.AuditAsync(), r => r.Event is "grant.granted" or "grant.denied");

        await h.Governance.DecideAsync(request.Id, null, grant: true, expiry: null, "boss");
        Assert.NotEqual(true, (await client.CallToolAsync("auth0_users_list", Args)).IsError);
        Assert.Contains(await h.AuditAsync(), r => r.Event == "grant.granted" && r.User == "boss");
    }

    [Fact]
    public async Task Resync_ApprovedToolContentChanged_ReturnsToPendingReviewWithChangeRecorded()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));
        Assert.Single(await client.ListToolsAsync());

        var changed = Descriptors.Make("auth0_users_list", path: "/users", description: "Now also returns app_metadata.", scopes: ["read:users"]);
        var sync = await h.Governance.SyncCatalogAsync([changed], "deploy");
        // The server still runs the old catalogue: the stored approval no longer matches the stored hash.
        var state = await h.Governance.GetStateAsync();
        var tool = state.FindTool("auth0_users_list")!;

        Assert.Equal(["auth0_users_list"], sync.Changed);
        Assert.Equal(ToolState.PendingReview, tool.State);
        Assert.Contains("content changed", tool.LastChange);
        Assert.Contains(await h.AuditAsync(), r => r.Event == "tool.changed" && r.Tool == "auth0_users_list" && r.Details!.Contains("pending review"));
        Assert.Equal("Denied by governance: unknown tool 'auth0_users_list' [unknown-tool]", ResultText.Of(await client.CallToolAsync("auth0_users_list", Args)));
        Assert.Equal(DenialCodes.PendingReview, Assert.Single(await h.CallRecordsAsync()).DenialCode);
        Assert.Empty(await client.ListToolsAsync());
    }

    [Fact]
    public async Task Resync_ApprovedToolDefaultRiskRaisedWithoutContentChange_ReturnsToPendingReview()
    {
        // Only the operation id moves ("…rotate…" makes a write dangerous): the content hash stays, the risk does not.
        static Auth0ToolDescriptor Write(string operationId) => new(
            "auth0_things_update", "things update", "Updates a thing.", "PATCH", "/things/{id}", operationId, ["things"], ["update:things"],
            Auth0ToolAction.Write, "GA", Descriptors.Schema, false, false, false);
        var before = Write("patch_things_by_id");
        var after = Write("rotate_things_by_id");
        Assert.Equal(before.ContentHash, after.ContentHash);
        Assert.NotEqual(ToolGovernance.CatalogHash([before]), ToolGovernance.CatalogHash([after])); // the start-up does not skip the sync
        await using var h = await GovernanceHarness.StartAsync(before);
        await h.AllowAsync(["alice"], "auth0_things_update");
        Assert.Equal(ToolRisk.None, (await h.Governance.GetStateAsync()).FindTool("auth0_things_update")!.Risk);

        var sync = await h.Governance.SyncCatalogAsync([after], "deploy");
        var tool = (await h.Governance.GetStateAsync()).FindTool("auth0_things_update")!;

        Assert.Equal(["auth0_things_update"], sync.Changed);
        Assert.Equal((ToolState.PendingReview, ToolRisk.Dangerous, ToolRisk.None), (tool.State, tool.Risk, tool.ApprovedRisk));
        Assert.True(tool.ChangedSinceApproval()); // what the console marks "changed since approval" and counts back in review
        Assert.Contains(await h.AuditAsync(), r => r.Event == "tool.changed" && r.Tool == "auth0_things_update"
            && r.Details!.Contains("default risk None -> Dangerous; approval withdrawn, pending review", StringComparison.Ordinal));

        // Lowered again: recorded, and nothing to withdraw (an approval given now holds).
        await h.Governance.ApproveAsync(["auth0_things_update"], "admin");
        await h.Governance.SyncCatalogAsync([before], "deploy");
        tool = (await h.Governance.GetStateAsync()).FindTool("auth0_things_update")!;
        Assert.Equal((ToolState.Approved, ToolRisk.None), (tool.State, tool.Risk));
        Assert.Contains(await h.AuditAsync(), r => r.Event == "tool.changed" && r.Details == "default risk Dangerous -> None");
    }

    [Fact]
    public async Task Resync_RiskBackUpToTheOneApprovedAt_KeepsTheApproval()
    {
        // Approved while dangerous; lowered, then raised back: never above what the approval was given at.
        static Auth0ToolDescriptor Write(string operationId) => new(
            "auth0_things_update", "things update", "Updates a thing.", "PATCH", "/things/{id}", operationId, ["things"], ["update:things"],
            Auth0ToolAction.Write, "GA", Descriptors.Schema, false, false, false);
        await using var h = await GovernanceHarness.StartAsync(Write("rotate_things_by_id"));
        await h.AllowAsync(["alice"], "auth0_things_update");

        await h.Governance.SyncCatalogAsync([Write("patch_things_by_id")], "older-cli");
        var sync = await h.Governance.SyncCatalogAsync([Write("rotate_things_by_id")], "server");
        var tool = (await h.Governance.GetStateAsync()).FindTool("auth0_things_update")!;

        Assert.Equal(["auth0_things_update"], sync.Changed); // recorded: default risk None -> Dangerous
        Assert.Equal((ToolState.Approved, ToolRisk.Dangerous, ToolRisk.Dangerous), (tool.State, tool.Risk, tool.ApprovedRisk));
        Assert.False(tool.ChangedSinceApproval());
    }

    [Fact]
    public async Task Resync_RiskSetByAnAdministrator_StaysAndKeepsTheApproval()
    {
        static Auth0ToolDescriptor Write(string operationId) => new(
            "auth0_things_update", "things update", "Updates a thing.", "PATCH", "/things/{id}", operationId, ["things"], ["update:things"],
            Auth0ToolAction.Write, "GA", Descriptors.Schema, false, false, false);
        await using var h = await GovernanceHarness.StartAsync(Write("patch_things_by_id"));
        await h.AllowAsync(["alice"], "auth0_things_update");
        await h.Governance.ClassifyAsync(["auth0_things_update"], ToolRisk.Sensitive, "admin");

        var sync = await h.Governance.SyncCatalogAsync([Write("rotate_things_by_id")], "deploy");
        var tool = (await h.Governance.GetStateAsync()).FindTool("auth0_things_update")!;

        Assert.Empty(sync.Changed);
        Assert.Equal((ToolState.Approved, ToolRisk.Sensitive), (tool.State, tool.Risk));
    }

    [Fact]
    public async Task Approval_BoundToHash_ServerWithChangedCatalogueTreatsOldApprovalAsPending()
    {
        // Instance A approves v1; instance B (same store) runs v2 of the tool.
        using var directory = new TestDirectory("auth0mcp-gov-");
        var storePath = directory.File("shared.db");
        await using (var a = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList)], o => o.UseSqlite(storePath)))
        {
            await a.AllowAsync(["alice"], "auth0_users_list");
        }

        var v2 = Descriptors.Make("auth0_users_list", path: "/users", description: "v2", scopes: ["read:users"]);
        await using var b = await GovernanceHarness.StartAsync([new FakeTool(v2)], o => o.UseSqlite(storePath));
        var client = await b.ConnectAsync(GovernanceHarness.User("alice"));

        Assert.Contains("[unknown-tool]", ResultText.Of(await client.CallToolAsync("auth0_users_list", Args)), StringComparison.Ordinal);
        Assert.Equal(DenialCodes.PendingReview, Assert.Single(await b.CallRecordsAsync()).DenialCode);
        await b.ApproveAsync("auth0_users_list");
        Assert.NotEqual(true, (await client.CallToolAsync("auth0_users_list", Args)).IsError);
    }

    [Fact]
    public async Task ListChanged_AdminApprovesToolForConnectedCaller_ClientIsNotified()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList);
        await h.Governance.CreateProfileAsync("p", [Toolset.AllApproved], ["alice"], [], AccessPolicy.AutoApprove, null, "admin");
        var notified = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"), legacyProtocol: true);
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            notified.TrySetResult();
            return ValueTask.CompletedTask;
        });
        Assert.Empty(await client.ListToolsAsync());

        await h.ApproveAsync("auth0_users_list");

        await notified.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["auth0_users_list"], (await client.ListToolsAsync()).Select(t => t.Name));
    }

    [Fact]
    public async Task ListChanged_JustInTimeGrantExpires_ClientIsNotifiedOnRefresh()
    {
        await using var h = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList)], o => o.RefreshInterval = TimeSpan.FromMinutes(1));
        await h.ApproveAsync("auth0_users_list");
        await h.Governance.CreateProfileAsync("oncall", [Toolset.AllApproved], ["alice"], [], AccessPolicy.JustInTime, TimeSpan.FromMinutes(30), "admin");
        await h.Governance.RequestAccessAsync("oncall", new CallerIdentity("alice", []), null);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"), legacyProtocol: true);
        Assert.Single(await client.ListToolsAsync());
        var notified = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            notified.TrySetResult();
            return ValueTask.CompletedTask;
        });

        h.Clock.Advance(TimeSpan.FromMinutes(31));

        await notified.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(await client.ListToolsAsync());
    }

    [Fact]
    public async Task ListChanged_ChangeAffectingOnlyAnotherCaller_DoesNotNotify()
    {
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList, Descriptors.ClientsGet);
        await h.AllowAsync(["alice"], "auth0_users_list");
        await h.Governance.CreateProfileAsync("bobs", [Toolset.AllApproved], ["bob"], [], AccessPolicy.AutoApprove, null, "admin");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"), legacyProtocol: true);
        var bob = await h.ConnectAsync(GovernanceHarness.User("bob"), legacyProtocol: true);
        var aliceNotified = 0;
        var bobNotified = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var r1 = alice.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            Interlocked.Increment(ref aliceNotified);
            return ValueTask.CompletedTask;
        });
        await using var r2 = bob.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            bobNotified.TrySetResult();
            return ValueTask.CompletedTask;
        });
        await alice.ListToolsAsync();
        await bob.ListToolsAsync();

        await h.ApproveAsync("auth0_clients_get"); // reaches bob (all-approved), not alice

        await bobNotified.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await alice.PingAsync();
        Assert.Equal(0, Volatile.Read(ref aliceNotified));
    }

    [Fact]
    public async Task NewTool_RequireApprovalOnWithApprovedDefault_StillPendingReview()
    {
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            o => o.InitialDefaults = new GovernanceDefaults { NewToolState = ToolState.Approved, RequireApproval = true });

        Assert.Equal(ToolState.PendingReview, (await h.Governance.GetStateAsync()).FindTool("auth0_users_list")!.State);
    }

    [Fact]
    public async Task NewTool_RequireApprovalOffWithApprovedDefault_IsApprovedAtItsHash()
    {
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            o => o.InitialDefaults = new GovernanceDefaults { NewToolState = ToolState.Approved, RequireApproval = false });

        var tool = (await h.Governance.GetStateAsync()).FindTool("auth0_users_list")!;
        Assert.Equal(ToolState.Approved, tool.State);
        Assert.Equal(Descriptors.UsersList.ContentHash, tool.ApprovedHash);
    }
}
