namespace Auth0Mcp.Sdk.Http;

/// <summary>How to reach the Auth0 Management API and with which credential.</summary>
public sealed class Auth0ConnectionOptions
{
    /// <summary>The tenant domain, e.g. <c>your-tenant.us.auth0.com</c> (<c>AUTH0_DOMAIN</c>).</summary>
    public string? Domain { get; set; }

    /// <summary>A Management API bearer token (<c>AUTH0_TOKEN</c>).</summary>
    public string? Token { get; set; }

    /// <summary>An M2M application's client id (<c>AUTH0_CLIENT_ID</c>).</summary>
    public string? ClientId { get; set; }

    /// <summary>An M2M application's client secret (<c>AUTH0_CLIENT_SECRET</c>).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// Overrides the API base URL (<c>AUTH0_MCP_BASE_URL</c>), e.g. a local mock. Operation paths are appended
    /// to it as they are, so give it without <c>/api/v2</c> when the mock serves paths at the root.
    /// </summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The timeout of one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The address that operation paths are appended to.</summary>
    /// <exception cref="InvalidOperationException">Neither a base URL nor a domain is configured.</exception>
    public Uri GetBaseAddress()
    {
        if (BaseUrl is not null)
        {
            return BaseUrl;
        }

        if (string.IsNullOrWhiteSpace(Domain))
        {
            throw new InvalidOperationException("No Auth0 tenant is configured: set AUTH0_DOMAIN (e.g. your-tenant.us.auth0.com) or AUTH0_MCP_BASE_URL.");
        }

        var host = Domain.Trim().TrimEnd('/');
        if (!host.Contains("://", StringComparison.Ordinal))
        {
            host = "https://" + host;
        }

        return new Uri(host + "/api/v2");
    }
}
