using System.Text.Json;
using System.Text.Json.Nodes;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace Auth0Mcp.Admin;

/// <summary>One line of a diff: <c>+</c> added, <c>-</c> removed, <c> </c> unchanged.</summary>
internal sealed record DiffLine(char Change, string Text);

/// <summary>What changed in a tool between the approved version and the current one: a line diff of their indented JSON.</summary>
internal static class ToolDiff
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The indented form of a recorded tool's JSON (inputSchema included, contentHash left out).</summary>
    public static string Pretty(string json)
    {
        var node = JsonNode.Parse(json)?.AsObject() ?? [];
        node.Remove("contentHash");
        return node.ToJsonString(Indented);
    }

    /// <summary>The changed lines with up to <paramref name="context"/> unchanged lines around each change.</summary>
    public static IReadOnlyList<DiffLine> Lines(string approved, string current, int context = 3)
    {
        var lines = InlineDiffBuilder.Diff(Pretty(approved), Pretty(current), ignoreWhiteSpace: false).Lines;
        var keep = new bool[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Type is ChangeType.Inserted or ChangeType.Deleted or ChangeType.Modified)
            {
                for (var j = Math.Max(0, i - context); j <= Math.Min(lines.Count - 1, i + context); j++)
                {
                    keep[j] = true;
                }
            }
        }

        var result = new List<DiffLine>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (!keep[i])
            {
                if (result.Count > 0 && result[^1].Change != '…')
                {
                    result.Add(new DiffLine('…', ""));
                }

                continue;
            }

            result.Add(new DiffLine(lines[i].Type switch { ChangeType.Inserted => '+', ChangeType.Deleted => '-', _ => ' ' }, lines[i].Text));
        }

        return result;
    }
}
