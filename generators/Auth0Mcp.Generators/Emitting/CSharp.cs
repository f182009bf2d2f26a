namespace Auth0Mcp.Generators.Emitting;

/// <summary>C# literal and XML-doc escaping.</summary>
internal static class CSharp
{
    /// <summary>
    /// A C# regular string literal. JSON's escapes are valid C# escapes, so the JSON quoting serves; C# also ends a
    /// line at U+0085, which JSON leaves as it is.
    /// </summary>
    public static string Literal(string value)
    {
        using var w = new SourceWriter(value.Length + 16);
        return w.Literal(value).ToString();
    }

    /// <summary>True when <paramref name="c"/> cannot stand as it is in a C# string literal (JSON's escapes, and U+0085).</summary>
    public static bool NeedsEscape(char c) => Binding.Json.NeedsEscape(c) || c == '\u0085';

    /// <summary>
    /// Text for one line of an XML doc comment: the markup characters escaped, and each character XML does not allow
    /// at all (the C0 controls other than tab, U+FFFE, U+FFFF) a space; a NUL left in a summary was CS1570, an error
    /// under <c>TreatWarningsAsErrors</c>.
    /// </summary>
    public static string Doc(string? text) =>
        XmlChars(Comment(text)).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>Whether XML 1.0 forbids <paramref name="c"/> (even as a character reference).</summary>
    public static bool NotXml(char c) => (c < 0x20 && c != '\t') || c == '\uFFFE' || c == '\uFFFF';

    private static string XmlChars(string text)
    {
        var i = 0;
        while (i < text.Length && !NotXml(text[i]))
        {
            i++;
        }

        if (i == text.Length)
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (; i < chars.Length; i++)
        {
            if (NotXml(chars[i]))
            {
                chars[i] = ' ';
            }
        }

        return new string(chars);
    }

    /// <summary>What C# takes for the end of a line: CR, LF, U+0085, U+2028 and U+2029.</summary>
    public static readonly char[] LineTerminators = { '\r', '\n', '\u0085', '\u2028', '\u2029' };

    /// <summary>Text for one line of a comment: each of C#'s <see cref="LineTerminators"/> becomes a space.</summary>
    public static string Comment(string? text) =>
        string.IsNullOrEmpty(text) ? "" : string.Join(" ", text!.Split(LineTerminators));
}
