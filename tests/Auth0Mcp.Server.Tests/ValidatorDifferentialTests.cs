using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Tools;
using Auth0Mcp.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// The argument validator (JsonSchema.Net) against an independent oracle (NJsonSchema, which validates through
/// Newtonsoft): over every generated tool's input schema, with arguments synthesised from the schema (valid) and
/// mutated from them (invalid: a wrong type, a number past its bound, a string past its length, a value outside its
/// enum, an unknown argument, a missing required one), both must agree on valid or invalid.
/// </summary>
public sealed class ValidatorDifferentialTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryToolSchema_ValidAndMutatedArguments_BothValidatorsAgree()
    {
        var disagreements = new List<string>();
        var cases = 0;
        foreach (var descriptor in Auth0ToolCatalog.Descriptors)
        {
            var ours = new Auth0ArgumentValidator(descriptor.InputSchema);
            var oracle = await NJsonSchema.JsonSchema.FromJsonAsync(descriptor.InputSchema);
            using var schema = JsonDocument.Parse(descriptor.InputSchema);
            foreach (var all in new[] { false, true })
            {
                var valid = SchemaSampler.Sample(schema.RootElement, all);
                foreach (var (label, instance) in Mutations(schema.RootElement, valid))
                {
                    cases++;
                    var text = instance.ToJsonString();
                    using var doc = JsonDocument.Parse(text);
                    var arguments = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
                    var oursValid = ours.Validate(arguments).Count == 0;
                    var oracleValid = oracle.Validate(text).Count == 0;
                    if (oursValid != oracleValid)
                    {
                        disagreements.Add($"{descriptor.Name} [{label}] ours={(oursValid ? "valid" : "invalid")} NJsonSchema={(oracleValid ? "valid" : "invalid")}: {Shorten(text)}");
                    }
                }
            }
        }

        output.WriteLine($"{cases} cases over {Auth0ToolCatalog.Descriptors.Count} tools; {disagreements.Count} disagreements");
        foreach (var d in disagreements.Take(40))
        {
            output.WriteLine(d);
        }

        Assert.True(cases > Auth0ToolCatalog.Descriptors.Count * 2, "the generator produced too few cases");
        Assert.True(disagreements.Count == 0, $"{disagreements.Count} disagreements:\n" + string.Join("\n", disagreements.Take(40)));
    }

    /// <summary>The sample itself, then one mutation per kind that applies to its top-level arguments.</summary>
    private static IEnumerable<(string Label, JsonObject Instance)> Mutations(JsonElement schema, JsonObject valid)
    {
        yield return ("sample", valid);
        yield return ("unknown argument", With(valid, o => o["no_such_argument_x"] = 1));
        if (schema.TryGetProperty("required", out var required) && required.GetArrayLength() > 0)
        {
            var name = required[0].GetString()!;
            yield return ($"missing {name}", With(valid, o => o.Remove(name)));
        }

        if (!schema.TryGetProperty("properties", out var properties))
        {
            yield break;
        }

        foreach (var property in properties.EnumerateObject())
        {
            var p = property.Value;
            var type = p.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var name = property.Name;
            switch (type)
            {
                case "integer" or "number":
                    yield return ($"{name} wrong type", With(valid, o => o[name] = "not a number"));
                    if (p.TryGetProperty("maximum", out var max))
                    {
                        yield return ($"{name} past maximum", With(valid, o => o[name] = max.GetDouble() + 1));
                    }

                    if (p.TryGetProperty("minimum", out var min))
                    {
                        yield return ($"{name} below minimum", With(valid, o => o[name] = min.GetDouble() - 1));
                    }

                    break;
                case "string":
                    yield return ($"{name} wrong type", With(valid, o => o[name] = 12345));
                    if (p.TryGetProperty("maxLength", out var maxLength) && maxLength.GetInt32() < 5000)
                    {
                        yield return ($"{name} too long", With(valid, o => o[name] = new string('a', maxLength.GetInt32() + 1)));
                    }

                    if (p.TryGetProperty("enum", out _))
                    {
                        yield return ($"{name} outside enum", With(valid, o => o[name] = "zz-not-in-enum"));
                    }

                    break;
                case "boolean":
                    yield return ($"{name} wrong type", With(valid, o => o[name] = "yes"));
                    break;
                case "array":
                    yield return ($"{name} wrong type", With(valid, o => o[name] = JsonValue.Create(true)));
                    break;
                case "object":
                    yield return ($"{name} wrong type", With(valid, o => o[name] = new JsonArray(1, 2)));
                    break;
            }
        }
    }

    private static JsonObject With(JsonObject source, Action<JsonObject> change)
    {
        var copy = (JsonObject)source.DeepClone();
        change(copy);
        return copy;
    }

    private static string Shorten(string s) => s.Length > 300 ? s[..300] + "…" : s;
}
