using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Http;

namespace Auth0Mcp.Sdk.Auth;

/// <summary>The outcome of a scope check: whether the call may go to Auth0, and which scopes are missing.</summary>
/// <param name="Allowed">True when every required scope is granted, or when the token's scopes cannot be read (Auth0 then decides).</param>
/// <param name="Missing">The required scopes the token does not grant (empty when allowed).</param>
/// <param name="ScopesKnown">Whether the token's scopes could be read (a JWT with <c>scope</c> or <c>permissions</c>).</param>
public sealed record Auth0ScopeCheck(bool Allowed, IReadOnlyList<string> Missing, bool ScopesKnown)
{
    /// <summary>The check for a token whose scopes are unknown: allowed.</summary>
    public static Auth0ScopeCheck Unknown { get; } = new(true, [], false);
}

/// <summary>
/// Least privilege before the call: a tool whose required scopes the token does not grant fails fast, naming the
/// missing scopes, without a request to Auth0. The tool pipeline calls it after argument validation.
/// </summary>
public interface IAuth0ScopeGuard
{
    /// <summary>Checks the current token against <paramref name="descriptor"/>'s scopes (all of them are required).</summary>
    /// <exception cref="Auth0CredentialException">No credential is configured, or no token could be obtained.</exception>
    ValueTask<Auth0ScopeCheck> CheckAsync(Auth0ToolDescriptor descriptor, CancellationToken cancellationToken);
}

/// <summary>The default <see cref="IAuth0ScopeGuard"/>: reads the scopes of the token <see cref="IAuth0TokenProvider"/> gives.</summary>
public sealed class Auth0ScopeGuard(IAuth0TokenProvider tokens) : IAuth0ScopeGuard
{
    /// <inheritdoc />
    public async ValueTask<Auth0ScopeCheck> CheckAsync(Auth0ToolDescriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.Scopes.Count == 0)
        {
            return new Auth0ScopeCheck(true, [], true);
        }

        var token = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        if (token.Scopes is not { } granted)
        {
            return Auth0ScopeCheck.Unknown;
        }

        var missing = Auth0ScopePlanner.Missing(descriptor, granted);
        return new Auth0ScopeCheck(missing.Count == 0, missing, true);
    }
}
