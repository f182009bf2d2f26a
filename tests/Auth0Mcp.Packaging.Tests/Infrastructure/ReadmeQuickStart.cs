using System.Text.RegularExpressions;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Packaging.Tests.Infrastructure;

/// <summary>The fenced blocks of README.md's "Quick starts" section, read as written (<see cref="Markdown"/>), so that tests run what the README says.</summary>
internal static partial class ReadmeQuickStart
{
    public static string Readme => File.ReadAllText(Path.Combine(Repo.Root, "README.md"));

    /// <summary>The fenced blocks (language, text) of the host developer's quick start, in order.</summary>
    public static List<(string Language, string Text)> HostDeveloperBlocks() => Markdown.Blocks(Markdown.Between(Readme, "## Quick starts", "**A host developer**", "**An admin**"));

    /// <summary>The package ids of the <c>dotnet add package ID</c> lines of a shell block, in order.</summary>
    public static List<string> AddedPackages(string bash) => AddPackage().Matches(bash).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"^dotnet add package (\S+)", RegexOptions.Multiline)]
    private static partial Regex AddPackage();
}
