using System.Collections.Concurrent;
using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Progressive;
using Auth0Mcp.Sdk.Tests.Http;
using Auth0Mcp.Sdk.Tools;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// The governed call path end to end, with real tools (request plan → request builder → HTTP pipeline) against a
/// scripted Auth0: the order of the steps, validation before hooks, the intent record before Auth0 is called (fail
/// closed), and the audit recording Auth0's real status and error code.
/// </summary>
public sealed class CallPathTests
{
    private const string ListSchema = """{"type":"object","properties":{"per_page":{"type":"integer","minimum":0,"maximum":100},"page":{"type":"integer","minimum":0}},"additionalProperties":false}""";
    private const string DeleteSchema = """{"type":"object","properties":{"id":{"type":"string","minLength":1}},"required":["id"],"additionalProperties":false}""";

    private static readonly Auth0ToolDescriptor ConnectionsList = new(
        "auth0_connections_list", "Get all connections", "Lists connections.", "GET", "/connections", "get_connections", ["connections"], ["read:connections"],
        Auth0ToolAction.Read, "GA", ListSchema, true, false, true,
        new Auth0RequestPlan([new("per_page", Auth0ArgumentLocation.Query), new("page", Auth0ArgumentLocation.Query)]));

    private static readonly Auth0ToolDescriptor UsersDelete = new(
        "auth0_users_delete", "Delete a user", "Deletes a user.", "DELETE", "/users/{id}", "delete_users_by_id", ["users"], ["delete:users"],
        Auth0ToolAction.Delete, "GA", DeleteSchema, false, true, true,
        new Auth0RequestPlan([new("id", Auth0ArgumentLocation.Path)]));

    [Theory]
    [InlineData(400, "invalid_body")]
    [InlineData(403, "insufficient_scope")]
    [InlineData(404, "inexistent_user")]
    [InlineData(409, "user_exists")]
    [InlineData(429, "too_many_requests")]
    [InlineData(503, "service_unavailable")]
    public async Task AuditRecord_Auth0AnswersAnError_RecordsItsRealStatusAndCode(int status, string code)
    {
        await using var f = await Fixture.StartAsync();
        f.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, status, $$"""{"statusCode":{{status}},"error":"x","message":"from Auth0","errorCode":"{{code}}"}""");

        var result = await f.Client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" });

