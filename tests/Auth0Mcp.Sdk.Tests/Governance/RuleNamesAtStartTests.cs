using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Tests.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// What a call approval rule or a hook names is checked when the host starts (GovernanceStartup): a tool name or glob
/// that matches no governed tool (names compare exactly, so a name in another case is such a one) stops the start,
/// naming the rule, as an argument policy's does; a toolset or profile the state does not hold (yet) is a warning.
/// </summary>
public sealed class RuleNamesAtStartTests
{
    private sealed class ScopedHook(params string[] patterns) : ToolCallHook
    {
        public override string Name => "users-only";

        public override IReadOnlyList<string> ToolPatterns { get; init; } = patterns;
    }

    /// <summary>What a generic host runs when it starts.</summary>
    private static async Task StartHostedAsync(GovernanceHarness h)
    {
        foreach (var service in h.Services.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }
    }

    private static Task<GovernanceHarness> HarnessAsync(Action<ToolGovernanceOptions> configure, CapturingLoggerProvider? logs = null) =>
        GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList), new FakeTool(Descriptors.UsersDelete)],
            configure,
            services: logs is null ? null : s => s.AddLogging(b => b.AddProvider(logs)));

    [Theory]
    [InlineData("auth0_Users_delete", "call approval rule #2 (tools=auth0_Users_delete -> admin): no tool matches 'auth0_Users_delete'; did you mean 'auth0_users_delete'?")]
    [InlineData("auth0_Users_*", "call approval rule #2 (tools=auth0_Users_* -> admin): no tool matches 'auth0_Users_*'")]
    public async Task CallApprovalRule_ToolThatMatchesNoTool_StopsTheStartNamingTheRuleAndThePattern(string pattern, string error)
    {
        await using var h = await HarnessAsync(o => o.RequireCallApproval(a =>
        {
            a.Rules.Add(new CallApprovalRule { Tools = { "auth0_users_list" }, Mode = CallApprovalMode.Elicit });
            a.Rules.Add(new CallApprovalRule { Tools = { pattern }, Mode = CallApprovalMode.Admin });
        }));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => StartHostedAsync(h));

        Assert.Equal(error, Assert.Single(ex.Failures));
    }

    [Fact]
    public async Task Hook_ToolPatternThatMatchesNoTool_StopsTheStartNamingTheHook()
    {
        await using var h = await HarnessAsync(o =>
        {
            o.Hooks.Add(new ScopedHook("auth0_Users_list"));
        });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => StartHostedAsync(h));

        Assert.Equal("hook 'users-only': no tool matches 'auth0_Users_list'; did you mean 'auth0_users_list'?", Assert.Single(ex.Failures));
    }

    [Fact]
    public async Task RulesAndHook_NamingTheirToolsExactly_Start()
    {
        await using var h = await HarnessAsync(o =>
        {
            o.Hooks.Add(new ScopedHook("auth0_users_*"));
            o.RequireCallApproval(a => a.Rules.Add(new CallApprovalRule { Tools = { "auth0_users_delete", "auth0_*_list" }, Mode = CallApprovalMode.Admin }));
        });

        await StartHostedAsync(h);
    }

    [Fact]
    public async Task CallApprovalRule_ToolsetOrProfileTheStateDoesNotHold_StartsWithAWarningNamingEach()
    {
        using var logs = new CapturingLoggerProvider();
        await using var h = await HarnessAsync(
            o => o.RequireCallApproval(a =>
            {
                a.Rules.Add(new CallApprovalRule { Toolsets = { "Ops" }, Mode = CallApprovalMode.Admin });
                a.Rules.Add(new CallApprovalRule { Profiles = { "Ops-Writers" }, Mode = CallApprovalMode.Admin });
                // Held: no warning.
                a.Rules.Add(new CallApprovalRule { Toolsets = { "ops", Toolset.ReadOnly }, Profiles = { "ops-writers" }, Mode = CallApprovalMode.Elicit });
            }),
            logs);
        await h.ApproveAsync("auth0_users_list", "auth0_users_delete");
        await h.Governance.CreateToolsetAsync("ops", ["auth0_users_delete"], null, "admin");
        await h.Governance.CreateProfileAsync("ops-writers", ["ops"], ["alice"], [], AccessPolicy.AutoApprove, null, "admin");

        await StartHostedAsync(h);

        var warnings = logs.Lines.Where(l => l.StartsWith("Warning ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("call approval rule #1 (toolsets=Ops -> admin) names toolset 'Ops', which the governance state does not hold (did you mean 'ops'?): the rule covers no call through that name until the state holds it (names are case-sensitive)", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("call approval rule #2 (profiles=Ops-Writers -> admin) names profile 'Ops-Writers', which the governance state does not hold (did you mean 'ops-writers'?)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Describe_RuleBeforeTheDecidingOneNamesAnUnknownToolset_SaysSo()
    {
        await using var h = await HarnessAsync(_ => { });
        await h.ApproveAsync("auth0_users_list", "auth0_users_delete");
        await h.Governance.CreateToolsetAsync("ops", ["auth0_users_list"], null, "admin");
        var options = new CallApprovalOptions { Default = CallApprovalMode.Elicit };
        options.Rules.Add(new CallApprovalRule { Toolsets = { "Ops" }, Mode = CallApprovalMode.Admin });
        options.Rules.Add(new CallApprovalRule { Tools = { "auth0_users_delete" }, Mode = CallApprovalMode.Admin });
        options.Rules.Add(new CallApprovalRule { Profiles = { "nobody" }, Mode = CallApprovalMode.Admin });
        var state = await h.Governance.GetCurrentAsync();

        var list = options.Describe(state, state.FindTool("auth0_users_list")!);
        var delete = options.Describe(state, state.FindTool("auth0_users_delete")!);

        Assert.Equal((CallApprovalMode.None, "no rule; call approval rule #1 (toolsets=Ops -> admin) names toolset 'Ops', which the governance state does not hold (did you mean 'ops'?); call approval rule #3 (profiles=nobody -> admin) names profile 'nobody', which the governance state does not hold"), list);
        // Rule #2 decides: only the rule before it can have been meant to.
        Assert.Equal((CallApprovalMode.Admin, "tools=auth0_users_delete -> admin; call approval rule #1 (toolsets=Ops -> admin) names toolset 'Ops', which the governance state does not hold (did you mean 'ops'?)"), delete);
    }
}
