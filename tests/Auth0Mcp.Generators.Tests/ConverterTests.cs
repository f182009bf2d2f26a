using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Auth0Mcp.Generators.Tests.Infrastructure;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// The generated JSON (a converter per DTO, our own JSON context) against System.Text.Json's source generator. The same
/// generated models are compiled twice: as generated, and as System.Text.Json's generator would have them (each DTO's
/// <c>[JsonConverter]</c> line and Converters.g.cs left out, and the context a <c>[JsonSerializable]</c> list of the
/// same types and names, which that generator completes with its per-property metadata). Both then read and write every
/// DTO from the same JSON: every property set (nested DTOs, lists, maps, JSON values), every property null, an unknown
/// field, a repeated name, an empty object, roots that are not objects, and each property in turn with a value of the
/// wrong kind; and every other type of the context (lists, maps, scalars) through its named property. What one writes,
/// the other must write byte for byte; what one refuses, the other must refuse. One rule is ours, not System.Text.Json's:
/// a property whose schema allows null is written as <c>null</c> once set to null (or read as null), so the oracle's
/// metadata writes such a property when it is not null or the DTO's set flag says it was set (<see cref="SentWhenSet"/>).
/// </summary>
public sealed class ConverterTests(FullSpecFixture spec) : IClassFixture<FullSpecFixture>
{
    [Theory]
    [InlineData(SmallSpecs.Schemas)]
    [InlineData(SmallSpecs.Operations)]
    [InlineData(SmallSpecs.Legacy30)]
    [InlineData(SmallSpecs.Constructs)]
    public void SmallSpec_EveryDto_ReadAndWrittenAsSystemTextJsonDoes(string name) =>
        Compare(CoreRun.From(SmallSpecs.Text(name), SmallSpecs.Namespace(name)));

    [Fact]
    public void FullSpec_EveryDto_ReadAndWrittenAsSystemTextJsonDoes() => Compare(spec.Run);

    [Fact]
    public void Oracle_WithoutConverters_IsSystemTextJsonMetadata()
    {
        var run = CoreRun.From(SmallSpecs.Text(SmallSpecs.Constructs), SmallSpecs.Namespace(SmallSpecs.Constructs));
        var (ours, oracle) = Compile(run);
        var ns = run.RequiredModel.Namespace + ".Models.Widget";

        // The comparison means something only if the two sides differ in how they serialize.
        Assert.NotNull(ours.Assembly.GetType(ns, throwOnError: true)!.GetCustomAttribute<JsonConverterAttribute>());
        Assert.Null(oracle.Assembly.GetType(ns, throwOnError: true)!.GetCustomAttribute<JsonConverterAttribute>());
        Assert.Equal(JsonTypeInfoKind.None, ours.Info(ns).Kind);
        Assert.Equal(JsonTypeInfoKind.Object, oracle.Info(ns).Kind);
    }

    private static void Compare(CoreRun run)
    {
        var (ours, oracle) = Compile(run);
        var dtos = run.RequiredModel.Dtos;
        Assert.NotEmpty(dtos);
        var compared = 0;
        foreach (var dto in dtos)
        {
            var name = run.RequiredModel.Namespace + ".Models." + dto.Name;
            var (ourInfo, oracleInfo) = (ours.Info(name), oracle.Info(name));
            foreach (var json in Samples(oracleInfo.Type))
            {
                var expected = RoundTrip(oracleInfo, json);
                var actual = RoundTrip(ourInfo, json);
                Assert.True(expected == actual, $"{dto.Name} from {json}\n  System.Text.Json: {expected}\n  converter:        {actual}");
                compared++;
            }
        }

        foreach (var root in run.RequiredModel.JsonTypes)
        {
            var (ourInfo, oracleInfo) = (ours.Named(root.InfoName), oracle.Named(root.InfoName));
            Assert.Equal(oracleInfo.Type.ToString(), ourInfo.Type.ToString());
            foreach (var json in new[] { Value(oracleInfo.Type, 0)?.ToJsonString() ?? "null", "null", "{}", "[]", "\"text\"", "1" })
            {
                var expected = RoundTrip(oracleInfo, json);
                var actual = RoundTrip(ourInfo, json);
                Assert.True(expected == actual, $"{root.InfoName} from {json}\n  System.Text.Json: {expected}\n  ours:             {actual}");
                compared++;
            }
        }

        Assert.True(compared > dtos.Count * 4, $"only {compared} documents compared");
    }

