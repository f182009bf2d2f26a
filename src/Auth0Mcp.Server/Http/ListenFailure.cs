using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Server.Http;

/// <summary>
/// A host (<c>serve --http</c>, <c>admin</c>) that cannot listen on its address (taken by another process, a port below
/// 1024 without the privilege, an address this machine does not have): one line naming the address and why, exit 2
/// (<see cref="Cli.Usage"/>), in place of Kestrel's exception, which crashed the process (SIGABRT) with its stack trace
/// printed twice.
/// </summary>
internal static class ListenFailure
{
    /// <summary>
    /// Starts <paramref name="app"/>; false when it cannot listen on <paramref name="url"/>'s address, after saying so on
    /// <paramref name="stderr"/>. Every other start-up failure is thrown as before.
    /// </summary>
    public static async Task<bool> TryStartAsync(WebApplication app, Uri url, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (Reason(ex) is { } reason)
        {
            await stderr.WriteLineAsync($"auth0-mcp: cannot listen on {TerminalText.Escape($"{url.Scheme}://{url.Host}:{url.Port}")}: {reason}").ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>
    /// Why <paramref name="exception"/> says the host could not listen (<c>address already in use</c>, the socket's error),
    /// or null when it is another failure. Kestrel throws an <see cref="IOException"/> around an
    /// <see cref="AddressInUseException"/> for a taken port, and the <see cref="SocketException"/> itself for the others.
    /// </summary>
    public static string? Reason(Exception? exception) => exception switch
    {
        SocketException socket => Describe(socket),
        IOException io => Inner(io.InnerException),
        _ => null,
    };

    private static string? Inner(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AddressInUseException:
                    return "address already in use";
                case SocketException socket:
                    return Describe(socket);
                case AggregateException aggregate:
                    // localhost is two addresses (127.0.0.1 and ::1): a failure on each.
                    return aggregate.InnerExceptions.Select(Inner).FirstOrDefault(r => r is not null);
            }
        }

        return null;
    }

    private static string Describe(SocketException socket)
    {
        var text = socket.SocketErrorCode == SocketError.AddressAlreadyInUse ? "address already in use" : TerminalText.Escape(socket.Message)!;
        text = text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : socket.SocketErrorCode.ToString();
        return socket.SocketErrorCode == SocketError.AccessDenied
            ? text + " (a port below 1024 needs root or the CAP_NET_BIND_SERVICE capability)"
            : text;
    }
}
