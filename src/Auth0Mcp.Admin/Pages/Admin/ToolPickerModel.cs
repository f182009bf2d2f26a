using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>The tool picker partial: checkboxes named <c>tools</c> (filterable by script) and a <c>patterns</c> field.</summary>
internal sealed record ToolPickerModel(string Id, string Legend, IReadOnlyList<GovernedTool> Tools)
{
    /// <summary>The picked names and globs.</summary>
    public static List<string> Picked(string[]? tools, string? patterns) =>
        [.. (tools ?? []).Concat(AdminConsole.Split(patterns)).Distinct(StringComparer.Ordinal)];
}
