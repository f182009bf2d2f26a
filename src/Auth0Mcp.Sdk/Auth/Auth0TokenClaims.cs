using System.Buffers.Text;
using System.Text.Json;

namespace Auth0Mcp.Sdk.Auth;

/// <summary>
/// The claims of an Auth0 access token's JWT payload that the server uses. The payload is base64url-decoded
/// without checking the signature: Auth0 checks it; the server only reads what the token says it grants.
/// </summary>
public sealed class Auth0TokenClaims
{
    private Auth0TokenClaims(IReadOnlySet<string>? scopes, DateTimeOffset? expiresAt, DateTimeOffset? issuedAt, string? issuer, IReadOnlyList<string> audiences, string? subject, string? grantType)
    {
        Scopes = scopes;
        ExpiresAt = expiresAt;
        IssuedAt = issuedAt;
        Issuer = issuer;
        Audiences = audiences;
        Subject = subject;
        GrantType = grantType;
    }

    /// <summary>The union of the <c>scope</c> string and the <c>permissions</c> array, or null when the token has neither.</summary>
    public IReadOnlySet<string>? Scopes { get; }

    /// <summary>The <c>exp</c> claim.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>The <c>iat</c> claim.</summary>
    public DateTimeOffset? IssuedAt { get; }

    /// <summary>The <c>iss</c> claim, e.g. <c>https://tenant.us.auth0.com/</c>.</summary>
    public string? Issuer { get; }

    /// <summary>The <c>aud</c> claim (a string or an array).</summary>
    public IReadOnlyList<string> Audiences { get; }

    /// <summary>The <c>sub</c> claim, e.g. <c>CLIENT_ID@clients</c> for an M2M token.</summary>
    public string? Subject { get; }

    /// <summary>The <c>gty</c> claim, e.g. <c>client-credentials</c>.</summary>
    public string? GrantType { get; }

    /// <summary>Reads the claims of a JWT, or returns null when <paramref name="token"/> is not a readable JWT.</summary>
    public static Auth0TokenClaims? Read(string? token)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return null;
        }

        var parts = token.Split('.');
        if (parts.Length != 3 || parts[1].Length == 0)
        {
            return null;
        }

        byte[] payload;
        try
        {
            payload = Base64Url.DecodeFromChars(parts[1]);
        }
        catch (FormatException)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            HashSet<string>? scopes = null;
            if (root.TryGetProperty("scope", out var scope) && scope.ValueKind == JsonValueKind.String)
            {
                scopes = new HashSet<string>(StringComparer.Ordinal);
                foreach (var s in scope.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    scopes.Add(s);
                }
            }

            if (root.TryGetProperty("permissions", out var permissions) && permissions.ValueKind == JsonValueKind.Array)
            {
                scopes ??= new HashSet<string>(StringComparer.Ordinal);
                foreach (var p in permissions.EnumerateArray())
                {
                    if (p.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(p.GetString()))
                    {
                        scopes.Add(p.GetString()!.Trim());
                    }
                }
            }

            var audiences = new List<string>();
            if (root.TryGetProperty("aud", out var aud))
            {
                if (aud.ValueKind == JsonValueKind.String)
                {
                    audiences.Add(aud.GetString()!);
                }
                else if (aud.ValueKind == JsonValueKind.Array)
                {
                    audiences.AddRange(aud.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!));
                }
            }

            return new Auth0TokenClaims(
                scopes,
                ReadTime(root, "exp"),
                ReadTime(root, "iat"),
                ReadString(root, "iss"),
                audiences,
                ReadString(root, "sub"),
                ReadString(root, "gty"));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or a string that is not text (a lone surrogate escape, "\ud800": GetString throws): no claims.
            return null;
        }
    }

    private static string? ReadString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static DateTimeOffset? ReadTime(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var seconds)
            && seconds is > 0 and < 253402300799
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : null;
}
