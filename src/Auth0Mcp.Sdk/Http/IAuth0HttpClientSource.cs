namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// Gives generated tools an <see cref="HttpClient"/> for the Auth0 Management API: base address
/// <c>https://{domain}/api/v2</c> (or <c>AUTH0_MCP_BASE_URL</c>), bearer authentication, retries and response
/// capture already in its pipeline.
/// </summary>
public interface IAuth0HttpClientSource
{
    /// <summary>Returns a client for one call (cheap: handlers are pooled by the factory).</summary>
    HttpClient CreateClient();
}
