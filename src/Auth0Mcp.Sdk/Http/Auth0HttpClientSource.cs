namespace Auth0Mcp.Sdk.Http;

/// <summary>The default <see cref="IAuth0HttpClientSource"/>: a named client from <see cref="IHttpClientFactory"/>.</summary>
internal sealed class Auth0HttpClientSource(IHttpClientFactory factory) : IAuth0HttpClientSource
{
    /// <inheritdoc />
    public HttpClient CreateClient() => factory.CreateClient(Microsoft.Extensions.DependencyInjection.Auth0ConnectionServiceCollectionExtensions.HttpClientName);
}
