using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>Access profiles: bind toolsets to users and groups under a policy; the queue of access requests.</summary>
internal sealed class ProfilesModel : AdminPageModel
{
    public GovernanceState State { get; private set; } = new();

    public IReadOnlyList<AccessGrant> Requests { get; private set; } = [];

    public IReadOnlyList<string> ToolsetNames { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        State = await Governance.GetStateAsync(cancellationToken);
        Now = Governance.Time.GetUtcNow();
        Requests = State.Grants.Where(g => g.Status == GrantStatus.Requested).OrderBy(g => g.RequestedAt).ToList();
        ToolsetNames = [Toolset.AllApproved, Toolset.ReadOnly, .. State.Toolsets.Select(s => s.Name)];
    }

    public Task<IActionResult> OnPostCreateAsync(string? name, string[]? toolsets, string? users, string? groups, string? policy, string? expires, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            await Governance.CreateProfileAsync(name ?? "", toolsets ?? [], AdminConsole.Members(users), AdminConsole.Members(groups),
                GovernanceNames.ParsePolicy(policy ?? "auto"), Duration(expires), Actor, cancellationToken);
            return $"created profile {name}";
        });

    public Task<IActionResult> OnPostBindAsync(string? name, string? toolsets, string? users, string? groups, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            await Governance.BindProfileAsync(name ?? "", true, AdminConsole.Split(toolsets), AdminConsole.Members(users), AdminConsole.Members(groups), Actor, cancellationToken);
            return $"bound to profile {name}";
        });

    public Task<IActionResult> OnPostUnbindAsync(string? name, string? toolsets, string? users, string? groups, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            await Governance.BindProfileAsync(name ?? "", false, AdminConsole.Split(toolsets), AdminConsole.Members(users), AdminConsole.Members(groups), Actor, cancellationToken);
            return $"unbound from profile {name}";
        });

    public Task<IActionResult> OnPostDeleteAsync(string? name, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            await Governance.DeleteProfileAsync(name ?? "", Actor, cancellationToken);
            return $"deleted profile {name}";
        });

    public Task<IActionResult> OnPostGrantAsync(string? id, string? expires, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            var grant = await Governance.DecideAsync(id ?? "", null, true, Duration(expires), Actor, cancellationToken);
            return $"granted {grant.Profile} to {grant.User}";
        });

    public Task<IActionResult> OnPostDenyAsync(string? id, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            var grant = await Governance.DecideAsync(id ?? "", null, false, null, Actor, cancellationToken);
            return $"denied {grant.Profile} to {grant.User}";
        });

    private static TimeSpan? Duration(string? text) => string.IsNullOrWhiteSpace(text) ? null : GovernanceNames.ParseDuration(text);
}
