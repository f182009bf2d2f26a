using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Admin;

/// <summary>The console's sign-in: schemes, the admin policy, the principal it keeps, and the audited 403.</summary>
internal static class AdminAuthentication
{
    public const string CookieScheme = "Auth0McpAdmin";
    public const string CookieName = "auth0-mcp-admin";
    public const string OidcScheme = "Auth0McpAdminOidc";
    public const string Policy = "Auth0McpAdmin";
    public const string SubjectClaim = "sub";
    public const string GroupsClaim = "groups";

    private const string MethodClaim = "amr";
    private const string SignedInClaim = "auth_time";
    private const string KeyClaim = "key";
    private const string ProviderClaim = "idp";
    private const string ConsoleClaim = "console";

    /// <summary>The administrator's name as audit records carry it.</summary>
    public static string Actor(ClaimsPrincipal user) => user.FindFirst(SubjectClaim)?.Value is { Length: > 0 } sub ? sub : "unknown";

    /// <summary>
    /// The principal the session keeps: subject, groups, how and when the user signed in, the console (its governance
    /// store) it was signed in to, for a key sign-in the key's fingerprint (never the key), and for an OIDC sign-in the
    /// fingerprint of the authority and client id (<see cref="OidcProvider"/>), so that <see cref="ValidateSessionAsync"/>
    /// can hold the session to the console as it is configured now.
    /// </summary>
    public static ClaimsPrincipal Principal(string user, IEnumerable<string> groups, string method, ToolGovernance governance, DateTimeOffset now, string? key = null, string? provider = null)
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

        if (provider is not null)
        {
            claims.Add(new Claim(ProviderClaim, provider));
        }

