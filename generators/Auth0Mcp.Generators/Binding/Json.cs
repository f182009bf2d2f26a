using System.Globalization;
using System.Text;

namespace Auth0Mcp.Generators.Binding;

/// <summary>Writes compact JSON text with stable escaping (no dependency on a writer's defaults).</summary>
internal static class Json
{
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        AppendQuoted(sb, value);
        return sb.ToString();
    }

    /// <summary>True when <paramref name="c"/> must be escaped in a JSON string (here also U+2028/U+2029, which end lines in JavaScript).</summary>
    public static bool NeedsEscape(char c) => c < 0x20 || c == '"' || c == '\\' || c == '\u2028' || c == '\u2029';

    /// <summary>The escape sequence of a character that <see cref="NeedsEscape"/> (or any other: <c>\uXXXX</c>).</summary>
    public static string EscapeOf(char c) => c switch
    {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
    };

    public static void AppendQuoted(StringBuilder sb, string value)
    {
        sb.Append('"');
        // Most text needs no escape: copy the runs between escapes whole rather than char by char.
        var run = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (!NeedsEscape(c))
            {
                continue;
            }

            sb.Append(value, run, i - run).Append(EscapeOf(c));
            run = i + 1;
        }

        sb.Append(value, run, value.Length - run).Append('"');
    }
}
