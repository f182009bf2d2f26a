using System.Text.RegularExpressions;

namespace Auth0Mcp.Packaging.Tests.Infrastructure;

/// <summary>The fenced blocks of README.md's "Quick starts" section, read as written, so that tests run what the README says.</summary>
internal static partial class ReadmeQuickStart
{
    public static string Readme => File.ReadAllText(Path.Combine(Repo.Root, "README.md"));

    /// <summary>The fenced blocks (language, text) of the host developer's quick start, in order.</summary>
    public static List<(string Language, string Text)> HostDeveloperBlocks() => Blocks(Between(Readme, "## Quick starts", "**A host developer**", "**An admin**"));

    /// <summary>The package ids of the <c>dotnet add package ID</c> lines of a shell block, in order.</summary>
    public static List<string> AddedPackages(string bash) => AddPackage().Matches(bash).Select(m => m.Groups[1].Value).ToList();

    /// <summary>The text from <paramref name="from"/> (after <paramref name="section"/>) up to <paramref name="to"/>.</summary>
    public static string Between(string text, string section, string from, string to)
    {
        var sectionStart = text.IndexOf(section, StringComparison.Ordinal);
        Assert.True(sectionStart >= 0, $"README.md has no '{section}'");
        var start = text.IndexOf(from, sectionStart, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no '{from}' after '{section}'");
        var end = text.IndexOf(to, start, StringComparison.Ordinal);
        Assert.True(end >= 0, $"README.md has no '{to}' after '{from}'");
        return text[start..end];
    }

    public static List<(string Language, string Text)> Blocks(string markdown) =>
        Fence().Matches(markdown.ReplaceLineEndings("\n")).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();

    [GeneratedRegex(@"^```(\w*)\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"^dotnet add package (\S+)", RegexOptions.Multiline)]
    private static partial Regex AddPackage();
}
