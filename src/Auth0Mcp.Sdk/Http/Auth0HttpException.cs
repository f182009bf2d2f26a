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

    /// <summary>
    /// The caller cancelled the call (the MCP client's cancellation, or the server stopping). Whether Auth0 acted on
    /// a request already sent is unknown.
    /// </summary>
    Cancelled,
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

/// <summary>
/// The caller cancelled an Auth0 call. It is still a cancellation (the MCP SDK treats it as one), and it carries what
/// had happened by then: how many requests were handed on to be sent, and the status when Auth0's answer had begun.
/// The audit records it, so a cancelled delete says whether it may have reached Auth0.
/// </summary>
internal sealed class Auth0CallCancelledException(Auth0CallOutcome outcome, OperationCanceledException cancelled)
    : OperationCanceledException(cancelled.Message, cancelled, cancelled.CancellationToken)
{
    /// <summary>The call's outcome at the cancellation (<see cref="Auth0FailureKind.Cancelled"/>).</summary>
    public Auth0CallOutcome Outcome { get; } = outcome;
}
