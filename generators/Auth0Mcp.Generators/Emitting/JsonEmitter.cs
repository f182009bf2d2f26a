using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Emitting;

/// <summary>
/// The typed clients' JSON, without reflection and without System.Text.Json's source generator:
/// <list type="bullet">
/// <item><c>Models/Converters.g.cs</c>: one converter per DTO. It reads and writes the DTO's properties by their JSON
/// names and keeps unlisted fields in the extension data, as System.Text.Json's metadata does; each DTO names it in
/// <c>[JsonConverter]</c>.</item>
/// <item><c>Models/Auth0ApiJsonContext.g.cs</c>: the <c>JsonSerializerContext</c> of every type the clients send or
/// receive. DTOs get their converter; lists and maps System.Text.Json's collection metadata
/// (<c>JsonMetadataServices</c>, the API its own generator calls); scalars its converters.</item>
/// </list>
/// System.Text.Json's generator wrote about 2.5 KB of C# per DTO property, most of the generated project's compile; a
/// converter needs a line per property to read it and one to write it. ConverterTests compiles the models with this
/// and with System.Text.Json's generated metadata and compares what both read and write, for every DTO and context type.
/// </summary>
internal static class JsonEmitter
{
    public const string Namespace = Binding.Names.ConvertersNamespace;

    private const string Reader = "ref global::System.Text.Json.Utf8JsonReader reader";
    private const string Options = "global::System.Text.Json.JsonSerializerOptions options";

    /// <summary>The interface through which a converter tells the extension data which names its properties wrote.</summary>
    private const string WrittenNames = "IWrittenNames";

    /// <summary>The fully qualified converter type of <paramref name="dtoName"/>.</summary>
    public static string ConverterType(string modelsNamespace, string dtoName) => $"global::{modelsNamespace}.{Namespace}.{dtoName}Converter";

    public static string EmitConverters(ApiModel model)
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
        w.Line("/// <summary>What a converter's <c>Write</c> wrote, by JSON name: the extension data leaves those names out.</summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"internal interface {WrittenNames}<in T>");
        w.Line("/// <summary>Whether <c>Write</c> wrote the property named <paramref name=\"name\"/> of <paramref name=\"value\"/>.</summary>");
        w.Line("bool Wrote(T value, string name);");
        w.Close();
        w.Line();
        EmitValues(w);
        return w.ToString();
    }

    public static string EmitContext(ApiModel model)
    {
        const string Json = "global::System.Text.Json";
        const string Metadata = Json + ".Serialization.Metadata";
        var context = KnownTypes.JsonContextName;
        var models = model.Namespace + ".Models";
        using var w = new SourceWriter().Header(model.Info.Title);
        w.Line($"namespace {models};").Line();
        w.Line("/// <summary>");
        w.Line("/// JSON metadata for every type the clients send or receive, without reflection: DTOs through their generated");
        w.Line("/// converters, lists and maps through System.Text.Json's collection metadata, scalars through its converters.");
        w.Line("/// </summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"public sealed partial class {context} : {Json}.Serialization.JsonSerializerContext, {Metadata}.IJsonTypeInfoResolver");
        w.Line($"private static readonly {Json}.JsonSerializerOptions DefaultOptions = new() {{ DefaultIgnoreCondition = {Json}.Serialization.JsonIgnoreCondition.WhenWritingNull }};");
        w.Line();
        w.Line("/// <summary>A context on its own options (properties that are null are left out when writing).</summary>");
        w.Line($"public {context}() : base(null) {{ }}");
        w.Line();
        w.Line("/// <summary>A context on <paramref name=\"options\"/>, which it becomes the type information resolver of.</summary>");
        w.Line($"public {context}({Json}.JsonSerializerOptions options) : base(options) {{ }}");
        w.Line();
        w.Line("/// <summary>The shared instance, on the default options.</summary>");
        w.Line($"public static {context} Default {{ get; }} = new(new {Json}.JsonSerializerOptions(DefaultOptions));");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"protected override {Json}.JsonSerializerOptions? GeneratedSerializerOptions => DefaultOptions;");
        foreach (var type in model.JsonTypes)
        {
            var info = $"{Metadata}.JsonTypeInfo<{type.CsType}>";
            w.Line();
            w.Line($"private {info}? _{type.InfoName};");
            w.Line();
            w.Line($"/// <summary>JSON metadata for <c>{CSharp.Doc(type.CsType.Replace("global::", ""))}</c>.</summary>");
            w.Line($"public {info} {type.InfoName} => _{type.InfoName} ??= ({info})Options.GetTypeInfo(typeof({type.CsType}));");
        }

        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open($"public override {Metadata}.JsonTypeInfo? GetTypeInfo(global::System.Type type)");
        w.Line("Options.TryGetTypeInfo(type, out var info);");
        w.Line("return info;");
        w.Close();
        w.Line();
        w.Open($"{Metadata}.JsonTypeInfo? {Metadata}.IJsonTypeInfoResolver.GetTypeInfo(global::System.Type type, {Json}.JsonSerializerOptions options)");
        foreach (var type in model.JsonTypes)
        {
            w.Line($"if (type == typeof({type.CsType})) return {Create(type, models)};");
        }

        w.Line();
        w.Line("return null;");
        w.Close();
        w.Close();
        return w.ToString();
    }

