using System.Net;
using System.Net.Http.Headers;
using Auth0Mcp.Sdk.Auth;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// Adds <c>Authorization: Bearer …</c> from <see cref="IAuth0TokenProvider"/> to each attempt. After a 401 it asks
/// the provider once for a different token (a renewed or rotated one) and resends the request once with it: the one
/// 401-refresh path (the retry strategy never retries a 401). A call that fails for a credential reason (no token to
/// send, or a 401 that stays) is counted for the operator's throttled warning (<see cref="Auth0CredentialWarnings"/>),
/// and a call answered with success ends it.
/// </summary>
internal sealed class Auth0BearerHandler(IAuth0TokenProvider tokens, Auth0CredentialWarnings warnings) : DelegatingHandler
{
    /// <summary>Why a call failed whose token the Management API refused, after any renewal (never the token).</summary>
    internal const string TokenRefused =
        "the Management API answered 401 Unauthorized to the token (revoked, expired, or issued for another tenant or API)";

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var response = await SendWithTokenAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                warnings.Failed(TokenRefused);
            }
            else if (response.IsSuccessStatusCode)
            {
                warnings.Succeeded();
            }

            return response;
        }
        catch (Auth0CredentialException ex) when (ex.Warning is { } why)
        {
            warnings.Failed(why);
            throw;
        }
    }

    private async Task<HttpResponseMessage> SendWithTokenAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
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
