using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests.Http;

/// <summary>
/// The HTTP server reads its settings from its own catalogue only: an <c>appsettings.json</c> in the working directory
/// (ASP.NET Core's default source) is neither read nor watched, so it cannot move the listening address past the
/// <c>--http</c> checks (HttpServe.NewBuilder); nor do Kestrel's endpoints in the environment.
/// </summary>
public sealed class WorkingDirectorySettingsTests
{
    [Fact]
    public async Task Serve_AnAppSettingsJsonInTheWorkingDirectory_IsNotRead_TheServerListensOnlyWhereHttpSays()
    {
        using var home = new TestHome();
        var stray = FreePort();
        // Before, Kestrel's endpoints from this file replaced the --http URL: the server listened here instead.
        await File.WriteAllTextAsync(Path.Combine(home.Dir, "appsettings.json"),
            "{\"Kestrel\":{\"Endpoints\":{\"stray\":{\"Url\":\"http://127.0.0.1:" + stray + "\"}}},\"Logging\":{\"LogLevel\":{\"Default\":\"Trace\"}}}");
        await ServeAndCheckAsync(home, stray, new Dictionary<string, string>());
    }

    [Theory]
    [InlineData("Kestrel__Endpoints__stray__Url")]
    [InlineData("ASPNETCORE_Kestrel__Endpoints__stray__Url")]
    [InlineData("DOTNET_Kestrel__Endpoints__stray__Url")]
    public async Task Serve_KestrelEndpointsInTheEnvironment_AreNotBound_TheServerListensOnlyWhereHttpSays(string variable)
    {
        // Before, Kestrel bound the environment's endpoints instead of the --http URL ("Overriding address(es)"): one
        // variable moved a loopback server to 0.0.0.0 past the --http checks.
        using var home = new TestHome();
        var stray = FreePort();
        await ServeAndCheckAsync(home, stray, new Dictionary<string, string> { [variable] = "http://127.0.0.1:" + stray });
    }

    private static async Task ServeAndCheckAsync(TestHome home, int stray, Dictionary<string, string> environment)
    {
        var psi = Repo.ServerStartInfo("serve", "--http", "http://127.0.0.1:0/mcp");
        psi.WorkingDirectory = home.Dir;
        psi.RedirectStandardInput = psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        foreach (var (key, value) in home.Environment(new Uri("http://127.0.0.1:9/"), "alice"))
        {
            psi.Environment[key] = value;
        }

        psi.Environment["AUTH0_MCP_API_KEYS"] = "k-0123456789abcdef0123=alice";
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }

        using var server = Process.Start(psi)!;
        try
        {
            string? url = null;
            var lines = new List<string>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (url is null && await server.StandardError.ReadLineAsync(timeout.Token) is { } line)
            {
                lines.Add(line);
                const string Listening = "MCP over Streamable HTTP at ";
                var at = line.IndexOf(Listening, StringComparison.Ordinal);
                url = at >= 0 ? line[(at + Listening.Length)..].Trim() : null;
            }

            Assert.True(url is not null, string.Join('\n', lines));
            Assert.NotEqual(stray, new Uri(url).Port);
            Assert.DoesNotContain(lines, l => l.StartsWith("trce:", StringComparison.Ordinal) || l.StartsWith("dbug:", StringComparison.Ordinal));
            using var refused = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => refused.ConnectAsync(IPAddress.Loopback, stray));
            using var listening = new TcpClient();
            await listening.ConnectAsync(IPAddress.Loopback, new Uri(url).Port);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
