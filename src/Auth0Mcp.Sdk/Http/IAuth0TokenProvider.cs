namespace Auth0Mcp.Sdk.Http;

/// <summary>Supplies the Management API bearer token for each call.</summary>
public interface IAuth0TokenProvider
{
    /// <summary>Returns a token; <paramref name="forceRefresh"/> asks for a new one after a 401.</summary>
    ValueTask<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken);
}

/// <summary>The credential is missing or was refused; the message never contains the credential.</summary>
public sealed class Auth0CredentialException : Exception
{
    /// <summary>Creates the exception.</summary>
    public Auth0CredentialException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
