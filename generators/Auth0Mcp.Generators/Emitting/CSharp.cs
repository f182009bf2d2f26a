using System.Text;

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
        var sb = new StringBuilder(value.Length + 2);
        AppendLiteral(sb, value);
        return sb.ToString();
    }

    /// <summary>Appends <see cref="Literal"/> of <paramref name="value"/> without a copy of it (input schemas reach 64 KB).</summary>
    public static void AppendLiteral(StringBuilder sb, string value)
    {
        var start = sb.Length;
        Binding.Json.AppendQuoted(sb, value);
        if (value.IndexOf('\u0085') >= 0)
        {
            sb.Replace("\u0085", "\\u0085", start, sb.Length - start);
        }
    }

    /// <summary>Text for one line of an XML doc comment.</summary>
    public static string Doc(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var single = text!.Replace("\r", " ").Replace("\n", " ");
        return single.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
    }
}
