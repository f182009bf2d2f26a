using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>One row of the Tools page.</summary>
internal sealed record ToolRow(GovernedTool Tool, Auth0ToolDescriptor? Descriptor, IReadOnlyList<string> Missing)
{
    /// <summary>Back in review after a change since its approval.</summary>
    public bool Changed => Tool.ChangedSinceApproval();
}

/// <summary>Tools: every tool with filters and search, keyset-paged by name, and bulk approve / disable / classify.</summary>
internal sealed class ToolsModel : AdminPageModel
{
    [BindProperty(SupportsGet = true)] public string? State { get; set; }

    [BindProperty(SupportsGet = true)] public string? Action { get; set; }

    [BindProperty(SupportsGet = true)] public string? Risk { get; set; }

    [BindProperty(SupportsGet = true)] public string? Group { get; set; }

    [BindProperty(SupportsGet = true)] public string? Lifecycle { get; set; }

    [BindProperty(SupportsGet = true)] public bool Missing { get; set; }

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }

    [BindProperty(SupportsGet = true)] public string? After { get; set; }

    public IReadOnlyList<ToolRow> Rows { get; private set; } = [];

    public int Total { get; private set; }

    public int PendingTotal { get; private set; }

    public int CatalogTotal { get; private set; }

    public string? NextAfter { get; private set; }

    public IReadOnlyList<string> Groups { get; private set; } = [];

    public IReadOnlyList<string> Lifecycles { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var state = await Governance.GetStateAsync(cancellationToken);
        var catalog = Console.Catalog;
        var granted = Console.GrantedScopes();
        ToolState? wanted;
        ToolRisk? risk;
        try
        {
            wanted = string.IsNullOrEmpty(State) ? null : GovernanceNames.ParseState(State);
            risk = string.IsNullOrEmpty(Risk) ? null : GovernanceNames.ParseRisk(Risk);
        }
        catch (GovernanceException ex)
        {
            TempData["Error"] = ex.Message;
            wanted = null;
            risk = null;
        }

        var size = Console.Options.ToolsPageSize;
        var rows = new List<ToolRow>(size);
        var total = 0;
        string? lastShown = null;
        var more = false;
        // state.Tools is sorted by name (ordinal): the page is the first rows after the cursor.
        foreach (var tool in state.Tools)
        {
            catalog.TryGetValue(tool.Name, out var d);
            if ((wanted is not null && tool.State != wanted)
                || (!string.IsNullOrEmpty(Action) && !string.Equals(tool.Action.ToString(), Action, StringComparison.OrdinalIgnoreCase))
                || (risk is not null && tool.Risk != risk)
                || (!string.IsNullOrEmpty(Group) && d?.GroupName != Group)
                || (!string.IsNullOrEmpty(Lifecycle) && d?.Lifecycle != Lifecycle)
                || (!string.IsNullOrEmpty(Q) && !Matches(tool, d, Q)))
            {
                continue;
            }

            var missing = Console.MissingScopes(tool.Name, granted);
            if (Missing && missing.Count == 0)
            {
                continue;
            }

            total++;
            if (After is not null && string.CompareOrdinal(tool.Name, After) <= 0)
            {
                continue;
            }

            if (rows.Count < size)
            {
                rows.Add(new ToolRow(tool, d, missing));
                lastShown = tool.Name;
            }
            else
            {
                more = true;
            }
        }

        Rows = rows;
        Total = total;
        NextAfter = more ? lastShown : null;
        PendingTotal = state.Tools.Count(t => t.State == ToolState.PendingReview);
        CatalogTotal = catalog.Count;
        Groups = catalog.Values.Select(d => d.GroupName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        Lifecycles = catalog.Values.Select(d => d.Lifecycle).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public Task<IActionResult> OnPostBulkAsync(string[]? names, string? op, string? risk, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            if (names is not { Length: > 0 })
            {
                throw new GovernanceException("select at least one tool");
            }

            var changed = op switch
            {
                "approve" => await Governance.ApproveAsync(names, Actor, cancellationToken),
                "disable" => await Governance.DisableAsync(names, Actor, cancellationToken),
                "classify" => await Governance.ClassifyAsync(names, GovernanceNames.ParseRisk(risk ?? ""), Actor, cancellationToken),
                _ => throw new GovernanceException($"unknown bulk action '{op}'"),
            };
            return $"{op}: {changed.Count} tool(s) changed{(changed.Count > 0 ? ": " + string.Join(", ", changed) : "")}";
        }, null, RouteWith(After));

    public Dictionary<string, string> RouteWith(string? after)
    {
        var route = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                route[key] = value;
            }
        }

        Add("state", State);
        Add("action", Action);
        Add("risk", Risk);
        Add("group", Group);
        Add("lifecycle", Lifecycle);
        Add("missing", Missing ? "true" : null);
        Add("q", Q);
        Add("after", after);
        return route;
    }

    private static bool Matches(GovernedTool tool, Auth0ToolDescriptor? d, string q) =>
        tool.Name.Contains(q, StringComparison.OrdinalIgnoreCase)
        || (d is not null && (d.Title.Contains(q, StringComparison.OrdinalIgnoreCase) || d.Path.Contains(q, StringComparison.OrdinalIgnoreCase)));
}
