using System.Diagnostics;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the connection to the Auth0 Management API.</summary>
public static class Auth0ConnectionServiceCollectionExtensions
{
    /// <summary>
    /// The name of the <see cref="HttpClient"/> that tools send their Auth0 requests through. A host may add to it
    /// with <c>services.AddHttpClient(HttpClientName)</c> (a proxy, its own primary handler, another handler).
    /// </summary>
    public const string HttpClientName = "Auth0Mcp.Management";

    /// <summary>
    /// Adds the Auth0 Management API HTTP pipeline (<see cref="IAuth0HttpClientSource"/>), the credential store with
    /// rotation (<see cref="Auth0CredentialStore"/>), the token provider (static token or client credentials), the
    /// scope guard and the doctor. Nothing is contacted and no credential is needed until the first call.
    /// </summary>
    /// <remarks>
    /// The handler order, outermost first: telemetry, resilience (budget, retries, the rate-limit gate shared by all
    /// calls, attempt timeout), bearer token
    /// (with one renewal after a 401), request body shaping (for the typed Refit clients' multipart bodies).
    /// </remarks>
    public static IServiceCollection AddAuth0Connection(this IServiceCollection services, Action<Auth0ConnectionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<Auth0ConnectionOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // Calling this twice (a host, then WithAuth0ManagementTools) must not stack a second handler chain.
        if (services.Any(d => d.ServiceType == typeof(Auth0ConnectionMarker)))
        {
            return services;
        }

        services.AddSingleton<Auth0ConnectionMarker>();
        // Each problem is named with its setting, and a host fails at start (a misconfiguration is not left to the first call).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Auth0ConnectionOptions>, Auth0ConnectionOptionsValidator>());
        options.ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Auth0CredentialStore>();
        services.TryAddSingleton<Auth0TokenProvider>();
        services.TryAddSingleton<IAuth0TokenProvider>(sp => sp.GetRequiredService<Auth0TokenProvider>());
        services.TryAddSingleton<IAuth0ScopeGuard, Auth0ScopeGuard>();
        services.TryAddSingleton<IAuth0HttpClientSource, Auth0HttpClientSource>();
        services.TryAddSingleton<Auth0ApiClient>();
        // The tenant's rate limit is the credential's, shared by every caller: one gate per connection.
        services.TryAddSingleton<Auth0RateLimitGate>();
        services.TryAddTransient<Auth0Doctor>();
        services.TryAddTransient<Auth0TelemetryHandler>();
        services.TryAddSingleton(sp => new Auth0CredentialWarnings(sp.GetRequiredService<TimeProvider>(), sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        services.TryAddTransient<Auth0BearerHandler>();
        services.TryAddTransient<Auth0RequestBodyHandler>();
        // No default HttpClient loggers (a scope and two log checks per request): Auth0TelemetryHandler is the one
        // place that records a call (activity, metrics, failures).
        // The token request carries the client secret in its body: a redirect must not re-post it to another host.
        // The provider reads at most MaxTokenResponseBytes of an answer itself; the buffer limit holds for any other read.
        services.AddHttpClient(Auth0TokenProvider.TokenClientName, client =>
            {
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.MaxResponseContentBufferSize = Auth0TokenProvider.MaxTokenResponseBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(NewPrimaryHandler)
            .RemoveAllLoggers();
        services.AddHttpClient(HttpClientName, (sp, client) =>
            {
                var o = sp.GetRequiredService<IOptionsMonitor<Auth0ConnectionOptions>>().CurrentValue;
                client.BaseAddress = o.GetBaseAddress();
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            // A redirect is Auth0's answer, not a hop to take: the tool returns the status and Location, and nothing
            // follows it off the API host.
            .ConfigurePrimaryHttpMessageHandler(NewPrimaryHandler)
            .RemoveAllLoggers()
            .AddHttpMessageHandler<Auth0TelemetryHandler>()
            .AddResilienceHandler(Auth0Resilience.PipelineName, Auth0Resilience.Configure);
        services.AddHttpClient(HttpClientName)
            .AddHttpMessageHandler<Auth0BearerHandler>()
            .AddHttpMessageHandler<Auth0RequestBodyHandler>();
        return services;
    }

    // A redirect is not followed (see above). And no trace context goes out: over Streamable HTTP the current activity is
    // the caller's (its traceparent, tracestate and baggage, which are the caller's own text), and Auth0 is across a
    // trust boundary. The server's own activity and metrics (Auth0TelemetryHandler) are kept.
    private static SocketsHttpHandler NewPrimaryHandler() => new()
    {
        AllowAutoRedirect = false,
        ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
    };
}

/// <summary>
/// Validates <see cref="Auth0ConnectionOptions"/>: a message per problem, naming the setting. A missing tenant or
/// credential is not a problem here (discovery needs neither); the first call says what is missing.
/// </summary>
internal sealed class Auth0ConnectionOptionsValidator : IValidateOptions<Auth0ConnectionOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, Auth0ConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add("Auth0 connection: " + problem);
            }
        }

        Check(string.IsNullOrWhiteSpace(options.Domain) || Auth0ConnectionOptions.IsValidDomain(options.Domain), "Domain (AUTH0_DOMAIN) is not a tenant domain: " + Auth0ConnectionOptions.DomainRule);
        Check(options.AttemptTimeout > TimeSpan.Zero, $"AttemptTimeout must be positive (is {options.AttemptTimeout})");
        Check(options.RetryBudget >= options.AttemptTimeout, $"RetryBudget ({options.RetryBudget}) must be at least AttemptTimeout ({options.AttemptTimeout})");
        Check(options.RetryBaseDelay >= TimeSpan.Zero, $"RetryBaseDelay must not be negative (is {options.RetryBaseDelay})");
        Check(options.TokenRequestTimeout > TimeSpan.Zero, $"TokenRequestTimeout must be positive (is {options.TokenRequestTimeout})");
        Check(options.TokenRefreshMargin >= TimeSpan.Zero, $"TokenRefreshMargin must not be negative (is {options.TokenRefreshMargin})");
        Check(options.MaxRetryAttempts is >= 0 and <= 10, $"MaxRetryAttempts must be between 0 and 10 (is {options.MaxRetryAttempts})");
        Check(options.MaxResponseBytes >= 1024, $"MaxResponseBytes must be at least 1024 (is {options.MaxResponseBytes})");

        // The one shape rule the server's settings and credentials file apply too: no "Bearer " prefix, and only
        // characters a header can carry (a line break in it failed every call with a FormatException).
        if (Auth0Mcp.Sdk.Auth.Auth0TokenProvider.TokenShapeProblem(options.Token) is { } shape)
        {
            problems.Add("Auth0 connection: Token " + shape);
        }

        Check(options.BaseUrl is null || (options.BaseUrl.IsAbsoluteUri && options.BaseUrl.Scheme is "https" or "http"),
            $"BaseUrl (AUTH0_MCP_BASE_URL) must be an absolute https URL (is {Scheme(options.BaseUrl)})");
        Check(options.TokenEndpoint is null || (options.TokenEndpoint.IsAbsoluteUri && options.TokenEndpoint.Scheme is "https" or "http"),
            $"TokenEndpoint must be an absolute https URL (is {Scheme(options.TokenEndpoint)}; unset, it is https://{{Domain}}/oauth/token)");

        // The bearer token goes to the base URL, the client secret to the token endpoint: never in clear text off the machine.
        if (options.BaseUrl is { } baseUrl && LoopbackAddress.IsPlainHttpOffLoopback(baseUrl))
        {
            problems.Add($"Auth0 connection: BaseUrl (AUTH0_MCP_BASE_URL) must be https, not plain http to {baseUrl.Host}: the bearer token would cross the network in clear text ({LoopbackAddress.PlainHttpRule}, e.g. a local mock)");
        }

        if (options.TokenEndpoint is { } tokenEndpoint && LoopbackAddress.IsPlainHttpOffLoopback(tokenEndpoint))
        {
            problems.Add($"Auth0 connection: TokenEndpoint must be https, not plain http to {tokenEndpoint.Host}: the client secret would cross the network in clear text ({LoopbackAddress.PlainHttpRule}, e.g. a local stub; unset, it is https://{{Domain}}/oauth/token)");
        }

        if (options.BaseUrl is null && string.IsNullOrWhiteSpace(options.Domain) && options.GetDefaultBaseAddress() is { } specDefault
            && LoopbackAddress.IsPlainHttpOffLoopback(specDefault))
        {
            problems.Add($"Auth0 connection: DefaultBaseUrl (the spec's server, in effect while neither BaseUrl nor Domain is set) must be https, not plain http to {specDefault.Host}: the bearer token would cross the network in clear text ({LoopbackAddress.PlainHttpRule}); set Domain (AUTH0_DOMAIN) or an https BaseUrl (AUTH0_MCP_BASE_URL)");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    // What a URL is, without its path or query (never where a secret could sit).
    private static string Scheme(Uri? url) => url is null ? "" : url.IsAbsoluteUri ? url.Scheme + " URL" : "a relative URL";
}

/// <summary>Marks a service collection that already has the Auth0 connection.</summary>
internal sealed class Auth0ConnectionMarker;
