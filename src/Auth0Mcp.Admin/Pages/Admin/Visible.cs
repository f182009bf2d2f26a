using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Admin.Pages.Admin;

/// <summary>
/// How a page shows a stored value that someone other than this console chose (a caller's user, tool and client names,
/// session, reasons, arguments; an administrator's name and reasons). Razor encodes HTML, not what a browser then does
/// with a character: a right-to-left override U+202E becomes <c>&amp;#x202E;</c>, which the browser obeys, so
/// <c>auth0_users_\u202etsil</c> read as <c>auth0_users_list</c>, and a zero-width space hid in a client's name. Control,
/// format and separator characters (Unicode Cc, Cf, Zl, Zp) are shown as visible escapes instead, by the rules the CLI's
/// listings print them with (<see cref="TerminalText"/>).
/// </summary>
internal static class Visible
{
    /// <summary>Text, as <c>audit tail</c> prints it: <c>\u202e</c>, <c>\n</c>, and a backslash doubled.</summary>
    public static string? Text(string? text) => TerminalText.Escape(text);

    /// <summary>
    /// A message the console wrote itself (a flash after an action): the names in it are already escaped where it was
    /// made (<see cref="TerminalText.Escape(string?)"/>), so only an unprintable character left is escaped and a backslash
    /// is not doubled again (<c>invalid toolset name 'ops\u202eteg'</c> stays as it is).
    /// </summary>
    public static string? Message(string? text) => TerminalText.EscapeJsonLine(text);

    /// <summary>Names joined by <paramref name="separator"/>, each shown as <see cref="Text"/>.</summary>
    public static string Join(IEnumerable<string>? values, string separator = ", ") =>
        string.Join(separator, (values ?? []).Select(v => TerminalText.Escape(v)));

    /// <summary>
    /// JSON (a call's arguments, a record's details, a diff line): the same JSON with those characters as <c>\u</c>
    /// escapes; backslashes, which start JSON's own escapes, and line breaks are left as they are.
    /// </summary>
    public static string? Json(string? json) => TerminalText.EscapeJson(json);
}
