using System.Globalization;
using System.Text;

namespace Auth0Mcp.Sdk.Tests.Progressive;

/// <summary>One operator task of <c>discovery-tasks.tsv</c>: what is asked and the tools that would do it.</summary>
internal sealed record DiscoveryTask(int Line, string Split, string Query, IReadOnlyList<string> Acceptable);

/// <summary>Recall of a ranking over a set of tasks.</summary>
internal sealed record DiscoveryRecall(int Tasks, int Top1, int Top5)
{
    public double Top1Rate => Tasks == 0 ? 0 : (double)Top1 / Tasks;

    public double Top5Rate => Tasks == 0 ? 0 : (double)Top5 / Tasks;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Tasks,4} tasks  top-1 {Top1Rate,7:P1}  top-5 {Top5Rate,7:P1}");
}

/// <summary>The result of running every task through a ranking: overall, per split, per group, and the misses.</summary>
internal sealed record DiscoveryReport(
    DiscoveryRecall Overall,
    IReadOnlyDictionary<string, DiscoveryRecall> BySplit,
    IReadOnlyDictionary<string, DiscoveryRecall> ByGroup,
    IReadOnlyList<(DiscoveryTask Task, IReadOnlyList<string> Top5)> Misses)
{
    public string Format()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"overall   {Overall}");
        foreach (var (split, recall) in BySplit.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{split,-9} {recall}");
        }

        foreach (var (group, recall) in ByGroup.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {group,-22} {recall}");
        }

        foreach (var (task, top5) in Misses)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"miss [{task.Split}] \"{task.Query}\" wants {string.Join(" | ", task.Acceptable)}; got {string.Join(", ", top5)}");
        }

        return sb.ToString();
    }
}

/// <summary>Reads the operator task set and measures a ranking on it.</summary>
internal static class DiscoveryTaskSet
{
    public static IReadOnlyList<DiscoveryTask> Load(string path)
    {
        var tasks = new List<DiscoveryTask>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var columns = line.Split('\t');
            if (columns.Length != 3 || columns[0] is not ("dev" or "heldout"))
            {
                throw new FormatException($"{path}:{i + 1}: expected 'dev|heldout<TAB>query<TAB>tool tool...', got '{line}'");
            }

            tasks.Add(new DiscoveryTask(i + 1, columns[0], columns[1], columns[2].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        }

        return tasks;
    }

    /// <summary>Runs every task through <paramref name="rank"/> (query → tool names, best first) and counts hits.</summary>
    /// <param name="tasks">The tasks.</param>
    /// <param name="groupOf">The top-level operation group of a tool name.</param>
    /// <param name="rank">The ranking under test.</param>
    public static DiscoveryReport Measure(IReadOnlyList<DiscoveryTask> tasks, Func<string, string> groupOf, Func<string, IReadOnlyList<string>> rank)
    {
        var outcomes = new List<(DiscoveryTask Task, string Group, bool Top1, bool Top5, IReadOnlyList<string> Top)>();
        foreach (var task in tasks)
        {
            var top = rank(task.Query).Take(5).ToList();
            var top1 = top.Count > 0 && task.Acceptable.Contains(top[0], StringComparer.Ordinal);
            var top5 = top.Any(t => task.Acceptable.Contains(t, StringComparer.Ordinal));
            outcomes.Add((task, groupOf(task.Acceptable[0]), top1, top5, top));
        }

        static DiscoveryRecall Count(IEnumerable<(DiscoveryTask Task, string Group, bool Top1, bool Top5, IReadOnlyList<string> Top)> items)
        {
            var list = items.ToList();
            return new DiscoveryRecall(list.Count, list.Count(o => o.Top1), list.Count(o => o.Top5));
        }

        return new DiscoveryReport(
            Count(outcomes),
            outcomes.GroupBy(o => o.Task.Split, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Count(g), StringComparer.Ordinal),
            outcomes.GroupBy(o => o.Group, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Count(g), StringComparer.Ordinal),
            outcomes.Where(o => !o.Top1).Select(o => (o.Task, o.Top)).ToList());
    }
}
