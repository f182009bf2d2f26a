using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Tools;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>
/// Hand-written <see cref="Auth0ApiTool"/>s with request plans like the generated ones, so the tool path (validation,
/// request builder, pipeline, bounded read, results) is tested without generated code.
/// </summary>
internal static class TestTool
{
    private const string Schema = """{"type":"object","properties":{"id":{"type":"string"},"q":{"type":"string"},"per_page":{"type":"integer","minimum":1,"maximum":100},"body":{"type":"object"}}}""";

    public static Auth0ToolDescriptor Describe(string name = "auth0_users_list", string method = "GET", string path = "/users", params string[] scopes) =>
        new(
            name,
            "Test " + name,
            "A test tool.",
            method,
            path,
            name,
            ["users"],
            scopes.Length == 0 ? ["read:users"] : scopes,
            method == "GET" ? Auth0ToolAction.Read : method == "DELETE" ? Auth0ToolAction.Delete : Auth0ToolAction.Write,
            "GA",
            Schema,
            method == "GET",
            method is "DELETE" or "PUT" or "PATCH",
            method is "GET" or "PUT" or "DELETE",
            new Auth0RequestPlan(
                [
                    .. path.Contains("{id}", StringComparison.Ordinal) ? [new Auth0RequestArgument("id", Auth0ArgumentLocation.Path)] : Array.Empty<Auth0RequestArgument>(),
                    new Auth0RequestArgument("q", Auth0ArgumentLocation.Query),
                    new Auth0RequestArgument("per_page", Auth0ArgumentLocation.Query),
                ],
                body: method is "POST" or "PUT" or "PATCH" ? "body" : null));

    public static Auth0ApiTool Get(string path = "/users", params string[] scopes) => new(Describe(path: path, scopes: scopes));

    /// <summary>A GET /users tool whose argument <c>q</c> goes in the header <paramref name="header"/>.</summary>
    public static Auth0ApiTool WithHeader(string header)
    {
        var d = Describe();
        return new(new Auth0ToolDescriptor(
            d.Name, d.Title, d.Description, d.Method, d.Path, d.OperationId, d.Group, d.Scopes, d.Action, d.Lifecycle, d.InputSchema, d.ReadOnly, d.Destructive, d.Idempotent,
            new Auth0RequestPlan([new Auth0RequestArgument(header, Auth0ArgumentLocation.Header)])));
    }

    public static Auth0ApiTool Post(string path = "/users", params string[] scopes) => new(Describe("auth0_users_create", "POST", path, scopes));

    public static Auth0ApiTool Delete(string path = "/users/{id}", params string[] scopes) => new(Describe("auth0_users_delete", "DELETE", path, scopes.Length == 0 ? ["delete:users"] : scopes));

    /// <summary>The arguments a call sends when a test gives none: a body for writes.</summary>
    public static Dictionary<string, JsonElement> DefaultArguments(Auth0ApiTool tool) =>
        tool.Descriptor.Request.Body is { } body
            ? new() { [body] = JsonDocument.Parse("""{"name":"x"}""").RootElement.Clone() }
            : [];

    public static Dictionary<string, JsonElement> Args(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
    }
}
