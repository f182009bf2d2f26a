using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Auth;

/// <summary>A tool that a token would refuse, and the scopes it lacks.</summary>
/// <param name="Tool">The tool name.</param>
/// <param name="Missing">The scopes the token lacks, sorted.</param>
public sealed record Auth0ToolScopeGap(string Tool, IReadOnlyList<string> Missing);

/// <summary>Least-privilege arithmetic over tool descriptors (Auth0 requires every scope an operation lists).</summary>
internal static class Auth0ScopePlanner
{
    /// <summary>
    /// The smallest set of scopes that lets every tool in <paramref name="tools"/> run: the union of their
    /// scopes, distinct and sorted (for <c>auth0-mcp toolsets grants NAME</c>).
    /// </summary>
    public static IReadOnlyList<string> MinimalScopes(IEnumerable<Auth0ToolDescriptor> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        return [.. tools.SelectMany(t => t.Scopes).Where(s => !string.IsNullOrWhiteSpace(s)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>For each scope of <see cref="MinimalScopes"/>, the tools that need it (sorted).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ScopeUsage(IEnumerable<Auth0ToolDescriptor> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var usage = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            foreach (var scope in tool.Scopes.Where(s => !string.IsNullOrWhiteSpace(s)))
            {
                if (!usage.TryGetValue(scope, out var names))
                {
                    usage[scope] = names = new SortedSet<string>(StringComparer.Ordinal);
                }

                names.Add(tool.Name);
            }
        }

        return usage.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)[.. kv.Value], StringComparer.Ordinal);
    }

    /// <summary>The scopes of <paramref name="tool"/> that <paramref name="granted"/> lacks, sorted.</summary>
    public static IReadOnlyList<string> Missing(Auth0ToolDescriptor tool, IReadOnlySet<string> granted)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(granted);
        return [.. tool.Scopes.Where(s => !string.IsNullOrWhiteSpace(s) && !granted.Contains(s)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The tools of <paramref name="tools"/> that a token granting <paramref name="granted"/> would refuse, by name.</summary>
    public static IReadOnlyList<Auth0ToolScopeGap> Refused(IEnumerable<Auth0ToolDescriptor> tools, IReadOnlySet<string> granted)
    {
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(granted);
        return [.. tools
            .Select(t => new Auth0ToolScopeGap(t.Name, Missing(t, granted)))
            .Where(g => g.Missing.Count > 0)
            .OrderBy(g => g.Tool, StringComparer.Ordinal)];
    }
}
