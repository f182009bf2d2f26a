using System.Globalization;
using Auth0Mcp.Sdk.Catalog;
using ModelContextProtocol;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// What the HTTP pipeline knows about one Auth0 call, all attempts included: which operation it is (telemetry),
/// where to report retry waits (MCP progress), the time budget, and what happened on the way (attempts, retry
/// delays, token renewals). It rides on the request (<see cref="HttpRequestMessage.Options"/>): the telemetry
/// handler, the retry strategy and the bearer handler read and update it; nothing travels on an async-local.
/// </summary>
internal sealed class Auth0CallState
{
    private static readonly HttpRequestOptionsKey<Auth0CallState> Key = new("auth0.call");
    private readonly IProgress<ProgressNotificationValue>? _progress;
    private readonly List<TimeSpan> _delays = [];
    private int _progressCount;
    private int _sent;
    private long _rateLimitWaitTicks;
    private long _started;
    private TimeProvider _time = TimeProvider.System;

    /// <summary>Creates the state of a call.</summary>
    /// <param name="operation">The operation name used in telemetry: the tool name, or e.g. <c>doctor</c>.</param>
    /// <param name="descriptor">The tool being called, if the call is a tool call.</param>
    /// <param name="progress">Where to report retry waits, or null.</param>
    public Auth0CallState(string operation, Auth0ToolDescriptor? descriptor = null, IProgress<ProgressNotificationValue>? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operation);
        Operation = operation;
        Descriptor = descriptor;
        _progress = progress;
    }

    /// <summary>The operation name used in telemetry.</summary>
    public string Operation { get; }

    /// <summary>The tool's descriptor, when the call is a tool call.</summary>
    public Auth0ToolDescriptor? Descriptor { get; }

    /// <summary>How many retries were made (429, 5xx, network errors, attempt timeouts).</summary>
    public int Retries => _delays.Count;

    /// <summary>The waits before each retry, in order.</summary>
    public IReadOnlyList<TimeSpan> RetryDelays => _delays;

    /// <summary>
    /// How many requests were handed on to be sent, with their credential (the bearer handler counts them; a token
    /// renewal's resend counts too). Zero when the call ended before any left, e.g. while a token was fetched.
    /// </summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>How many times the token was renewed after a 401.</summary>
    public int TokenRefreshes { get; private set; }

    /// <summary>The last outcome that was or would have been retried, e.g. <c>503</c> or <c>network</c>.</summary>
    public string? LastRetryReason { get; internal set; }

    /// <summary>Set when a retry was not made because its wait would end past the budget.</summary>
    public TimeSpan? RefusedWait { get; internal set; }

    /// <summary>
    /// How many attempts were sent, as every outcome counts them: each retry's and the first, less the last when the
    /// rate-limit gate ended it unsent (<see cref="NotSentAtGate"/>). A token renewal's resend is not one.
    /// </summary>
    public int Attempts => Retries + (NotSentAtGate ? 0 : 1);

    /// <summary>Set when the rate-limit gate ended the call's last attempt unsent: its wait would not fit the budget.</summary>
    public bool NotSentAtGate { get; private set; }

    /// <summary>The time waited at the rate-limit gate (<see cref="Auth0RateLimitGate"/>) for a reset another call was told, all attempts together.</summary>
    public TimeSpan RateLimitWait => TimeSpan.FromTicks(Interlocked.Read(ref _rateLimitWaitTicks));

    /// <summary>The budget of the whole call (all attempts, waits and the response body).</summary>
    public TimeSpan Budget { get; private set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Time since the call started.</summary>
    public TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>Time left in the budget.</summary>
    public TimeSpan Remaining => Budget == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : Budget - Elapsed;

    /// <summary>The state attached to <paramref name="request"/>, if any.</summary>
    public static Auth0CallState? Of(HttpRequestMessage? request) =>
        request is not null && request.Options.TryGetValue(Key, out var state) ? state : null;

    /// <summary>Attaches this state to <paramref name="request"/>; returns the request.</summary>
    public HttpRequestMessage AttachTo(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Set(Key, this);
        return request;
    }

    /// <summary>Starts the clock (done by the telemetry handler when the call enters the pipeline).</summary>
    internal void Start(TimeProvider time, TimeSpan budget)
    {
        _time = time;
        _started = time.GetTimestamp();
        Budget = budget;
    }

    internal void NoteRetry(TimeSpan delay)
    {
        lock (_delays)
        {
            _delays.Add(delay);
        }
    }

    internal void NoteTokenRefresh() => TokenRefreshes++;

    internal void NoteRateLimitWait(TimeSpan wait) => Interlocked.Add(ref _rateLimitWaitTicks, wait.Ticks);

    /// <summary>The gate ended this attempt unsent: the reset it waits for is <paramref name="wait"/> away, past the budget.</summary>
    internal void NoteNotSent(TimeSpan wait)
    {
        NotSentAtGate = true;
        RefusedWait = wait;
    }

    internal void NoteSent() => Interlocked.Increment(ref _sent);

    /// <summary>Sends a progress notification, if the caller asked for them; progress increases with each one.</summary>
    internal void ReportProgress(string message)
    {
        if (_progress is null)
        {
            return;
        }

        var n = Interlocked.Increment(ref _progressCount);
        try
        {
            _progress.Report(new ProgressNotificationValue { Progress = n, Message = Auth0Mcp.Sdk.Auth.Auth0Redaction.Redact(message) });
        }
#pragma warning disable CA1031 // A progress sink that fails must not fail the call.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>A short text of what the retries were, e.g. <c>3 attempts; last: 503</c>.</summary>
    internal string AttemptsText() => string.Create(CultureInfo.InvariantCulture, $"{Attempts} attempts{(LastRetryReason is null ? "" : "; last: " + LastRetryReason)}");
}
