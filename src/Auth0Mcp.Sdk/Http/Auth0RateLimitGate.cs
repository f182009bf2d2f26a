using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Polly;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// The Auth0 rate limit as every call on one connection sees it. One credential serves every caller, so a 429 that
/// names its wait (<c>X-RateLimit-Reset</c> or <c>Retry-After</c>) closes the gate for all of them: until that reset,
/// an attempt by any call waits at the gate (plus a random jitter of up to <see cref="MaxJitter"/>, so the waiters do
/// not all send at the same instant) when the wait fits the call's remaining budget, and otherwise ends at once, unsent,
/// with a 429 of the same shape as Auth0's (the tool's answer says the limit, its reset and that the wait would exceed
/// the budget). One per connection (a singleton of <c>AddAuth0Connection</c>); it sits in the resilience pipeline
/// between the retries and the attempt timeout (<see cref="Auth0Resilience"/>), so a wait at the gate is not an attempt,
/// and is recorded on the call's state (<see cref="Auth0CallState.RateLimitWait"/>).
/// </summary>
internal sealed class Auth0RateLimitGate(TimeProvider time)
{
    /// <summary>The most random jitter added to a wait for the rate limit's reset (at the gate, or before a retry).</summary>
    public static readonly TimeSpan MaxJitter = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The longest one 429 closes the gate for: a reset further out (or a local clock behind Auth0's, which makes
    /// <c>X-RateLimit-Reset</c> look far away) does not shut the connection for longer; the first attempt after it learns again.
    /// </summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(60);

    /// <summary>Room left in the budget for the attempt after a wait.</summary>
    private static readonly TimeSpan AttemptRoom = TimeSpan.FromMilliseconds(100);

    /// <summary>The body of the 429 an attempt ends with when the gate's wait does not fit its budget (Auth0's error shape).</summary>
    private const string RefusalBody =
        """{"statusCode":429,"error":"Too Many Requests","message":"Not sent: an earlier call on this connection reached Auth0's rate limit"}""";

    // The instant the gate opens, on the provider's monotonic timestamp (a wall clock set back must not hold the gate
    // past MaxHold); 0 or past: open.
    private long _openAt;

    /// <summary>A random jitter between zero and <see cref="MaxJitter"/>.</summary>
    public static TimeSpan Jitter() => TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(0, (int)MaxJitter.TotalMilliseconds + 1));

    /// <summary>
    /// Whether a wait of <paramref name="wait"/> (before its jitter) still leaves room in the call's budget for the
    /// attempt that follows. The one rule for a retry after a 429 and for a wait at the gate.
    /// </summary>
    public static bool Fits(TimeSpan wait, Auth0CallState? call) =>
        call is null || wait + MaxJitter + AttemptRoom < call.Remaining;

    /// <summary>How long the gate stays closed from now; zero when it is open.</summary>
    public TimeSpan ClosedFor
    {
        get
        {
            var left = Volatile.Read(ref _openAt) - time.GetTimestamp();
            return left > 0 ? TimeSpan.FromSeconds((double)left / time.TimestampFrequency) : TimeSpan.Zero;
        }
    }

    /// <summary>Closes the gate until the reset a 429 names (at most <see cref="MaxHold"/> from now); any other answer is ignored.</summary>
    public void Note(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var now = time.GetUtcNow();
        if (response.StatusCode != HttpStatusCode.TooManyRequests || !Auth0RetryPolicy.TryGetServerDelay(response, now, out var wait) || wait <= TimeSpan.Zero)
        {
            return;
        }

        var openAt = time.GetTimestamp() + (long)((wait < MaxHold ? wait : MaxHold).TotalSeconds * time.TimestampFrequency);
        var seen = Volatile.Read(ref _openAt);
        while (openAt > seen)
        {
            var was = Interlocked.CompareExchange(ref _openAt, openAt, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }

    /// <summary>
    /// Lets an attempt through: at once when the gate is open; after the wait (and a jitter) when it fits the call's
    /// budget; otherwise not at all, and the 429 to end the attempt with is returned (nothing is sent).
    /// </summary>
    public async ValueTask<HttpResponseMessage?> PassAsync(HttpRequestMessage? request, CancellationToken cancellationToken)
    {
        var call = Auth0CallState.Of(request);
        while (ClosedFor is var closed && closed > TimeSpan.Zero)
        {
            if (!Fits(closed, call))
            {
                call?.NoteNotSent(closed);
                return Refusal(request, closed);
            }

            var wait = closed + Jitter();
            call?.ReportProgress(string.Create(
                CultureInfo.InvariantCulture,
                $"Auth0 rate limit reached by an earlier call; waiting {Auth0TelemetryHandler.Seconds(wait)} s before sending."));
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            call?.NoteRateLimitWait(wait);
        }

        return null;
    }

    /// <summary>The pipeline step: the gate before each attempt, and each answer noted after it.</summary>
    public ResilienceStrategy<HttpResponseMessage> Strategy() => new GateStrategy(this);

    private HttpResponseMessage Refusal(HttpRequestMessage? request, TimeSpan closed)
    {
        // Said as Auth0 says it: the reset in epoch seconds, rounded up (the tool's answer reads it as Auth0's).
        var openAt = time.GetUtcNow() + closed;
        var seconds = openAt.ToUnixTimeSeconds();
        if (DateTimeOffset.FromUnixTimeSeconds(seconds) < openAt)
        {
            seconds++;
        }

        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests)
        {
            RequestMessage = request,
            Content = new StringContent(RefusalBody, Encoding.UTF8, "application/json"),
        };
        response.Headers.TryAddWithoutValidation("X-RateLimit-Reset", seconds.ToString(CultureInfo.InvariantCulture));
        return response;
    }

    private sealed class GateStrategy(Auth0RateLimitGate gate) : ResilienceStrategy<HttpResponseMessage>
    {
        protected override async ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
            Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback,
            ResilienceContext context,
            TState state)
        {
            try
            {
                if (await gate.PassAsync(context.GetRequestMessage(), context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext) is { } refused)
                {
                    return Outcome.FromResult(refused);
                }
            }
            catch (OperationCanceledException ex)
            {
                return Outcome.FromException<HttpResponseMessage>(ex);
            }

            var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
            if (outcome.Result is { } response)
            {
                gate.Note(response);
            }

            return outcome;
        }
    }
}
