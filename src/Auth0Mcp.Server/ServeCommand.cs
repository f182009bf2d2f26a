using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Auth0Mcp.Server;

/// <summary><c>auth0-mcp serve</c>: MCP over stdio. Logs go to stderr; stdout carries only the protocol.</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stderr, CancellationToken cancellationToken)
    {
        // --http, --tools-mode, --config and the environment: see HostConfiguration.cs; HTTP: Http/HttpServe.cs.
        var settings = HostSettings.Load(args);
        if (settings.HttpUrl is not null)
        {
            return await Http.HttpServe.RunAsync(settings, stderr, cancellationToken).ConfigureAwait(false);
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // stdin passes through the transport guard (size, shape; refusals answered and audited): Transport/StdioGuard.cs.
        IServiceProvider? services = null;
        var caller = Sdk.Governance.CallerIdentity.From(settings.User, settings.Groups);
        var guard = new Transport.StdioGuard(Console.OpenStandardInput(), Console.OpenStandardOutput(), Transport.TransportLimits.FromEnvironment(),
            (refusal, bytes, sha256) => Transport.TransportAudit.RecordAsync(services, refusal, bytes, sha256, caller?.User, caller?.Groups, null));
        builder.Services.AddAuth0Mcp(settings).WithStreamServerTransport(guard.Input, guard.Output);
        using var host = builder.Build();
        services = host.Services;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = guard.PumpAsync(stop.Token);
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            // A read of stdin may not notice the cancellation; the process is ending anyway.
            await pump.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        return 0;
    }

    /// <summary>Reads AUTH0_DOMAIN, AUTH0_TOKEN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET and AUTH0_MCP_BASE_URL.</summary>
    public static void ConfigureFromEnvironment(Auth0ConnectionOptions options)
    {
        options.Domain = Environment.GetEnvironmentVariable("AUTH0_DOMAIN");
        options.Token = Environment.GetEnvironmentVariable("AUTH0_TOKEN");
        options.ClientId = Environment.GetEnvironmentVariable("AUTH0_CLIENT_ID");
        options.ClientSecret = Environment.GetEnvironmentVariable("AUTH0_CLIENT_SECRET");
        var baseUrl = Environment.GetEnvironmentVariable("AUTH0_MCP_BASE_URL");
        if (!string.IsNullOrWhiteSpace(baseUrl))
        {
            options.BaseUrl = Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri)
                ? uri
                : throw new UsageException($"AUTH0_MCP_BASE_URL is not an absolute URL: '{baseUrl}'.");
        }
    }
}
