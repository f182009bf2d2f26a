using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Client;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// Access that is taken away stays away, and approvals that still apply are not lost: an unbinding ends the grants it
/// reaches; an auto profile cannot be given an expiry it would never honour; a kill switch or a deleted profile stops a
/// call whose before-hooks were still running; a catalogue synced by a build with an older catalogue does not cost
/// the tools their approvals once the newer catalogue is synced again.
/// </summary>
public sealed class AccessRevocationTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "auth0mcp-revocation-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero));
    private SqliteGovernanceStore _store = null!;
    private ToolGovernance _governance = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _store = new SqliteGovernanceStore(Path.Combine(_dir, "governance.db"));
        _governance = new ToolGovernance(_store, _clock);
        return _store.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static readonly Dictionary<string, Auth0ToolDescriptor> UsersOnly = new() { [Descriptors.UsersList.Name] = Descriptors.UsersList };

    private async Task<bool> AllowedAsync(CallerIdentity caller, IReadOnlyDictionary<string, Auth0ToolDescriptor>? catalog = null, string tool = "auth0_users_list") =>
        ToolGovernance.Evaluate(await _governance.GetStateAsync(), catalog ?? UsersOnly, caller, tool, _clock.GetUtcNow()).Allowed;

    /// <summary>An approval profile 'p' over auth0_users_list, bound to alice by name and to the group g1; alice's request granted.</summary>
    private async Task GrantedThroughAnApprovalProfileAsync()
    {
        await _governance.SyncCatalogAsync([Descriptors.UsersList], "system");
        await _governance.ApproveAsync(["auth0_users_list"], "admin");
        await _governance.CreateToolsetAsync("users", ["auth0_users_list"], null, "admin");
        await _governance.CreateProfileAsync("p", ["users"], ["alice"], ["g1"], AccessPolicy.ApprovalRequired, null, "admin");
        var request = await _governance.RequestAccessAsync("p", new CallerIdentity("alice", []), "on call");
        await _governance.DecideAsync(request.Id, null, grant: true, null, "admin");
        Assert.True(await AllowedAsync(new CallerIdentity("alice", [])));
    }

    [Fact]
    public async Task Unbind_UserBoundAgainLater_AsksAgainInsteadOfHerOldGrant()
    {
        await GrantedThroughAnApprovalProfileAsync();

        await _governance.BindProfileAsync("p", bind: false, [], ["alice"], [], "admin");
        Assert.False(await AllowedAsync(new CallerIdentity("alice", [])));
        _clock.Advance(TimeSpan.FromDays(365));
        await _governance.BindProfileAsync("p", bind: true, [], ["alice"], [], "admin");

        Assert.False(await AllowedAsync(new CallerIdentity("alice", [])), "re-bound, alice's withdrawn grant gave her access back");
        Assert.False(await AllowedAsync(new CallerIdentity("alice", ["g1"])), "back through g1, alice's withdrawn grant gave her access back");
        Assert.DoesNotContain((await _governance.GetStateAsync()).Grants, g => g.User == "alice");
        Assert.Contains(await AuditEventsAsync(), e => e.Event == "profile.unbound" && e.Details!.Contains("1 grant(s) withdrawn", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unbind_Group_EndsTheGrantsOfUsersWhoCameThroughIt_KeepsThoseBoundByName()
    {
        await GrantedThroughAnApprovalProfileAsync();
        var bob = new CallerIdentity("bob", ["g1"]);
        var request = await _governance.RequestAccessAsync("p", bob, "on call too");
        await _governance.DecideAsync(request.Id, null, grant: true, null, "admin");
        Assert.True(await AllowedAsync(bob));

        await _governance.BindProfileAsync("p", bind: false, [], [], ["g1"], "admin");
        await _governance.BindProfileAsync("p", bind: true, [], [], ["g1"], "admin");

        Assert.False(await AllowedAsync(bob), "bob came through g1; unbinding g1 did not end his grant");
        Assert.True(await AllowedAsync(new CallerIdentity("alice", [])), "alice is bound by name; unbinding g1 ended her grant");
    }

    [Fact]
    public async Task CreateProfile_AutoWithAnExpiry_IsRefusedAndNothingIsCreated()
    {
        await _governance.SyncCatalogAsync([Descriptors.UsersList], "system");

        var refused = await Assert.ThrowsAsync<GovernanceException>(() => _governance.CreateProfileAsync("contractors", [Toolset.AllApproved], ["bob"], [], AccessPolicy.AutoApprove, TimeSpan.FromHours(2), "admin"));

        Assert.Contains("auto profile does not expire", refused.Message, StringComparison.Ordinal);
        Assert.Empty((await _governance.GetStateAsync()).Profiles);
    }

    [Fact]
    public async Task Sync_ABuildWithAnOlderCatalogue_ThenTheNewerAgain_ApprovalsHold()
    {
        var olderX = Descriptors.Make("auth0_x_get", description: "as the older build has it");
        var newerX = Descriptors.Make("auth0_x_get", description: "as the newer build has it");
        var newerY = Descriptors.Make("auth0_y_get");
        var newer = new Dictionary<string, Auth0ToolDescriptor> { [newerX.Name] = newerX, [newerY.Name] = newerY };
        await _governance.SyncCatalogAsync([newerX, newerY], "system:new");
        await _governance.ApproveAsync(["auth0_x_get", "auth0_y_get"], "admin");
        await _governance.CreateProfileAsync("p", [Toolset.AllApproved], ["alice"], [], AccessPolicy.AutoApprove, null, "admin");
        var alice = new CallerIdentity("alice", []);

        await _governance.SyncCatalogAsync([olderX], "system:old");
        var meanwhile = await _governance.GetStateAsync();
        Assert.Equal(ToolState.PendingReview, meanwhile.FindTool("auth0_x_get")!.State);
        Assert.Equal(ToolState.Removed, meanwhile.FindTool("auth0_y_get")!.State);

        var sync = await _governance.SyncCatalogAsync([newerX, newerY], "system:new");

        var after = await _governance.GetStateAsync();
        Assert.Equal(ToolState.Approved, after.FindTool("auth0_x_get")!.State);
        Assert.Equal(ToolState.Approved, after.FindTool("auth0_y_get")!.State);
        Assert.Equal(["auth0_y_get"], sync.Restored);
        Assert.True(await AllowedAsync(alice, newer, "auth0_x_get"));
        Assert.True(await AllowedAsync(alice, newer, "auth0_y_get"));
    }

    // One tool at one content hash; the newer build's classifier (here through the operation id) derives a higher risk.
    private static Auth0ToolDescriptor ThingsUpdate(string operationId) => new(
        "auth0_things_update", "things update", "Updates a thing.", "PATCH", "/things/{id}", operationId, ["things"], ["update:things"],
        Auth0ToolAction.Write, "GA", Descriptors.Schema, false, false, false);

    [Fact]
    public async Task Sync_ABuildThatClassifiesLower_RestoresAnApproval_TheBuildThatClassifiesHigherStillRefuses()
    {
        var older = ThingsUpdate("patch_things_by_id");   // risk None
        var newer = ThingsUpdate("rotate_things_by_id");  // risk Dangerous
        Assert.Equal(older.ContentHash, newer.ContentHash);
        var newerCatalog = new Dictionary<string, Auth0ToolDescriptor> { [newer.Name] = newer };
        var alice = new CallerIdentity("alice", []);
        await _governance.SyncCatalogAsync([older], "cli:old");
        await _governance.ApproveAsync([older.Name], "admin");
        await _governance.CreateProfileAsync("p", [Toolset.AllApproved], ["alice"], [], AccessPolicy.AutoApprove, null, "admin");

        await _governance.SyncCatalogAsync([newer], "system:new"); // withdrawn: its risk rose above the approval's
        Assert.False(await AllowedAsync(alice, newerCatalog, newer.Name));
        await _governance.SyncCatalogAsync([older], "cli:old");    // any command of the older CLI: back at None, approved again
        Assert.Equal(ToolState.Approved, (await _governance.GetStateAsync()).FindTool(newer.Name)!.State);

        var decision = ToolGovernance.Evaluate(await _governance.GetStateAsync(), newerCatalog, alice, newer.Name, _clock.GetUtcNow());
        Assert.False(decision.Allowed);
        Assert.Equal(DenialCodes.PendingReview, decision.Code);
        Assert.Contains("its risk, Dangerous, is above the None it was approved at", decision.Reason, StringComparison.Ordinal);
        Assert.True(await AllowedAsync(alice, new Dictionary<string, Auth0ToolDescriptor> { [older.Name] = older }, older.Name));
    }

    [Fact]
    public async Task Evaluate_AnApprovalThatRecordedNoRisk_IsHeldToTheStoredRisk()
    {
        // Approved by a build from before approvals recorded their risk, at the risk it stored (None); this build
        // classifies the tool higher: the approval does not cover it.
        var older = ThingsUpdate("patch_things_by_id");   // risk None
        var newer = ThingsUpdate("rotate_things_by_id");  // risk Dangerous, same content
        var state = await _store.LoadStateAsync();
        state.Tools.Add(new GovernedTool
        {
            Name = older.Name,
            Action = older.Action,
            State = ToolState.Approved,
            Risk = ToolRisk.None,
            ContentHash = older.ContentHash,
            ApprovedHash = older.ContentHash,
            ApprovedRisk = null,
        });
        Assert.True(await _store.TrySaveStateAsync(state, state.Revision, []));
        await _governance.CreateProfileAsync("p", [Toolset.AllApproved], ["alice"], [], AccessPolicy.AutoApprove, null, "admin");
        var alice = new CallerIdentity("alice", []);

        var decision = ToolGovernance.Evaluate(await _governance.GetStateAsync(), new Dictionary<string, Auth0ToolDescriptor> { [newer.Name] = newer }, alice, newer.Name, _clock.GetUtcNow());

        Assert.Equal(DenialCodes.PendingReview, decision.Code);
        Assert.True(await AllowedAsync(alice, new Dictionary<string, Auth0ToolDescriptor> { [older.Name] = older }, older.Name));
    }

    [Fact]
    public async Task Hooks_SeeTheRiskThisBuildDerives_NotALowerOneAnotherBuildSynced()
    {
        var older = ThingsUpdate("patch_things_by_id");
        var newer = ThingsUpdate("rotate_things_by_id");
        var path = Path.Combine(_dir, "shared.db");
        await using var cli = new SqliteGovernanceStore(path);
        await cli.InitializeAsync();
        var admin = new ToolGovernance(cli);
        await using var harness = await GovernanceHarness.StartAsync([new FakeTool(newer)],
            o => o.WriteAuthorization = new WriteAuthorizationHook { DeniedRisks = [ToolRisk.Dangerous] }, store: new SqliteGovernanceStore(path));
        await admin.ApproveAsync([newer.Name], "admin"); // approved at Dangerous, as the newer build classifies it
        await admin.CreateProfileAsync("p", [Toolset.AllApproved], ["alice"], [], AccessPolicy.AutoApprove, null, "admin");
        await admin.SyncCatalogAsync([older], "cli:old"); // the stored risk drops to None; the approval (at Dangerous) covers it
        Assert.Equal(ToolRisk.None, (await admin.GetStateAsync()).FindTool(newer.Name)!.Risk);
        var client = await harness.ConnectAsync(GovernanceHarness.User("alice"));

        var listed = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        var result = await client.CallToolAsync(newer.Name, new Dictionary<string, object?> { ["id"] = "x1" });

        Assert.DoesNotContain(newer.Name, listed); // the visibility half of the hook sees this build's risk too
        Assert.True(result.IsError);
        Assert.Equal(0, harness.Tools[newer.Name].Calls);
        Assert.Equal(DenialCodes.HookDenied, Assert.Single(await harness.CallRecordsAsync()).DenialCode);
    }

    [Fact]
    public async Task Sync_BackWithOtherContent_StaysForReview_AndTheApprovalHoldsOnlyForTheApprovedContent()
    {
        var approved = Descriptors.Make("auth0_x_get", description: "approved");
        var other = Descriptors.Make("auth0_x_get", description: "never reviewed");
        await _governance.SyncCatalogAsync([approved], "system");
        await _governance.ApproveAsync(["auth0_x_get"], "admin");

        await _governance.SyncCatalogAsync([], "system");
        await _governance.SyncCatalogAsync([other], "system");
        Assert.Equal(ToolState.PendingReview, (await _governance.GetStateAsync()).FindTool("auth0_x_get")!.State);

        await _governance.SyncCatalogAsync([approved], "system");
        Assert.Equal(ToolState.Approved, (await _governance.GetStateAsync()).FindTool("auth0_x_get")!.State);
    }

    [Fact]
    public async Task Sync_BackAfterBeingDisabled_StaysDisabledOrForReview()
    {
        await _governance.SyncCatalogAsync([Descriptors.UsersList], "system");
        await _governance.ApproveAsync(["auth0_users_list"], "admin");
        await _governance.DisableAsync(["auth0_users_list"], "admin");

        await _governance.SyncCatalogAsync([], "system");
        await _governance.SyncCatalogAsync([Descriptors.UsersList], "system");

        Assert.NotEqual(ToolState.Approved, (await _governance.GetStateAsync()).FindTool("auth0_users_list")!.State);
    }

    [Theory]
    [InlineData(ToolState.Approved, false)]
    [InlineData(ToolState.PendingReview, true)]
    public async Task Sync_DisabledThenRemovedThenBack_ComesBackDisabledWhateverTheDefaults(ToolState newToolState, bool requireApproval)
    {
        // Before: back in the catalogue, a tool an administrator had disabled took the new-tool state (Approved when
        // require-approval is off), recorded as "back in the catalogue; state Approved".
        await _governance.SetDefaultsAsync(newToolState, requireApproval, "admin");
        await _governance.SyncCatalogAsync([Descriptors.UsersList], "system");
        await _governance.DisableAsync(["auth0_users_list"], "admin");

        await _governance.SyncCatalogAsync([], "system");
        Assert.Equal(ToolState.Removed, (await _governance.GetStateAsync()).FindTool("auth0_users_list")!.State);
        await _governance.SyncCatalogAsync([Descriptors.UsersList], "system");

        var tool = (await _governance.GetStateAsync()).FindTool("auth0_users_list")!;
        Assert.Equal(ToolState.Disabled, tool.State);
        Assert.Null(tool.RemovedFrom);

        // Enabled again by an administrator, then removed and back: the new-tool state again, not Disabled.
        await _governance.ApproveAsync(["auth0_users_list"], "admin");
        await _governance.SyncCatalogAsync([], "system");
        await _governance.SyncCatalogAsync([Descriptors.UsersList], "system");
        Assert.Equal(ToolState.Approved, (await _governance.GetStateAsync()).FindTool("auth0_users_list")!.State);
    }

    [Fact]
    public async Task Sync_DisabledByAnAdminAfterComingBack_IsNeverRestoredByALaterReturn()
    {
        var v1 = Descriptors.Make("auth0_x_get", description: "v1");
        var v2 = Descriptors.Make("auth0_x_get", description: "v2");
        await _governance.SetDefaultsAsync(ToolState.Disabled, null, "admin");
        await _governance.SyncCatalogAsync([v1], "system");
        await _governance.ApproveAsync(["auth0_x_get"], "admin");
        await _governance.SyncCatalogAsync([], "system");
        await _governance.SyncCatalogAsync([v2], "system");
        Assert.Equal(ToolState.Disabled, (await _governance.GetStateAsync()).FindTool("auth0_x_get")!.State);

        await _governance.DisableAsync(["auth0_x_get"], "admin");
        await _governance.SyncCatalogAsync([], "system");
        await _governance.SyncCatalogAsync([v1], "system");

        Assert.NotEqual(ToolState.Approved, (await _governance.GetStateAsync()).FindTool("auth0_x_get")!.State);
    }

    [Fact]
    public async Task Sync_AnOlderBuildsApprovalWithNoRecordedRisk_RemovedThenBack_IsRestored()
    {
        // Approved by a build from before approvals recorded their risk; a later catalogue drops the tool and the next
        // brings it back unchanged: the approval that held when it left holds again.
        var list = Descriptors.Make("auth0_x_list", path: "/x");
        var state = await _store.LoadStateAsync();
        state.Tools.Add(new GovernedTool
        {
            Name = list.Name,
            Action = list.Action,
            State = ToolState.Approved,
            Risk = RiskClassifier.Classify(list),
            ContentHash = list.ContentHash,
            ApprovedHash = list.ContentHash,
            ApprovedRisk = null,
        });
        Assert.True(await _store.TrySaveStateAsync(state, state.Revision, []));

        await _governance.SyncCatalogAsync([Descriptors.UsersList], "system"); // a catalogue without it
        Assert.Equal(ToolState.Removed, (await _governance.GetStateAsync()).FindTool(list.Name)!.State);
        await _governance.SyncCatalogAsync([Descriptors.UsersList, list], "system");

        var back = (await _governance.GetStateAsync()).FindTool(list.Name)!;
        Assert.Equal(ToolState.Approved, back.State);
        Assert.Equal(back.Risk, back.ApprovedRisk);
    }

    [Fact]
    public async Task Sync_AnApprovalThatRecordedNoRisk_BackAtAHigherRisk_IsNotRestored()
    {
        var delete = Descriptors.Make("auth0_x_delete", Auth0ToolAction.Delete, "/x/{id}");
        var state = await _store.LoadStateAsync();
        state.Tools.Add(new GovernedTool
        {
            Name = delete.Name,
            Action = delete.Action,
            State = ToolState.Removed,
            Risk = ToolRisk.None,
            ContentHash = delete.ContentHash,
            ApprovedHash = delete.ContentHash,
            ApprovedRisk = null, // approved before approvals recorded their risk
        });
        Assert.True(await _store.TrySaveStateAsync(state, state.Revision, []));
        Assert.True(RiskClassifier.Classify(delete) > ToolRisk.None);

        await _governance.SyncCatalogAsync([delete], "system");

        Assert.Equal(ToolState.PendingReview, (await _governance.GetStateAsync()).FindTool(delete.Name)!.State);
    }

    [Theory]
    [InlineData("nothing")]
    [InlineData("kill-switch")]
    [InlineData("profile-deleted")]
    public async Task Call_WhileABeforeHookWaits_AccessWithdrawnMeanwhileIsRefusedAndNothingSent(string change)
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList)], o => o.Hooks.Add(new GateHook(entered, release)));
        await harness.AllowAsync(["alice"], "auth0_users_list");
        var client = await harness.ConnectAsync(GovernanceHarness.User("alice"));

        var call = client.CallToolAsync("auth0_users_list", new Dictionary<string, object?>()).AsTask();
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        if (change == "kill-switch")
        {
            await harness.Governance.SetKillSwitchAsync(true, null, "admin");
        }
        else if (change == "profile-deleted")
        {
            foreach (var profile in (await harness.Governance.GetStateAsync()).Profiles)
            {
                await harness.Governance.DeleteProfileAsync(profile.Name, "admin");
            }
        }

        release.SetResult();
        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));

        if (change == "nothing")
        {
            Assert.NotEqual(true, result.IsError);
            Assert.Equal(1, harness.Tools["auth0_users_list"].Calls);
            return;
        }

        Assert.True(result.IsError);
        Assert.Equal(0, harness.Tools["auth0_users_list"].Calls);
        Assert.Empty(await harness.IntentRecordsAsync());
        var record = Assert.Single(await harness.CallRecordsAsync());
        Assert.Equal(change == "kill-switch" ? DenialCodes.KillSwitch : DenialCodes.NotInProfile, record.DenialCode);
        Assert.Contains("changed while the before-hooks ran", record.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nothing")]
    [InlineData("unrelated")]
    [InlineData("kill-switch")]
    [InlineData("profile-deleted")]
    public async Task Call_AnotherProcessWithdrawsAccessWhileTheIntentWaitsToBeWritten_NothingIsSent(string change)
    {
        // The call is decided, then its intent waits for the writer (behind another process's lock, a slow fsync): an
        // administrator's CLI, with its own store on the same file, commits the change first. The intent's commit comes
        // after it, so the call must not go out.
        var path = Path.Combine(_dir, "shared.db");
        await using var cli = new SqliteGovernanceStore(path);
        var admin = new ToolGovernance(cli);
        var store = new BeforeIntentStore(new SqliteGovernanceStore(path));
        await using var harness = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList)], store: store);
        await harness.AllowAsync(["alice"], "auth0_users_list");
        var client = await harness.ConnectAsync(GovernanceHarness.User("alice"));
        await cli.InitializeAsync();
        store.BeforeIntent = change switch
        {
            "kill-switch" => () => admin.SetKillSwitchAsync(true, null, "admin"),
            "profile-deleted" => async () =>
            {
                foreach (var profile in (await admin.GetStateAsync()).Profiles)
                {
                    await admin.DeleteProfileAsync(profile.Name, "admin");
                }
            },
            "unrelated" => () => admin.CreateToolsetAsync("other", ["auth0_users_list"], null, "admin"), // the revision moves; this call stays allowed
            _ => () => Task.CompletedTask,
        };

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());

        var intent = Assert.Single(await harness.IntentRecordsAsync());
        var record = Assert.Single(await harness.CallRecordsAsync());
        Assert.Equal(intent.Sequence, record.IntentSequence);
        if (change is "nothing" or "unrelated")
        {
            Assert.NotEqual(true, result.IsError);
            Assert.Equal(1, harness.Tools["auth0_users_list"].Calls);
            return;
        }

        Assert.True(result.IsError);
        Assert.Equal(0, harness.Tools["auth0_users_list"].Calls);
        Assert.Equal(AuditOutcomes.Denied, record.Outcome);
        Assert.Equal(change == "kill-switch" ? DenialCodes.KillSwitch : DenialCodes.NotInProfile, record.DenialCode);
        Assert.Contains("changed while the intent was written; nothing was sent to Auth0", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_AGrantThatExpiresWhileTheIntentIsWritten_IsRefusedAndNothingSent()
    {
        // Nothing in the store changes: only the clock passes the grant's expiry while the intent waits for the writer.
        var store = new BeforeIntentStore(new SqliteGovernanceStore(Path.Combine(_dir, "expiry.db")));
        await using var harness = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList)], store: store);
        await harness.ApproveAsync("auth0_users_list");
        await harness.Governance.CreateProfileAsync("oncall", [Toolset.AllApproved], ["alice"], [], AccessPolicy.JustInTime, TimeSpan.FromHours(1), "admin");
        await harness.Governance.RequestAccessAsync("oncall", new CallerIdentity("alice", []), "incident");
        var client = await harness.ConnectAsync(GovernanceHarness.User("alice"));
        store.BeforeIntent = () =>
        {
            harness.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
            return Task.CompletedTask;
        };

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());

        Assert.True(result.IsError);
        Assert.Equal(0, harness.Tools["auth0_users_list"].Calls);
        var record = Assert.Single(await harness.CallRecordsAsync());
        Assert.Equal(AuditOutcomes.Denied, record.Outcome);
        Assert.Equal(DenialCodes.ProfileNotActive, record.DenialCode);
        Assert.Contains("changed while the intent was written; nothing was sent to Auth0", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_ByACallerNotEntitled_NeverMakesTheServerObtainOrRenewTheToken()
    {
        // The shared token is obtained (client credentials) and renewed (scopes older than a grant) only for a call the
        // state allows: a name anyone can send must not drive the token endpoint or throw the valid token away.
        var scopes = new CountingScopeGuard(["read:users"]); // not delete:users
        await using var harness = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList), new FakeTool(Descriptors.UsersDelete)],
            services: s => s.AddSingleton<Auth0Mcp.Sdk.Auth.IAuth0ScopeGuard>(scopes));
        await harness.AllowAsync(["alice"], "auth0_users_list", "auth0_users_delete");
        var mallory = await harness.ConnectAsync(GovernanceHarness.User("mallory"));
        var alice = await harness.ConnectAsync(GovernanceHarness.User("alice"));

        await mallory.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());
        await mallory.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" });
        await mallory.CallToolAsync("no_such_tool_at_all", new Dictionary<string, object?>());
        Assert.Equal((0, 0), (scopes.Obtained, scopes.Renewed));

        await alice.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());
        var refused = await alice.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" });

        Assert.Equal((2, 1), (scopes.Obtained, scopes.Renewed)); // alice's two calls; the delete's missing scope asks for a renewal once
        Assert.True(refused.IsError);
        Assert.Equal(1, harness.Tools["auth0_users_list"].Calls);
        Assert.Equal(0, harness.Tools["auth0_users_delete"].Calls);
        Assert.Equal(
            [DenialCodes.NotInProfile, DenialCodes.NotInProfile, DenialCodes.UnknownTool, null, DenialCodes.MissingScopes],
            (await harness.CallRecordsAsync()).Select(r => r.DenialCode));
    }

    private sealed class CountingScopeGuard(string[] granted) : Auth0Mcp.Sdk.Auth.IAuth0ScopeGuard
    {
        public int Obtained { get; private set; }

        public int Renewed { get; private set; }

        public ValueTask<IReadOnlySet<string>?> GrantedScopesAsync(bool obtainToken, CancellationToken cancellationToken)
        {
            if (obtainToken)
            {
                Obtained++;
            }

            return ValueTask.FromResult<IReadOnlySet<string>?>(new HashSet<string>(granted, StringComparer.Ordinal));
        }

        public ValueTask<IReadOnlySet<string>?> RenewedScopesAsync(CancellationToken cancellationToken)
        {
            Renewed++;
            return ValueTask.FromResult<IReadOnlySet<string>?>(null);
        }
    }

    /// <summary>Runs another writer's change just before the intent record is written (as if it had the lock first).</summary>
    private sealed class BeforeIntentStore(IGovernanceStore inner) : DelegatingGovernanceStore(inner)
    {
        public Func<Task>? BeforeIntent { get; set; }

        public override async Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default)
        {
            if (record.Outcome == AuditOutcomes.Intent && BeforeIntent is { } change)
            {
                BeforeIntent = null;
                await change();
            }

            await base.AppendAuditAsync(record, cancellationToken);
        }
    }

    private async Task<List<AuditRecord>> AuditEventsAsync()
    {
        var list = new List<AuditRecord>();
        await foreach (var row in _store.ReadAuditAsync())
        {
            list.Add(AuditChain.Read(row));
        }

        return list;
    }

    /// <summary>A before-hook that waits at a gate (as a call approval waits for a person).</summary>
    private sealed class GateHook(TaskCompletionSource entered, TaskCompletionSource release) : ToolCallHook
    {
        public override string Name => "gate";

        public override async ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(cancellationToken);
            return HookDecision.Allow;
        }
    }
}
