using System.Globalization;
using System.Security.Cryptography;
using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Server.Transport;

/// <summary>
/// How many MCP sessions one authenticated caller (the subject governance sees) may have open at once
/// (<c>Server:MaxSessionsPerCaller</c>), so that one caller opening sessions and never closing them cannot fill the MCP
/// SDK's session store (<c>Server:MaxIdleSessions</c>, shared by all) and push other callers' sessions out of it.
/// <para>
/// <see cref="HttpRequestGuard"/> reserves the caller's place for each <c>initialize</c> that would open a session
/// (<see cref="TryReserveAsync"/>): beyond the limit it is answered 429 with a JSON-RPC error naming the setting and
/// recorded like the other refusals of too many requests (<c>too-many-requests</c>). The session takes the place when
/// the SDK starts it (<see cref="RunAsync"/>, the SDK's <c>RunSessionHandler</c>, which runs until the session ends: a
/// client's DELETE, its idle timeout, the store's bound, shutdown) and gives it back when it ends; an initialize that
/// opened no session gives it back once answered (<see cref="ReleaseUnclaimed"/>). When a session ends, governance also
/// forgets its view (<see cref="GovernanceRuntime.ForgetSession"/>).
/// </para>
/// </summary>
internal sealed class CallerSessions
{
    /// <summary>The default limit: sessions one caller may have open at once.</summary>
    public const int DefaultLimit = 32;

    private static readonly object ReservationItem = new();

    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <param name="limit">Sessions one caller may have open at once.</param>
    public CallerSessions(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
    }

    /// <summary>The sessions one caller may have open at once.</summary>
    public int Limit { get; }

    /// <summary>The sessions (and reservations) <paramref name="user"/> has open now (tests read it).</summary>
    internal int OpenFor(string? user)
    {
        lock (_open)
        {
            return _open.TryGetValue(CallerConcurrency.KeyOf(user), out var count) ? count : 0;
        }
    }

    /// <summary>Callers with a session open or reserved (tests read it: an entry goes once its count is back to 0).</summary>
    internal int CallerCount
    {
        get
        {
            lock (_open)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>
    /// Reserves a session for the initialize of <paramref name="context"/> (its <paramref name="body"/>, read and checked):
    /// true when reserved, false when the caller
    /// has <see cref="Limit"/> open already (then the request has been answered 429 and recorded).
    /// </summary>
    public async ValueTask<bool> TryReserveAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        var key = CallerConcurrency.PartitionKey(context);
        lock (_open)
        {
            var count = _open.GetValueOrDefault(key);
            if (count < Limit)
            {
                _open[key] = count + 1;
                context.Items[ReservationItem] = new Reservation(key);
                return true;
            }
        }

        var header = JsonRpcGuard.Peek(body.Span);
        var refusal = Refusal(Limit) with { IdJson = header.Id ?? "null", Method = header.Method };
        await TransportAudit.RecordAsync(context.RequestServices, refusal, body.Length, Convert.ToHexStringLower(SHA256.HashData(body.Span)),
            HttpRequestGuard.Caller(context), HttpRequestGuard.ClaimedSession(context)).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(refusal.Response(), context.RequestAborted).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Whether a request of <paramref name="method"/> (as the guard's walk read it, wherever it stands in the message)
    /// would open a session: an <c>initialize</c> that names no session, tested as the SDK tests it (an empty
    /// <c>Mcp-Session-Id</c> names none).
    /// </summary>
    public static bool OpensSession(HttpContext context, string? method) =>
        method == "initialize" && string.IsNullOrEmpty(context.Request.Headers["Mcp-Session-Id"].ToString());

    /// <summary>Gives back the reservation of <paramref name="context"/>'s initialize when no session took it.</summary>
    public void ReleaseUnclaimed(HttpContext context)
    {
        if (context.Items.Remove(ReservationItem, out var item) && item is Reservation reservation && reservation.TryClaim())
        {
            Release(reservation.Key);
        }
    }

    /// <summary>
    /// The SDK's <c>RunSessionHandler</c>: runs <paramref name="server"/>'s session until it ends, holding the place its
    /// initialize reserved (a request served without a session, for a 2026-07-28 client, reserved none), then gives it
    /// back and has governance forget the session's view.
    /// </summary>
    public async Task RunAsync(HttpContext context, McpServer server, CancellationToken cancellationToken)
    {
        // Read while the initializing request is still in progress: the context is not usable once it has been answered.
        var reservation = context.Items.TryGetValue(ReservationItem, out var item) && item is Reservation r && r.TryClaim() ? r : null;
        var sessionId = server.SessionId;
        var governance = server.Services?.GetService<GovernanceRuntime>();
        try
        {
            await server.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (reservation is not null)
            {
                Release(reservation.Key);
            }

            if (!string.IsNullOrEmpty(sessionId))
            {
                governance?.ForgetSession(sessionId);
            }
        }
    }

    /// <summary>The refusal of an initialize over the limit: the status, the text and the audit's denial code.</summary>
    internal static JsonRpcRefusal Refusal(int limit) => new(-32000, JsonRpcRefusal.TooManyRequests,
        string.Create(CultureInfo.InvariantCulture,
            $"Request refused: this caller already has {limit} sessions open, the most Server:MaxSessionsPerCaller (AUTH0_MCP_CALLER_SESSIONS) allows; no session was opened. End one (DELETE with its Mcp-Session-Id) or let one expire (Server:SessionIdleMinutes), then initialize again."),
        "null", null, null);

    private void Release(string key)
    {
        lock (_open)
        {
            if (_open.TryGetValue(key, out var count))
            {
                if (count <= 1)
                {
                    _open.Remove(key);
                }
                else
                {
                    _open[key] = count - 1;
                }
            }
        }
    }

    private sealed class Reservation(string key)
    {
        private int _claimed;

        public string Key { get; } = key;

        /// <summary>True for the one that takes it: the session that started, or the request's end when none did.</summary>
        public bool TryClaim() => Interlocked.Exchange(ref _claimed, 1) == 0;
    }
}