    private static (Side Ours, Side Oracle) Compile(CoreRun run)
    {
        var models = run.ClientFiles().Where(f => f.FileName.StartsWith("Models/", StringComparison.Ordinal)).ToList();
        var dtos = Assert.Single(models, f => f.FileName == "Models/Models.g.cs").Text;
        Assert.Contains(models, f => f.FileName == "Models/Converters.g.cs");
        var oracle = new List<(string FileName, string Text)>
        {
            ("Models/Models.g.cs", string.Join('\n', dtos.Split('\n').Where(l => !l.Contains("Serialization.JsonConverter(typeof(", StringComparison.Ordinal)))),
            ("Models/Auth0ApiJsonContext.g.cs", SystemTextJsonContext(run.RequiredModel)),
        };
        var ns = run.RequiredModel.Namespace + ".Models.Auth0ApiJsonContext";
        return (Side.Load("ours", models, ns), Side.Load("oracle", oracle, ns, SentWhenSet(run.RequiredModel)));
    }

    /// <summary>The context as System.Text.Json's generator takes it: the same types and names, and the same default.</summary>
    private static string SystemTextJsonContext(Auth0Mcp.Generators.Model.ApiModel model)
    {
        var text = new System.Text.StringBuilder($"namespace {model.Namespace}.Models;\n");
        text.Append("[global::System.Text.Json.Serialization.JsonSourceGenerationOptions(DefaultIgnoreCondition = global::System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]\n");
        foreach (var type in model.JsonTypes)
        {
            text.Append($"[global::System.Text.Json.Serialization.JsonSerializable(typeof({type.CsType}), TypeInfoPropertyName = \"{type.InfoName}\")]\n");
        }

        return text.Append("public sealed partial class Auth0ApiJsonContext : global::System.Text.Json.Serialization.JsonSerializerContext { }\n").ToString();
    }

    /// <summary>
    /// The oracle's rule for a property whose schema allows null: written when it is not null or its DTO's set flag
    /// (<see cref="Auth0Mcp.Generators.Model.DtoPropertyModel.SetFlag"/>, set by the property's setter) says it was set.
    /// </summary>
    private static Action<JsonTypeInfo> SentWhenSet(Auth0Mcp.Generators.Model.ApiModel model)
    {
        var dtos = model.Dtos.ToDictionary(d => model.Namespace + ".Models." + d.Name, StringComparer.Ordinal);
        return info =>
        {
            if (info.Kind != JsonTypeInfoKind.Object || !dtos.TryGetValue(info.Type.FullName!, out var dto))
            {
                return;
            }

            foreach (var property in info.Properties)
            {
                if (dto.Properties.SingleOrDefault(p => p.JsonName == property.Name) is { AllowsNull: true } nullable)
                {
                    var flag = info.Type.GetField(nullable.SetFlag, BindingFlags.NonPublic | BindingFlags.Instance)!;
                    property.ShouldSerialize = (owner, value) => value is not null || (bool)flag.GetValue(owner)!;
                }
            }
        };
    }

    /// <summary>Reads <paramref name="json"/> and writes what was read; or names the exception when reading refused it.</summary>
    private static string RoundTrip(JsonTypeInfo info, string json)
    {
        object? value;
        try
        {
            value = JsonSerializer.Deserialize(json, info);
        }
        catch (JsonException)
        {
            return "refused (JsonException)";
        }

        return JsonSerializer.Serialize(value, info);
    }

