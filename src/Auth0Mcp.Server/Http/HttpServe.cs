using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.AspNetCore.Authentication;
using ModelContextProtocol.Authentication;
using Auth0Mcp.Server.Transport;

namespace Auth0Mcp.Server.Http;

/// <summary>
/// <c>auth0-mcp serve --http URL</c>: MCP over Streamable HTTP with stateful sessions (so
/// <c>notifications/tools/list_changed</c> reaches clients), every request authenticated by a JWT from the
/// configured OIDC authority or a static API key; unauthenticated requests get 401 with
/// <c>WWW-Authenticate: Bearer resource_metadata="…"</c> and the protected-resource metadata is served at
/// <c>/.well-known/oauth-protected-resource[/path]</c>.
/// </summary>
internal static class HttpServe
{
    /// <summary>The authentication scheme that picks JWT or API key per request.</summary>
    public const string CallerScheme = "auth0-mcp-caller";

    /// <summary>Runs the server until <paramref name="cancellationToken"/> fires or the process is stopped.</summary>
    public static async Task<int> RunAsync(HostSettings settings, TextWriter stderr, CancellationToken cancellationToken)
    {
        await using var app = Build(settings);
        using var signals = HostLogging.AnnounceStopSignals(stderr, app.Lifetime);
        if (!await ListenFailure.TryStartAsync(app, settings.HttpUrl!, stderr, cancellationToken).ConfigureAwait(false))
        {
            return Cli.Usage;
        }

        foreach (var address in ListeningUrls(app))
        {
            await stderr.WriteLineAsync($"auth0-mcp: MCP over Streamable HTTP at {address}").ConfigureAwait(false);
        }

        if (settings.AdminEnabled)
        {
            foreach (var address in AdminServe.ConsoleUrls(app))
            {
                await stderr.WriteLineAsync($"auth0-mcp: admin console at {address}").ConfigureAwait(false);
            }
        }

        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The MCP endpoint URLs the started <paramref name="app"/> listens on (the real port when 0 was asked).</summary>
    public static IReadOnlyList<string> ListeningUrls(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var path = app.Services.GetRequiredService<HostSettings>().HttpPath;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return addresses.Select(a => a.TrimEnd('/') + (path == "/" ? "/" : path)).ToList();
    }

    /// <summary>
    /// A web application builder that reads no settings file of its own: the server's settings come from its catalogue
    /// (<c>--config</c>, the environment; HostConfiguration.cs), validated there. ASP.NET Core's defaults would read
    /// <c>appsettings.json</c> from the working directory, where a stray file could move the listening address past the
    /// <c>--http</c> checks (its <c>Kestrel:Endpoints</c> replace the URL given) or change log levels, and would watch the
    /// working directory's whole tree for changes to it (a busy folder such as /tmp woke the server 860 times a second).
    /// The content root is the executable's folder, and no JSON file is read or watched there either. Kestrel's own
    /// section is not read from the environment either (<c>Kestrel__Endpoints__…</c> would replace the URL just the same).
    /// </summary>
    internal static WebApplicationBuilder NewBuilder()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        foreach (var source in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.FileConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(source);
        }

        // Nor does Kestrel read its section of what is left (the environment: Kestrel__Endpoints__X__Url, and its
        // ASPNETCORE_/DOTNET_ forms): its endpoints there would replace the --http URL too. An empty section instead.
        builder.WebHost.ConfigureKestrel(k => k.Configure(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), reloadOnChange: false));
        return builder;
    }

    /// <summary>Builds the web application; <paramref name="configureServices"/> runs last (tests use it to trust a local signing key).</summary>
    public static WebApplication Build(HostSettings settings, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var url = settings.HttpUrl ?? throw new InvalidOperationException("HttpUrl is not set.");
        var builder = NewBuilder();
        HostLogging.Configure(builder.Logging, settings.Server);
        // Authentication registers data protection; only the admin console (AUTH0_MCP_ADMIN) protects cookies with it.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.WebHost.UseUrls($"{url.Scheme}://{url.Host}:{url.Port}");
        // The request guard refuses a body once it has read past Server:MaxRequestBytes: Kestrel's own limit (30 MB by
        // default) must not come first, or a large setting would meet a refusal without the limit's message. Kestrel
        // counts what it has buffered ahead of the guard (up to its 1 MiB request buffer), hence the margin.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = Math.Max(30_000_000L, settings.Server.MaxRequestBytes + 4L * 1024 * 1024));
        builder.Services.AddSingleton(settings);

        // Sessions open per authenticated caller, counted from the initialize that opens one to its end: Transport/CallerSessions.cs.
        var sessions = new CallerSessions(settings.Server.MaxSessionsPerCaller);
        builder.Services.AddSingleton(sessions);
        // How many refusals at the transport each caller may write to the audit (Transport/TransportAudit.cs): over HTTP
        // many callers share the store, and one refused in a loop could fill its disk for all (stdio has one caller).
        builder.Services.AddSingleton<RefusalAdmission>();
        builder.Services.AddAuth0Mcp(settings).WithHttpTransport(o =>
        {
            // Sessions for clients on the initialize handshake (they get tools/list_changed on their GET stream);
            // 2026-07-28+ clients are served statelessly on the same endpoint (no list_changed: they re-list;
            // a call's confirmation reaches them as an input-required result, Governance/Approvals/CallApprovalHook.cs).
            o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
            // A session with no request for this long ends (the SDK's default: 2 hours); past this many idle sessions
            // (all callers' together), the least recently used end first.
            // (Obsolete only as the stateful mode is: these bound the sessions that mode keeps.)
#pragma warning disable MCP9006
            o.IdleTimeout = TimeSpan.FromMinutes(settings.Server.SessionIdleMinutes);
            o.MaxIdleSessionCount = settings.Server.MaxIdleSessions;
#pragma warning restore MCP9006
#pragma warning disable MCPEXP002 // RunSessionHandler is experimental: the one hook that runs from a session's start to its end.
            o.RunSessionHandler = sessions.RunAsync;
#pragma warning restore MCPEXP002
        }).WithCancelledRequestsEnded();

        var jwt = settings.Authentication.Jwt.Authority is not null;
        var keys = settings.Authentication.ApiKeys.Count > 0;
        var auth = builder.Services.AddAuthentication(o =>
        {
            o.DefaultScheme = CallerScheme;
            o.DefaultChallengeScheme = McpAuthenticationDefaults.AuthenticationScheme;
        });
        auth.AddPolicyScheme(CallerScheme, "JWT or API key", o => o.ForwardDefaultSelector = context =>
            settings.Authentication.LocalUser && ApiKeyAuthenticationHandler.PresentedKey(context.Request) is null ? LocalUserAuthenticationHandler.SchemeName
            : !jwt ? (keys ? ApiKeyAuthenticationHandler.SchemeName : LocalUserAuthenticationHandler.SchemeName)
            : !keys ? JwtBearerDefaults.AuthenticationScheme
            : LooksLikeJwt(context.Request) ? JwtBearerDefaults.AuthenticationScheme
            : ApiKeyAuthenticationHandler.SchemeName);
        if (jwt)
        {
            auth.AddJwtBearer(o =>
            {
                o.Authority = settings.Authentication.Jwt.Authority;
                o.Audience = settings.Authentication.Jwt.Audience;
                o.RequireHttpsMetadata = settings.Authentication.Jwt.Authority!.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
                // Keep the token's own claim names (sub, groups): governance reads them.
                o.MapInboundClaims = false;
                o.TokenValidationParameters.NameClaimType = settings.Authentication.Jwt.SubjectClaim;
                o.TokenValidationParameters.RoleClaimType = settings.Authentication.Jwt.GroupsClaim;
                var subject = settings.Authentication.Jwt.SubjectClaim;
                var refusals = new SignInRefusals();
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context =>
                    {
                        BindSessionsToSubject(context.Principal, subject);
                        return Task.CompletedTask;
                    },
                    // A token that fails validation: a rate-limited warning per peer address, as for a wrong API key.
                    OnAuthenticationFailed = context =>
                    {
                        refusals.Refused(
                            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Auth0Mcp.Server.Http.JwtSignIn"),
                            context.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "(unknown peer)",
                            "a rejected JWT (" + WhyRejected(context.Exception) + ")");
                        return Task.CompletedTask;
                    },
                };
            });
        }

        if (keys)
        {
            auth.AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, o =>
            {
                o.Keys = settings.Authentication.ApiKeys;
                o.ClaimTypes = (settings.Authentication.Jwt.SubjectClaim, settings.Authentication.Jwt.GroupsClaim);
            });
        }

        if (settings.Authentication.LocalUser)
        {
            auth.AddScheme<LocalUserAuthenticationOptions, LocalUserAuthenticationHandler>(LocalUserAuthenticationHandler.SchemeName, o =>
            {
                var local = settings.Governance.StdioCaller;
                o.User = local?.User ?? "";
                o.Groups = local?.Groups ?? [];
                o.ClaimTypes = (settings.Authentication.Jwt.SubjectClaim, settings.Authentication.Jwt.GroupsClaim);
            });
        }

        auth.AddMcp(o =>
        {
            o.ResourceMetadata = new ProtectedResourceMetadata
            {
                ResourceName = "auth0-mcp (Auth0 Management API tools)",
                BearerMethodsSupported = ["header"],
            };
            if (settings.Authentication.Jwt.Authority is { } authority)
            {
                o.ResourceMetadata.AuthorizationServers.Add(authority);
            }
        });
        builder.Services.AddAuthorization();
        // POSTs to the MCP endpoint in progress at once, per authenticated caller: Transport/CallerConcurrency.cs.
        builder.Services.AddSingleton(_ => new Transport.CallerConcurrency(settings.Server.MaxConcurrentRequestsPerCaller));
        if (settings.AdminEnabled)
        {
            // The admin console under /admin shares this host's governance: its changes reach connected clients at once.
            AdminConsole.AddServices(builder.Services, settings);
        }

        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        UseOriginGuard(app, url, settings.AllowedOrigins);
        app.UseAuthentication();
        app.UseAuthorization();
        // Size and shape of each JSON-RPC message, for authenticated callers, and each caller's places (after
        // authentication: the limit is each caller's): Transport/HttpRequestGuard.cs.
        app.UseJsonRpcGuard(Transport.TransportLimits.From(settings.Server));
        // /healthz (liveness) and /readyz (the governance store answers): HealthEndpoints.cs.
        HealthEndpoints.Map(app);
        app.MapMcp(settings.HttpPath).RequireAuthorization().GuardedByJsonRpc();
        if (settings.AdminEnabled)
        {
            AdminConsole.Map(app);
        }

        return app;
    }

    /// <summary>
    /// The MCP SDK binds a session to the user who opened it by the <c>nameidentifier</c>, <c>sub</c> or <c>upn</c> claim,
    /// and holds a session opened without any as open to every caller without any. A token that identifies its caller by
    /// another claim (<c>Authentication:Jwt:SubjectClaim</c>, say <c>email</c>) gets a <c>nameidentifier</c> with that
    /// value, so its sessions are bound to the caller governance sees.
    /// </summary>
    /// <summary>
    /// Why a bearer token was rejected, in words an operator acts on (never the token, nor the library's message,
    /// which may quote claims): the failure's kind, from the exception the JWT handler reports.
    /// </summary>
    internal static string WhyRejected(Exception exception) => exception switch
    {
        Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException => "expired",
        Microsoft.IdentityModel.Tokens.SecurityTokenNotYetValidException => "not yet valid",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidAudienceException => "wrong audience",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidIssuerException => "wrong issuer",
        Microsoft.IdentityModel.Tokens.SecurityTokenSignatureKeyNotFoundException => "signed by a key the authority does not publish",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidSignatureException => "bad signature",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidLifetimeException => "invalid lifetime",
        Microsoft.IdentityModel.Tokens.SecurityTokenMalformedException or ArgumentException => "malformed",
        InvalidOperationException => "the authority's signing keys could not be fetched",
        Microsoft.IdentityModel.Tokens.SecurityTokenValidationException => "not valid",
        _ => exception.GetType().Name,
    };

    internal static void BindSessionsToSubject(ClaimsPrincipal? principal, string subjectClaim)
    {
        if (principal?.Identity is not ClaimsIdentity identity
            || principal.FindFirst(ClaimTypes.NameIdentifier) is not null || principal.FindFirst("sub") is not null || principal.FindFirst(ClaimTypes.Upn) is not null
            || principal.FindFirst(subjectClaim) is not { } subject)
        {
            return;
        }

        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, subject.Value, subject.ValueType, subject.Issuer));
    }

    /// <summary>
    /// Refuses requests a page in a browser may send from another site (the MCP transport's Origin rule): a request with
    /// an <c>Origin</c> is served only from the server's own origin (its <c>Host</c>) or one of
    /// <paramref name="allowedOrigins"/> (<c>Server:AllowedOrigins</c>); requests without one (not from a browser) pass.
    /// On a loopback listener the <c>Host</c> and any <c>Origin</c> must also be loopback names (DNS rebinding: a page on
    /// another site must not reach a loopback server through a name it controls).
    /// </summary>
    public static void UseOriginGuard(WebApplication app, Uri url, IReadOnlyCollection<string> allowedOrigins)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(allowedOrigins);
        var loopback = IsLoopback(url.Host);
        var allowed = new HashSet<string>(allowedOrigins.Select(o => Origin(new Uri(o))), StringComparer.OrdinalIgnoreCase);
        app.Use(async (context, next) =>
        {
            var origin = context.Request.Headers.Origin is { Count: > 0 } header ? header[0] : null;
            var why = loopback && !IsLoopback(context.Request.Host.Host) ? "Host is not a loopback name: refused (DNS rebinding protection)."
                : origin is null ? null
                : !Uri.TryCreate(origin, UriKind.Absolute, out var o) ? "Origin is not a URL: refused."
                : allowed.Contains(Origin(o)) ? null
                : loopback ? (IsLoopback(o.Host) ? null : "Origin is not a loopback name: refused (DNS rebinding protection).")
                : string.Equals(o.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase) ? null
                : "Origin is not this server's, nor one of Server:AllowedOrigins (AUTH0_MCP_ALLOWED_ORIGINS): refused.";
            if (why is not null)
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync(why).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
    }

    // scheme://host[:port], the default port dropped: how a browser writes an Origin.
    private static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority);

    private static bool IsLoopback(string host) => Sdk.Http.LoopbackAddress.IsLoopbackHost(host);

    /// <summary>
    /// Whether a proxy forwarded <paramref name="request"/> (<c>Forwarded</c>, <c>X-Forwarded-For</c>, <c>X-Real-IP</c>): its
    /// loopback peer is then not its client. (The admin console, left out of a Native AOT build, has the same test in
    /// <c>AdminAuthentication.IsForwarded</c>.)
    /// </summary>
    internal static bool IsForwarded(HttpRequest request) =>
        request.Headers.ContainsKey("Forwarded") || request.Headers.ContainsKey("X-Forwarded-For") || request.Headers.ContainsKey("X-Real-IP");

    // A JWT is three base64url parts; an API key (hex, base64, …) is not.
    private static bool LooksLikeJwt(HttpRequest request)
    {
        if (request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName))
        {
            return false;
        }

        var key = ApiKeyAuthenticationHandler.PresentedKey(request);
        return key is not null && key.Count(c => c == '.') == 2;
    }
}
