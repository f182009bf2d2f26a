using Microsoft.Extensions.Hosting;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Initializes governance when a generic host starts (store schema, catalogue re-sync, options validation), so
/// that a bad store or bad options stop the host at once instead of failing the first call.
/// </summary>
internal sealed class GovernanceStartup(GovernanceRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runtime.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
