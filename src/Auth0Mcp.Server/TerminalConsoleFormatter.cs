using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Auth0Mcp.Server;

/// <summary>
/// The console's simple layout (<c>warn: Category[0]</c>, then the message indented on the next line), in plain text,
/// with the message and the exception each escaped onto one line (<see cref="TerminalText.Escape"/>): the only line
/// breaks are the formatter's own, and no control or format character in a logged value reaches the terminal. A
/// cancellation is shown without its stack trace.
/// </summary>
internal sealed class TerminalConsoleFormatter : ConsoleFormatter
{
    /// <summary>The name the console's <see cref="ConsoleLoggerOptions.FormatterName"/> selects this formatter by.</summary>
    public const string FormatterName = "auth0-mcp";

    private const string Padding = "      ";

    public TerminalConsoleFormatter()
        : base(FormatterName)
    {
    }

    /// <inheritdoc />
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(TerminalText.Escape(logEntry.Category));
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id);
        textWriter.Write(']');
        textWriter.Write(Environment.NewLine);
        if (!string.IsNullOrEmpty(message))
        {
            textWriter.Write(Padding);
            textWriter.Write(TerminalText.Escape(message));
            textWriter.Write(Environment.NewLine);
        }

        if (logEntry.Exception is { } exception)
        {
            // The stack trace's line breaks too: an exception's message may hold a client's text. A cancellation (the
            // client's notifications/cancelled, a session closed, the server stopping) was asked for, not a fault: its
            // type and message only, without the stack.
            textWriter.Write(Padding);
            textWriter.Write(TerminalText.Escape(exception is OperationCanceledException ? $"{exception.GetType().FullName}: {exception.Message}" : exception.ToString()));
            textWriter.Write(Environment.NewLine);
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
