using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>
/// Synthesises arguments that satisfy a tool's input schema: required fields only, or every field. Strings honour
/// enum, const, format, length bounds and simple regular-expression patterns; numbers honour their bounds.
/// </summary>
internal static class SchemaSampler
{
    public static JsonObject Sample(JsonElement schema, bool allFields) => (JsonObject)Value(schema, allFields, "", 0)!;

    private static JsonNode? Value(JsonElement schema, bool all, string name, int depth)
    {
        if (schema.TryGetProperty("const", out var constant))
        {
            return JsonNode.Parse(constant.GetRawText());
        }

        if (schema.TryGetProperty("enum", out var options) && options.GetArrayLength() > 0)
        {
            var first = options.EnumerateArray().FirstOrDefault(o => o.ValueKind != JsonValueKind.Null);
            return JsonNode.Parse(first.GetRawText());
        }

        if (schema.TryGetProperty("default", out var defaultValue) && defaultValue.ValueKind != JsonValueKind.Null
            && (!schema.TryGetProperty("type", out var dt) || dt.ValueKind != JsonValueKind.String || Matches(dt.GetString()!, defaultValue)))
        {
            return JsonNode.Parse(defaultValue.GetRawText());
        }

        foreach (var key in new[] { "oneOf", "anyOf" })
        {
            if (schema.TryGetProperty(key, out var alternatives))
            {
                var pick = alternatives.EnumerateArray().FirstOrDefault(a => !IsNullOnly(a));
                if (pick.ValueKind == JsonValueKind.Object)
                {
                    return Value(pick, all, name, depth + 1);
                }
            }
        }

        var type = TypeOf(schema);
        switch (type)
        {
            case "object":
                var obj = new JsonObject();
                if (depth > 6)
                {
                    return obj;
                }

                var required = schema.TryGetProperty("required", out var req) ? req.EnumerateArray().Select(r => r.GetString()!).ToHashSet() : [];
                if (schema.TryGetProperty("properties", out var properties))
                {
                    foreach (var p in properties.EnumerateObject())
                    {
                        if (required.Contains(p.Name) || (all && depth < 3))
                        {
                            obj[p.Name] = Value(p.Value, all, p.Name, depth + 1);
                        }
                    }
                }

                // Fill up to minProperties with optional properties, then with free-form entries.
                var minProps = schema.TryGetProperty("minProperties", out var mp) ? mp.GetInt32() : 0;
                if (obj.Count < minProps && schema.TryGetProperty("properties", out var more))
                {
                    foreach (var p in more.EnumerateObject())
                    {
                        if (obj.Count >= minProps)
                        {
                            break;
                        }

                        obj[p.Name] ??= Value(p.Value, all, p.Name, depth + 1);
                    }
                }

                for (var k = 0; obj.Count < minProps; k++)
                {
                    obj["key" + k] = schema.TryGetProperty("additionalProperties", out var ap) && ap.ValueKind == JsonValueKind.Object
                        ? Value(ap, all, "key" + k, depth + 1)
                        : JsonValue.Create("value");
                }

                var maxProps = schema.TryGetProperty("maxProperties", out var xp) ? xp.GetInt32() : int.MaxValue;
                while (obj.Count > maxProps)
                {
                    var optional = obj.Select(kv => kv.Key).LastOrDefault(k => !required.Contains(k));
                    if (optional is null)
                    {
                        break;
                    }

                    obj.Remove(optional);
                }

                return obj;
            case "array":
                var array = new JsonArray();
                var count = schema.TryGetProperty("minItems", out var min) ? Math.Max(min.GetInt32(), all ? 1 : 0) : all ? 1 : 0;
                if (schema.TryGetProperty("maxItems", out var maxItems))
                {
                    count = Math.Min(count, maxItems.GetInt32());
                }

                for (var i = 0; i < count; i++)
                {
                    array.Add(schema.TryGetProperty("items", out var items) ? Value(items, all, name, depth + 1) : JsonValue.Create("x"));
                }

                return array;
            case "integer":
            case "number":
                var low = schema.TryGetProperty("minimum", out var mn) ? mn.GetDouble() : 1;
                if (schema.TryGetProperty("exclusiveMinimum", out var xmn) && xmn.ValueKind == JsonValueKind.Number)
                {
                    low = xmn.GetDouble() + 1;
                }

                var high = schema.TryGetProperty("maximum", out var mx) ? mx.GetDouble() : double.MaxValue;
                var v = Math.Min(Math.Max(low, 1), high);
                return type == "integer" ? JsonValue.Create((long)Math.Ceiling(v)) : JsonValue.Create(v);
            case "boolean":
                return JsonValue.Create(true);
            case "null":
                return null;
            default:
                return JsonValue.Create(StringValue(schema, name));
        }
    }

