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
    /// to it as they are, so give it without <c>/api/v2</c> when the mock serves paths at the root. It carries the
    /// bearer token: https, or plain http only to a loopback address (127.0.0.0/8, ::1, localhost); the options
    /// validation refuses plain http to any other host.
    /// </summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>
    /// The API's own base URL, from its spec's <c>servers</c>: the generated <c>Clients.Auth0ApiRefit.DefaultBaseUrl</c>
    /// (e.g. <c>o.DefaultBaseUrl = MyApp.Api.Clients.Auth0ApiRefit.DefaultBaseUrl</c>). Used for the base address and the
    /// token audience only when neither <see cref="BaseUrl"/> nor <see cref="Domain"/> is set, so <c>AUTH0_DOMAIN</c>
    /// still decides for the Auth0 spec. Ignored when empty, relative or still a template (<c>https://{tenant}/…</c>).
    /// </summary>
    public string? DefaultBaseUrl { get; set; }

    /// <summary>The timeout of one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The most one tool call may spend on Auth0, all attempts and waits included (default 25 s, well under the
    /// 60 s that MCP clients commonly wait). A retry whose wait would end past it is not made.
    /// </summary>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// The output limit: the most of one Auth0 answer that is read (default 256 KiB, <see cref="DefaultMaxResponseBytes"/>).
    /// A longer answer is cut there and the result says so, with paging advice; memory stays bounded whatever Auth0 sends.
    /// </summary>
    public int MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

    /// <summary>
    /// The default output limit, 256 KiB: a full page of 100 users of about 2 KB each fits, and so does more than an AI
    /// client's context takes in one result (about 65,000 tokens). The server holds about 25 times the limit while one
    /// result of that size is shaped and serialized (the MCP SDK escapes the text content with a buffer six characters a
    /// character, and its thread keeps such buffers), so a larger limit costs memory on every thread that serves one.
    /// </summary>
    public const int DefaultMaxResponseBytes = 256 * 1024;

    /// <summary>How many times one call may be retried after a 429, a 5xx or a network error (default 4).</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>The first backoff delay for 5xx and network errors; it doubles per attempt, with jitter (default 500 ms).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The client-credentials token endpoint; by default <c>https://{Domain}/oauth/token</c>. Tests point it at a local
    /// stub. It receives the client secret: https, or plain http only to a loopback address (127.0.0.0/8, ::1,
    /// localhost); the options validation refuses plain http to any other host.
    /// </summary>
    public Uri? TokenEndpoint { get; set; }

    /// <summary>The audience asked for in the client-credentials grant; by default <c>https://{Domain}/api/v2/</c>.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// How long before expiry a client-credentials token is renewed (default 5 minutes; at most half the
    /// token's lifetime).
    /// </summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The timeout of one token request (default 10 s).</summary>
    public TimeSpan TokenRequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The token endpoint in effect: <see cref="TokenEndpoint"/> or <c>https://{Domain}/oauth/token</c>.</summary>
    /// <exception cref="InvalidOperationException">Neither a token endpoint nor a domain is configured.</exception>
    public Uri GetTokenEndpoint() => TokenEndpoint ?? new Uri(GetTenantRoot(), "oauth/token");

    /// <summary>
    /// The audience in effect: <see cref="Audience"/>, else <c>https://{Domain}/api/v2/</c>, else the spec's
    /// <see cref="DefaultBaseUrl"/> as written.
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither an audience, a domain nor a usable default base URL is configured.</exception>
    public string GetAudience()
    {
        if (!string.IsNullOrWhiteSpace(Audience))
        {
            return Audience.Trim();
        }

        if (string.IsNullOrWhiteSpace(Domain) && GetDefaultBaseAddress() is { } fallback)
        {
            return fallback.OriginalString;
        }

        if (string.IsNullOrWhiteSpace(Domain) && BaseUrl is not null)
        {
            // A base URL says where requests go, not which API a token is for.
            throw new InvalidOperationException("No Auth0 tenant is configured for the token's audience: set Domain (AUTH0_DOMAIN, e.g. your-tenant.us.auth0.com) or Audience; BaseUrl alone does not name it.");
        }

        return new Uri(GetTenantRoot(), "api/v2/").ToString();
    }

    /// <summary>
    /// The address that operation paths are appended to: <see cref="BaseUrl"/>, else <c>https://{Domain}/api/v2</c>,
    /// else the spec's <see cref="DefaultBaseUrl"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither a base URL, a domain nor a usable default base URL is configured.</exception>
    public Uri GetBaseAddress()
    {
        if (BaseUrl is not null)
        {
            return BaseUrl;
        }

        return string.IsNullOrWhiteSpace(Domain) && GetDefaultBaseAddress() is { } fallback
            ? fallback
            : new Uri(GetTenantRoot(), "api/v2");
    }

    // The spec's servers URL when it is an absolute http(s) URL without an unresolved {variable}.
    internal Uri? GetDefaultBaseAddress()
    {
        var text = DefaultBaseUrl?.Trim();
        return !string.IsNullOrEmpty(text)
            && text.IndexOfAny(['{', '}']) < 0
            && Uri.TryCreate(text, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : null;
    }

    private Uri GetTenantRoot()
    {
        if (string.IsNullOrWhiteSpace(Domain))
        {
            // A template ({tenantDomain}) is how a spec says "your tenant": only another unusable URL is worth naming.
            var unusable = string.IsNullOrWhiteSpace(DefaultBaseUrl) || DefaultBaseUrl.IndexOfAny(['{', '}']) >= 0
                ? ""
                : $" (the spec's default base URL '{DefaultBaseUrl.Trim()}' is not an absolute URL)";
            throw new InvalidOperationException($"No Auth0 tenant is configured: set AUTH0_DOMAIN (e.g. your-tenant.us.auth0.com) or AUTH0_MCP_BASE_URL{unusable} (in a host of your own: Auth0ConnectionOptions.Domain or BaseUrl).");
        }

        if (!IsValidDomain(Domain))
        {
            throw new InvalidOperationException($"The Auth0 tenant domain '{Domain}' (AUTH0_DOMAIN) is not a host name: {DomainRule}.");
        }

        var host = Domain.Trim().TrimEnd('/');
        if (!host.Contains("://", StringComparison.Ordinal))
        {
            host = "https://" + host;
        }

        return new Uri(host + "/");
    }

    /// <summary>What <see cref="IsValidDomain"/> accepts, in words (for messages).</summary>
    internal const string DomainRule = "expected a host name with an optional port (1-65535), optionally after https://, e.g. your-tenant.us.auth0.com";

    /// <summary>
    /// Whether <paramref name="domain"/> is a usable <see cref="Domain"/>: a host name (letters, digits and hyphens in
    /// dot-separated labels) or IPv4 address, with an optional port from 1 to 65535, optionally after <c>https://</c>
    /// and before one trailing <c>/</c>; no path, query, user information or spaces.
    /// </summary>
    public static bool IsValidDomain(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain))
        {
            return false;
        }

        var text = domain.Trim();
        if (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            text = text["https://".Length..];
        }

        if (text.EndsWith('/'))
        {
            text = text[..^1];
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var host = colon < 0 ? text : text[..colon];
        if (colon >= 0)
        {
            var port = text[(colon + 1)..];
            if (port.Length is 0 or > 5 || !port.All(char.IsAsciiDigit) || int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) is < 1 or > 65535)
            {
                return false;
            }
        }

        if (host.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in host.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }
}
