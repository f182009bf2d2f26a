using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Emitting;

/// <summary>
/// One System.Text.Json converter per DTO (<c>Models/Converters.g.cs</c>). It reads and writes the DTO's properties by
/// their JSON names and keeps unlisted fields in the extension data, as System.Text.Json's own metadata does. Each DTO
/// names its converter in <c>[JsonConverter]</c>, so System.Text.Json's source generator writes one small entry for the
/// DTO instead of metadata for every property (about 2.5 KB of C# per property, most of the generated project's
/// compile). The JSON context still describes the lists, maps and scalars; a converter reads and writes those through
/// the options' type information, so the same context serves both. ConverterTests compares every DTO's reading and
/// writing with System.Text.Json's metadata on the same JSON.
/// </summary>
internal static class ConverterEmitter
{
    public const string Namespace = "Converters";

    private const string Reader = "ref global::System.Text.Json.Utf8JsonReader reader";
    private const string Options = "global::System.Text.Json.JsonSerializerOptions options";

    /// <summary>The fully qualified converter type of <paramref name="dtoName"/>.</summary>
    public static string ConverterType(string modelsNamespace, string dtoName) => $"global::{modelsNamespace}.{Namespace}.{dtoName}Converter";

    public static string Emit(ApiModel model)
    {
        var models = model.Namespace + ".Models";
        using var w = new SourceWriter().Header(model.Info.Title);
        w.Line($"namespace {models}.{Namespace};");
        foreach (var dto in model.Dtos)
        {
            w.Line();
            EmitConverter(w, models, dto);
        }

        w.Line();
        EmitValues(w);
        return w.ToString();
    }

