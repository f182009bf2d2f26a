using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Telemetry;
using Polly.Timeout;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// The resilience pipeline of the Auth0 client (Microsoft.Extensions.Http.Resilience on Polly 8): a total budget, then
/// the library's <see cref="HttpRetryStrategyOptions"/> (exponential backoff with jitter) with two things of ours: the
/// predicate of <see cref="Auth0RetryPolicy.RetryReason"/> and a delay generator that honours <c>X-RateLimit-Reset</c> /
/// <c>Retry-After</c> (plus a jitter of up to <see cref="Auth0RateLimitGate.MaxJitter"/>); then the connection's
/// <see cref="Auth0RateLimitGate"/> (each attempt waits out a reset another call was told of); then a per-attempt
/// timeout. A retry whose requested wait would end past the budget is not made, so the call ends with Auth0's last
/// answer rather than a blind timeout. What happens is noted on the request's <see cref="Auth0CallState"/>.
/// </summary>
internal static class Auth0Resilience
{
    /// <summary>The pipeline name given to <c>AddResilienceHandler</c>.</summary>
    public const string PipelineName = "auth0";

    /// <summary>Configures the pipeline from <see cref="Auth0ConnectionOptions"/> (rebuilt when they reload).</summary>
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(context);
        context.EnableReloads<Auth0ConnectionOptions>();
        var options = context.ServiceProvider.GetRequiredService<IOptionsMonitor<Auth0ConnectionOptions>>().CurrentValue;
        var time = context.ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;
        // One gate per connection, outliving the pipeline's rebuilds on an options reload.
        var gate = context.ServiceProvider.GetService<Auth0RateLimitGate>() ?? new Auth0RateLimitGate(time);
        builder.TimeProvider = time;
        // Auth0TelemetryHandler is the one place a call is recorded (and the tool's answer says what failed); the
        // pipeline's own events, each attempt and retry with its exception's stack, are detail for debugging, not
        // warnings: at Polly's default a call that could not reach Auth0 wrote 20 KB of warnings.
        var telemetry = context.ServiceProvider.GetService<IOptions<TelemetryOptions>>()?.Value is { } configured ? new TelemetryOptions(configured) : new TelemetryOptions();
        telemetry.SeverityProvider = static _ => ResilienceEventSeverity.Debug;
        builder.ConfigureTelemetry(telemetry);

        builder.AddTimeout(new TimeoutStrategyOptions { Name = "auth0-budget", Timeout = options.RetryBudget });
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                Name = "auth0-retry",
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = false,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args, time)),
                // The wait Auth0 asks for, and a jitter: the calls it told the same reset do not all send again at once.
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result is { } response && Auth0RetryPolicy.TryGetServerDelay(response, time.GetUtcNow(), out var delay)
                        ? delay + Auth0RateLimitGate.Jitter()
                        : (TimeSpan?)null),
                OnRetry = args =>
                {
                    OnRetry(args);
                    return default;
                },
            });
        }

        // Inside the retries, outside the attempt timeout: a wait at the gate is not an attempt, and is not timed as one.
        builder.AddStrategy(_ => gate.Strategy());
        builder.AddTimeout(new TimeoutStrategyOptions { Name = "auth0-attempt", Timeout = options.AttemptTimeout });
    }

    private static bool ShouldRetry(RetryPredicateArguments<HttpResponseMessage> args, TimeProvider time)
    {
        if (args.Context.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        var request = args.Outcome.Result?.RequestMessage ?? args.Context.GetRequestMessage();
        if (request is null)
        {
            return false;
        }

        var reason = Auth0RetryPolicy.RetryReason(request.Method, args.Outcome.Result, args.Outcome.Exception);
        if (reason is null)
        {
            return false;
        }

        var state = Auth0CallState.Of(request);
        if (state is not null)
        {
            state.LastRetryReason = reason;

            // A wait Auth0 asks for that ends at the deadline is no use: leave room for the jitter and the next attempt itself.
            if (args.Outcome.Result is { } response && Auth0RetryPolicy.TryGetServerDelay(response, time.GetUtcNow(), out var wait)
                && !Auth0RateLimitGate.Fits(wait, state))
            {
                state.RefusedWait = wait;
                return false;
            }
        }

        return true;
    }

    private static void OnRetry(OnRetryArguments<HttpResponseMessage> args)
    {
        var state = Auth0CallState.Of(args.Outcome.Result?.RequestMessage ?? args.Context.GetRequestMessage());
        var reason = state?.LastRetryReason ?? "retry";
        state?.NoteRetry(args.RetryDelay);
        var operation = state?.Operation ?? "unknown";
        Auth0Telemetry.Retries.Add(1, new KeyValuePair<string, object?>(Auth0Telemetry.OperationTag, operation), new KeyValuePair<string, object?>(Auth0Telemetry.RetryReasonTag, reason));
        var what = reason switch
        {
            "429" => "Auth0 rate limit reached (429)",
            "network" => "Auth0 could not be reached",
            "timeout" => "Auth0 did not answer in time",
            _ => $"Auth0 answered {reason}",
        };
        state?.ReportProgress(string.Create(
            CultureInfo.InvariantCulture,
            $"{what}; retrying in {Auth0TelemetryHandler.Seconds(args.RetryDelay)} s (retry {args.AttemptNumber + 1})."));
    }
}
