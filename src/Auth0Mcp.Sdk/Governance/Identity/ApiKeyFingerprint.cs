using System.Security.Cryptography;
using System.Text;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// What names a static API key in the audit without revealing it: the first 8 hex digits of its SHA-256, which an
/// operator computes from a key with <c>printf %s "$KEY" | sha256sum | cut -c1-8</c>. The one place for the MCP
/// endpoint's records (<c>credential: api-key …</c>, <c>server.started</c>) and the console's <c>admin.signin</c>.
/// </summary>
internal static class ApiKeyFingerprint
{
    /// <summary>The fingerprint of the key whose SHA-256 is <paramref name="digest"/>.</summary>
    public static string Of(byte[] digest) => Convert.ToHexStringLower(digest, 0, 4);

    /// <summary>The fingerprint of <paramref name="key"/>.</summary>
    public static string Of(string key) => Of(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
