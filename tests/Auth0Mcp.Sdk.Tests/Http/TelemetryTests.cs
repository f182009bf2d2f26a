using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Auth0Mcp.Sdk.Http;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>One Activity and metrics per Auth0 call, tagged with operation, status and retries, and nothing secret.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task Call_WithOneRetry_EmitsActivityAndMetricsWithoutSecretsOrQueryValues()
    {
        const string operation = "auth0_telemetry_probe";
        var activities = new ConcurrentQueue<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == Auth0Telemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (Equals(a.GetTagItem(Auth0Telemetry.OperationTag), operation))
                {
                    activities.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(activityListener);
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == Auth0Telemetry.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var dict = new Dictionary<string, object?>();
            foreach (var t in tags)
            {
                dict[t.Key] = t.Value;
            }

            if (Equals(dict.GetValueOrDefault(Auth0Telemetry.OperationTag), operation))
            {
                measurements.Enqueue((instrument.Name, value, dict));
            }
        }

        meterListener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        meterListener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        meterListener.Start();

        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, n) => n == 1 ? ScriptedAuth0Server.Json(ctx, 503, "{}") : ScriptedAuth0Server.Json(ctx, 200, "{}");
        var tool = new Auth0Mcp.Sdk.Tools.Auth0ApiTool(TestTool.Describe(operation, "GET", "/users"));

        var result = await h.CallAsync(tool, """{"q":"needle-query-value"}""");

        Assert.True(result.IsError != true, result.Text());
        var activity = Assert.Single(activities);
        Assert.Equal(ActivityKind.Client, activity.Kind);
        Assert.Equal("GET", activity.GetTagItem(Auth0Telemetry.MethodTag));
        Assert.Equal(200, activity.GetTagItem(Auth0Telemetry.StatusTag));
        Assert.Equal(1, activity.GetTagItem(Auth0Telemetry.RetriesTag));
        Assert.Equal("/users", activity.GetTagItem(Auth0Telemetry.UrlTemplateTag));
        foreach (var (_, value) in activity.TagObjects)
        {
            var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            Assert.DoesNotContain("needle-query-value", text, StringComparison.Ordinal);
            Assert.DoesNotContain(Harness.StaticToken, text, StringComparison.Ordinal);
        }

        meterListener.RecordObservableInstruments();
        var call = Assert.Single(measurements, m => m.Instrument == Auth0Telemetry.CallsInstrument);
        Assert.Equal(200, call.Tags[Auth0Telemetry.StatusTag]);
        Assert.Equal(1, call.Tags[Auth0Telemetry.RetriesTag]);
        var retry = Assert.Single(measurements, m => m.Instrument == Auth0Telemetry.RetriesInstrument);
        Assert.Equal("503", retry.Tags[Auth0Telemetry.RetryReasonTag]);
        var duration = Assert.Single(measurements, m => m.Instrument == Auth0Telemetry.CallDurationInstrument);
        Assert.InRange(duration.Value, 0, 10);
        Assert.All(measurements.SelectMany(m => m.Tags.Values), v => Assert.DoesNotContain("needle-query-value", Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "", StringComparison.Ordinal));
    }

    /// <summary>
    /// The names a host subscribes by (<c>AddSource(Auth0Telemetry.SourceName)</c>, <c>AddMeter(Auth0Telemetry.MeterName)</c>)
    /// are public API: the class was internal, so the documented subscription did not compile outside the SDK.
    /// </summary>
    [Fact]
    public void Names_AreThePublicApiAHostSubscribesBy()
    {
        Assert.True(typeof(Auth0Telemetry).IsPublic);
        var names = typeof(Auth0Telemetry).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .ToDictionary(f => f.Name, f => (string?)f.GetRawConstantValue());
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["SourceName"] = "Auth0Mcp.Management",
                ["MeterName"] = "Auth0Mcp.Management",
                ["CallsInstrument"] = "auth0.management.calls",
                ["CallDurationInstrument"] = "auth0.management.call.duration",
                ["RetriesInstrument"] = "auth0.management.retries",
            },
            names);
    }

    [Fact]
    public async Task Call_UnderACallersTraceContext_SendsNoTraceOrBaggageHeadersToAuth0()
    {
        // As ASP.NET Core does for a Streamable HTTP request: the caller's traceparent, tracestate and baggage become the
        // current activity. They are the caller's text and trace id, and Auth0 is across a trust boundary.
        using var incoming = new Activity("incoming")
            .SetParentId("00-0af7651916cd43dd8448eb211c80319c-e7c3bf6e738d3124-01")
            .AddBaggage("evil", "INJECTED-BAGGAGE");
        incoming.TraceStateString = "evil=INJECTED-TRACESTATE";
        incoming.Start();
        await using var h = await Harness.StaticAsync();
        var tool = new Auth0Mcp.Sdk.Tools.Auth0ApiTool(TestTool.Describe("auth0_trace_probe", "GET", "/users"));

        var result = await h.CallAsync(tool, "{}");

        Assert.True(result.IsError != true, result.Text());
        var sent = Assert.Single(h.Server.ApiRequests);
        foreach (var header in new[] { "traceparent", "tracestate", "baggage", "Correlation-Context", "Request-Id" })
        {
            Assert.False(sent.Headers.ContainsKey(header), $"{header}: {sent.Headers.GetValueOrDefault(header)}");
        }

        Assert.DoesNotContain("INJECTED", string.Join('\n', sent.Headers.Values), StringComparison.Ordinal);
        Assert.DoesNotContain("0af7651916cd43dd8448eb211c80319c", string.Join('\n', sent.Headers.Values), StringComparison.Ordinal);
    }
}
