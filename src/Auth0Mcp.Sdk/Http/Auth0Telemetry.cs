using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// The OpenTelemetry sources of Auth0 calls: one <see cref="Activity"/> per call and three instruments, tagged
/// with the operation, method, status and retries. No token, secret, path value or query value is recorded.
/// Subscribe with <c>AddSource(Auth0Telemetry.SourceName)</c> and <c>AddMeter(Auth0Telemetry.MeterName)</c>.
/// </summary>
internal static class Auth0Telemetry
{
    /// <summary>The <see cref="ActivitySource"/> and <see cref="Meter"/> name.</summary>
    public const string SourceName = "Auth0Mcp.Management";

    /// <summary>The meter name (the same as <see cref="SourceName"/>).</summary>
    public const string MeterName = SourceName;

    /// <summary>Tag: the operation (tool name).</summary>
    public const string OperationTag = "auth0.operation";

    /// <summary>Tag: how many retries the call made.</summary>
    public const string RetriesTag = "auth0.retries";

    /// <summary>Tag: why a retry was made (<c>429</c>, <c>503</c>, <c>network</c>, <c>timeout</c>).</summary>
    public const string RetryReasonTag = "auth0.retry.reason";

    /// <summary>Tag: the HTTP method.</summary>
    public const string MethodTag = "http.request.method";

    /// <summary>Tag: the final HTTP status code.</summary>
    public const string StatusTag = "http.response.status_code";

    /// <summary>Tag: the path template, e.g. <c>/users/{id}</c> (never the values).</summary>
    public const string UrlTemplateTag = "url.template";

    /// <summary>Tag: the failure kind, when the call failed.</summary>
    public const string ErrorTypeTag = "error.type";

    internal static readonly ActivitySource Source = new(SourceName);
    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Calls = Meter.CreateCounter<long>("auth0.management.calls", unit: "{call}", description: "Auth0 Management API calls, by operation and final status.");
    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("auth0.management.call.duration", unit: "s", description: "Duration of Auth0 Management API calls, retries and waits included.");
    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>("auth0.management.retries", unit: "{retry}", description: "Retries of Auth0 Management API calls, by operation and reason.");
}
