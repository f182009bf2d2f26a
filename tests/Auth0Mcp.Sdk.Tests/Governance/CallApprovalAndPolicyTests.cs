using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

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

    [Fact]
    public void CanonicalArguments_KeyOrderAndNumberSpelling_SameHashOtherValuesDiffer()
    {
        static Dictionary<string, JsonElement> Args(string json) =>
            JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

        var a = CanonicalArguments.Hash(Args("""{"id":"x","body":{"b":1,"a":[1,2]}}"""));
        var b = CanonicalArguments.Hash(Args("""{ "body": { "a": [1, 2], "b": 1.0 }, "id": "x" }"""));
        var c = CanonicalArguments.Hash(Args("""{"id":"x","body":{"b":1,"a":[2,1]}}"""));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
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
