using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Server.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// Per-call approval through the real server over stdio with Prism behind it: a confirmation in the client by MCP
/// elicitation (the C# SDK client), or an administrator's grant with the CLI for a client that cannot elicit.
/// </summary>
[Collection(PrismCollection.Name)]
public sealed partial class CallApprovalTests(PrismFixture prism)
{
    private const string Config = """{ "Governance": { "CallApproval": { "Default": "elicit", "Expiry": "10m" } } }""";

    private static readonly Dictionary<string, object?> DeleteA = new() { ["id"] = "auth0|victim-a" };
    private static readonly Dictionary<string, object?> DeleteB = new() { ["id"] = "auth0|victim-b" };

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    private static async Task<Dictionary<string, string?>> ServerEnvironmentAsync(TestHome home, Uri baseUrl, string settings = Config)
    {
        var config = Path.Combine(home.Dir, "auth0-mcp.json");
        await File.WriteAllTextAsync(config, settings);
        await home.GrantEverythingAsync("alice");
        var env = home.Environment(baseUrl, "alice");
        env["AUTH0_MCP_CONFIG"] = config;
        return env;
    }

    private static McpClientOptions Answering(string action, List<ElicitRequestParams> seen) => new()
    {
        Handlers = new McpClientHandlers
        {
            ElicitationHandler = (request, _) =>
            {
                lock (seen)
                {
                    seen.Add(request!);
                }

                return ValueTask.FromResult(new ElicitResult
                {
                    Action = action,
                    Content = action == "accept" ? new Dictionary<string, JsonElement> { ["confirm"] = JsonSerializer.SerializeToElement(true) } : null,
                });
            },
        },
    };

    private const string AliceKey = "alice-key-0123456789abcdef";

    /// <summary>The server over Streamable HTTP (a separate process), alice authenticated by <see cref="AliceKey"/>.</summary>
    private async Task<Http.HttpProcess> StartHttpAsync(TestHome home)
    {
        var env = await ServerEnvironmentAsync(home, prism.BaseUrl);
        env["AUTH0_MCP_API_KEYS"] = $"{AliceKey}=alice";
        return await Http.HttpProcess.StartAsync(env);
    }

