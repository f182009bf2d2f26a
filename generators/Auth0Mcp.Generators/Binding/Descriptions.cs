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

        // Each rewrite runs only on text that holds what it looks for (most descriptions are one plain sentence).
        var s = text!.Replace("\r\n", "\n");
        if (s.IndexOf('[') >= 0)
        {
            s = Link.Replace(s, "$1");
        }

        if (s.IndexOf('<') >= 0)
        {
            s = Html.Replace(s, "");
        }

        if (s.IndexOf("**", StringComparison.Ordinal) >= 0 || s.IndexOf("__", StringComparison.Ordinal) >= 0)
        {
            s = Emphasis.Replace(s, "$2");
        }

        if (s.IndexOf('#') >= 0)
        {
            s = Heading.Replace(s, "");
        }

        if (s.IndexOf('&') >= 0)
        {
            s = s.Replace("&lt;", "<").Replace("&gt;", ">").Replace("&amp;", "&").Replace("&quot;", "\"");
        }

        if (s.IndexOf('\n') < 0)
        {
            // One line: spaces collapsed and trimmed, as below (no blank lines to fold).
            return Truncate(CollapseSpaces(s).Trim(), maxLength);
        }

        var lines = s.Split('\n');
        var sb = new StringBuilder(s.Length + 1);
        foreach (var raw in lines)
        {
            var line = CollapseSpaces(raw).Trim();
            sb.Append(line).Append('\n');
        }

        s = sb.ToString();
        if (s.IndexOf("\n\n", StringComparison.Ordinal) >= 0)
        {
            s = BlankLines.Replace(s, "\n");
        }

        return Truncate(s.Trim(), maxLength);
    }

    /// <summary>Runs of spaces and tabs become one space (a lone space stays as it is, so only a run or a tab needs the regex).</summary>
    private static string CollapseSpaces(string line) =>
        line.IndexOf('\t') >= 0 || line.IndexOf("  ", StringComparison.Ordinal) >= 0 ? Spaces.Replace(line, " ") : line;

    /// <summary>
    /// <paramref name="s"/> (already cleaned) cut to at most <paramref name="maxLength"/> characters: at the last sentence
    /// end that leaves at least half, else at a space, marked " …". Unchanged (the same instance) when it fits.
    /// </summary>
    public static string Truncate(string s, int maxLength)
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
