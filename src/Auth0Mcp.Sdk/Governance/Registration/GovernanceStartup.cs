using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Initializes governance when a generic host starts (store schema, catalogue re-sync, options validation), so
/// that a bad store or bad options stop the host at once instead of failing the first call. Argument policies are
/// checked against the governed catalogue's input schemas here too: a rule naming a path a tool lacks, or an
/// operator that does not fit the type there, stops the host with a message naming the rule.
/// </summary>
internal sealed class GovernanceStartup(GovernanceRuntime runtime) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await runtime.InitializeAsync(cancellationToken).ConfigureAwait(false);
        var errors = runtime.Hooks.OfType<ArgumentPolicyHook>().SelectMany(h => h.Validate(runtime.Catalog.Values)).ToList();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(ToolGovernanceOptions), typeof(ToolGovernanceOptions), errors);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
