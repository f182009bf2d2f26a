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
/// (<see cref="ToolSearchIndex"/>), filtered by group and action. The index is built over exactly the tools passed
/// in (the caller's entitled tools), so nothing else shapes the ranking; the last few indexes are kept.
/// </summary>
internal static class ToolSearch
{
    private const int CachedIndexes = 8;
    private static readonly Lock Gate = new();
    private static readonly LinkedList<ToolSearchIndex> Recent = new();

    /// <summary>
    /// The hits for <paramref name="query"/> among <paramref name="tools"/> within <paramref name="group"/> (a group
    /// name or its prefix, e.g. <c>users</c> covers <c>users.roles</c>) and of <paramref name="action"/> (any when
    /// null), best first. A blank query lists the tools in scope by name.
    /// </summary>
    public static IReadOnlyList<ToolSearchHit> Search(IEnumerable<Auth0ToolDescriptor> tools, string? query, string? group, Auth0ToolAction? action = null)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var list = tools as IReadOnlyList<Auth0ToolDescriptor> ?? tools.ToList();
        bool Include(Auth0ToolDescriptor t) => InGroup(t, group) && (action is null || t.Action == action);
        if (string.IsNullOrWhiteSpace(query))
        {
            return list.Where(Include).OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new ToolSearchHit(t, 0, true)).ToList();
        }

        return IndexOf(list).Search(query, Include);
    }

    /// <summary>The index of exactly <paramref name="tools"/> (in that order): a recent one, or a new one.</summary>
    internal static ToolSearchIndex IndexOf(IReadOnlyList<Auth0ToolDescriptor> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        lock (Gate)
        {
            for (var node = Recent.First; node is not null; node = node.Next)
            {
                if (node.Value.Tools.SequenceEqual(tools, ReferenceEqualityComparer.Instance))
                {
                    Recent.Remove(node);
                    Recent.AddFirst(node);
                    return node.Value;
                }
            }
        }

        var index = ToolSearchIndex.Build(tools);
        lock (Gate)
        {
            Recent.AddFirst(index);
            while (Recent.Count > CachedIndexes)
            {
                Recent.RemoveLast();
            }
        }

        return index;
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
