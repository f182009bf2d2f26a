using Auth0Mcp.Sdk.Http;

namespace Auth0Mcp.Sdk.Auth;

/// <summary>
/// Reads which Management API scopes the current token grants, for the governance access decision (a tool whose
/// scopes the token lacks is denied with <c>missing-scopes</c> and hidden from <c>tools/list</c>). It decides nothing
/// itself: the one access evaluator (<c>ToolGovernance.Evaluate</c>) does.
/// </summary>
internal interface IAuth0ScopeGuard
{
    /// <summary>
    /// The scopes the current token grants, or null when they are not known: an opaque token, no credential, or no
    /// client-credentials token in hand while <paramref name="obtainToken"/> is false (discovery never contacts Auth0,
    /// and uses the token a call obtained).
    /// </summary>
    ValueTask<IReadOnlySet<string>?> GrantedScopesAsync(bool obtainToken, CancellationToken cancellationToken);

    /// <summary>
    /// For a call the token's scopes refuse: the scopes of a renewed token when the one in hand is a client-credentials
    /// token older than a few minutes (a scope granted in Auth0 since applies at once), otherwise null.
    /// </summary>
    ValueTask<IReadOnlySet<string>?> RenewedScopesAsync(CancellationToken cancellationToken);
}

/// <summary>The default <see cref="IAuth0ScopeGuard"/>: reads the scopes of the token <see cref="IAuth0TokenProvider"/> gives.</summary>
internal sealed class Auth0ScopeGuard(IAuth0TokenProvider tokens) : IAuth0ScopeGuard
{
    /// <inheritdoc />
    public async ValueTask<IReadOnlySet<string>?> GrantedScopesAsync(bool obtainToken, CancellationToken cancellationToken)
    {
        var kind = tokens.Kind;
        if (kind == Auth0CredentialKind.None)
        {
            return null;
        }

        if (kind == Auth0CredentialKind.ClientCredentials && !obtainToken)
        {
            return (tokens as Auth0TokenProvider)?.CachedToken()?.Scopes;
        }

        try
        {
            var token = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
            return token.Scopes;
        }
        catch (Auth0CredentialException)
        {
            // The call itself reports the credential problem; scopes are simply unknown.
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlySet<string>?> RenewedScopesAsync(CancellationToken cancellationToken)
    {
        if (tokens is not Auth0TokenProvider provider)
        {
            return null;
        }

        try
        {
            return (await provider.RenewStaleAsync(cancellationToken).ConfigureAwait(false))?.Scopes;
        }
        catch (Auth0CredentialException)
        {
            return null;
        }
    }
}
