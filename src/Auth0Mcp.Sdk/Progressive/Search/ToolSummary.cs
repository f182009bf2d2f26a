using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Progressive.Search;

/// <summary>What a model needs to choose a tool from a search result: one line of purpose and the required arguments.</summary>
internal static partial class ToolSummary
{
    private const int MaxPurpose = 160;

    /// <summary>The first sentence of the description (markup removed, at most 160 characters), else the title.</summary>
    public static string Purpose(Auth0ToolDescriptor tool)
    {
        var text = Whitespace().Replace(Markup().Replace(tool.Description, ""), " ").Trim();
        if (text.Length == 0)
        {
            return tool.Title;
        }

        var end = SentenceEnd().Match(text);
        var sentence = end.Success ? text[..(end.Index + 1)] : text;
        return sentence.Length <= MaxPurpose ? sentence : sentence[..(MaxPurpose - 1)].TrimEnd() + "…";
    }

    /// <summary>The required arguments: top-level names, and the request body's required fields as <c>body.name</c>.</summary>
    public static IReadOnlyList<string> RequiredArguments(Auth0ToolDescriptor tool)
    {
        var required = new List<string>();
        var root = tool.InputSchemaElement;
        foreach (var name in Names(root, "required"))
        {
            if (name != "body")
            {
                required.Add(name);
            }
        }

        if (root.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty("body", out var body))
        {
            var fields = Names(body, "required").ToList();
            if (fields.Count > 0)
            {
                required.AddRange(fields.Select(f => "body." + f));
            }
            else if (Names(root, "required").Contains("body"))
            {
                required.Add("body");
            }
        }

        return required;
    }

    private static IEnumerable<string> Names(JsonElement schema, string property) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty(property, out var names) && names.ValueKind == JsonValueKind.Array
            ? names.EnumerateArray().Where(n => n.ValueKind == JsonValueKind.String).Select(n => n.GetString()!).ToList()
            : [];

    // HTML tags and Markdown emphasis or code marks.
    [GeneratedRegex(@"<[^>]+>|[`*]")]
    private static partial Regex Markup();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // A full stop that ends a sentence: followed by a space and a capital, or the end (not "e.g." or "v2.1").
    [GeneratedRegex(@"(?<!\b(e\.g|i\.e|etc|vs))\.(?=\s+[A-Z]|$)")]
    private static partial Regex SentenceEnd();
}