        Assert.True(result.IsError);
        var record = Assert.Single(await f.Harness.CallRecordsAsync());
        Assert.Equal(status, record.Auth0Status);
        Assert.Equal(code, record.Auth0ErrorCode);
        Assert.Equal(AuditOutcomes.Error, record.Outcome);
        Assert.Equal("from Auth0", record.Reason);
        var intent = Assert.Single(await f.Harness.IntentRecordsAsync());
        Assert.Equal(intent.Sequence, record.IntentSequence);
        Assert.True(intent.Sequence < record.Sequence);
    }

    [Fact]
    public async Task PerPage500_IsRefusedNamingTheFieldAndNoHookSeesIt()
    {
        var events = new ConcurrentQueue<string>();
        await using var f = await Fixture.StartAsync(events);

        var result = await f.Client.CallToolAsync("auth0_connections_list", new Dictionary<string, object?> { ["per_page"] = 500 });

        Assert.True(result.IsError);
        Assert.Contains("per_page", ResultText.Of(result), StringComparison.Ordinal);
        Assert.Equal(0, f.Server.ApiCount);
        Assert.DoesNotContain(events, e => e.StartsWith("hook", StringComparison.Ordinal));
        var record = Assert.Single(await f.Harness.CallRecordsAsync());
        Assert.Equal(DenialCodes.InvalidArguments, record.DenialCode);
        Assert.Empty(await f.Harness.IntentRecordsAsync());
    }

    [Fact]
    public async Task GovernedCall_FollowsTheOneOrder_IdentityAccessValidationHooksIntentAuth0HooksOutcome()
    {
        var events = new ConcurrentQueue<string>();
        await using var f = await Fixture.StartAsync(events);
        f.Server.Api = (ctx, _) =>
        {
            events.Enqueue("upstream " + ctx.Request.Method + " " + ctx.Request.QueryString);
            return ScriptedAuth0Server.Json(ctx, 200, """[{"id":"con_1"}]""");
        };

        var result = await f.Client.CallToolAsync("auth0_connections_list", new Dictionary<string, object?> { ["per_page"] = 20 });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(
            ["hook before per_page=20", "audit tool.call.intent", "upstream GET ?per_page=20", "hook after", "audit tool.call"],
            events.Where(e => !e.StartsWith("audit admin", StringComparison.Ordinal)));
        var record = Assert.Single(await f.Harness.CallRecordsAsync());
        Assert.Equal(200, record.Auth0Status);
        Assert.Equal(1, record.Attempts);
        Assert.Equal(AuditOutcomes.Success, record.Outcome);
    }

    [Fact]
    public async Task SecretMasking_Auth0ToolResult_IsMaskedOnceAtTheSourceAndTheHookRecordedAsSuch()
    {
        await using var f = await Fixture.StartAsync();
        f.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, """[{"id":"con_1","client_secret":"s3cr3t-from-auth0"}]""");

        var result = await f.Client.CallToolAsync("auth0_connections_list", new Dictionary<string, object?> { ["per_page"] = 5 });

        Assert.NotEqual(true, result.IsError);
        Assert.DoesNotContain("s3cr3t-from-auth0", ResultText.Of(result), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-from-auth0", result.StructuredContent!.Value.GetRawText(), StringComparison.Ordinal);
        var record = Assert.Single(await f.Harness.CallRecordsAsync());
        var masking = Assert.Single(record.Hooks!, o => o.Hook == "secret-masking" && o.Phase == "after");
        Assert.Equal(("allowed", "masked at the source"), (masking.Outcome, masking.Detail));
    }

    [Fact]
    public async Task SecretMasking_AHookChangesAnAuth0ResultBeforeIt_TheChangedResultIsMasked()
    {
        await using var f = await Fixture.StartAsync(hooks: [new InjectingHook()]);
        f.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, """[{"id":"con_1"}]""");

        var result = await f.Client.CallToolAsync("auth0_connections_list", new Dictionary<string, object?> { ["per_page"] = 5 });

        Assert.DoesNotContain("leaked-by-a-hook", ResultText.Of(result), StringComparison.Ordinal);
        var record = Assert.Single(await f.Harness.CallRecordsAsync());
        Assert.Contains(record.Hooks!, o => o.Hook == "secret-masking" && o.Phase == "after" && o.Outcome == "rewritten");
    }

    [Fact]
    public async Task BeforeHook_WidensTheArgumentsWithoutSayingSo_IsRefusedAndNothingIsSent()
    {
        // The hook allows the call but puts page -1 (schema minimum 0) into the arguments: what is sent must validate
        // whatever a hook declares.
        await using var f = await Fixture.StartAsync(hooks: [new SilentWideningHook()]);

        var result = await f.Client.CallToolAsync("auth0_connections_list", new Dictionary<string, object?> { ["per_page"] = 5 });

        Assert.True(result.IsError);
        Assert.Equal(0, f.Server.ApiCount);
        var record = Assert.Single(await f.Harness.CallRecordsAsync());
        Assert.Equal(DenialCodes.HookFailed, record.DenialCode);
        Assert.Contains("page", record.Reason, StringComparison.Ordinal);
        Assert.Empty(await f.Harness.IntentRecordsAsync());
    }

    private sealed class SilentWideningHook : ToolCallHook
    {
        public override string Name => "silent-widening";

        public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            context.Arguments["page"] = JsonSerializer.SerializeToElement(-1);
            return ValueTask.FromResult(HookDecision.Allow);
        }
    }

    [Fact]
    public async Task AfterHook_AsksForInputAfterTheToolRan_FailsClosedWithTheOutcomeRecorded()
    {
        // An input-required round after Auth0 was called would make the client retry the whole call (a second delete):
        // after the tool ran it is a failed hook, and the intent gets its outcome.
        await using var f = await Fixture.StartAsync(hooks: [new LateInputHook()]);

        var result = await f.Client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" });

        Assert.True(result.IsError);
        Assert.Equal(1, f.Server.ApiCount);
        var record = Assert.Single(await f.Harness.CallRecordsAsync());
        Assert.Equal(AuditOutcomes.Denied, record.Outcome);
        Assert.Equal(DenialCodes.HookFailed, record.DenialCode);
        Assert.Equal(204, record.Auth0Status);
        Assert.Equal(Assert.Single(await f.Harness.IntentRecordsAsync()).Sequence, record.IntentSequence);
    }

    private sealed class LateInputHook : ToolCallHook
    {
        public override string Name => "late-input";

        public override ValueTask<HookDecision> AfterCallAsync(ToolCallContext context, CancellationToken cancellationToken) =>
            throw new InputRequiredException(new Dictionary<string, InputRequest>(StringComparer.Ordinal), "late");
    }

    [Fact]
    public async Task AfterHook_CallCancelledWhileItRuns_TheIntentStillGetsItsOutcome()
    {
        var hook = new WaitingAfterHook();
        await using var f = await Fixture.StartAsync(hooks: [hook]);
        using var cancel = new CancellationTokenSource();

        var call = f.Client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" }, cancellationToken: cancel.Token).AsTask();
        await hook.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        // The server learns of the cancellation by notification; its record follows shortly.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<AuditRecord> records;
        while ((records = await f.Harness.CallRecordsAsync()).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var record = Assert.Single(records);
        Assert.Equal(1, f.Server.ApiCount);
        Assert.Equal(AuditOutcomes.Error, record.Outcome);
        Assert.Equal(204, record.Auth0Status);
        Assert.Contains("cancelled after the tool ran", record.Reason, StringComparison.Ordinal);
        Assert.Equal(Assert.Single(await f.Harness.IntentRecordsAsync()).Sequence, record.IntentSequence);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallCancelledWhileAuth0Works_TheRecordSaysHowFarTheRequestGot(bool headersCame)
    {
        // A cancelled delete may have been carried out: the record says the request was sent (or answered), not just
        // "cancelled", which reads as if nothing happened.
        await using var f = await Fixture.StartAsync();
        f.Server.Api = headersCame
            ? async (ctx, _) =>
            {
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = "application/json";
                await ctx.Response.Body.WriteAsync("["u8.ToArray(), ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                await f.Server.Stall(ctx);
            }
            : (ctx, _) => f.Server.Stall(ctx);
        using var cancel = new CancellationTokenSource();

        var call = f.Client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" }, cancellationToken: cancel.Token).AsTask();
        var until = DateTime.UtcNow.AddSeconds(30);
        while (f.Server.ApiCount == 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }

        await Task.Delay(200); // the stub has the request; with headersCame, the client has the status line and a first byte
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await f.Server.ClientAborted.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the server gave up on Auth0, too

        List<AuditRecord> records;
        while ((records = await f.Harness.CallRecordsAsync()).Count == 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
        }

        var record = Assert.Single(records);
        Assert.Equal(1, f.Server.ApiCount);
        Assert.Equal(AuditOutcomes.Error, record.Outcome);
        Assert.Equal(1, record.Attempts);
        Assert.Equal(Assert.Single(await f.Harness.IntentRecordsAsync()).Sequence, record.IntentSequence);
        if (headersCame)
        {
            Assert.Equal(200, record.Auth0Status);
            Assert.Equal("cancelled while Auth0's answer (HTTP 200) was being read", record.Reason);
        }
        else
        {
            Assert.Null(record.Auth0Status);
            Assert.Equal("cancelled after the request was sent to Auth0 (1 attempt): whether Auth0 acted on it is unknown", record.Reason);
        }
    }

    private sealed class WaitingAfterHook : ToolCallHook, IToolCallHookTimeout
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string Name => "waiting";

        public TimeSpan Timeout => TimeSpan.FromMinutes(5);

        public override async ValueTask<HookDecision> AfterCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
            return HookDecision.Allow;
        }
    }

    /// <summary>An after-hook that runs before the secret masking (lower priority) and puts a secret into the result.</summary>
    private sealed class InjectingHook : ToolCallHook
    {
        public override string Name => "injecting";

        public override int Priority => -200;

        public override ValueTask<HookDecision> AfterCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            context.Result = new CallToolResult { Content = [new TextContentBlock { Text = """{"client_secret":"leaked-by-a-hook"}""" }] };
            return ValueTask.FromResult(HookDecision.Rewrite("replaced the result"));
        }
    }

    public static TheoryData<string, Exception> StoreFaults => new()
    {
        { "disk full", new SqliteException("SQLite Error 13: 'database or disk is full'.", 13) },
        { "locked", new SqliteException("SQLite Error 5: 'database is locked'.", 5) },
        { "unreadable", new UnauthorizedAccessException("Access to the path is denied.") },
    };

    [Theory]
    [MemberData(nameof(StoreFaults))]
    public async Task StoreFault_DeleteIsRefused_UpstreamSeesNothingAndTheErrorNamesTheStore(string fault, Exception exception)
    {
        await using var f = await Fixture.StartAsync();
        f.Store.FailWith = exception;

        var result = await f.Client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" });

        Assert.True(result.IsError, fault);
        Assert.Equal(0, f.Server.ApiCount);
        var text = ResultText.Of(result);
        Assert.Contains("was not called", text, StringComparison.Ordinal);
        Assert.Contains(f.Store.Description, text, StringComparison.Ordinal);
        Assert.Contains("Nothing was sent to Auth0", text, StringComparison.Ordinal);
        f.Store.FailWith = null;
        Assert.Empty(await f.Harness.CallRecordsAsync());
    }

    [Fact]
    public async Task StoreFault_StateCannotBeRead_TheCallIsRefusedNamingTheStoreAndRecorded()
    {
        // PostgreSQL out of connections, say: the state cannot be read, so access cannot be decided.
        await using var f = await Fixture.StartAsync();
        f.Store.ReadFailsWith = new GovernanceStoreException(f.Store.Description, "cannot read the state revision: database error (53300: remaining connection slots are reserved)");

        var result = await f.Client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" });

        f.Store.ReadFailsWith = null;
        Assert.True(result.IsError);
        Assert.Equal(0, f.Server.ApiCount);
        var text = ResultText.Of(result);
        Assert.Contains(f.Store.Description, text, StringComparison.Ordinal);
        Assert.Contains("53300", text, StringComparison.Ordinal);
        Assert.EndsWith("[store-unavailable]", text, StringComparison.Ordinal);
        var record = Assert.Single(await f.Harness.CallRecordsAsync());
        Assert.Equal(DenialCodes.StoreUnavailable, record.DenialCode);
        Assert.Empty(await f.Harness.IntentRecordsAsync());
    }

    [Fact]
    public async Task StoreFault_StateCannotBeReadAfterTheIntent_NothingIsSentAndTheIntentGetsItsOutcome()
    {
        await using var f = await Fixture.StartAsync();
        f.Store.AfterIntent = () => f.Store.ReadFailsWith = new GovernanceStoreException(f.Store.Description, "cannot read the state revision: timed out");

        var result = await f.Client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" });

        f.Store.ReadFailsWith = null;
        Assert.True(result.IsError);
        Assert.Equal(0, f.Server.ApiCount);
        Assert.EndsWith("[store-unavailable]", ResultText.Of(result), StringComparison.Ordinal);
        var record = Assert.Single(await f.Harness.CallRecordsAsync());
        Assert.Equal(DenialCodes.StoreUnavailable, record.DenialCode);
        Assert.Equal(Assert.Single(await f.Harness.IntentRecordsAsync()).Sequence, record.IntentSequence);
    }

    /// <summary>
    /// The store fails once the intent is written (locked, full): the client is told the intent record stands; the
    /// operator's log line names the same call (tool, user, intent record, Auth0's status), never an argument value.
    /// </summary>
    [Fact]
    public async Task StoreFault_OutcomeCannotBeWritten_TheLogLineNamesTheToolTheUserTheIntentAndAuth0sStatus()
    {
        using var logs = new CapturingLoggerProvider();
        await using var f = await Fixture.StartAsync(logs: logs);
        f.Store.AfterIntent = () => f.Store.FailWith = new GovernanceStoreException(f.Store.Description, "database is locked");

        var result = await f.Client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|secret-arg-1" });

        f.Store.FailWith = null;
        Assert.True(result.IsError);
        Assert.Equal(1, f.Server.ApiCount);
        var intent = Assert.Single(await f.Harness.IntentRecordsAsync());
        Assert.Contains($"its intent record #{intent.Sequence} stands", ResultText.Of(result), StringComparison.Ordinal);
        var line = Assert.Single(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("could not write", StringComparison.Ordinal));
        Assert.Contains($"could not write the outcome (success, Auth0 status 204) of auth0_users_delete for alice to {f.Store.Description}; its intent record #{intent.Sequence} stands", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-arg-1", logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreFault_StateCannotBeReadAfterTheIntent_TheLogLineNamesTheToolTheUserAndTheIntent()
    {
        using var logs = new CapturingLoggerProvider();
        await using var f = await Fixture.StartAsync(logs: logs);
        f.Store.AfterIntent = () => f.Store.ReadFailsWith = new GovernanceStoreException(f.Store.Description, "cannot read the state revision: timed out");

        var result = await f.Client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|secret-arg-2" });

        f.Store.ReadFailsWith = null;
        Assert.True(result.IsError);
        var intent = Assert.Single(await f.Harness.IntentRecordsAsync());
        var line = Assert.Single(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("could not read the state", StringComparison.Ordinal));
        Assert.Contains($"the call of auth0_users_delete for alice was refused, nothing sent; its intent record #{intent.Sequence} gets a denied outcome", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-arg-2", logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreFault_StateCannotBeReadForAListing_TheErrorNamesTheStore()
    {
        await using var f = await Fixture.StartAsync();
        f.Store.ReadFailsWith = new GovernanceStoreException(f.Store.Description, "cannot read the state revision: timed out");

        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await f.Client.ListToolsAsync());

        f.Store.ReadFailsWith = null;
        Assert.Contains(f.Store.Description, error.Message, StringComparison.Ordinal);
        Assert.Contains("could not be decided", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await f.Client.ListToolsAsync()).Count); // and the next listing, once the store answers, is whole
    }

    [Fact]
    public async Task MissingScope_HiddenFromTheListAnsweredAsUnknownAndTheAuditNamesTheScope()
    {
        await using var f = await Fixture.StartAsync(granted: ["read:connections"]);

        var listed = (await f.Client.ListToolsAsync()).Select(t => t.Name).ToList();
        var result = await f.Client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" });

        Assert.Equal(["auth0_connections_list"], listed);
        Assert.Equal("Denied by governance: unknown tool 'auth0_users_delete' [unknown-tool]", ResultText.Of(result));
        Assert.Equal(0, f.Server.ApiCount);
        var record = Assert.Single(await f.Harness.CallRecordsAsync());
        Assert.Equal(DenialCodes.MissingScopes, record.DenialCode);
        Assert.Contains("delete:users", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownTool_IsRecorded()
    {
        await using var f = await Fixture.StartAsync();

        var result = await f.Client.CallToolAsync("auth0_nope", new Dictionary<string, object?>());

        Assert.True(result.IsError);
        Assert.Contains("[unknown-tool]", ResultText.Of(result), StringComparison.Ordinal);
        Assert.Equal(DenialCodes.UnknownTool, Assert.Single(await f.Harness.CallRecordsAsync()).DenialCode);
    }

    [Fact]
    public async Task StartUp_CatalogueUnchangedSinceTheLastSync_SkipsTheSync()
    {
        using var directory = new TestDirectory("auth0mcp-callpath-");
        var path = directory.File("gov.db");
        int afterFirst;
        await using (var first = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList)], store: new SqliteGovernanceStore(path)))
        {
            afterFirst = (await first.AuditAsync()).Count;
            Assert.Contains(await first.AuditAsync(), r => r.Event == "catalog.resync");
        }

        await using var second = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList)], store: new SqliteGovernanceStore(path));
        Assert.Equal(afterFirst, (await second.AuditAsync()).Count);

        await using var changed = await GovernanceHarness.StartAsync([new FakeTool(Descriptors.UsersList), new FakeTool(Descriptors.RolesCreate)], store: new SqliteGovernanceStore(path));
        Assert.Contains(await changed.AuditAsync(), r => r.Event == "tool.discovered" || r.Tool == "auth0_roles_create");
    }

    /// <summary>A governed server with real tools, a scripted Auth0, a recording hook and a recording store.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        private readonly TestDirectory _directory;

        private Fixture(ScriptedAuth0Server server, GovernanceHarness harness, RecordingStore store, McpClient client, TestDirectory directory)
        {
            _directory = directory;
            Server = server;
            Harness = harness;
            Store = store;
            Client = client;
        }

        public ScriptedAuth0Server Server { get; }

        public GovernanceHarness Harness { get; }

        public RecordingStore Store { get; }

        public McpClient Client { get; }

        public static async Task<Fixture> StartAsync(ConcurrentQueue<string>? events = null, string[]? granted = null, IToolCallHook[]? hooks = null, Microsoft.Extensions.Logging.ILoggerProvider? logs = null)
        {
            events ??= new ConcurrentQueue<string>();
            var server = await ScriptedAuth0Server.StartAsync();
            server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 204, "");
            var directory = new TestDirectory("auth0mcp-callpath-");
            var store = new RecordingStore(new SqliteGovernanceStore(directory.File("gov.db")), events);
            var token = granted is null ? Auth0Mcp.Sdk.Tests.Http.Harness.StaticToken : TestTokens.Jwt(granted, DateTimeOffset.UtcNow.AddHours(1), "t");
            var harness = await GovernanceHarness.StartWithToolsAsync(
                [new Auth0ApiTool(ConnectionsList), new Auth0ApiTool(UsersDelete)],
                o =>
                {
                    o.Hooks.Add(new RecordingHook(events));
                    foreach (var hook in hooks ?? [])
                    {
                        o.Hooks.Add(hook);
                    }
                },
                s =>
                {
                    s.AddAuth0Connection(o =>
                    {
                        o.Domain = "tenant.example";
                        o.BaseUrl = server.ApiBase;
                        o.Token = token;
                        o.MaxRetryAttempts = 0;
                    });
                    if (logs is not null)
                    {
                        s.AddSingleton(logs);
                    }
                },
                store);
            await harness.AllowAsync(["alice"], "auth0_connections_list", "auth0_users_delete");
            var client = await harness.ConnectAsync(GovernanceHarness.User("alice"));
            return new Fixture(server, harness, store, client, directory);
        }

        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
            await Server.DisposeAsync();
            _directory.Dispose();
        }
    }

    private sealed class RecordingHook(ConcurrentQueue<string> events) : ToolCallHook
    {
        public override string Name => "recording";

        public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            events.Enqueue("hook before " + string.Join("&", context.Arguments.Select(a => $"{a.Key}={a.Value.GetRawText()}")));
            return ValueTask.FromResult(HookDecision.Allow);
        }

        public override ValueTask<HookDecision> AfterCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            events.Enqueue("hook after");
            return ValueTask.FromResult(HookDecision.Allow);
        }
    }

    /// <summary>The store seam: records each append, and fails appends with a given fault (as a full disk, a lock or a permission error does).</summary>
    private sealed class RecordingStore(IGovernanceStore inner, ConcurrentQueue<string> events) : DelegatingGovernanceStore(inner)
    {
        public Exception? FailWith { get; set; }

        public override Task<bool> TrySaveStateAsync(GovernanceState state, long expectedRevision, IReadOnlyList<AuditRecord> events1, CancellationToken cancellationToken = default)
        {
            events.Enqueue("audit admin");
            return Inner.TrySaveStateAsync(state, expectedRevision, events1, cancellationToken);
        }

        /// <summary>Set: reading the state revision fails with it (the store unreachable, out of connections).</summary>
        public GovernanceStoreException? ReadFailsWith { get; set; }

        public override Task<(long Revision, string? ETag)> GetStateVersionAsync(CancellationToken cancellationToken = default) =>
            ReadFailsWith is { } fault ? Task.FromException<(long, string?)>(fault) : Inner.GetStateVersionAsync(cancellationToken);

        public override Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default)
        {
            if (FailWith is { } fault)
            {
                return Task.FromException(fault);
            }

            events.Enqueue("audit " + record.Event);
            var appended = Inner.AppendAuditAsync(record, cancellationToken);
            if (record.Outcome == AuditOutcomes.Intent && AfterIntent is { } then)
            {
                return appended.ContinueWith(t => { t.GetAwaiter().GetResult(); then(); }, TaskScheduler.Default);
            }

            return appended;
        }

        /// <summary>Runs once an intent record is written (e.g. the store stops answering reads).</summary>
        public Action? AfterIntent { get; set; }
    }

    /// <summary>
    /// A before-hook that
    /// says it rewrote the arguments and leaves a value the schema refuses (id: a number, the schema says string) must
    /// be refused, nothing sent: hooks may only narrow. (Only observable when the hook is the last before-hook: otherwise
    /// the later check of a silent change catches it.)
    /// </summary>
    [Fact]
    public async Task BeforeHookDeclaresARewriteOutsideTheSchema_RefusedAndNothingSent()
    {
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await GovernanceHarness.StartAsync([tool], o => o.Hooks.Add(new DeclaredWideningHook()));
        await h.AllowAsync(["alice"], "auth0_users_list");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["id"] = "u1" });

        Assert.True(result.IsError);
        Assert.Equal(0, tool.Calls);
        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal(DenialCodes.HookFailed, record.DenialCode);
        Assert.Contains("hooks may only narrow", record.Reason, StringComparison.Ordinal);
    }

    private sealed class DeclaredWideningHook : ToolCallHook
    {
        public override string Name => "declared-widening";

        // After the built-in paging cap (100): the last before-hook, so its declared rewrite is the last outcome.
        public override int Priority => 200;

        public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            context.Arguments["id"] = JsonSerializer.SerializeToElement(5);
            return ValueTask.FromResult(HookDecision.Rewrite("id set to 5"));
        }
    }

    /// <summary>
    /// A discovery result whose audit record cannot be written is withheld, like a call's: with the audit append failing, a progressive search must answer an error naming the store, not the tools it found.
    /// </summary>
    [Fact]
    public async Task SearchWhoseRecordCannotBeWritten_ResultWithheld()
    {
        using var directory = new TestDirectory("auth0mcp-searchaudit-");
        var failing = new AuditAppendFailingStore(new SqliteGovernanceStore(directory.File("gov.db")));
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            store: failing,
            services: s => s.AddMcpServer().WithToolsMode(o => o.Mode = Auth0Mcp.Sdk.Progressive.ToolsMode.Progressive));
        await h.AllowAsync(["alice"], "auth0_users_list");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var before = await client.CallToolAsync("auth0_search_tools", new Dictionary<string, object?> { ["query"] = "list users" });
        Assert.Contains("auth0_users_list", ResultText.Of(before), StringComparison.Ordinal); // the search finds it
        failing.Fail = true;

        var result = await client.CallToolAsync("auth0_search_tools", new Dictionary<string, object?> { ["query"] = "list users" });

        Assert.True(result.IsError);
        Assert.DoesNotContain("auth0_users_list", ResultText.Of(result), StringComparison.Ordinal);
    }

    /// <summary>
    /// A malformed progressive call (arguments as a string or an array, a meta-tool named) is refused before any tool
    /// is chosen, so no tool's rules masked it: a tool's map of secrets under names the user chose (hooks secrets) was
    /// recorded in clear. Such a refusal keeps each member's kind and the hash, not the values.
    /// </summary>
    [Theory]
    [InlineData("array")]
    [InlineData("string")]
    [InlineData("self")]
    public async Task MalformedProgressiveCall_RecordKeepsNoArgumentValue(string shape)
    {
        const string Secret = "sk-live-CLEARTEXT-0001";
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            services: s => s.AddMcpServer().WithToolsMode(o => o.Mode = Auth0Mcp.Sdk.Progressive.ToolsMode.Progressive));
        await h.AllowAsync(["alice"], "auth0_users_list");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var inner = new Dictionary<string, object?> { ["id"] = "h1", ["body"] = new Dictionary<string, object?> { ["STRIPE_KEY"] = Secret } };
        var arguments = shape switch
        {
            "array" => new Dictionary<string, object?> { ["name"] = "auth0_users_list", ["arguments"] = new object?[] { inner } },
            "string" => new Dictionary<string, object?> { ["name"] = "auth0_users_list", ["arguments"] = JsonSerializer.Serialize(inner) },
            _ => new Dictionary<string, object?> { ["name"] = "auth0_call_tool", ["arguments"] = inner },
        };

        var result = await client.CallToolAsync("auth0_call_tool", arguments);

        Assert.True(result.IsError);
        Assert.Equal(0, h.Tools["auth0_users_list"].Calls);
        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal(DenialCodes.MalformedRequest, record.DenialCode);
        Assert.DoesNotContain(Secret, record.Arguments, StringComparison.Ordinal);
        Assert.Contains("\"arguments\":\"[not kept:", record.Arguments, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{64}$", record.ArgumentsHash);
    }

    [Fact]
    public async Task ProgressiveSearch_KillSwitchOnForAllTools_SaysSoInsteadOfAskingForApproval()
    {
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            services: s => s.AddMcpServer().WithToolsMode(o => o.Mode = Auth0Mcp.Sdk.Progressive.ToolsMode.Progressive));
        await h.AllowAsync(["alice"], "auth0_users_list");
        await h.Governance.SetKillSwitchAsync(true, null, "admin");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var groups = ResultText.Of(await client.CallToolAsync("auth0_search_tools", new Dictionary<string, object?>()));

        Assert.Contains("kill switch", groups, StringComparison.Ordinal);
        Assert.DoesNotContain("ask an administrator to approve", groups, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("read, write")]
    [InlineData("read,delete")]
    [InlineData("0")]
    [InlineData("1")]
    public async Task ProgressiveSearch_ActionOutsideItsThreeNames_IsRefused(string action)
    {
        // Enum.TryParse took numbers and flag lists: "read, write" searched Write only, without a word.
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            services: s => s.AddMcpServer().WithToolsMode(o => o.Mode = Auth0Mcp.Sdk.Progressive.ToolsMode.Progressive));
        await h.AllowAsync(["alice"], "auth0_users_list");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var refused = await client.CallToolAsync("auth0_search_tools", new Dictionary<string, object?> { ["query"] = "users", ["action"] = action });
        var found = await client.CallToolAsync("auth0_search_tools", new Dictionary<string, object?> { ["query"] = "users", ["action"] = " Read " });

        Assert.True(refused.IsError);
        Assert.Contains("action must be read, write or delete", ResultText.Of(refused), StringComparison.Ordinal);
        Assert.NotEqual(true, found.IsError);
        Assert.Contains("auth0_users_list", ResultText.Of(found), StringComparison.Ordinal);
    }

    private sealed class AuditAppendFailingStore(IGovernanceStore inner) : DelegatingGovernanceStore(inner)
    {
        public bool Fail { get; set; }

        public override Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default) =>
            Fail ? throw new IOException("disk full") : Inner.AppendAuditAsync(record, cancellationToken);
    }
}
