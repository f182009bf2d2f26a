using System.Net.Http.Headers;

namespace Auth0Mcp.Sdk.Http;

/// <summary>Adds <c>Authorization: Bearer …</c> from <see cref="IAuth0TokenProvider"/> to each request.</summary>
public sealed class Auth0BearerHandler(IAuth0TokenProvider tokens) : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetTokenAsync(false, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
