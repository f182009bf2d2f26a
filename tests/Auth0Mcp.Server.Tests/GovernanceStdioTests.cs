using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Server.Tests;

/// <summary>The governed server over stdio with Prism behind it, administered with the real commands.</summary>
[Collection(PrismCollection.Name)]
public sealed class GovernanceStdioTests(PrismFixture prism)
{
    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Fact]
    public async Task Governance_EndToEnd_OnlyTheGrantedUserReachesAuth0AndTheAuditProvesIt()
    {
        using var home = new TestHome();

        // A fresh store: nobody sees a tool.
        await using (var fresh = await ServerProcess.ConnectAsync(home.Environment(prism.BaseUrl, "alice")))
        {
            Assert.Empty(await fresh.ListToolsAsync());
        }

        await home.AdminAsync("tools", "approve", "auth0_users_list");
        await home.AdminAsync("toolsets", "create", "ops", "--tools", "auth0_users_list");
        await home.AdminAsync("profiles", "create", "ops-readers", "--toolsets", "ops", "--users", "alice");

        await using (var alice = await ServerProcess.ConnectAsync(home.Environment(prism.BaseUrl, "alice")))
        {
            var tools = await alice.ListToolsAsync();
            Assert.Equal(["auth0_users_list"], tools.Select(t => t.Name));
            var result = await alice.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 2 });
            Assert.True(result.IsError is not true, Text(result));
        }

        await using (var bob = await ServerProcess.ConnectAsync(home.Environment(prism.BaseUrl, "bob")))
        {
            Assert.Empty(await bob.ListToolsAsync());
            var denied = await bob.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 2 });
            Assert.True(denied.IsError);
            // Outside bob's entitlement: answered as an unknown tool; the audit below keeps the true reason.
            Assert.Equal("Denied by governance: unknown tool 'auth0_users_list' [unknown-tool]", Text(denied));
        }

        var export = Path.Combine(home.Dir, "audit.jsonl");
        await home.AdminAsync("audit", "export", "--output", export);
        var records = File.ReadAllLines(export).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var calls = records.Where(r => r.GetRawText().Contains("auth0_users_list", StringComparison.Ordinal) && r.GetRawText().Contains("\"call\"", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Contains(records, r => r.GetRawText().Contains("\"alice\"", StringComparison.Ordinal) && r.GetRawText().Contains("success", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(records, r => r.GetRawText().Contains("\"bob\"", StringComparison.Ordinal) && r.GetRawText().Contains("not-in-profile", StringComparison.Ordinal));
        Assert.DoesNotContain(records, r => r.GetRawText().Contains("test-token-7f3a9c1e", StringComparison.Ordinal));
        Assert.NotEmpty(calls);

        Assert.StartsWith("audit chain intact", await home.AdminAsync("audit", "verify"), StringComparison.Ordinal);

        // Alter one record behind the server's back: verify must now fail.
        await using (var db = new SqliteConnection($"Data Source={home.Store};Pooling=False"))
        {
            await db.OpenAsync();
            await using var command = db.CreateCommand();
            command.CommandText = "UPDATE audit_log SET body = replace(body, 'bob', 'eve') WHERE body LIKE '%bob%'";
            Assert.True(await command.ExecuteNonQueryAsync() > 0);
        }

        var (code, stdout, stderr) = await home.TryAdminAsync("audit", "verify");
        Assert.Equal(1, code);
        Assert.False(string.IsNullOrWhiteSpace(stdout + stderr));
    }

    [Fact]
    public async Task CredentialsRotate_WhileServing_NextCallUsesTheNewTokenAndTheRotationIsAudited()
    {
        using var home = new TestHome();
        await home.GrantEverythingAsync("alice");
        await using var recorder = new RecordingHttpServer(body: "[]");
        await using var client = await ServerProcess.ConnectAsync(home.Environment(recorder.BaseUrl, "alice", token: "token-one"));

        var first = await client.CallToolAsync("auth0_roles_list", new Dictionary<string, object?>());
        Assert.True(first.IsError is not true, Text(first));

        var (code, _, stderr) = await ChildProcess.RunAsync(
            "bash", ["-c", $"echo token-two | {Repo.ServerCommandLine} credentials rotate --token-stdin"], env: home.Environment(user: "admin"), timeout: TimeSpan.FromMinutes(1));
        Assert.True(code == 0, stderr);

        // The file is checked in front of each call: the very next call carries the new token.
        var again = await client.CallToolAsync("auth0_roles_list", new Dictionary<string, object?>());
        Assert.True(again.IsError is not true, Text(again));

        Assert.Equal(2, recorder.Requests.Count);
        Assert.Contains("Authorization: Bearer token-one", recorder.Requests.First(), StringComparison.Ordinal);
        Assert.Contains("Authorization: Bearer token-two", recorder.Requests.Last(), StringComparison.Ordinal);
        var audit = await home.AdminAsync("audit", "tail", "-n", "20");
        Assert.Contains("credential.rotated", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("token-two", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("token-one", audit, StringComparison.Ordinal);
    }
}

/// <summary><c>tools list</c> shows which required scopes the configured token lacks.</summary>
public sealed class ToolsListScopeTests
{
    private static string Jwt(string scope)
    {
        static string Part(string json) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Part("{\"alg\":\"RS256\",\"typ\":\"JWT\"}")}.{Part($"{{\"sub\":\"m2m@clients\",\"scope\":\"{scope}\",\"exp\":4102444800}}")}.c2ln";
    }

    [Fact]
    public async Task ToolsList_TokenWithoutAScope_ReportsTheMissingScopeForEachTool()
    {
        using var home = new TestHome();
        await home.AdminAsync("tools", "approve", "auth0_users_list", "auth0_roles_list");
        // GET /users lists read:users and read:user_idp_tokens: either one is enough, so read:users alone lets it run.
        var env = home.Environment(user: "admin", token: Jwt("read:users"));

        var (code, json, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("tools", "list", "--json"), env: env);
        Assert.True(code == 0, stderr);
        var tools = JsonDocument.Parse(json).RootElement.EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Empty(tools["auth0_users_list"].GetProperty("missingScopes").EnumerateArray());
        Assert.Equal(["read:roles"], tools["auth0_roles_list"].GetProperty("missingScopes").EnumerateArray().Select(s => s.GetString()));

        var (textCode, text, _) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("tools", "list"), env: env);
        Assert.Equal(0, textCode);
        Assert.Contains("# 1 approved tool(s) would be refused: the token has none of the scopes each accepts (any one would do):", text, StringComparison.Ordinal);
        Assert.Contains("#   auth0_roles_list: needs the scope read:roles", text, StringComparison.Ordinal);
        Assert.DoesNotContain("auth0_users_list: needs", text, StringComparison.Ordinal);
    }
}
