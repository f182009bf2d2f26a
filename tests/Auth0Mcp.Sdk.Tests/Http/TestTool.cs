using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Tools;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>
/// A hand-written <see cref="Auth0ApiTool"/> whose <c>SendAsync</c> uses the pipeline's plain <see cref="HttpClient"/>
/// (no Refit), so the tool pipeline is tested without generated code.
/// </summary>
internal sealed class TestTool(Auth0ToolDescriptor descriptor, string relativePath) : Auth0ApiTool(descriptor)
{
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
            """{"type":"object","properties":{"q":{"type":"string"}}}""",
            method == "GET",
            method is "DELETE" or "PUT" or "PATCH",
            method is "GET" or "PUT" or "DELETE");

    public static TestTool Get(string path = "/users", params string[] scopes) => new(Describe(path: path, scopes: scopes), path);

    public static TestTool Post(string path = "/users", params string[] scopes) => new(Describe("auth0_users_create", "POST", path, scopes), path);

    protected override async Task SendAsync(Auth0ToolArguments arguments, HttpClient http, CancellationToken cancellationToken)
    {
        var url = new Uri(http.BaseAddress!.ToString().TrimEnd('/') + relativePath);
        using var request = new HttpRequestMessage(new HttpMethod(Descriptor.Method), url);
        if (Descriptor.Method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("""{"name":"x"}""", System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request, cancellationToken);
    }
}
