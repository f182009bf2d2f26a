using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Auth0Mcp.Generators.Tests.Infrastructure;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// What a C# host sees of the typed clients and DTOs, compiled from Fixtures/Schemas.json and small specs: a property
/// whose schema allows null can be sent as <c>null</c> (clearing the field), no JSON name is written twice, and a
/// required query parameter is not nullable.
/// </summary>
public sealed class TypedClientTests
{
    private static readonly Lazy<(Assembly Assembly, JsonSerializerOptions Options)> Schemas = new(() => Load(SmallSpecs.Schemas));

    [Fact]
    public void Dto_NullablePropertySetToNull_SentAsNull_NeverSet_LeftOut()
    {
        // UpdateWidgetRequest.note is ["string", "null"]; name is a plain string.
        var cleared = New("UpdateWidgetRequest", ("Note", null), ("Name", "n"));
        var untouched = New("UpdateWidgetRequest", ("Name", "n"));
        var plainNull = New("UpdateWidgetRequest", ("Name", null));

        Assert.Equal("""{"name":"n","note":null}""", Write(cleared));
        Assert.Equal("""{"name":"n"}""", Write(untouched));
        // A property whose schema does not allow null is still left out when null.
        Assert.Equal("{}", Write(plainNull));
        // Value types and DTOs too: Widget.price ["number", "null"], enabled ["boolean", "null"], owner anyOf [Owner, null].
        Assert.Equal("""{"price":null,"enabled":null,"owner":null}""", Write(New("Widget", ("Price", null), ("Enabled", null), ("Owner", null))));
        // Set again to a value, the value is sent.
        var widget = New("Widget", ("Price", null));
        Set(widget, "Price", 2.5);
        Assert.Equal("""{"price":2.5}""", Write(widget));
    }

    [Fact]
    public void Dto_NullRead_WrittenBack()
    {
        var read = Read("UpdateWidgetRequest", """{"note":null,"name":"n"}""");

        Assert.Null(Get(read, "Note"));
        Assert.Equal("""{"name":"n","note":null}""", Write(read));
        Assert.Equal("""{"price":null,"owner":null}""", Write(Read("Widget", """{"price":null,"owner":null}""")));
        // A null read for a property whose schema does not allow it is still left out.
        Assert.Equal("{}", Write(Read("UpdateWidgetRequest", """{"name":null}""")));
    }

    [Fact]
    public void Dto_ExtensionDataKeyOfATypedProperty_WrittenOnce()
    {
        var nullElement = JsonDocument.Parse("null").RootElement.Clone();
        var both = New("UpdateWidgetRequest", ("Name", "typed"), ("Note", "typed"));
        Set(both, "AdditionalProperties", new Dictionary<string, JsonElement> { ["note"] = nullElement, ["name"] = nullElement, ["extra"] = nullElement });
        var onlyExtra = New("UpdateWidgetRequest");
        Set(onlyExtra, "AdditionalProperties", new Dictionary<string, JsonElement> { ["note"] = nullElement });
        var clearedAndExtra = New("UpdateWidgetRequest", ("Note", null));
        Set(clearedAndExtra, "AdditionalProperties", new Dictionary<string, JsonElement> { ["note"] = JsonDocument.Parse("\"x\"").RootElement.Clone() });

        // The typed property wins where it was written; an entry whose property was not written still goes.
        Assert.Equal("""{"name":"typed","note":"typed","extra":null}""", Write(both));
        Assert.Equal("""{"note":null}""", Write(onlyExtra));
        Assert.Equal("""{"note":null}""", Write(clearedAndExtra));
    }

