using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>Overview: counts by state, pending reviews, access requests and call approval requests, kill switches, credential health, store and audit.</summary>
internal sealed class IndexModel : AdminPageModel
{
    public GovernanceState State { get; private set; } = new();

    public IReadOnlyList<(ToolState State, int Count)> Counts { get; private set; } = [];

    public int BackInReview { get; private set; }

    public int PendingRequests { get; private set; }

    public int PendingApprovals { get; private set; }

    public IReadOnlySet<string>? Granted { get; private set; }

    public IReadOnlyList<Auth0ToolScopeGap> Refused { get; private set; } = [];

    public bool DoctorAvailable { get; private set; }

    public string? DoctorReport { get; private set; }

    public string StoreDescription => Governance.Store.Description;

    public long AuditHead { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        State = await Governance.GetStateAsync(cancellationToken);
        Counts = Enum.GetValues<ToolState>().Select(s => (s, State.Tools.Count(t => t.State == s))).ToList();
        BackInReview = State.Tools.Count(t => t.State == ToolState.PendingReview && t.ChangedSinceApproval());
        PendingRequests = State.Grants.Count(g => g.Status == GrantStatus.Requested);
        PendingApprovals = State.CallApprovals.Count(a => a.AwaitsAdministrator(Governance.Time.GetUtcNow()));
        Granted = Console.GrantedScopes();
        if (Granted is not null)
        {
            Refused = Auth0ScopePlanner.Refused(Console.Descriptors(ToolGovernance.ResolveToolset(State, Toolset.AllApproved)), Granted);
        }

        DoctorAvailable = HttpContext.RequestServices.GetService<Auth0Doctor>() is not null;
        AuditHead = (await Governance.Store.GetAuditHeadAsync(cancellationToken)).Sequence;
    }

    public async Task<IActionResult> OnPostDoctorAsync(CancellationToken cancellationToken)
    {
        await OnGetAsync(cancellationToken);
        if (HttpContext.RequestServices.GetService<Auth0Doctor>() is { } doctor)
        {
            var report = await doctor.RunAsync(Console.Descriptors(ToolGovernance.ResolveToolset(State, Toolset.AllApproved)), cancellationToken);
            DoctorReport = report.ToText();
        }

        return Page();
    }
}