    private static void EmitConverter(SourceWriter w, string models, DtoModel dto)
    {
        var type = $"global::{models}.{dto.Name}";
        w.Line($"/// <summary>JSON for <see cref=\"{type}\"/>.</summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"internal sealed class {dto.Name}Converter : global::System.Text.Json.Serialization.JsonConverter<{type}>");

        w.Open($"public override {type}? Read({Reader}, global::System.Type typeToConvert, {Options})");
        w.Line($"Values.ExpectObject(ref reader, {CSharp.Literal(dto.Name)});");
        w.Line($"var value = new {type}();");
        w.Open("while (reader.Read() && reader.TokenType == global::System.Text.Json.JsonTokenType.PropertyName)");
        var first = true;
        foreach (var property in dto.Properties)
        {
            // Each reader moves from the property's name to its value first.
            w.Line($"{(first ? "" : "else ")}if (reader.ValueTextEquals({CSharp.Literal(property.JsonName)}u8)) value.{property.CsName} = {ReadExpression(property.CsType)};");
            first = false;
        }

        w.Line($"{(first ? "" : "else ")}value.{dto.ExtensionDataName} = Values.Extra(ref reader, value.{dto.ExtensionDataName});");

        w.Close();
        w.Line("return value;");
        w.Close();
        w.Line();

        w.Open($"public override void Write(global::System.Text.Json.Utf8JsonWriter writer, {type} value, {Options})");
        w.Line("writer.WriteStartObject();");
        foreach (var property in dto.Properties)
        {
            var name = CSharp.Literal(property.JsonName) + "u8";
            var member = "value." + property.CsName;
            switch (property.CsType)
            {
                case "string":
                    w.Line($"if ({member} is not null) writer.WriteString({name}, {member});");
                    break;
                case "int" or "long" or "double":
                    w.Line($"if ({member}.HasValue) writer.WriteNumber({name}, {member}.Value);");
                    break;
                case "bool":
                    w.Line($"if ({member}.HasValue) writer.WriteBoolean({name}, {member}.Value);");
                    break;
                case KnownTypes.JsonElement:
                    w.Line($"if ({member}.HasValue) {{ writer.WritePropertyName({name}); {member}.Value.WriteTo(writer); }}");
                    break;
                default:
                    w.Line($"if ({member} is not null) {{ writer.WritePropertyName({name}); Values.Write(writer, {member}, options); }}");
                    break;
            }
        }

        w.Line($"Values.WriteExtra(writer, value.{dto.ExtensionDataName});");
        w.Line("writer.WriteEndObject();");
        w.Close();
        w.Close();
    }

    private static string ReadExpression(string csType) => csType switch
    {
        "string" => "Values.String(ref reader)",
        "int" => "Values.Int32(ref reader)",
        "long" => "Values.Int64(ref reader)",
        "double" => "Values.Double(ref reader)",
        "bool" => "Values.Boolean(ref reader)",
        KnownTypes.JsonElement => "Values.Element(ref reader)",
        _ => $"Values.Read<{csType}>(ref reader, options)",
    };

    /// <summary>The helpers every converter shares, private to the file.</summary>
    private static void EmitValues(SourceWriter w)
    {
        const string Json = "global::System.Text.Json";
        w.Line("/// <summary>");
        w.Line("/// What the converters share: each reader moves from a property's name to its value, then reads scalars as");
        w.Line("/// System.Text.Json reads them and the rest through the options' type information.");
        w.Line("/// </summary>");
        w.Open("file static class Values");
        w.Open($"public static void ExpectObject({Reader}, string type)");
        w.Open($"if (reader.TokenType != {Json}.JsonTokenType.StartObject)");
        w.Line($"throw new {Json}.JsonException($\"A {{type}} is a JSON object; found {{reader.TokenType}}.\");");
        w.Close();
        w.Close();
        w.Line();
        w.Line("/// <summary>Moves from a property's name to its value; true when that is <c>null</c>.</summary>");
        w.Open($"public static bool ValueIsNull({Reader})");
        w.Open("if (!reader.Read())");
        w.Line($"throw new {Json}.JsonException(\"The JSON ends inside an object.\");");
        w.Close();
        w.Line();
        w.Line($"return reader.TokenType == {Json}.JsonTokenType.Null;");
        w.Close();
        w.Line();
        w.Line($"public static string? String({Reader}) => ValueIsNull(ref reader) ? null : reader.GetString();");
        w.Line();
        w.Line($"public static int? Int32({Reader}) => ValueIsNull(ref reader) ? null : reader.GetInt32();");
        w.Line();
        w.Line($"public static long? Int64({Reader}) => ValueIsNull(ref reader) ? null : reader.GetInt64();");
        w.Line();
        w.Line($"public static double? Double({Reader}) => ValueIsNull(ref reader) ? null : reader.GetDouble();");
        w.Line();
        w.Line($"public static bool? Boolean({Reader}) => ValueIsNull(ref reader) ? null : reader.GetBoolean();");
        w.Line();
        w.Line($"public static {Json}.JsonElement? Element({Reader}) => ValueIsNull(ref reader) ? null : {Json}.JsonElement.ParseValue(ref reader);");
        w.Line();
        w.Open($"public static T? Read<T>({Reader}, {Options}) where T : class");
        w.Line($"return ValueIsNull(ref reader) ? null : {Json}.JsonSerializer.Deserialize(ref reader, ({Json}.Serialization.Metadata.JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));");
        w.Close();
        w.Line();
        w.Line($"public static void Write<T>({Json}.Utf8JsonWriter writer, T value, {Options}) =>");
        w.Line($"    {Json}.JsonSerializer.Serialize(writer, value, ({Json}.Serialization.Metadata.JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));");
        w.Line();
        w.Line("/// <summary>A field the DTO does not list, kept in its extension data.</summary>");
        w.Open($"public static global::System.Collections.Generic.Dictionary<string, {Json}.JsonElement> Extra({Reader}, global::System.Collections.Generic.Dictionary<string, {Json}.JsonElement>? extra)");
        w.Line("var name = reader.GetString()!;");
        w.Line("ValueIsNull(ref reader);");
        w.Line($"extra ??= new global::System.Collections.Generic.Dictionary<string, {Json}.JsonElement>();");
        w.Line($"extra[name] = {Json}.JsonElement.ParseValue(ref reader);");
        w.Line("return extra;");
        w.Close();
        w.Line();
        w.Open($"public static void WriteExtra({Json}.Utf8JsonWriter writer, global::System.Collections.Generic.Dictionary<string, {Json}.JsonElement>? extra)");
        w.Open("if (extra is null)");
        w.Line("return;");
        w.Close();
        w.Line();
        w.Open("foreach (var pair in extra)");
        w.Line("writer.WritePropertyName(pair.Key);");
        w.Line("pair.Value.WriteTo(writer);");
        w.Close();
        w.Close();
        w.Close();
    }
}
