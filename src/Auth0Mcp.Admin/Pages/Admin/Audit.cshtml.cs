using System.Globalization;
using System.Text;
using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>Audit: records newest first with filters (keyset pages), a record's detail, JSONL export, chain verification.</summary>
internal sealed class AuditModel : AdminPageModel
{
    [BindProperty(SupportsGet = true, Name = "user")] public string? UserFilter { get; set; }

    [BindProperty(SupportsGet = true)] public string? Tool { get; set; }

    [BindProperty(SupportsGet = true)] public string? Outcome { get; set; }

    [BindProperty(SupportsGet = true)] public string? Kind { get; set; }

    [BindProperty(SupportsGet = true)] public DateTime? From { get; set; }

    [BindProperty(SupportsGet = true)] public DateTime? To { get; set; }

    [BindProperty(SupportsGet = true)] public long? Before { get; set; }

    public AuditPage Records { get; private set; } = new([], null);

    public AuditVerification? Verification { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await Console.Audit.RefreshAsync(cancellationToken);
        var filter = new AuditFilter(UserFilter, Tool, Outcome, Kind, Utc(From), Utc(To));
        Records = Console.Audit.Query(filter, Before, Console.Options.AuditPageSize);
    }

    /// <summary>
    /// The whole chain as JSON lines (each record with its hash), as <c>audit export</c> writes it. A POST with the
    /// antiforgery token: it writes an audit record, so a link on another site must not be able to start it.
    /// </summary>
    public async Task<IActionResult> OnPostExportAsync(CancellationToken cancellationToken)
    {
        await Governance.RecordAdminEventAsync(Actor, "audit.exported", null, "admin console", cancellationToken);
        Response.ContentType = "application/x-ndjson; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"auth0-mcp-audit-{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}.jsonl\"";
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(false), 64 * 1024);
        await foreach (var row in Governance.Store.ReadAuditAsync(0, cancellationToken))
        {
            await writer.WriteAsync(AuditExport.ToJsonLine(row));
            await writer.WriteAsync('\n');
        }

        await writer.FlushAsync(cancellationToken);
        return new EmptyResult();
    }

    public async Task<IActionResult> OnPostVerifyAsync(CancellationToken cancellationToken)
    {
        // The same check as `auth0-mcp audit verify`: links, seals (with the store's keys) and checkpoints.
        Verification = await Governance.Store.VerifyAuditAsync(cancellationToken);
        await OnGetAsync(cancellationToken);
        return Page();
    }

    public Dictionary<string, string> RouteWith(long before)
    {
        var route = new Dictionary<string, string>(StringComparer.Ordinal) { ["before"] = before.ToString(CultureInfo.InvariantCulture) };
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                route[key] = value;
            }
        }

        Add("user", UserFilter);
        Add("tool", Tool);
        Add("outcome", Outcome);
        Add("kind", Kind);
        Add("from", From?.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture));
        Add("to", To?.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture));
        return route;
    }

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
