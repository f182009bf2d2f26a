using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Auth0Mcp.Sdk.Auth;

/// <summary>
/// Warns the operator, in the host's log, that Auth0 calls fail for a credential reason: none configured, an expired
/// token, client credentials the token endpoint refused, a token the Management API answered 401 to. Every such call
/// fails until the credential changes, and the caller alone was told. At most one line every <see cref="Interval"/>,
/// with the count of such calls since the last line and why the last one failed; never the token, the secret or
/// Auth0's answer. The one place that counts them: <see cref="Http.Auth0BearerHandler"/> reports every call it sends.
/// After a warning, the first call the Management API answers with success (2xx) is told in one line too: calls work
/// again (once for each warning that was written; at most as often as those).
/// </summary>
internal sealed partial class Auth0CredentialWarnings(TimeProvider time, ILoggerFactory? loggers = null)
{
    /// <summary>The log category of the warning.</summary>
    internal const string Category = "Auth0Mcp.Sdk.Auth.Credential";

    // The factory, not ILogger<T>: no generic logger type is built (the Native AOT start-up builds none at run time).
    private readonly ILogger _logger = loggers?.CreateLogger(Category) ?? NullLogger.Instance;
    private readonly WindowedAdmission<string> _lines = new(1, Interval, time);

    // Why calls failed, as the last warning said, until a call succeeds (null: no warning since the last success).
    private string? _warned;

    /// <summary>The shortest time between two lines (one minute).</summary>
    internal static TimeSpan Interval { get; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Counts one call that failed because of <paramref name="why"/> (the server's words: no credential or Auth0
    /// answer in it), and warns when the last line is older than <see cref="Interval"/>.
    /// </summary>
    public void Failed(string why)
    {
        if (_lines.TryAdmit(Category, out var unsaid))
        {
            Volatile.Write(ref _warned, why);
            Warn(_logger, why, unsaid + 1, (int)Interval.TotalSeconds);
        }
    }

    /// <summary>
    /// Notes a call the Management API answered with success: when a warning was written since the last such note, says
    /// once that calls work again (so the operator who read the warning knows it is over).
    /// </summary>
    public void Succeeded()
    {
        if (Volatile.Read(ref _warned) is not null && Interlocked.Exchange(ref _warned, null) is { } why)
        {
            Works(_logger, why);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Auth0 calls fail for a credential reason: {Why} ({Count} failed calls since the last such line; at most one line every {Seconds} s). Every call fails until the credential changes: AUTH0_TOKEN, or AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (`auth0-mcp credentials rotate` applies a new one without a restart)")]
    private static partial void Warn(ILogger logger, string why, int count, int seconds);

    // A Warning, as the line it ends: at the default log level (Warning) an operator who saw one sees the other.
    [LoggerMessage(2, LogLevel.Warning, "Auth0 calls work again: the Management API answered a call with success after calls had failed for a credential reason ({Why})")]
    private static partial void Works(ILogger logger, string why);
}
