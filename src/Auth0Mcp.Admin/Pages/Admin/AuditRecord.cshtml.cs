using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>One audit record in full: redacted arguments, Auth0 status, latency, denial reason, hooks, hashes.</summary>
internal sealed class AuditRecordModel : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public long Sequence { get; set; }

    public AuditRecord? Record { get; private set; }

    /// <summary>The stored row when its body is not a readable record (<see cref="Record"/> is then null): shown as it is stored.</summary>
    public AuditRow? Unreadable { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Sequence > 0 && await Console.Audit.ReadRowAsync(Sequence, cancellationToken) is { } row)
        {
            if (AuditChain.TryRead(row, out var record))
            {
                Record = record;
            }
            else
            {
                Unreadable = row;
            }
        }

        return Record is null && Unreadable is null ? NotFound() : Page();
    }
}
