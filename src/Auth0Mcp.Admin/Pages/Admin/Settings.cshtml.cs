using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>Settings: the default state for new tools and whether approval is required.</summary>
internal sealed class SettingsModel : AdminPageModel
{
    public GovernanceDefaults Defaults { get; private set; } = new();

    public async Task OnGetAsync(CancellationToken cancellationToken) => Defaults = (await Governance.GetStateAsync(cancellationToken)).Defaults;

    public Task<IActionResult> OnPostAsync(string? state, bool requireApproval, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            await Governance.SetDefaultsAsync(GovernanceNames.ParseState(state ?? ""), requireApproval, Actor, cancellationToken);
            return "defaults saved";
        });
}
