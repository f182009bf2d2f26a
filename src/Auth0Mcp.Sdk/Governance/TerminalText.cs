using System.Globalization;
using System.Text;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Makes a stored value safe to print on one terminal line: control characters (C0, DEL, C1: newlines, escape
/// sequences, NUL), line and paragraph separators and format characters (bidirectional overrides, zero-width
/// characters) become visible <c>\n</c>,
/// <c>\u001b</c>-style escapes, and a backslash is doubled, so a tool name holding a newline and a fake record line,
/// or an ANSI sequence, cannot forge or hide output of <c>audit tail</c>. The admin console shows stored values with the
/// same rules, and JSON shown to a person (an approver's view of a call's arguments) escapes the same characters
/// (<see cref="EscapeJson"/>).
/// </summary>
internal static class TerminalText
{
    /// <summary>The escaped text (null stays null).</summary>
    public static string? Escape(string? text) => Escape(text, json: false);

    /// <summary>
    /// JSON text with each unprintable character (<see cref="IsUnprintable"/>) written as a <c>\uXXXX</c> escape and
    /// nothing else changed (backslashes already start JSON escapes; tab, line feed and carriage return outside strings
    /// are JSON whitespace): the same JSON, since a raw control or format character can only stand inside a string, where
    /// the escape means the same character. Shown to a person, no bidirectional override or zero-width character in a
    /// value reorders or hides what they read. Null stays null.
    /// </summary>
    public static string? EscapeJson(string? json) => Escape(json, json: true);

    private static string? Escape(string? text, bool json)
    {
        if (text is null)
        {
            return null;
        }

        var i = 0;
        while (i < text.Length && !NeedsEscape(text[i], json))
        {
            i++;
        }

        if (i == text.Length)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 16).Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (!NeedsEscape(c, json))
            {
                sb.Append(c);
                continue;
            }

            switch (c)
            {
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                default:
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Whether <paramref name="c"/> cannot stand for itself on a terminal line: a control character (Unicode Cc: C0, DEL,
    /// C1), a format character (Cf: bidirectional marks, overrides and isolates, zero-width characters, the BOM) or a
    /// line or paragraph separator. The one definition: names the governance store accepts exclude these too.
    /// </summary>
    internal static bool IsUnprintable(char c) =>
        char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    // Terminal text: every unprintable character, and the backslash (so an escape is never ambiguous). JSON text: the
    // unprintable characters other than its whitespace.
    private static bool NeedsEscape(char c, bool json) =>
        json ? c is not ('\t' or '\n' or '\r') && IsUnprintable(c) : c == '\\' || IsUnprintable(c);
}
