using System.CommandLine;
using Auth0Mcp.Server.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Auth0Mcp.Server;

/// <summary>The command-line options of the servers (<c>serve</c>, <c>admin</c>); the environment and the settings file give the rest.</summary>
/// <param name="Http">Serve Streamable HTTP at this URL instead of stdio.</param>
/// <param name="ToolsMode"><c>full</c> or <c>progressive</c>.</param>
/// <param name="Config">A JSON settings file.</param>
internal sealed record HostArguments(string? Http, string? ToolsMode, string? Config)
{
    /// <summary>No options given: the settings come from the file and the environment.</summary>
    public static HostArguments None { get; } = new(null, null, null);

    /// <summary>
    /// The options, on a new <c>serve</c> or <c>admin</c> command; <c>--config</c> too unless <paramref name="withConfig"/>
    /// is false (in the command tree it is the root's, for every command: <see cref="ConfigOption"/>).
    /// </summary>
    public static Command Options(string name, string description, bool withConfig = true)
    {
        var command = new Command(name, description)
        {
            new Option<string>("--http") { Description = "Serve Streamable HTTP at this URL, e.g. http://127.0.0.1:8080/mcp (port 0 picks a free port; the host is an IP address or localhost, 0.0.0.0 for every interface).", HelpName = "URL" },
            new Option<string>("--tools-mode") { Description = "full: every entitled tool in tools/list (paginated); progressive: three tools (search, describe, call) under 4 KB.", HelpName = "full|progressive" }
                .WithCompletions("full", "progressive"),
        };
        if (withConfig)
        {
            command.Add(ConfigOption());
        }

        return command;
    }

    /// <summary><c>--config FILE</c>: the JSON settings file (instead of <c>AUTH0_MCP_CONFIG</c>).</summary>
    public static Option<string> ConfigOption() =>
        new("--config") { Description = "A JSON settings file (instead of AUTH0_MCP_CONFIG); the environment and options override it (see auth0-mcp --help).", HelpName = "FILE" };

    /// <summary>The values of <see cref="Options"/> in <paramref name="parse"/>.</summary>
    public static HostArguments From(ParseResult parse) =>
        new(parse.GetValue<string>("--http"), parse.GetValue<string>("--tools-mode"), parse.GetValue<string>("--config"));
}

/// <summary><c>auth0-mcp serve</c>: MCP over stdio. Logs go to stderr; stdout carries only the protocol.</summary>
internal static class ServeCommand
{
    /// <summary><c>serve [--http URL] [--tools-mode MODE] [--config FILE]</c>.</summary>
    public static Command Command(CliContext context)
    {
        var command = HostArguments.Options("serve", "Serve MCP over stdio (the default), or over Streamable HTTP with --http (callers authenticate with a JWT or an API key).", withConfig: false);
        command.SetAction((parse, ct) => RunAsync(HostConfiguration.Load(HostArguments.From(parse), context.Environment), context.Error, ct));
        return command;
    }

    /// <summary><c>admin --http URL [--config FILE]</c>: the admin console alone against the store.</summary>
    public static Command AdminCommand(CliContext context)
    {
        var command = HostArguments.Options("admin", "Serve only the admin console (govern tools in a browser) against the store, e.g. --http http://127.0.0.1:8081 (AUTH0_MCP_ADMIN=on serves it under /admin of serve --http).", withConfig: false);
        command.SetAction((parse, ct) => Http.AdminServe.RunAsync(HostConfiguration.Load(HostArguments.From(parse), context.Environment, HostRole.Admin), context.Error, ct));
        return command;
    }

