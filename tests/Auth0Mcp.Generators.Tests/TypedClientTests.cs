using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using Auth0Mcp.Generators.Tests.Infrastructure;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// What a C# host sees of the typed clients, compiled from small specs: a required query parameter is not nullable.
/// </summary>
public sealed class TypedClientTests
{
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

    /// <summary>The run's clients, DTOs, converters and JSON context compiled and loaded; the options of its context's <c>Default</c>.</summary>
    private static (Assembly Assembly, JsonSerializerOptions Options) Compile(string name, CoreRun run)
    {
        var result = GeneratedCompilation.CompileModels("typed-" + name, run.ClientFiles());
        Assert.True(result.Image is not null, "The generated code did not compile:\n" + GeneratedCompilation.Result.Format(result.Problems.Take(20)));
        var assembly = new AssemblyLoadContext("typed-" + name, isCollectible: true).LoadFromStream(new MemoryStream(result.Image));
        var context = assembly.GetType(run.RequiredModel.Namespace + ".Models.Auth0ApiJsonContext", throwOnError: true)!;
        return (assembly, ((System.Text.Json.Serialization.JsonSerializerContext)context.GetProperty("Default")!.GetValue(null)!).Options);
    }
}
