using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace Auth0Mcp.Server.Transport;

/// <summary>
/// How many requests to the MCP endpoint one authenticated caller may have in progress at once
/// (<c>Server:MaxConcurrentRequestsPerCaller</c>): a concurrency limiter per caller (the subject governance sees), taken
/// by <see cref="HttpRequestGuard"/> for each POST. As many more as the limit wait their turn (oldest first), and any
/// beyond those are answered 429 with <c>Retry-After</c> and a JSON-RPC error that names the limit, and recorded like the
/// guard's own refusals (<c>too-many-requests</c>).
/// <para>
/// Only a message that starts work takes a place: a request. A notification (a cancellation) or the client's answer to
/// the server's own request (an elicitation, with call approval) never waits behind the caller's running calls, which
/// may be the very calls waiting for that answer. So a small body (<see cref="ReadFirstBytes"/> or less, with a
/// <c>Content-Length</c>) is read and checked before its place is taken, as many at once per caller as it has places;
/// a larger or chunked one, or a small one beyond those, waits for its place unread, so a request over the limit holds
/// no large body in memory, and slow small bodies at most <see cref="Limit"/> times 16 KiB. GETs (a session's event stream) and DELETEs are
/// not counted.
/// </para>
/// </summary>
internal sealed class CallerConcurrency : IDisposable
{
    /// <summary>The default limit: requests one caller may have running at once.</summary>
    public const int DefaultLimit = 8;

    /// <summary>The seconds a refused caller is told to wait (<c>Retry-After</c>).</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>The largest body read before its place is taken, to tell a request from a message that starts no work.</summary>
    public const int ReadFirstBytes = 16 * 1024;

    private readonly PartitionedRateLimiter<HttpContext> _places;

    // Small bodies one caller may have being read before they take a place (as many as its places, none waiting):
    // beyond them, a small body waits for its place unread like a large one, so slow small bodies hold little memory.
    private readonly PartitionedRateLimiter<HttpContext> _readers;

    /// <param name="limit">Requests one caller may have running at once; as many more wait.</param>
    public CallerConcurrency(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
        _places = PerCaller(limit, queue: limit);
        _readers = PerCaller(limit, queue: 0);
    }

    // One concurrency limiter per caller: limit at once, queue more waiting their turn (oldest first).
    private static PartitionedRateLimiter<HttpContext> PerCaller(int limit, int queue) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetConcurrencyLimiter(PartitionKey(context), _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = limit,
            QueueLimit = queue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));

    /// <summary>
    /// A turn to read a small body before its place is taken (to dispose once it is read), or null when the caller has
    /// <see cref="Limit"/> such bodies being read already: then this one takes its place first.
    /// </summary>
    public RateLimitLease? TryRead(HttpContext context)
    {
        var turn = _readers.AttemptAcquire(context);
        if (turn.IsAcquired)
        {
            return turn;
        }

        turn.Dispose();
        return null;
    }

    /// <summary>The requests one caller may have running at once.</summary>
    public int Limit { get; }

    /// <summary>
    /// Takes the caller's place for one request, waiting for one while the caller has <see cref="Limit"/> running:
    /// the place to dispose once the request is answered, or null when it was refused (answered 429 and recorded) or the
    /// client went away while it waited.
    /// </summary>
    public async ValueTask<RateLimitLease?> EnterAsync(HttpContext context)
    {
        var place = _places.AttemptAcquire(context);
        if (place.IsAcquired)
        {
            return place;
        }

        place.Dispose();
        try
        {
            place = await _places.AcquireAsync(context, 1, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return null;
        }

        if (place.IsAcquired)
        {
            return place;
        }

        place.Dispose();
        await RefuseAsync(context).ConfigureAwait(false);
        return null;
    }

    public void Dispose()
    {
        _places.Dispose();
        _readers.Dispose();
    }

    /// <summary>The refusal of a request over the limit: the status, the text and the audit's denial code.</summary>
    internal static JsonRpcRefusal Refusal(int limit) => new(-32000, JsonRpcRefusal.TooManyRequests,
        string.Create(CultureInfo.InvariantCulture,
            $"Request refused: this caller already has {limit} requests running and {limit} waiting, the most Server:MaxConcurrentRequestsPerCaller (AUTH0_MCP_CALLER_CONCURRENCY) allows; nothing was run. Retry once some have been answered."),
        "null", null, null);

    // Each caller's own limiter, by the subject governance sees; callers it cannot name share one. Resolved once per
    // request: both limiters and each of their calls ask for it.
    private static string PartitionKey(HttpContext context)
    {
        if (context.Items.TryGetValue(KeyItem, out var known) && known is string key)
        {
            return key;
        }

        key = "caller:" + (HttpRequestGuard.Caller(context)?.User ?? "");
        context.Items[KeyItem] = key;
        return key;
    }

    private static readonly object KeyItem = new();

    private async ValueTask RefuseAsync(HttpContext context)
    {
        // A large body is not read (that is what the limit spares): the record has its declared size and no hash.
        var refusal = Refusal(Limit);
        await TransportAudit.RecordAsync(context.RequestServices, refusal, context.Request.ContentLength ?? 0, "",
            HttpRequestGuard.Caller(context), HttpRequestGuard.ClaimedSession(context)).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(refusal.Response(), context.RequestAborted).ConfigureAwait(false);
    }
}
