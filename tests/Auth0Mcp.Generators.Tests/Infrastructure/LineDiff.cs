using System.Text;

namespace Auth0Mcp.Generators.Tests.Infrastructure;

/// <summary>A small line diff (longest common subsequence) printed as unified-diff hunks with context.</summary>
internal static class LineDiff
{
    private const int Context = 3;
    private const int MaxOutputLines = 200;
    private const long MaxCells = 16_000_000;

    public static string Unified(string expected, string actual, string expectedName, string actualName)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');

        // Trim the common head and tail so the table covers only the changed middle.
        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head])
        {
            head++;
        }

        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[a.Length - 1 - tail] == b[b.Length - 1 - tail])
        {
            tail++;
        }

        var n = a.Length - head - tail;
        var m = b.Length - head - tail;
        var ops = new List<(char Kind, int A, int B)>();
        for (var i = 0; i < head; i++)
        {
            ops.Add((' ', i, i));
        }

        if ((long)(n + 1) * (m + 1) > MaxCells)
        {
            for (var i = 0; i < n; i++)
            {
                ops.Add(('-', head + i, -1));
            }

            for (var j = 0; j < m; j++)
            {
                ops.Add(('+', -1, head + j));
            }
        }
        else
        {
            var lcs = new int[n + 1, m + 1];
            for (var i = n - 1; i >= 0; i--)
            {
                for (var j = m - 1; j >= 0; j--)
                {
                    lcs[i, j] = a[head + i] == b[head + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
                }
            }

            int x = 0, y = 0;
            while (x < n || y < m)
            {
                if (x < n && y < m && a[head + x] == b[head + y])
                {
                    ops.Add((' ', head + x++, head + y++));
                }
                else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1]))
                {
                    ops.Add(('-', head + x++, -1));
                }
                else
                {
                    ops.Add(('+', -1, head + y++));
                }
            }
        }

        for (var i = 0; i < tail; i++)
        {
            ops.Add((' ', a.Length - tail + i, b.Length - tail + i));
        }

        return Render(ops, a, b, expectedName, actualName);
    }

    private static string Render(List<(char Kind, int A, int B)> ops, string[] a, string[] b, string expectedName, string actualName)
    {
        var sb = new StringBuilder();
        sb.Append("--- ").Append(expectedName).Append('\n');
        sb.Append("+++ ").Append(actualName).Append('\n');
        var lines = 0;
        var index = 0;
        while (index < ops.Count)
        {
            var change = ops.FindIndex(index, o => o.Kind != ' ');
            if (change < 0)
            {
                break;
            }

            // A hunk runs from Context lines before the first change to Context lines after the last change that is
            // no more than 2 * Context unchanged lines from the next one.
            var start = Math.Max(index, change - Context);
            var end = change;
            while (true)
            {
                var next = ops.FindIndex(end + 1, o => o.Kind != ' ');
                if (next < 0 || next - end > 2 * Context)
                {
                    break;
                }

                end = next;
            }

            end = Math.Min(ops.Count - 1, end + Context);
            var firstA = ops.Skip(start).Take(end - start + 1).Where(o => o.A >= 0).Select(o => o.A + 1).DefaultIfEmpty(0).First();
            var firstB = ops.Skip(start).Take(end - start + 1).Where(o => o.B >= 0).Select(o => o.B + 1).DefaultIfEmpty(0).First();
            var countA = ops.Skip(start).Take(end - start + 1).Count(o => o.Kind != '+');
            var countB = ops.Skip(start).Take(end - start + 1).Count(o => o.Kind != '-');
            sb.Append($"@@ -{firstA},{countA} +{firstB},{countB} @@\n");
            for (var i = start; i <= end; i++)
            {
                var (kind, ia, ib) = ops[i];
                sb.Append(kind).Append(kind == '+' ? b[ib] : a[ia]).Append('\n');
                if (++lines >= MaxOutputLines)
                {
                    sb.Append("… (diff truncated)\n");
                    return sb.ToString();
                }
            }

            index = end + 1;
        }

        return sb.ToString();
    }
}
