using System.Globalization;
using System.Text;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Makes a stored value safe to print on one terminal line: control characters (C0, DEL, C1: newlines, escape
/// sequences, NUL), line and paragraph separators and format characters (bidirectional overrides, zero-width
/// characters; past the BMP, the tag characters that spell invisible text, as their surrogate pair) become visible <c>\n</c>,
/// <c>\u001b</c>-style escapes, and a backslash is doubled, so a tool name holding a newline and a fake record line,
/// or an ANSI sequence, cannot forge or hide output of <c>audit tail</c>. The admin console shows stored values with the
/// same rules, and JSON shown to a person (an approver's view of a call's arguments) escapes the same characters
/// (<see cref="EscapeJson"/>).
/// </summary>
internal static class TerminalText
{
    /// <summary>The escaped text (null stays null).</summary>
    public static string? Escape(string? text) => Escape(text, Mode.Terminal);

    /// <summary>
    /// JSON text with each unprintable character (<see cref="IsUnprintable"/>) written as a <c>\uXXXX</c> escape and
    /// nothing else changed (backslashes already start JSON escapes; tab, line feed and carriage return outside strings
    /// are JSON whitespace): the same JSON, since a raw control or format character can only stand inside a string, where
    /// the escape means the same character. Shown to a person, no bidirectional override or zero-width character in a
    /// value reorders or hides what they read. Null stays null.
    /// </summary>
    public static string? EscapeJson(string? json) => Escape(json, Mode.Json);

    /// <summary>
    /// <see cref="EscapeJson"/> for a line of JSON shown on a terminal (<c>audit tail --json</c>, <c>audit export</c> to
    /// standard output): JSON's whitespace characters are escaped too (<c>\u000a</c>), so one line stays one line. A line
    /// the store wrote holds none raw; one there was put by hand.
    /// </summary>
    public static string? EscapeJsonLine(string? json) => Escape(json, Mode.JsonLine);

    private enum Mode
    {
        Terminal,
        Json,
        JsonLine,
    }

    private static string? Escape(string? text, Mode mode)
    {
        if (text is null)
        {
            return null;
        }

        var i = 0;
        while (i < text.Length && EscapedLength(text, i, mode) == 0)
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
            switch (EscapedLength(text, i, mode))
            {
                case 0:
                    sb.Append(c);
                    continue;
                case 2:
                    // A format character past the BMP, as its surrogate pair: \udb40\udc41 (JSON reads it so too).
                    Hex(sb, c);
                    Hex(sb, text[++i]);
                    continue;
            }

            switch (mode == Mode.Terminal ? c : '\0')
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
                    Hex(sb, c);
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

    /// <summary>
    /// Whether <paramref name="text"/> holds a character <see cref="Escape(string?)"/> would escape other than the backslash: an
    /// unprintable one (<see cref="IsUnprintable"/>), or a format character past the BMP (the tag characters). Names the
    /// governance store accepts hold none.
    /// </summary>
    internal static bool HasUnprintable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            if (EscapedLength(text, i, Mode.JsonLine) > 0) // every escaped character but the backslash
            {
                return true;
            }
        }

        return false;
    }

    // How many UTF-16 units at text[i] are escaped as one character (0: none). Terminal text: every unprintable character,
    // and the backslash (so an escape is never ambiguous); JSON text: the unprintable characters other than its
    // whitespace. Both: a format character beyond the BMP (the tag characters U+E0000 to U+E007F spell invisible text).
    private static int EscapedLength(string text, int i, Mode mode)
    {
        var c = text[i];
        if (mode switch
            {
                Mode.Json => c is not ('\t' or '\n' or '\r') && IsUnprintable(c),
                Mode.JsonLine => IsUnprintable(c),
                _ => c == '\\' || IsUnprintable(c),
            })
        {
            return 1;
        }

        return char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
            && Rune.GetUnicodeCategory(new Rune(c, text[i + 1])) == UnicodeCategory.Format ? 2 : 0;
    }

    private static void Hex(StringBuilder sb, char c) => sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
}
