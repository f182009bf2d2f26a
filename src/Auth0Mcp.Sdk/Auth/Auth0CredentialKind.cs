namespace Auth0Mcp.Sdk.Auth;

/// <summary>Which kind of credential the server uses to call the Management API.</summary>
public enum Auth0CredentialKind
{
    /// <summary>No credential is configured: discovery works, calls fail with a clear message.</summary>
    None,

    /// <summary>A Management API bearer token given as it is (<c>AUTH0_TOKEN</c>); it is not renewed.</summary>
    StaticToken,

    /// <summary>
    /// An M2M application (<c>AUTH0_CLIENT_ID</c>, <c>AUTH0_CLIENT_SECRET</c>): the server obtains and renews
    /// tokens itself with the client-credentials grant.
    /// </summary>
    ClientCredentials,
}
