using System;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Diff;

// The difference between two tool catalogues, as equatable records: what a spec update adds, removes, renames and
// changes. A tool is "changed" exactly when governance would see a new content hash for it (name, title, description,
// method, path, scopes, input schema), or its lifecycle, annotations or operation id moved (the operation id is one
// of the inputs of its default risk class); each change says whether it is breaking.

/// <summary>The catalogue difference between an old and a new spec.</summary>
/// <param name="Renamed">
/// Tools whose name changed while their operation stayed (the same method and path, path parameter names aside): each
/// pairs a tool only the old spec has with one only the new spec has, so neither is in <paramref name="Added"/> or
/// <paramref name="Removed"/>. Always breaking: calls by the old name fail.
/// </param>
internal sealed record CatalogDiff(
    CatalogSide Old,
    CatalogSide New,
    EquatableArray<ToolEntry> Added,
    EquatableArray<ToolEntry> Removed,
    EquatableArray<ToolChange> Renamed,
    EquatableArray<ToolChange> Changed)
{
    /// <summary>Changed tools (not renamed ones) with a breaking change.</summary>
    public int BreakingCount => Count(Changed, c => c.Breaking);

    /// <summary>Renamed and changed tools whose default risk class went up (<c>sensitive → dangerous</c>).</summary>
    public int RiskIncreasedCount => Count(Renamed, c => c.RiskIncreased) + Count(Changed, c => c.RiskIncreased);

    /// <summary>Renamed and changed tools whose default risk class went down.</summary>
    public int RiskDecreasedCount => Count(Renamed, c => c.RiskDecreased) + Count(Changed, c => c.RiskDecreased);

    public bool IsEmpty => Added.IsEmpty && Removed.IsEmpty && Renamed.IsEmpty && Changed.IsEmpty;

    private static int Count(EquatableArray<ToolChange> changes, Func<ToolChange, bool> predicate)
    {
        var count = 0;
        foreach (var change in changes)
        {
            if (predicate(change))
            {
                count++;
            }
        }

        return count;
    }
}

/// <summary>One side of the comparison: the spec's title, version and tool count.</summary>
internal sealed record CatalogSide(string Title, string Version, int ToolCount);

/// <summary>
/// A tool's default risk class as the caller's classifier names it (<c>none</c>, <c>sensitive</c>, <c>dangerous</c>:
/// the server passes governance's RiskClassifier, so the rule stays in one place), and its rank: higher is riskier.
/// </summary>
internal sealed record RiskClass(string Name, int Rank);

/// <summary>A tool as the diff names it: its identity, what decides its risk (<see cref="Action"/> as the binder derives it), and that risk.</summary>
internal sealed record ToolEntry(string Name, string Method, string Path, string OperationId, string Group, EquatableArray<string> Scopes, string Action, RiskClass Risk);

/// <summary>
/// A tool present in both catalogues whose surface changed: <see cref="Before"/> in the old spec, <see cref="Tool"/> in
/// the new. Their names differ for a renamed tool.
/// </summary>
internal sealed record ToolChange(ToolEntry Before, ToolEntry Tool, EquatableArray<ChangeItem> Changes)
{
    public bool Breaking
    {
        get
        {
            foreach (var change in Changes)
            {
                if (change.Breaking)
                {
                    return true;
                }
            }

            return false;
        }
    }

    public bool Renamed => !string.Equals(Before.Name, Tool.Name, StringComparison.Ordinal);

    public bool RiskIncreased => Tool.Risk.Rank > Before.Risk.Rank;

    public bool RiskDecreased => Tool.Risk.Rank < Before.Risk.Rank;
}

/// <summary>
/// One change to a tool. <see cref="Subject"/> is the argument path (<c>id</c>, <c>body.name</c>,
/// <c>body.items[]</c>) for argument changes and empty for tool-level ones.
/// </summary>
internal sealed record ChangeItem(ChangeKind Kind, string Subject, string Detail, bool Breaking);

/// <summary>What kind of change; the JSON form uses the kebab-case names from <see cref="ChangeKinds.Id"/>.</summary>
internal enum ChangeKind
{
    NameChanged,
    OperationIdChanged,
    MethodChanged,
    PathChanged,
    ScopesChanged,
    ArgumentAdded,
    ArgumentRemoved,
    ArgumentTypeChanged,
    ArgumentNowRequired,
    ArgumentNowOptional,
    EnumValuesRemoved,
    EnumValuesAdded,
    ConstraintChanged,
    SchemaChanged,
    DescriptionChanged,
    TitleChanged,
    LifecycleChanged,
    AnnotationsChanged,
}

/// <summary>Stable text ids for <see cref="ChangeKind"/>.</summary>
internal static class ChangeKinds
{
    public static string Id(ChangeKind kind) => kind switch
    {
        ChangeKind.NameChanged => "name-changed",
        ChangeKind.OperationIdChanged => "operation-id-changed",
        ChangeKind.MethodChanged => "method-changed",
        ChangeKind.PathChanged => "path-changed",
        ChangeKind.ScopesChanged => "scopes-changed",
        ChangeKind.ArgumentAdded => "argument-added",
        ChangeKind.ArgumentRemoved => "argument-removed",
        ChangeKind.ArgumentTypeChanged => "argument-type-changed",
        ChangeKind.ArgumentNowRequired => "argument-now-required",
        ChangeKind.ArgumentNowOptional => "argument-now-optional",
        ChangeKind.EnumValuesRemoved => "enum-values-removed",
        ChangeKind.EnumValuesAdded => "enum-values-added",
        ChangeKind.ConstraintChanged => "constraint-changed",
        ChangeKind.SchemaChanged => "schema-changed",
        ChangeKind.DescriptionChanged => "description-changed",
        ChangeKind.TitleChanged => "title-changed",
        ChangeKind.LifecycleChanged => "lifecycle-changed",
        ChangeKind.AnnotationsChanged => "annotations-changed",
        _ => kind.ToString(),
    };
}
