using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Auth0Mcp.Server.Transport;

/// <summary>
/// How many requests to the MCP endpoint one authenticated caller may have in progress at once
/// (<c>Server:MaxConcurrentRequestsPerCaller</c>): places counted per caller (the subject governance sees), taken
/// by <see cref="HttpRequestGuard"/> for each POST; a caller's count exists only while it has something running, waiting
/// or being read, and nothing runs on a timer (an idle server does not wake up). As many more as the limit wait their turn (oldest first), and any
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
internal sealed class CallerConcurrency
{
    /// <summary>The default limit: requests one caller may have running at once.</summary>
    public const int DefaultLimit = 8;

    /// <summary>The seconds a refused caller is told to wait (<c>Retry-After</c>).</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>The largest body read before its place is taken, to tell a request from a message that starts no work.</summary>
    public const int ReadFirstBytes = 16 * 1024;

    // Each caller's places, waiters and readers, by the subject governance sees; an entry lives while the caller has
    // anything running, waiting or being read, and goes with the last (no timer: an idle server does not wake up).
    // One lock for all: each hold is a few field updates.
    private readonly Dictionary<string, Caller> _callers = new(StringComparer.Ordinal);

    /// <param name="limit">Requests one caller may have running at once; as many more wait.</param>
    public CallerConcurrency(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
    }

    /// <summary>The requests one caller may have running at once.</summary>
    public int Limit { get; }

    /// <summary>Callers with a request running, waiting or being read (tests read it: an idle caller has no entry).</summary>
    internal int CallerCount
    {
        get
        {
            lock (_callers)
            {
                return _callers.Count;
            }
        }
    }

    /// <summary>
    /// A turn to read a small body before its place is taken (to dispose once it is read), or null when the caller has
    /// <see cref="Limit"/> such bodies being read already: then this one takes its place first.
    /// </summary>
    public IDisposable? TryRead(HttpContext context)
    {
        var key = PartitionKey(context);
        lock (_callers)
        {
            var caller = Rent(key);
            if (caller.Readers < Limit)
            {
                caller.Readers++;
                return new Held(this, key, reader: true);
            }

            Return(key, caller);
            return null;
        }
    }

    /// <summary>
    /// Takes the caller's place for one request, waiting for one while the caller has <see cref="Limit"/> running
    /// (oldest first, at most <see cref="Limit"/> waiting): the place to dispose once the request is answered, or null
    /// when it was refused (answered 429 and recorded) or the client went away while it waited.
    /// </summary>
    public async ValueTask<IDisposable?> EnterAsync(HttpContext context)
    {
        var key = PartitionKey(context);
        LinkedListNode<TaskCompletionSource>? turn;
        lock (_callers)
        {
            var caller = Rent(key);
            if (caller.Running < Limit && caller.Waiting.Count == 0)
            {
                caller.Running++;
                return new Held(this, key, reader: false);
            }

            if (caller.Waiting.Count >= Limit)
            {
                Return(key, caller);
                turn = null;
            }
            else
            {
                turn = caller.Waiting.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }
        }

        if (turn is null)
        {
            await RefuseAsync(context).ConfigureAwait(false);
            return null;
        }

        try
        {
            await turn.Value.Task.WaitAsync(context.RequestAborted).ConfigureAwait(false);
            return new Held(this, key, reader: false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            lock (_callers)
            {
                var caller = _callers[key];
                if (turn.List is not null)
                {
                    // Still waiting: it leaves the queue.
                    caller.Waiting.Remove(turn);
                    Return(key, caller);
                    return null;
                }
            }

            // Its turn came as the client went away: the place passes on.
            Leave(key, reader: false);
            return null;
        }
    }

    // The caller's entry, counted as used once more (under the lock).
    private Caller Rent(string key)
    {
        if (!_callers.TryGetValue(key, out var caller))
        {
            _callers[key] = caller = new Caller();
        }

        caller.Users++;
        return caller;
    }

    // One use of the caller's entry ends (under the lock); the last one removes it.
    private void Return(string key, Caller caller)
    {
        if (--caller.Users == 0)
        {
            _callers.Remove(key);
        }
    }

    // A reader's turn or a running request's place is given back: a place goes to the oldest waiting, if any.
    private void Leave(string key, bool reader)
    {
        lock (_callers)
        {
            var caller = _callers[key];
            if (reader)
            {
                caller.Readers--;
            }
            else if (caller.Waiting.First is { } next)
            {
                // The place passes to the oldest waiting request: the count running stays.
                caller.Waiting.RemoveFirst();
                next.Value.TrySetResult();
            }
            else
            {
                caller.Running--;
            }

            Return(key, caller);
        }
    }

    private sealed class Caller
    {
        /// <summary>Places, waiters and reading turns held: the entry goes at 0.</summary>
        public int Users { get; set; }

        public int Running { get; set; }

        public int Readers { get; set; }

        public LinkedList<TaskCompletionSource> Waiting { get; } = new();
    }

    private sealed class Held(CallerConcurrency owner, string key, bool reader) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Leave(key, reader);
            }
        }
    }

    /// <summary>The refusal of a request over the limit: the status, the text and the audit's denial code.</summary>
    internal static JsonRpcRefusal Refusal(int limit) => new(-32000, JsonRpcRefusal.TooManyRequests,
        string.Create(CultureInfo.InvariantCulture,
            $"Request refused: this caller already has {limit} requests running and {limit} waiting, the most Server:MaxConcurrentRequestsPerCaller (AUTH0_MCP_CALLER_CONCURRENCY) allows; nothing was run. Retry once some have been answered."),
        "null", null, null);

    /// <summary>
    /// The key that counts a request's caller, here and in <see cref="CallerSessions"/>: the subject governance sees
    /// (<see cref="KeyOf"/>); callers it cannot name share one. Resolved once per request: the reading turn, the place
    /// and the session count all ask for it.
    /// </summary>
    internal static string PartitionKey(HttpContext context)
    {
        if (context.Items.TryGetValue(KeyItem, out var known) && known is string key)
        {
            return key;
        }

        key = KeyOf(HttpRequestGuard.Caller(context)?.User);
        context.Items[KeyItem] = key;
        return key;
    }

    /// <summary>The key of the caller named <paramref name="user"/> (null: one governance cannot name).</summary>
    internal static string KeyOf(string? user) => "caller:" + (user ?? "");

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