    [Fact]
    public void Client_RequiredQueryParameters_NotNullableAndBeforeTheOptionalOnes()
    {
        const string Spec = """
            {
              "openapi": "3.1.0",
              "info": { "title": "Required query", "version": "1" },
              "paths": {
                "/users-by-email": {
                  "get": {
                    "operationId": "list_users_by_email",
                    "x-operation-group": "users",
                    "x-operation-name": "listByEmail",
                    "parameters": [
                      { "name": "fields", "in": "query", "schema": { "type": "string" } },
                      { "name": "email", "in": "query", "required": true, "schema": { "type": "string" } },
                      { "name": "page", "in": "query", "required": true, "schema": { "type": "integer" } },
                      { "name": "ids", "in": "query", "required": true, "explode": false, "schema": { "type": "array", "items": { "type": "string" } } },
                      { "name": "tags", "in": "query", "required": true, "schema": { "type": "array", "items": { "type": "string" } } },
                      { "name": "take", "in": "query", "schema": { "type": "integer" } }
                    ],
                    "responses": { "204": { "description": "None." } }
                  }
                }
              }
            }
            """;
        var run = CoreRun.From(Spec, "Fixtures.RequiredQuery");
        var client = Assert.Single(run.ClientFiles(), f => f.FileName == "Clients/IUsersApi.g.cs").Text;

        Assert.Contains(
            """
                    [global::Refit.Query] string email,
                    [global::Refit.Query] long page,
                    [global::Refit.Query(global::Refit.CollectionFormat.Csv)] global::System.Collections.Generic.IEnumerable<string> ids,
                    [global::Refit.Query(global::Refit.CollectionFormat.Multi)] global::System.Collections.Generic.IEnumerable<string> tags,
                    [global::Refit.Query] string? fields = default,
                    [global::Refit.Query] long? take = default,
            """.ReplaceLineEndings("\n"),
            client,
            StringComparison.Ordinal);

        // As a host's compiler sees it: the required ones are not nullable, so passing a null is a warning.
        var (assembly, _) = Compile("RequiredQuery", run);
        var method = assembly.GetType("Fixtures.RequiredQuery.Clients.IUsersApi", throwOnError: true)!.GetMethod("ListByEmailAsync")!;
        var nullability = new NullabilityInfoContext();
        var states = method.GetParameters().ToDictionary(p => p.Name!, p => nullability.Create(p).WriteState);
        Assert.Equal(NullabilityState.NotNull, states["email"]);
        Assert.Equal(NullabilityState.NotNull, states["ids"]);
        Assert.Equal(NullabilityState.NotNull, states["tags"]);
        Assert.Equal(typeof(long), method.GetParameters().Single(p => p.Name == "page").ParameterType);
        Assert.Equal(NullabilityState.Nullable, states["fields"]);
        Assert.Equal(typeof(long?), method.GetParameters().Single(p => p.Name == "take").ParameterType);
    }

    private static (Assembly Assembly, JsonSerializerOptions Options) Load(string spec) =>
        Compile(spec, CoreRun.From(SmallSpecs.Text(spec), SmallSpecs.Namespace(spec)));

    /// <summary>The run's clients, DTOs, converters and JSON context compiled and loaded; the options of its context's <c>Default</c>.</summary>
    private static (Assembly Assembly, JsonSerializerOptions Options) Compile(string name, CoreRun run)
    {
        var result = GeneratedCompilation.CompileModels("typed-" + name, run.ClientFiles());
        Assert.True(result.Image is not null, "The generated code did not compile:\n" + GeneratedCompilation.Result.Format(result.Problems.Take(20)));
        var assembly = new AssemblyLoadContext("typed-" + name, isCollectible: true).LoadFromStream(new MemoryStream(result.Image));
        var context = assembly.GetType(run.RequiredModel.Namespace + ".Models.Auth0ApiJsonContext", throwOnError: true)!;
        return (assembly, ((System.Text.Json.Serialization.JsonSerializerContext)context.GetProperty("Default")!.GetValue(null)!).Options);
    }

    private static Type Dto(string name) => Schemas.Value.Assembly.GetType(SmallSpecs.Namespace(SmallSpecs.Schemas) + ".Models." + name, throwOnError: true)!;

    private static object New(string dto, params (string Property, object? Value)[] values)
    {
        var value = Activator.CreateInstance(Dto(dto))!;
        foreach (var (property, v) in values)
        {
            Set(value, property, v);
        }

        return value;
    }

    private static void Set(object dto, string property, object? value) => dto.GetType().GetProperty(property)!.SetValue(dto, value);

    private static object? Get(object dto, string property) => dto.GetType().GetProperty(property)!.GetValue(dto);

    private static JsonTypeInfo Info(Type type) => Schemas.Value.Options.GetTypeInfo(type);

    private static string Write(object dto) => JsonSerializer.Serialize(dto, Info(dto.GetType()));

    private static object Read(string dto, string json) => JsonSerializer.Deserialize(json, Info(Dto(dto)))!;
}
