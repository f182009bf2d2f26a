using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Progressive;
using Xunit.Abstractions;

namespace Auth0Mcp.Sdk.Tests.Progressive;

/// <summary>
/// Progressive search on the operator task set (<c>discovery-tasks.tsv</c>) over the whole generated catalogue:
/// top-1 and top-5 recall overall, per split and per operation group, against the goals of docs/discovery.md.
/// </summary>
public sealed class DiscoveryRecallTests(ITestOutputHelper output)
{
    private static readonly IReadOnlyList<Auth0ToolDescriptor> Catalog = Auth0ToolCatalog.Descriptors;
    private static readonly Dictionary<string, Auth0ToolDescriptor> ByName = Catalog.ToDictionary(t => t.Name, StringComparer.Ordinal);

    private static IReadOnlyList<DiscoveryTask> Tasks() =>
        DiscoveryTaskSet.Load(Path.Combine(AppContext.BaseDirectory, "Progressive", "discovery-tasks.tsv"));

    private static string GroupOf(string tool) => ByName[tool].Group[0];

    [Fact]
    public void TaskSet_EveryToolIsRealAndEveryGroupIsAsked()
    {
        var tasks = Tasks();

        Assert.True(tasks.Count >= 150, $"{tasks.Count} tasks");
        Assert.All(tasks, t => Assert.All(t.Acceptable, name => Assert.True(ByName.ContainsKey(name), $"line {t.Line}: no tool {name}")));
        var asked = tasks.Select(t => GroupOf(t.Acceptable[0])).ToHashSet(StringComparer.Ordinal);
        var unasked = Catalog.Select(t => t.Group[0]).Distinct(StringComparer.Ordinal).Where(g => !asked.Contains(g)).ToList();
        Assert.True(unasked.Count == 0, "groups without a task: " + string.Join(", ", unasked));
        Assert.True(tasks.Count(t => t.Split == "heldout") * 4 >= tasks.Count, "at least a quarter of the tasks are held out");
        Assert.Equal(tasks.Count, tasks.Select(t => t.Query).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void Search_OperatorTasks_MeetsRecallGoals()
    {
        var report = DiscoveryTaskSet.Measure(Tasks(), GroupOf, q => ToolSearch.Search(Catalog, q, null).Select(h => h.Tool.Name).ToList());
        output.WriteLine(report.Format());

        Assert.True(report.Overall.Top5Rate >= 0.95, $"top-5 {report.Overall.Top5Rate:P1}");
        Assert.True(report.Overall.Top1Rate >= 0.75, $"top-1 {report.Overall.Top1Rate:P1}");
        var weak = report.ByGroup.Where(g => g.Value.Top5Rate < 0.85).Select(g => $"{g.Key} {g.Value}").ToList();
        Assert.True(weak.Count == 0, "groups under 85% top-5: " + string.Join("; ", weak));
    }
}
