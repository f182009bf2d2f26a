using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>A toolset as listed: its size, what is callable now, and the minimal grant that covers it.</summary>
internal sealed record ToolsetRow(string Name, string? Description, bool Automatic, int Tools, int Callable, IReadOnlyList<string> Scopes);

/// <summary>Toolsets: the automatic and named sets with their minimal grant; create one with the tool picker.</summary>
internal sealed class ToolsetsModel : AdminPageModel
{
    public IReadOnlyList<ToolsetRow> Sets { get; private set; } = [];

    public IReadOnlyList<GovernedTool> Pickable { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var state = await Governance.GetStateAsync(cancellationToken);
        ToolsetRow Row(string name, string? description, bool automatic, int tools)
        {
            var live = ToolGovernance.ResolveToolset(state, name);
            return new ToolsetRow(name, description, automatic, automatic ? live.Count : tools, live.Count, Auth0ScopePlanner.MinimalScopes(Console.Descriptors(live)));
        }

        Sets =
        [
            Row(Toolset.AllApproved, "every approved tool", true, 0),
            Row(Toolset.ReadOnly, "every approved tool whose action is Read", true, 0),
            .. state.Toolsets.Select(s => Row(s.Name, s.Description, false, s.Tools.Count)),
        ];
        Pickable = state.Tools.Where(t => t.State != ToolState.Removed).ToList();
    }

    public Task<IActionResult> OnPostCreateAsync(string? name, string? description, string[]? tools, string? patterns, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            var picked = ToolPickerModel.Picked(tools, patterns);
            await Governance.CreateToolsetAsync(name ?? "", picked, string.IsNullOrWhiteSpace(description) ? null : description, Actor, cancellationToken);
            return $"created toolset {name} with {picked.Count} tool(s) or pattern(s)";
        });
}
