using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Configuration;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using ModelContextProtocol;

namespace Auth0Mcp.Server;

/// <summary>
/// The log of every host (<c>serve</c> over stdio or HTTP, <c>admin</c>): to stderr (stdout is the MCP channel over
/// stdio), from the level <c>AUTH0_MCP_LOG_LEVEL</c> names (Warning by default), each entry either through
/// <see cref="TerminalConsoleFormatter"/>, so text a client chose (its <c>clientInfo.name</c>, a JSON-RPC method, a
/// header) cannot move the cursor, clear a line or set the clipboard of the terminal that shows the log, or, with
/// <c>AUTH0_MCP_LOG_FORMAT=json</c>, as one JSON object per line with its UTC time (the framework's JSON console
/// formatter), for a log collector.
/// </summary>
internal static class HostLogging
{
    /// <summary>The level names <c>AUTH0_MCP_LOG_LEVEL</c> takes, least severe first (not None: a store fault must be seen).</summary>
    private static readonly LogLevel[] Levels = [LogLevel.Trace, LogLevel.Debug, LogLevel.Information, LogLevel.Warning, LogLevel.Error, LogLevel.Critical];

    /// <summary>The level <paramref name="text"/> names (any case; unset: Warning), or false.</summary>
    public static bool TryParseLevel(string? text, out LogLevel level)
    {
        level = LogLevel.Warning;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        // Not Enum.TryParse: it takes numbers ("3") and lists ("Debug, Error").
        foreach (var candidate in Levels)
        {
            if (string.Equals(text.Trim(), candidate.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                level = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="text"/> names a log format (unset, <c>text</c> or <c>json</c>, any case); <paramref name="json"/>: it is json.</summary>
    public static bool TryParseFormat(string? text, out bool json)
    {
        var format = text?.Trim().ToLowerInvariant();
        json = format == "json";
        return string.IsNullOrEmpty(format) || format is "text" or "json";
    }

    /// <summary>Replaces <paramref name="logging"/>'s providers with the console, to stderr, at the level and in the format <paramref name="server"/> names.</summary>
    public static void Configure(ILoggingBuilder logging, ServerSettings server)
    {
        ArgumentNullException.ThrowIfNull(logging);
        ArgumentNullException.ThrowIfNull(server);
        // The settings were validated (HostSettings): a name that does not parse cannot reach here.
        TryParseLevel(server.LogLevel, out var level);
        TryParseFormat(server.LogFormat, out var json);
        logging.ClearProviders();
        IgnoreLoggingConfiguration(logging.Services);
        logging.AddConsole(o =>
        {
            o.LogToStandardErrorThreshold = LogLevel.Trace;
            o.FormatterName = json ? ConsoleFormatterNames.Json : TerminalConsoleFormatter.FormatterName;
        });
        if (json)
        {
            // One line per entry (the writer is not indented; a message's line breaks are escaped in its JSON string).
            logging.Services.Configure<JsonConsoleFormatterOptions>(o =>
            {
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                o.UseUtcTimestamp = true;
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            // An instance, not AddConsoleFormatter<,>: that binds an options type from configuration by reflection, and
            // this formatter has no options.
            logging.Services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(ConsoleFormatter), new TerminalConsoleFormatter()));
        }

        // The console's provider, behind the one that quiets the MCP SDK's per-request noise (QuietSdkLoggerProvider).
        foreach (var console in logging.Services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)).ToList())
        {
            logging.Services.Remove(console);
        }

        logging.Services.AddSingleton<ILoggerProvider>(services => new QuietSdkLoggerProvider(
            new ConsoleLoggerProvider(services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>(), services.GetServices<ConsoleFormatter>()), level));
        logging.SetMinimumLevel(level);
    }

    /// <summary>
    /// Takes out of <paramref name="services"/> what binds the configuration's <c>Logging</c> section to the log: ASP.NET
    /// Core's builder (<c>serve --http</c>, <c>admin --http</c>) reads it from the environment (<c>Logging__LogLevel__Default</c>,
    /// <c>ASPNETCORE_Logging__…</c>, <c>DOTNET_Logging__…</c>), and its levels overrode <c>AUTH0_MCP_LOG_LEVEL</c> (Trace lines
    /// at Error), its <c>Logging:Console</c> keys the console's options. The filter's rules and the console's options are
    /// then only what <see cref="Configure"/> and the hosts set.
    /// </summary>
    private static void IgnoreLoggingConfiguration(IServiceCollection services)
    {
        // LoggingBuilderExtensions.AddConfiguration(IConfiguration) registers three instances: the filter's rules
        // (LoggerFilterConfigureOptions) and the section the providers' options bind from (LoggingConfiguration), both
        // internal to Microsoft.Extensions.Logging.Configuration, and the section's change token.
        var binding = typeof(ILoggerProviderConfigurationFactory).Assembly;
        foreach (var bound in services.Where(d => !d.IsKeyedService
            && (d.ImplementationInstance?.GetType().Assembly == binding || d.ImplementationInstance is ConfigurationChangeTokenSource<LoggerFilterOptions>)).ToList())
        {
            services.Remove(bound);
        }
    }

    /// <summary>
    /// Says on <paramref name="stderr"/>, in one line, which signal stops the server (the host stops on SIGTERM, SIGINT
    /// and SIGQUIT on its own, and at Warning says nothing, so an operator saw a server end without a word), and stops
    /// it on SIGHUP the same graceful way (the host leaves SIGHUP to the runtime, which ended the process at once: a
    /// call in flight got no answer and its audit record no outcome). Dispose to stop.
    /// </summary>
    public static IDisposable AnnounceStopSignals(TextWriter stderr, IHostApplicationLifetime lifetime)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(lifetime);
        // The host's own handlers still run for SIGTERM, SIGINT and SIGQUIT (they cancel the default termination and stop
        // the application); SIGHUP gets what they do.
        return new Registrations(
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Announce),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Announce),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Announce),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                Announce(context);
                context.Cancel = true;
                lifetime.StopApplication();
            }));

        void Announce(PosixSignalContext context) => stderr.WriteLine($"auth0-mcp: stopping ({Name(context.Signal)})");
    }

    private static string Name(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGTERM => "SIGTERM",
        PosixSignal.SIGINT => "SIGINT",
        PosixSignal.SIGQUIT => "SIGQUIT",
        PosixSignal.SIGHUP => "SIGHUP",
        _ => signal.ToString(),
    };

    private sealed class Registrations(params IDisposable[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }
    }
}

