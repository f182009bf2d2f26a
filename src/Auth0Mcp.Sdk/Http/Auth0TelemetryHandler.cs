using System.Diagnostics;
using System.Globalization;
using Auth0Mcp.Sdk.Auth;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// Wraps one Auth0 call (all its attempts): starts the clock of the request's <see cref="Auth0CallState"/>, an
/// <see cref="Activity"/> and the metrics of <see cref="Auth0Telemetry"/>, and turns a failure without a response
/// into a concise <see cref="Auth0HttpException"/>. The outermost handler, outside the resilience handler.
/// </summary>
internal sealed class Auth0TelemetryHandler(IOptionsMonitor<Auth0ConnectionOptions> options, TimeProvider time) : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = Auth0CallState.Of(request);
        if (state is null)
        {
            state = new Auth0CallState("unknown");
            state.AttachTo(request);
        }

        state.Start(time, options.CurrentValue.RetryBudget);
        var operation = state.Operation;
        // Nothing is built for telemetry nobody listens to (the activity's name, the metrics' tags).
        using var activity = Auth0Telemetry.Source.HasListeners() ? Auth0Telemetry.Source.StartActivity("Auth0 " + operation, ActivityKind.Client) : null;
        if (activity is not null)
        {
            activity.SetTag(Auth0Telemetry.OperationTag, operation);
            activity.SetTag(Auth0Telemetry.MethodTag, request.Method.Method);
            if (state.Descriptor is { } d)
            {
                activity.SetTag(Auth0Telemetry.UrlTemplateTag, d.Path);
            }

            if (request.RequestUri is { IsAbsoluteUri: true } uri)
            {
                activity.SetTag("server.address", uri.Host);
            }
        }

        int? status = null;
        string? errorType = null;
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            status = (int)response.StatusCode;
            if (status >= 400)
            {
                errorType = status.Value.ToString(CultureInfo.InvariantCulture);
            }

            return response;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            errorType = "cancelled";
            throw;
        }
        catch (TimeoutRejectedException ex)
        {
            var budgetSpent = state.Remaining <= TimeSpan.FromMilliseconds(50) || state.RefusedWait is not null;
            errorType = budgetSpent ? "budget_exhausted" : "timeout";
            var attempts = state.Retries + 1;
            throw budgetSpent
                ? new Auth0HttpException(Auth0FailureKind.BudgetExhausted, BudgetMessage(state), attempts, ex)
                : Auth0RetryPolicy.IsIdempotent(request.Method)
                    ? new Auth0HttpException(Auth0FailureKind.AttemptTimeout, $"Auth0 did not answer within {Seconds(ex.Timeout)} s on any of {attempts} attempts. Try again later.", attempts, ex)
                    : new Auth0HttpException(
                        Auth0FailureKind.AttemptTimeout,
                        $"Auth0 did not answer within {Seconds(ex.Timeout)} s. {request.Method.Method} is not retried automatically because the request may have taken effect: check before calling again.",
                        attempts,
                        ex);
        }
        catch (HttpRequestException ex)
        {
            errorType = "network";
            var tried = state.Retries > 0 ? $" after {state.Retries + 1} attempts" : "";
            var note = !Auth0RetryPolicy.IsIdempotent(request.Method)
                ? $" {request.Method.Method} is not retried automatically because the request may have taken effect: check before calling again."
                : state.RefusedWait is { } w ? $" A further retry (in {Seconds(w)} s) would not fit the {Seconds(state.Budget)} s budget." : "";
            throw new Auth0HttpException(Auth0FailureKind.Network, $"Auth0 could not be reached{tried} ({Describe(ex)}).{note}", state.Retries + 1, ex);
        }
        catch (Exception ex) when (ex is not Auth0CredentialException and not OperationCanceledException)
        {
            errorType = ex.GetType().Name;
            throw;
        }
        finally
        {
            if (Auth0Telemetry.Calls.Enabled || Auth0Telemetry.Duration.Enabled)
            {
                RecordMetrics(state, operation, request.Method.Method, status, errorType);
            }

            if (activity is not null)
            {
                activity.SetTag(Auth0Telemetry.RetriesTag, state.Retries);
                if (status is { } code)
                {
                    activity.SetTag(Auth0Telemetry.StatusTag, code);
                }

                if (errorType is not null)
                {
                    activity.SetTag(Auth0Telemetry.ErrorTypeTag, errorType);
                    activity.SetStatus(ActivityStatusCode.Error, errorType);
                }
            }
        }
    }

    internal static string BudgetMessage(Auth0CallState state) =>
        $"Auth0 did not answer within the {Seconds(state.Budget)} s budget for one call ({state.AttemptsText()}). Try again later.";

    internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString(t.TotalSeconds < 10 ? "0.#" : "0", CultureInfo.InvariantCulture);

    private static void RecordMetrics(Auth0CallState state, string operation, string method, int? status, string? errorType)
    {
        var tags = new TagList
        {
            { Auth0Telemetry.OperationTag, operation },
            { Auth0Telemetry.MethodTag, method },
            { Auth0Telemetry.RetriesTag, state.Retries },
        };
        if (status is { } s)
        {
            tags.Add(Auth0Telemetry.StatusTag, s);
        }

        if (errorType is not null)
        {
            tags.Add(Auth0Telemetry.ErrorTypeTag, errorType);
        }

        Auth0Telemetry.Calls.Add(1, tags);
        Auth0Telemetry.Duration.Record(state.Elapsed.TotalSeconds, tags);
    }

    private static string Describe(HttpRequestException ex) => ex.HttpRequestError switch
    {
        HttpRequestError.ConnectionError => "connection failed",
        HttpRequestError.NameResolutionError => "the host name did not resolve",
        HttpRequestError.SecureConnectionError => "TLS failed",
        HttpRequestError.ResponseEnded => "the connection closed before the response ended",
        HttpRequestError.InvalidResponse => "the response was not valid HTTP",
        HttpRequestError.ProxyTunnelError => "the proxy refused the tunnel",
        _ => ex.InnerException is System.IO.IOException ? "the connection was reset" : "the request failed",
    };
}
