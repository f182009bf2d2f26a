using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Http;
using Auth0Mcp.Sdk.Tests.Http;
using Auth0Mcp.Sdk.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Governance;

public sealed class GovernanceHookTests
{
    private static readonly Dictionary<string, object?> Args = new() { ["id"] = "x1" };

    private sealed class ThrowingHook(string phase) : ToolCallHook
    {
        public override string Name => "thrower-" + phase;

        public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken) =>
            phase == "before" ? throw new InvalidOperationException("boom") : ValueTask.FromResult(HookDecision.Allow);

        public override ValueTask<HookDecision> AfterCallAsync(ToolCallContext context, CancellationToken cancellationToken) =>
            phase == "after" ? throw new InvalidOperationException("boom") : ValueTask.FromResult(HookDecision.Allow);
    }

    private sealed class HangingHook : ToolCallHook
    {
        public override string Name => "hanger";

        public override async ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, CancellationToken.None); // ignores cancellation on purpose
            return HookDecision.Allow;
        }
    }

    private sealed class RecordingHook(string name, int priority, List<string> order, params string[] patterns) : ToolCallHook
    {
        public override string Name => name;

        public override int Priority => priority;

        public override IReadOnlyList<string> ToolPatterns { get; init; } = patterns;

        public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            lock (order)
            {
                order.Add(name);
            }

            return ValueTask.FromResult(HookDecision.Allow);
        }
    }

    private sealed class RewritingHook : ToolCallHook
    {
        public override string Name => "rewriter";

        public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            context.Arguments["id"] = JsonDocument.Parse("\"rewritten\"").RootElement.Clone();
            return ValueTask.FromResult(HookDecision.Rewrite("id replaced"));
        }

        public override ValueTask<HookDecision> AfterCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            context.Result = new CallToolResult { Content = [new TextContentBlock { Text = "replaced output" }] };
            return ValueTask.FromResult(HookDecision.Rewrite("output replaced"));
        }
    }

    private sealed class DenyingHook : ToolCallHook
    {
        public override string Name => "no-fridays";

        public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult(HookDecision.Deny("not today"));
    }

    private static async Task<GovernanceHarness> StartAsync(Action<ToolGovernanceOptions> configure, params FakeTool[] tools)
    {
        var h = await GovernanceHarness.StartAsync(tools, configure);
        await h.AllowAsync(["alice"], tools.Select(t => t.Descriptor.Name).ToArray());
        return h;
    }

    [Theory]
    [InlineData("before")]
    [InlineData("after")]
    public async Task Hook_Throws_CallDeniedFailClosed(string phase)
    {
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(o => o.Hooks.Add(new ThrowingHook(phase)), tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", Args);

        Assert.True(result.IsError);
        Assert.Contains($"hook 'thrower-{phase}' failed", ResultText.Of(result));
        Assert.DoesNotContain("x1", ResultText.Of(result)); // the tool's output is withheld
        Assert.Equal(phase == "before" ? 0 : 1, tool.Calls);
        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal(AuditOutcomes.Denied, record.Outcome);
        Assert.Equal(DenialCodes.HookFailed, record.DenialCode);
        Assert.Contains(record.Hooks!, o => o.Hook == $"thrower-{phase}" && o.Outcome == "failed" && o.Phase == phase);
    }

    private sealed class NullingHook(string phase) : ToolCallHook
    {
        public override string Name => "nuller-" + phase;

        public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            if (phase is "before" or "before-then-throw")
            {
                context.Arguments = null!;
            }

            return phase == "before-then-throw" ? throw new InvalidOperationException("boom") : ValueTask.FromResult(HookDecision.Allow);
        }

        public override ValueTask<HookDecision> AfterCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            if (phase == "after")
            {
                context.Arguments = null!;
            }

            return ValueTask.FromResult(HookDecision.Allow);
        }
    }

    private sealed class UnmatchableHook(string name, IReadOnlyList<string> patterns) : ToolCallHook
    {
        public override string Name => name;

        public override IReadOnlyList<string> ToolPatterns { get; init; } = patterns;
    }

    [Theory]
    [InlineData("before")]
    [InlineData("after")]
    [InlineData("before-then-throw")]
    public async Task Hook_SetsTheArgumentsToNull_CallDeniedFailClosedAndRecorded(string phase)
    {
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(o => o.Hooks.Add(new NullingHook(phase)), tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", Args);

        Assert.True(result.IsError);
        Assert.Contains($"hook 'nuller-{phase}' failed: InvalidOperationException: {(phase == "before-then-throw" ? "boom" : "it set the arguments to null")}", ResultText.Of(result));
        Assert.Equal(phase == "after" ? 1 : 0, tool.Calls);
        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal(AuditOutcomes.Denied, record.Outcome);
        Assert.Equal(DenialCodes.HookFailed, record.DenialCode);
        Assert.Contains("x1", record.Arguments, StringComparison.Ordinal); // recorded with the arguments the hook was given
    }

    [Theory]
    [InlineData("null hook in the options", "a hook is null")]
    [InlineData("null patterns in the options", "hook 'no-patterns' needs ToolPatterns without blank entries")]
    [InlineData("nameless service", "every hook needs a name (a UnmatchableHook has none)")]
    [InlineData("null patterns as a service", "hook 'no-patterns' needs ToolPatterns without blank entries")]
    public async Task Hook_ThatCannotBeNamedOrMatched_StopsTheHostAtStartNamingIt(string how, string error)
    {
        var tool = new FakeTool(Descriptors.UsersList);
        var ex = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var h = await GovernanceHarness.StartAsync(
                [tool],
                o =>
                {
                    if (how == "null hook in the options")
                    {
                        o.Hooks.Add(null!);
                    }
                    else if (how == "null patterns in the options")
                    {
                        o.Hooks.Add(new UnmatchableHook("no-patterns", null!));
                    }
                },
                services: s =>
                {
                    if (how == "nameless service")
                    {
                        s.AddSingleton<IToolCallHook>(new UnmatchableHook(" ", []));
                    }
                    else if (how == "null patterns as a service")
                    {
                        s.AddSingleton<IToolCallHook>(new UnmatchableHook("no-patterns", null!));
                    }
                });
            var client = await h.ConnectAsync(GovernanceHarness.User("alice"));
            await client.CallToolAsync("auth0_users_list", Args);
        });

        Assert.Contains(error, ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, tool.Calls);
    }

    [Fact]
    public async Task Hook_TimesOut_CallDeniedFailClosed()
    {
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(o => { o.Hooks.Add(new HangingHook()); o.HookTimeout = TimeSpan.FromMilliseconds(200); }, tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", Args);

        Assert.True(result.IsError);
        Assert.Contains("hook 'hanger' timed out", ResultText.Of(result));
        Assert.Equal(0, tool.Calls);
        Assert.Contains((await h.CallRecordsAsync())[0].Hooks!, o => o.Outcome == "timed-out");
    }

    [Fact]
    public async Task Hook_BlocksItsThreadPastTheTimeout_CallDeniedFailClosed()
    {
        // It answers "allow", but only after the timeout: as late as one that never answered.
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(o => { o.Hooks.Add(new BlockingHook()); o.HookTimeout = TimeSpan.FromMilliseconds(150); }, tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", Args);

        Assert.True(result.IsError);
        Assert.Contains("hook 'blocker' timed out", ResultText.Of(result));
        Assert.Equal(0, tool.Calls);
        Assert.Contains((await h.CallRecordsAsync())[0].Hooks!, o => o.Hook == "blocker" && o.Outcome == "timed-out");
    }

    private sealed class BlockingHook : ToolCallHook
    {
        public override string Name => "blocker";

        public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            Thread.Sleep(600);
            return ValueTask.FromResult(HookDecision.Allow);
        }
    }

    [Theory]
    [InlineData(6000, false)] // after the policies judged per_page ≤ 50: refused
    [InlineData(4000, true)] // before them: the policies judge what it left (and it fits)
    public async Task Hook_ChangingArgumentsAfterTheArgumentPolicies_IsRefused(int priority, bool runs)
    {
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(o =>
        {
            o.AddArgumentPolicies(ArgumentPolicy.Max("page-50", "auth0_users_list", "/per_page", 50));
            o.Hooks.Add(new PageSettingHook(priority, 40));
        }, tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 10 });

        Assert.Equal(runs ? 1 : 0, tool.Calls);
        var record = Assert.Single(await h.CallRecordsAsync());
        if (!runs)
        {
            Assert.Contains("changed the arguments it had judged", ResultText.Of(result), StringComparison.Ordinal);
            Assert.Equal(DenialCodes.HookFailed, record.DenialCode);
        }
    }

    [Fact]
    public async Task Hook_WideningAfterTheArgumentPolicies_WithinTheSchema_IsRefused()
    {
        // per_page 100 fits the schema (maximum 100) but not the policy: a hook after the policy must not slip it by.
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(o =>
        {
            o.AddArgumentPolicies(ArgumentPolicy.Max("page-50", "auth0_users_list", "/per_page", 50));
            o.Hooks.Add(new PageSettingHook(6000, 100, declare: false));
        }, tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 10 });

        Assert.True(result.IsError);
        Assert.Equal(0, tool.Calls);
        Assert.Contains("after 'argument-policy'", ResultText.Of(result), StringComparison.Ordinal);
    }

    private sealed class PageSettingHook(int priority, int perPage, bool declare = true) : ToolCallHook
    {
        public override string Name => "page-setter";

        public override int Priority => priority;

        public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            context.Arguments["per_page"] = JsonSerializer.SerializeToElement(perPage);
            return ValueTask.FromResult(declare ? HookDecision.Rewrite("per_page set") : HookDecision.Allow);
        }
    }

    [Fact]
    public async Task Hooks_EachGetsItsOwnTimeout_AnEarlierHooksDeadlineDoesNotCancelTheNext()
    {
        // The first hook finishes well inside its short timeout; the second runs past the first one's deadline on
        // a token that must carry only its own (longer) timeout.
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(o =>
        {
            o.Hooks.Add(new WaitingHook("quick", TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(50), priority: 1));
            o.Hooks.Add(new WaitingHook("slow", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(700), priority: 2));
        }, tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", Args);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(1, tool.Calls);
        var hooks = (await h.CallRecordsAsync())[0].Hooks!;
        Assert.Contains(hooks, o => o.Hook == "slow" && o.Phase == "before" && o.Outcome == "allowed");
    }

    private sealed class WaitingHook(string name, TimeSpan timeout, TimeSpan wait, int priority) : ToolCallHook, IToolCallHookTimeout
    {
        public override string Name => name;

        public override int Priority => priority;

        public TimeSpan Timeout => timeout;

        public override async ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            await Task.Delay(wait, cancellationToken); // throws when the token is cancelled: the call would be denied
            return HookDecision.Allow;
        }
    }

    [Fact]
    public async Task Hook_DeniesWithReason_ToolNotReachedAndReasonReturned()
    {
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(o => o.Hooks.Add(new DenyingHook()), tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", Args);

        Assert.Contains("denied by hook 'no-fridays': not today", ResultText.Of(result));
        Assert.Equal(0, tool.Calls);
        Assert.Equal(DenialCodes.HookDenied, Assert.Single(await h.CallRecordsAsync()).DenialCode);
    }

    [Fact]
    public async Task Hooks_PriorityAndGlobScope_RunInOrderOnlyForMatchingTools()
    {
        var order = new List<string>();
        var users = new FakeTool(Descriptors.UsersList);
        var clients = new FakeTool(Descriptors.ClientsGet);
        await using var h = await StartAsync(o =>
        {
            o.Hooks.Add(new RecordingHook("late", 50, order));
            o.Hooks.Add(new RecordingHook("early", -50, order));
            o.Hooks.Add(new RecordingHook("users-only", 0, order, "auth0_users_*"));
        }, users, clients);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        await client.CallToolAsync("auth0_users_list", Args);
        var first = order.ToList();
        order.Clear();
        await client.CallToolAsync("auth0_clients_get", Args);

        Assert.Equal(["early", "users-only", "late"], first);
        Assert.Equal(["early", "late"], order);
    }

    [Fact]
    public async Task Hook_RewritesInputAndOutput_ToolSeesNewInputCallerSeesNewOutput()
    {
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(o => o.Hooks.Add(new RewritingHook()), tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", Args);

        Assert.True(tool.Received.TryDequeue(out var received));
        Assert.Equal("rewritten", received["id"].GetString());
        Assert.Equal("replaced output", ResultText.Of(result));
        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Contains("rewritten", record.Arguments);
        Assert.Contains(record.Hooks!, o => o.Hook == "rewriter" && o.Outcome == "rewritten" && o.Phase == "after");
    }

    [Fact]
    public async Task PagingCap_PerPageAboveCap_IsCappedBeforeTheTool()
    {
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(o => o.PagingCaps["per_page"] = 25, tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 500 });

        Assert.True(tool.Received.TryDequeue(out var received));
        Assert.Equal(25, received["per_page"].GetInt32());
    }

    [Fact]
    public async Task SecretMasking_ResultWithSecretsNestedAndInArrays_MasksEveryOne()
    {
        const string body = """
            {"client_id":"abc","client_secret":"s3cr3t-client","name":"app",
             "signing_keys":[{"cert":"PEM","private_key":"-----BEGIN PRIVATE KEY-----xyz"}],
             "hooks":[{"id":"h1","signing_secret":"s3cr3t-hook"},{"id":"h2","nested":{"deep":{"private_key":"pk-2"}}}],
             "users":[{"user_id":"u1","password":"hunter2","refresh_token":"rt-1"}],
             "jwt_somewhere":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl"}
            """;
        var tool = new FakeTool(Descriptors.ClientsGet, _ => new CallToolResult
        {
            Content = [new TextContentBlock { Text = body }],
            StructuredContent = JsonDocument.Parse(body).RootElement.Clone(),
        });
        await using var h = await StartAsync(_ => { }, tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_clients_get", Args);
        var text = ResultText.Of(result);
        var structured = result.StructuredContent!.Value.GetRawText();

        foreach (var output in new[] { text, structured })
        {
            foreach (var secret in new[] { "s3cr3t-client", "BEGIN PRIVATE KEY", "s3cr3t-hook", "pk-2", "hunter2", "rt-1", "eyJhbGciOiJIUzI1NiJ9" })
            {
                Assert.DoesNotContain(secret, output);
            }

            Assert.Contains("\"client_id\":\"abc\"", output);
            Assert.Contains("[REDACTED]", output);
        }

        Assert.Contains((await h.CallRecordsAsync())[0].Hooks!, o => o.Hook == "secret-masking" && o.Outcome == "rewritten");
    }

    [Fact]
    public async Task Audit_ArgumentsWithPassword_RecordHasItRedactedButHashOfOriginal()
    {
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(_ => { }, tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["id"] = "u1", ["password"] = "P@ssw0rd!" });

        var records = await h.AuditAsync();
        var export = string.Join("\n", records.Select(r => JsonSerializer.Serialize(r)));
        Assert.DoesNotContain("P@ssw0rd!", export);
        var call = records.Single(r => r.Event == "tool.call");
        Assert.Contains("[REDACTED]", call.Arguments);
        Assert.Contains("u1", call.Arguments);
        Assert.Equal(64, call.ArgumentsHash!.Length);
    }

    [Fact]
    public async Task PiiRedaction_On_RedactsEmailAndNames()
    {
        var tool = new FakeTool(Descriptors.UsersList, _ => new CallToolResult
        {
            Content = [new TextContentBlock { Text = """[{"user_id":"u1","email":"a@example.com","given_name":"Ann","logins_count":3}]""" }],
        });
        await using var h = await StartAsync(o => o.RedactPii = true, tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var text = ResultText.Of(await client.CallToolAsync("auth0_users_list", Args));

        Assert.DoesNotContain("a@example.com", text);
        Assert.DoesNotContain("Ann", text);
        Assert.Contains("\"user_id\":\"u1\"", text);
        Assert.Contains("\"logins_count\":3", text);
    }

    [Fact]
    public async Task WriteAuthorization_DeleteDenied_DeleteRefusedReadAllowed()
    {
        var delete = new FakeTool(Descriptors.UsersDelete);
        var read = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(o => o.WriteAuthorization = new WriteAuthorizationHook { DeniedActions = [Auth0ToolAction.Delete] }, delete, read);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var denied = await client.CallToolAsync("auth0_users_delete", Args);
        var allowed = await client.CallToolAsync("auth0_users_list", Args);

        Assert.Contains("Delete calls are not allowed", ResultText.Of(denied));
        Assert.Equal(["auth0_users_list"], (await client.ListToolsAsync()).Select(t => t.Name));
        Assert.Equal(0, delete.Calls);
        Assert.NotEqual(true, allowed.IsError);
    }

    [Fact]
    public async Task WriteAuthorization_DangerousOutsideBusinessHours_DeniedAtNightAllowedByDay()
    {
        var delete = new FakeTool(Descriptors.UsersDelete); // derived risk: Dangerous
        await using var h = await StartAsync(o => o.WriteAuthorization = new WriteAuthorizationHook
        {
            DeniedRisks = [ToolRisk.Dangerous],
            OnlyOutside = new BusinessHours { TimeZone = "UTC", StartHour = 9, EndHour = 17 },
        }, delete);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var byDay = await client.CallToolAsync("auth0_users_delete", Args); // Monday 10:00 UTC
        var listedByDay = await client.ListToolsAsync();
        h.Clock.Advance(TimeSpan.FromHours(12)); // Monday 22:00 UTC
        var atNight = await client.CallToolAsync("auth0_users_delete", Args);
        var listedAtNight = await client.ListToolsAsync();

        Assert.NotEqual(true, byDay.IsError);
        Assert.Single(listedByDay);
        Assert.Empty(listedAtNight);
        Assert.Contains("Dangerous tools are not allowed outside business hours", ResultText.Of(atNight));
        Assert.Equal(1, delete.Calls);
    }

    [Fact]
    public async Task AuditWriteFails_CallAnswered_OnlyWithAnErrorNeverTheResult()
    {
        var tool = new FakeTool(Descriptors.UsersList, _ => new CallToolResult { Content = [new TextContentBlock { Text = "the-payload" }] });
        using var directory = new TestDirectory("auth0mcp-gov-");
        var failing = new FailingAuditStore(new SqliteGovernanceStore(directory.File("gov.db")));
        await using var h = await GovernanceHarness.StartAsync([tool], store: failing);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));
        failing.Fail = true;

        var result = await client.CallToolAsync("auth0_users_list", Args);

        Assert.True(result.IsError);
        Assert.DoesNotContain("the-payload", ResultText.Of(result));
    }

    private sealed class FailingAuditStore(IGovernanceStore inner) : DelegatingGovernanceStore(inner)
    {
        public bool Fail { get; set; }

        public override Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default) =>
            Fail ? throw new IOException("disk full") : Inner.AppendAuditAsync(record, cancellationToken);
    }

    [Fact]
    public async Task ToolError_StatusOnlyInAHostToolsText_IsNotParsedBackOut()
    {
        var tool = new FakeTool(Descriptors.UsersList, _ => new CallToolResult
        {
            IsError = true,
            Content = [new TextContentBlock { Text = "Auth0 returned 429 TooManyRequests (Too Many Requests): Global limit reached" }],
        });
        await using var h = await StartAsync(_ => { }, tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        await client.CallToolAsync("auth0_users_list", Args);

        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal(AuditOutcomes.Error, record.Outcome);
        Assert.Null(record.Auth0Status);
        Assert.Contains("Global limit reached", record.Reason, StringComparison.Ordinal);
    }

    private sealed class LeakyHook(bool throws) : ToolCallHook
    {
        public override string Name => "leaky";

        public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken) => throws
            ? throw new InvalidOperationException("could not check user with password 'THROWLEAK-pw-123456'")
            : ValueTask.FromResult(HookDecision.Rewrite("looked up client_secret=NOTELEAK-0123456789 for the call"));
    }

    /// <summary>An Auth0 tool (a real <see cref="Auth0ApiTool"/>) governed, talking to <paramref name="auth0"/>.</summary>
    private static async Task<GovernanceHarness> StartAuth0Async(ScriptedAuth0Server auth0, Auth0ToolDescriptor descriptor, Action<ToolGovernanceOptions>? configure = null)
    {
        var h = await GovernanceHarness.StartWithToolsAsync([new Auth0ApiTool(descriptor)], configure, s => s.AddAuth0Connection(o =>
        {
            o.Domain = "tenant.example";
            o.BaseUrl = auth0.ApiBase;
            o.Token = Harness.StaticToken;
            o.MaxRetryAttempts = 0;
        }));
        await h.AllowAsync(["alice"], descriptor.Name);
        return h;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Hook_DetailQuotingASecret_RedactedInTheAuditAsTheReasonIs(bool throws)
    {
        var tool = new FakeTool(Descriptors.UsersList);
        await using var h = await StartAsync(o => o.Hooks.Add(new LeakyHook(throws)), tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        await client.CallToolAsync("auth0_users_list", Args);

        var records = await h.AuditAsync();
        var hook = records.Where(r => r.Hooks is not null).SelectMany(r => r.Hooks!).First(o => o.Hook == "leaky");
        Assert.Equal(throws ? "failed" : "rewritten", hook.Outcome);
        Assert.Contains("[REDACTED]", hook.Detail, StringComparison.Ordinal);
        var export = string.Join("\n", records.Select(r => JsonSerializer.Serialize(r)));
        Assert.DoesNotContain("THROWLEAK", export, StringComparison.Ordinal);
        Assert.DoesNotContain("NOTELEAK", export, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorMessage_SecretStraddlingThe500CharacterCut_MaskedInTheAnswerAndTheAuditReason()
    {
        // The secret starts before character 500 and ends after it: cut first, its closing quote would be gone.
        await using var auth0 = await ScriptedAuth0Server.StartAsync();
        const string Pad = "Payload validation error: ";
        var message = Pad + new string('x', 470 - Pad.Length) + " password: 'LEAKPW-0123456789abcdefghij'";
        auth0.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 400, JsonSerializer.Serialize(new Dictionary<string, object> { ["statusCode"] = 400, ["message"] = message }));
        await using var h = await StartAuth0Async(auth0, TestTool.Describe());
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());

        var record = (await h.CallRecordsAsync()).Last();
        Assert.True(result.IsError);
        Assert.DoesNotContain("LEAKPW", ResultText.Of(result), StringComparison.Ordinal);
        Assert.DoesNotContain("LEAKPW", record.Reason, StringComparison.Ordinal);
        Assert.Contains("password: '[REDACTED]'", record.Reason, StringComparison.Ordinal);
        Assert.True(record.Reason!.Length <= 500, $"{record.Reason.Length} characters");
    }

    [Theory]
    [InlineData("auth0_hooks_secrets_create", """{"id":"h1","body":{"STRIPE_KEY":"sk_live_AUDITLEAK_1","DB_PASS":"AUDITLEAK_2"}}""", "STRIPE_KEY")]
    [InlineData("auth0_hooks_secrets_update", """{"id":"h1","body":{"WEBHOOK":"AUDITLEAK_4"}}""", "WEBHOOK")]
    [InlineData("auth0_actions_create", """{"body":{"name":"a","supported_triggers":[{"id":"post-login","version":"v3"}],"secrets":[{"name":"STRIPE","value":"sk_live_AUDITLEAK_3"}]}}""", "STRIPE")]
    public async Task Audit_HookSecretsMapAndActionSecretValues_MaskedNamesKept(string toolName, string json, string name)
    {
        await using var auth0 = await ScriptedAuth0Server.StartAsync();
        auth0.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 201, "{}");
        await using var h = await StartAuth0Async(auth0, Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors.Single(d => d.Name == toolName));
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var arguments = JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());

        var result = await client.CallToolAsync(toolName, arguments);

        Assert.True(result.IsError is not true, ResultText.Of(result));
        var records = (await h.AuditAsync()).Where(r => r.Arguments is not null).ToList();
        Assert.NotEmpty(records);
        Assert.All(records, r =>
        {
            Assert.DoesNotContain("AUDITLEAK", r.Arguments, StringComparison.Ordinal);
            Assert.Contains(name, r.Arguments, StringComparison.Ordinal);
            Assert.Contains("[REDACTED]", r.Arguments, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task SecretMasking_EmbeddedTextResourceAndMeta_MaskedBinaryKept()
    {
        var tool = new FakeTool(Descriptors.ClientsGet, _ => new CallToolResult
        {
            Content =
            [
                new EmbeddedResourceBlock
                {
                    Resource = new TextResourceContents { Uri = "auth0://clients/c1", MimeType = "application/json", Text = "{\"client_id\":\"c1\",\"client_secret\":\"EMBED-LEAK-0123456789\"}" },
                    Meta = new JsonObject { ["signing_secret"] = "BLOCKMETA-LEAK-0123456789" },
                },
                new ImageContentBlock { Data = "iVBORw0KGgo="u8.ToArray(), MimeType = "image/png" },
            ],
            Meta = new JsonObject { ["trace"] = "t1", ["access_token"] = "RESULTMETA-LEAK-0123456789" },
        });
        await using var h = await StartAsync(_ => { }, tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_clients_get", Args);

        var wire = JsonSerializer.Serialize(result, ModelContextProtocol.McpJsonUtilities.DefaultOptions);
        Assert.DoesNotContain("LEAK", wire, StringComparison.Ordinal);
        var resource = Assert.IsType<TextResourceContents>(Assert.IsType<EmbeddedResourceBlock>(result.Content[0]).Resource);
        Assert.Equal("{\"client_id\":\"c1\",\"client_secret\":\"[REDACTED]\"}", resource.Text);
        Assert.Equal("auth0://clients/c1", resource.Uri);
        Assert.Equal("t1", result.Meta?["trace"]?.GetValue<string>());
        Assert.Equal("iVBORw0KGgo="u8.ToArray(), Assert.IsType<ImageContentBlock>(result.Content[1]).Data.ToArray());
        Assert.Contains((await h.CallRecordsAsync())[0].Hooks!, o => o.Hook == "secret-masking" && o.Outcome == "rewritten");
    }

    [Fact]
    public async Task PiiRedaction_EmbeddedTextResource_Redacted()
    {
        var tool = new FakeTool(Descriptors.UsersList, _ => new CallToolResult
        {
            Content = [new EmbeddedResourceBlock { Resource = new TextResourceContents { Uri = "auth0://users/u1", Text = """{"user_id":"u1","email":"embedded-alice@example.com"}""" } }],
        });
        await using var h = await StartAsync(o => o.RedactPii = true, tool);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", Args);

        var resource = Assert.IsType<TextResourceContents>(Assert.IsType<EmbeddedResourceBlock>(result.Content[0]).Resource);
        Assert.Equal("""{"user_id":"u1","email":"[REDACTED]"}""", resource.Text);
    }

    [Fact]
    public async Task PiiRedaction_StructuredContentDeeperThanItKeeps_RedactedThere()
    {
        // structuredContent gives the parts nested deeper than 48 levels as their JSON text: the PII hook reads it too.
        await using var auth0 = await ScriptedAuth0Server.StartAsync();
        var deep = string.Concat(Enumerable.Repeat("{\"n\":", 60)) + "{\"email\":\"deep-alice@example.com\"}" + new string('}', 60);
        auth0.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, "{\"user_id\":\"u1\",\"app_metadata\":" + deep + "}");
        await using var h = await StartAuth0Async(auth0, TestTool.Describe(), o => o.RedactPii = true);
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());

        var structured = Assert.NotNull(result.StructuredContent).GetRawText();
        Assert.Contains("\"user_id\":\"u1\"", structured, StringComparison.Ordinal);
        Assert.DoesNotContain("deep-alice", structured, StringComparison.Ordinal);
        Assert.DoesNotContain("deep-alice", ResultText.Of(result), StringComparison.Ordinal);
    }
}
