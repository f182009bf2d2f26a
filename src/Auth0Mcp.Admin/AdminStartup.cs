using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Admin;

/// <summary>
/// When the host starts: the store schema, a catalogue re-sync (as every CLI run does), the audit index, and a
/// <c>tool.content</c> record for each tool version not yet recorded (what a later diff compares against).
/// </summary>
internal sealed class AdminStartup(ToolGovernance governance, AuditIndex audit, IOptions<AdminConsoleOptions> options) : IHostedService
{
    public const string Actor = "system:admin-console";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var catalog = options.Value.Catalog;
        await governance.Store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await governance.SyncCatalogAsync(catalog, Actor, null, cancellationToken).ConfigureAwait(false);
        await audit.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var unrecorded = catalog.Where(d => audit.ContentSequence(d.Name, d.ContentHash) is null).ToList();
        if (unrecorded.Count > 0)
        {
            await governance.RecordToolContentAsync(unrecorded, Actor, cancellationToken).ConfigureAwait(false);
            await audit.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
