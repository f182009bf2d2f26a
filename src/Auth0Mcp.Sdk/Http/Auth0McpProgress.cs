using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// Sends each report as an MCP <c>notifications/progress</c> with the request's progress token. Reports are
/// fire-and-forget: a client that went away does not fail the call.
/// </summary>
internal sealed class Auth0McpProgress : IProgress<ProgressNotificationValue>
{
    private readonly McpSession _session;
    private readonly ProgressToken _token;

    /// <summary>Creates the reporter for one request.</summary>
    public Auth0McpProgress(McpSession session, ProgressToken token)
    {
        _session = session ?? throw new ArgumentNullException(nameof(session));
        _token = token;
    }

    /// <summary>Returns a reporter when the request carries a progress token, else null.</summary>
    public static Auth0McpProgress? For(McpSession? session, ProgressToken? token) =>
        session is not null && token is { } t ? new Auth0McpProgress(session, t) : null;

    /// <inheritdoc />
    public void Report(ProgressNotificationValue value)
    {
        _ = SendAsync(value);
    }

    private async Task SendAsync(ProgressNotificationValue value)
    {
        try
        {
            await _session.NotifyProgressAsync(_token, value, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Progress is best effort.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
