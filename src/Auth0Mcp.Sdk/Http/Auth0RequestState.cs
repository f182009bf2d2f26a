namespace Auth0Mcp.Sdk.Http;

/// <summary>Per-request state shared by the telemetry handler and the retry strategy (one HTTP call, all attempts).</summary>
internal sealed class Auth0RequestState
{
    private static readonly AsyncLocal<Auth0RequestState?> Slot = new();

    public Auth0RequestState(TimeProvider time, TimeSpan budget, HttpMethod method)
    {
        Time = time;
        Budget = budget;
        Method = method;
        Started = time.GetTimestamp();
    }

    public static Auth0RequestState? Current
    {
        get => Slot.Value;
        set => Slot.Value = value;
    }

    public TimeProvider Time { get; }

    public TimeSpan Budget { get; }

    public HttpMethod Method { get; }

    public long Started { get; }

    public int Retries { get; set; }

    /// <summary>The last outcome that was or would have been retried, e.g. <c>503</c> or <c>network</c>.</summary>
    public string? LastReason { get; set; }

    /// <summary>Set when a retry was not made because its wait would end past the budget.</summary>
    public TimeSpan? RefusedWait { get; set; }

    public TimeSpan Elapsed => Time.GetElapsedTime(Started);

    public TimeSpan Remaining => Budget - Elapsed;
}
