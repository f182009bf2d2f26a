using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests.Security;

/// <summary>
/// Issue 11 item 7 through the real <c>auth0-mcp serve</c> over stdio (SQLite store, the admin commands): a tool
/// outside the caller's entitlement — approved for someone else, pending, disabled, killed, or pending inside the
/// caller's own toolset — is answered exactly as a name that does not exist, byte for byte on the wire apart from the
/// name, directly and through the progressive describe and call tools. The audit keeps the true reason.
/// </summary>
public sealed class UndisclosedDenialStdioTests
{
    private const string Unknown = "auth0_no_such_tool";
    private const string Arguments = """{"id":"auth0|1"}""";

    /// <summary>Each tool bob may not call, and the reason the audit must keep.</summary>
    private static readonly (string Tool, string Code)[] Hidden =
    [
        ("auth0_roles_list", "not-in-profile"),    // approved, in alice's profile only
        ("auth0_users_delete", "pending-review"),  // pending, in nobody's profile
        ("auth0_users_get", "disabled"),           // disabled, in alice's profile
        ("auth0_logs_get", "kill-switch"),         // approved and killed, in alice's profile
        ("auth0_clients_get", "pending-review"),   // pending, in bob's own toolset
    ];

    [Fact]
    public async Task Serve_ToolsOutsideTheCallersEntitlement_AnsweredOnTheWireExactlyAsAnUnknownTool()
    {
        using var home = new TestHome();
        await home.AdminAsync("tools", "approve", "auth0_roles_list", "auth0_users_get", "auth0_logs_get", "auth0_users_list");
        await home.AdminAsync("tools", "disable", "auth0_users_get");
        await home.AdminAsync("kill-switch", "on", "auth0_logs_get");
        await home.AdminAsync("toolsets", "create", "alices", "--tools", "auth0_roles_list,auth0_users_get,auth0_logs_get");
        await home.AdminAsync("profiles", "create", "alices", "--toolsets", "alices", "--users", "alice");
        await home.AdminAsync("toolsets", "create", "bobs", "--tools", "auth0_users_list,auth0_clients_get");
        await home.AdminAsync("profiles", "create", "bobs", "--toolsets", "bobs", "--users", "bob");
        await using var auth0 = new RecordingHttpServer(body: "[]");
        var env = home.Environment(auth0.BaseUrl, "bob");

        await using (var full = await RawStdioSession.StartAsync(env))
        {
            var unknown = await full.RequestAsync("tools/call", Call(Unknown));
            Assert.Contains("[unknown-tool]", unknown, StringComparison.Ordinal);
            foreach (var (tool, _) in Hidden)
            {
                Assert.Equal(Anonymous(unknown, Unknown), Anonymous(await full.RequestAsync("tools/call", Call(tool)), tool));
            }
        }

        env["AUTH0_MCP_TOOLS_MODE"] = "progressive";
        await using (var progressive = await RawStdioSession.StartAsync(env))
        {
            foreach (var meta in new[] { "auth0_describe_tool", "auth0_call_tool" })
            {
                var unknown = await progressive.RequestAsync("tools/call", Meta(meta, Unknown));
                Assert.Contains("\"isError\":true", unknown, StringComparison.Ordinal);
                foreach (var (tool, _) in Hidden)
                {
                    Assert.Equal(Anonymous(unknown, Unknown), Anonymous(await progressive.RequestAsync("tools/call", Meta(meta, tool)), tool));
                }
            }
        }

        Assert.Empty(auth0.Requests);
        var denials = (await home.AdminAsync("audit", "tail", "-n", "200", "--json"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.TryGetProperty("user", out var user) && user.GetString() == "bob" && r.TryGetProperty("denial_code", out _))
            .ToList();
        foreach (var (tool, code) in Hidden)
        {
            // Once directly, once through auth0_call_tool: each with the true reason.
            var records = denials.Where(r => r.GetProperty("tool").GetString() == tool).ToList();
            Assert.Equal(2, records.Count);
            Assert.All(records, r => Assert.Equal(code, r.GetProperty("denial_code").GetString()));
        }
    }

    private static string Call(string tool) => $$"""{"name":"{{tool}}","arguments":{{Arguments}}}""";

    private static string Meta(string meta, string tool) => $$$"""{"name":"{{{meta}}}","arguments":{"name":"{{{tool}}}","arguments":{{{Arguments}}}}}""";

    private static string Anonymous(string line, string tool) => line.Replace(tool, "<tool>", StringComparison.Ordinal);
}
