using System.Net;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// The one rule for plain http wherever a credential travels: only to a loopback host (<c>localhost</c>,
/// 127.0.0.0/8, <c>::1</c>), where nothing leaves the machine. Anywhere else whoever is on the path reads or replaces
/// what is sent: the bearer token (the API base URL), the client secret (the token endpoint), the signing keys that
/// vouch for callers (an OIDC authority). The connection's options validation and the host's settings both use it.
/// </summary>
internal static class LoopbackAddress
{
    /// <summary>The rule in words, for messages.</summary>
    public const string PlainHttpRule = "plain http only to a loopback address: 127.0.0.1 (any of 127.0.0.0/8), ::1 or localhost";

    /// <summary>Whether <paramref name="host"/> (a URL's host, an IPv6 address with or without brackets) is a loopback name or address.</summary>
    public static bool IsLoopbackHost(string? host) =>
        host is { Length: > 0 }
        && (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.AsSpan().Trim('[').TrimEnd(']'), out var ip) && IPAddress.IsLoopback(ip)));

    /// <summary>Whether <paramref name="url"/> is plain http to a host that is not loopback: a credential must not go there.</summary>
    public static bool IsPlainHttpOffLoopback(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && url.Scheme == Uri.UriSchemeHttp && !IsLoopbackHost(url.Host);
    }
}