    /// <summary>The expression that creates the type information of <paramref name="type"/> on <c>options</c>.</summary>
    private static string Create(JsonTypeModel type, string models)
    {
        var csType = type.CsType;
        const string Services = "global::System.Text.Json.Serialization.Metadata.JsonMetadataServices";
        const string List = Binding.TypeMapper.ListPrefix;
        const string Map = Binding.TypeMapper.DictionaryPrefix;
        if (csType.EndsWith("?", System.StringComparison.Ordinal))
        {
            var value = csType.Substring(0, csType.Length - 1);
            return $"{Services}.CreateValueInfo<{csType}>(options, {Services}.GetNullableConverter<{value}>(options))";
        }

        if (csType.StartsWith(List, System.StringComparison.Ordinal))
        {
            var item = csType.Substring(List.Length, csType.Length - List.Length - 1);
            return $"{Services}.CreateListInfo<{csType}, {item}>(options, new() {{ ObjectCreator = static () => new {csType}() }})";
        }

        if (csType.StartsWith(Map, System.StringComparison.Ordinal))
        {
            var value = csType.Substring(Map.Length, csType.Length - Map.Length - 1);
            return $"{Services}.CreateDictionaryInfo<{csType}, string, {value}>(options, new() {{ ObjectCreator = static () => new {csType}() }})";
        }

        // A DTO's type-info name is its own name; a scalar's (String, Int32, …, JsonElement) is the one System.Text.Json
        // names its converter after (TypeMapper.InfoName).
        var converter = csType.StartsWith("global::" + models + ".", System.StringComparison.Ordinal)
            ? $"new {ConverterType(models, type.InfoName)}()"
            : $"{Services}.{type.InfoName}Converter";
        return $"{Services}.CreateValueInfo<{csType}>(options, {converter})";
    }

    private static void EmitConverter(SourceWriter w, string models, DtoModel dto)
    {
        var type = $"global::{models}.{dto.Name}";
        w.Line($"/// <summary>JSON for <see cref=\"{type}\"/>.</summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"internal sealed class {dto.Name}Converter : global::System.Text.Json.Serialization.JsonConverter<{type}>, {WrittenNames}<{type}>");

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
            var write = property.CsType switch
            {
                "string" => $"writer.WriteString({name}, {member});",
                "int" or "long" or "double" => $"writer.WriteNumber({name}, {member}.Value);",
                "bool" => $"writer.WriteBoolean({name}, {member}.Value);",
                KnownTypes.JsonElement => $"{{ writer.WritePropertyName({name}); {member}.Value.WriteTo(writer); }}",
                _ => $"{{ writer.WritePropertyName({name}); Values.Write(writer, {member}, options); }}",
            };

            // A null the schema allows is written when it was set (or read); a property never set is left out.
            w.Line($"if ({Present(property)}) {write}" + (property.AllowsNull ? $" else if (value.{property.SetFlag}) writer.WriteNull({name});" : ""));
        }

        w.Line($"Values.WriteExtra(writer, value.{dto.ExtensionDataName}, value, this);");
        w.Line("writer.WriteEndObject();");
        w.Close();
        w.Line();

        // What Write wrote, by JSON name: an extension-data entry of that name is left out, so no name is written twice.
        // A chain of comparisons: it runs only for extension data, and a switch's hash table was 40% more code.
        w.Line("/// <inheritdoc/>");
        w.Open($"public bool Wrote({type} value, string name)");
        foreach (var property in dto.Properties)
        {
            var written = Present(property) + (property.AllowsNull ? $" || value.{property.SetFlag}" : "");
            w.Line($"if (name == {CSharp.Literal(property.JsonName)}) return {written};");
        }

        w.Line("return false;");
        w.Close();
        w.Close();
    }

    /// <summary>When <c>Write</c> writes the property's value (a null it writes only when set, <see cref="DtoPropertyModel.SetFlag"/>).</summary>
    private static string Present(DtoPropertyModel property) => $"value.{property.CsName} is not null";

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
        w.Line("/// <summary>The extension data, but for the names the DTO's own properties wrote: no name is written twice.</summary>");
        w.Open($"public static void WriteExtra<T>({Json}.Utf8JsonWriter writer, global::System.Collections.Generic.Dictionary<string, {Json}.JsonElement>? extra, T value, {WrittenNames}<T> written)");
        w.Open("if (extra is null)");
        w.Line("return;");
        w.Close();
        w.Line();
        w.Open("foreach (var pair in extra)");
        w.Open("if (!written.Wrote(value, pair.Key))");
        w.Line("writer.WritePropertyName(pair.Key);");
        w.Line("pair.Value.WriteTo(writer);");
        w.Close();
        w.Close();
        w.Close();
        w.Close();
    }
}
