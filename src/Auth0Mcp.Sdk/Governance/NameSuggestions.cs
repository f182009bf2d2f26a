namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The known names an administrator probably meant when a tool or toolset name is not found: the name with the
/// tools' <c>auth0_</c> prefix it lacks, then the names within a few edits of it (a quarter of its length, at least
/// two), nearest first, at most three. Only for administrative paths: a caller's <c>tools/call</c> of an unknown
/// tool is never told other names (that would disclose tools outside its entitlement).
/// </summary>
internal static class NameSuggestions
{
    private const int Most = 3;
    private const string ToolPrefix = "auth0_";

    /// <summary>Up to three of <paramref name="known"/> close to <paramref name="name"/>, nearest first.</summary>
    public static IReadOnlyList<string> For(string name, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(known);
        var candidates = known.Distinct(StringComparer.Ordinal).ToList();
        var typed = name.Trim().ToLowerInvariant().Replace('-', '_');
        var result = new List<string>();
        if (!typed.StartsWith(ToolPrefix, StringComparison.Ordinal) && candidates.Contains(ToolPrefix + typed, StringComparer.Ordinal))
        {
            result.Add(ToolPrefix + typed);
        }

        var limit = Math.Max(2, typed.Length / 4);
        result.AddRange(candidates
            .Where(c => !result.Contains(c, StringComparer.Ordinal) && !string.Equals(c, name, StringComparison.Ordinal))
            .Select(c => (Name: c, Distance: Distance(typed, c.ToLowerInvariant().Replace('-', '_'), limit)))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name));
        return result.Take(Most).ToList();
    }

    /// <summary><c>; did you mean 'a' or 'b'?</c> for the suggestions, or nothing when there are none.</summary>
    public static string Hint(string name, IEnumerable<string> known)
    {
        var names = For(name, known);
        return names.Count == 0 ? "" : $"; did you mean {string.Join(" or ", names.Select(n => $"'{n}'"))}?";
    }

    /// <summary>The Levenshtein distance of <paramref name="a"/> and <paramref name="b"/>, or more than <paramref name="limit"/> once it is sure to exceed it.</summary>
    internal static int Distance(string a, string b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) > limit)
        {
            return limit + 1;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = current[0];
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                rowMin = Math.Min(rowMin, current[j]);
            }

            if (rowMin > limit)
            {
                return limit + 1;
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
