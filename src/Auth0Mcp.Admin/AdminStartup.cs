using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Admin;

/// <summary>
/// When the host starts: the store schema and the catalogue rule every administering tool follows
/// (<see cref="ToolGovernance.SyncCatalogIfNewOrOwnAsync"/>: a new store gets the console's catalogue, a store another
/// catalogue synced is left as it is, with a log line); then, in the background, the audit index and a
/// <c>tool.content</c> record for each tool version not yet recorded (what a later diff compares against).
/// </summary>
/// <remarks>
/// The index reads every audit record (about 27 s a million): awaited here, it kept the host from listening (the MCP
/// endpoint and <c>/healthz</c> with it) for as long. It is read after start instead; the pages say how far it is
/// until it is done (<see cref="AuditIndex.CatchUpAsync"/>). A failed reading is logged once and tried again every
/// <see cref="RetryDelay"/>, from where it stopped; a stop during it ends it, and the host stops as usual.
/// </remarks>
internal sealed class AdminStartup(ToolGovernance governance, AuditIndex audit, IOptions<AdminConsoleOptions> options, ILoggerFactory logs) : IHostedService, IDisposable
{
    public const string Actor = "system:admin-console";

    /// <summary>How long after a failed reading of the audit the next attempt starts.</summary>
    internal static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stopping = new();
    private Task _indexing = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var catalog = options.Value.Catalog;
        await governance.Store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        var note = await governance.SyncCatalogIfNewOrOwnAsync(catalog, Actor, cancellationToken).ConfigureAwait(false);
        if (note is not null)
        {
            // The store's tools are another catalogue's: the console's own tool versions are not the store's to record.
            logs.CreateLogger("Auth0Mcp.Admin").LogWarning("The console's catalogue is not the store's: {Note}", note);
        }

        _indexing = Task.Run(() => IndexAsync(note is null ? catalog : [], _stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _indexing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>Reads the audit into the index, then records the tool versions of <paramref name="catalog"/> it has no content record of.</summary>
    private async Task IndexAsync(IReadOnlyList<Sdk.Catalog.Auth0ToolDescriptor> catalog, CancellationToken cancellationToken)
    {
        var failed = false;
        while (true)
        {
            try
            {
                await audit.BuildAsync(cancellationToken).ConfigureAwait(false);
                var unrecorded = catalog.Where(d => audit.ContentSequence(d.Name, d.ContentHash) is null).ToList();
                if (unrecorded.Count > 0)
                {
                    await governance.RecordToolContentAsync(unrecorded, Actor, cancellationToken).ConfigureAwait(false);
                    await audit.RefreshAsync(cancellationToken).ConfigureAwait(false);
                }

                audit.MarkReady();
                if (failed)
                {
                    logs.CreateLogger("Auth0Mcp.Admin").LogInformation("The audit index is complete: {Count} records", audit.Count);
                }

                return;
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // The host is stopping: a normal stop, whatever the reading was doing.
                return;
            }
            catch (Exception ex)
            {
                // The host goes on (the MCP endpoint does not need the index); the pages show the problem until it is read.
                var problem = ex is GovernanceStoreException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
                audit.BuildFailed(problem);
                if (!failed)
                {
                    failed = true;
                    logs.CreateLogger("Auth0Mcp.Admin").LogError("The admin console could not read the audit into its index (tried again every {Delay} s from where it stopped): {Problem}", RetryDelay.TotalSeconds, problem);
                }
            }

            try
            {
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