    private static IEnumerable<string> Samples(Type dto)
    {
        yield return Full(dto, 0).ToJsonString();
        yield return new JsonObject(Properties(dto).Select(p => KeyValuePair.Create(p.Name, (JsonNode?)null))).ToJsonString();
        yield return "{}";
        yield return "null";
        yield return "\"text\"";
        yield return "[{}]";
        foreach (var (name, type) in Properties(dto))
        {
            if (Wrong(type) is { } wrong)
            {
                yield return new JsonObject { [name] = wrong }.ToJsonString();
            }

            if (type == typeof(string))
            {
                yield return $$"""{"{{JsonEncodedText.Encode(name)}}":"first","{{JsonEncodedText.Encode(name)}}":"second"}""";
            }
        }
    }

    /// <summary>Every property with a value; nested DTOs two levels deep, then empty; and an unknown field.</summary>
    private static JsonObject Full(Type dto, int depth)
    {
        var node = new JsonObject();
        foreach (var (name, type) in Properties(dto))
        {
            node[name] = Value(type, depth);
        }

        node["zz_not_in_the_spec"] = new JsonObject { ["n"] = new JsonArray(1, "two", null) };
        return node;
    }

    private static JsonNode? Value(Type type, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "a \"quoted\" <value> é";
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return 7;
        }

        if (type == typeof(double))
        {
            return 0.1;
        }

        if (type == typeof(bool))
        {
            return true;
        }

        if (type == typeof(JsonElement))
        {
            return JsonNode.Parse("""{"k":[1,null,"x",{"deep":false}]}""");
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return new JsonArray(Value(type.GetGenericArguments()[0], depth + 1), null);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return new JsonObject { ["a"] = Value(type.GetGenericArguments()[1], depth + 1), ["b"] = null };
        }

        return depth > 2 ? new JsonObject() : Full(type, depth + 1);
    }

    /// <summary>A value of the wrong kind for <paramref name="type"/>; null for a JSON value, which takes anything.</summary>
    private static JsonNode? Wrong(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(JsonElement))
        {
            return null;
        }

        if (type == typeof(string))
        {
            return 5;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return new JsonObject();
        }

        return type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(bool) ? "x" : new JsonArray();
    }

    private static IEnumerable<(string Name, Type Type)> Properties(Type dto) =>
        dto.GetProperties()
            .Where(p => p.GetCustomAttribute<JsonExtensionDataAttribute>() is null)
            .Select(p => (p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name, p.PropertyType));

    /// <summary>One compiled side: its assembly (in a collectible context), its JSON context, and a modifier of its metadata if any.</summary>
    private sealed class Side(Assembly assembly, JsonSerializerContext context, JsonSerializerOptions? modified)
    {
        public Assembly Assembly => assembly;

        public static Side Load(string name, IEnumerable<(string FileName, string Text)> files, string contextType, Action<JsonTypeInfo>? modifier = null)
        {
            var result = GeneratedCompilation.CompileModels(name, files);
            Assert.True(result.Image is not null, $"The {name} models did not compile:\n" + GeneratedCompilation.Result.Format(result.Problems.Take(20)));
            var assembly = new AssemblyLoadContext("converter-" + name, isCollectible: true).LoadFromStream(new MemoryStream(result.Image));
            var context = (JsonSerializerContext)assembly.GetType(contextType, throwOnError: true)!.GetProperty("Default")!.GetValue(null)!;
            var modified = modifier is null ? null : new JsonSerializerOptions(context.Options) { TypeInfoResolver = context.WithAddedModifier(modifier) };
            return new Side(assembly, context, modified);
        }

        public JsonTypeInfo Info(string typeName) => Info(assembly.GetType(typeName, throwOnError: true)!);

        /// <summary>The context's property of that name, as the typed arguments and hosts reach it.</summary>
        public JsonTypeInfo Named(string infoName)
        {
            var info = (JsonTypeInfo)context.GetType().GetProperty(infoName)!.GetValue(context)!;
            return modified is null ? info : Info(info.Type);
        }

        private JsonTypeInfo Info(Type type) => modified?.GetTypeInfo(type) ?? context.GetTypeInfo(type)!;
    }
}
