using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Polly.Timeout;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// Which failures are retried and how long to wait: a 429 for any method, after <c>X-RateLimit-Reset</c> (epoch
/// seconds) or <c>Retry-After</c>; a 500/502/503/504, a network error or an attempt timeout only for idempotent
/// methods (GET, PUT, DELETE, HEAD, OPTIONS), after the resilience library's exponential, jittered backoff.
/// </summary>
internal static class Auth0RetryPolicy
{
    /// <summary>Whether a request with <paramref name="method"/> may be resent after a failure that it may have caused.</summary>
    public static bool IsIdempotent(HttpMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return method == HttpMethod.Get || method == HttpMethod.Put || method == HttpMethod.Delete
            || method == HttpMethod.Head || method == HttpMethod.Options;
    }

    /// <summary>
    /// Classifies the outcome of one attempt: a short reason when it may be retried (e.g. <c>429</c>, <c>503</c>,
    /// <c>network</c>, <c>timeout</c>), null when it is final.
    /// </summary>
    public static string? RetryReason(HttpMethod method, HttpResponseMessage? response, Exception? exception)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (response is not null)
        {
            return response.StatusCode switch
            {
                HttpStatusCode.TooManyRequests => "429",
                HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
                    when IsIdempotent(method) => ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture),
                _ => null,
            };
        }

        return exception switch
        {
            HttpRequestException when IsIdempotent(method) => "network",
            TimeoutRejectedException when IsIdempotent(method) => "timeout",
            _ => null,
        };
    }

    /// <summary>The last second a <see cref="DateTimeOffset"/> holds (9999-12-31): a reset past it is not a time (one in milliseconds, say).</summary>
    internal const long MaxUnixSeconds = 253402300799L;

    /// <summary>
    /// Reads the wait a response asks for: <c>X-RateLimit-Reset</c> (Auth0, epoch seconds) first, then
    /// <c>Retry-After</c> (seconds or an HTTP date). A reset already past gives zero; one past the year 9999 is ignored.
    /// A time is read against <paramref name="now"/>, and against the answer's own <c>Date</c> when it has one: a local
    /// clock behind Auth0's makes a reset look further away than it is (two minutes behind, a reset one second away reads
    /// as 121 s), so the shorter of the two is taken (the <c>Date</c>'s plus one second, as it has whole seconds only).
    /// </summary>
    public static bool TryGetServerDelay(HttpResponseMessage response, DateTimeOffset now, out TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(response);
        var wait = WaitFrom(response, now);
        if (wait is { } local && response.Headers.Date is { } date && WaitFrom(response, date) is { } byDate && byDate + TimeSpan.FromSeconds(1) < local)
        {
            wait = byDate + TimeSpan.FromSeconds(1);
        }

        delay = wait ?? default;
        return wait is not null;
    }

    private static TimeSpan? WaitFrom(HttpResponseMessage response, DateTimeOffset now) =>
        ResetAt(response.Headers.TryGetValues("X-RateLimit-Reset", out var reset) ? reset.FirstOrDefault() : null) is { } at
            ? (at > now ? at - now : TimeSpan.Zero)
            : RetryAfter(response.Headers.TryGetValues("Retry-After", out var after) ? after.FirstOrDefault() : null, now);

    /// <summary>When an <c>X-RateLimit-Reset</c> value (epoch seconds) says the limit resets; null when it is not such a time.</summary>
    internal static DateTimeOffset? ResetAt(string? header) =>
        long.TryParse(header, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch) && epoch is > 0 and <= MaxUnixSeconds
            ? DateTimeOffset.FromUnixTimeSeconds(epoch)
            : null;

    /// <summary>The wait a <c>Retry-After</c> value (seconds, or an HTTP date) asks for from <paramref name="now"/>, never negative; null when it is neither.</summary>
    internal static TimeSpan? RetryAfter(string? header, DateTimeOffset now) =>
        !RetryConditionHeaderValue.TryParse(header, out var value) ? null
        : value.Delta is { } delta ? (delta < TimeSpan.Zero ? TimeSpan.Zero : delta)
        : value.Date is { } date ? (date > now ? date - now : TimeSpan.Zero)
        : null;
}
