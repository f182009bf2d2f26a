using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// Typed argument policies from the settings file, enforced by the real server over stdio with Prism behind it:
/// each rule lets a fitting call reach Auth0 and refuses a breaking one as <c>policy-denied: RULE</c>.
/// </summary>
[Collection(PrismCollection.Name)]
public sealed class ArgumentPolicyTests(PrismFixture prism)
{
    private const string TenRules = """
        {
          "Governance": {
            "ArgumentPolicies": [
              { "Name": "users-list-needs-q", "Tools": "auth0_users_list", "Path": "/q", "Matches": "^.+$" },
              { "Name": "users-list-page", "Tools": "auth0_users_list", "Path": "/per_page", "Max": 50 },
              { "Name": "users-update-fields", "Tools": "auth0_users_update", "Path": "/body", "only-these-fields": ["blocked", "app_metadata"] },
              { "Name": "users-update-blocks", "Tools": "auth0_users_update", "Path": "/body/blocked", "Equals": true },
              { "Name": "users-update-not-admin", "Tools": "auth0_users_update", "Path": "/id", "not-in": ["auth0|admin"] },
              { "Name": "connections-allowlist", "Tools": "auth0_connections_*", "Path": "/id", "In": ["con_allowed1", "con_allowed2"] },
              { "Name": "connections-get-all-fields", "Tools": "auth0_connections_get", "Path": "/fields", "Absent": true },
              { "Name": "connections-update-no-options", "Tools": "auth0_connections_update", "Path": "/body/options", "Absent": true },
              { "Name": "roles-list-ops-only", "Tools": "auth0_roles_list", "Path": "/name_filter", "Equals": "ops" },
              { "Name": "roles-list-page", "Tools": "auth0_roles_list", "Path": "/per_page", "Max": 25 }
            ]
          }
        }
        """;

    private static readonly Dictionary<string, object?> UsersListOk = new() { ["q"] = "email:\"a@example.com\"", ["per_page"] = 50 };
    private static readonly Dictionary<string, object?> UsersUpdateOk = new() { ["id"] = "auth0|123", ["body"] = new Dictionary<string, object?> { ["blocked"] = true, ["app_metadata"] = new Dictionary<string, object?> { ["team"] = "ops" } } };
    private static readonly Dictionary<string, object?> ConnectionsGetOk = new() { ["id"] = "con_allowed1" };
    private static readonly Dictionary<string, object?> ConnectionsUpdateOk = new() { ["id"] = "con_allowed2", ["body"] = new Dictionary<string, object?> { ["display_name"] = "Staff" } };
    private static readonly Dictionary<string, object?> RolesListOk = new() { ["name_filter"] = "ops", ["per_page"] = 25 };

