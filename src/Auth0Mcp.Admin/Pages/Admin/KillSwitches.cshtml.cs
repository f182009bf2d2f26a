using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>A kill switch change waiting for confirmation.</summary>
internal sealed record KillSwitchChange(bool On, string? Tool);

/// <summary>Kill switches: global and per tool, each change confirmed in a second step.</summary>
internal sealed class KillSwitchesModel : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public string? Tool { get; set; }

    public GovernanceState State { get; private set; } = new();

    public KillSwitchChange? Confirm { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => State = await Governance.GetStateAsync(cancellationToken);

    /// <summary>The first step: shows what will change and asks for confirmation; nothing changes yet.</summary>
    public async Task<IActionResult> OnPostRequestAsync(bool on, string? tool, CancellationToken cancellationToken)
    {
        State = await Governance.GetStateAsync(cancellationToken);
        tool = string.IsNullOrWhiteSpace(tool) ? null : tool.Trim();
        if (tool is not null)
        {
            try
            {
                State.RequireTool(tool);
            }
            catch (GovernanceException ex)
            {
                TempData["Error"] = ex.Message; // "unknown tool '…'", naming the closest tools
                return RedirectToPage();
            }
        }

        Tool = tool;
        Confirm = new KillSwitchChange(on, tool);
        return Page();
    }

    public Task<IActionResult> OnPostConfirmAsync(bool on, string? tool, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            tool = string.IsNullOrWhiteSpace(tool) ? null : tool.Trim();
            await Governance.SetKillSwitchAsync(on, tool, Actor, cancellationToken);
            return $"kill switch {(on ? "on" : "off")} {(tool is null ? "(all tools)" : "for " + tool)}";
        });
}
