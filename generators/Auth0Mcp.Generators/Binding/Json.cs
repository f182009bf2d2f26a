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

    public static void AppendQuoted(StringBuilder sb, string value)
    {
        sb.Append('"');
        // Most text needs no escape: copy the runs between escapes whole rather than char by char.
        var run = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c >= 0x20 && c != '"' && c != '\\' && c != '\u2028' && c != '\u2029')
            {
                continue;
            }

            sb.Append(value, run, i - run);
            run = i + 1;
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
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

        sb.Append(value, run, value.Length - run).Append('"');
    }
}
