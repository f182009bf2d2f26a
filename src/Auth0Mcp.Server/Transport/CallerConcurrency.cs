using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Server.Transport;

/// <summary>
/// How many POSTs to the MCP endpoint one authenticated caller may have in progress at once
/// (<c>Server:MaxConcurrentRequestsPerCaller</c>): ASP.NET Core's rate limiting, a concurrency limiter per caller (the
/// subject governance sees). It runs after authentication and before <see cref="HttpRequestGuard"/> buffers a body, so a
/// caller's requests beyond the limit hold no body in memory: as many more as the limit wait their turn (oldest first),
/// and any beyond those are answered 429 with <c>Retry-After</c> and a JSON-RPC error that names the limit, and recorded
/// like the guard's own refusals (<c>too-many-requests</c>). GETs (a session's event stream) and DELETEs are not counted.
/// </summary>
internal static class CallerConcurrency
{
    /// <summary>The default limit: POSTs one caller may have running at once.</summary>
    public const int DefaultLimit = 8;

    /// <summary>The seconds a refused caller is told to wait (<c>Retry-After</c>).</summary>
    public const int RetryAfterSeconds = 1;

    private const string Policy = "auth0-mcp-caller-concurrency";

    /// <summary>Registers the limiter: <paramref name="limit"/> running and as many waiting per caller.</summary>
    public static IServiceCollection AddCallerConcurrency(this IServiceCollection services, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return services.AddRateLimiter(o =>
        {
            o.AddPolicy(Policy, context => HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetConcurrencyLimiter(PartitionKey(context), _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = limit,
                    QueueLimit = limit,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                })
                : RateLimitPartition.GetNoLimiter(""));
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (rejected, _) => RefuseAsync(rejected.HttpContext, limit);
        });
    }

    /// <summary>Puts the limiter on the endpoints it covers (the MCP endpoint).</summary>
    public static TBuilder LimitedPerCaller<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(Policy);

    /// <summary>The refusal of a request over the limit: the status, the text and the audit's denial code.</summary>
    internal static JsonRpcRefusal Refusal(int limit) => new(-32000, JsonRpcRefusal.TooManyRequests,
        string.Create(CultureInfo.InvariantCulture,
            $"Request refused: this caller already has {limit} requests running and {limit} waiting, the most Server:MaxConcurrentRequestsPerCaller (AUTH0_MCP_CALLER_CONCURRENCY) allows; nothing was run. Retry once some have been answered."),
        "null", null, null);

    // Each caller's own limiter, by the subject governance sees; callers it cannot name share one. Never the GETs' key "".
    private static string PartitionKey(HttpContext context) => "caller:" + (HttpRequestGuard.Caller(context)?.User ?? "");

    private static async ValueTask RefuseAsync(HttpContext context, int limit)
    {
        // The body is not read (that is what the limit spares): the record has its declared size and no hash.
        var refusal = Refusal(limit);
        await TransportAudit.RecordAsync(context.RequestServices, refusal, context.Request.ContentLength ?? 0, "",
            HttpRequestGuard.Caller(context), HttpRequestGuard.ClaimedSession(context)).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(refusal.Response(), context.RequestAborted).ConfigureAwait(false);
    }
}
