using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Auth0Mcp.Server;

/// <summary>
/// The log of every host (<c>serve</c> over stdio or HTTP, <c>admin</c>): warnings and worse to stderr, each entry
/// through <see cref="TerminalConsoleFormatter"/>, so text a client chose (its <c>clientInfo.name</c>, a JSON-RPC method,
/// a header) cannot move the cursor, clear a line or set the clipboard of the terminal that shows the log.
/// </summary>
internal static class HostLogging
{
    /// <summary>Replaces <paramref name="logging"/>'s providers with the console, to stderr, at Warning.</summary>
    public static void Configure(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddConsole(o =>
        {
            o.LogToStandardErrorThreshold = LogLevel.Trace;
            o.FormatterName = TerminalConsoleFormatter.FormatterName;
        });
        // An instance, not AddConsoleFormatter<,>: that binds an options type from configuration by reflection, and
        // this formatter has no options.
        logging.Services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(ConsoleFormatter), new TerminalConsoleFormatter()));
        logging.SetMinimumLevel(LogLevel.Warning);
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
