using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// The names to subscribe to the telemetry of Auth0 calls by: one <see cref="Activity"/> per call (all its attempts)
/// from the <see cref="ActivitySource"/> <see cref="SourceName"/>, and three instruments of the <see cref="Meter"/>
/// <see cref="MeterName"/>: <see cref="CallsInstrument"/>, <see cref="CallDurationInstrument"/> and
/// <see cref="RetriesInstrument"/>. Their tags are the operation (the tool's name), the HTTP method, the final status,
/// the retries and why, and the failure kind; the activity adds the path template; no token, secret, path value, query
/// value or argument is recorded. With OpenTelemetry: <c>.WithTracing(t =&gt; t.AddSource(Auth0Telemetry.SourceName))</c>
/// and <c>.WithMetrics(m =&gt; m.AddMeter(Auth0Telemetry.MeterName))</c>.
/// </summary>
public static class Auth0Telemetry
{
    /// <summary>The <see cref="ActivitySource"/> name (<c>Auth0Mcp.Management</c>).</summary>
    public const string SourceName = "Auth0Mcp.Management";

    /// <summary>The <see cref="Meter"/> name (the same as <see cref="SourceName"/>).</summary>
    public const string MeterName = SourceName;

    /// <summary>Counter of calls, one per call whatever its retries (<c>{call}</c>), by operation, method, status, retries and failure kind.</summary>
    public const string CallsInstrument = "auth0.management.calls";

    /// <summary>Histogram of a call's duration, retries and waits included (<c>s</c>), with the tags of <see cref="CallsInstrument"/>.</summary>
    public const string CallDurationInstrument = "auth0.management.call.duration";

    /// <summary>Counter of retries (<c>{retry}</c>), by operation and reason (<c>429</c>, <c>503</c>, <c>network</c>, <c>timeout</c>, …).</summary>
    public const string RetriesInstrument = "auth0.management.retries";

    /// <summary>Tag: the operation (tool name).</summary>
    internal const string OperationTag = "auth0.operation";

    /// <summary>Tag: how many retries the call made.</summary>
    internal const string RetriesTag = "auth0.retries";

    /// <summary>Tag: why a retry was made (<c>429</c>, <c>503</c>, <c>network</c>, <c>timeout</c>).</summary>
    internal const string RetryReasonTag = "auth0.retry.reason";

    /// <summary>Tag: the HTTP method.</summary>
    internal const string MethodTag = "http.request.method";

    /// <summary>Tag: the final HTTP status code.</summary>
    internal const string StatusTag = "http.response.status_code";

    /// <summary>Tag: the path template, e.g. <c>/users/{id}</c> (never the values).</summary>
    internal const string UrlTemplateTag = "url.template";

    /// <summary>Tag: the failure kind, when the call failed.</summary>
    internal const string ErrorTypeTag = "error.type";

    internal static readonly ActivitySource Source = new(SourceName);
    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Calls = Meter.CreateCounter<long>(CallsInstrument, unit: "{call}", description: "Auth0 Management API calls, by operation and final status.");
    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(CallDurationInstrument, unit: "s", description: "Duration of Auth0 Management API calls, retries and waits included.");
    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>(RetriesInstrument, unit: "{retry}", description: "Retries of Auth0 Management API calls, by operation and reason.");
}
