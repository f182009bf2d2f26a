using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// Issue 11 item 7 (a caller outside a tool's profile learned the tool's state from the denial): a denial outside the
/// caller's entitlement is answered exactly as an unknown tool is — the same result, byte for byte apart from the
/// name — directly and through the progressive meta-tools, while the audit keeps the true reason.
/// </summary>
public sealed class UndisclosedDenialTests
{
    private const string Unknown = "auth0_no_such_tool";
    private static readonly Dictionary<string, object?> Args = new() { ["id"] = "x1" };

    /// <summary>Each tool alice may not call, and the true reason the audit must keep.</summary>
    public static TheoryData<string, string> Hidden => new()
    {
        { "auth0_users_list", DenialCodes.NotInProfile },     // approved, in bob's profile only
        { "auth0_users_delete", DenialCodes.PendingReview },  // pending, in nobody's profile
        { "auth0_clients_get", DenialCodes.Disabled },        // disabled, in bob's profile
        { "auth0_roles_create", DenialCodes.PendingReview },  // pending, in alice's own toolset
        { "auth0_logs_get", DenialCodes.KillSwitch },         // approved and killed, in bob's profile
    };

    [Theory]
    [MemberData(nameof(Hidden))]
    public async Task CallTool_OutsideTheCallersEntitlement_AnsweredByteForByteAsAnUnknownToolAuditKeepsTheReason(string tool, string trueCode)
    {
        await using var h = await StartAsync();
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var unknown = await alice.CallToolAsync(Unknown, Args);
        var hidden = await alice.CallToolAsync(tool, Args);

        Assert.Equal(Wire(unknown, Unknown), Wire(hidden, tool));
        Assert.Contains("[unknown-tool]", ResultText.Of(hidden), StringComparison.Ordinal);
        Assert.All(h.Tools.Values, t => Assert.Equal(0, t.Calls));
        var record = (await h.CallRecordsAsync()).Single(r => r.Tool == tool);
        Assert.Equal((AuditOutcomes.Denied, trueCode, "alice"), (record.Outcome, record.DenialCode, record.User));
        Assert.EndsWith("(answered as unknown-tool)", record.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Hidden))]
    public async Task ProgressiveDescribeAndCall_OutsideTheCallersEntitlement_AnsweredByteForByteAsAnUnknownTool(string tool, string trueCode)
    {
        await using var h = await StartAsync(progressive: true);
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));

        foreach (var meta in new[] { "auth0_describe_tool", "auth0_call_tool" })
        {
            var unknown = await alice.CallToolAsync(meta, new Dictionary<string, object?> { ["name"] = Unknown, ["arguments"] = Args });
            var hidden = await alice.CallToolAsync(meta, new Dictionary<string, object?> { ["name"] = tool, ["arguments"] = Args });

            Assert.True(hidden.IsError, meta);
            Assert.Equal(Wire(unknown, Unknown), Wire(hidden, tool));
        }

        Assert.All(h.Tools.Values, t => Assert.Equal(0, t.Calls));
        Assert.Equal(trueCode, (await h.CallRecordsAsync()).Single(r => r.Tool == tool && r.Outcome == AuditOutcomes.Denied).DenialCode);
    }

    [Fact]
    public async Task ProgressiveSearchAndDescribe_RiskIsTheOneGovernanceHolds_AnAdministratorsClassIncluded()
    {
        await using var h = await StartAsync(progressive: true);
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        Assert.Equal(ToolRisk.Sensitive, (await h.Governance.GetStateAsync()).FindTool("auth0_logs_list")!.Risk); // the default: logs are personal data

        await h.Governance.ClassifyAsync(["auth0_logs_list"], ToolRisk.Dangerous, "admin");
        var search = ResultText.Of(await alice.CallToolAsync("auth0_search_tools", new Dictionary<string, object?> { ["query"] = "logs" }));
        var describe = ResultText.Of(await alice.CallToolAsync("auth0_describe_tool", new Dictionary<string, object?> { ["name"] = "auth0_logs_list" }));

        using var found = JsonDocument.Parse(search);
        Assert.Equal("dangerous", found.RootElement.GetProperty("tools").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "auth0_logs_list").GetProperty("risk").GetString());
        using var described = JsonDocument.Parse(describe);
        Assert.Equal("dangerous", described.RootElement.GetProperty("risk").GetString());
    }

    [Fact]
    public async Task CallTool_KillSwitchOnAToolTheCallerIsEntitledTo_IsExplained()
    {
        await using var h = await StartAsync();
        var bob = await h.ConnectAsync(GovernanceHarness.User("bob"));

        var killed = await bob.CallToolAsync("auth0_logs_get", Args);

        Assert.Equal("Denied by governance: kill switch active for auth0_logs_get [kill-switch]", ResultText.Of(killed));
    }

    [Fact]
    public async Task CallTool_ProfileNotYetActive_TellsTheCallerHowToRequestIt()
    {
        await using var h = await StartAsync();
        await h.Governance.CreateToolsetAsync("jit", ["auth0_users_list"], null, "admin");
        await h.Governance.CreateProfileAsync("jit-readers", ["jit"], ["carol"], [], AccessPolicy.JustInTime, TimeSpan.FromHours(1), "admin");
        var carol = await h.ConnectAsync(GovernanceHarness.User("carol"));

        var text = ResultText.Of(await carol.CallToolAsync("auth0_users_list", Args));

        Assert.Contains("profiles request jit-readers", text, StringComparison.Ordinal);
        Assert.EndsWith("[profile-not-active]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_UndisclosedDenial_TellsTheCallerTheUnknownToolsCodeAndReason()
    {
        var state = new GovernanceState();
        state.Tools.Add(new GovernedTool { Name = "auth0_users_list", State = ToolState.Disabled, ContentHash = Descriptors.UsersList.ContentHash });
        var catalog = new Dictionary<string, Auth0ToolDescriptor> { ["auth0_users_list"] = Descriptors.UsersList };
        var now = DateTimeOffset.UnixEpoch;

        var hidden = ToolGovernance.Evaluate(state, catalog, CallerIdentity.From("alice", null)!, "auth0_users_list", now);
        var unknown = ToolGovernance.Evaluate(state, catalog, CallerIdentity.From("alice", null)!, "auth0_nope", now);

        Assert.False(hidden.Disclosed);
        Assert.Equal((DenialCodes.Disabled, "tool disabled"), (hidden.Code, hidden.Reason));
        Assert.Equal((unknown.Code, unknown.Reason!.Replace("auth0_nope", "auth0_users_list", StringComparison.Ordinal)), (hidden.CallerCode, hidden.CallerReason("auth0_users_list")));
    }

    /// <summary>
    /// alice: auth0_logs_list (approved) and auth0_roles_create (pending) through her profile. bob: auth0_users_list,
    /// auth0_clients_get (disabled) and auth0_logs_get (killed). auth0_users_delete: pending, in nobody's profile.
    /// </summary>
    private static async Task<GovernanceHarness> StartAsync(bool progressive = false)
    {
        FakeTool[] tools =
        [
            new(Descriptors.UsersList), new(Descriptors.ClientsGet), new(Descriptors.UsersDelete), new(Descriptors.RolesCreate),
            new(Descriptors.Make("auth0_logs_list", path: "/logs")), new(Descriptors.Make("auth0_logs_get", path: "/logs/{id}")),
        ];
        var h = await GovernanceHarness.StartAsync(
            tools,
            services: progressive ? s => s.AddMcpServer().WithToolsMode(o => o.Mode = Auth0Mcp.Sdk.Progressive.ToolsMode.Progressive) : null);
        await h.AllowAsync(["alice"], "auth0_logs_list");
        await h.AllowAsync(["bob"], "auth0_users_list", "auth0_clients_get", "auth0_logs_get");
        await h.Governance.DisableAsync(["auth0_clients_get"], "admin");
        await h.Governance.SetKillSwitchAsync(true, "auth0_logs_get", "admin");
        await h.Governance.CreateToolsetAsync("alice-pending", ["auth0_roles_create"], null, "admin");
        await h.Governance.CreateProfileAsync("alice-pending", ["alice-pending"], ["alice"], [], AccessPolicy.AutoApprove, null, "admin");
        return h;
    }

    /// <summary>The result as it goes on the wire, with the tool's name replaced.</summary>
    private static string Wire(CallToolResult result, string tool) =>
        JsonSerializer.Serialize(result, McpJsonUtilities.DefaultOptions).Replace(tool, "<tool>", StringComparison.Ordinal);
}
