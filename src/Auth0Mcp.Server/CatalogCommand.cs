using System.CommandLine;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Diff;

namespace Auth0Mcp.Server;

/// <summary>
/// <c>auth0-mcp catalog diff OLD_SPEC NEW_SPEC [--json] [--groups a;b] [--fail-on-breaking]</c>: the tools that a spec
/// update adds, removes and changes, with breaking changes marked. Reads both specs with the generation core
/// (Read → Bind, nothing emitted or compiled), so it works for any two spec files, pinned or not.
/// Exit codes: 0 done, 1 a spec could not be read (missing, not JSON, not OpenAPI), 2 bad usage,
/// 3 breaking changes found and <c>--fail-on-breaking</c> given.
/// </summary>
internal static class CatalogCommand
{
    /// <summary>What a running server does with the new catalogue (printed with every diff, and in docs/spec-updates.md).</summary>
    public const string GovernanceNote =
        "A running server re-syncs its governance store with the new catalogue when it starts: added tools take the " +
        "default state (pending review unless changed with 'defaults set'), removed tools become Removed (calls are " +
        "denied), and a tool whose title, description, method, path, scopes or input schema changed gets a new content " +
        "hash, so an approval no longer holds and it returns to pending review until an admin approves it again; a change " +
        "of lifecycle or annotations alone keeps the approval. 'auth0-mcp tools list' shows each tool's state.";

    /// <summary><c>catalog list [--json]</c> and <c>catalog diff OLD_SPEC NEW_SPEC [--json] [--groups a;b] [--fail-on-breaking]</c>.</summary>
    public static Command Command(CliContext context)
    {
        var listJson = new Option<bool>("--json") { Description = "Print JSON: each tool's MCP surface and governance metadata." };
        var list = new Command("list", "Print the generated tool catalogue (no store, no credentials).") { listJson };
        list.SetAction(parse => ToolsCommand.List(context.Catalog, parse.GetValue(listJson), context.Out));

        var oldSpec = new Argument<string>("old-spec") { Description = "The spec before (a file)." };
        var newSpec = new Argument<string>("new-spec") { Description = "The spec after (a file)." };
        var json = new Option<bool>("--json") { Description = "Print JSON: { old, new, summary, added[], removed[], changed[], governance }." };
        var groups = new Option<string>("--groups") { Description = "Only these tag groups (semicolon-separated), as the generator's Auth0McpGroups.", HelpName = "a;b" };
        var failOnBreaking = new Option<bool>("--fail-on-breaking") { Description = "Exit 3 when anything breaks (a CI gate)." };
        var diff = new Command("diff", "Tools added, removed and changed between two specs (breaking changes marked). Exit 1: a spec could not be read; 3: breaking changes with --fail-on-breaking.")
        {
            oldSpec, newSpec, json, groups, failOnBreaking,
        };
        diff.SetAction(parse => Diff(parse.GetRequiredValue(oldSpec), parse.GetRequiredValue(newSpec), parse.GetValue(json), parse.GetValue(groups), parse.GetValue(failOnBreaking), context));
        return new Command("catalog", "The generated tool catalogue, and what a spec update changes in it.") { list, diff };
    }

    private static int Diff(string oldPath, string newPath, bool json, string? groups, bool failOnBreaking, CliContext context)
    {
        var before = Load(oldPath, groups, context.Error);
        var after = Load(newPath, groups, context.Error);
        if (before is null || after is null)
        {
            return 1;
        }

        if (!string.IsNullOrWhiteSpace(groups) && before.Tools.Count == 0 && after.Tools.Count == 0)
        {
            // A misspelt group would make a CI gate pass with nothing compared.
            context.Error.WriteLine($"auth0-mcp: catalog diff: --groups '{Auth0Mcp.Sdk.Governance.TerminalText.Escape(groups)}' matches no operation in either spec (the groups are the spec's x-operation-group values, e.g. users;roles).");
            return 2;
        }

        var diff = CatalogDiffer.Compare(before, after);
        context.Out.Write(json ? ToJson(diff, oldPath, newPath) : ToText(diff, oldPath, newPath));
        return failOnBreaking && Breaking(diff) > 0 ? 3 : 0;
    }

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
                stderr.WriteLine($"{path}({d.Line},{d.Column}): error {d.Id}: {d.Message}");
            }
        }

        if (catalog is null)
        {
            stderr.WriteLine($"auth0-mcp: catalog diff: '{path}' is not a usable OpenAPI spec (see the errors above).");
        }

        return catalog;
    }

    /// <summary>How many tools the update breaks: every removed tool, and each changed one with a breaking change.</summary>
    private static int Breaking(CatalogDiff diff) => diff.BreakingCount + diff.Removed.Count;

    /// <summary>The human form: a summary, then added (+), removed (-) and changed (~) tools; breaking changes marked '!'.</summary>
    public static string ToText(CatalogDiff diff, string oldPath, string newPath)
    {
        var sb = new StringBuilder();
        sb.AppendLine("Tool catalogue diff");
        sb.AppendLine($"  old: {Path.GetFileName(oldPath)} ({diff.Old.Title} {diff.Old.Version}): {diff.Old.ToolCount} tools");
        sb.AppendLine($"  new: {Path.GetFileName(newPath)} ({diff.New.Title} {diff.New.Version}): {diff.New.ToolCount} tools");
        sb.AppendLine($"  {diff.Added.Count} added, {diff.Removed.Count} removed, {diff.Changed.Count} changed; {Breaking(diff)} breaking (every removed tool, and {diff.BreakingCount} changed)");
        sb.AppendLine();
        sb.AppendLine($"Added ({diff.Added.Count})");
        foreach (var t in diff.Added)
        {
            sb.AppendLine($"  + {t.Name,-64} {t.Method,-6} {t.Path}");
        }

        sb.AppendLine();
        sb.AppendLine($"Removed ({diff.Removed.Count})");
        foreach (var t in diff.Removed)
        {
            sb.AppendLine($"  - {t.Name,-64} {t.Method,-6} {t.Path}  BREAKING");
        }

        sb.AppendLine();
        sb.AppendLine($"Changed ({diff.Changed.Count})");
        foreach (var c in diff.Changed)
        {
            sb.AppendLine($"  ~ {c.Tool.Name,-64} {c.Tool.Method,-6} {c.Tool.Path}{(c.Breaking ? "  BREAKING" : "")}");
            foreach (var item in c.Changes)
            {
                var subject = item.Subject.Length > 0 ? " " + item.Subject : "";
                sb.AppendLine($"      {(item.Breaking ? "!" : "·")} {ChangeKinds.Id(item.Kind)}{subject}: {item.Detail}");
            }
        }

        sb.AppendLine();
        sb.AppendLine("'!' marks a breaking change: a call valid before may now fail (new required argument, removed argument,");
        sb.AppendLine("incompatible type, tightened constraint, changed method or path, changed scopes). Removed tools are breaking.");
        sb.AppendLine(GovernanceNote);
        return sb.ToString();
    }

    /// <summary>The machine form: <c>{ old, new, summary, added[], removed[], changed[], governance }</c>.</summary>
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
            w.WriteNumber("breaking", Breaking(diff));
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
            w.WriteStartArray("changed");
            foreach (var c in diff.Changed)
            {
                w.WriteStartObject();
                WriteTool(w, c.Tool);
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

            w.WriteEndArray();
            w.WriteString("governance", GovernanceNote);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + Environment.NewLine;
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
    }
}
