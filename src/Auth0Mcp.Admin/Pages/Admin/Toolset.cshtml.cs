using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>One named toolset: its tools (add with the picker, remove), its minimal grant, delete.</summary>
internal sealed class ToolsetModel : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public string Name { get; set; } = "";

    public Toolset? Set { get; private set; }

    public IReadOnlySet<string> Callable { get; private set; } = new HashSet<string>();

    public IReadOnlyList<string> Scopes { get; private set; } = [];

    public IReadOnlyList<GovernedTool> Pickable { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var state = await Governance.GetStateAsync(cancellationToken);
        Set = state.FindToolset(Name);
        if (Set is null)
        {
            return NotFound();
        }

        var live = ToolGovernance.ResolveToolset(state, Name);
        Callable = live.ToHashSet(StringComparer.Ordinal);
        Scopes = Auth0ScopePlanner.MinimalScopes(Console.Descriptors(live));
        Pickable = state.Tools.Where(t => t.State != ToolState.Removed && !Set.Tools.Contains(t.Name, StringComparer.Ordinal)).ToList();
        return Page();
    }

    public Task<IActionResult> OnPostAddAsync(string[]? tools, string? patterns, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            await Governance.AddToToolsetAsync(Name, ToolPickerModel.Picked(tools, patterns), Actor, cancellationToken);
            return $"added to toolset {Name}";
        }, null, new { name = Name });

    public Task<IActionResult> OnPostRemoveAsync(string[]? tools, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            if (tools is not { Length: > 0 })
            {
                throw new GovernanceException("select at least one tool to remove");
            }

            await Governance.RemoveFromToolsetAsync(Name, tools, Actor, cancellationToken);
            return $"removed from toolset {Name}";
        }, null, new { name = Name });

    public async Task<IActionResult> OnPostDeleteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Governance.DeleteToolsetAsync(Name, Actor, cancellationToken);
            TempData["Message"] = $"deleted toolset {Name}";
            return RedirectToPage("/Admin/Toolsets");
        }
        catch (GovernanceException ex)
        {
            TempData["Error"] = ex.Message;
            return RedirectToPage(new { name = Name });
        }
    }
}
