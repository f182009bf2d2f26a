using System.Text.Json;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>What a tool's input schema says about one JSON pointer.</summary>
/// <param name="Types">The JSON types allowed there (empty: any).</param>
/// <param name="Required">Whether every alternative of the parent requires it.</param>
/// <param name="Properties">The properties declared there, when it is an object with declared properties.</param>
internal sealed record SchemaTarget(IReadOnlySet<string> Types, bool Required, IReadOnlySet<string>? Properties);

/// <summary>Resolves JSON pointers (RFC 6901) against generated input schemas: properties, items, anyOf/oneOf/allOf.</summary>
internal static class SchemaPath
{
    /// <summary>The unescaped segments of <paramref name="pointer"/> (<c>~1</c> is '/', <c>~0</c> is '~').</summary>
    public static IReadOnlyList<string> Segments(string pointer) =>
        pointer.Length <= 1 ? [] : pointer[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();

    /// <summary>What <paramref name="schemaText"/> allows at <paramref name="pointer"/>; null when the schema has no such path.</summary>
    public static SchemaTarget? Resolve(string schemaText, string pointer)
    {
        using var doc = JsonDocument.Parse(schemaText);
        var current = Expand(doc.RootElement);
        var required = false;
        foreach (var segment in Segments(pointer))
        {
            var next = new List<JsonElement>();
            var requiredEverywhere = true;
            foreach (var schema in current)
            {
                if (schema.TryGetProperty("properties", out var props) && props.ValueKind == JsonValueKind.Object && props.TryGetProperty(segment, out var child))
                {
                    next.Add(child);
                    requiredEverywhere &= schema.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.Array
                        && req.EnumerateArray().Any(r => r.ValueKind == JsonValueKind.String && r.GetString() == segment);
                }
                else if (schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object && segment.All(char.IsAsciiDigit) && segment.Length > 0)
                {
                    next.Add(items);
                    requiredEverywhere = false;
                }
            }

            if (next.Count == 0)
            {
                return null;
            }

            required = requiredEverywhere;
            current = next.SelectMany(Expand).ToList();
        }

        var types = new HashSet<string>(StringComparer.Ordinal);
        var untyped = false;
        HashSet<string>? properties = null;
        foreach (var schema in current)
        {
            if (!schema.TryGetProperty("type", out var type))
            {
                untyped |= !schema.TryGetProperty("const", out _) && !schema.TryGetProperty("enum", out _);
                AddConstTypes(schema, types);
            }
            else if (type.ValueKind == JsonValueKind.String)
            {
                types.Add(type.GetString()!);
            }
            else if (type.ValueKind == JsonValueKind.Array)
            {
                types.UnionWith(type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!));
            }

            if (schema.TryGetProperty("properties", out var props) && props.ValueKind == JsonValueKind.Object)
            {
                properties ??= new HashSet<string>(StringComparer.Ordinal);
                properties.UnionWith(props.EnumerateObject().Select(p => p.Name));
            }
        }

        // An alternative without a type admits anything: report no constraint rather than a partial one.
        return new SchemaTarget(untyped ? new HashSet<string>() : types, required, properties);
    }

    private static void AddConstTypes(JsonElement schema, HashSet<string> types)
    {
        IEnumerable<JsonElement> values = schema.TryGetProperty("const", out var c) ? [c]
            : schema.TryGetProperty("enum", out var e) && e.ValueKind == JsonValueKind.Array ? e.EnumerateArray() : [];
        foreach (var value in values)
        {
            types.Add(value.ValueKind switch
            {
                JsonValueKind.String => "string",
                JsonValueKind.Number => "number",
                JsonValueKind.True or JsonValueKind.False => "boolean",
                JsonValueKind.Object => "object",
                JsonValueKind.Array => "array",
                _ => "null",
            });
        }
    }

    /// <summary>The schema and, recursively, its anyOf/oneOf/allOf alternatives (the ones that say something).</summary>
    private static List<JsonElement> Expand(JsonElement schema)
    {
        var result = new List<JsonElement>();
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return result;
        }

        var composite = false;
        foreach (var key in (ReadOnlySpan<string>)["anyOf", "oneOf", "allOf"])
        {
            if (schema.TryGetProperty(key, out var alternatives) && alternatives.ValueKind == JsonValueKind.Array)
            {
                composite = true;
                foreach (var alternative in alternatives.EnumerateArray())
                {
                    result.AddRange(Expand(alternative));
                }
            }
        }

        if (!composite || schema.TryGetProperty("type", out _) || schema.TryGetProperty("properties", out _))
        {
            result.Add(schema);
        }

        return result;
    }
}
