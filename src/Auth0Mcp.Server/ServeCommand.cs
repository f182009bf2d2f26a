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
        builder.Services.AddAuth0Mcp(settings).WithStdioServerTransport();
        using var host = builder.Build();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
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
