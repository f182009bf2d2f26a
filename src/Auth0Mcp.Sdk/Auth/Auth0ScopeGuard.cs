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
    /// The scopes the current token grants, or null when they are not known: an opaque token, no credential, or a
    /// client-credentials token not obtained yet while <paramref name="obtainToken"/> is false (discovery never
    /// contacts Auth0).
    /// </summary>
    ValueTask<IReadOnlySet<string>?> GrantedScopesAsync(bool obtainToken, CancellationToken cancellationToken);
}

/// <summary>The default <see cref="IAuth0ScopeGuard"/>: reads the scopes of the token <see cref="IAuth0TokenProvider"/> gives.</summary>
internal sealed class Auth0ScopeGuard(IAuth0TokenProvider tokens) : IAuth0ScopeGuard
{
    /// <inheritdoc />
    public async ValueTask<IReadOnlySet<string>?> GrantedScopesAsync(bool obtainToken, CancellationToken cancellationToken)
    {
        var kind = tokens.Kind;
        if (kind == Auth0CredentialKind.None || (kind == Auth0CredentialKind.ClientCredentials && !obtainToken))
        {
            return null;
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
}
