using System.Text.RegularExpressions;

namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>
/// Reading README.md as written, so that tests run what it says: a stretch of its text and its fenced blocks. Shared
/// by the server, admin console and packaging tests (linked, not copied).
/// </summary>
internal static partial class Markdown
{
    /// <summary>The text from <paramref name="from"/> (after <paramref name="section"/>) up to <paramref name="to"/>.</summary>
    public static string Between(string text, string section, string from, string to)
    {
        var sectionStart = text.IndexOf(section, StringComparison.Ordinal);
        Assert.True(sectionStart >= 0, $"README.md has no '{section}'");
        var start = text.IndexOf(from, sectionStart, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no '{from}' after '{section}'");
        var end = text.IndexOf(to, start + from.Length, StringComparison.Ordinal);
        Assert.True(end >= 0, $"README.md has no '{to}' after '{from}'");
        return text[start..end];
    }

    /// <summary>The fenced blocks (language, text) of <paramref name="markdown"/>, in order.</summary>
    public static List<(string Language, string Text)> Blocks(string markdown) =>
        Fence().Matches(markdown.ReplaceLineEndings("\n")).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();

    [GeneratedRegex(@"^```(\w*)\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}
