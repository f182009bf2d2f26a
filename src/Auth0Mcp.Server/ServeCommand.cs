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
}
