namespace Auth0Mcp.Sdk.Auth;

/// <summary>
/// The credential in effect at one moment. Immutable: a rotation makes a new snapshot with a higher
/// <see cref="Version"/>, so a call in flight finishes with the snapshot it started with.
/// <see cref="ToString"/> never shows the token or the secret.
/// </summary>
public sealed class Auth0CredentialSnapshot
{
    internal Auth0CredentialSnapshot(long version, string? domain, string? token, string? clientId, string? clientSecret, DateTimeOffset since, string source)
    {
        Version = version;
        Domain = Normalize(domain);
        Token = Normalize(token);
        ClientId = Normalize(clientId);
        ClientSecret = Normalize(clientSecret);
        Since = since;
        Source = source;
        Kind = Token is not null ? Auth0CredentialKind.StaticToken
            : ClientId is not null && ClientSecret is not null ? Auth0CredentialKind.ClientCredentials
            : Auth0CredentialKind.None;
        Auth0Redaction.Register(Token, configured: true);
        Auth0Redaction.Register(ClientSecret, configured: true);
    }

    /// <summary>Increases by one with each rotation; tokens are cached per version.</summary>
    public long Version { get; }

    /// <summary>
    /// The kind in use. An explicit token wins over client credentials when both are set; with neither,
    /// <see cref="Auth0CredentialKind.None"/>.
    /// </summary>
    public Auth0CredentialKind Kind { get; }

    /// <summary>The tenant domain, if configured.</summary>
    public string? Domain { get; }

    /// <summary>The M2M application's client id (not a secret).</summary>
    public string? ClientId { get; }

    /// <summary>When this snapshot took effect.</summary>
    public DateTimeOffset Since { get; }

    /// <summary>Where it came from: <c>configuration</c>, <c>configuration-reload</c> or the rotation source given to <see cref="Auth0CredentialStore.Rotate"/>.</summary>
    public string Source { get; }

    internal string? Token { get; }

    internal string? ClientSecret { get; }

    internal bool SameMaterial(Auth0CredentialSnapshot other) =>
        string.Equals(Domain, other.Domain, StringComparison.Ordinal)
        && string.Equals(Token, other.Token, StringComparison.Ordinal)
        && string.Equals(ClientId, other.ClientId, StringComparison.Ordinal)
        && string.Equals(ClientSecret, other.ClientSecret, StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => $"Auth0Credential(v{Version}, {Kind}, client {ClientId ?? "-"}, from {Source})";

    /// <summary>
    /// What a host says when a token and client credentials are both configured: the token wins, and the client
    /// credentials are ignored (auth0-mcp refuses the two at start; a rotation may switch between them).
    /// </summary>
    internal const string BothCredentials = "AUTH0_TOKEN and AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET are both set; set one credential: a Management API token (used as it is, never renewed) or an M2M application's client id and secret (tokens obtained and renewed)";

    /// <summary>Whether a credential value counts as set: not empty or blank (as the snapshot reads it).</summary>
    internal static bool IsSet(string? value) => !string.IsNullOrWhiteSpace(value);

    private static string? Normalize(string? value) => IsSet(value) ? value!.Trim() : null;
}

/// <summary>A credential change asked for by an administrator (<c>auth0-mcp credentials rotate</c>). Null members keep their value.</summary>
public sealed class Auth0CredentialUpdate
{
    /// <summary>A new Management API token; an empty string removes the token (client credentials then apply, if set).</summary>
    public string? Token { get; init; }

    /// <summary>A new M2M client id.</summary>
    public string? ClientId { get; init; }

    /// <summary>A new M2M client secret.</summary>
    public string? ClientSecret { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"Auth0CredentialUpdate(token {(Token is null ? "kept" : "changed")}, client id {ClientId ?? "kept"}, secret {(ClientSecret is null ? "kept" : "changed")})";
}

/// <summary>What an audit log records about a rotation: no token, no secret.</summary>
/// <param name="PreviousVersion">The version replaced.</param>
/// <param name="Version">The new version.</param>
/// <param name="PreviousKind">The kind before.</param>
/// <param name="Kind">The kind now.</param>
/// <param name="ClientId">The M2M client id now in use, if any.</param>
/// <param name="Source">Who rotated: <c>configuration-reload</c> or the source given to <see cref="Auth0CredentialStore.Rotate"/>.</param>
/// <param name="At">When.</param>
public sealed record Auth0CredentialRotation(long PreviousVersion, long Version, Auth0CredentialKind PreviousKind, Auth0CredentialKind Kind, string? ClientId, string Source, DateTimeOffset At);

/// <summary>A token obtained with the client-credentials grant (no token in it).</summary>
/// <param name="CredentialVersion">The credential version it belongs to.</param>
/// <param name="ClientId">The M2M client id.</param>
/// <param name="ExpiresAt">When it expires.</param>
/// <param name="ScopeCount">How many scopes it grants (null when unknown).</param>
/// <param name="At">When it was obtained.</param>
public sealed record Auth0TokenIssued(long CredentialVersion, string? ClientId, DateTimeOffset? ExpiresAt, int? ScopeCount, DateTimeOffset At);

/// <summary>A failed token request (no token or secret in it).</summary>
/// <param name="CredentialVersion">The credential version concerned.</param>
/// <param name="ClientId">The M2M client id.</param>
/// <param name="Reason">A redacted, human-readable reason.</param>
/// <param name="At">When.</param>
public sealed record Auth0TokenFailure(long CredentialVersion, string? ClientId, string Reason, DateTimeOffset At);

/// <summary>
/// Receives credential events, for an audit log. Implementations must be quick and must not throw (exceptions
/// are swallowed). Every member has an empty default, so implement what you record.
/// </summary>
public interface IAuth0CredentialEvents
{
    /// <summary>A new credential took effect; the next call uses it, calls in flight finish with the old one.</summary>
    void CredentialRotated(Auth0CredentialRotation rotation)
    {
    }

    /// <summary>A client-credentials token was obtained.</summary>
    void TokenIssued(Auth0TokenIssued issued)
    {
    }

    /// <summary>A client-credentials token request failed.</summary>
    void TokenRequestFailed(Auth0TokenFailure failure)
    {
    }
}
