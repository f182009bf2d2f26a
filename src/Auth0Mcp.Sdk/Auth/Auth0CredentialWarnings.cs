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
/// </summary>
internal sealed partial class Auth0CredentialWarnings(TimeProvider time, ILoggerFactory? loggers = null)
{
    /// <summary>The log category of the warning.</summary>
    internal const string Category = "Auth0Mcp.Sdk.Auth.Credential";

    // The factory, not ILogger<T>: no generic logger type is built (the Native AOT start-up builds none at run time).
    private readonly ILogger _logger = loggers?.CreateLogger(Category) ?? NullLogger.Instance;
    private readonly WindowedAdmission<string> _lines = new(1, Interval, time);

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
            Warn(_logger, why, unsaid + 1, (int)Interval.TotalSeconds);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Auth0 calls fail for a credential reason: {Why} ({Count} failed calls since the last such line; at most one line every {Seconds} s). Every call fails until the credential changes: AUTH0_TOKEN, or AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (`auth0-mcp credentials rotate` applies a new one without a restart)")]
    private static partial void Warn(ILogger logger, string why, int count, int seconds);
}
