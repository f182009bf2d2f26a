using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>Per-call approval and argument policies through a real MCP client and server pair (in-memory pipes).</summary>
public sealed class CallApprovalAndPolicyTests
{
    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    private static string PendingId(CallToolResult result)
    {
        Assert.True(result.IsError, Text(result));
        var match = System.Text.RegularExpressions.Regex.Match(Text(result), "approval request ([0-9a-f]{12}) is pending");
        Assert.True(match.Success, Text(result));
        return match.Groups[1].Value;
    }

    private static async Task<GovernanceHarness> StartAsync(Action<CallApprovalOptions> approvals)
    {
        var h = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersDelete), new FakeTool(Descriptors.UsersList)], o => o.RequireCallApproval(approvals));
        await h.AllowAsync(["alice", "bob"], "auth0_users_delete", "auth0_users_list");
        return h;
    }

    [Fact]
    public async Task Grant_ManyIdenticalCallsAtOnce_ExactlyOneRuns()
    {
        await using var h = await StartAsync(a => a.Default = CallApprovalMode.Admin);
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var args = new Dictionary<string, object?> { ["id"] = "auth0|1" };
        var id = PendingId(await alice.CallToolAsync("auth0_users_delete", args));
        await h.Governance.DecideCallApprovalAsync(id, true, null, null, "admin");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => alice.CallToolAsync("auth0_users_delete", args).AsTask()));

        Assert.Single(results, r => r.IsError is not true);
        Assert.Equal(1, h.Tools["auth0_users_delete"].Calls);
        Assert.Single(await h.AuditAsync(), r => r.Event == "approval.used");
    }

    [Theory]
    [InlineData(CallApprovalMode.Admin)]
    [InlineData(CallApprovalMode.Elicit)]
    public async Task Approval_OfAMapOfSecrets_TheApproverSeesItsNamesNeverItsValues(CallApprovalMode mode)
    {
        // auth0_hooks_secrets_create's body maps names the user chose to secrets: no secret name finds them.
        var hookSecrets = Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors.Single(d => d.Name == "auth0_hooks_secrets_create");
        await using var h = await GovernanceHarness.StartAsync([new FakeTool(hookSecrets)], o => o.RequireCallApproval(a =>
        {
            a.Default = CallApprovalMode.None;
            a.Rules.Add(new CallApprovalRule { Tools = { "auth0_hooks_secrets_create" }, Mode = mode });
        }));
        await h.AllowAsync(["alice"], "auth0_hooks_secrets_create");
        string? message = null;
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"), configure: o => o.Handlers = new McpClientHandlers
        {
            ElicitationHandler = (request, _) =>
            {
                message = request?.Message;
                return ValueTask.FromResult(new ElicitResult { Action = "decline" });
            },
        });

        await alice.CallToolAsync("auth0_hooks_secrets_create", new Dictionary<string, object?>
        {
            ["id"] = "h1",
            ["body"] = new Dictionary<string, object?> { ["STRIPE_KEY"] = "sk_live_APPROVALLEAK" },
        });

        var stored = Assert.Single((await h.Governance.GetStateAsync()).CallApprovals).Arguments!;
        Assert.Contains("STRIPE_KEY", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("APPROVALLEAK", stored + message, StringComparison.Ordinal);
        if (mode == CallApprovalMode.Elicit)
        {
            Assert.Contains("STRIPE_KEY", message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Decide_ByTheCallerWhoMadeTheRequest_RefusedAndTheRequestStaysPending()
    {
        await using var h = await StartAsync(a => a.Default = CallApprovalMode.Admin);
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var args = new Dictionary<string, object?> { ["id"] = "auth0|1" };
        var pending = await alice.CallToolAsync("auth0_users_delete", args);
        var id = PendingId(pending);

        // The caller (an AI model) is told who decides, not a command to run.
        Assert.Contains($"an administrator must grant request {id} (on the admin console or with the CLI)", Text(pending), StringComparison.Ordinal);
        Assert.DoesNotContain("auth0-mcp approvals grant", Text(pending), StringComparison.Ordinal);
        Assert.Contains("until ", Text(pending), StringComparison.Ordinal);

        // Also under another spelling of the same name (identity providers differ in case).
        foreach (var (grant, actor) in new[] { (true, "alice"), (false, "alice"), (true, "Alice"), (true, " ALICE ") })
        {
            var ex = await Assert.ThrowsAsync<GovernanceException>(() => h.Governance.DecideCallApprovalAsync(id, grant, null, null, actor));
            Assert.Equal($"approval request {id} was made by alice: another person decides it", ex.Message);
        }

        Assert.Equal(CallApprovalStatus.Pending, (await h.Governance.GetStateAsync()).CallApprovals.Single(a => a.Id == id).Status);
        Assert.True((await alice.CallToolAsync("auth0_users_delete", args)).IsError);
        Assert.Equal(0, h.Tools["auth0_users_delete"].Calls);
        Assert.DoesNotContain(await h.AuditAsync(), r => r.Event is "approval.granted" or "approval.denied");

        // Another person can.
        await h.Governance.DecideCallApprovalAsync(id, true, null, null, "bob");
        Assert.True((await alice.CallToolAsync("auth0_users_delete", args)).IsError is not true);
        Assert.Equal(1, h.Tools["auth0_users_delete"].Calls);
    }

    [Fact]
    public async Task Grant_StoreWriteSlowerThanTheHookTimeout_CallRunsOnceWithOneApprovalUsed()
    {
        // The runtime gives ordinary hooks HookTimeout; the approval hook's store write that spends the grant commits
        // even when slow, so giving up on it would refuse a call whose approval is already used.
        using var directory = new TestDirectory("auth0mcp-gov-");
        var store = new SlowSaveStore(new SqliteGovernanceStore(directory.File("gov.db")));
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersDelete)],
            o =>
            {
                o.RequireCallApproval(a => a.Default = CallApprovalMode.Admin);
                o.HookTimeout = TimeSpan.FromMilliseconds(200);
            },
            store: store);
        await h.AllowAsync(["alice"], "auth0_users_delete");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var args = new Dictionary<string, object?> { ["id"] = "auth0|1" };
        var id = PendingId(await alice.CallToolAsync("auth0_users_delete", args));
        await h.Governance.DecideCallApprovalAsync(id, true, null, null, "admin");
        store.SaveDelay = TimeSpan.FromSeconds(1);

        var result = await alice.CallToolAsync("auth0_users_delete", args);

        Assert.True(result.IsError is not true, Text(result));
        Assert.Equal(1, h.Tools["auth0_users_delete"].Calls);
        Assert.Single(await h.AuditAsync(), r => r.Event == "approval.used");
        Assert.Equal(CallApprovalStatus.Used, (await h.Governance.GetStateAsync()).CallApprovals.Single(a => a.Id == id).Status);
    }

    [Fact]
    public async Task Grant_CallCancelledWhileTheGrantIsSpent_TheCallReachesItsIntentAndItsCancellationIsRecordedLinkedToTheApproval()
    {
        // The store's write lock is held by another connection, so spending the grant waits; the client cancels then.
        // The write was queued and commits once the lock is free: before, the call stopped waiting and left
        // approval.used with no record of any call.
        using var directory = new TestDirectory("auth0mcp-gov-");
        var file = directory.File("gov.db");
        var store = new SaveSignallingStore(new SqliteGovernanceStore(file));
        // The server's own handler of the cancellation runs after the SDK has cancelled the call: the lock is released
        // only then, so the call cannot go on before it is cancelled.
        var cancelledOnTheServer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersDelete) { HonoursCancellation = true }],
            o => o.RequireCallApproval(a => a.Default = CallApprovalMode.Admin),
            services => services.Configure<McpServerOptions>(o => o.Handlers.NotificationHandlers =
            [
                new(NotificationMethods.CancelledNotification, (_, _) =>
                {
                    cancelledOnTheServer.TrySetResult();
                    return ValueTask.CompletedTask;
                }),
            ]),
            store: store);
        await h.AllowAsync(["alice"], "auth0_users_delete");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var args = new Dictionary<string, object?> { ["id"] = "auth0|1" };
        var id = PendingId(await alice.CallToolAsync("auth0_users_delete", args));
        await h.Governance.DecideCallApprovalAsync(id, true, null, null, "admin");

        await using (var locker = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await locker.OpenAsync();
            await using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync();
            }

            store.Saving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var cancel = new CancellationTokenSource();
            var call = alice.CallToolAsync("auth0_users_delete", args, cancellationToken: cancel.Token).AsTask();
            await store.Saving.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
            await cancelledOnTheServer.Task.WaitAsync(TimeSpan.FromSeconds(30));

            await using var rollback = locker.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        // The grant's write commits, and the call goes on to its intent and its cancelled outcome.
        List<AuditRecord> audit;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (!(audit = await h.AuditAsync()).Any(r => r.Event == "tool.call" && r.Tool == "auth0_users_delete" && r.IntentSequence is not null))
            {
                Assert.False(deadline.IsCancellationRequested, "no outcome of the cancelled call: " + string.Join(", ", audit.Select(r => r.Event)));
                await Task.Delay(100, CancellationToken.None);
            }
        }

        Assert.Single(audit, r => r.Event == "approval.used" && r.Details!.Contains($"id={id}", StringComparison.Ordinal));
        var intent = Assert.Single(audit, r => r.Event == "tool.call.intent" && r.Tool == "auth0_users_delete");
        var outcome = Assert.Single(audit, r => r.Event == "tool.call" && r.IntentSequence == intent.Sequence);
        Assert.Equal(AuditOutcomes.Error, outcome.Outcome);
        Assert.Equal("cancelled", outcome.Reason);
        Assert.Contains(intent.Hooks!, hook => hook.Detail?.Contains($"approval {id} granted by admin, used once", StringComparison.Ordinal) == true);
        Assert.Equal(0, h.Tools["auth0_users_delete"].Calls);
        Assert.Equal(CallApprovalStatus.Used, (await h.Governance.GetStateAsync()).CallApprovals.Single(a => a.Id == id).Status);
    }

    /// <summary>A store that signals <see cref="Saving"/> when a state write begins (the write itself is the inner store's).</summary>
    private sealed class SaveSignallingStore(IGovernanceStore inner) : DelegatingGovernanceStore(inner)
    {
        public TaskCompletionSource? Saving { get; set; }

        public override Task<bool> TrySaveStateAsync(GovernanceState state, long expectedRevision, IReadOnlyList<AuditRecord> events, CancellationToken cancellationToken = default)
        {
            Saving?.TrySetResult();
            return Inner.TrySaveStateAsync(state, expectedRevision, events, cancellationToken);
        }
    }

    /// <summary>A store whose state writes take <see cref="SaveDelay"/> and then commit, whatever the caller's token says (as a database's commit may).</summary>
    private sealed class SlowSaveStore(IGovernanceStore inner) : DelegatingGovernanceStore(inner)
    {
        public TimeSpan SaveDelay { get; set; }

        public override async Task<bool> TrySaveStateAsync(GovernanceState state, long expectedRevision, IReadOnlyList<AuditRecord> events, CancellationToken cancellationToken = default)
        {
            await Task.Delay(SaveDelay, CancellationToken.None);
            return await Inner.TrySaveStateAsync(state, expectedRevision, events, CancellationToken.None);
        }
    }

    /// <summary>Arguments whose canonical JSON is exactly <paramref name="length"/> characters; the padded key sorts first, so the last field comes last.</summary>
    private static Dictionary<string, object?> ArgumentsOfLength(int length)
    {
        var args = new Dictionary<string, object?> { ["id"] = "auth0|1", ["who"] = "last-field-marker" };
        var bare = CanonicalArguments.Json(args.ToDictionary(a => a.Key, a => JsonSerializer.SerializeToElement(a.Value))).Length;
        args["id"] = "auth0|1" + new string('x', length - bare);
        Assert.Equal(length, CanonicalArguments.Json(args.ToDictionary(a => a.Key, a => JsonSerializer.SerializeToElement(a.Value))).Length);
        return args;
    }

    [Theory]
    [InlineData(CallApprovalMode.Admin)]
    [InlineData(CallApprovalMode.Elicit)]
    public async Task Approval_ArgumentsOverTheShownLimit_RefusedAsTooLargeAndNoRequestOpened(CallApprovalMode mode)
    {
        await using var h = await StartAsync(a => a.Default = mode);
        var prompted = false;
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"), configure: o => o.Handlers = new McpClientHandlers
        {
            ElicitationHandler = (_, _) =>
            {
                prompted = true;
                return ValueTask.FromResult(new ElicitResult { Action = "accept", Content = new Dictionary<string, JsonElement> { ["confirm"] = JsonSerializer.SerializeToElement(true) } });
            },
        });

        var result = await alice.CallToolAsync("auth0_users_delete", ArgumentsOfLength(CallApprovalHook.MaxShownArguments + 1));

        Assert.True(result.IsError, Text(result));
        Assert.EndsWith("[approval-too-large]", Text(result), StringComparison.Ordinal);
        Assert.Contains("its arguments are 4,001 characters (canonical JSON, secrets included), over the limit of 4,000", Text(result), StringComparison.Ordinal);
        Assert.Contains("narrow the arguments", Text(result), StringComparison.Ordinal);
        Assert.False(prompted);
        Assert.Equal(0, h.Tools["auth0_users_delete"].Calls);
        Assert.Empty((await h.Governance.GetStateAsync()).CallApprovals);
        Assert.DoesNotContain(await h.AuditAsync(), r => r.Event.StartsWith("approval.", StringComparison.Ordinal));
        Assert.Equal(DenialCodes.ApprovalTooLarge, Assert.Single(await h.CallRecordsAsync()).DenialCode);
    }

    [Fact]
    public async Task Approval_ArgumentsAtTheShownLimit_TheConfirmationAndTheRequestShowEveryArgument()
    {
        await using var h = await StartAsync(_ => { });
        string? message = null;
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"), configure: o => o.Handlers = new McpClientHandlers
        {
            ElicitationHandler = (request, _) =>
            {
                message = request?.Message;
                return ValueTask.FromResult(new ElicitResult { Action = "accept", Content = new Dictionary<string, JsonElement> { ["confirm"] = JsonSerializer.SerializeToElement(true) } });
            },
        });
        var args = ArgumentsOfLength(CallApprovalHook.MaxShownArguments);
        var whole = CanonicalArguments.Json(args.ToDictionary(a => a.Key, a => JsonSerializer.SerializeToElement(a.Value)));

        var result = await alice.CallToolAsync("auth0_users_delete", args);

        Assert.True(result.IsError is not true, Text(result));
        Assert.Contains("Arguments: " + whole + "\n", message, StringComparison.Ordinal);
        Assert.Contains("last-field-marker", message, StringComparison.Ordinal);
        Assert.Equal(whole, Assert.Single((await h.Governance.GetStateAsync()).CallApprovals).Arguments);
        Assert.Equal(1, h.Tools["auth0_users_delete"].Calls);
    }

    [Fact]
    public void Options_MaxOpenRequestsPerCaller_AtLeastOne()
    {
        Assert.Equal(20, new CallApprovalOptions().MaxOpenRequestsPerCaller);
        Assert.Contains("call approval: MaxOpenRequestsPerCaller must be at least 1", new CallApprovalOptions { MaxOpenRequestsPerCaller = 0 }.Validate());

        var errors = new List<string>();
        Assert.Equal(3, CallApprovalOptions.Parse(JsonDocument.Parse("""{"MaxOpenRequestsPerCaller": 3}""").RootElement, errors).MaxOpenRequestsPerCaller);
        Assert.Empty(errors);
        CallApprovalOptions.Parse(JsonDocument.Parse("""{"MaxOpenRequestsPerCaller": 0}""").RootElement, errors);
        CallApprovalOptions.Parse(JsonDocument.Parse("""{"MaxOpenRequestsPerCaller": "many"}""").RootElement, errors);
        Assert.Equal(["call approval: MaxOpenRequestsPerCaller must be at least 1", "CallApproval:MaxOpenRequestsPerCaller must be a whole number (at least 1)"], errors);
    }

    [Fact]
    public async Task Request_CallerAtMaxOpenRequests_RefusedWithoutANewRequestUntilOneIsDecided()
    {
        await using var h = await StartAsync(a =>
        {
            a.Default = CallApprovalMode.Admin;
            a.MaxOpenRequestsPerCaller = 2;
        });
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var bob = await h.ConnectAsync(GovernanceHarness.User("bob"));
        static Dictionary<string, object?> Delete(int n) => new() { ["id"] = $"auth0|{n}" };
        var first = PendingId(await alice.CallToolAsync("auth0_users_delete", Delete(1)));
        PendingId(await alice.CallToolAsync("auth0_users_delete", Delete(2)));

        var refused = await alice.CallToolAsync("auth0_users_delete", Delete(3));

        Assert.True(refused.IsError, Text(refused));
        Assert.Contains("this call needs approval, but alice already has 2 pending approval request(s), the most one caller may have", Text(refused), StringComparison.Ordinal);
        Assert.EndsWith("[hook-denied]", Text(refused), StringComparison.Ordinal);
        Assert.Equal(2, (await h.Governance.GetStateAsync()).CallApprovals.Count);
        // A call whose request is already open still points at it; another caller has its own allowance.
        Assert.Equal(first, PendingId(await alice.CallToolAsync("auth0_users_delete", Delete(1))));
        PendingId(await bob.CallToolAsync("auth0_users_delete", Delete(3)));
        await Assert.ThrowsAsync<GovernanceException>(() => h.Governance.RequestCallApprovalAsync("alice", "auth0_users_delete", "other", "{}", TimeSpan.FromHours(1), maxOpenRequests: 2));

        // Once one is decided, a new request can open.
        await h.Governance.DecideCallApprovalAsync(first, false, null, null, "admin");
        PendingId(await alice.CallToolAsync("auth0_users_delete", Delete(3)));
        Assert.Equal(DenialCodes.HookDenied, (await h.CallRecordsAsync()).Single(r => r.Reason?.Contains("pending approval request(s), the most", StringComparison.Ordinal) == true).DenialCode);
    }

    [Fact]
    public async Task RequestElicitedApproval_SameCallPending_AskedAgainWithTheSameRequestAndAFreshDeadline()
    {
        await using var h = await StartAsync(_ => { });
        var first = await h.Governance.RequestElicitedApprovalAsync("alice", "auth0_users_delete", "hash-1", "{}", TimeSpan.FromMinutes(5));
        h.Clock.Advance(TimeSpan.FromMinutes(4));

        var again = await h.Governance.RequestElicitedApprovalAsync("alice", "auth0_users_delete", "hash-1", "{}", TimeSpan.FromMinutes(5));
        var other = await h.Governance.RequestElicitedApprovalAsync("alice", "auth0_users_delete", "hash-2", "{}", TimeSpan.FromMinutes(5));

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(h.Clock.GetUtcNow() + TimeSpan.FromMinutes(5), again.ExpiresAt);
        Assert.NotEqual(first.Id, other.Id);
        var stored = (await h.Governance.GetStateAsync()).CallApprovals;
        Assert.Equal(2, stored.Count);
        Assert.Equal(again.ExpiresAt, stored.Single(a => a.Id == first.Id).ExpiresAt);
        Assert.Single(await h.AuditAsync(), r => r.Event == "approval.requested" && r.Details!.Contains($"id={first.Id}", StringComparison.Ordinal) && r.Details.Contains("asked-again", StringComparison.Ordinal));

        // Past its deadline it is not pending any more: the next round is a new confirmation.
        h.Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.NotEqual(first.Id, (await h.Governance.RequestElicitedApprovalAsync("alice", "auth0_users_delete", "hash-1", "{}", TimeSpan.FromMinutes(5))).Id);
    }

    [Fact]
    public async Task Prune_ManyClosedRequestsOfOneCaller_KeepsTheNewestHundredAndTheAuditKeepsEveryEvent()
    {
        await using var h = await StartAsync(_ => { });
        var denied = await h.Governance.RequestCallApprovalAsync("alice", "auth0_users_delete", "denied", "{}", TimeSpan.FromDays(1));
        await h.Governance.DecideCallApprovalAsync(denied.Id, false, null, "no", "admin");
        var bobs = await h.Governance.RequestElicitedApprovalAsync("bob", "auth0_users_delete", "bob-1", "{}", TimeSpan.FromMinutes(5));
        await h.Governance.AnswerElicitedApprovalAsync(bobs.Id, "bob", "auth0_users_delete", "bob-1", false, "decline");
        var declined = new List<string>();
        for (var i = 0; i < 105; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(1));
            var confirmation = await h.Governance.RequestElicitedApprovalAsync("alice", "auth0_users_delete", $"hash-{i}", "{}", TimeSpan.FromMinutes(5));
            await h.Governance.AnswerElicitedApprovalAsync(confirmation.Id, "alice", "auth0_users_delete", $"hash-{i}", false, "decline");
            declined.Add(confirmation.Id);
        }

        var open = await h.Governance.RequestElicitedApprovalAsync("alice", "auth0_users_delete", "hash-new", "{}", TimeSpan.FromMinutes(5));

        var stored = (await h.Governance.GetStateAsync()).CallApprovals;
        var alices = stored.Where(a => a.User == "alice" && a.Channel == CallApproval.ElicitationChannel && a.Status == CallApprovalStatus.Denied).Select(a => a.Id).ToList();
        Assert.Equal(declined.Skip(5).Order(StringComparer.Ordinal), alices.Order(StringComparer.Ordinal)); // the newest 100
        Assert.Contains(stored, a => a.Id == open.Id); // open requests are not counted
        Assert.Contains(stored, a => a.Id == denied.Id); // a denial that still refuses its call stays
        Assert.Contains(stored, a => a.Id == bobs.Id); // per caller
        Assert.Equal(106, (await h.AuditAsync()).Count(r => r.Event == "approval.declined"));
    }

    [Fact]
    public async Task RequestCallApproval_ConfirmationPendingInTheClientForTheSameCall_OpensAnAdministratorRequestAnAdminCanGrant()
    {
        await using var h = await StartAsync(a => a.Default = CallApprovalMode.Admin);
        var confirmation = await h.Governance.RequestElicitedApprovalAsync("alice", "auth0_users_delete", "hash-1", "{}", TimeSpan.FromMinutes(5));

        var request = await h.Governance.RequestCallApprovalAsync("alice", "auth0_users_delete", "hash-1", "{}", TimeSpan.FromMinutes(10));

        Assert.NotEqual(confirmation.Id, request.Id);
        Assert.Equal(CallApproval.AdminChannel, request.Channel);
        Assert.Equal(request.Id, (await h.Governance.RequestCallApprovalAsync("alice", "auth0_users_delete", "hash-1", "{}", TimeSpan.FromMinutes(10))).Id);
        Assert.Equal(CallApprovalStatus.Granted, (await h.Governance.DecideCallApprovalAsync(request.Id, true, null, null, "admin")).Status);
    }

    [Fact]
    public async Task Rules_ByToolsetAndByProfile_ChooseTheModeForTheirToolsAndBoundCallersOnly()
    {
        await using var h = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersDelete), new FakeTool(Descriptors.UsersList)]);
        await h.ApproveAsync("auth0_users_delete", "auth0_users_list");
        await h.Governance.CreateToolsetAsync("ops", ["auth0_users_list"], null, "admin");
        await h.Governance.CreateToolsetAsync("deletes", ["auth0_users_delete"], null, "admin");
        await h.Governance.CreateProfileAsync("support", ["deletes"], ["bob"], [], AccessPolicy.AutoApprove, null, "admin");
        var options = new CallApprovalOptions { Default = CallApprovalMode.None };
        options.Rules.Add(new CallApprovalRule { Toolsets = { "ops" }, Mode = CallApprovalMode.Admin });
        options.Rules.Add(new CallApprovalRule { Profiles = { "support" }, Mode = CallApprovalMode.Elicit });
        var state = await h.Governance.GetCurrentAsync();
        var list = state.FindTool("auth0_users_list")!;
        var delete = state.FindTool("auth0_users_delete")!;
        var alice = new CallerIdentity("alice", []);
        var bob = new CallerIdentity("bob", []);

        Assert.Equal(CallApprovalMode.Admin, options.ModeFor(state, list, alice).Mode); // a read tool, by its toolset
        Assert.Equal(CallApprovalMode.Elicit, options.ModeFor(state, delete, bob).Mode); // bob is bound to the profile
        Assert.Equal(CallApprovalMode.None, options.ModeFor(state, delete, alice).Mode); // alice is not: the default
        Assert.Same(options.Rules[1], options.ModeFor(state, delete, bob).Rule);
    }

    [Fact]
    public async Task Default_AppliesToDeleteAndDangerousToolsOnly()
    {
        await using var h = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersDelete), new FakeTool(Descriptors.UsersList)]);
        var options = new CallApprovalOptions { Default = CallApprovalMode.Admin };
        var alice = new CallerIdentity("alice", []);
        var state = await h.Governance.GetCurrentAsync();
        Assert.Equal(CallApprovalMode.Admin, options.ModeFor(state, state.FindTool("auth0_users_delete")!, alice).Mode);
        Assert.Equal(CallApprovalMode.None, options.ModeFor(state, state.FindTool("auth0_users_list")!, alice).Mode);

        await h.Governance.ClassifyAsync(["auth0_users_list"], ToolRisk.Dangerous, "admin");
        state = await h.Governance.GetCurrentAsync();
        Assert.Equal(CallApprovalMode.Admin, options.ModeFor(state, state.FindTool("auth0_users_list")!, alice).Mode);
    }

    [Fact]
    public async Task Grant_OtherCallerOrExpired_DoesNotServe()
    {
        await using var h = await StartAsync(a =>
        {
            a.Default = CallApprovalMode.Admin;
            a.Expiry = TimeSpan.FromMinutes(10);
        });
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var bob = await h.ConnectAsync(GovernanceHarness.User("bob"));
        var args = new Dictionary<string, object?> { ["id"] = "auth0|1" };
        var id = PendingId(await alice.CallToolAsync("auth0_users_delete", args));
        await h.Governance.DecideCallApprovalAsync(id, true, null, null, "admin");

        // Bound to the caller: bob's identical call is another request.
        Assert.NotEqual(id, PendingId(await bob.CallToolAsync("auth0_users_delete", args)));

        h.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.NotEqual(id, PendingId(await alice.CallToolAsync("auth0_users_delete", args)));
        Assert.Equal(0, h.Tools["auth0_users_delete"].Calls);
        await Assert.ThrowsAsync<GovernanceException>(() => h.Governance.DecideCallApprovalAsync(id, false, null, null, "admin"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Elicitation_AuthenticatedSession_AcceptRunsOnceDeclineRefuses(bool accept)
    {
        await using var h = await StartAsync(_ => { });
        var prompts = 0;
        string? message = null;
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"), configure: o => o.Handlers = new McpClientHandlers
        {
            ElicitationHandler = (request, _) =>
            {
                Interlocked.Increment(ref prompts);
                message = request?.Message;
                return ValueTask.FromResult(new ElicitResult
                {
                    Action = accept ? "accept" : "decline",
                    Content = accept ? new Dictionary<string, JsonElement> { ["confirm"] = JsonSerializer.SerializeToElement(true) } : null,
                });
            },
        });

        var result = await alice.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1", ["password"] = "hunter2-secret" });
        // A read tool needs no confirmation.
        var read = await alice.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());

        Assert.True(prompts == 1, $"prompts: {prompts}; the call answered: {Text(result)}");
        Assert.Contains("auth0|1", message, StringComparison.Ordinal); // the summary names the target
        Assert.DoesNotContain("hunter2-secret", message, StringComparison.Ordinal); // and masks secrets
        Assert.True(read.IsError is not true, Text(read));
        Assert.Equal(accept ? 1 : 0, h.Tools["auth0_users_delete"].Calls);
        if (!accept)
        {
            Assert.True(Text(result).Contains("user-declined", StringComparison.Ordinal), Text(result));
            Assert.Equal(DenialCodes.UserDeclined, Assert.Single(await h.CallRecordsAsync(), r => r.Tool == "auth0_users_delete").DenialCode);
        }

        var state = await h.Governance.GetStateAsync();
        var approval = Assert.Single(state.CallApprovals);
        Assert.Equal(accept ? CallApprovalStatus.Used : CallApprovalStatus.Denied, approval.Status);
        Assert.DoesNotContain("hunter2-secret", approval.Arguments, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Elicitation_ModeAdmin_NeverPromptsTheClient()
    {
        await using var h = await StartAsync(a => a.Rules.Add(new CallApprovalRule { Tools = { "auth0_users_*" }, Mode = CallApprovalMode.Admin }));
        var prompted = false;
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"), configure: o => o.Handlers = new McpClientHandlers
        {
            ElicitationHandler = (_, _) =>
            {
                prompted = true;
                return ValueTask.FromResult(new ElicitResult { Action = "accept" });
            },
        });

        PendingId(await alice.CallToolAsync("auth0_users_list", new Dictionary<string, object?>()));
        Assert.False(prompted);
    }

    private static Dictionary<string, JsonElement> ArgumentsOf(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Fact]
    public void CanonicalArguments_KeyOrderAndWhitespace_SameHashOtherValuesDiffer()
    {
        var a = ArgumentsDigest.Ephemeral.Of(ArgumentsOf("""{"id":"x","body":{"b":1,"a":[1,2]}}"""));
        var b = ArgumentsDigest.Ephemeral.Of(ArgumentsOf("""{ "body": { "a": [1, 2], "b": 1 }, "id": "x" }"""));
        var c = ArgumentsDigest.Ephemeral.Of(ArgumentsOf("""{"id":"x","body":{"b":1,"a":[2,1]}}"""));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal("""{"body":{"a":[1,2],"b":1},"id":"x"}""", CanonicalArguments.Json(ArgumentsOf("""{ "id": "x", "body": { "b": 1, "a": [1, 2] } }""")));
    }

    [Theory]
    [InlineData("9223372036854775808", "9223372036854775809")] // past Int64: one double
    [InlineData("1000", "1e3")]
    [InlineData("1000", "1000.0")]
    [InlineData("1", "1.00000000000000001")] // one double
    [InlineData("1", "1.0")]
    public void CanonicalArguments_NumbersSpelledDifferently_NeverShareAHash(string one, string other)
    {
        // The request sends the number as spelled: a spelling the approver did not see is another call.
        var a = ArgumentsDigest.Ephemeral.Of(ArgumentsOf($$"""{"n":{{one}}}"""));
        var b = ArgumentsDigest.Ephemeral.Of(ArgumentsOf($$"""{"n":{{other}}}"""));

        Assert.NotEqual(a, b);
        Assert.Equal($$"""{"n":{{other}}}""", CanonicalArguments.Json(ArgumentsOf($$"""{ "n" : {{other}} }""")));
    }

    public static TheoryData<string, string, bool> PolicyCases => new()
    {
        // operator JSON, arguments, passes
        { """{"Max": 50}""", """{"per_page": 50}""", true },
        { """{"Max": 50}""", """{"per_page": 51}""", false },
        { """{"Max": 50}""", """{}""", true },
        { """{"Equals": 5}""", """{}""", false },
        { """{"In": [1, 2]}""", """{"per_page": 2}""", true },
        { """{"In": [1, 2]}""", """{"per_page": 3}""", false },
        { """{"NotIn": [1, 2]}""", """{}""", true },
        { """{"NotIn": [1, 2]}""", """{"per_page": 1}""", false },
        { """{"Absent": true}""", """{"per_page": null}""", true },
        { """{"Absent": true}""", """{"per_page": 1}""", false },
    };

    [Theory]
    [MemberData(nameof(PolicyCases))]
    public void ArgumentPolicy_Operator_PassesOrRefusesAsDocumented(string op, string arguments, bool passes)
    {
        var errors = new List<string>();
        var rule = $$"""[{ "Name": "r", "Tools": "auth0_users_list", "Path": "/per_page", {{op[1..^1]}} }]""";
        var policy = Assert.Single(ArgumentPolicy.Parse(JsonDocument.Parse(rule).RootElement, errors));
        Assert.Empty(errors);
        Assert.Empty(ArgumentPolicy.Validate([policy], [Descriptors.UsersList]));

        var why = policy.Check(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments)!);

        Assert.Equal(passes, why is null);
    }

    [Theory]
    [InlineData("absent", """{"body":{"client_authentication_methods":null}}""", "/body/client_authentication_methods must be absent")]
    [InlineData("absent", """{"body":{}}""", null)]
    [InlineData("absent", """{"id":"c1"}""", null)]
    [InlineData("max", """{"body":{"client_authentication_methods":null}}""", "/body/client_authentication_methods must be at most 1, got null")]
    [InlineData("not-in", """{"body":{"client_authentication_methods":null}}""", "/body/client_authentication_methods must not be null")]
    public void ArgumentPolicy_NullInsideABody_IsPresent_BecauseItIsSent(string op, string arguments, string? refusal)
    {
        // A JSON body goes byte for byte, and in a PATCH a null unsets the field: the change an "absent" rule forbids.
        var policy = op switch
        {
            "absent" => ArgumentPolicy.Absent("r", "auth0_clients_update", "/body/client_authentication_methods"),
            "max" => ArgumentPolicy.Max("r", "auth0_clients_update", "/body/client_authentication_methods", 1),
            _ => new ArgumentPolicy("r", ["auth0_clients_update"], "/body/client_authentication_methods", ArgumentOperator.NotIn, JsonDocument.Parse("[null]").RootElement),
        };

        Assert.Equal(refusal, policy.Check(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments)!));
    }

    [Theory]
    [InlineData("Username-Password-Authentication", true)]
    [InlineData("Username-Password-Authentication\n", false)] // .NET's $ alone matches before a final newline
    public void ArgumentPolicy_Matches_DollarEndsTheValue(string connection, bool passes)
    {
        var policy = ArgumentPolicy.Matches("db-only", "auth0_users_list", "/connection", "^Username-Password-Authentication$");

        var why = policy.Check(new Dictionary<string, JsonElement> { ["connection"] = JsonSerializer.SerializeToElement(connection) });

        Assert.Equal(passes, why is null);
    }

    [Fact]
    public async Task ArgumentPolicyHook_BreakingCall_DeniedWithRuleNameAndToolNotReached()
    {
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            o => o.AddArgumentPolicies(ArgumentPolicy.Max("page-50", "auth0_users_list", "/per_page", 50), ArgumentPolicy.In("who-ops", "auth0_*", "/who", "ops")));
        await h.AllowAsync(["alice"], "auth0_users_list");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var ok = await alice.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 50, ["who"] = "ops" });
        var denied = await alice.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 20, ["who"] = "dev" });

        Assert.True(ok.IsError is not true, Text(ok));
        Assert.Contains("policy-denied: who-ops (/who must be one of [\"ops\"], got \"dev\")", Text(denied), StringComparison.Ordinal);
        Assert.Equal(1, h.Tools["auth0_users_list"].Calls);
        var record = (await h.CallRecordsAsync()).Last();
        Assert.Equal(AuditOutcomes.Denied, record.Outcome);
        Assert.Equal(DenialCodes.PolicyDenied, record.DenialCode);
        Assert.Contains("policy-denied: who-ops", record.Reason, StringComparison.Ordinal);
        Assert.EndsWith("[policy-denied]", Text(denied), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArgumentPolicyHook_RefusalOfASecretArgument_NeverQuotesItsValue()
    {
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            o => o.AddArgumentPolicies(ArgumentPolicy.Matches("strong-pw", "auth0_users_list", "/password", "^.{30,}$")));
        await h.AllowAsync(["alice"], "auth0_users_list");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var denied = await alice.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["password"] = "POLICYLEAK-pw-1" });

        Assert.Contains("policy-denied: strong-pw (/password must match \"^.{30,}$\", got [REDACTED])", Text(denied), StringComparison.Ordinal);
        Assert.Equal(0, h.Tools["auth0_users_list"].Calls);
        var record = (await h.CallRecordsAsync()).Last();
        Assert.Equal(DenialCodes.PolicyDenied, record.DenialCode);
        Assert.DoesNotContain("POLICYLEAK", record.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(record.Hooks!, o => o.Detail?.Contains("POLICYLEAK", StringComparison.Ordinal) == true);
        Assert.Contains(record.Hooks!, o => o.Hook == "argument-policy" && o.Detail!.Contains("got [REDACTED]", StringComparison.Ordinal));
    }

    [Fact]
    public void ArgumentPolicy_Operand_ReadsAsWritten()
    {
        // Before: "must match "^(a\u002B)\u002B$"" and "must be one of ["caf\u00E9"]", in refusals and the audit.
        static Dictionary<string, JsonElement> Args(string json) =>
            JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());

        var plus = ArgumentPolicy.Matches("plus", "auth0_users_list", "/q", "^[a-z]+\\+x$");
        Assert.Equal("/q must match \"^[a-z]+\\\\+x$\", got \"abc\"", plus.Check(Args("""{"q":"abc"}""")));
        var accent = ArgumentPolicy.In("accent", "auth0_users_list", "/q", "café", "<b>");
        Assert.Equal("/q must be one of [\"café\",\"<b>\"], got \"x\"", accent.Check(Args("""{"q":"x"}""")));
    }

    [Fact]
    public void ArgumentPolicy_ValueUnderASecretNameOrInAMapOfSecrets_NotQuoted()
    {
        var catalog = Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors; // registers the spec's secret names (secrets.value)
        static Dictionary<string, JsonElement> Args(string json) =>
            JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());

        var actionSecret = ArgumentPolicy.Matches("long", "auth0_actions_create", "/body/secrets/0/value", "^.{40,}$");
        var why = actionSecret.Check(Args("""{"body":{"secrets":[{"name":"STRIPE","value":"POLICYLEAK-2"}]}}"""));
        Assert.Equal("/body/secrets/0/value must match \"^.{40,}$\", got [REDACTED]", why);

        var underSecret = ArgumentPolicy.NotIn("no-x", "auth0_things_create", "/body/signing_keys/0/kid", "POLICYLEAK-3");
        Assert.Equal("/body/signing_keys/0/kid must not be [REDACTED]", underSecret.Check(Args("""{"body":{"signing_keys":[{"kid":"POLICYLEAK-3"}]}}""")));

        var hookSecrets = catalog.Single(d => d.Name == "auth0_hooks_secrets_create");
        var mapValue = ArgumentPolicy.Matches("stripe-live", "auth0_hooks_secrets_create", "/body/STRIPE_KEY", "^sk_live_");
        Assert.Equal("/body/STRIPE_KEY must match \"^sk_live_\", got [REDACTED]", mapValue.Check(Args("""{"id":"h1","body":{"STRIPE_KEY":"POLICYLEAK-4"}}"""), hookSecrets));

        // Not secret: quoted as before.
        var page = ArgumentPolicy.In("who-ops", "auth0_users_list", "/who", "ops");
        Assert.Equal("/who must be one of [\"ops\"], got \"dev\"", page.Check(Args("""{"who":"dev"}""")));
    }

    [Fact]
    public void ArgumentPolicy_PathOfATypedSchema_ResolvesThroughAnyOfAndItems()
    {
        var tool = new Auth0ToolDescriptor("auth0_things_create", "t", "d", "POST", "/things", "op", ["things"], [], Auth0ToolAction.Write, "GA",
            """{"type":"object","properties":{"body":{"type":"object","properties":{"shape":{"anyOf":[{"type":"object","properties":{"radius":{"type":"number"}}},{"type":"object","properties":{"side":{"type":"number"}}}]},"tags":{"type":"array","items":{"type":"string"}}}}}}""",
            false, false, false);

        Assert.Empty(ArgumentPolicy.Validate(
            [
                ArgumentPolicy.Max("radius", "auth0_things_create", "/body/shape/radius", 10),
                ArgumentPolicy.Matches("tag", "auth0_things_create", "/body/tags/0", "^[a-z]+$"),
            ],
            [tool]));
        Assert.Contains(
            "max needs a number, but /body/tags/0 of auth0_things_create is string",
            Assert.Single(ArgumentPolicy.Validate([ArgumentPolicy.Max("bad", "auth0_things_create", "/body/tags/0", 1)], [tool])),
            StringComparison.Ordinal);
    }
}
