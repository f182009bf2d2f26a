using System.Globalization;
using System.Text;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Progressive;

/// <summary>One search hit.</summary>
/// <param name="Tool">The tool.</param>
/// <param name="Score">Higher is better: words in the name weigh most, then title, group and path, then description.</param>
/// <param name="MatchedAll">Whether every word of the query matched.</param>
public sealed record ToolSearchHit(Auth0ToolDescriptor Tool, int Score, bool MatchedAll);

/// <summary>
/// Word search over tool descriptors: every query word must occur (case-insensitive, as a prefix of a word of the
/// name, title, group, path or description); when no tool has them all, tools with most of them come back instead.
/// </summary>
public static class ToolSearch
{
    /// <summary>The hits for <paramref name="query"/> within <paramref name="group"/> (a group name or its prefix, e.g. <c>users</c> covers <c>users.roles</c>), best first.</summary>
    public static IReadOnlyList<ToolSearchHit> Search(IEnumerable<Auth0ToolDescriptor> tools, string? query, string? group)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var words = Words(query ?? "").Distinct(StringComparer.Ordinal).ToList();
        var scoped = tools.Where(t => InGroup(t, group)).ToList();
        if (words.Count == 0)
        {
            return scoped.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new ToolSearchHit(t, 0, true)).ToList();
        }

        var hits = new List<ToolSearchHit>();
        foreach (var tool in scoped)
        {
            var name = Words(tool.Name.Replace('_', ' ')).ToHashSet(StringComparer.Ordinal);
            var title = Words(tool.Title).ToHashSet(StringComparer.Ordinal);
            var where = Words(tool.GroupName + " " + tool.Path + " " + tool.Method).ToHashSet(StringComparer.Ordinal);
            var description = Words(tool.Description).ToHashSet(StringComparer.Ordinal);
            int score = 0, matched = 0;
            foreach (var word in words)
            {
                var s = (HasPrefix(name, word) ? 8 : 0) + (HasPrefix(title, word) ? 4 : 0) + (HasPrefix(where, word) ? 2 : 0) + (HasPrefix(description, word) ? 1 : 0);
                if (s > 0)
                {
                    matched++;
                    score += s;
                }
            }

            if (matched > 0)
            {
                // Prefer the tool whose name is mostly the query: "list users" ranks users_list above users_organizations_list.
                var nameWords = name.Where(w => w != "auth0").ToList();
                var covered = nameWords.Count(w => words.Any(q => w.StartsWith(q, StringComparison.Ordinal) || (q.Length > 3 && q.EndsWith('s') && w == q[..^1])));
                score += nameWords.Count == 0 ? 0 : 20 * covered / nameWords.Count;
                hits.Add(new ToolSearchHit(tool, score + (matched * 100), matched == words.Count));
            }
        }

        var complete = hits.Where(h => h.MatchedAll).ToList();
        var chosen = complete.Count > 0 ? complete : hits;
        return chosen
            .OrderByDescending(h => h.Score)
            .ThenBy(h => h.Tool.Action)
            .ThenBy(h => h.Tool.Name.Length)
            .ThenBy(h => h.Tool.Name, StringComparer.Ordinal)
            .ToList();
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

    private static bool HasPrefix(HashSet<string> words, string word)
    {
        if (words.Contains(word))
        {
            return true;
        }

        foreach (var w in words)
        {
            if (w.StartsWith(word, StringComparison.Ordinal) || (word.Length > 3 && word.EndsWith('s') && w == word[..^1]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Lower-case words (letters and digits) of <paramref name="text"/>.</summary>
    public static IEnumerable<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                sb.Append(char.ToLower(c, CultureInfo.InvariantCulture));
            }
            else if (sb.Length > 0)
            {
                yield return sb.ToString();
                sb.Clear();
            }
        }

        if (sb.Length > 0)
        {
            yield return sb.ToString();
        }
    }
}
