using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Server.Transport;

/// <summary>
/// The stdio server's MCP transport: the SDK's stream transport reads the lines the <see cref="StdioGuard"/> let through;
/// messages go out through the guard's <see cref="LineWriter"/>, serialized once into its own buffer and written whole.
/// </summary>
internal sealed class StdioGuardTransport(StdioGuard guard, ILoggerFactory? loggerFactory)
    : StreamServerTransport(guard.Input, Stream.Null, "auth0-mcp", loggerFactory)
{
    /// <inheritdoc />
    public override async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        if (!IsConnected)
        {
            return;
        }

        try
        {
            await guard.Output.WriteMessageAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // As the SDK's own transport reports a failed send.
            throw new IOException("Failed to send message.", ex);
        }
    }
}

/// <summary>Registers the guarded stdio transport and runs its one session for the host's lifetime.</summary>
internal static class StdioGuardTransportExtensions
{
    /// <summary>
    /// MCP over the process's stdin and stdout through <paramref name="guard"/>: one session, and the host stops when it
    /// ends (as the SDK's <c>WithStreamServerTransport</c>, with <see cref="StdioGuardTransport"/> as the transport).
    /// </summary>
    public static IMcpServerBuilder WithStdioGuard(this IMcpServerBuilder builder, StdioGuard guard)
    {
        builder.Services.AddSingleton<ITransport>(services => new StdioGuardTransport(guard, services.GetService<ILoggerFactory>()));
        builder.Services.AddSingleton(services => McpServer.Create(
            services.GetRequiredService<ITransport>(),
            services.GetRequiredService<IOptions<McpServerOptions>>().Value,
            services.GetService<ILoggerFactory>(),
            services));
        builder.Services.AddHostedService<StdioSession>();
        return builder;
    }

    /// <summary>Runs the session; when it ends (stdin closed), the host stops.</summary>
    private sealed class StdioSession(McpServer session, IHostApplicationLifetime lifetime) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            try
            {
                await session.RunAsync(stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                lifetime.StopApplication();
            }
        }
    }
}
