using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Mvc;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>One tool: description, schema, scopes, annotations, history, and the diff since its approval.</summary>
internal sealed class ToolModel : AdminPageModel
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    [BindProperty(SupportsGet = true)] public string Name { get; set; } = "";

    public GovernedTool? Tool { get; private set; }

    public Auth0ToolDescriptor? Descriptor { get; private set; }

    /// <summary>The console's catalogue has this tool at another version than the store governs (its details not shown).</summary>
    public bool OtherVersion { get; private set; }

    public IReadOnlyList<string> Toolsets { get; private set; } = [];

    public IReadOnlyList<string> Missing { get; private set; } = [];

    public IReadOnlyList<AuditEntry> History { get; private set; } = [];

    /// <summary>The first reading of the audit is still going: how far it is (the history and the diff are not shown).</summary>
    public AuditIndexing? Indexing { get; private set; }

    public IReadOnlyList<ArgumentRule> Rules { get; private set; } = [];

    /// <summary>How this tool's calls are confirmed one by one, and by which rule (null: per-call approval is off).</summary>
    public (CallApprovalMode Mode, string Rule)? CallApproval { get; private set; }

    public IReadOnlyList<DiffLine>? Diff { get; private set; }

    public string Schema { get; private set; } = "";

    public bool Changed => Tool?.ChangedSinceApproval() == true;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var state = await Governance.GetStateAsync(cancellationToken);
        Tool = state.FindTool(Name);
        if (Tool is null)
        {
            return NotFound();
        }

        // The console's description of the tool only when it is the version the store governs (an approval binds to the
        // store's version): on a store another catalogue synced, the page says so instead of showing another version.
        var d = ToolGovernance.GovernedVersion(Console.Catalog, Tool, out var other);
        Descriptor = d;
        OtherVersion = other is not null;
        Toolsets = ToolGovernance.ToolsetsOf(state, Tool);
        Missing = d is null ? [] : Console.MissingScopes(Name, Console.GrantedScopes());
        Rules = Console.RulesFor(Name);
        CallApproval = Console.CallApprovals?.Describe(state, Tool);
        Schema = d is null ? "" : JsonNode.Parse(d.InputSchema)?.ToJsonString(Indented) ?? d.InputSchema;
        Indexing = await Console.Audit.CatchUpAsync(cancellationToken);
        if (Indexing is not null)
        {
            return Page();
        }

        History = Console.Audit.ForTool(Name, 100);
        if (Changed && Tool.ApprovedHash != Tool.ContentHash
            && Console.Audit.ContentSequence(Name, Tool.ApprovedHash!) is { } approvedSeq
            && Console.Audit.ContentSequence(Name, Tool.ContentHash) is { } currentSeq
            && await Console.Audit.ReadAsync(approvedSeq, cancellationToken) is { Details: { } approved }
            && await Console.Audit.ReadAsync(currentSeq, cancellationToken) is { Details: { } current })
        {
            Diff = ToolDiff.Lines(approved, current);
        }

        return Page();
    }

    public Task<IActionResult> OnPostApproveAsync(CancellationToken cancellationToken) =>
        ChangeAsync(async () => $"approved {(await Governance.ApproveAsync([Name], Actor, cancellationToken)).Count} tool(s)", null, new { name = Name });

    public Task<IActionResult> OnPostDisableAsync(CancellationToken cancellationToken) =>
        ChangeAsync(async () => $"disabled {(await Governance.DisableAsync([Name], Actor, cancellationToken)).Count} tool(s)", null, new { name = Name });

    public Task<IActionResult> OnPostClassifyAsync(string? risk, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            var value = GovernanceNames.ParseRisk(risk ?? "");
            await Governance.ClassifyAsync([Name], value, Actor, cancellationToken);
            return $"risk set to {value}";
        }, null, new { name = Name });
}
