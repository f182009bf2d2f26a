using System.IO.Compression;
using System.Text.RegularExpressions;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Packaging.Tests.Infrastructure;

/// <summary>
/// The fenced blocks of README.md's "Quick starts" section and of the packages' own READMEs, read as written
/// (<see cref="Markdown"/>), so that tests run what they say.
/// </summary>
internal static partial class ReadmeQuickStart
{
    public static string Readme => File.ReadAllText(Path.Combine(Repo.Root, "README.md"));

    /// <summary>The fenced blocks (language, text) of the host developer's quick start, in order.</summary>
    public static List<(string Language, string Text)> HostDeveloperBlocks() => Markdown.Blocks(Markdown.Between(Readme, "## Quick starts", "**A host developer**", "**An admin**"));

    /// <summary>The fenced blocks of a packed package's README.md (its PACKAGE.md: the text nuget.org shows), in order.</summary>
    public static List<(string Language, string Text)> PackageReadmeBlocks(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var entry = zip.GetEntry("README.md");
        Assert.NotNull(entry);
        using var reader = new StreamReader(entry.Open());
        return Markdown.Blocks(reader.ReadToEnd());
    }

    /// <summary>The package ids of the <c>dotnet add package ID</c> lines of a shell block, in order.</summary>
    public static List<string> AddedPackages(string bash) => AddPackage().Matches(bash).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"^dotnet add package (\S+)", RegexOptions.Multiline)]
    private static partial Regex AddPackage();
}
