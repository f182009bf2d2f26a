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

    /// <summary>Text for one line of an XML doc comment.</summary>
    public static string Doc(string? text) =>
        Comment(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>Text for one line of a comment: each of C#'s line terminators (CR, LF, U+0085, U+2028, U+2029) becomes a space.</summary>
    public static string Comment(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var chars = text!.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is '\r' or '\n' or '\u0085' or '\u2028' or '\u2029')
            {
                chars[i] = ' ';
            }
        }

        return new string(chars);
    }
}
