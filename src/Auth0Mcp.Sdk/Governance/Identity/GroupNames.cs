namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Reads a comma-separated list of user or group names the way every text entry does (the stdio identity's groups,
/// the server's list settings, the command line, the console): split at commas, except that a text whose every
/// comma-separated part holds <c>=</c> is one name, an LDAP distinguished name such as
/// <c>CN=mcp-admins,OU=Groups,DC=corp</c>, whose commas are its own. So <c>ops,role=admin</c> is two names and a
/// distinguished name is given on its own (its own option, line or list item). Claims are never split (their values
/// are names already).
/// </summary>
internal static class GroupNames
{
    /// <summary>The names in <paramref name="text"/>, trimmed; a blank part stays (as an empty string) for the caller to refuse or drop.</summary>
    public static string[] Split(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        return parts.Length > 1 && parts.All(part => part.Contains('=', StringComparison.Ordinal)) ? [text.Trim()] : parts;
    }

    /// <summary>The names in <paramref name="text"/>, blank ones dropped.</summary>
    public static IEnumerable<string> SplitNonBlank(string? text) => Split(text ?? "").Where(part => part.Length > 0);
}