    /// <summary>Serves with <paramref name="settings"/>: stdio, or HTTP when they name a URL.</summary>
    public static async Task<int> RunAsync(HostSettings settings, TextWriter stderr, CancellationToken cancellationToken)
    {
        // The settings: HostConfiguration.cs; HTTP: Http/HttpServe.cs.
        if (settings.HttpUrl is not null)
        {
            return await Http.HttpServe.RunAsync(settings, stderr, cancellationToken).ConfigureAwait(false);
        }

        // Huge pages for the start-up burst's heap, and no collection in it: the trim after the first listing takes the
        // advice back and ends the hold (StartupHugePages.cs, StartupTrim.cs).
        StartupHugePages.Advise(StartupHugePages.Fallback);
        StartupTrim.Hold();
        // No default sources (appsettings files and their watchers, DOTNET_ variables, the command line) and no default
        // logging providers: the settings were bound and validated once (HostConfiguration.cs), so start-up pays for neither.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        HostLogging.Configure(builder.Logging, settings.Server);
        // stdin passes through the transport guard (size, shape; refusals answered and audited): Transport/StdioGuard.cs.
        IServiceProvider? services = null;
        var caller = settings.Governance.StdioCaller;
        // stdin ended and a call still runs after the drain (it waits on the client that left, e.g. for a confirmation):
        // stopping the host cancels it as SIGTERM does, and the call records its cancellation.
        var guard = new Transport.StdioGuard(Console.OpenStandardInput(), Console.OpenStandardOutput(), Transport.TransportLimits.From(settings.Server),
            (refusal, bytes, sha256) => Transport.TransportAudit.RecordAsync(services, refusal, bytes, sha256, caller, null),
            overdue: () => services?.GetService<IHostApplicationLifetime>()?.StopApplication());
        builder.Services.AddAuth0Mcp(settings).WithStdioGuard(guard);
        // After governance's start (hosted services start in order): why a client may see no tool or be refused every call.
        builder.Services.AddSingleton<IHostedService>(sp => new StdioStartHints(sp, settings.Governance, stderr));
        using var host = builder.Build();
        services = host.Services;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var signals = HostLogging.AnnounceStopSignals(stderr, host.Services.GetRequiredService<IHostApplicationLifetime>());
        var pump = guard.PumpAsync(stop.Token);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested || cancellationToken.IsCancellationRequested)
        {
            // Asked to stop while still starting (stdin ended at once: `docker run` without -i; a signal): the start's
            // work was cancelled, which is a stop, not a failure (the Native AOT build, quicker to read stdin's end, met
            // it on a new store most times).
        }

        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            // A read of stdin may not notice the cancellation; the process is ending anyway.
            await pump.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        if (guard.EndedEmpty)
        {
            await stderr.WriteLineAsync("auth0-mcp: standard input ended before any request. `serve` speaks MCP over stdin/stdout with the client that starts it (in a container: docker run -i ...), or over HTTP with --http URL.").ConfigureAwait(false);
        }

        return 0;
    }
}

/// <summary>
/// What <c>serve</c> over stdio says on stderr once it has started, when a client would otherwise see nothing and not
/// know why (stdout is the MCP channel; <c>serve --http</c> prints its own start line): with governance on, that
/// <c>AUTH0_MCP_USER</c> (the stdio caller) is not set, so every call is refused as having no caller identity; and that
/// no tool is approved yet, so every client lists none. The state is the one governance read at start (one version
/// read, no write).
/// </summary>
internal sealed class StdioStartHints(IServiceProvider services, GovernanceSettings settings, TextWriter stderr) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Enabled)
        {
            return;
        }

        if (settings.StdioCaller is null)
        {
            await stderr.WriteLineAsync("auth0-mcp: warning: AUTH0_MCP_USER is not set: over stdio every call is refused as having no caller identity "
                + "(set it, and AUTH0_MCP_GROUPS, to who the client acts for: the user the profiles name)").ConfigureAwait(false);
        }

        if (services.GetService<Auth0Mcp.Sdk.Governance.ToolGovernance>() is not { } governance)
        {
            return;
        }

        int approved;
        try
        {
            approved = Auth0Mcp.Sdk.Governance.ToolGovernance.ResolveToolset(await governance.GetCurrentAsync(cancellationToken).ConfigureAwait(false), Auth0Mcp.Sdk.Governance.Toolset.AllApproved).Count;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return; // a hint never stops the start: a store that cannot be read is said by the first request
        }

        if (approved == 0)
        {
            await stderr.WriteLineAsync($"auth0-mcp: warning: no tool is approved yet in {governance.Store.Description}: clients list none until one is; "
                + "run auth0-mcp tools approve NAME|GLOB (e.g. 'auth0_users_list'; auth0-mcp tools list shows them)").ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
