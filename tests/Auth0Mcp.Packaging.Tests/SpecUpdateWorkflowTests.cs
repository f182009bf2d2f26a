using System.Text.RegularExpressions;
using Auth0Mcp.Packaging.Tests.Infrastructure;

namespace Auth0Mcp.Packaging.Tests;

/// <summary>The weekly workflow calls the scripts that the tests exercise, with the options they test.</summary>
public sealed class SpecUpdateWorkflowTests
{
    private static readonly string Workflow = File.ReadAllText(Path.Combine(Repo.Root, ".github", "workflows", "spec-update.yml"));

    [Fact]
    public void Workflow_RunsWeeklyAndOnDemand()
    {
        Assert.Matches(@"(?m)^  schedule:\s*\n\s*- cron: ""\d+ \d+ \* \* [0-6]""", Workflow);
        Assert.Contains("  workflow_dispatch:", Workflow);
    }

    [Fact]
    public void Workflow_UpdatesThroughTheTestedScriptAndOpensAPullRequestWithTheDiff()
    {
        Assert.Contains("bash build/update-spec ", Workflow);
        Assert.Contains("--diff-out \"$RUNNER_TEMP/pr-body.md\"", Workflow);
        Assert.Contains("body-path: ${{ runner.temp }}/pr-body.md", Workflow);
        Assert.Contains("peter-evans/create-pull-request@", Workflow);
        Assert.Contains("repos/$SPEC_REPO/commits?path=$SPEC_PATH", Workflow);
        Assert.Contains("SPEC_REPO: " + Repo.PinProperty("Auth0SpecRepository"), Workflow);
        Assert.Contains("SPEC_PATH: " + Repo.PinProperty("Auth0SpecRepoPath"), Workflow);

        // No expression is spliced into a run script (a dispatched spec_url is anyone's text): values go through env.
        foreach (Match run in Regex.Matches(Workflow, @"(?ms)^        run: \|\n(.*?)(?=^      - |\z)"))
        {
            Assert.DoesNotContain("${{", run.Groups[1].Value, StringComparison.Ordinal);
        }

        // One branch, so a weekly run while the pull request is open updates it instead of opening a second.
        Assert.Contains("branch: spec-update\n", Workflow, StringComparison.Ordinal);

        // Every repository script the workflow calls exists, and its options are ones the script accepts.
        foreach (Match m in Regex.Matches(Workflow, @"build/[\w.-]+"))
        {
            Assert.True(File.Exists(Path.Combine(Repo.Root, m.Value)), m.Value);
        }

        var script = File.ReadAllText(Path.Combine(Repo.Root, "build", "update-spec"));
        foreach (var option in new[] { "--no-test", "--diff-out", "--json-out" })
        {
            Assert.Contains($"    {option})", script);
        }
    }
}
