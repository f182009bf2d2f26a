namespace Auth0Mcp.Sdk.Http;

/// <summary>Why an Auth0 call got no usable answer.</summary>
public enum Auth0FailureKind
{
    /// <summary>Auth0 could not be reached (connection refused or reset, DNS, TLS).</summary>
    Network,

    /// <summary>One attempt took longer than the attempt timeout and the method is not retried.</summary>
    AttemptTimeout,

    /// <summary>The call's retry budget ran out before an answer came.</summary>
    BudgetExhausted,

    /// <summary>The request was not sent: its path does not have the operation's shape (e.g. a <c>..</c> parameter).</summary>
    RefusedPath,

    /// <summary>The request was not sent: an argument bound for a header holds a character no header may carry.</summary>
    RefusedHeader,

    /// <summary>The request was not sent: no credential is configured, or no token could be obtained.</summary>
    Credential,

    /// <summary>The request was not sent: no tenant is configured, or the connection's options are invalid.</summary>
    Configuration,
}

/// <summary>
/// An Auth0 call failed without a final HTTP response. The message is concise, says what was tried, and never
/// contains a credential.
/// </summary>
public sealed class Auth0HttpException : Exception
{
    /// <summary>Creates the exception.</summary>
    public Auth0HttpException(Auth0FailureKind kind, string message, int attempts, Exception? inner = null)
        : base(Auth0Mcp.Sdk.Auth.Auth0Redaction.Redact(message), inner)
    {
        Kind = kind;
        Attempts = attempts;
    }

    /// <summary>What went wrong.</summary>
    public Auth0FailureKind Kind { get; }

    /// <summary>How many HTTP attempts were made.</summary>
    public int Attempts { get; }
}
