using Auth0Mcp.Sdk.Auth;

namespace Auth0Mcp.Sdk.Http;

/// <summary>Supplies the Management API bearer token for each call.</summary>
public interface IAuth0TokenProvider
{
    /// <summary>The kind of credential in use now.</summary>
    Auth0CredentialKind Kind { get; }

    /// <summary>Returns a valid token, obtaining or renewing it when needed.</summary>
    /// <exception cref="Auth0CredentialException">No credential is configured, or a token could not be obtained.</exception>
    ValueTask<Auth0AccessToken> GetTokenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Called after Auth0 answered 401 to <paramref name="rejected"/>: returns a different token to retry with
    /// once, or null when there is none (a static token that has not been rotated). Concurrent callers that
    /// report the same rejected token share one renewal.
    /// </summary>
    ValueTask<Auth0AccessToken?> RefreshAsync(Auth0AccessToken rejected, CancellationToken cancellationToken);
}

/// <summary>The credential is missing or was refused; the message never contains the credential.</summary>
public sealed class Auth0CredentialException : Exception
{
    /// <summary>Creates the exception; the message is redacted.</summary>
    public Auth0CredentialException(string message, Exception? inner = null) : base(Auth0Redaction.Redact(message), inner)
    {
    }

    /// <summary>Creates the exception for a failure every call meets until the credential changes (<see cref="Warning"/>).</summary>
    internal Auth0CredentialException(string message, string? warning) : base(Auth0Redaction.Redact(message))
    {
        Warning = warning is null ? null : Auth0Redaction.Redact(warning);
    }

    /// <summary>
    /// Why every call fails until the credential changes (none configured, an expired token, credentials Auth0 refused),
    /// for the operator's throttled warning (<see cref="Auth0Mcp.Sdk.Auth.Auth0CredentialWarnings"/>): the server's own
    /// words, never the credential nor Auth0's answer. Null for a passing failure (the token endpoint down, rate-limited,
    /// unreachable), which the next call may not meet.
    /// </summary>
    internal string? Warning { get; }
}
