using System.Diagnostics;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Progressive;
using Auth0Mcp.Sdk.Tests.Governance;
using Xunit.Abstractions;

namespace Auth0Mcp.Sdk.Tests.Progressive;

/// <summary>
/// One index of the whole catalogue serves every caller's set of entitled tools: the hits are those of an index built
/// over that set alone (the implementation before, kept as <see cref="ReferenceToolSearchIndex"/>), and many distinct
/// sets in rotation build no index per search.
/// </summary>
public sealed class ToolSearchCorpusTests(ITestOutputHelper output)
{
    private static readonly IReadOnlyList<Auth0ToolDescriptor> Catalog = Auth0ToolCatalog.Descriptors;

    private static readonly string[] Queries =
    [
        .. DiscoveryTaskSet.Load(Path.Combine(AppContext.BaseDirectory, "Progressive", "discovery-tasks.tsv")).Select(t => t.Query),
        "block the user jane@example.com", "what is the session lifetime of the tenant", "who has the admin role",
        "remove the admin role from jane", "zzz unknownword", "list", "the", "users roles permissions organizations members",
    ];

    /// <summary>A random set of catalogue tools: a random share, or whole groups, or the tools of one action.</summary>
    private static List<Auth0ToolDescriptor> RandomSet(Random random)
    {
        switch (random.Next(4))
        {
            case 0:
                var share = random.NextDouble();
                return Catalog.Where(_ => random.NextDouble() < share).ToList();
            case 1:
                var groups = Catalog.Select(t => t.Group[0]).Distinct().Where(_ => random.NextDouble() < 0.3).ToHashSet();
                return Catalog.Where(t => groups.Contains(t.Group[0])).ToList();
            case 2:
                var action = (Auth0ToolAction)random.Next(3);
                return Catalog.Where(t => t.Action == action || random.NextDouble() < 0.05).ToList();
            default:
                return Catalog.OrderBy(_ => random.Next()).Take(random.Next(1, 20)).ToList();
        }
    }

    [Fact]
    public void Search_RandomSetsAndQueries_SameHitsAndScoresAsAnIndexOfTheSetAlone()
    {
        var random = new Random(20261206);
        var corpus = new ToolSearchCorpus();
        var compared = 0;
        for (var s = 0; s < 60; s++)
        {
            var set = RandomSet(random);
            var reference = ReferenceToolSearchIndex.Build(set);
            for (var q = 0; q < 25; q++)
            {
                var query = random.Next(5) == 0
                    ? string.Join(' ', Enumerable.Range(0, random.Next(1, 4)).Select(_ => Catalog[random.Next(Catalog.Count)].Name.Split('_')[random.Next(1, 3)]))
                    : Queries[random.Next(Queries.Length)];
                var group = random.Next(6) == 0 && set.Count > 0 ? set[random.Next(set.Count)].Group[0] : null;
                Auth0ToolAction? action = random.Next(6) == 0 ? (Auth0ToolAction)random.Next(3) : null;
                bool Include(Auth0ToolDescriptor t) => ToolSearch.InGroup(t, group) && (action is null || t.Action == action);

                var expected = reference.Search(query, Include).Select(h => (h.Tool, h.Score, h.MatchedAll)).ToList();
                var actual = ToolSearch.Search(corpus, set, query, group, action).Select(h => (h.Tool, h.Score, h.MatchedAll)).ToList();

                Assert.True(expected.SequenceEqual(actual), $"set of {set.Count}, query '{query}', group {group}, action {action}: "
                    + $"expected [{string.Join(", ", expected.Take(5).Select(h => $"{h.Tool.Name} {h.Score}"))}], got [{string.Join(", ", actual.Take(5).Select(h => $"{h.Tool.Name} {h.Score}"))}]");
                compared += expected.Count;
            }
        }

        Assert.True(compared > 10_000, $"only {compared} hits compared");
    }

    [Fact]
    public void Search_FiftyDistinctSetsInRotation_BuildsNoIndexPerSearch()
    {
        var random = new Random(50);
        var sets = new List<List<Auth0ToolDescriptor>>();
        while (sets.Count < 50)
        {
            var set = Catalog.Where(_ => random.NextDouble() < 0.6).ToList();
            if (!sets.Any(s => s.SequenceEqual(set)))
            {
                sets.Add(set);
            }
        }

        var corpus = new ToolSearchCorpus();
        ToolSearch.Search(corpus, Catalog, "list users", null);
        Assert.Equal(1, corpus.Builds);

        var watch = Stopwatch.StartNew();
        for (var round = 0; round < 3; round++)
        {
            foreach (var set in sets)
            {
                Assert.NotEmpty(ToolSearch.Search(corpus, set, "who has the admin role", null));
            }
        }

        watch.Stop();
        Assert.Equal(1, corpus.Builds);
        output.WriteLine($"{sets.Count * 3} searches over {sets.Count} distinct sets: {watch.Elapsed.TotalMilliseconds / (sets.Count * 3):F3} ms a search, {corpus.Builds} index build(s)");

        // For comparison, what the cache of the last eight sets did here on every search: an index of the set, then the search.
        watch.Restart();
        foreach (var set in sets)
        {
            ReferenceToolSearchIndex.Build(set).Search("who has the admin role");
        }

        output.WriteLine($"an index of the set per search (the earlier cache past eight sets): {watch.Elapsed.TotalMilliseconds / sets.Count:F3} ms a search");
    }

    [Fact]
    public void Search_ToolsTheIndexDoesNotHold_GrowsItOnceThenReusesIt()
    {
        var corpus = new ToolSearchCorpus();
        var users = Catalog.Where(t => t.Group[0] == "users").ToList();
        var roles = Catalog.Where(t => t.Group[0] == "roles").ToList();
        var host = Descriptors.Make("auth0_custom_thing", path: "/custom", description: "A host's own tool.", scopes: ["read:custom"]);

        ToolSearch.Search(corpus, users, "delete the user", null);
        ToolSearch.Search(corpus, roles, "delete the role", null);
        ToolSearch.Search(corpus, [.. users, .. roles], "delete the role", null);
        var hits = ToolSearch.Search(corpus, [host, .. roles], "custom thing", null);
        ToolSearch.Search(corpus, users, "delete the user", null);

        Assert.Equal(3, corpus.Builds);
        Assert.Equal("auth0_custom_thing", hits[0].Tool.Name);
        Assert.Equal(users.Count + roles.Count + 1, corpus.IndexOf(users).Tools.Count);
    }
}
