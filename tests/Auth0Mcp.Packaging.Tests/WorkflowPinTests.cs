using System.Text.RegularExpressions;
using Auth0Mcp.Packaging.Tests.Infrastructure;

namespace Auth0Mcp.Packaging.Tests;

/// <summary>
/// The workflows run other repositories' actions, one of them (spec-update) with write access to the repository: each is
/// named by a full commit, which its owner cannot move, with the tag it was taken from in a comment (for updating it).
/// </summary>
public sealed partial class WorkflowPinTests
{
    public static TheoryData<string> Workflows => new(Directory.GetFiles(Path.Combine(Repo.Root, ".github", "workflows"), "*.yml").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Workflow_EveryActionIsPinnedToACommit(string workflow)
    {
        var uses = Uses().Matches(File.ReadAllText(Path.Combine(Repo.Root, ".github", "workflows", workflow))).ToList();

        Assert.NotEmpty(uses);
        Assert.All(uses, use => Assert.Matches(@"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d", use.Groups[1].Value));
    }

    [GeneratedRegex(@"(?m)^\s*(?:- )?uses:\s*(.*)$")]
    private static partial Regex Uses();
}
