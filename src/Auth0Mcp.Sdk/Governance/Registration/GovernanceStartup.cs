using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Initializes governance when a generic host starts (store schema, catalogue re-sync, options validation), so
/// that a bad store or bad options stop the host at once instead of failing the first call. What names tools is
/// checked against the governed catalogue here too, each problem naming its rule or hook: an argument policy naming a
/// path a tool lacks, or an operator that does not fit the type there; a tool name or glob of an argument policy, a
/// call approval rule or a hook's <see cref="IToolCallHook.ToolPatterns"/> that matches no tool (names compare
/// exactly: <c>auth0_Users_update</c> matches nothing). Each stops the host. A call approval rule's toolset or profile
/// the governance state does not hold is a warning instead (it may be created later): until it is, it covers nothing.
/// </summary>
internal sealed partial class GovernanceStartup(GovernanceRuntime runtime) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await runtime.InitializeAsync(cancellationToken).ConfigureAwait(false);
        var tools = runtime.Catalog.Keys.ToList();
        var approvals = runtime.Hooks.OfType<CallApprovalHook>().Select(h => h.Options).ToList();
        var errors = runtime.Hooks.OfType<ArgumentPolicyHook>().SelectMany(h => h.Validate(runtime.Catalog.Values)).ToList();
        errors.AddRange(approvals.SelectMany(a => a.UnmatchedToolPatterns(tools)));
        // An argument policy hook's patterns are its rules', checked above with the rules' names.
        errors.AddRange(runtime.Hooks.Where(h => h is not ArgumentPolicyHook)
            .SelectMany(h => h.ToolPatterns.Where(p => !tools.Exists(t => Glob.IsMatch(p, t))).Select(p => $"hook '{h.Name}': no tool matches '{p}'{NameSuggestions.Hint(p, tools)}")));
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(ToolGovernanceOptions), typeof(ToolGovernanceOptions), errors);
        }

        if (approvals.Count > 0)
        {
            var state = await runtime.Governance.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
            foreach (var unknown in approvals.SelectMany(a => a.UnknownNames(state)))
            {
                LogUnknownName(runtime.Logger, unknown);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(9, LogLevel.Warning, "{Problem}: the rule covers no call through that name until the state holds it (names are case-sensitive)")]
    private static partial void LogUnknownName(ILogger logger, string problem);
}
