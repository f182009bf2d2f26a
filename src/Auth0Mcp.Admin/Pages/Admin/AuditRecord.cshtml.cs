using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>One audit record in full: redacted arguments, Auth0 status, latency, denial reason, hooks, hashes.</summary>
internal sealed class AuditRecordModel : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public long Sequence { get; set; }

    public AuditRecord? Record { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Record = Sequence > 0 ? await Console.Audit.ReadAsync(Sequence, cancellationToken) : null;
        return Record is null ? NotFound() : Page();
    }
}