    /// <summary>The C# SDK client over Streamable HTTP as alice (it negotiates the newest revision it knows).</summary>
    private static Task<McpClient> ConnectHttpAsync(Http.HttpProcess http, McpClientOptions options) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new() { Endpoint = new Uri(http.Url), TransportMode = HttpTransportMode.StreamableHttp, AdditionalHeaders = new Dictionary<string, string> { ["X-API-Key"] = AliceKey } }),
            options);

    private static async Task<List<JsonElement>> AuditAsync(TestHome home)
    {
        var export = Path.Combine(home.Dir, $"audit-{Guid.NewGuid():N}.jsonl");
        await home.AdminAsync("audit", "export", "--output", export);
        return File.ReadAllLines(export).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private static string? Str(JsonElement record, string name) => record.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string PendingId(CallToolResult result)
    {
        Assert.True(result.IsError, Text(result));
        var match = PendingPattern().Match(Text(result));
        Assert.True(match.Success, "expected 'approval request R is pending', got: " + Text(result));
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"approval request ([0-9a-f]{12}) is pending")]
    private static partial Regex PendingPattern();

    [Fact]
    public async Task Elicitation_ClientAccepts_CallRunsOnceAndRequestDecisionAndExecutionAreLinkedInTheAudit()
    {
        using var home = new TestHome();
        var env = await ServerEnvironmentAsync(home, prism.BaseUrl);
        var seen = new List<ElicitRequestParams>();

        await using (var client = await ServerProcess.ConnectAsync(env, Answering("accept", seen)))
        {
            var result = await client.CallToolAsync("auth0_users_delete", DeleteA);
            Assert.True(result.IsError is not true, Text(result));

            // A read tool (neither Delete nor Dangerous) needs no confirmation.
            var read = await client.CallToolAsync("auth0_roles_list", new Dictionary<string, object?>());
            Assert.True(read.IsError is not true, Text(read));
        }

        var prompt = Assert.Single(seen);
        Assert.Contains("auth0_users_delete", prompt.Message, StringComparison.Ordinal);
        Assert.Contains("Target: DELETE /users/auth0%7Cvictim-a", prompt.Message, StringComparison.Ordinal);
        Assert.Contains("confirm", prompt.RequestedSchema!.Properties.Keys);

        var audit = await AuditAsync(home);
        var requested = Assert.Single(audit, r => Str(r, "event") == "approval.requested");
        var id = Regex.Match(Str(requested, "details")!, "id=([0-9a-f]{12})").Groups[1].Value;
        Assert.Contains(audit, r => Str(r, "event") == "approval.granted" && Str(r, "details")!.Contains($"id={id}", StringComparison.Ordinal) && Str(r, "user") == "alice");
        Assert.Contains(audit, r => Str(r, "event") == "approval.used" && Str(r, "details")!.Contains($"id={id}", StringComparison.Ordinal));
        var call = Assert.Single(audit, r => Str(r, "event") == "tool.call" && Str(r, "tool") == "auth0_users_delete");
        Assert.Equal("success", Str(call, "outcome"));
        Assert.Contains(call.GetProperty("hooks").EnumerateArray(), h => Str(h, "hook") == "call-approval" && Str(h, "detail")?.Contains($"approval {id} confirmed by alice", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("decline")]
    [InlineData("cancel")]
    public async Task Elicitation_ClientDeclinesOrCancels_RefusedAsUserDeclinedAndAudited(string action)
    {
        using var home = new TestHome();
        var env = await ServerEnvironmentAsync(home, prism.BaseUrl);
        var seen = new List<ElicitRequestParams>();

        await using (var client = await ServerProcess.ConnectAsync(env, Answering(action, seen)))
        {
            var result = await client.CallToolAsync("auth0_users_delete", DeleteA);
            Assert.True(result.IsError, Text(result));
            Assert.Contains("user-declined", Text(result), StringComparison.Ordinal);
        }

        Assert.Single(seen);
        var audit = await AuditAsync(home);
        Assert.Contains(audit, r => Str(r, "event") == "approval.declined");
        Assert.DoesNotContain(audit, r => Str(r, "event") == "approval.used");
        var call = Assert.Single(audit, r => Str(r, "event") == "tool.call" && Str(r, "tool") == "auth0_users_delete");
        Assert.Equal("denied", Str(call, "outcome"));
        Assert.Equal("user-declined", Str(call, "denial_code"));
    }

    [Theory]
    [InlineData("accept")]
    [InlineData("decline")]
    public async Task Elicitation_CSharpSdkClientOverStreamableHttp_AcceptRunsOnceDeclineRefusesAsUserDeclined(string action)
    {
        using var home = new TestHome();
        await using var http = await StartHttpAsync(home);
        var seen = new List<ElicitRequestParams>();

        await using (var client = await ConnectHttpAsync(http, Answering(action, seen)))
        {
            // The sessionless revision, served statelessly: the confirmation travels as an input-required result.
            Assert.True(string.CompareOrdinal(client.NegotiatedProtocolVersion, "2026-07-28") >= 0, client.NegotiatedProtocolVersion);
            var result = await client.CallToolAsync("auth0_users_delete", DeleteA);
            Assert.Equal(action != "accept", result.IsError is true);
            if (action != "accept")
            {
                Assert.Contains("user-declined", Text(result), StringComparison.Ordinal);
            }
        }

        var prompt = Assert.Single(seen);
        Assert.Contains("Target: DELETE /users/auth0%7Cvictim-a", prompt.Message, StringComparison.Ordinal);

        var audit = await AuditAsync(home);
        var requested = Assert.Single(audit, r => Str(r, "event") == "approval.requested");
        var id = Regex.Match(Str(requested, "details")!, "id=([0-9a-f]{12})").Groups[1].Value;
        bool Linked(JsonElement r, string name) => Str(r, "event") == name && Str(r, "details")!.Contains($"id={id}", StringComparison.Ordinal);
        var call = Assert.Single(audit, r => Str(r, "event") == "tool.call" && Str(r, "tool") == "auth0_users_delete");
        Assert.Equal("alice", Str(call, "user"));
        if (action == "accept")
        {
            Assert.Contains(audit, r => Linked(r, "approval.granted") && Str(r, "user") == "alice");
            Assert.Single(audit, r => Linked(r, "approval.used"));
            Assert.Equal("success", Str(call, "outcome"));
            Assert.Contains(call.GetProperty("hooks").EnumerateArray(), h => Str(h, "detail")?.Contains($"approval {id} confirmed by alice", StringComparison.Ordinal) == true);
        }
        else
        {
            Assert.Contains(audit, r => Linked(r, "approval.declined"));
            Assert.DoesNotContain(audit, r => Str(r, "event") == "approval.used");
            Assert.Equal("denied", Str(call, "outcome"));
            Assert.Equal("user-declined", Str(call, "denial_code"));
        }
    }

    [Theory]
    [InlineData("accept")]
    [InlineData("decline")]
    public async Task Elicitation_ThroughProgressiveCallTool_TheRetriedAnswerReachesTheApproval(string action)
    {
        // auth0_call_tool re-dispatches under the real tool's name: the client's retry carries its answer and the
        // confirmation's request state, and both must reach the approval hook, or the user is asked for ever.
        using var home = new TestHome();
        var env = await ServerEnvironmentAsync(home, prism.BaseUrl);
        env["AUTH0_MCP_API_KEYS"] = $"{AliceKey}=alice";
        await using var http = await Http.HttpProcess.StartAsync(env, "--tools-mode", "progressive");
        var seen = new List<ElicitRequestParams>();

        await using (var client = await ConnectHttpAsync(http, Answering(action, seen)))
        {
            var result = await client.CallToolAsync("auth0_call_tool", new Dictionary<string, object?> { ["name"] = "auth0_users_delete", ["arguments"] = DeleteA })
                .AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(action != "accept" == (result.IsError is true), Text(result));
            if (action != "accept")
            {
                Assert.Contains("user-declined", Text(result), StringComparison.Ordinal);
            }
        }

        Assert.Single(seen);
        var audit = await AuditAsync(home);
        Assert.Single(audit, r => Str(r, "event") == "approval.requested");
        var call = Assert.Single(audit, r => Str(r, "event") == "tool.call" && Str(r, "tool") == "auth0_users_delete");
        Assert.Equal(action == "accept" ? "success" : "denied", Str(call, "outcome"));
    }

    [Fact]
    public async Task Elicitation_AnswerCarriedByARetriedCall_RunsItOnce_ReplayedAnswerIsAskedAgain()
    {
        using var home = new TestHome();
        await using var http = await StartHttpAsync(home);
        var seen = new List<ElicitRequestParams>();
        var answers = new Queue<string>(["fail", "decline"]);
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (request, ct) =>
                {
                    string action;
                    lock (answers)
                    {
                        action = answers.Dequeue();
                    }

                    return action == "fail"
                        ? throw new InvalidOperationException("the user closed the prompt")
                        : Answering(action, seen).Handlers.ElicitationHandler!(request, ct);
                },
            },
        };

        await using var client = await ConnectHttpAsync(http, options);
        // 1. The confirmation is asked, but the client never answers: it stays pending.
        await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("auth0_users_delete", DeleteA).AsTask());
        var id = Regex.Match(Str(Assert.Single(await AuditAsync(home), r => Str(r, "event") == "approval.requested"), "details")!, "id=([0-9a-f]{12})").Groups[1].Value;

        // 2. The call retried with the answer and the confirmation's request state runs, without asking again.
        var run = await client.CallToolAsync(Retry(id));
        Assert.True(run.IsError is not true, Text(run));
        Assert.Empty(seen);

        // 3. The same answer replayed: it was used, so the user is asked again (and declines this time).
        var replay = await client.CallToolAsync(Retry(id));
        Assert.True(replay.IsError, Text(replay));
        Assert.Contains("user-declined", Text(replay), StringComparison.Ordinal);
        Assert.Single(seen);

        var audit = await AuditAsync(home);
        Assert.Single(audit, r => Str(r, "event") == "approval.used" && Str(r, "details")!.Contains($"id={id}", StringComparison.Ordinal));
        var success = Assert.Single(audit, r => Str(r, "event") == "tool.call" && Str(r, "outcome") == "success");
        Assert.Contains(success.GetProperty("hooks").EnumerateArray(), h => Str(h, "detail")?.Contains($"approval {id} confirmed by alice", StringComparison.Ordinal) == true);
        Assert.Equal(2, audit.Count(r => Str(r, "event") == "approval.requested"));
    }

    /// <summary>The delete of <see cref="DeleteA"/> as a client retries it: with an accepted answer to confirmation <paramref name="id"/>.</summary>
    private static CallToolRequestParams Retry(string id) => new()
    {
        Name = "auth0_users_delete",
        Arguments = DeleteA.ToDictionary(a => a.Key, a => JsonSerializer.SerializeToElement(a.Value)),
        RequestState = "call-approval:" + id,
        InputResponses = new Dictionary<string, InputResponse>
        {
            [Sdk.Governance.CallApprovalHook.ConfirmationKey] = InputResponse.FromElicitResult(new ElicitResult
            {
                Action = "accept",
                Content = new Dictionary<string, JsonElement> { ["confirm"] = JsonSerializer.SerializeToElement(true) },
            }),
        },
    };

    [Fact]
    public async Task Elicitation_AcceptedAfterTheElicitationTimeout_RefusedAsUserDeclined()
    {
        using var home = new TestHome();
        var env = await ServerEnvironmentAsync(home, prism.BaseUrl, """{ "Governance": { "CallApproval": { "Default": "elicit", "ElicitationTimeout": "1s" } } }""");
        var seen = new List<ElicitRequestParams>();
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = async (request, ct) =>
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), ct);
                    return await Answering("accept", seen).Handlers.ElicitationHandler!(request, ct);
                },
            },
        };

        await using (var client = await ServerProcess.ConnectAsync(env, options))
        {
            var late = await client.CallToolAsync("auth0_users_delete", DeleteA);
            Assert.True(late.IsError, Text(late));
            Assert.Contains("user-declined", Text(late), StringComparison.Ordinal);
            Assert.Contains("no answer before", Text(late), StringComparison.Ordinal);
        }

        Assert.Single(seen);
        var audit = await AuditAsync(home);
        Assert.Contains(audit, r => Str(r, "event") == "approval.declined");
        Assert.DoesNotContain(audit, r => Str(r, "event") == "approval.used");
        Assert.DoesNotContain(audit, r => Str(r, "event") == "tool.call" && Str(r, "outcome") == "success");
    }

    [Theory]
    [InlineData("stdio", "accept")]
    [InlineData("stdio", "decline")]
    [InlineData("http", "accept")]
    [InlineData("http", "decline")]
    public async Task Elicitation_TypeScriptSdkClient_AcceptRunsTheCallDeclineRefusesIt(string transport, string action)
    {
        const string key = "alice-key-0123456789abcdef";
        using var home = new TestHome();
        var env = await ServerEnvironmentAsync(home, prism.BaseUrl);
        env["AUTH0_MCP_API_KEYS"] = $"{key}=alice";
        await using var http = transport == "http" ? await Http.HttpProcess.StartAsync(env) : null;
        var target = http is null ? new[] { "--stdio", $"{Repo.ServerCommandLine} serve" } : ["--http", http.Url];
        var clientEnv = new Dictionary<string, string?>(env) { ["MCP_ELICIT"] = action, ["MCP_HEADERS"] = $"{{\"X-API-Key\":\"{key}\"}}" };

        var (code, stdout, stderr) = await ChildProcess.RunAsync(
            "node", [Path.Combine(Repo.Tools, "mcp-client.cjs"), .. target, "auth0_users_delete", "{\"id\":\"auth0|ts-client\"}"],
            env: clientEnv, timeout: TimeSpan.FromMinutes(3));

        Assert.Contains("\"step\":\"elicitation\"", stdout, StringComparison.Ordinal);
        Assert.Contains("auth0|ts-client", stdout, StringComparison.Ordinal);
        if (action == "accept")
        {
            Assert.True(code == 0, stdout + stderr);
        }
        else
        {
            Assert.Equal(1, code);
            Assert.Contains("user-declined", stdout, StringComparison.Ordinal);
        }

        var audit = await AuditAsync(home);
        var call = Assert.Single(audit, r => Str(r, "event") == "tool.call" && Str(r, "tool") == "auth0_users_delete");
        Assert.Equal("alice", Str(call, "user"));
        Assert.Equal(action == "accept" ? "success" : "denied", Str(call, "outcome"));
    }

    [Fact]
    public async Task ClientWithoutElicitation_AdminGrantsByCli_SameCallRunsExactlyOnce_OtherArgumentsMakeANewRequest()
    {
        using var home = new TestHome();
        var env = await ServerEnvironmentAsync(home, prism.BaseUrl);
        await using var client = await ServerProcess.ConnectAsync(env);

        var first = PendingId(await client.CallToolAsync("auth0_users_delete", DeleteA));
        // Asking again before a decision points at the same request.
        Assert.Equal(first, PendingId(await client.CallToolAsync("auth0_users_delete", DeleteA)));
        Assert.Contains(first, await home.AdminAsync("approvals", "list"), StringComparison.Ordinal);

        Assert.Contains($"granted {first}", await home.AdminAsync("approvals", "grant", first), StringComparison.Ordinal);

        // Other arguments are another call: a new request, and the grant stays unused.
        var other = PendingId(await client.CallToolAsync("auth0_users_delete", DeleteB));
        Assert.NotEqual(first, other);

        var run = await client.CallToolAsync("auth0_users_delete", DeleteA);
        Assert.True(run.IsError is not true, Text(run));

        // Used once: the same call again needs a new approval.
        var again = PendingId(await client.CallToolAsync("auth0_users_delete", DeleteA));
        Assert.NotEqual(first, again);

        var shown = JsonDocument.Parse(await home.AdminAsync("approvals", "show", first)).RootElement;
        Assert.Equal("used", Str(shown, "status"));
        Assert.Equal("admin", Str(shown, "decidedBy"));
        Assert.Equal("alice", Str(shown, "user"));

        // A denied request refuses the same call until it expires.
        await home.AdminAsync("approvals", "deny", other, "--reason", "not this one");
        var denied = await client.CallToolAsync("auth0_users_delete", DeleteB);
        Assert.True(denied.IsError);
        Assert.Contains($"approval request {other} for this call was denied by admin (not this one)", Text(denied), StringComparison.Ordinal);

        var audit = await AuditAsync(home);
        var refused = Assert.Single(audit, r => Str(r, "event") == "tool.call" && Str(r, "denial_code") == "approval-denied");
        Assert.Contains($"approval request {other} for this call was denied by admin", Str(refused, "reason"), StringComparison.Ordinal);
        Assert.Contains(audit, r => Str(r, "event") == "approval.requested" && Str(r, "details")!.Contains($"id={first}", StringComparison.Ordinal) && Str(r, "user") == "alice");
        Assert.Contains(audit, r => Str(r, "event") == "approval.granted" && Str(r, "details")!.Contains($"id={first}", StringComparison.Ordinal) && Str(r, "user") == "admin");
        Assert.Single(audit, r => Str(r, "event") == "approval.used" && Str(r, "details")!.Contains($"id={first}", StringComparison.Ordinal));
        var success = Assert.Single(audit, r => Str(r, "event") == "tool.call" && Str(r, "outcome") == "success" && Str(r, "tool") == "auth0_users_delete");
        Assert.Contains(success.GetProperty("hooks").EnumerateArray(), h => Str(h, "detail")?.Contains($"approval {first} granted by admin", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task AdminGrant_UsedAfterItsExpiry_IsRefusedWithANewRequest()
    {
        using var home = new TestHome();
        var env = await ServerEnvironmentAsync(home, prism.BaseUrl);
        await using var client = await ServerProcess.ConnectAsync(env);

        var first = PendingId(await client.CallToolAsync("auth0_users_delete", DeleteA));
        await home.AdminAsync("approvals", "grant", first, "--expires", "1s");
        await Task.Delay(TimeSpan.FromSeconds(2));

        var late = PendingId(await client.CallToolAsync("auth0_users_delete", DeleteA));
        Assert.NotEqual(first, late);
        var shown = JsonDocument.Parse(await home.AdminAsync("approvals", "show", first)).RootElement;
        Assert.Equal("expired", Str(shown, "status"));
        var (code, _, stderr) = await home.TryAdminAsync("approvals", "grant", first);
        Assert.Equal(2, code);
        Assert.Contains("granted, not pending", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_RuleNamingAToolsetOrProfileTheStateDoesNotHold_StartsAndWarnsOnStandardErrorNamingEach()
    {
        // Names compare exactly: "Ops" is not the toolset "ops". Toolsets and profiles may be created later, so not an error.
        using var home = new TestHome();
        var env = await ServerEnvironmentAsync(home, prism.BaseUrl, """
            { "Governance": { "CallApproval": { "Rules": [
              { "Toolsets": ["Ops"], "Mode": "admin" }, { "Profiles": ["Ops-Writers"], "Mode": "admin" } ] } } }
            """);

        var (code, _, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("serve"), env: env, timeout: TimeSpan.FromMinutes(1));

        Assert.True(code == 0, stderr);
        Assert.Contains("call approval rule #1 (toolsets=Ops -> admin) names toolset 'Ops', which the governance state does not hold: the rule covers no call through that name until the state holds it (names are case-sensitive)", stderr, StringComparison.Ordinal);
        Assert.Contains("call approval rule #2 (profiles=Ops-Writers -> admin) names profile 'Ops-Writers', which the governance state does not hold", stderr, StringComparison.Ordinal);
    }
}
