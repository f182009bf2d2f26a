using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Governance;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Progressive;

/// <summary>
/// Turns a result larger than <see cref="MaxBytes"/> into a truncated one that says what was cut and how to get the
/// rest (a smaller page, the next page, fewer fields), instead of a bare denial. A JSON list keeps as many whole
/// items as fit; other text is cut at the limit. Runs after secret masking and before the output size guard
/// (priority 900), so the guard then passes the shaped result.
/// </summary>
public sealed class ResultTruncationHook : ToolCallHook
{
    /// <summary>Creates the hook; <paramref name="maxBytes"/> is usually the size guard's limit.</summary>
    public ResultTruncationHook(int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 256);
        MaxBytes = maxBytes;
    }

    /// <summary>The largest result kept whole, in UTF-8 bytes of text and structured content.</summary>
    public int MaxBytes { get; }

    /// <inheritdoc />
    public override string Name => "result-truncation";

    /// <inheritdoc />
    public override int Priority => 900;

    /// <inheritdoc />
    public override ValueTask<HookDecision> AfterCallAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Result is not { } result || result.IsError == true || Size(result) <= MaxBytes)
        {
            return ValueTask.FromResult(HookDecision.Allow);
        }

        var text = string.Concat(result.Content.OfType<TextContentBlock>().Take(1).Select(t => t.Text));
        var originalBytes = Size(result);
        // Leave room for the note and for the structured copy of the kept part.
        var budget = Math.Max(128, (MaxBytes / 2) - 512);
        string kept;
        string what;
        JsonNode? node = null;
        try
        {
            node = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
        }

        if (node is not null && ListOf(node) is { } list && list.Count > 0)
        {
            var total = list.Count;
            var keep = FitItems(node, list, budget);
            kept = node.ToJsonString();
            what = string.Create(CultureInfo.InvariantCulture, $"showing the first {keep} of {total} items");
        }
        else
        {
            kept = CutUtf8(text, budget);
            what = string.Create(CultureInfo.InvariantCulture, $"showing the first {Encoding.UTF8.GetByteCount(kept)} bytes");
            node = null;
        }

        var note = string.Create(CultureInfo.InvariantCulture, $"Result truncated: {originalBytes} bytes is over the {MaxBytes}-byte limit; {what}.")
            + " For the rest, ask for a smaller page (per_page or take), then the next pages (page=1, 2, … with include_totals=true, or from=<next>), and fewer fields "
            + "(fields=name,email with include_fields=true) where the tool has those arguments.";
        result.Content.Clear();
        result.Content.Add(new TextContentBlock { Text = kept });
        result.Content.Add(new TextContentBlock { Text = note });
        result.StructuredContent = node switch
        {
            JsonObject o => Element(o.ToJsonString()),
            JsonArray => Element("{\"result\":" + kept + "}"),
            _ => null,
        };
        return ValueTask.FromResult(HookDecision.Rewrite($"truncated {originalBytes} bytes ({what})"));
    }

    private static JsonElement Element(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    private static long Size(CallToolResult result) => OutputSizeGuardHook.SizeOf(result);

    // The list to shorten: the body itself, or the largest array property of an object ({"users": [...], "total": n}).
    private static JsonArray? ListOf(JsonNode node) => node switch
    {
        JsonArray a => a,
        JsonObject o => o.Select(kv => kv.Value).OfType<JsonArray>().OrderByDescending(a => a.Count).FirstOrDefault(),
        _ => null,
    };

    private static int FitItems(JsonNode root, JsonArray list, int budget)
    {
        var items = list.Select(i => i?.DeepClone()).ToList();
        list.Clear();
        var size = Encoding.UTF8.GetByteCount(root.ToJsonString());
        var kept = 0;
        foreach (var item in items)
        {
            var itemSize = Encoding.UTF8.GetByteCount(item?.ToJsonString() ?? "null") + 1;
            if (size + itemSize > budget)
            {
                break;
            }

            list.Add(item);
            size += itemSize;
            kept++;
        }

        return kept;
    }

    private static string CutUtf8(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var length = Math.Min(text.Length, maxBytes);
        while (length > 0 && Encoding.UTF8.GetByteCount(text.AsSpan(0, length)) > maxBytes)
        {
            length--;
        }

        if (length > 0 && char.IsHighSurrogate(text[length - 1]))
        {
            length--;
        }

        return text[..length];
    }
}
