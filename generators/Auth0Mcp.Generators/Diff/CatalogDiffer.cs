using System;
using System.Collections.Generic;
using System.Linq;
using Auth0Mcp.Generators.Binding;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Model;
using Auth0Mcp.Generators.Reading;

namespace Auth0Mcp.Generators.Diff;

/// <summary>The tools one spec yields (Read → Bind, no emit), or the diagnostics that stopped it.</summary>
internal sealed record SpecCatalog(string Title, string Version, EquatableArray<ToolModel> Tools);

/// <summary>
/// Compares the tool catalogues of two specs: tools matched by name; added, removed, and changed with every change
/// classified. Breaking means a call that was valid against the old tool can fail against the new one: a new
/// required argument, a removed argument, an incompatible type, a tightened constraint, a changed method or path,
/// or a changed scope requirement (the credential may lack the new scope).
/// </summary>
internal static class CatalogDiffer
{
    private const string DiffNamespace = "Auth0Mcp.CatalogDiff";

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

    public static CatalogDiff Compare(SpecCatalog oldCatalog, SpecCatalog newCatalog)
    {
        var oldTools = oldCatalog.Tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var newTools = newCatalog.Tools.ToDictionary(t => t.Name, StringComparer.Ordinal);

        var added = newCatalog.Tools.Where(t => !oldTools.ContainsKey(t.Name)).Select(Entry).OrderBy(e => e.Name, StringComparer.Ordinal).ToEquatableArray();
        var removed = oldCatalog.Tools.Where(t => !newTools.ContainsKey(t.Name)).Select(Entry).OrderBy(e => e.Name, StringComparer.Ordinal).ToEquatableArray();
        var changed = new List<ToolChange>();
        foreach (var tool in newCatalog.Tools.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (oldTools.TryGetValue(tool.Name, out var before))
            {
                var changes = CompareTool(before, tool);
                if (changes.Count > 0)
                {
                    changed.Add(new ToolChange(Entry(tool), changes.ToEquatableArray()));
                }
            }
        }

        return new CatalogDiff(
            new CatalogSide(oldCatalog.Title, oldCatalog.Version, oldCatalog.Tools.Count),
            new CatalogSide(newCatalog.Title, newCatalog.Version, newCatalog.Tools.Count),
            added,
            removed,
            changed.ToEquatableArray());
    }

    public static ToolEntry Entry(ToolModel tool) =>
        new(tool.Name, tool.Method, tool.Path, tool.OperationId, tool.GroupKey, tool.Scopes);

    /// <summary>Every change between two versions of one tool, tool-level first, then its arguments in schema order.</summary>
    public static List<ChangeItem> CompareTool(ToolModel before, ToolModel after)
    {
        var changes = new List<ChangeItem>();
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

        if (!string.Equals(before.Description, after.Description, StringComparison.Ordinal))
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
