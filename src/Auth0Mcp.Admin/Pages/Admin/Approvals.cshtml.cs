using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>
/// Requests to run one exact call (per-call approval): the pending ones to grant or deny, and the recent decisions.
/// A grant lets that caller's same call (same tool, same arguments) run once before the expiry.
/// </summary>
internal sealed class ApprovalsModel : AdminPageModel
{
    /// <summary>How much of the (already masked) arguments a row shows.</summary>
    private const int SummaryLength = 240;

    public IReadOnlyList<CallApproval> Pending { get; private set; } = [];

    public IReadOnlyList<CallApproval> Recent { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var state = await Governance.GetStateAsync(cancellationToken);
        Now = Governance.Time.GetUtcNow();
        Pending = state.CallApprovals.Where(a => a.AwaitsAdministrator(Now)).OrderBy(a => a.RequestedAt).ToList();
        Recent = state.CallApprovals.Where(a => a.Status != CallApprovalStatus.Pending).OrderByDescending(a => a.DecidedAt ?? a.RequestedAt).Take(50).ToList();
    }

    public Task<IActionResult> OnPostGrantAsync(string id, string? reason, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            var approval = await Governance.DecideCallApprovalAsync(id, true, null, Reason(reason), Actor, cancellationToken);
            return $"granted approval request {approval.Id}: {approval.User}'s call of {approval.Tool} may run once before {approval.ExpiresAt:u}";
        });

    public Task<IActionResult> OnPostDenyAsync(string id, string? reason, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            var approval = await Governance.DecideCallApprovalAsync(id, false, null, Reason(reason), Actor, cancellationToken);
            return $"denied approval request {approval.Id} ({approval.Tool} for {approval.User})";
        });

    /// <summary>The arguments as stored (secrets already masked), shortened for a table row, masked once more.</summary>
    public static string Summary(CallApproval approval)
    {
        var text = Arguments(approval);
        return text.Length > SummaryLength ? text[..SummaryLength] + "…" : text;
    }

    /// <summary>
    /// All the arguments as stored: the approval hook made them with the arguments' view
    /// (<see cref="JsonRedactor.RedactCallArguments"/>, which knows the tool's body), so they are shown as they are
    /// (masking again without the body would hide parts of a string body): the grant covers every one of them. A control
    /// or format character left raw (a request stored before the view escaped them) is shown as its escape
    /// (<see cref="Visible.Json"/>).
    /// </summary>
    public static string Arguments(CallApproval approval) => Visible.Json(approval.Arguments) ?? "{}";

    private static string? Reason(string? reason) => string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
}
