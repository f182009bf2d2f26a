using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Admin;

/// <summary>The console's sign-in: schemes, the admin policy, the principal it keeps, and the audited 403.</summary>
internal static class AdminAuthentication
{
    public const string CookieScheme = "Auth0McpAdmin";
    public const string OidcScheme = "Auth0McpAdminOidc";
    public const string Policy = "Auth0McpAdmin";
    public const string SubjectClaim = "sub";
    public const string GroupsClaim = "groups";

    /// <summary>The administrator's name as audit records carry it.</summary>
    public static string Actor(ClaimsPrincipal user) => user.FindFirst(SubjectClaim)?.Value is { Length: > 0 } sub ? sub : "unknown";

    /// <summary>The principal the cookie keeps: subject, groups, and how the user signed in.</summary>
    public static ClaimsPrincipal Principal(string user, IEnumerable<string> groups, string method)
    {
        var claims = new List<Claim> { new(SubjectClaim, user), new("amr", method) };
        claims.AddRange(groups.Select(g => new Claim(GroupsClaim, g)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, method, SubjectClaim, GroupsClaim));
    }

    /// <summary>The API key entry matching <paramref name="presented"/>, comparing every key in fixed time.</summary>
    public static AdminApiKey? MatchKey(IEnumerable<AdminApiKey> keys, string presented)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        AdminApiKey? match = null;
        foreach (var key in keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, SHA256.HashData(Encoding.UTF8.GetBytes(key.Key))))
            {
                match = key;
            }
        }

        return match;
    }

    /// <summary>An authenticated user who is not an administrator: 403, and the attempt is audited.</summary>
    public static async Task ForbiddenAsync(RedirectContext<CookieAuthenticationOptions> context)
    {
        var http = context.HttpContext;
        var governance = http.RequestServices.GetRequiredService<ToolGovernance>();
        var user = await http.AuthenticateAsync(CookieScheme).ConfigureAwait(false);
        var actor = user.Principal is { } p ? Actor(p) : "anonymous";
        var groups = user.Principal?.FindAll(GroupsClaim).Select(c => c.Value) ?? [];
        await governance.RecordAdminEventAsync(actor, "admin.forbidden", null,
            $"{http.Request.Method} {http.Request.Path}: not in an admin group (groups: {string.Join(", ", groups)})", http.RequestAborted).ConfigureAwait(false);
        SecurityHeadersFilter.Apply(http.Response);
        http.Response.StatusCode = StatusCodes.Status403Forbidden;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync("403 Forbidden: you are signed in, but not as an administrator of this console.", http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>After OIDC sign-in: keep only the subject and the groups (from the configured claims), and audit it.</summary>
    public static async Task OidcSignedInAsync(Microsoft.AspNetCore.Authentication.OpenIdConnect.TokenValidatedContext context)
    {
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<AdminConsoleOptions>>().Value.Oidc;
        var source = context.Principal ?? new ClaimsPrincipal();
        var user = source.FindFirst(options.SubjectClaim)?.Value;
        if (string.IsNullOrWhiteSpace(user))
        {
            context.Fail($"the ID token has no '{options.SubjectClaim}' claim");
            return;
        }

        var groups = source.FindAll(options.GroupsClaim).Select(c => c.Value).ToList();
        context.Principal = Principal(user, groups, "oidc");
        await context.HttpContext.RequestServices.GetRequiredService<ToolGovernance>()
            .RecordAdminEventAsync(user, "admin.signin", null, $"oidc; groups: {string.Join(", ", groups)}", context.HttpContext.RequestAborted).ConfigureAwait(false);
    }
}
