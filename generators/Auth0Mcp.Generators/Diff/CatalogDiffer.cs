using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Auth0Mcp.Generators.Binding;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Model;
using Auth0Mcp.Generators.Reading;

namespace Auth0Mcp.Generators.Diff;

/// <summary>The tools one spec yields (Read → Bind, no emit), or the diagnostics that stopped it.</summary>
internal sealed record SpecCatalog(string Title, string Version, EquatableArray<ToolModel> Tools);

/// <summary>
/// Compares the tool catalogues of two specs: tools matched by name; added, removed, renamed (a name only one side
/// has, for the same operation) and changed, with every change classified and each tool's default risk class taken
/// from the caller's classifier. Breaking means a call that was valid against the old tool can fail against the new
/// one: a new required argument, a removed argument, an incompatible type, a tightened constraint, a changed name,
/// method or path, or a changed scope requirement (the credential may lack the new scope).
/// </summary>
internal static class CatalogDiffer
{
    private const string DiffNamespace = "Auth0Mcp.CatalogDiff";

    // A path template's parameter names ("{id}", "{user_id}"): renaming one keeps the operation.
    private static readonly Regex PathParameter = new(@"\{[^}/]*\}", RegexOptions.CultureInvariant);

    /// <summary>Reads and binds one spec. Errors (bad JSON, not OpenAPI, binder errors) leave <c>Catalog</c> null.</summary>
    public static (SpecCatalog? Catalog, EquatableArray<DiagnosticInfo> Diagnostics) Load(string specText, string? groups = null)
    {
        var (document, readDiagnostics) = SpecReader.Read(specText);
        if (document is null || readDiagnostics.Any(d => d.Severity == Severity.Error))
        {
            return (null, readDiagnostics);
        }

        var (model, bindDiagnostics) = SpecBinder.Bind(document, new BindOptions(DiffNamespace, GeneratorOptions.ParseGroups(groups)));
        var all = readDiagnostics.Concat(bindDiagnostics).ToEquatableArray();
        return all.Any(d => d.Severity == Severity.Error)
            ? (null, all)
            : (new SpecCatalog(document.Title, document.Version, model.Tools), all);
    }

    /// <summary>
    /// The difference between two catalogues. <paramref name="classify"/> gives a tool's default risk class from the
    /// values governance classifies a descriptor by (path, name, operation id, scopes, action), as the tool model has them.
    /// </summary>
    public static CatalogDiff Compare(SpecCatalog oldCatalog, SpecCatalog newCatalog, Func<ToolModel, RiskClass> classify)
    {
        if (classify is null)
        {
            throw new ArgumentNullException(nameof(classify));
        }

        var oldTools = oldCatalog.Tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var newTools = newCatalog.Tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var onlyOld = oldCatalog.Tools.Where(t => !newTools.ContainsKey(t.Name)).ToList();
        var onlyNew = newCatalog.Tools.Where(t => !oldTools.ContainsKey(t.Name)).ToList();

        // A renamed tool: the one operation (method and path) that only the old spec names one way and only the new
        // spec names another. Anything ambiguous stays a removal and an addition.
        var oldByOperation = Unique(onlyOld);
        var newByOperation = Unique(onlyNew);
        var renamed = new List<ToolChange>();
        var pairedOld = new HashSet<string>(StringComparer.Ordinal);
        var pairedNew = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in oldByOperation.OrderBy(p => p.Value.Name, StringComparer.Ordinal))
        {
            if (newByOperation.TryGetValue(pair.Key, out var after))
            {
                renamed.Add(new ToolChange(Entry(pair.Value, classify), Entry(after, classify), CompareTool(pair.Value, after).ToEquatableArray()));
                pairedOld.Add(pair.Value.Name);
                pairedNew.Add(after.Name);
            }
        }

        var added = onlyNew.Where(t => !pairedNew.Contains(t.Name)).Select(t => Entry(t, classify)).OrderBy(e => e.Name, StringComparer.Ordinal).ToEquatableArray();
        var removed = onlyOld.Where(t => !pairedOld.Contains(t.Name)).Select(t => Entry(t, classify)).OrderBy(e => e.Name, StringComparer.Ordinal).ToEquatableArray();
        var changed = new List<ToolChange>();
        foreach (var tool in newCatalog.Tools.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (oldTools.TryGetValue(tool.Name, out var before))
            {
                // Every input of the risk class (path, name, operation id, scopes, method) is a change of its own, so a
                // tool whose risk class moved is always listed here.
                var changes = CompareTool(before, tool);
                if (changes.Count > 0)
                {
                    changed.Add(new ToolChange(Entry(before, classify), Entry(tool, classify), changes.ToEquatableArray()));
                }
            }
        }

