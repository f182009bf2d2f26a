using System.Net;
using Auth0Mcp.Server.Http;

namespace Auth0Mcp.Server.Tests.Http;

/// <summary>
/// The local user's peer check reads the owner of the connection's client socket from <c>/proc/net/tcp</c> and
/// <c>tcp6</c>: the socket whose local end is the connection's remote end and whose remote end is the server's, never the
/// server's own accepted socket (the reverse), and never a closed one lingering with uid 0. Sample lines as Linux prints
/// them on a little-endian machine: a dual-stack server on port 53987 (D2E3), an IPv4 client from 127.0.0.1:39690 (9B0A)
/// as uid 1002, an IPv6 client from [::1]:41608 (A288) as uid 1003, the server's accepted sockets as uid 1001.
/// </summary>
public sealed class LoopbackPeerTests
{
    private static readonly string[] Tcp =
    [
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
        "   3: 0100007F:9B0A 0100007F:D2E3 01 00000000:00000000 00:00000000 00000000  1002        0 2417157 2 0000000025a111b4 20 0 0 10 -1",
        "   4: 0100007F:9B0B 0100007F:D2E3 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000",
    ];

    private static readonly string[] Tcp6 =
    [
        "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
        "   0: 00000000000000000000000000000000:D2E3 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 2417156 1 00000000ba5705dd 100 0 0 10 0",
        "   2: 0000000000000000FFFF00000100007F:D2E3 0000000000000000FFFF00000100007F:9B0A 01 00000000:00000000 00:00000000 00000000  1001        0 2417158 1 00000000fa6cac45 20 0 0 10 -1",
        "   3: 00000000000000000000000001000000:D2E3 00000000000000000000000001000000:A288 01 00000000:00000000 00:00000000 00000000  1001        0 2417160 1 0000000034e0b8f8 20 0 0 10 -1",
        "   6: 00000000000000000000000001000000:A288 00000000000000000000000001000000:D2E3 01 00000000:00000000 00:00000000 00000000  1003        0 2417159 2 00000000329be1b4 20 0 0 10 -1",
    ];

    private static uint? Owner(string client, int clientPort, string server, int serverPort) =>
        LoopbackPeer.FindOwner([.. Tcp, .. Tcp6], new IPEndPoint(IPAddress.Parse(client), clientPort), new IPEndPoint(IPAddress.Parse(server), serverPort));

    [Theory]
    [InlineData("127.0.0.1", 39690, "127.0.0.1", 53987, 1002u)] // an IPv4 listener's view
    [InlineData("::ffff:127.0.0.1", 39690, "::ffff:127.0.0.1", 53987, 1002u)] // a dual-stack listener's view of the same client
    [InlineData("::1", 41608, "::1", 53987, 1003u)]
    [InlineData("127.0.0.1", 39691, "127.0.0.1", 53987, null)] // closed (TIME_WAIT: uid 0, inode 0): nobody's
    [InlineData("127.0.0.1", 39690, "127.0.0.1", 53988, null)] // no such connection
    public void FindOwner_TheClientSocketsUid(string client, int clientPort, string server, int serverPort, uint? uid)
    {
        if (!BitConverter.IsLittleEndian)
        {
            return; // the samples are a little-endian machine's
        }

        Assert.Equal(uid, Owner(client, clientPort, server, serverPort));
    }

    [Fact]
    public void FindOwner_NeverTakesTheServersAcceptedSocketForTheClients()
    {
        if (!BitConverter.IsLittleEndian)
        {
            return;
        }

        // Asked the other way round (the server's end as the "client"), the accepted socket's owner is the answer; the
        // check always asks with the connection's remote end as the client, so it finds 1002, not the server's 1001.
        Assert.Equal(1001u, Owner("::ffff:127.0.0.1", 53987, "::ffff:127.0.0.1", 39690));
        Assert.Equal(1002u, Owner("::ffff:127.0.0.1", 39690, "::ffff:127.0.0.1", 53987));
    }

    [Theory]
    [InlineData("0100007F:1F90", "127.0.0.1", 8080)]
    [InlineData("00000000:0000", "0.0.0.0", 0)]
    [InlineData("00000000000000000000000001000000:A288", "::1", 41608)]
    [InlineData("0000000000000000FFFF00000100007F:D2E3", "::ffff:127.0.0.1", 53987)]
    [InlineData("B80D0120000000000000000001000000:0050", "2001:db8::1", 80)]
    public void TryParseEndPoint_TheKernelsHexWords(string text, string address, int port)
    {
        if (!BitConverter.IsLittleEndian)
        {
            return;
        }

        Assert.True(LoopbackPeer.TryParseEndPoint(text, out var parsed, out var parsedPort));
        Assert.Equal(IPAddress.Parse(address), parsed);
        Assert.Equal(port, parsedPort);
    }

    [Theory]
    [InlineData("local_address")]
    [InlineData("0100007F")]
    [InlineData("0100007:1F90")]
    [InlineData("0100007G:1F90")]
    [InlineData("0100007F:XYZ")]
    public void TryParseEndPoint_AnythingElse_IsNotAnEndPoint(string text) =>
        Assert.False(LoopbackPeer.TryParseEndPoint(text, out _, out _));
}
