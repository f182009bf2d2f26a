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

    /// <summary>The "from" filter as given (read by <see cref="AuditTime.TryParse"/>: UTC unless it names a zone).</summary>
    [BindProperty(SupportsGet = true)] public string? From { get; set; }

    /// <summary>The "to" filter as given: it includes the whole unit it names (<c>21:53</c>: up to 21:53:59.9999999).</summary>
    [BindProperty(SupportsGet = true)] public string? To { get; set; }

    public AuditTime? FromTime { get; private set; }

    public AuditTime? ToTime { get; private set; }

    /// <summary>Why a time filter was not applied (no record is listed then, rather than records it did not filter).</summary>
    public string? TimeError { get; private set; }

    [BindProperty(SupportsGet = true)] public long? Before { get; set; }

    public AuditPage Records { get; private set; } = new([], null);

    public AuditVerification? Verification { get; private set; }

    /// <summary>The first reading of the audit is still going (after start, on a large audit): how far it is; no record is listed.</summary>
    public AuditIndexing? Indexing { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Indexing = await Console.Audit.CatchUpAsync(cancellationToken);
        FromTime = ReadTime("From", From);
        ToTime = ReadTime("To", To);
        if (TimeError is not null || Indexing is not null)
        {
            Records = new([], null);
            return;
        }

        var filter = new AuditFilter(UserFilter, Tool, Outcome, Kind, FromTime?.Start, ToTime?.End);
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
        Add("from", FromTime?.Text);
        Add("to", ToTime?.Text);
        return route;
    }

    private AuditTime? ReadTime(string name, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (AuditTime.TryParse(value, out var time))
        {
            return time;
        }

        TimeError = $"{name} '{TerminalText.Escape(value)}' is not a time: give yyyy-MM-ddTHH:mm, with seconds (and a fraction) if needed, in UTC; no record is listed until it is one";
        return null;
    }
}
