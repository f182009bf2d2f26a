using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
    /// Says on <paramref name="stderr"/>, in one line, that SIGTERM or SIGINT stops the server (the host stops on them
    /// on its own, and at Warning says nothing, so an operator saw a server end without a word). Dispose to stop.
    /// </summary>
    public static IDisposable AnnounceStopSignals(TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        // The host's own handlers still run (and cancel the default termination): these only say so.
        return new Registrations(
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => stderr.WriteLine("auth0-mcp: stopping (SIGTERM)")),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => stderr.WriteLine("auth0-mcp: stopping (SIGINT)")));
    }

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
