using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// A tool as C# code names it: its MCP name and its typed arguments record. The generator emits one per tool
/// (<c>ManagementTools.UsersUpdate</c>), so that <see cref="ArgumentPolicyBuilder.For{TArguments}"/> rules are
/// checked by the compiler.
/// </summary>
/// <typeparam name="TArguments">The tool's generated arguments record.</typeparam>
public sealed class TypedTool<TArguments>
    where TArguments : class
{
    private readonly Func<IReadOnlyDictionary<string, JsonElement>, TArguments> _read;

    /// <summary>Creates the handle (generated code does this).</summary>
    /// <param name="name">The tool's MCP name, e.g. <c>auth0_users_update</c>.</param>
    /// <param name="read">Reads validated arguments into the record.</param>
    public TypedTool(string name, Func<IReadOnlyDictionary<string, JsonElement>, TArguments> read)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(read);
        Name = name;
        _read = read;
    }

    /// <summary>The tool's MCP name.</summary>
    public string Name { get; }

    /// <summary>Reads a call's validated arguments into the record.</summary>
    /// <exception cref="JsonException">An argument does not read as its type.</exception>
    public TArguments Read(IReadOnlyDictionary<string, JsonElement> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return _read(arguments);
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// Reads single arguments for the generated arguments records (<c>FromArguments</c>): absent or null is null, and a
/// body reads through the generated System.Text.Json context (no reflection; trim and AOT safe).
/// </summary>
public static class ToolArgumentReader
{
    /// <summary>A string argument; a non-string value as its JSON text.</summary>
    public static string? String(IReadOnlyDictionary<string, JsonElement> arguments, string name) =>
        Find(arguments, name) is { } v ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;

    /// <summary>A 32-bit integer argument (also from a numeric string, as the tool sends it).</summary>
    public static int? Int32(IReadOnlyDictionary<string, JsonElement> arguments, string name) =>
        Find(arguments, name) is { } v ? v.ValueKind == JsonValueKind.Number ? v.GetInt32() : int.Parse(Text(v, name), NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    /// <summary>A 64-bit integer argument.</summary>
    public static long? Int64(IReadOnlyDictionary<string, JsonElement> arguments, string name) =>
        Find(arguments, name) is { } v ? v.ValueKind == JsonValueKind.Number ? v.GetInt64() : long.Parse(Text(v, name), NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    /// <summary>A number argument.</summary>
    public static double? Double(IReadOnlyDictionary<string, JsonElement> arguments, string name) =>
        Find(arguments, name) is { } v ? v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.Parse(Text(v, name), NumberStyles.Float, CultureInfo.InvariantCulture) : null;

    /// <summary>A boolean argument (also <c>"true"</c>/<c>"false"</c>).</summary>
    public static bool? Boolean(IReadOnlyDictionary<string, JsonElement> arguments, string name) =>
        Find(arguments, name) is { } v ? v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => bool.Parse(Text(v, name)),
        } : null;

    /// <summary>An array of strings (a single value reads as one item).</summary>
    public static IReadOnlyList<string>? Strings(IReadOnlyDictionary<string, JsonElement> arguments, string name) =>
        Find(arguments, name) is { } v
            ? v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(i => i.ValueKind == JsonValueKind.String ? i.GetString()! : i.GetRawText()).ToArray() : [v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()]
            : null;

    /// <summary>An argument as JSON, as it came.</summary>
    public static JsonElement? Element(IReadOnlyDictionary<string, JsonElement> arguments, string name) => Find(arguments, name);

    /// <summary>An argument (a request body) read as <typeparamref name="T"/> with source-generated metadata.</summary>
    public static T? Json<T>(IReadOnlyDictionary<string, JsonElement> arguments, string name, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return Find(arguments, name) is { } v ? v.Deserialize(typeInfo) : null;
    }

    private static JsonElement? Find(IReadOnlyDictionary<string, JsonElement> arguments, string name)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return arguments.TryGetValue(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? value : null;
    }

    private static string Text(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new JsonException($"'{name}' is not of the expected type");
}
