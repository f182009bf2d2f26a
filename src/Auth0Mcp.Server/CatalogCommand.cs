using System.CommandLine;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Generators;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Diff;
using Auth0Mcp.Generators.Model;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Server;

/// <summary>
/// <c>auth0-mcp catalog diff OLD_SPEC NEW_SPEC [--json] [--groups a;b] [--fail-on-breaking] [--fail-on-risk-increase]</c>:
/// the tools that a spec update adds, removes, renames and changes, with breaking changes marked and each tool's
/// default risk class (governance's <see cref="RiskClassifier"/>, the rule a server applies at start) before and after.
/// Reads both specs with the generation core (Read → Bind, nothing emitted or compiled), so it works for any two spec
/// files, pinned or not. Exit codes: 0 done, 1 a spec could not be read (missing, not JSON, not OpenAPI), 2 bad usage,
/// 3 breaking changes found and <c>--fail-on-breaking</c> given, 4 a tool's risk class went up and
/// <c>--fail-on-risk-increase</c> given (3 wins when both apply).
/// </summary>
internal static class CatalogCommand
{
    /// <summary>What a running server does with the new catalogue (printed with every diff, and in docs/spec-updates.md).</summary>
    public const string GovernanceNote =
        "A running server re-syncs its governance store with the new catalogue when it starts: added tools take the " +
        "default state (pending review unless changed with 'defaults set'), removed tools become Removed (calls are " +
        "denied), and a tool whose title, description, method, path, scopes or input schema changed gets a new content " +
        "hash, so an approval no longer holds and it returns to pending review until an admin approves it again; a change " +
        "of lifecycle, annotations or operation id alone keeps the approval, unless it raises the tool's risk class: the class is derived again at " +
        "start (unless an admin set it with 'tools classify'), and a tool whose class rose above the one it was approved at returns to pending review. " +
        "'auth0-mcp tools list' shows each tool's state and risk.";

    /// <summary>How the diff explains risk classes (printed with every text diff, and in docs/spec-updates.md).</summary>
    public const string RiskNote =
        "Risk is the default class governance derives for a tool when a server starts (none, sensitive, dangerous; from its " +
        "path, name, operation id, scopes and action); a class an admin set with 'tools classify' is kept. 'RISK UP' marks a " +
        "renamed or changed tool whose class went up (--fail-on-risk-increase exits 4 for it); added tools are listed with their class.";

    /// <summary><c>catalog list [--json]</c> and <c>catalog diff OLD_SPEC NEW_SPEC [--json] [--groups a;b] [--fail-on-breaking] [--fail-on-risk-increase]</c>.</summary>
    public static Command Command(CliContext context)
    {
        var listJson = new Option<bool>("--json") { Description = "Print JSON: each tool's MCP surface and governance metadata." };
        var list = new Command("list", "Print the generated tool catalogue (no store, no credentials).") { listJson };
        list.SetAction(parse => ToolsCommand.List(context.Catalog, parse.GetValue(listJson), context.Out));

        var oldSpec = new Argument<string>("old-spec") { Description = "The spec before (a file)." };
        var newSpec = new Argument<string>("new-spec") { Description = "The spec after (a file)." };
        var json = new Option<bool>("--json") { Description = "Print JSON: { old, new, summary, added[], removed[], renamed[], changed[], governance }; every tool has its risk, renamed and changed ones riskBefore/riskAfter." };
        var groups = new Option<string>("--groups") { Description = "Only these tag groups (semicolon-separated), as the generator's Auth0McpGroups.", HelpName = "a;b" };
        var failOnBreaking = new Option<bool>("--fail-on-breaking") { Description = "Exit 3 when anything breaks: a removed or renamed tool, or a breaking change (a CI gate)." };
        var failOnRiskIncrease = new Option<bool>("--fail-on-risk-increase") { Description = "Exit 4 when a renamed or changed tool's risk class goes up, e.g. sensitive → dangerous (a CI gate; 3 wins with --fail-on-breaking)." };
        var diff = new Command("diff", "Tools added, removed, renamed and changed between two specs, breaking changes marked, each tool's risk class (none, sensitive, dangerous) before and after. Exit 1: a spec could not be read; 3: breaking changes with --fail-on-breaking; 4: a risk class went up with --fail-on-risk-increase.")
        {
            oldSpec, newSpec, json, groups, failOnBreaking, failOnRiskIncrease,
        };
        diff.SetAction(parse => Diff(
            parse.GetRequiredValue(oldSpec),
            parse.GetRequiredValue(newSpec),
            parse.GetValue(json),
            parse.GetValue(groups),
            parse.GetValue(failOnBreaking),
            parse.GetValue(failOnRiskIncrease),
            context));
        return new Command("catalog", "The generated tool catalogue, and what a spec update changes in it.") { list, diff };
    }

