using Microsoft.Extensions.Options;

namespace Auth0Mcp.Sdk.Http;

/// <summary>Uses the configured <see cref="Auth0ConnectionOptions.Token"/>, read on every call so that a rotated token applies at once.</summary>
public sealed class StaticTokenProvider(IOptionsMonitor<Auth0ConnectionOptions> options) : IAuth0TokenProvider
{
    /// <inheritdoc />
    public ValueTask<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        var token = options.CurrentValue.Token;
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new Auth0CredentialException("No Auth0 credential is configured: set AUTH0_TOKEN, or AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET.");
        }

        return ValueTask.FromResult(token.Trim());
    }
}
