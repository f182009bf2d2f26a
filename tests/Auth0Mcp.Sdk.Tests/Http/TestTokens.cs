using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>Unsigned JWTs shaped like Auth0 access tokens (the server never checks signatures).</summary>
internal static class TestTokens
{
    public static string Jwt(IEnumerable<string>? scopes = null, DateTimeOffset? expires = null, string? marker = null, string? permissionsOnly = null)
    {
        var payload = new JsonObject
        {
            ["iss"] = "https://tenant.example/",
            ["sub"] = "client-abc@clients",
            ["aud"] = "https://tenant.example/api/v2/",
            ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["gty"] = "client-credentials",
            ["jti"] = marker ?? Guid.NewGuid().ToString("N"),
        };
        if (scopes is not null)
        {
            payload["scope"] = string.Join(' ', scopes);
        }

        if (permissionsOnly is not null)
        {
            payload["permissions"] = new JsonArray([.. permissionsOnly.Split(' ').Select(p => (JsonNode)p)]);
        }

        if (expires is { } e)
        {
            payload["exp"] = e.ToUnixTimeSeconds();
        }

        return B64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + B64(payload.ToJsonString()) + "." + B64("signature-" + Guid.NewGuid().ToString("N"));
    }

    public static string TokenResponse(string accessToken, int expiresIn = 86400) =>
        new JsonObject { ["access_token"] = accessToken, ["token_type"] = "Bearer", ["expires_in"] = expiresIn }.ToJsonString();

    private static string B64(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
}
