using Auth0Mcp.Generators.Binding;
using Auth0Mcp.Generators.Model;
using Auth0Mcp.Generators.Tests.Infrastructure;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// What the binder decides about a tool beyond its HTTP method, on <c>Fixtures/Classification.json</c> and the pinned
/// spec: a POST whose summary says it rolls back, or that deploys, is destructive (MCP destructiveHint); a description
/// cut for tools/list is also kept whole, and only then.
/// </summary>
public sealed class ClassificationTests(FullSpecFixture spec) : IClassFixture<FullSpecFixture>
{
    private static readonly ApiModel Model = CoreRun.From(SmallSpecs.Text(SmallSpecs.Classification), SmallSpecs.Namespace(SmallSpecs.Classification)).RequiredModel;

    private static ToolModel Tool(string name) => Assert.Single(Model.Tools, t => t.Name == name);

    [Theory]
    [InlineData("auth0_things_versions_use")]        // "Roll back to a previous thing version": only the summary says so
    [InlineData("auth0_things_settings_previous")]   // "Roll-back a thing's settings"
    [InlineData("auth0_things_drafts_restore_last")] // "Rollback the draft of a thing"
    [InlineData("auth0_things_deploy")]              // replaces what runs
    public void Destructive_PostThatRollsBackOrDeploys_IsDestructive(string name)
    {
        Assert.True(Tool(name).Destructive, name);
    }

    [Theory]
    [InlineData("auth0_things_create")]  // adds
    [InlineData("auth0_things_rollout")] // "Roll out … then back it up": "roll" and "back" apart
    public void Destructive_PostThatAdds_IsNot(string name)
    {
        Assert.False(Tool(name).Destructive, name);
    }

    [Theory]
    [InlineData("Roll back to a previous action version", true)]
    [InlineData("roll-back", true)]
    [InlineData("RollBack", true)]
    [InlineData("rollback", true)]
    [InlineData("post_deploy_draft_version /actions/actions/{id}/deploy", true)]
    [InlineData("Roll out, then back up", false)]
    [InlineData("post_deployments /deployments Create a deployment record", false)]
    public void IsDestructivePost_Words(string text, bool destructive)
    {
        Assert.Equal(destructive, SpecBinder.IsDestructivePost(text));
    }

    [Fact]
    public void FullDescription_CutForToolsList_KeptWholeForDescribe()
    {
        var tool = Tool("auth0_things_list");

        Assert.True(tool.Description.Length <= SpecBinder.ListedDescriptionLength, $"{tool.Description.Length} characters listed");
        Assert.EndsWith(" …", tool.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("Checkpoint paging", tool.Description, StringComparison.Ordinal);
        Assert.NotNull(tool.FullDescription);
        Assert.StartsWith(tool.Description[..^2], tool.FullDescription, StringComparison.Ordinal);
        // Cleaned as the listed text is (markup removed), and whole: the checkpoint rules at the end are there.
        Assert.EndsWith("Checkpoint paging. To read past the first 1,000 things, pass `from` (the `id` of the last thing you read) and `take`; do not combine `from` with `page`. The last page is the one that returns fewer than `take` things.", tool.FullDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void FullDescription_Deprecated_BothTextsSaySo()
    {
        var tool = Tool("auth0_things_list_legacy");

        Assert.StartsWith("Deprecated: ", tool.Description, StringComparison.Ordinal);
        Assert.StartsWith("Deprecated: ", tool.FullDescription, StringComparison.Ordinal);
        Assert.StartsWith(tool.Description[..^2], tool.FullDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void FullDescription_NotCut_IsNotCarried()
    {
        Assert.All(Model.Tools.Where(t => t.Name is not ("auth0_things_list" or "auth0_things_list_legacy")), t => Assert.Null(t.FullDescription));
    }

    [Theory]
    [InlineData("auth0_actions_versions_deploy")] // "Roll back to a previous action version"
    [InlineData("auth0_actions_deploy")]          // "Deploy an action": replaces the live code of a trigger
    [InlineData("auth0_actions_modules_rollback")]
    public void FullSpec_RollbackAndDeploy_AreDestructive(string name)
    {
        Assert.True(Assert.Single(spec.Model.Tools, t => t.Name == name).Destructive, name);
    }

    [Fact]
    public void FullSpec_LogsList_KeepsTheCheckpointRulesForDescribe()
    {
        var tool = Assert.Single(spec.Model.Tools, t => t.Name == "auth0_logs_list");

        Assert.NotNull(tool.FullDescription);
        Assert.True(tool.FullDescription.Length > tool.Description.Length);
        const string Rule = "any parameter other than `from` and `take` will be ignored";
        Assert.Contains(Rule, tool.FullDescription, StringComparison.Ordinal);
        Assert.DoesNotContain(Rule, tool.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void FullSpec_FullDescription_OnlyWhereTheListedOneWasCut()
    {
        Assert.All(spec.Model.Tools, t =>
        {
            if (t.FullDescription is null)
            {
                Assert.False(t.Description.EndsWith(" …", StringComparison.Ordinal) && t.Description.Length > SpecBinder.ListedDescriptionLength - 200, t.Name);
            }
            else
            {
                Assert.StartsWith(t.Description[..^2], t.FullDescription, StringComparison.Ordinal);
            }
        });
    }
}
