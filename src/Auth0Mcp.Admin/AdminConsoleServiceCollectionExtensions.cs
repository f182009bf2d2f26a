using Auth0Mcp.Admin;
using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the admin console (server-rendered pages under <c>/admin</c>) to an ASP.NET Core host.</summary>
public static class AdminConsoleServiceCollectionExtensions
{
    /// <summary>
    /// Registers the console: its pages, a cookie session (signed in by OIDC authorization code + PKCE, or by an API
    /// key on loopback), the admin policy (members of <see cref="AdminConsoleOptions.AdminGroups"/>), antiforgery, and
    /// the governance services it changes state through. A host that already registered <see cref="ToolGovernance"/>
    /// (an MCP server with governance) shares it, so every change reaches connected clients at once; otherwise the
    /// console opens the store <see cref="AdminConsoleOptions.StoreFactory"/> creates. Map the pages with <c>MapAuth0McpAdmin</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; they are validated when the host starts.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddAuth0McpAdmin(this IServiceCollection services, Action<AdminConsoleOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var snapshot = new AdminConsoleOptions();
        configure(snapshot);
        services.AddOptions<AdminConsoleOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminConsoleOptions>, AdminConsoleOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IGovernanceStore>(sp => sp.GetRequiredService<IOptions<AdminConsoleOptions>>().Value.StoreFactory?.Invoke(sp)
            ?? throw new InvalidOperationException("the admin console has no governance store: register an IGovernanceStore or set AdminConsoleOptions.StoreFactory"));
        services.TryAddSingleton(sp => new ToolGovernance(sp.GetRequiredService<IGovernanceStore>(), sp.GetRequiredService<TimeProvider>(), "admin:" + Environment.MachineName));
        services.AddSingleton<AuditIndex>();
        services.AddSingleton<AdminConsole>();
        services.TryAddSingleton<AdminSessionStore>();
        services.TryAddSingleton<SignInFailures>();
        services.AddHostedService<AdminStartup>();

        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/Admin", AdminAuthentication.Policy);
            o.Conventions.AllowAnonymousToPage("/Admin/SignIn");
            // Anyone signed in may end their session, administrator or not (the POST still needs the antiforgery token).
            o.Conventions.AllowAnonymousToPage("/Admin/SignOut");
            o.Conventions.ConfigureFilter(new SecurityHeadersFilter());
        }).AddApplicationPart(typeof(AdminConsole).Assembly);
        services.Configure<Microsoft.AspNetCore.Mvc.CookieTempDataProviderOptions>(o =>
        {
            o.Cookie.Name = "auth0-mcp-admin-flash";
            o.Cookie.Path = AdminConsole.PathPrefix;
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "auth0-mcp-admin-af";
            o.Cookie.Path = AdminConsole.PathPrefix;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "__af";
        });

        var authentication = services.AddAuthentication().AddCookie(AdminAuthentication.CookieScheme, o =>
        {
            o.Cookie.Name = AdminAuthentication.CookieName;
            o.Cookie.Path = AdminConsole.PathPrefix;
            o.Cookie.HttpOnly = true;
            // Behind a TLS-terminating proxy the requests are plain http: an https public URL makes the session cookie
            // Secure, like the OIDC handler's correlation and nonce cookies. (Not the antiforgery cookie: antiforgery
            // refuses to issue a Secure one on a plain-http request, and it is worth nothing without the session.)
            o.Cookie.SecurePolicy = snapshot.PublicUrl is { Scheme: "https" } ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.LoginPath = AdminConsole.PathPrefix + "/signin";
            o.ExpireTimeSpan = snapshot.SessionLifetime;
            o.SlidingExpiration = true;
            o.Events.OnRedirectToAccessDenied = AdminAuthentication.ForbiddenAsync;
            // Each request checks the session against the console as it is now (its key, its store, its age).
            o.Events.OnValidatePrincipal = AdminAuthentication.ValidateSessionAsync;
        });
        // The session lives in this process, the cookie names it: signing out ends it for every copy of the cookie.
        services.AddOptions<CookieAuthenticationOptions>(AdminAuthentication.CookieScheme).Configure<AdminSessionStore>((o, sessions) => o.SessionStore = sessions);
        if (snapshot.Oidc.IsConfigured)
        {
            authentication.AddOpenIdConnect(AdminAuthentication.OidcScheme, o =>
            {
                o.SignInScheme = AdminAuthentication.CookieScheme;
                o.Authority = snapshot.Oidc.Authority;
                o.ClientId = snapshot.Oidc.ClientId;
                o.ClientSecret = snapshot.Oidc.ClientSecret;
                o.ResponseType = "code";
                o.ResponseMode = "query";
                o.UsePkce = true;
                o.SaveTokens = false;
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.RequireHttpsMetadata = snapshot.Oidc.Authority!.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
                o.CallbackPath = AdminConsole.PathPrefix + "/signin-oidc";
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.CorrelationCookie.Path = AdminConsole.PathPrefix;
                o.NonceCookie.Path = AdminConsole.PathPrefix;
                foreach (var scope in snapshot.Oidc.Scopes)
                {
                    o.Scope.Add(scope);
                }

                o.Events.OnRedirectToIdentityProvider = AdminAuthentication.RedirectToIdentityProviderAsync;
                o.Events.OnTokenValidated = AdminAuthentication.OidcSignedInAsync;
                // The session is opened with a new id there, not renewed under the one the browser brought.
                o.Events.OnTicketReceived = AdminAuthentication.OidcTicketReceivedAsync;
                o.Events.OnRemoteFailure = AdminAuthentication.OidcFailedAsync;
            });
        }

        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<AdminConsoleOptions>>((a, o) => a.AddPolicy(AdminAuthentication.Policy, p => p
            .AddAuthenticationSchemes(AdminAuthentication.CookieScheme)
            .RequireAuthenticatedUser()
            .RequireClaim(AdminAuthentication.GroupsClaim, o.Value.AdminGroups.Where(g => !string.IsNullOrWhiteSpace(g)))));
        return services;
    }
}