    /// <summary>Each rule: the tool, a call every rule of that tool allows, and a call only this rule refuses.</summary>
    public static TheoryData<string, string, Dictionary<string, object?>, Dictionary<string, object?>> Cases => new()
    {
        { "users-list-needs-q", "auth0_users_list", UsersListOk, new() { ["per_page"] = 10 } },
        { "users-list-page", "auth0_users_list", UsersListOk, new() { ["q"] = "name:x", ["per_page"] = 51 } },
        { "users-update-fields", "auth0_users_update", UsersUpdateOk, new() { ["id"] = "auth0|123", ["body"] = new Dictionary<string, object?> { ["blocked"] = true, ["email"] = "x@example.com" } } },
        { "users-update-blocks", "auth0_users_update", UsersUpdateOk, new() { ["id"] = "auth0|123", ["body"] = new Dictionary<string, object?> { ["blocked"] = false } } },
        { "users-update-not-admin", "auth0_users_update", UsersUpdateOk, new() { ["id"] = "auth0|admin", ["body"] = new Dictionary<string, object?> { ["blocked"] = true } } },
        { "connections-allowlist", "auth0_connections_get", ConnectionsGetOk, new() { ["id"] = "con_other" } },
        { "connections-get-all-fields", "auth0_connections_get", ConnectionsGetOk, new() { ["id"] = "con_allowed1", ["fields"] = "options" } },
        { "connections-update-no-options", "auth0_connections_update", ConnectionsUpdateOk, new() { ["id"] = "con_allowed2", ["body"] = new Dictionary<string, object?> { ["options"] = new Dictionary<string, object?>() } } },
        { "roles-list-ops-only", "auth0_roles_list", RolesListOk, new() { ["name_filter"] = "admin" } },
        { "roles-list-page", "auth0_roles_list", RolesListOk, new() { ["name_filter"] = "ops", ["per_page"] = 26 } },
    };

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Fact]
    public async Task TenRulesOnFiveTools_EachAllowsAFittingCallAndRefusesABreakingOne_AndTheAuditAndToolsShowNameThem()
    {
        using var home = new TestHome();
        var config = Path.Combine(home.Dir, "auth0-mcp.json");
        await File.WriteAllTextAsync(config, TenRules);
        await home.GrantEverythingAsync("alice");
        var env = home.Environment(prism.BaseUrl, "alice");
        env["AUTH0_MCP_CONFIG"] = config;

        await using (var client = await ServerProcess.ConnectAsync(env))
        {
            foreach (var row in Cases)
            {
                var (rule, tool, allowed, refused) = ((string)row[0], (string)row[1], (Dictionary<string, object?>)row[2], (Dictionary<string, object?>)row[3]);
                var ok = await client.CallToolAsync(tool, allowed);
                Assert.True(ok.IsError is not true, $"{rule}: the fitting call of {tool} was refused: {Text(ok)}");

                var no = await client.CallToolAsync(tool, refused);
                Assert.True(no.IsError, $"{rule}: the breaking call of {tool} was not refused: {Text(no)}");
                Assert.Contains($"policy-denied: {rule} (", Text(no), StringComparison.Ordinal);
            }
        }

        var show = await ShowAsync(home, env, "auth0_users_update");
        Assert.Equal(
            ["users-update-fields", "users-update-blocks", "users-update-not-admin"],
            show.GetProperty("argumentPolicies").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        var glob = await ShowAsync(home, env, "auth0_connections_update");
        Assert.Contains(glob.GetProperty("argumentPolicies").EnumerateArray(), p => p.GetProperty("rule").GetString() == "/id in [\"con_allowed1\",\"con_allowed2\"]");
        // A glob rule applies only where its path exists: the list tool has no /id.
        Assert.Empty((await ShowAsync(home, env, "auth0_connections_list")).GetProperty("argumentPolicies").EnumerateArray());

        var export = Path.Combine(home.Dir, "audit.jsonl");
        await home.AdminAsync("audit", "export", "--output", export);
        var denied = File.ReadAllLines(export).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.TryGetProperty("outcome", out var o) && o.GetString() == "denied").ToList();
        foreach (var row in Cases)
        {
            Assert.Contains(denied, r => r.GetProperty("reason").GetString()!.Contains($"policy-denied: {row[0]} (", StringComparison.Ordinal)
                && r.GetProperty("tool").GetString() == (string)row[1]
                && r.GetProperty("denial_code").GetString() == "policy-denied");
        }
    }

    private static async Task<JsonElement> ShowAsync(TestHome home, Dictionary<string, string?> env, string tool)
    {
        var admin = new Dictionary<string, string?>(env) { ["AUTH0_MCP_USER"] = "admin", ["AUTH0_MCP_BASE_URL"] = null };
        var (code, stdout, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("tools", "show", tool), env: admin, timeout: TimeSpan.FromMinutes(2));
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    public static TheoryData<string, string, string> BadRules => new()
    {
        { """{ "Name": "bad-path", "Tools": "auth0_users_list", "Path": "/nope", "Max": 5 }""", "bad-path", "/nope is not in the input schema of auth0_users_list" },
        { """{ "Name": "bad-type", "Tools": "auth0_users_list", "Path": "/q", "Max": 5 }""", "bad-type", "max needs a number, but /q of auth0_users_list is string" },
        { """{ "Name": "bad-equals", "Tools": "auth0_roles_list", "Path": "/per_page", "Equals": "ten" }""", "bad-equals", "equals \"ten\" does not fit /per_page of auth0_roles_list (integer)" },
        { """{ "Name": "bad-field", "Tools": "auth0_connections_update", "Path": "/body", "OnlyTheseFields": ["display_name", "nonsense"] }""", "bad-field", "only-these-fields names nonsense, not properties of /body of auth0_connections_update" },
        { """{ "Name": "bad-glob", "Tools": "auth0_nothing_*", "Path": "/id", "In": ["x"] }""", "bad-glob", "no tool matches 'auth0_nothing_*'" },
        { """{ "Name": "bad-glob-path", "Tools": "auth0_roles_*", "Path": "/nonsense", "Absent": true }""", "bad-glob-path", "/nonsense is in the input schema of no tool matching 'auth0_roles_*'" },
        { """{ "Name": "never-absent", "Tools": "auth0_users_delete", "Path": "/id", "Absent": true }""", "never-absent", "its schema requires /id" },
        { """{ "Name": "bad-regex", "Tools": "auth0_users_list", "Path": "/q", "Matches": "(" }""", "bad-regex", "invalid regular expression" },
        { """{ "Name": "two-operators", "Tools": "auth0_users_list", "Path": "/per_page", "Max": 5, "Absent": true }""", "two-operators", "needs exactly one operator" },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public void Settings_RuleThatDoesNotFitTheSchema_StopsWithAMessageNamingTheRule(string rule, string name, string problem)
    {
        var file = Path.Combine(Path.GetTempPath(), $"auth0mcp-rules-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, $$"""{ "Governance": { "ArgumentPolicies": [ {{rule}} ] } }""");
        try
        {
            var message = Assert.Throws<UsageException>(() => Http.Settings.Load(new() { ["AUTH0_MCP_CONFIG"] = file })).Message;
            Assert.Contains($"argument policy '{name}'", message, StringComparison.Ordinal);
            Assert.Contains(problem, message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Serve_WithABadRule_ExitsBeforeServingAndNamesTheRule()
    {
        using var home = new TestHome();
        var config = Path.Combine(home.Dir, "auth0-mcp.json");
        await File.WriteAllTextAsync(config, """{ "Governance": { "ArgumentPolicies": [ { "Name": "users-page", "Tools": "auth0_users_list", "Path": "/per_pag", "Max": 50 } ] } }""");
        var env = home.Environment(prism.BaseUrl, "alice");
        env["AUTH0_MCP_CONFIG"] = config;

        var (code, _, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("serve"), env: env, timeout: TimeSpan.FromMinutes(2));

        Assert.Equal(2, code);
        Assert.Contains("argument policy 'users-page': /per_pag is not in the input schema of auth0_users_list", stderr, StringComparison.Ordinal);
    }
}