    private static int Diff(string oldPath, string newPath, bool json, string? groups, bool failOnBreaking, bool failOnRiskIncrease, CliContext context)
    {
        var before = Load(oldPath, groups, context.Error);
        var after = Load(newPath, groups, context.Error);
        if (before is null || after is null)
        {
            return 1;
        }

        // A misspelt group, alone or beside others, would make a CI gate pass with that group never compared.
        var unmatched = GeneratorOptions.ParseGroups(groups)
            .Where(g => !before.Tools.Concat(after.Tools).Any(t => InGroup(t.GroupKey, g)))
            .ToList();
        if (unmatched.Count > 0)
        {
            var names = TerminalText.Escape(string.Join(";", unmatched));
            context.Error.WriteLine($"auth0-mcp: catalog diff: --groups '{names}' {(unmatched.Count == 1 ? "matches" : "match")} no operation in either spec (the groups are the spec's x-operation-group values, e.g. users;roles).");
            return 2;
        }

        var diff = CatalogDiffer.Compare(before, after, Risk);
        context.Out.Write(json ? ToJson(diff, oldPath, newPath) : ToText(diff, oldPath, newPath));
        return failOnBreaking && Breaking(diff) > 0 ? 3
            : failOnRiskIncrease && diff.RiskIncreasedCount > 0 ? 4
            : 0;
    }

    /// <summary>
    /// A spec tool's default risk class, by governance's own rule (<see cref="RiskClassifier"/>) on the values its
    /// generated descriptor carries: the binder's name, path, operation id and scopes, and its action, which the
    /// emitter writes as <c>Auth0ToolAction.{Action}</c>.
    /// </summary>
    internal static RiskClass Risk(ToolModel tool)
    {
        var action = Enum.Parse<Auth0ToolAction>(tool.Action);
        return RiskClasses[(int)RiskClassifier.Classify(tool.Path, tool.Name, tool.OperationId, tool.Scopes, action)];
    }

    // ToolRisk is declared from least to most harmful (None, Sensitive, Dangerous): its value is the rank.
    private static readonly RiskClass[] RiskClasses =
        [.. Enum.GetValues<ToolRisk>().Select(r => new RiskClass(r.ToString().ToLowerInvariant(), (int)r))];

    private static SpecCatalog? Load(string path, string? groups, TextWriter stderr)
    {
        if (!File.Exists(path))
        {
            stderr.WriteLine($"auth0-mcp: catalog diff: the spec '{path}' does not exist.");
            return null;
        }

        var text = File.ReadAllText(path);
        var (catalog, diagnostics) = CatalogDiffer.Load(text, groups);
        foreach (var info in diagnostics)
        {
            if (info.Severity == Severity.Error)
            {
                var d = SpecLocator.Locate(info, text);
                stderr.WriteLine(TerminalText.Escape($"{path}({d.Line},{d.Column}): error {d.Id}: {d.Message}"));
            }
        }

        if (catalog is null)
        {
            stderr.WriteLine($"auth0-mcp: catalog diff: '{path}' is not a usable OpenAPI spec (see the errors above).");
        }

        return catalog;
    }

    // As the binder selects: the group's first part, or the whole dotted group (organizations.members).
    private static bool InGroup(string groupKey, string group) =>
        string.Equals(groupKey, group, StringComparison.OrdinalIgnoreCase)
        || (groupKey.StartsWith(group, StringComparison.OrdinalIgnoreCase) && groupKey.Length > group.Length && groupKey[group.Length] == '.');

    /// <summary>How many tools the update breaks: every removed and renamed tool, and each changed one with a breaking change.</summary>
    private static int Breaking(CatalogDiff diff) => diff.BreakingCount + diff.Removed.Count + diff.Renamed.Count;

    // "sensitive", or "sensitive → dangerous" when it moved.
    private static string RiskText(ToolChange c) =>
        c.Before.Risk == c.Tool.Risk ? c.Tool.Risk.Name : $"{c.Before.Risk.Name} → {c.Tool.Risk.Name}";

