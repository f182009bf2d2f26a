using System.Text.Json;

namespace Auth0Mcp.Sdk.Progressive.Search;

/// <summary>
/// A minimal valid argument object for a tool's input schema: every required argument (and, inside objects, every
/// required field), each with its enum's first value, its default or example, or a placeholder of the right type
/// and length. It shows a model the shape of a call; the values are to be replaced.
/// </summary>
internal static class ToolExample
{
    private const int MaxDepth = 8;

    /// <summary>The example arguments for <paramref name="inputSchema"/> (a JSON Schema of <c>"type": "object"</c>), as JSON.</summary>
    public static string Create(JsonElement inputSchema)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, inputSchema, "arguments", 0);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(Utf8JsonWriter w, JsonElement schema, string name, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            w.WriteStringValue(Placeholder(name, null));
            return;
        }

        foreach (var key in (ReadOnlySpan<string>)["const", "default", "example"])
        {
            if (schema.TryGetProperty(key, out var given) && given.ValueKind is not JsonValueKind.Null && (key == "const" || Fits(schema, given)))
            {
                given.WriteTo(w);
                return;
            }
        }

        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            values[0].WriteTo(w);
            return;
        }

        foreach (var key in (ReadOnlySpan<string>)["oneOf", "anyOf"])
        {
            if (schema.TryGetProperty(key, out var alternatives) && alternatives.ValueKind == JsonValueKind.Array && alternatives.GetArrayLength() > 0)
            {
                Write(w, alternatives[0], name, depth + 1);
                return;
            }
        }

        switch (TypeOf(schema))
        {
            case "object":
                WriteObject(w, schema, depth);
                break;
            case "array":
                w.WriteStartArray();
                var items = schema.TryGetProperty("items", out var i) ? i : default;
                var count = schema.TryGetProperty("minItems", out var min) && min.TryGetInt32(out var m) ? Math.Max(1, m) : 1;
                if (schema.TryGetProperty("maxItems", out var max) && max.TryGetInt32(out var x))
                {
                    count = Math.Min(count, x);
                }

                for (var n = 0; n < count && depth < MaxDepth; n++)
                {
                    Write(w, items, Singular(name), depth + 1);
                }

                w.WriteEndArray();
                break;
            case "integer":
            case "number":
                w.WriteNumberValue(Number(schema));
                break;
            case "boolean":
                w.WriteBooleanValue(true);
                break;
            case "null":
                w.WriteNullValue();
                break;
            default:
                w.WriteStringValue(Placeholder(name, schema));
                break;
        }
    }

    private static void WriteObject(Utf8JsonWriter w, JsonElement schema, int depth)
    {
        w.WriteStartObject();
        if (depth < MaxDepth && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            var names = new List<string>();
            if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
            {
                names.AddRange(required.EnumerateArray().Select(r => r.GetString()!).Where(r => properties.TryGetProperty(r, out _)));
            }

            // An object that needs fields but requires none (an update body) gets its first field.
            var least = schema.TryGetProperty("minProperties", out var min) && min.TryGetInt32(out var m) ? m : 0;
            foreach (var property in properties.EnumerateObject())
            {
                if (names.Count >= least)
                {
                    break;
                }

                if (!names.Contains(property.Name))
                {
                    names.Add(property.Name);
                }
            }

            foreach (var name in names)
            {
                w.WritePropertyName(name);
                Write(w, properties.GetProperty(name), name, depth + 1);
            }
        }

        w.WriteEndObject();
    }

    private static string TypeOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return schema.TryGetProperty("properties", out _) ? "object" : "string";
        }

        if (type.ValueKind == JsonValueKind.String)
        {
            return type.GetString()!;
        }

        return type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t is not null and not "null") ?? "null"
            : "string";
    }

    private static double Number(JsonElement schema)
    {
        var value = 1.0;
        if (schema.TryGetProperty("minimum", out var min) && min.ValueKind == JsonValueKind.Number)
        {
            value = Math.Max(value, min.GetDouble());
        }

        if (schema.TryGetProperty("exclusiveMinimum", out var xmin) && xmin.ValueKind == JsonValueKind.Number)
        {
            value = Math.Max(value, Math.Floor(xmin.GetDouble()) + 1);
        }

        if (schema.TryGetProperty("maximum", out var max) && max.ValueKind == JsonValueKind.Number)
        {
            value = Math.Min(value, max.GetDouble());
        }

        return value;
    }

    private static string Placeholder(string name, JsonElement? schema)
    {
        var format = schema is { } s && s.TryGetProperty("format", out var f) ? f.GetString() : null;
        var text = format switch
        {
            "email" => "jane@example.com",
            "uri" or "url" => "https://example.com",
            "date-time" => "2026-01-01T00:00:00Z",
            "date" => "2026-01-01",
            "ipv4" => "192.0.2.1",
            _ when name.Contains("email", StringComparison.OrdinalIgnoreCase) => "jane@example.com",
            _ when name.EndsWith("url", StringComparison.OrdinalIgnoreCase) || name.EndsWith("uri", StringComparison.OrdinalIgnoreCase) => "https://example.com",
            _ => "<" + name + ">",
        };

        if (schema is { } bounded)
        {
            if (bounded.TryGetProperty("maxLength", out var max) && max.TryGetInt32(out var x) && text.Length > x)
            {
                text = text[..Math.Max(1, x)];
            }

            if (bounded.TryGetProperty("minLength", out var min) && min.TryGetInt32(out var n) && text.Length < n)
            {
                text = text.PadRight(n, 'x');
            }
        }

        return text;
    }

    // Whether a default or example is a value of the schema's type (some specs give "5" for an integer).
    private static bool Fits(JsonElement schema, JsonElement value) => TypeOf(schema) switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        _ => value.ValueKind == JsonValueKind.String,
    };

    private static string Singular(string name) =>
        name.EndsWith("ies", StringComparison.Ordinal) ? name[..^3] + "y" :
        name.EndsWith('s') && name.Length > 1 ? name[..^1] : name;
}
