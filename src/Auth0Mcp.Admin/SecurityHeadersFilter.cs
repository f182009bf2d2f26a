using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Auth0Mcp.Admin;

/// <summary>
/// The console's response headers, on every page and asset: a strict Content-Security-Policy (own scripts and styles
/// only, no inline code, <c>frame-ancestors 'none'</c>, forms post only to the console), no sniffing, no referrer to other sites,
/// no caching of pages that show governance state.
/// </summary>
internal sealed class SecurityHeadersFilter : IAsyncPageFilter
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // same-origin, not no-referrer: with no-referrer a browser posts forms with "Origin: null", which the
        // DNS-rebinding guard (rightly) refuses; other sites still get no referrer.
        headers["Referrer-Policy"] = "same-origin";
        // As antiforgery sets it on every page with a form (it would override anything else and log a warning).
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
    }

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        Apply(context.HttpContext.Response);
        return next();
    }
}
