using System;
using System.Text;
using System.Text.RegularExpressions;

namespace Auth0Mcp.Generators.Binding;

/// <summary>Turns the spec's markdown descriptions into plain text a model reads well.</summary>
internal static class Descriptions
{
    private static readonly Regex Link = new(@"\[([^\]]*)\]\([^)]*\)", RegexOptions.CultureInvariant);
    private static readonly Regex Html = new(@"<[^>]+>", RegexOptions.CultureInvariant);
    private static readonly Regex Emphasis = new(@"(\*\*|__)(.+?)\1", RegexOptions.CultureInvariant);
    private static readonly Regex Heading = new(@"^\s{0,3}#{1,6}\s*", RegexOptions.Multiline | RegexOptions.CultureInvariant);
    private static readonly Regex Spaces = new(@"[ \t]+", RegexOptions.CultureInvariant);
    private static readonly Regex BlankLines = new(@"\n{2,}", RegexOptions.CultureInvariant);

    public static string Clean(string? text, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }

        var s = text!.Replace("\r\n", "\n");
        s = Link.Replace(s, "$1");
        s = Html.Replace(s, "");
        s = Emphasis.Replace(s, "$2");
        s = Heading.Replace(s, "");
        s = s.Replace("&lt;", "<").Replace("&gt;", ">").Replace("&amp;", "&").Replace("&quot;", "\"");
        var lines = s.Split('\n');
        var sb = new StringBuilder();
        foreach (var raw in lines)
        {
            var line = Spaces.Replace(raw, " ").Trim();
            sb.Append(line).Append('\n');
        }

        s = BlankLines.Replace(sb.ToString(), "\n").Trim();
        return Truncate(s, maxLength);
    }

    private static string Truncate(string s, int maxLength)
    {
        if (s.Length <= maxLength)
        {
            return s;
        }

        var cut = s.LastIndexOf(". ", maxLength - 1, StringComparison.Ordinal);
        if (cut < maxLength / 2)
        {
            cut = s.LastIndexOf(' ', maxLength - 2);
        }

        return cut > 0 ? s.Substring(0, cut + 1).TrimEnd() + " …" : s.Substring(0, maxLength - 2) + " …";
    }
}
