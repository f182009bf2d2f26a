using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Auth;

/// <summary>A tool that a token would refuse, and the scopes it accepts, none of which the token has.</summary>
/// <param name="Tool">The tool name.</param>
/// <param name="Missing">
/// The tool's scopes, its primary scope first (see <see cref="Auth0ScopePlanner.Primary"/>): the token has none of
/// them, and any one of them would let the tool run.
/// </param>
public sealed record Auth0ToolScopeGap(string Tool, IReadOnlyList<string> Missing);

/// <summary>
/// Least-privilege arithmetic over tool descriptors. An operation's listed scopes are alternatives: Auth0 accepts a
/// token that has any one of them (its 403 says "Insufficient scope, expected any of: …"), and an operation that
/// lists none needs none.
/// </summary>
/// <remarks>
/// A descriptor's scopes are sorted by name (the generator's order, which the content hash covers), not in the spec's
/// order, so the spec's first-listed scope is not known here. Auth0 names an operation's base scope
/// <c>action:resource</c> and its alternatives with a qualifier (<c>read:users</c> beside <c>read:current_user</c> and
/// <c>read:user_idp_tokens</c>, <c>read:clients</c> beside <c>read:client_keys</c>, <c>read:logs</c> beside
/// <c>read:logs_users</c>): the primary scope is taken as the shortest name, ties broken by name. For 28 of the spec's
/// 33 operations that list several scopes it is the one the spec lists first; of the other five, <c>GET /jobs/{id}</c>
/// gets <c>read:users</c> rather than <c>create:users</c>, and the rest a scope of the same action on the other
/// resource of the path.
/// </remarks>
internal static class Auth0ScopePlanner
{
    /// <summary>Whether a token granting <paramref name="granted"/> may call <paramref name="tool"/>: it lists no scope, or the token has one of them.</summary>
    public static bool Allows(Auth0ToolDescriptor tool, IReadOnlySet<string> granted)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(granted);
        var any = false;
        foreach (var scope in tool.Scopes)
        {
            if (string.IsNullOrWhiteSpace(scope))
            {
                continue;
            }

            if (granted.Contains(scope))
            {
                return true;
            }

            any = true;
        }

        return !any;
    }

    /// <summary>
    /// A small set of scopes that lets every tool in <paramref name="tools"/> run (for <c>auth0-mcp toolsets grants NAME</c>),
    /// sorted. Each tool's <see cref="Primary"/> scope is a candidate (<c>read:users</c>, never <c>read:current_user</c>
    /// or <c>read:user_idp_tokens</c>; <c>read:clients</c>, never <c>read:client_keys</c>); then a candidate whose tools
    /// all have another candidate is dropped (the one covering fewer tools first, then by name), so a tool already
    /// covered by another tool's primary scope adds nothing (<c>GET /users/{id}/roles</c> beside <c>GET /users</c>:
    /// <c>read:users</c> alone). The result depends only on the set of tools, never on their order, and never names a
    /// scope that is no tool's primary.
    /// </summary>
    public static IReadOnlyList<string> MinimalScopes(IEnumerable<Auth0ToolDescriptor> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var alternatives = tools
            .DistinctBy(t => t.Name, StringComparer.Ordinal)
            .Select(Listed)
            .Where(s => s.Count > 0)
            .ToList();
        var chosen = new SortedSet<string>(alternatives.Select(s => s[0]), StringComparer.Ordinal); // each tool's primary
        int Covers(string scope) => alternatives.Count(s => s.Contains(scope, StringComparer.Ordinal));
        foreach (var candidate in chosen.OrderBy(Covers).ThenBy(s => s, StringComparer.Ordinal).ToList())
        {
            if (alternatives.All(s => !s.Contains(candidate, StringComparer.Ordinal) || s.Any(o => o != candidate && chosen.Contains(o))))
            {
                chosen.Remove(candidate);
            }
        }

        return [.. chosen];
    }

    /// <summary>
    /// Empty when a token granting <paramref name="granted"/> may call <paramref name="tool"/>; otherwise
    /// <see cref="Alternatives"/>: the tool's scopes, any one of which would let it run, its primary first.
    /// </summary>
    public static IReadOnlyList<string> Missing(Auth0ToolDescriptor tool, IReadOnlySet<string> granted) =>
        Allows(tool, granted) ? [] : Alternatives(tool);

    /// <summary>The tool's primary scope: the shortest of its scopes, ties broken by name; null when it lists none.</summary>
    public static string? Primary(Auth0ToolDescriptor tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return Listed(tool) is { Count: > 0 } listed ? listed[0] : null;
    }

    /// <summary>The tool's scopes, distinct, its <see cref="Primary"/> scope first and the others in catalogue order.</summary>
    public static IReadOnlyList<string> Alternatives(Auth0ToolDescriptor tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return Listed(tool);
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

    /// <summary>
    /// "the scope a" for one scope, "one of the scopes a, b, c" for several (any one suffices), for a message.
    /// </summary>
    public static string Describe(IReadOnlyList<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        return scopes.Count == 1 ? "the scope " + scopes[0] : "one of the scopes " + string.Join(", ", scopes);
    }

    // The tool's scopes, distinct, the primary (shortest, then by name) first and the others in catalogue order.
    private static List<string> Listed(Auth0ToolDescriptor tool)
    {
        var scopes = tool.Scopes.Where(s => !string.IsNullOrWhiteSpace(s)).Distinct(StringComparer.Ordinal).ToList();
        if (scopes.Count > 1)
        {
            var primary = scopes.OrderBy(s => s.Length).ThenBy(s => s, StringComparer.Ordinal).First();
            scopes.Remove(primary);
            scopes.Insert(0, primary);
        }

        return scopes;
    }
}
