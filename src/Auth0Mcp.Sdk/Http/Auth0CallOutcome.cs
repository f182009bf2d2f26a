using System.Net;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// What one Auth0 call came to, as values: the HTTP status and Auth0's error code and message (when Auth0 answered
/// with an error), or the failure kind (when no answer came); attempts, retry waits, duration, body size and whether
/// the body was cut at the output limit. Governance and the audit read it; nothing is parsed back out of prose.
/// </summary>
internal sealed record Auth0CallOutcome
{
    /// <summary>The final HTTP status, or null when no response came.</summary>
    public int? Status { get; init; }

    /// <summary>Auth0's <c>errorCode</c> (or <c>error</c>) of an error answer, e.g. <c>inexistent_user</c> (redacted, then cut to 128 characters).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Auth0's <c>message</c> of an error answer (redacted).</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Why no response came (network, timeouts, budget, a refused path); null when one came.</summary>
    public Auth0FailureKind? Failure { get; init; }

    /// <summary>The failure in words (redacted), when <see cref="Failure"/> is set.</summary>
    public string? FailureMessage { get; init; }

    /// <summary>How many HTTP attempts were made (0 when the request was refused before sending, or the rate-limit gate ended it unsent).</summary>
    public int Attempts { get; init; }

    /// <summary>The waits before each retry.</summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get; init; } = [];

    /// <summary>
    /// The time waited, before sending, for the reset of a rate limit that another call on the connection was told of
    /// (the rate-limit gate; zero when it was open). Not a retry: it is in no <see cref="RetryDelays"/>.
    /// </summary>
    public TimeSpan RateLimitWait { get; init; }

    /// <summary>How long the call took, retries, waits and the body included.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The response body's size in bytes as read (up to the output limit, or Content-Length when larger).</summary>
    public long Bytes { get; init; }

    /// <summary>Whether the body was larger than the output limit and was cut.</summary>
    public bool Truncated { get; init; }

    /// <summary>The wait Auth0 asked for before a further retry, when that retry was not made because it would end past the call's budget.</summary>
    public TimeSpan? RefusedWait { get; init; }

    /// <summary>
    /// Whether the rate-limit gate ended the call's last attempt unsent (its wait for the reset another call was told
    /// would not fit the budget): the final 429 is then the gate's, not an answer of Auth0's to this call.
    /// </summary>
    public bool NotSentAtGate { get; init; }

    /// <summary>Whether Auth0 answered 2xx.</summary>
    public bool Succeeded => Status is >= 200 and < 300;

    /// <summary>The status as an <see cref="HttpStatusCode"/>, when a response came.</summary>
    public HttpStatusCode? StatusCode => Status is { } s ? (HttpStatusCode)s : null;
}

/// <summary>Auth0's answer as it came, read up to the output limit, with the call's outcome.</summary>
internal sealed class Auth0Response
{
    /// <summary>Creates a response (done by <see cref="Auth0ApiClient"/>).</summary>
    public Auth0Response(Auth0CallOutcome outcome, ReadOnlyMemory<byte> body, string? mediaType, IReadOnlyDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(headers);
        Outcome = outcome;
        Body = body;
        MediaType = mediaType;
        Headers = headers;
    }

    /// <summary>The outcome (status, error code, attempts, size, truncation).</summary>
    public Auth0CallOutcome Outcome { get; }

    /// <summary>The body bytes read (all of it, or the first bytes up to the output limit when truncated).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The response media type, e.g. <c>application/json</c>.</summary>
    public string? MediaType { get; }

    /// <summary>The response headers that matter to a caller (rate limits, paging, a redirect's target), lower-case names.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }
}