        claims.AddRange(groups.Select(g => new Claim(GroupsClaim, g)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, method, SubjectClaim, GroupsClaim));
    }

    // What names one sign-in: who, how, when, on which console, with which key or authority (not the groups: a renewal
    // takes a key's groups as they are now, ValidateSessionAsync).
    private static readonly string[] SignInClaims = [SubjectClaim, MethodClaim, SignedInClaim, ConsoleClaim, KeyClaim, ProviderClaim];

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> are the principal of the same sign-in (<see cref="AdminSessionStore.RenewAsync"/>).</summary>
    internal static bool SameSignIn(ClaimsPrincipal a, ClaimsPrincipal b) =>
        SignInClaims.All(type => a.FindFirst(type)?.Value == b.FindFirst(type)?.Value);

    /// <summary>
    /// Signs <paramref name="principal"/> in with a session of its own, under a new session id: both sign-in paths (the
    /// key form, the OIDC callback) come here. A session the request already carries (the user's own earlier one, or
    /// one someone else planted in the browser: a cookie set by a page on another port of the host reaches
    /// <c>/admin</c> too) is ended first: it leaves the <see cref="AdminSessionStore"/> and
    /// <c>admin.session.ended</c> is audited. (The cookie handler would otherwise renew the session it read under its
    /// id, <c>ITicketStore.RenewAsync</c>, and the planted cookie would become the new user's session.)
    /// </summary>
    public static async Task SignInNewSessionAsync(HttpContext http, ClaimsPrincipal principal, AuthenticationProperties? properties = null)
    {
        if (http.Request.Cookies.ContainsKey(CookieName))
        {
            var held = await http.AuthenticateAsync(CookieScheme).ConfigureAwait(false);
            // This request's cookie handler read that session: signing out of it removes it from the store and stops
            // the handler renewing it at the end of the response.
            await http.SignOutAsync(CookieScheme).ConfigureAwait(false);
            if (held.Principal is { } previous)
            {
                await http.RequestServices.GetRequiredService<ToolGovernance>().RecordAdminEventAsync(Actor(previous), "admin.session.ended", null,
                    $"a new sign-in in the same browser (as {Actor(principal)}) replaced it", http.RequestAborted).ConfigureAwait(false);
            }
        }

        // That handler keeps the id of the session it read and would renew under it: a handler of its own, which finds
        // no session for the cookie (just removed), stores the ticket under a new id.
        var scheme = await http.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(CookieScheme).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the authentication scheme {CookieScheme} is not registered");
        var handler = (IAuthenticationSignInHandler)ActivatorUtilities.GetServiceOrCreateInstance(http.RequestServices, scheme.HandlerType);
        await handler.InitializeAsync(scheme, http).ConfigureAwait(false);
        await handler.SignInAsync(principal, properties).ConfigureAwait(false);
    }

    /// <summary>
    /// Every request: the session must belong to this console's store, be younger than <see cref="AdminConsoleOptions.SessionLifetime"/>,
    /// and, when it was opened with an API key, that key must still be configured for the same user (its groups are
    /// taken as they are now); when opened with OIDC, with the authority and client id configured now. Otherwise the
    /// session ends (it leaves the <see cref="AdminSessionStore"/>), and that is audited: removing a key or an
    /// administrator takes effect at once, a cookie from another console on the same host name is not accepted, and
    /// moving the console to another identity provider or client ends the sessions the old one vouched for. (An OIDC
    /// session keeps the groups of its sign-in: the ID token is not asked for again.)
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
            || now - DateTimeOffset.FromUnixTimeSeconds(signedIn) > options.SessionLifetime)
        {
            ended = "the session is older than " + Duration(options.SessionLifetime);
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
        else if (principal.FindFirst(ProviderClaim)?.Value != OidcProvider(options.Oidc))
        {
            ended = "it was opened with another OIDC authority or client id than this console's";
        }

        if (ended is not null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme).ConfigureAwait(false);
            await governance.RecordAdminEventAsync(Actor(principal), "admin.session.ended", null, ended, context.HttpContext.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>A session lifetime in words: "8 hours", "90 minutes".</summary>
    internal static string Duration(TimeSpan lifetime) =>
        lifetime.TotalMinutes % 60 == 0
            ? (lifetime.TotalHours == 1 ? "1 hour" : $"{lifetime.TotalHours.ToString(System.Globalization.CultureInfo.InvariantCulture)} hours")
            : $"{Math.Round(lifetime.TotalMinutes).ToString(System.Globalization.CultureInfo.InvariantCulture)} minutes";

    /// <summary>
    /// A failed OIDC sign-in: back to the sign-in page, and into the audit when the callback carries a state this console
    /// issued (protected with its data-protection keys) and the browser's correlation cookie, at most
    /// <see cref="SignInFailures.RecordedPerMinute"/> a minute (<see cref="SignInFailedAsync"/>). Anyone can send
    /// <c>/admin/signin-oidc?state=…</c>: the others are counted, the count goes into the next record and, once a minute
    /// at most, the log. The authority's <c>error</c> and <c>error_description</c> are quoted escaped
    /// (<see cref="TerminalText"/>) and cut short.
    /// </summary>
    public static async Task OidcFailedAsync(RemoteFailureContext context)
    {
        var http = context.HttpContext;
        var issued = context.Properties is not null
            && http.Request.Cookies.Any(c => c.Key.StartsWith(context.Options.CorrelationCookie.Name ?? ".AspNetCore.Correlation.", StringComparison.Ordinal));
        await SignInFailedAsync(http, SignInMethod.Oidc, issued, FailureText(context.Failure)).ConfigureAwait(false);
        context.Response.Redirect(AdminConsole.PathPrefix + "/signin?failed=oidc");
        context.HandleResponse();
    }

    /// <summary>
    /// A failed sign-in (<paramref name="why"/>) into the audit as <c>admin.signin.failed</c> when <paramref name="recordable"/>,
    /// at most <see cref="SignInFailures.RecordedPerMinute"/> a minute for each method (anyone can post a wrong key or
    /// send a callback): the others are counted, the count goes into the method's next record and, once a minute at
    /// most, a warning in the log.
    /// </summary>
    internal static async Task SignInFailedAsync(HttpContext http, SignInMethod method, bool recordable, string why)
    {
        var (prefix, name, unrecordable) = method == SignInMethod.Oidc
            ? ("oidc: ", "OIDC", "callbacks with a state this console did not issue or without its correlation cookie, or ")
            : ("api key: ", "API-key", "");
        if (http.RequestServices.GetRequiredService<SignInFailures>().Admit(method, recordable, out var notRecorded, out var toLog))
        {
            var more = notRecorded > 0 ? $" ({notRecorded} other failed {name} sign-in{(notRecorded == 1 ? " was" : "s were")} not recorded since the last one)" : "";
            await http.RequestServices.GetRequiredService<ToolGovernance>()
                .RecordAdminEventAsync("anonymous", "admin.signin.failed", null, prefix + why + more, http.RequestAborted).ConfigureAwait(false);
        }

        if (toLog > 0)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Auth0Mcp.Admin.SignIn").LogWarning(
                "{Count} failed {Method} sign-ins were not audited ({Unrecordable}more than {Limit} a minute)",
                toLog, name, unrecordable, SignInFailures.RecordedPerMinute);
        }
    }

    /// <summary>Why an OIDC sign-in failed, for the audit: the authority's error and description quoted and escaped, each cut short.</summary>
    internal static string FailureText(Exception? failure)
    {
        if (failure?.Data["error"] is string error)
        {
            var description = failure.Data["error_description"] as string;
            return $"the authority answered error '{Quoted(error, 64)}'" + (string.IsNullOrEmpty(description) ? "" : $", description '{Quoted(description, 200)}'");
        }

        return Quoted(failure?.Message ?? "unknown failure", 300);
    }

    // Secrets masked, at most `max` characters of the text, control and format characters escaped (one line, nothing hidden).
    private static string Quoted(string text, int max)
    {
        var redacted = JsonRedactor.Secrets.RedactText(text, out _);
        return TerminalText.Escape(redacted.Length > max ? redacted[..max] + "…" : redacted)!;
    }

    /// <summary>
    /// Before the redirect to the authority: the <c>redirect_uri</c> is the console's public URL
    /// (<see cref="AdminConsoleOptions.PublicUrl"/>) when one is set (the handler redeems the code with the same one).
    /// Without one, a request a proxy forwarded is refused: the address built from it would not be the browser's.
    /// </summary>
    public static async Task RedirectToIdentityProviderAsync(Microsoft.AspNetCore.Authentication.OpenIdConnect.RedirectContext context)
    {
        var publicUrl = context.HttpContext.RequestServices.GetRequiredService<IOptions<AdminConsoleOptions>>().Value.PublicUrl;
        if (publicUrl is not null)
        {
            context.ProtocolMessage.RedirectUri = new Uri(publicUrl, context.Options.CallbackPath.Value).AbsoluteUri;
            return;
        }

        if (IsForwarded(context.Request))
        {
            context.HandleResponse();
            SecurityHeadersFilter.Apply(context.Response);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(
                "503: this console is reached through a proxy, but its public URL is not set, so the identity provider cannot be told where to send you back. The operator sets AUTH0_MCP_ADMIN_URL (Admin:PublicUrl) to the console's https origin, e.g. https://console.example.com.",
                context.HttpContext.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether a proxy forwarded <paramref name="request"/> (<c>Forwarded</c>, <c>X-Forwarded-For</c>, <c>X-Real-IP</c>): its
    /// loopback peer is then not its client. (The server's local user scheme, built without this console for Native AOT,
    /// has the same test in <c>HttpServe.IsForwarded</c>.)
    /// </summary>
    internal static bool IsForwarded(HttpRequest request) =>
        request.Headers.ContainsKey("Forwarded") || request.Headers.ContainsKey("X-Forwarded-For") || request.Headers.ContainsKey("X-Real-IP");

    /// <summary>The fingerprint of the authority and client id an OIDC session is held to.</summary>
    internal static string OidcProvider(AdminOidcOptions oidc) => Fingerprint((oidc.Authority ?? "").TrimEnd('/') + "\n" + oidc.ClientId);

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

    /// <summary>
    /// After OIDC sign-in: keep only the subject and the groups (from the configured claims, each read as the MCP
    /// endpoint reads a token's: trimmed, a JSON array given as text expanded, <see cref="ClaimsCallerIdentityResolver.GroupsOf"/>),
    /// and audit it with the token's issuer.
    /// </summary>
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

        var groups = source.FindAll(options.GroupsClaim).SelectMany(c => ClaimsCallerIdentityResolver.GroupsOf(c.Value)).Distinct(StringComparer.Ordinal).ToList();
        var issuer = source.FindFirst("iss")?.Value is { Length: > 0 } iss ? iss : options.Authority ?? "";
        var services = context.HttpContext.RequestServices;
        context.Principal = Principal(user, groups, "oidc", services.GetRequiredService<ToolGovernance>(), services.GetRequiredService<TimeProvider>().GetUtcNow(), provider: OidcProvider(options));
        await services.GetRequiredService<ToolGovernance>()
            .RecordAdminEventAsync(user, "admin.signin", null, $"oidc iss={Quoted(issuer, 200)}; groups: {string.Join(", ", groups)}", context.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// After the OIDC callback's checks: the session is opened here (<see cref="SignInNewSessionAsync"/>, a new id, a
    /// session the browser held ended) rather than by the handler, which would renew the browser's session under its id.
    /// </summary>
    public static async Task OidcTicketReceivedAsync(TicketReceivedContext context)
    {
        await SignInNewSessionAsync(context.HttpContext, context.Principal ?? new ClaimsPrincipal(), context.Properties).ConfigureAwait(false);
        context.Response.Redirect(string.IsNullOrEmpty(context.ReturnUri) ? AdminConsole.PathPrefix : context.ReturnUri);
        context.HandleResponse();
    }
}

/// <summary>How a sign-in was attempted, for <see cref="SignInFailures"/>.</summary>
internal enum SignInMethod
{
    /// <summary>The OIDC callback.</summary>
    Oidc,

    /// <summary>The API-key form.</summary>
    ApiKey,
}

/// <summary>
/// How many failed sign-ins the audit takes, for each method: the recordable ones (an OIDC callback with a state this
/// console issued; any wrong key), at most <see cref="RecordedPerMinute"/> a minute (a fixed window); the rest are
/// counted for the method's next record and the log.
/// </summary>
internal sealed class SignInFailures(TimeProvider time)
{
    /// <summary>The most failed sign-ins of one method recorded in the audit in one minute.</summary>
    public const int RecordedPerMinute = 10;

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    // The audit's records, and the log's lines about those left out (one a minute), for each method.
    private readonly WindowedAdmission<SignInMethod> _records = new(RecordedPerMinute, Window, time);
    private readonly WindowedAdmission<SignInMethod> _lines = new(1, Window, time);

    /// <summary>
    /// Whether this failure goes into the audit (<paramref name="recordable"/>, and within the method's limit);
    /// <paramref name="notRecorded"/>: how many of the method were left out since its last record (for that record);
    /// <paramref name="toLog"/>: how many left out to log now (0: no log line due).
    /// </summary>
    public bool Admit(SignInMethod method, bool recordable, out int notRecorded, out int toLog)
    {
        toLog = 0;
        notRecorded = 0;
        if (recordable && _records.TryAdmit(method, out notRecorded))
        {
            return true;
        }

        if (!recordable)
        {
            _records.Suppress(method);
        }

        if (_lines.TryAdmit(method, out var unsaid))
        {
            toLog = unsaid + 1;
        }

        return false;
    }
}