    private static string StringValue(JsonElement schema, string name)
    {
        string value;
        if (schema.TryGetProperty("pattern", out var pattern) && RegexSampler.TrySample(pattern.GetString()!, out var sampled))
        {
            // A standard format's own example wins when it also fits the pattern (a pattern like ^https:// alone
            // samples "https://", which is not a URI).
            value = schema.TryGetProperty("format", out var pf) && pf.GetString() is "uri" or "url" or "email" or "hostname"
                && System.Text.RegularExpressions.Regex.IsMatch(pf.GetString() == "email" ? "user@example.com" : pf.GetString() == "hostname" ? "example.com" : "https://example.com/x", pattern.GetString()!)
                ? (pf.GetString() == "email" ? "user@example.com" : pf.GetString() == "hostname" ? "example.com" : "https://example.com/x")
                : sampled;
        }
        else
        {
            value = (schema.TryGetProperty("format", out var f) ? f.GetString() : null) switch
            {
                "email" => "user@example.com",
                "uri" or "url" or "uri-reference" => "https://example.com/x",
                "date-time" => "2026-01-01T00:00:00Z",
                "date" => "2026-01-01",
                "hostname" => "example.com",
                "ipv4" => "192.0.2.1",
                "ipv6" => "2001:db8::1",
                "uuid" => "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                "byte" => "aGVsbG8=",
                "password" => "Password-1234!",
                _ => name.Contains("email", StringComparison.OrdinalIgnoreCase) ? "user@example.com"
                    : name.Contains("url", StringComparison.OrdinalIgnoreCase) || name.Contains("uri", StringComparison.OrdinalIgnoreCase) ? "https://example.com/x"
                    : "sample",
            };
        }

        var minLength = schema.TryGetProperty("minLength", out var minL) ? minL.GetInt32() : 0;
        var maxLength = schema.TryGetProperty("maxLength", out var maxL) ? maxL.GetInt32() : int.MaxValue;
        if (value.Length < minLength)
        {
            value += new string('a', minLength - value.Length);
        }

        return value.Length > maxLength ? value[..maxLength] : value;
    }

    private static string TypeOf(JsonElement schema)
    {
        if (schema.TryGetProperty("type", out var t))
        {
            if (t.ValueKind == JsonValueKind.String)
            {
                return t.GetString()!;
            }

            if (t.ValueKind == JsonValueKind.Array)
            {
                return t.EnumerateArray().Select(x => x.GetString()!).FirstOrDefault(x => x != "null") ?? "null";
            }
        }

        return schema.TryGetProperty("properties", out _) ? "object" : "string";
    }

    private static bool Matches(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" or "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        _ => true,
    };

    private static bool IsNullOnly(JsonElement schema) =>
        schema.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null";
}

/// <summary>Produces one string matching a simple regular expression (classes, ranges, quantifiers, groups, alternation).</summary>
internal static class RegexSampler
{
    public static bool TrySample(string pattern, out string value)
    {
        try
        {
            var sb = new StringBuilder();
            var i = 0;
            Sequence(pattern, ref i, sb);
            value = sb.ToString();
            return System.Text.RegularExpressions.Regex.IsMatch(value, pattern);
        }
        catch (Exception)
        {
            value = "";
            return false;
        }
    }

    private static void Sequence(string p, ref int i, StringBuilder sb)
    {
        while (i < p.Length && p[i] != ')' && p[i] != '|')
        {
            var atom = new StringBuilder();
            Atom(p, ref i, atom);
            var (min, _) = Quantifier(p, ref i);
            for (var k = 0; k < min; k++)
            {
                sb.Append(atom);
            }
        }

        // Skip the remaining alternatives: the first one is taken.
        while (i < p.Length && p[i] == '|')
        {
            i++;
            var depth = 0;
            while (i < p.Length && !(depth == 0 && (p[i] == ')' || p[i] == '|')))
            {
                if (p[i] == '\\')
                {
                    i++;
                }
                else if (p[i] == '(')
                {
                    depth++;
                }
                else if (p[i] == ')')
                {
                    depth--;
                }

                i++;
            }
        }
    }

    private static void Atom(string p, ref int i, StringBuilder sb)
    {
        var c = p[i];
        switch (c)
        {
            case '^':
            case '$':
                i++;
                return;
            case '(':
                i++;
                if (i + 1 < p.Length && p[i] == '?' && p[i + 1] == ':')
                {
                    i += 2;
                }

                Sequence(p, ref i, sb);
                i++; // ')'
                return;
            case '[':
                i++;
                var negate = i < p.Length && p[i] == '^';
                if (negate)
                {
                    i++;
                }

                char? chosen = null;
                while (p[i] != ']')
                {
                    var ch = p[i] == '\\' ? Escape(p[++i]) : p[i];
                    if (chosen is null && !negate)
                    {
                        chosen = ch;
                    }

                    i++;
                }

                i++;
                sb.Append(negate ? 'a' : chosen ?? 'a');
                return;
            case '\\':
                sb.Append(Escape(p[i + 1]));
                i += 2;
                return;
            case '.':
                sb.Append('a');
                i++;
                return;
            default:
                sb.Append(c);
                i++;
                return;
        }
    }

    private static char Escape(char c) => c switch
    {
        'd' => '1',
        'w' => 'a',
        's' => ' ',
        'S' or 'W' => 'a',
        'D' => 'a',
        _ => c,
    };

    private static (int Min, int Max) Quantifier(string p, ref int i)
    {
        if (i >= p.Length)
        {
            return (1, 1);
        }

        switch (p[i])
        {
            case '*':
                i++;
                SkipLazy(p, ref i);
                return (0, int.MaxValue);
            case '+':
                i++;
                SkipLazy(p, ref i);
                return (1, int.MaxValue);
            case '?':
                i++;
                SkipLazy(p, ref i);
                return (0, 1);
            case '{':
                var close = p.IndexOf('}', i);
                var parts = p[(i + 1)..close].Split(',');
                i = close + 1;
                SkipLazy(p, ref i);
                var min = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
                return (min, parts.Length > 1 && parts[1].Length > 0 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue);
            default:
                return (1, 1);
        }
    }

    private static void SkipLazy(string p, ref int i)
    {
        if (i < p.Length && p[i] == '?')
        {
            i++;
        }
    }
}
