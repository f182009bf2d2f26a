using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Admin;

/// <summary>
/// When the host starts: the store schema, the catalogue rule every administering tool follows
/// (<see cref="ToolGovernance.SyncCatalogIfNewOrOwnAsync"/>: a new store gets the console's catalogue, a store another
/// catalogue synced is left as it is, with a log line), the audit index, and a <c>tool.content</c> record for each tool
/// version not yet recorded (what a later diff compares against).
/// </summary>
internal sealed class AdminStartup(ToolGovernance governance, AuditIndex audit, IOptions<AdminConsoleOptions> options, ILoggerFactory logs) : IHostedService
{
    public const string Actor = "system:admin-console";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var catalog = options.Value.Catalog;
        await governance.Store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        var note = await governance.SyncCatalogIfNewOrOwnAsync(catalog, Actor, cancellationToken).ConfigureAwait(false);
        await audit.RefreshAsync(cancellationToken).ConfigureAwait(false);
        if (note is not null)
        {
            // The store's tools are another catalogue's: the console's own tool versions are not the store's to record.
            logs.CreateLogger("Auth0Mcp.Admin").LogWarning("The console's catalogue is not the store's: {Note}", note);
            return;
        }

        var unrecorded = catalog.Where(d => audit.ContentSequence(d.Name, d.ContentHash) is null).ToList();
        if (unrecorded.Count > 0)
        {
            await governance.RecordToolContentAsync(unrecorded, Actor, cancellationToken).ConfigureAwait(false);
            await audit.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
