using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace Auth0Mcp.Server.Http;

/// <summary>
/// Whose a loopback TCP connection is: a loopback port is open to every account on the machine (unlike stdio, which
/// only the process that started the server holds), so the local user (<c>AUTH0_MCP_HTTP_LOCAL_USER</c>) is given only
/// to a connection whose client socket belongs to the server's own effective user. Linux only: the client's socket is
/// looked up in <c>/proc/net/tcp</c> and <c>/proc/net/tcp6</c> (its local address is the connection's remote end, its
/// remote address the connection's local end) and its owner compared with <c>geteuid()</c>. Whatever cannot be
/// determined is refused.
/// </summary>
internal static class LoopbackPeer
{
    private static readonly string[] Tables = ["/proc/net/tcp", "/proc/net/tcp6"];

    /// <summary>Why <paramref name="connection"/> is not known to come from this process's own user, or null when it is.</summary>
    public static string? Problem(ConnectionInfo connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!OperatingSystem.IsLinux())
        {
            return "the connecting account can only be checked on Linux";
        }

        if (connection.RemoteIpAddress is not { } remote || connection.LocalIpAddress is not { } local)
        {
            return "the connection is not TCP over IP";
        }

        var client = new IPEndPoint(remote, connection.RemotePort);
        var server = new IPEndPoint(local, connection.LocalPort);
        uint? owner;
        try
        {
            owner = FindOwner(Tables.Where(File.Exists).SelectMany(File.ReadLines), client, server);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"the socket table cannot be read ({ex.Message})";
        }

        var self = Libc.GetEuid();
        return owner is not { } uid ? $"no open client socket {client} to {server} in /proc/net/tcp or tcp6, so whose it is cannot be told"
            : uid != self ? $"the client socket belongs to another account (uid {uid}; this server runs as uid {self})"
            : null;
    }

    /// <summary>
    /// The owner (uid) of the socket among <paramref name="lines"/> (of <c>/proc/net/tcp</c> or <c>tcp6</c>) whose local
    /// address is <paramref name="client"/> and remote address <paramref name="server"/>, still held by a process (inode
    /// not 0: a closed socket lingering in FIN_WAIT or TIME_WAIT shows uid 0), or null. IPv4-mapped IPv6 addresses
    /// match their IPv4 form (a dual-stack listener sees an IPv4 client as <c>::ffff:127.0.0.1</c>).
    /// </summary>
    internal static uint? FindOwner(IEnumerable<string> lines, IPEndPoint client, IPEndPoint server)
    {
        var (clientAddress, serverAddress) = (Plain(client.Address), Plain(server.Address));
        foreach (var line in lines)
        {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10
                || !TryParseEndPoint(fields[1], out var localAddress, out var localPort)
                || !TryParseEndPoint(fields[2], out var remoteAddress, out var remotePort)
                || !uint.TryParse(fields[7], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
                || !ulong.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
            {
                continue; // the header, or a line this parser does not know
            }

            if (localPort == client.Port && remotePort == server.Port && inode != 0
                && Plain(localAddress).Equals(clientAddress) && Plain(remoteAddress).Equals(serverAddress))
            {
                return uid;
            }
        }

        return null;
    }

    /// <summary>
    /// Reads <c>HEX_ADDRESS:HEX_PORT</c> as the kernel prints it: the address as 32-bit words in the machine's byte order
    /// (one word for IPv4, four for IPv6), the port as a number.
    /// </summary>
    internal static bool TryParseEndPoint(string text, out IPAddress address, out int port)
    {
        address = IPAddress.None;
        port = 0;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon is not (8 or 32) || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out port))
        {
            return false;
        }

        var bytes = new byte[colon / 2];
        for (var word = 0; word < bytes.Length / 4; word++)
        {
            if (!uint.TryParse(text.AsSpan(word * 8, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            // The word as it lies in memory: its bytes are the address's, in order.
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }

        address = new IPAddress(bytes);
        return true;
    }

    private static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