/// <summary>
/// Logs what <paramref name="inner"/> logs (the console, in either format), except:
/// <list type="bullet">
/// <item>the MCP SDK's warnings about a request the client got wrong are logged at Debug: a method the server does not
/// have (<c>… received request for method 'foo/bar', but no handler is available.</c> and its <c>… request handler
/// failed</c> with the -32601 it answers) and params a handler refuses (<c>… request handler failed</c> with -32602, e.g.
/// a <c>tools/list</c> cursor the server never gave). Each is the client's mistake, answered to it, that any
/// authenticated client could otherwise repeat into a warning (and a stack trace) a request. Every other SDK warning
/// stays;</item>
/// <item>nothing of the SDK's (nor of the server's transports, which run the SDK's) below Debug: its Trace entries hold every JSON-RPC message whole (a tool's arguments, a
/// password among them, and its result), which the audit keeps only masked;</item>
/// <item>the host's "Hosting failed to start" for a governance store that cannot be used at start or an address it
/// cannot listen on: <c>Cli.cs</c> / <c>ListenFailure.cs</c> say so in one line naming the store or the address (exit
/// 2), and the host's entry with its stack trace before it would only bury that line; nor for a start cancelled because
/// the server was asked to stop meanwhile (stdin ended at once, a signal: a stop, <c>ServeCommand</c>).</item>
/// </list>
/// <paramref name="minimum"/>: the least level logged (<c>AUTH0_MCP_LOG_LEVEL</c>; the console logger does not filter).
/// </summary>
internal sealed class QuietSdkLoggerProvider(ILoggerProvider inner, LogLevel minimum) : ILoggerProvider, ISupportExternalScope
{
    /// <summary>The SDK's categories (<c>ModelContextProtocol.Server.McpServer</c>, …).</summary>
    private const string SdkCategories = "ModelContextProtocol.";

    /// <summary>The server's transports, which run the SDK's stream transport under their own category (its Trace entries too).</summary>
    private const string TransportCategories = "Auth0Mcp.Server.Transport.";

    /// <summary>
    /// Whether the SDK's entry <paramref name="eventId"/> is about a client's mistake answered to it: a request for a
    /// method the server has none of (-32601), or with params its handler refuses (-32602).
    /// </summary>
    /// <remarks>Its event names are its logging methods' (McpSessionHandler: LoggerMessage without an explicit id).</remarks>
    internal static bool IsClientMistake(EventId eventId, Exception? exception) =>
        eventId.Name == "LogNoHandlerFoundForRequest"
        || (eventId.Name == "LogRequestHandlerException" && exception is McpProtocolException { ErrorCode: McpErrorCode.MethodNotFound or McpErrorCode.InvalidParams });

    /// <summary>The host's own category, whose "Hosting failed to start" is left out for the failures said in one line.</summary>
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>Whether <paramref name="exception"/> is a start-up failure the CLI says in one line (the store, the listen address).</summary>
    internal static bool SaidInOneLine(Exception? exception) =>
        exception is not null && (Sdk.Governance.GovernanceStoreException.Find(exception) is not null || Http.ListenFailure.Reason(exception) is not null
            || exception is OperationCanceledException); // a start cancelled by a stop: a stop, said as one (ServeCommand)

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith(SdkCategories, StringComparison.Ordinal) || categoryName.StartsWith(TransportCategories, StringComparison.Ordinal) ? new Quiet(logger, minimum)
            : categoryName == HostCategory ? new HostStart(logger)
            : logger;
    }

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

    public void Dispose() => inner.Dispose();

    private sealed class Quiet(ILogger inner, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        // Below Debug the SDK writes whole messages: never (it asks before it formats them).
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel < LogLevel.Debug)
            {
                return;
            }

            if (logLevel > LogLevel.Debug && IsClientMistake(eventId, exception))
            {
                if (minimum > LogLevel.Debug)
                {
                    return;
                }

                logLevel = LogLevel.Debug;
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }

    private sealed class HostStart(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!SaidInOneLine(exception))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
