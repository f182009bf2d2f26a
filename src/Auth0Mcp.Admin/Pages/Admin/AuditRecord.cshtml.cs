using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>
/// One audit record in full: every field it holds (redacted arguments, Auth0 status and error code, attempts, answer
/// size, truncation, latency, reason, hooks, hashes), with the link between a call's intent and its outcome.
/// </summary>
internal sealed class AuditRecordModel : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public long Sequence { get; set; }

    public AuditRecord? Record { get; private set; }

    /// <summary>For an intent record: the sequence of the call's outcome record, when the audit index holds one.</summary>
    public long? OutcomeSequence { get; private set; }

    /// <summary>For an intent record while the first reading of the audit is still going: how far it is (its outcome is not known yet).</summary>
    public AuditIndexing? Indexing { get; private set; }

    /// <summary>The stored row when its body is not a readable record (<see cref="Record"/> is then null): shown as it is stored.</summary>
    public AuditRow? Unreadable { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Sequence > 0 && await Console.Audit.ReadRowAsync(Sequence, cancellationToken) is { } row)
        {
            if (AuditChain.TryRead(row, out var record))
            {
                Record = record;
                if (record.Outcome == AuditOutcomes.Intent)
                {
                    // Records after the index's last are read first (a range read from its end), as the Audit page does.
                    Indexing = await Console.Audit.CatchUpAsync(cancellationToken);
                    OutcomeSequence = Indexing is null ? Console.Audit.OutcomeOf(record.Sequence) : null;
                }
            }
            else
            {
                Unreadable = row;
            }
        }

        return Record is null && Unreadable is null ? NotFound() : Page();
    }
}
