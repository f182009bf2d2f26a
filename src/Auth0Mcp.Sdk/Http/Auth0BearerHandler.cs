using System.Net;
using System.Net.Http.Headers;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// Adds <c>Authorization: Bearer …</c> from <see cref="IAuth0TokenProvider"/> to each attempt. After a 401 it asks
/// the provider once for a different token (a renewed or rotated one) and resends the request once with it: the one
/// 401-refresh path (the retry strategy never retries a 401).
/// </summary>
internal sealed class Auth0BearerHandler(IAuth0TokenProvider tokens) : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        Auth0CallState.Of(request)?.NoteSent();
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var renewed = await tokens.RefreshAsync(token, cancellationToken).ConfigureAwait(false);
        if (renewed is null)
        {
            return response;
        }

        response.Dispose();
        Auth0CallState.Of(request)?.NoteTokenRefresh();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", renewed.Value);
        Auth0CallState.Of(request)?.NoteSent();
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
