using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Secrets stored under names the user chose, which no list of secret names can find: an operation on a collection of
/// secrets (the last literal segment of its path is <c>secrets</c>, e.g. <c>/hooks/{id}/secrets</c>) whose argument is a
/// map of names to strings (an object schema with no declared properties, only <c>additionalProperties</c> strings,
/// such as the body of <c>auth0_hooks_secrets_create</c> and <c>_update</c>). Every value of such a map is a secret:
/// the audit records the map with every value masked (the names kept, so it says which secrets were set), an argument
/// policy never quotes it, and the answer of an operation on such a path has every value of its top-level object
/// masked. Decided from the descriptor (path and input schema), so a new operation of the same shape is covered too.
/// </summary>
internal static class SecretMaps
{
    // Both answers per descriptor, worked out once: IsSecretsPath is asked for every tool result.
    private static readonly ConditionalWeakTable<Auth0ToolDescriptor, Shape> Shapes = new();
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = int.MaxValue };
    private static readonly byte[] MaskJson = JsonRedactor.EncodeString(JsonRedactor.Mask);

    /// <summary>Whether <paramref name="descriptor"/> works on a collection of secrets: the last literal segment of its path is <c>secrets</c>.</summary>
    public static bool IsSecretsPath(Auth0ToolDescriptor descriptor) => ShapeOf(descriptor).SecretsPath;

    /// <summary>The arguments of <paramref name="descriptor"/> that are maps of secrets (none for almost every tool).</summary>
    public static IReadOnlyList<string> ArgumentsOf(Auth0ToolDescriptor descriptor) => ShapeOf(descriptor).Arguments;

    /// <summary>
    /// <paramref name="arguments"/> with every value of each secret map masked (an argument there that is not an object
    /// is masked whole); the same dictionary when <paramref name="descriptor"/> has no secret map among them.
    /// </summary>
    public static Dictionary<string, JsonElement> MaskArguments(Auth0ToolDescriptor descriptor, Dictionary<string, JsonElement> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        Dictionary<string, JsonElement>? masked = null;
        foreach (var name in ArgumentsOf(descriptor))
        {
            if (!arguments.TryGetValue(name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                continue;
            }

            masked ??= new Dictionary<string, JsonElement>(arguments, arguments.Comparer);
            if (value.ValueKind == JsonValueKind.Object)
            {
                using var doc = JsonDocument.Parse(MaskValues(Encoding.UTF8.GetBytes(value.GetRawText()), out _), new JsonDocumentOptions { MaxDepth = int.MaxValue });
                masked[name] = doc.RootElement.Clone();
            }
            else
            {
                masked[name] = JsonSerializer.SerializeToElement(JsonRedactor.Mask, GovernanceJsonContext.Default.String);
            }
        }

        return masked ?? arguments;
    }

    /// <summary>
    /// A JSON object with the value of each of its own properties masked (an object or array value masked whole; null
    /// and booleans kept, as the redactor keeps them); any other JSON returned as it is. <paramref name="count"/>: how many.
    /// </summary>
    public static byte[] MaskValues(byte[] json, out int count)
    {
        ArgumentNullException.ThrowIfNull(json);
        count = 0;
        var edits = new List<(long Start, long End, byte[] Replacement)>();
        var reader = new Utf8JsonReader(json, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return json;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            reader.Read();
            if (reader.TokenType is JsonTokenType.Null or JsonTokenType.True or JsonTokenType.False)
            {
                continue;
            }

            var start = reader.TokenStartIndex;
            reader.Skip();
            edits.Add((start, reader.BytesConsumed, MaskJson));
        }

        count = edits.Count;
        return edits.Count == 0 ? json : JsonRedactor.Splice(json, edits);
    }

    private static Shape ShapeOf(Auth0ToolDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return Shapes.GetValue(descriptor, static d =>
        {
            var literal = d.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(s => !s.StartsWith('{'));
            var secretsPath = literal is not null && JsonRedactor.Canonical(literal) == "secrets";
            return new Shape(secretsPath, secretsPath ? Find(d) : []);
        });
    }

    private static string[] Find(Auth0ToolDescriptor descriptor)
    {

        var schema = descriptor.InputSchemaElement;
        if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        return [.. properties.EnumerateObject().Where(p => IsStringMap(p.Value)).Select(p => p.Name)];
    }

    // An object schema that declares no properties and whose additionalProperties admit a string.
    private static bool IsStringMap(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object
        && Admits(schema, "object")
        && !schema.TryGetProperty("properties", out _)
        && schema.TryGetProperty("additionalProperties", out var values)
        && (values.ValueKind == JsonValueKind.True || (values.ValueKind == JsonValueKind.Object && (!values.TryGetProperty("type", out _) || Admits(values, "string"))));

    private static bool Admits(JsonElement schema, string type) =>
        schema.TryGetProperty("type", out var t) && t.ValueKind switch
        {
            JsonValueKind.String => t.ValueEquals(type),
            JsonValueKind.Array => t.EnumerateArray().Any(x => x.ValueKind == JsonValueKind.String && x.ValueEquals(type)),
            _ => false,
        };

    private sealed record Shape(bool SecretsPath, string[] Arguments);
}
