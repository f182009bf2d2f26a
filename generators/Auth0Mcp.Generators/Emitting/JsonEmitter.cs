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

    /// <summary>The file-local writer every converter's <c>Write</c> goes through.</summary>
    private const string ObjectWriter = "ObjectWriter";

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
        EmitValues(w);
        w.Line();
        EmitObjectWriter(w);
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

        // One call per property on a writer that leaves out nulls never set and the extension data's repeats: a
        // statement the compiler binds against one method, not an `if` around one of Utf8JsonWriter's overloads.
        w.Open($"public override void Write(global::System.Text.Json.Utf8JsonWriter writer, {type} value, {Options})");
        w.Line($"var json = new {ObjectWriter}(writer, options, value.{dto.ExtensionDataName});");
        foreach (var property in dto.Properties)
        {
            var method = property.CsType switch
            {
                "string" => "String",
                "int" => "Int32",
                "long" => "Int64",
                "double" => "Double",
                "bool" => "Boolean",
                KnownTypes.JsonElement => "Element",
                _ => "Value",
            };

            // A null the schema allows is written when it was set (or read); a property never set is left out.
            var set = property.AllowsNull ? $", value.{property.SetFlag}" : "";
            w.Line($"json.{method}({CSharp.Literal(property.JsonName)}u8, value.{property.CsName}{set});");
        }

        w.Line("json.End();");
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
        w.Line("/// <summary>A field the DTO does not list, kept in its extension data.</summary>");
        w.Open($"public static global::System.Collections.Generic.Dictionary<string, {Json}.JsonElement> Extra({Reader}, global::System.Collections.Generic.Dictionary<string, {Json}.JsonElement>? extra)");
        w.Line("var name = reader.GetString()!;");
        w.Line("ValueIsNull(ref reader);");
        w.Line($"extra ??= new global::System.Collections.Generic.Dictionary<string, {Json}.JsonElement>();");
        w.Line($"extra[name] = {Json}.JsonElement.ParseValue(ref reader);");
        w.Line("return extra;");
        w.Close();
        w.Close();
    }

    /// <summary>
    /// The writer of one DTO's object: each property in one call, a null left out unless its set flag is passed true,
    /// and at the end the extension data, but for the names a property wrote (no name is written twice; the names are
    /// kept only when there is extension data to write).
    /// </summary>
    private static void EmitObjectWriter(SourceWriter w)
    {
        const string Json = "global::System.Text.Json";
        const string Name = "global::System.ReadOnlySpan<byte> name";
        const string Extra = "global::System.Collections.Generic.Dictionary<string, " + Json + ".JsonElement>";
        w.Line("/// <summary>Writes one DTO as a JSON object: its properties, then the extension data it did not write.</summary>");
        w.Open($"file ref struct {ObjectWriter}");
        w.Line($"private readonly {Json}.Utf8JsonWriter _writer;");
        w.Line($"private readonly {Json}.JsonSerializerOptions _options;");
        w.Line($"private readonly {Extra}? _extra;");
        w.Line("private readonly global::System.Collections.Generic.HashSet<string>? _written;");
        w.Line();
        w.Open($"public {ObjectWriter}({Json}.Utf8JsonWriter writer, {Options}, {Extra}? extra)");
        w.Line("_writer = writer;");
        w.Line("_options = options;");
        w.Line("_extra = extra is { Count: > 0 } ? extra : null;");
        w.Line("_written = _extra is null ? null : new global::System.Collections.Generic.HashSet<string>(global::System.StringComparer.Ordinal);");
        w.Line("writer.WriteStartObject();");
        w.Close();
        w.Line();
        Property("String", "string?", "_writer.WriteString(name, value);");
        Property("Int32", "int?", "_writer.WriteNumber(name, value.Value);");
        Property("Int64", "long?", "_writer.WriteNumber(name, value.Value);");
        Property("Double", "double?", "_writer.WriteNumber(name, value.Value);");
        Property("Boolean", "bool?", "_writer.WriteBoolean(name, value.Value);");
        Property("Element", $"{Json}.JsonElement?", "_writer.WritePropertyName(name);", "value.Value.WriteTo(_writer);");
        Property("Value<T>", "T?", "_writer.WritePropertyName(name);",
            $"{Json}.JsonSerializer.Serialize(_writer, value, ({Json}.Serialization.Metadata.JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T)));");
        w.Line("/// <summary>The extension data, but for the names a property wrote, and the object's end.</summary>");
        w.Open("public void End()");
        w.Open("if (_extra is not null)");
        w.Open("foreach (var pair in _extra)");
        w.Open("if (!_written!.Contains(pair.Key))");
        w.Line("_writer.WritePropertyName(pair.Key);");
        w.Line("pair.Value.WriteTo(_writer);");
        w.Close();
        w.Close();
        w.Close();
        w.Line();
        w.Line("_writer.WriteEndObject();");
        w.Close();
        w.Close();

        // One method per kind of value: written when not null, a null written only when set, the name kept when written.
        void Property(string method, string type, params string[] write)
        {
            w.Open($"public void {method}({Name}, {type} value, bool set = false){(method.EndsWith(">", System.StringComparison.Ordinal) ? " where T : class" : "")}");
            w.Open("if (value is not null)");
            foreach (var line in write)
            {
                w.Line(line);
            }

            w.Close();
            w.Open("else if (set)");
            w.Line("_writer.WriteNull(name);");
            w.Close();
            w.Open("else");
            w.Line("return;");
            w.Close();
            w.Line();
            w.Line("_written?.Add(global::System.Text.Encoding.UTF8.GetString(name));");
            w.Close();
            w.Line();
        }
    }
}
