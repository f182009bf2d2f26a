using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Diff;

// The difference between two tool catalogues, as equatable records: what a spec update adds, removes and changes.
// A tool is "changed" exactly when governance would see a new content hash for it (name, title, description,
// method, path, scopes, input schema) or its lifecycle/annotations moved; each change says whether it is breaking.

/// <summary>The catalogue difference between an old and a new spec.</summary>
internal sealed record CatalogDiff(
    CatalogSide Old,
    CatalogSide New,
    EquatableArray<ToolEntry> Added,
    EquatableArray<ToolEntry> Removed,
    EquatableArray<ToolChange> Changed)
{
    public int BreakingCount
    {
        get
        {
            var count = 0;
            foreach (var change in Changed)
            {
                if (change.Breaking)
                {
                    count++;
                }
            }

            return count;
        }
    }

    public bool IsEmpty => Added.IsEmpty && Removed.IsEmpty && Changed.IsEmpty;
}

/// <summary>One side of the comparison: the spec's title, version and tool count.</summary>
internal sealed record CatalogSide(string Title, string Version, int ToolCount);

/// <summary>A tool as the diff names it.</summary>
internal sealed record ToolEntry(string Name, string Method, string Path, string OperationId, string Group, EquatableArray<string> Scopes);

/// <summary>A tool present in both catalogues whose surface changed.</summary>
internal sealed record ToolChange(ToolEntry Tool, EquatableArray<ChangeItem> Changes)
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
}

/// <summary>
/// One change to a tool. <see cref="Subject"/> is the argument path (<c>id</c>, <c>body.name</c>,
/// <c>body.items[]</c>) for argument changes and empty for tool-level ones.
/// </summary>
internal sealed record ChangeItem(ChangeKind Kind, string Subject, string Detail, bool Breaking);

/// <summary>What kind of change; the JSON form uses the kebab-case names from <see cref="ChangeKinds.Id"/>.</summary>
internal enum ChangeKind
{
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