    private static string RiskMark(ToolChange c) => c.RiskIncreased ? "  RISK UP" : c.RiskDecreased ? "  risk down" : "";

    private static string RiskDirection(ToolChange c) => c.RiskIncreased ? "increased" : c.RiskDecreased ? "decreased" : "unchanged";

    // "3 none, 1 sensitive, 2 dangerous".
    private static string ByRisk(EquatableArray<ToolEntry> tools) =>
        string.Join(", ", RiskClasses.Select(r => $"{tools.Count(t => t.Risk == r)} {r.Name}"));

    /// <summary>
    /// The human form: a summary, the risk class changes, then added (+), removed (-), renamed (&gt;) and changed (~)
    /// tools with their risk class; breaking changes marked '!', risk increases 'RISK UP'.
    /// </summary>
    public static string ToText(CatalogDiff diff, string oldPath, string newPath)
    {
        var sb = new StringBuilder();
        sb.AppendLine("Tool catalogue diff");
        Line(sb, $"  old: {Path.GetFileName(oldPath)} ({diff.Old.Title} {diff.Old.Version}): {diff.Old.ToolCount} tools");
        Line(sb, $"  new: {Path.GetFileName(newPath)} ({diff.New.Title} {diff.New.Version}): {diff.New.ToolCount} tools");
        Line(sb, $"  {diff.Added.Count} added, {diff.Removed.Count} removed, {diff.Changed.Count} changed, {diff.Renamed.Count} renamed; {Breaking(diff)} breaking (every removed and renamed tool, and {diff.BreakingCount} changed)");
        Line(sb, $"  risk: {diff.RiskIncreasedCount} up, {diff.RiskDecreasedCount} down; added tools: {ByRisk(diff.Added)}; removed tools: {ByRisk(diff.Removed)}");
        sb.AppendLine();

        var moved = diff.Renamed.Concat(diff.Changed).Where(c => c.RiskIncreased || c.RiskDecreased)
            .OrderBy(c => c.RiskIncreased ? 0 : 1).ThenBy(c => c.Tool.Name, StringComparer.Ordinal).ToList();
        Line(sb, $"Risk class changes ({moved.Count}: {diff.RiskIncreasedCount} up, {diff.RiskDecreasedCount} down)");
        foreach (var c in moved)
        {
            Line(sb, $"  {(c.RiskIncreased ? "▲" : "▼")} {c.Tool.Name,-64} {RiskText(c),-21} {c.Tool.Method,-6} {c.Tool.Path}{RiskMark(c)}");
        }

        sb.AppendLine();
        Line(sb, $"Added ({diff.Added.Count})");
        foreach (var t in diff.Added)
        {
            Line(sb, $"  + {t.Name,-64} {t.Risk.Name,-9} {t.Method,-6} {t.Path}");
        }

        sb.AppendLine();
        Line(sb, $"Removed ({diff.Removed.Count})");
        foreach (var t in diff.Removed)
        {
            Line(sb, $"  - {t.Name,-64} {t.Risk.Name,-9} {t.Method,-6} {t.Path}  BREAKING");
        }

        sb.AppendLine();
        Line(sb, $"Renamed ({diff.Renamed.Count})");
        AppendChanges(sb, diff.Renamed, '>');

        sb.AppendLine();
        Line(sb, $"Changed ({diff.Changed.Count})");
        AppendChanges(sb, diff.Changed, '~');

        sb.AppendLine();
        sb.AppendLine("'!' marks a breaking change: a call valid before may now fail (new required argument, removed argument,");
        sb.AppendLine("incompatible type, tightened constraint, changed name, method or path, changed scopes). Removed and renamed tools are breaking.");
        sb.AppendLine(RiskNote);
        sb.AppendLine(GovernanceNote);
        return sb.ToString();
    }

    private static void AppendChanges(StringBuilder sb, EquatableArray<ToolChange> changes, char mark)
    {
        foreach (var c in changes)
        {
            Line(sb, $"  {mark} {c.Tool.Name,-64} {RiskText(c),-9} {c.Tool.Method,-6} {c.Tool.Path}{RiskMark(c)}{(c.Breaking ? "  BREAKING" : "")}");
            foreach (var item in c.Changes)
            {
                var subject = item.Subject.Length > 0 ? " " + item.Subject : "";
                // A detail quotes JSON as the spec wrote it (a pattern's "\\s", a const): its backslashes are shown
                // as they are, and only unprintable characters escaped (\u000d), so a regex reads as the spec's.
                sb.AppendLine(TerminalText.EscapeJsonLine($"      {(item.Breaking ? "!" : "·")} {ChangeKinds.Id(item.Kind)}{subject}: {item.Detail}"));
            }
        }
    }

