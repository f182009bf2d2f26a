using System.Globalization;
using System.Text;

namespace Auth0Mcp.Generators.Emitting;

/// <summary>C# literal and XML-doc escaping.</summary>
internal static class CSharp
{
    public static string Literal(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var c in value)
        {
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
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || c == '\u0085')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
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
