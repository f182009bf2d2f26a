using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// The resilience pipeline of the Auth0 client (Microsoft.Extensions.Http.Resilience on Polly 8): a total budget,
/// then retries per <see cref="Auth0RetryPolicy"/>, then a per-attempt timeout. A retry whose wait would end past
/// the budget is not made, so the call ends with Auth0's last answer rather than a blind timeout.
/// </summary>
public static class Auth0Resilience
{
    /// <summary>The pipeline name given to <c>AddResilienceHandler</c>.</summary>
    public const string PipelineName = "auth0";

    private static readonly ResiliencePropertyKey<TimeSpan> PlannedDelay = new("auth0.retry.delay");

    /// <summary>Configures the pipeline from <see cref="Auth0ConnectionOptions"/> (rebuilt when they reload).</summary>
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(context);
        context.EnableReloads<Auth0ConnectionOptions>();
        var options = context.ServiceProvider.GetRequiredService<IOptionsMonitor<Auth0ConnectionOptions>>().CurrentValue;
        var time = context.ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;
        builder.TimeProvider = time;

        builder.AddTimeout(new TimeoutStrategyOptions { Name = "auth0-budget", Timeout = options.RetryBudget });
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                Name = "auth0-retry",
                MaxRetryAttempts = options.MaxRetryAttempts,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args, options, time)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    args.Context.Properties.TryGetValue(PlannedDelay, out var delay) ? delay : options.RetryBaseDelay),
                OnRetry = args =>
                {
                    OnRetry(args);
                    return default;
                },
            });
        }

        builder.AddTimeout(new TimeoutStrategyOptions { Name = "auth0-attempt", Timeout = options.AttemptTimeout });
    }

    private static bool ShouldRetry(RetryPredicateArguments<HttpResponseMessage> args, Auth0ConnectionOptions options, TimeProvider time)
    {
        if (args.Context.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        var state = Auth0RequestState.Current;
        var method = args.Outcome.Result?.RequestMessage?.Method ?? args.Context.GetRequestMessage()?.Method ?? state?.Method;
        if (method is null)
        {
            return false;
        }

        var reason = Auth0RetryPolicy.RetryReason(method, args.Outcome.Result, args.Outcome.Exception);
        if (reason is null)
        {
            return false;
        }

        var delay = Auth0RetryPolicy.Delay(args.Outcome.Result, args.AttemptNumber, options.RetryBaseDelay, time.GetUtcNow(), Random.Shared.NextDouble());
        if (state is not null)
        {
            state.LastReason = reason;

            // Leave room for the next attempt itself: a wait that ends at the deadline is no use.
            if (delay + TimeSpan.FromMilliseconds(100) >= state.Remaining)
            {
                state.RefusedWait = delay;
                return false;
            }
        }

        args.Context.Properties.Set(PlannedDelay, delay);
        return true;
    }

    private static void OnRetry(OnRetryArguments<HttpResponseMessage> args)
    {
        var state = Auth0RequestState.Current;
        var reason = state?.LastReason ?? "retry";
        if (state is not null)
        {
            state.Retries++;
        }

        var call = Auth0CallContext.Current;
        var operation = call?.Operation ?? "unknown";
        Auth0Telemetry.Retries.Add(1, new KeyValuePair<string, object?>(Auth0Telemetry.OperationTag, operation), new KeyValuePair<string, object?>(Auth0Telemetry.RetryReasonTag, reason));
        var what = reason switch
        {
            "429" => "Auth0 rate limit reached (429)",
            "network" => "Auth0 could not be reached",
            "timeout" => "Auth0 did not answer in time",
            _ => $"Auth0 answered {reason}",
        };
        call?.ReportProgress(string.Create(
            CultureInfo.InvariantCulture,
            $"{what}; retrying in {Auth0TelemetryHandler.Seconds(args.RetryDelay)} s (retry {args.AttemptNumber + 1})."));
    }
}
