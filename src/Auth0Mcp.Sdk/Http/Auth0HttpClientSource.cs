namespace Auth0Mcp.Sdk.Http;

/// <summary>The default <see cref="IAuth0HttpClientSource"/>: a named client from <see cref="IHttpClientFactory"/>.</summary>
internal sealed class Auth0HttpClientSource(IHttpClientFactory factory) : IAuth0HttpClientSource
{
    /// <summary>The name of the Auth0 Management API client in <see cref="IHttpClientFactory"/>.</summary>
    public const string ClientName = Microsoft.Extensions.DependencyInjection.Auth0ConnectionServiceCollectionExtensions.HttpClientName;

    /// <inheritdoc />
    public HttpClient CreateClient() => factory.CreateClient(ClientName);
}
