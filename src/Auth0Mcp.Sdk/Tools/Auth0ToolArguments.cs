using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Auth0Mcp.Sdk.Tools;

/// <summary>
/// Typed access to a tool call's arguments, used by generated tools after the arguments have been
/// validated against the tool's input schema. Absent and <c>null</c> arguments read as <c>null</c>.
/// </summary>
public sealed class Auth0ToolArguments
{
    private static readonly IReadOnlyDictionary<string, JsonElement> Empty = new Dictionary<string, JsonElement>();
    private readonly IReadOnlyDictionary<string, JsonElement> _values;

    /// <summary>Wraps the arguments of one call.</summary>
    public Auth0ToolArguments(IReadOnlyDictionary<string, JsonElement>? values) => _values = values ?? Empty;

    /// <summary>The raw arguments.</summary>
    public IReadOnlyDictionary<string, JsonElement> Values => _values;

    /// <summary>Whether an argument is present and not null.</summary>
    public bool Has(string name) => _values.TryGetValue(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    /// <summary>Reads a string argument; numbers and booleans are given in their JSON text.</summary>
    public string? GetString(string name) =>
        !TryGet(name, out var v) ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : v.ValueKind == JsonValueKind.True ? "true"
        : v.ValueKind == JsonValueKind.False ? "false"
        : v.GetRawText();

    /// <summary>Reads an integer argument.</summary>
    public int? GetInt32(string name) => TryGet(name, out var v) ? checked((int)ReadNumber(v)) : null;

    /// <summary>Reads a 64-bit integer argument.</summary>
    public long? GetInt64(string name) => TryGet(name, out var v) ? checked((long)ReadNumber(v)) : null;

    /// <summary>Reads a number argument.</summary>
    public double? GetDouble(string name) => TryGet(name, out var v) ? ReadNumber(v) : null;

    /// <summary>Reads a boolean argument.</summary>
    public bool? GetBoolean(string name) =>
        !TryGet(name, out var v) ? null
        : v.ValueKind == JsonValueKind.String ? bool.Parse(v.GetString()!)
        : v.GetBoolean();

    /// <summary>Reads an array of strings (a single string is taken as one element).</summary>
    public IReadOnlyList<string>? GetStringArray(string name)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            return [GetString(name)!];
        }

        var list = new List<string>(v.GetArrayLength());
        foreach (var item in v.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText());
        }

        return list;
    }

    /// <summary>Reads an argument as raw JSON.</summary>
    public JsonElement? GetJson(string name) => TryGet(name, out var v) ? v : null;

    /// <summary>An argument as raw JSON for a body; absent reads as the JSON literal <c>null</c> (sent as no body).</summary>
    public JsonElement GetJsonBody(string name) => TryGet(name, out var v) ? v : NullLiteral;

    private static readonly JsonElement NullLiteral = JsonDocument.Parse("null").RootElement.Clone();

    /// <summary>Deserializes an argument (usually <c>body</c>) with source-generated metadata.</summary>
    public T? GetObject<T>(string name, JsonTypeInfo<T> typeInfo) =>
        TryGet(name, out var v) ? v.Deserialize(typeInfo) : default;

    /// <summary>The arguments inside an object argument (e.g. the parts of a multipart <c>body</c>).</summary>
    public Auth0ToolArguments GetNested(string name)
    {
        if (!TryGet(name, out var v) || v.ValueKind != JsonValueKind.Object)
        {
            return new Auth0ToolArguments(null);
        }

        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in v.EnumerateObject())
        {
            values[property.Name] = property.Value;
        }

        return new Auth0ToolArguments(values);
    }

    /// <summary>A file part for a multipart request, from a string argument holding the file's content.</summary>
    public Refit.StreamPart? GetFilePart(string name)
    {
        var text = GetString(name);
        return text is null
            ? null
            : new Refit.StreamPart(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), name + ".json", "application/json", name);
    }

    private bool TryGet(string name, out JsonElement value) =>
        _values.TryGetValue(name, out value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    private static double ReadNumber(JsonElement v) =>
        v.ValueKind == JsonValueKind.String
            ? double.Parse(v.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
            : v.GetDouble();
}
