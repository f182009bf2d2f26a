namespace Auth0Mcp.Sdk.Auth;

/// <summary>
/// Where the credential in effect comes from, as the host assembled it (for example a credentials file that wins over
/// the settings): <see cref="Auth0Doctor"/> names it in its report. A host that reads the credential from more than its
/// <see cref="Http.Auth0ConnectionOptions"/> registers one; without one the doctor names the options.
/// </summary>
public interface IAuth0CredentialOrigin
{
    /// <summary>
    /// Where <paramref name="credential"/> (the one in effect, from the options) comes from, in a few words, e.g.
    /// <c>the credentials file /etc/auth0-mcp/credentials.json</c>; null when unknown. Never a secret.
    /// </summary>
    string? Describe(Auth0CredentialSnapshot credential);
}
