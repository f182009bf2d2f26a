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

    /// <summary>How long a session lasts from its sign-in, however active it is.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    private const string MethodClaim = "amr";
    private const string SignedInClaim = "auth_time";
    private const string KeyClaim = "key";
    private const string ConsoleClaim = "console";

    /// <summary>The administrator's name as audit records carry it.</summary>
    public static string Actor(ClaimsPrincipal user) => user.FindFirst(SubjectClaim)?.Value is { Length: > 0 } sub ? sub : "unknown";

    /// <summary>
    /// The principal the cookie keeps: subject, groups, how and when the user signed in, the console (its governance
    /// store) it was signed in to, and for a key sign-in the key's fingerprint (never the key), so that
    /// <see cref="ValidateSessionAsync"/> can hold the session to the console as it is configured now.
    /// </summary>
    public static ClaimsPrincipal Principal(string user, IEnumerable<string> groups, string method, ToolGovernance governance, DateTimeOffset now, string? key = null)
    {
        var claims = new List<Claim>
        {
            new(SubjectClaim, user),
            new(MethodClaim, method),
            new(SignedInClaim, now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ConsoleClaim, Fingerprint(governance.Store.Description)),
        };
        if (key is not null)
        {
            claims.Add(new Claim(KeyClaim, Fingerprint(key)));
        }

        claims.AddRange(groups.Select(g => new Claim(GroupsClaim, g)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, method, SubjectClaim, GroupsClaim));
    }

    /// <summary>
    /// Every request: the session must belong to this console's store, be younger than <see cref="SessionLifetime"/>,
    /// and, when it was opened with an API key, that key must still be configured for the same user (its groups are
    /// taken as they are now). Otherwise the session ends, and that is audited: removing a key or an administrator
    /// takes effect at once, and a cookie from another console on the same host name is not accepted.
    /// </summary>
    public static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        if (principal is null)
        {
            return;
        }

        var services = context.HttpContext.RequestServices;
        var options = services.GetRequiredService<IOptions<AdminConsoleOptions>>().Value;
        var governance = services.GetRequiredService<ToolGovernance>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var method = principal.FindFirst(MethodClaim)?.Value;
        string? ended = null;
        if (principal.FindFirst(ConsoleClaim)?.Value != Fingerprint(governance.Store.Description))
        {
            ended = "the session was opened on another console";
        }
        else if (!long.TryParse(principal.FindFirst(SignedInClaim)?.Value, System.Globalization.CultureInfo.InvariantCulture, out var signedIn)
            || now - DateTimeOffset.FromUnixTimeSeconds(signedIn) > SessionLifetime)
        {
            ended = $"the session is older than {SessionLifetime.TotalHours:0} hours";
        }
        else if (method == "apikey")
        {
            var fingerprint = principal.FindFirst(KeyClaim)?.Value;
            var user = Actor(principal);
            var key = options.ApiKeys.FirstOrDefault(k => k.User == user && Fingerprint(k.Key) == fingerprint);
            if (key is null)
            {
                ended = "its API key is no longer configured for this user";
            }
            else if (!key.Groups.Order(StringComparer.Ordinal).SequenceEqual(principal.FindAll(GroupsClaim).Select(c => c.Value).Order(StringComparer.Ordinal)))
            {
                // The key's groups changed: the session goes on with the groups it has now.
                context.ReplacePrincipal(Principal(user, key.Groups, "apikey", governance, DateTimeOffset.FromUnixTimeSeconds(signedIn), key.Key));
                context.ShouldRenew = true;
            }
        }
        else if (method != "oidc" || !options.Oidc.IsConfigured)
        {
            ended = "its sign-in method is not configured on this console";
        }

        if (ended is not null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme).ConfigureAwait(false);
            await governance.RecordAdminEventAsync(Actor(principal), "admin.session.ended", null, ended, context.HttpContext.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>A failed OIDC sign-in (a refused ID token, an error from the authority): audited, and back to the sign-in page.</summary>
    public static async Task OidcFailedAsync(RemoteFailureContext context)
    {
        var governance = context.HttpContext.RequestServices.GetRequiredService<ToolGovernance>();
        var reason = JsonRedactor.Secrets.RedactText(context.Failure?.Message ?? "unknown failure", out _);
        await governance.RecordAdminEventAsync("anonymous", "admin.signin.failed", null, "oidc: " + (reason.Length > 300 ? reason[..300] + "…" : reason), context.HttpContext.RequestAborted).ConfigureAwait(false);
        context.Response.Redirect(AdminConsole.PathPrefix + "/signin?failed=oidc");
        context.HandleResponse();
    }

    /// <summary>
    /// Whether a proxy forwarded <paramref name="request"/> (<c>Forwarded</c>, <c>X-Forwarded-For</c>, <c>X-Real-IP</c>): its
    /// loopback peer is then not its client. (The server's local user scheme, built without this console for Native AOT,
    /// has the same test in <c>HttpServe.IsForwarded</c>.)
    /// </summary>
    internal static bool IsForwarded(HttpRequest request) =>
        request.Headers.ContainsKey("Forwarded") || request.Headers.ContainsKey("X-Forwarded-For") || request.Headers.ContainsKey("X-Real-IP");

    private static string Fingerprint(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

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
        var services = context.HttpContext.RequestServices;
        context.Principal = Principal(user, groups, "oidc", services.GetRequiredService<ToolGovernance>(), services.GetRequiredService<TimeProvider>().GetUtcNow());
        await context.HttpContext.RequestServices.GetRequiredService<ToolGovernance>()
            .RecordAdminEventAsync(user, "admin.signin", null, $"oidc; groups: {string.Join(", ", groups)}", context.HttpContext.RequestAborted).ConfigureAwait(false);
    }
}
