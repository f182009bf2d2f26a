namespace Auth0Mcp.Sdk.Auth;

/// <summary>
/// A Management API access token and what is known about it. <see cref="ToString"/> never shows the token.
/// </summary>
public sealed class Auth0AccessToken
{
    /// <summary>Creates the token description; <paramref name="value"/> is registered for redaction.</summary>
    /// <param name="value">The bearer token.</param>
    /// <param name="kind">How the token was obtained.</param>
    /// <param name="credentialVersion">The <see cref="Auth0CredentialSnapshot.Version"/> the token belongs to.</param>
    /// <param name="obtainedAt">When the token was obtained or configured.</param>
    /// <param name="expiresAt">When the token expires, when known.</param>
    public Auth0AccessToken(string value, Auth0CredentialKind kind, long credentialVersion, DateTimeOffset obtainedAt, DateTimeOffset? expiresAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        Value = value;
        Kind = kind;
        CredentialVersion = credentialVersion;
        ObtainedAt = obtainedAt;
        Claims = Auth0TokenClaims.Read(value);
        ExpiresAt = expiresAt ?? Claims?.ExpiresAt;
        Auth0Redaction.Register(value);
    }

    /// <summary>The bearer token. Never log or return it.</summary>
    public string Value { get; }

    /// <summary>How the token was obtained.</summary>
    public Auth0CredentialKind Kind { get; }

    /// <summary>The credential version the token belongs to; a rotation makes a newer version.</summary>
    public long CredentialVersion { get; }

    /// <summary>When the token was obtained (client credentials) or configured (static token).</summary>
    public DateTimeOffset ObtainedAt { get; }

    /// <summary>When the token expires, if known (the grant's <c>expires_in</c>, else the JWT <c>exp</c>).</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>The token's JWT payload claims, or null for an opaque token.</summary>
    public Auth0TokenClaims? Claims { get; }

    /// <summary>The scopes the token grants, or null when they cannot be read from it.</summary>
    public IReadOnlySet<string>? Scopes => Claims?.Scopes;

    /// <summary>Whether the token has expired at <paramref name="now"/>.</summary>
    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } e && e <= now;

    /// <inheritdoc />
    public override string ToString() =>
        $"Auth0AccessToken({Kind}, v{CredentialVersion}, expires {(ExpiresAt is { } e ? e.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : "unknown")})";
}
