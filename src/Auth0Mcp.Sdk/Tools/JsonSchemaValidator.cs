using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Auth0Mcp.Sdk.Tools;

/// <summary>
/// Validates tool arguments against the subset of JSON Schema that generated input schemas use:
/// <c>type</c> (a name or an array of names), <c>properties</c>, <c>required</c>,
/// <c>additionalProperties: false</c>, <c>items</c>, <c>enum</c>, <c>const</c>, numeric and length bounds,
/// <c>pattern</c>, <c>minItems</c>/<c>maxItems</c>, <c>minProperties</c>/<c>maxProperties</c> and <c>anyOf</c>/<c>oneOf</c> (at least one must match).
/// Every error names the argument path, e.g. <c>body.email</c>.
/// </summary>
public static class JsonSchemaValidator
{
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Validates <paramref name="instance"/>; returns the errors (empty when valid).</summary>
    public static IReadOnlyList<string> Validate(JsonElement schema, JsonElement instance)
    {
        var errors = new List<string>();
        Check(schema, instance, "", errors);
        return errors;
    }

    private static void Check(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var where = path.Length == 0 ? "arguments" : path;

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type, value))
        {
            errors.Add($"{where}: expected {DescribeType(type)}, got {Describe(value)}");
            return;
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElementEquals(constant, value))
        {
            errors.Add($"{where}: must be {constant.GetRawText()}");
        }

        if (schema.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array)
        {
            var ok = false;
            foreach (var option in allowed.EnumerateArray())
            {
                if (JsonElementEquals(option, value))
                {
                    ok = true;
                    break;
                }
            }

            if (!ok)
            {
                var options = string.Join(", ", allowed.EnumerateArray().Take(20).Select(o => o.GetRawText()));
                errors.Add($"{where}: {value.GetRawText()} is not one of {options}");
            }
        }

        foreach (var key in (ReadOnlySpan<string>)["anyOf", "oneOf"])
        {
            if (schema.TryGetProperty(key, out var alternatives) && alternatives.ValueKind == JsonValueKind.Array
                && !alternatives.EnumerateArray().Any(alt => Validate(alt, value).Count == 0))
            {
                errors.Add($"{where}: matches none of the allowed shapes");
            }
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(schema, value, path, errors);
                break;
            case JsonValueKind.Array:
                CheckArray(schema, value, path, where, errors);
                break;
            case JsonValueKind.String:
                CheckString(schema, value.GetString()!, where, errors);
                break;
            case JsonValueKind.Number:
                CheckNumber(schema, value.GetDouble(), where, errors);
                break;
        }
    }

    private static void CheckObject(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        var hasProperties = schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                var key = name.GetString()!;
                if (!value.TryGetProperty(key, out _))
                {
                    errors.Add($"{Join(path, key)}: is required");
                }
            }
        }

        var count = 0;
        foreach (var unused in value.EnumerateObject())
        {
            count++;
        }

        var where = path.Length == 0 ? "arguments" : path;
        if (schema.TryGetProperty("minProperties", out var minProperties) && count < minProperties.GetDouble())
        {
            errors.Add($"{where}: needs at least {minProperties.GetRawText()} field(s)");
        }

        if (schema.TryGetProperty("maxProperties", out var maxProperties) && count > maxProperties.GetDouble())
        {
            errors.Add($"{where}: allows at most {maxProperties.GetRawText()} field(s)");
        }

        var closed = schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var property in value.EnumerateObject())
        {
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(propertySchema, property.Value, Join(path, property.Name), errors);
            }
            else if (closed && additional.ValueKind == JsonValueKind.False)
            {
                errors.Add($"{Join(path, property.Name)}: is not a known argument");
            }
            else if (closed && additional.ValueKind == JsonValueKind.Object)
            {
                Check(additional, property.Value, Join(path, property.Name), errors);
            }
        }
    }

    private static void CheckArray(JsonElement schema, JsonElement value, string path, string where, List<string> errors)
    {
        var count = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var min) && count < min.GetDouble())
        {
            errors.Add($"{where}: needs at least {min.GetRawText()} items");
        }

        if (schema.TryGetProperty("maxItems", out var max) && count > max.GetDouble())
        {
            errors.Add($"{where}: allows at most {max.GetRawText()} items");
        }

        if (schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(items, item, $"{path}[{i++}]", errors);
            }
        }
    }

    private static void CheckString(JsonElement schema, string text, string where, List<string> errors)
    {
        if (schema.TryGetProperty("minLength", out var min) && text.Length < min.GetDouble())
        {
            errors.Add($"{where}: must be at least {min.GetRawText()} characters");
        }

        if (schema.TryGetProperty("maxLength", out var max) && text.Length > max.GetDouble())
        {
            errors.Add($"{where}: must be at most {max.GetRawText()} characters");
        }

        if (schema.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.String)
        {
            try
            {
                if (!Regex.IsMatch(text, pattern.GetString()!, RegexOptions.None, PatternTimeout))
                {
                    errors.Add($"{where}: does not match the pattern {pattern.GetString()}");
                }
            }
            catch (ArgumentException)
            {
                // A pattern .NET cannot parse (ECMA-262 dialect differences): Auth0 will judge it.
            }
            catch (RegexMatchTimeoutException)
            {
                errors.Add($"{where}: could not be checked against its pattern in time");
            }
        }
    }

    private static void CheckNumber(JsonElement schema, double number, string where, List<string> errors)
    {
        if (schema.TryGetProperty("minimum", out var min) && number < min.GetDouble())
        {
            errors.Add($"{where}: must be >= {min.GetRawText()}");
        }

        if (schema.TryGetProperty("maximum", out var max) && number > max.GetDouble())
        {
            errors.Add($"{where}: must be <= {max.GetRawText()}");
        }

        if (schema.TryGetProperty("exclusiveMinimum", out var xmin) && xmin.ValueKind == JsonValueKind.Number && number <= xmin.GetDouble())
        {
            errors.Add($"{where}: must be > {xmin.GetRawText()}");
        }

        if (schema.TryGetProperty("exclusiveMaximum", out var xmax) && xmax.ValueKind == JsonValueKind.Number && number >= xmax.GetDouble())
        {
            errors.Add($"{where}: must be < {xmax.GetRawText()}");
        }
    }

    private static bool TypeMatches(JsonElement type, JsonElement value)
    {
        if (type.ValueKind == JsonValueKind.String)
        {
            return TypeMatches(type.GetString()!, value);
        }

        if (type.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in type.EnumerateArray())
            {
                if (t.ValueKind == JsonValueKind.String && TypeMatches(t.GetString()!, value))
                {
                    return true;
                }
            }

            return false;
        }

        return true;
    }

    private static bool TypeMatches(string type, JsonElement value) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && IsInteger(value),
        _ => true,
    };

    private static bool IsInteger(JsonElement value) =>
        value.TryGetInt64(out _) || (value.TryGetDouble(out var d) && Math.Floor(d) == d && !double.IsInfinity(d));

    private static string DescribeType(JsonElement type) =>
        type.ValueKind == JsonValueKind.Array
            ? string.Join(" or ", type.EnumerateArray().Select(t => t.GetString()))
            : type.GetString() ?? type.GetRawText();

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"string \"{Truncate(value.GetString()!)}\"",
        JsonValueKind.Number => $"number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"boolean {value.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture),
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static bool JsonElementEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind == JsonValueKind.Number && b.ValueKind == JsonValueKind.Number)
        {
            return a.GetDouble() == b.GetDouble();
        }

        return a.ValueKind == b.ValueKind && (a.ValueKind switch
        {
            JsonValueKind.String => a.GetString() == b.GetString(),
            JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => true,
            _ => a.GetRawText() == b.GetRawText(),
        });
    }
}
