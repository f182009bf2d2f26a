using System.Reflection;
using Auth0Mcp.Admin;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the admin console's endpoints.</summary>
public static class AdminConsoleEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the console under <c>/admin</c>: its pages (admins only, except the sign-in page), its stylesheet and
    /// script, and the OIDC sign-in redirect. Call after <c>UseAuthentication</c> and <c>UseAuthorization</c>.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <returns>The builder for the pages.</returns>
    public static PageActionEndpointConventionBuilder MapAuth0McpAdmin(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(AdminConsole.PathPrefix + "/console.css", context => AssetAsync(context, "console.css", "text/css; charset=utf-8")).AllowAnonymous();
        endpoints.MapGet(AdminConsole.PathPrefix + "/console.js", context => AssetAsync(context, "console.js", "text/javascript; charset=utf-8")).AllowAnonymous();
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<AdminConsoleOptions>>().Value.Oidc.IsConfigured)
        {
            // A link, not a form: the redirect to the authority is a navigation, which form-action 'self' would block.
            endpoints.MapGet(AdminConsole.PathPrefix + "/signin/oidc", context =>
            {
                SecurityHeadersFilter.Apply(context.Response);
                return context.ChallengeAsync(AdminAuthentication.OidcScheme, new AuthenticationProperties { RedirectUri = AdminConsole.PathPrefix });
            }).AllowAnonymous();
        }

        return endpoints.MapRazorPages();
    }

    private static async Task AssetAsync(HttpContext context, string name, string contentType)
    {
        SecurityHeadersFilter.Apply(context.Response);
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "public, max-age=3600";
        await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Missing console asset {name}.");
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
