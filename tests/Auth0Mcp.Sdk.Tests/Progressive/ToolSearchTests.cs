using System.Text.Json;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Progressive;
using Auth0Mcp.Sdk.Progressive.Search;
using Auth0Mcp.Sdk.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Progressive;

/// <summary>The parts of progressive search: stemming, query reading, the index over the real catalogue, and what a model sees.</summary>
public sealed class ToolSearchTests
{
    private static readonly IReadOnlyList<Auth0ToolDescriptor> Catalog = Auth0ToolCatalog.Descriptors;

    private static Auth0ToolDescriptor Tool(string name) => Catalog.Single(t => t.Name == name);

    [Theory]
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("cats", "cat")]
    [InlineData("agreed", "agre")]
    [InlineData("plastered", "plaster")]
    [InlineData("motoring", "motor")]
    [InlineData("hopping", "hop")]
    [InlineData("falling", "fall")]
    [InlineData("filing", "file")]
    [InlineData("happy", "happi")]
    [InlineData("relational", "relat")]
    [InlineData("conditional", "condit")]
    [InlineData("generalization", "gener")]
    [InlineData("adjustable", "adjust")]
    [InlineData("blocked", "block")]
    [InlineData("connections", "connect")]
    public void Stem_PorterExamples_GivePortersStems(string word, string stem) =>
        Assert.Equal(stem, PorterStemmer.Stem(word));

    [Fact]
    public void ReplaceValues_PastedValues_BecomeTheWordForWhatTheyAre()
    {
        var words = SearchText.Words(SearchText.ReplaceValues("block jane@example.com from 203.0.113.5 on login.example.com for auth0|abc123"));

        Assert.Equal(["block", "email", "from", "ip", "on", "domain", "for", "id"], words);
    }

    [Fact]
    public void Expand_VerbsPhrasesAndPlurals_GiveActionsAndAlternatives()
    {
        var vocabulary = SearchVocabulary.Parse("""
            [concepts]
            app = client
            one time password = otp
            [verbs]
            read: show
            update: turn
            list: all
            """);

        var show = vocabulary.Expand("show all apps");
        var turn = vocabulary.Expand("turn on one-time password");

        Assert.Equal(["@list", "@read"], show.Actions.Order(StringComparer.Ordinal));
        Assert.Contains(show.Words, w => w.Any(a => a.Stems.SequenceEqual(["client"])));
        Assert.DoesNotContain(show.Words, w => w.Any(a => a.Stems.SequenceEqual(["all"])));
        Assert.Equal(["@update"], turn.Actions);
        Assert.Contains(turn.Words, w => w.Any(a => a.Stems.SequenceEqual(["otp"])));
    }

    [Fact]
    public void Parse_LineOutsideTheFormat_IsRejectedWithItsNumber()
    {
        var ex = Assert.Throws<FormatException>(() => SearchVocabulary.Parse("[concepts]\napp = client\nthis is not an entry\n"));

        Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("block the user jane@example.com", "auth0_users_update")]
    [InlineData("show failed logins", "auth0_logs_list")]
    [InlineData("rotate the client secret of my app", "auth0_clients_rotate_secret")]
    public void Search_IssueExamples_RankTheRightToolFirst(string query, string expected) =>
        Assert.Equal(expected, ToolSearch.Search(Catalog, query, null)[0].Tool.Name);

    [Fact]
    public void Search_RelationWithTwoEntryPoints_FindsTheRoleSideInTheTopFive() =>
        Assert.Contains("auth0_roles_users_list", ToolSearch.Search(Catalog, "who has the admin role", null).Take(5).Select(h => h.Tool.Name));

    [Fact]
    public void Search_EntitledSubset_RanksOnlyThoseToolsAsIfTheyWereAll()
    {
        var entitled = Catalog.Where(t => t.Action == Auth0ToolAction.Read || t.Group[0] == "roles").ToList();

        var hits = ToolSearch.Search(entitled, "delete the user", null);
        var fresh = ReferenceToolSearchIndex.Build(entitled).Search("delete the user");

        Assert.NotEmpty(hits);
        Assert.All(hits, h => Assert.Contains(h.Tool, entitled));
        Assert.DoesNotContain(hits, h => h.Tool.Name == "auth0_users_delete");
        Assert.Equal(fresh.Select(h => (h.Tool.Name, h.Score)), hits.Select(h => (h.Tool.Name, h.Score)));
    }

    [Fact]
    public void Search_ActionAndGroupFilters_KeepOnlyThoseTools()
    {
        var reads = ToolSearch.Search(Catalog, "user roles", null, Auth0ToolAction.Read);
        var organizations = ToolSearch.Search(Catalog, "roles", "organizations.members", null);

        Assert.NotEmpty(reads);
        Assert.All(reads, h => Assert.Equal(Auth0ToolAction.Read, h.Tool.Action));
        Assert.NotEmpty(organizations);
        Assert.All(organizations, h => Assert.StartsWith("organizations.members", h.Tool.GroupName, StringComparison.Ordinal));
    }

    [Fact]
    public void Search_SameOrFewerTools_ReusesTheIndex()
    {
        var corpus = new ToolSearchCorpus();
        var first = corpus.IndexOf(Catalog);
        var again = corpus.IndexOf(Catalog.ToList());
        var fewer = corpus.IndexOf(Catalog.Take(10).ToList());

        Assert.Same(first, again);
        Assert.Same(first, fewer);
        Assert.Equal(1, corpus.Builds);
    }

    [Fact]
    public void Example_EveryCatalogueTool_IsValidAgainstItsSchema()
    {
        var invalid = new List<string>();
        foreach (var tool in Catalog)
        {
            using var example = JsonDocument.Parse(ToolExample.Create(tool.InputSchemaElement));
            var arguments = example.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
            var errors = new Auth0ArgumentValidator(tool.InputSchema).Validate(arguments);
            if (errors.Count > 0)
            {
                invalid.Add($"{tool.Name}: {string.Join("; ", errors)} in {example.RootElement.GetRawText()}");
            }
        }

        Assert.True(invalid.Count == 0, string.Join("\n", invalid));
    }

    [Fact]
    public void Example_RequiredArgumentsAndBodyFields_AreAllThere()
    {
        using var members = JsonDocument.Parse(ToolExample.Create(Tool("auth0_organizations_members_create").InputSchemaElement));
        using var import = JsonDocument.Parse(ToolExample.Create(Tool("auth0_jobs_users_imports_create").InputSchemaElement));

        Assert.Equal(JsonValueKind.String, members.RootElement.GetProperty("id").ValueKind);
        Assert.Equal(JsonValueKind.String, import.RootElement.GetProperty("body").GetProperty("connection_id").ValueKind);
        Assert.True(import.RootElement.GetProperty("body").TryGetProperty("users", out _));
    }

    [Fact]
    public void Summary_PurposeAndRequired_AreShortAndFromTheSchema()
    {
        var tool = Tool("auth0_users_update");

        var purpose = ToolSummary.Purpose(tool);

        Assert.InRange(purpose.Length, 1, 160);
        Assert.DoesNotContain('\n', purpose);
        Assert.All(Catalog, t => Assert.InRange(ToolSummary.Purpose(t).Length, 1, 160));
        Assert.Equal(["id"], ToolSummary.RequiredArguments(tool));
        Assert.Contains("body.members", ToolSummary.RequiredArguments(Tool("auth0_organizations_members_create")));
    }

    [Fact]
    public void ProgressiveToolsList_ThreeTools_StaysUnderTwoKilobytes()
    {
        var page = new ListToolsResult { Tools = ProgressiveTools.Create().Select(t => t.ProtocolTool).ToList() };

        var bytes = JsonSerializer.SerializeToUtf8Bytes(page, McpJsonUtilities.DefaultOptions).Length;

        Assert.True(bytes < 2048, $"{bytes} bytes");
    }
}
