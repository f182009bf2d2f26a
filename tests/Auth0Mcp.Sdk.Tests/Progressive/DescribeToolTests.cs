using System.Text.Json;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Progressive;
using Auth0Mcp.Sdk.Tests.Governance;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Sdk.Tests.Progressive;

/// <summary>
/// <c>auth0_describe_tool</c> gives the whole description (docs/discovery.md), where tools/list's is cut at 1,200
/// characters: for <c>auth0_logs_list</c> the cut lost the checkpoint-paging rules.
/// </summary>
public sealed class DescribeToolTests
{
    private const string Listed = "Lists the logs. Paging: …";
    private const string Whole = "Lists the logs. Paging: from a checkpoint, pass from and take; any other parameter is ignored.";

    [Fact]
    public async Task Describe_DescriptionCutForToolsList_ReturnsTheWholeText()
    {
        var descriptor = new Auth0ToolDescriptor(
            "auth0_logs_list", "List logs", Listed, "GET", "/logs", "get_logs", ["logs"], ["read:logs"], Auth0ToolAction.Read, "GA",
            Descriptors.Schema, true, false, true, fullDescription: Whole);

        var described = await DescribeAsync(descriptor);

        Assert.Equal(Whole, described.GetProperty("description").GetString());
        Assert.Equal(Listed, descriptor.Description); // what tools/list shows stays cut
    }

    [Fact]
    public async Task Describe_GeneratedLogsList_KeepsTheCheckpointRules()
    {
        const string Rule = "any parameter other than `from` and `take` will be ignored";
        var descriptor = Auth0ToolCatalog.Descriptors.Single(d => d.Name == "auth0_logs_list");

        var described = await DescribeAsync(descriptor);

        Assert.DoesNotContain(Rule, descriptor.Description, StringComparison.Ordinal);
        Assert.Contains(Rule, described.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void FullDescription_NothingCut_IsTheDescription_AndNeverInTheContentHash()
    {
        Auth0ToolDescriptor Make(string? full) => new(
            "auth0_things_get", "Get a thing", Listed, "GET", "/things/{id}", "get_thing", ["things"], ["read:things"], Auth0ToolAction.Read, "GA",
            Descriptors.Schema, true, false, true, fullDescription: full);

        Assert.Same(Listed, Make(null).FullDescription);
        // An approval holds for what tools/list shows (docs/discovery.md): carrying the whole text changes no hash.
        Assert.Equal(Make(null).ContentHash, Make(Whole).ContentHash);
    }

    /// <summary>The object auth0_describe_tool answers for <paramref name="descriptor"/>, in progressive mode with governance on.</summary>
    private static async Task<JsonElement> DescribeAsync(Auth0ToolDescriptor descriptor)
    {
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(descriptor)],
            services: s => s.AddMcpServer().WithToolsMode(o => o.Mode = ToolsMode.Progressive));
        await h.AllowAsync(["alice"], descriptor.Name);
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await alice.CallToolAsync("auth0_describe_tool", new Dictionary<string, object?> { ["name"] = descriptor.Name });

        Assert.True(result.IsError is not true, ResultText.Of(result));
        using var document = JsonDocument.Parse(ResultText.Of(result));
        return document.RootElement.Clone();
    }
}
