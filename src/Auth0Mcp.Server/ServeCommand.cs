using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Auth0Mcp.Server;

/// <summary><c>auth0-mcp serve</c>: MCP over stdio, governed. Logs go to stderr; stdout carries only the protocol.</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Length > 0)
        {
            throw new UsageException($"serve: unexpected argument '{args[0]}'.");
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        ConfigureServices(builder.Services, builder.Configuration);
        builder.Services
            .AddMcpServer(o => o.ServerInfo = new() { Name = "auth0-mcp", Version = Version })
            .WithStdioServerTransport()
            .WithAuth0ManagementTools()
            .WithToolGovernance(g =>
            {
                g.Store = HostSettings.Store;
                g.Catalog = Auth0ToolCatalog.Descriptors;
                g.ServerName = "auth0-mcp@" + Environment.MachineName;
            });
        using var host = builder.Build();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }

    public static string Version => typeof(ServeCommand).Assembly.GetName().Version?.ToString(3) ?? "0.1.0";

    /// <summary>The governed server's services: the connection plus rotation events into the audit log.</summary>
    public static void ConfigureServices(IServiceCollection services, Microsoft.Extensions.Configuration.IConfigurationManager configuration)
    {
        ConfigureConnection(services, configuration);
        services.AddSingleton<IAuth0CredentialEvents, GovernanceCredentialEvents>();
    }

    /// <summary>The Auth0 connection, bound to the environment and the watched credentials file.</summary>
    public static void ConfigureConnection(IServiceCollection services, Microsoft.Extensions.Configuration.IConfigurationManager configuration)
    {
        HostSettings.AddSources(configuration);
        services.AddAuth0Connection();
        services.Configure<Auth0ConnectionOptions>(configuration.GetSection(HostSettings.Section));
    }
}
