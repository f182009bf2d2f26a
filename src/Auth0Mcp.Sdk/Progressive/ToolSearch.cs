using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Progressive.Search;

namespace Auth0Mcp.Sdk.Progressive;

/// <summary>One search hit.</summary>
/// <param name="Tool">The tool.</param>
/// <param name="Score">The BM25F relevance of the tool to the query; higher is better (0 for a blank query).</param>
/// <param name="MatchedAll">Whether every query word that some tool has matched this tool (directly or through the vocabulary).</param>
internal sealed record ToolSearchHit(Auth0ToolDescriptor Tool, double Score, bool MatchedAll);

/// <summary>
/// Progressive search over the tools a caller may call: a BM25F ranking with stemming and the Auth0 vocabulary
/// (<see cref="ToolSearchIndex"/>), filtered by group and action. One index of every tool searched so far (the
/// catalogue) serves every caller: a search ranks within exactly the tools passed in (the caller's entitled tools),
/// as an index of those alone would, so nothing else shapes the ranking and no index is built per set of tools.
/// </summary>
internal static class ToolSearch
{
    /// <summary>The index every search of the process uses.</summary>
    internal static ToolSearchCorpus Shared { get; } = new();

    /// <summary>
    /// The hits for <paramref name="query"/> among <paramref name="tools"/> within <paramref name="group"/> (a group
    /// name or its prefix, e.g. <c>users</c> covers <c>users.roles</c>) and of <paramref name="action"/> (any when
    /// null), best first. A blank query lists the tools in scope by name.
    /// </summary>
    public static IReadOnlyList<ToolSearchHit> Search(IEnumerable<Auth0ToolDescriptor> tools, string? query, string? group, Auth0ToolAction? action = null) =>
        Search(Shared, tools, query, group, action);

    /// <summary>As <see cref="Search(IEnumerable{Auth0ToolDescriptor}, string?, string?, Auth0ToolAction?)"/> over <paramref name="corpus"/>.</summary>
    internal static IReadOnlyList<ToolSearchHit> Search(ToolSearchCorpus corpus, IEnumerable<Auth0ToolDescriptor> tools, string? query, string? group, Auth0ToolAction? action = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(tools);
        // Each tool once: a set of tools, as the caller's entitled tools are.
        var list = tools.Distinct(ReferenceEqualityComparer.Instance).Cast<Auth0ToolDescriptor>().ToList();
        bool Include(Auth0ToolDescriptor t) => InGroup(t, group) && (action is null || t.Action == action);
        if (string.IsNullOrWhiteSpace(query))
        {
            return list.Where(Include).OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new ToolSearchHit(t, 0, true)).ToList();
        }

        return corpus.IndexOf(list).Search(list, query, Include);
    }

    /// <summary>The groups of <paramref name="tools"/> and how many tools each has, by name.</summary>
    public static IReadOnlyList<(string Group, int Tools)> Groups(IEnumerable<Auth0ToolDescriptor> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        return tools.GroupBy(t => t.Group.Count > 0 ? t.Group[0] : "", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count()))
            .ToList();
    }

    /// <summary>Whether <paramref name="tool"/> is in <paramref name="group"/>: equal, or a sub-group (<c>users</c> covers <c>users.roles</c>); blank covers all.</summary>
    public static bool InGroup(Auth0ToolDescriptor tool, string? group)
    {
        ArgumentNullException.ThrowIfNull(tool);
        if (string.IsNullOrWhiteSpace(group))
        {
            return true;
        }

        var g = group.Trim().ToLowerInvariant().Replace('/', '.').Replace('_', '.');
        var name = tool.GroupName.ToLowerInvariant().Replace('_', '.');
        return name == g || name.StartsWith(g + ".", StringComparison.Ordinal);
    }
}

/// <summary>
/// The one index of every tool searched so far: built on the first search, and again (over those tools and the new
/// ones) only when a search brings a tool it does not hold, such as a host's own tools. Past
/// <see cref="MaxTools"/> tools (descriptors replaced again and again) it starts over from the tools of that search.
/// </summary>
internal sealed class ToolSearchCorpus
{
    /// <summary>The most tools the index grows to before it starts over.</summary>
    internal const int MaxTools = 8192;

    private readonly Lock _gate = new();
    private ToolSearchIndex? _index;
    private int _builds;

    /// <summary>How many times an index was built (for tests).</summary>
    internal int Builds => Volatile.Read(ref _builds);

    /// <summary>An index that holds every tool of <paramref name="tools"/>: the current one, or one built now.</summary>
    public ToolSearchIndex IndexOf(IReadOnlyList<Auth0ToolDescriptor> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var current = Volatile.Read(ref _index);
        if (current is not null && tools.All(current.Contains))
        {
            return current;
        }

        lock (_gate)
        {
            current = _index;
            if (current is not null && tools.All(current.Contains))
            {
                return current;
            }

            var missing = current is null ? tools : tools.Where(t => !current.Contains(t)).ToList();
            var all = current is null || current.Tools.Count + missing.Count > MaxTools ? tools : current.Tools.Concat(missing).ToList();
            var index = ToolSearchIndex.Build(all);
            Interlocked.Increment(ref _builds);
            Volatile.Write(ref _index, index);
            return index;
        }
    }
}