        return new CatalogDiff(
            new CatalogSide(oldCatalog.Title, oldCatalog.Version, oldCatalog.Tools.Count),
            new CatalogSide(newCatalog.Title, newCatalog.Version, newCatalog.Tools.Count),
            added,
            removed,
            renamed.OrderBy(r => r.Tool.Name, StringComparer.Ordinal).ToEquatableArray(),
            changed.ToEquatableArray());
    }

    public static ToolEntry Entry(ToolModel tool, Func<ToolModel, RiskClass> classify) =>
        new(tool.Name, tool.Method, tool.Path, tool.OperationId, tool.GroupKey, tool.Scopes, tool.Action, classify(tool));

    /// <summary>The operation a tool calls, path parameter names aside: <c>DELETE /users/{}</c>.</summary>
    public static string Operation(ToolModel tool) => tool.Method + " " + PathParameter.Replace(tool.Path, "{}");

    // The tools by operation, leaving out operations that more than one of them has.
    private static Dictionary<string, ToolModel> Unique(List<ToolModel> tools) =>
        tools.GroupBy(Operation, StringComparer.Ordinal)
            .Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>Every change between two versions of one tool, tool-level first, then its arguments in schema order.</summary>
    public static List<ChangeItem> CompareTool(ToolModel before, ToolModel after)
    {
        var changes = new List<ChangeItem>();
        if (!string.Equals(before.Name, after.Name, StringComparison.Ordinal))
        {
            changes.Add(new ChangeItem(ChangeKind.NameChanged, "", $"{before.Name} → {after.Name}", true));
        }

        if (!string.Equals(before.OperationId, after.OperationId, StringComparison.Ordinal))
        {
            // Callers use the tool name, so this breaks nothing; it is an input of the default risk class.
            changes.Add(new ChangeItem(ChangeKind.OperationIdChanged, "", $"{before.OperationId} → {after.OperationId}", false));
        }

        if (!string.Equals(before.Method, after.Method, StringComparison.Ordinal))
        {
            changes.Add(new ChangeItem(ChangeKind.MethodChanged, "", $"{before.Method} → {after.Method}", true));
        }

        if (!string.Equals(before.Path, after.Path, StringComparison.Ordinal))
        {
            changes.Add(new ChangeItem(ChangeKind.PathChanged, "", $"{before.Path} → {after.Path}", true));
        }

        if (!before.Scopes.OrderBy(s => s, StringComparer.Ordinal).SequenceEqual(after.Scopes.OrderBy(s => s, StringComparer.Ordinal), StringComparer.Ordinal))
        {
            var gained = after.Scopes.Except(before.Scopes, StringComparer.Ordinal).ToList();
            var lost = before.Scopes.Except(after.Scopes, StringComparer.Ordinal).ToList();
            var parts = new List<string>();
            if (gained.Count > 0)
            {
                parts.Add("added " + string.Join(", ", gained));
            }

            if (lost.Count > 0)
            {
                parts.Add("removed " + string.Join(", ", lost));
            }

            // Any change to the scope requirement is breaking: a credential granted for the old list may not hold the new one.
            changes.Add(new ChangeItem(ChangeKind.ScopesChanged, "", string.Join("; ", parts), true));
        }

        changes.AddRange(InputSchemaComparer.Compare(before.InputSchema, after.InputSchema));

        if (!string.Equals(before.Title, after.Title, StringComparison.Ordinal))
        {
            changes.Add(new ChangeItem(ChangeKind.TitleChanged, "", $"'{before.Title}' → '{after.Title}'", false));
        }

        // The whole text (what auth0_describe_tool shows), not only the part tools/list keeps.
        if (!string.Equals(before.FullDescription ?? before.Description, after.FullDescription ?? after.Description, StringComparison.Ordinal))
        {
            changes.Add(new ChangeItem(ChangeKind.DescriptionChanged, "", "the tool description changed", false));
        }

        if (!string.Equals(before.Lifecycle, after.Lifecycle, StringComparison.Ordinal))
        {
            changes.Add(new ChangeItem(ChangeKind.LifecycleChanged, "", $"{before.Lifecycle} → {after.Lifecycle}", false));
        }

        if (before.ReadOnly != after.ReadOnly || before.Destructive != after.Destructive || before.Idempotent != after.Idempotent || before.Action != after.Action)
        {
            changes.Add(new ChangeItem(
                ChangeKind.AnnotationsChanged,
                "",
                $"{Hints(before)} → {Hints(after)}",
                false));
        }

        return changes;
    }

    private static string Hints(ToolModel t) =>
        $"{t.Action}{(t.ReadOnly ? " readOnly" : "")}{(t.Destructive ? " destructive" : "")}{(t.Idempotent ? " idempotent" : "")}";
}
