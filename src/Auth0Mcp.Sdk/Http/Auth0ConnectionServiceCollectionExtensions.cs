using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the connection to the Auth0 Management API.</summary>
public static class Auth0ConnectionServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Auth0 Management API HTTP pipeline (<see cref="IAuth0HttpClientSource"/>) and the token provider.
    /// Nothing is contacted and no credential is needed until the first call.
    /// </summary>
    public static IServiceCollection AddAuth0Connection(this IServiceCollection services, Action<Auth0ConnectionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<Auth0ConnectionOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<IAuth0TokenProvider, StaticTokenProvider>();
        services.TryAddSingleton<IAuth0HttpClientSource, Auth0HttpClientSource>();
        services.TryAddTransient<Auth0ResponseCaptureHandler>();
        services.TryAddTransient<Auth0BearerHandler>();
        services.AddHttpClient(Auth0HttpClientSource.ClientName, (sp, client) =>
            {
                var o = sp.GetRequiredService<IOptionsMonitor<Auth0ConnectionOptions>>().CurrentValue;
                client.BaseAddress = o.GetBaseAddress();
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddHttpMessageHandler<Auth0ResponseCaptureHandler>()
            .AddHttpMessageHandler<Auth0BearerHandler>();
        return services;
    }
}
