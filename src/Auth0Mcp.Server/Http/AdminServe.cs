using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Auth0Mcp.Server.Http;

/// <summary>
/// <c>auth0-mcp admin --http URL</c>: the admin console alone against the store (the control plane apart from the
/// MCP endpoints, e.g. several MCP instances on one PostgreSQL and one console). Servers sharing the store see its
/// changes on their next refresh and notify their clients.
/// </summary>
internal static class AdminServe
{
    public static async Task<int> RunAsync(HostSettings settings, TextWriter stderr, CancellationToken cancellationToken)
    {
        await using var app = Build(settings);
        using var signals = HostLogging.AnnounceStopSignals(stderr, app.Lifetime);
        if (!await ListenFailure.TryStartAsync(app, settings.HttpUrl!, stderr, cancellationToken).ConfigureAwait(false))
        {
            return Cli.Usage;
        }

        foreach (var address in ConsoleUrls(app))
        {
            await stderr.WriteLineAsync($"auth0-mcp: admin console at {address}").ConfigureAwait(false);
        }

        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The console URLs the started <paramref name="app"/> listens on.</summary>
    public static IReadOnlyList<string> ConsoleUrls(WebApplication app) =>
        (app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Select(a => a.TrimEnd('/') + "/admin").ToList();

    /// <summary>Builds the console-only web application; <paramref name="configureServices"/> runs last (tests).</summary>
    public static WebApplication Build(HostSettings settings, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var url = settings.HttpUrl ?? throw new InvalidOperationException("HttpUrl is not set.");
        var builder = HttpServe.NewBuilder();
        HostLogging.Configure(builder.Logging, settings.Server);
        builder.WebHost.UseUrls($"{url.Scheme}://{url.Host}:{url.Port}");
        builder.Services.AddSingleton(settings);
        AdminCommands.AddConnection(builder.Services, settings);
        AdminConsole.AddServices(builder.Services, settings);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        HttpServe.UseOriginGuard(app, url, settings.AllowedOrigins);
        app.UseAuthentication();
        app.UseAuthorization();
        HealthEndpoints.Map(app);
        app.MapGet("/", () => Results.Redirect("/admin")).AllowAnonymous();
        AdminConsole.Map(app);
        return app;
    }
}