    // One line of the text form, escaped: a spec's summary, title, path or enum value holding a line break or an escape
    // sequence must not add a line to the diff, or clear one (a breaking change hidden behind \r\e[2K).
    private static void Line(StringBuilder sb, string text) => sb.AppendLine(TerminalText.Escape(text));

    /// <summary>The machine form: <c>{ old, new, summary, added[], removed[], renamed[], changed[], governance }</c>.</summary>
    public static string ToJson(CatalogDiff diff, string oldPath, string newPath)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            WriteSide(w, "old", diff.Old, oldPath);
            WriteSide(w, "new", diff.New, newPath);
            w.WriteStartObject("summary");
            w.WriteNumber("added", diff.Added.Count);
            w.WriteNumber("removed", diff.Removed.Count);
            w.WriteNumber("changed", diff.Changed.Count);
            w.WriteNumber("renamed", diff.Renamed.Count);
            w.WriteNumber("breaking", Breaking(diff));
            w.WriteNumber("riskIncreased", diff.RiskIncreasedCount);
            w.WriteNumber("riskDecreased", diff.RiskDecreasedCount);
            WriteByRisk(w, "addedByRisk", diff.Added);
            WriteByRisk(w, "removedByRisk", diff.Removed);
            w.WriteEndObject();

            w.WriteStartArray("added");
            foreach (var t in diff.Added)
            {
                w.WriteStartObject();
                WriteTool(w, t);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("removed");
            foreach (var t in diff.Removed)
            {
                w.WriteStartObject();
                WriteTool(w, t);
                w.WriteBoolean("breaking", true);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("renamed");
            foreach (var c in diff.Renamed)
            {
                WriteChange(w, c);
            }

            w.WriteEndArray();
            w.WriteStartArray("changed");
            foreach (var c in diff.Changed)
            {
                WriteChange(w, c);
            }

            w.WriteEndArray();
            w.WriteString("governance", GovernanceNote);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + Environment.NewLine;
    }

    // A renamed or changed tool: the tool as the new spec has it (renamedFrom: its old name), its risk class before
    // and after, and every change.
    private static void WriteChange(Utf8JsonWriter w, ToolChange c)
    {
        w.WriteStartObject();
        WriteTool(w, c.Tool);
        if (c.Renamed)
        {
            w.WriteString("renamedFrom", c.Before.Name);
        }

        w.WriteString("riskBefore", c.Before.Risk.Name);
        w.WriteString("riskAfter", c.Tool.Risk.Name);
        w.WriteString("riskChange", RiskDirection(c));
        w.WriteBoolean("breaking", c.Breaking);
        w.WriteStartArray("changes");
        foreach (var item in c.Changes)
        {
            w.WriteStartObject();
            w.WriteString("kind", ChangeKinds.Id(item.Kind));
            w.WriteString("subject", item.Subject);
            w.WriteString("detail", item.Detail);
            w.WriteBoolean("breaking", item.Breaking);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteByRisk(Utf8JsonWriter w, string name, EquatableArray<ToolEntry> tools)
    {
        w.WriteStartObject(name);
        foreach (var r in RiskClasses)
        {
            w.WriteNumber(r.Name, tools.Count(t => t.Risk == r));
        }

        w.WriteEndObject();
    }

    private static void WriteSide(Utf8JsonWriter w, string name, CatalogSide side, string path)
    {
        w.WriteStartObject(name);
        w.WriteString("spec", path);
        w.WriteString("title", side.Title);
        w.WriteString("version", side.Version);
        w.WriteNumber("tools", side.ToolCount);
        w.WriteEndObject();
    }

    private static void WriteTool(Utf8JsonWriter w, ToolEntry t)
    {
        w.WriteString("name", t.Name);
        w.WriteString("method", t.Method);
        w.WriteString("path", t.Path);
        w.WriteString("operationId", t.OperationId);
        w.WriteString("group", t.Group);
        w.WriteStartArray("scopes");
        foreach (var scope in t.Scopes)
        {
            w.WriteStringValue(scope);
        }

        w.WriteEndArray();
        w.WriteString("action", t.Action);
        w.WriteString("risk", t.Risk.Name);
    }
}
