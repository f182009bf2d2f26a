using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// How the real process starts and stops: an address it cannot listen on is one line and exit 2 (it was SIGABRT with
/// the stack trace twice), a failure nobody expected is one line and exit 1, and SIGHUP and SIGQUIT stop it gracefully,
/// saying so (SIGHUP ended it mid-call without a word).
/// </summary>
public sealed class HostStartStopTests
{
    private const string ApiKey = "key-start-0123456789abcdef=alice:admins";

    [Theory]
    [InlineData("serve")]
    [InlineData("admin")]
    public async Task Http_PortTakenByAnotherProcess_OneLineNamingTheAddress_Exit2(string command)
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        using var home = new TestHome();
        var env = home.Environment(new Uri("http://127.0.0.1:9/"), "alice");
        env["AUTH0_MCP_API_KEYS"] = ApiKey;
        env["AUTH0_MCP_ADMIN_GROUPS"] = "admins"; // admin's own requirement

        var (code, stdout, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs(command, "--http", $"http://127.0.0.1:{port}/mcp"), env: env, timeout: TimeSpan.FromMinutes(2));

        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Empty(stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"auth0-mcp: cannot listen on http://127.0.0.1:{port}: address already in use", Assert.Single(lines, l => l.Contains("listen", StringComparison.Ordinal)));
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_AddressNotOnThisMachine_OneLineWithTheSocketError_Exit2()
    {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): no interface has it, so binding fails as port 80 fails for a non-root user,
        // with a SocketException of its own rather than Kestrel's "address already in use".
        using var home = new TestHome();
        var env = home.Environment(new Uri("http://127.0.0.1:9/"), "alice");
        env["AUTH0_MCP_API_KEYS"] = ApiKey;
        env["AUTH0_MCP_ALLOWED_ORIGINS"] = "https://console.example.test";

        var (code, _, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("serve", "--http", "http://192.0.2.1:18080/mcp"), env: env, timeout: TimeSpan.FromMinutes(2));

        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Contains("auth0-mcp: cannot listen on http://192.0.2.1:18080: cannot assign requested address", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_UnexpectedException_OneLineWithItsTypeAndMessage_Exit1()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext
        {
            Out = stdout,
            Error = stderr,
            OpenStore = () => throw new InvalidOperationException("the unexpected\nsecond line"),
            DefaultActor = "admin",
            GrantedScopes = () => null,
        };

        var code = await Cli.RunAsync(["tools", "list"], context, CancellationToken.None);

        Assert.Equal(Cli.Failed, code);
        Assert.Equal(@"auth0-mcp: unexpected error: System.InvalidOperationException: the unexpected\nsecond line" + Environment.NewLine, stderr.ToString());
        Assert.Empty(stdout.ToString());
    }

    [Theory]
    [InlineData("HUP")]
    [InlineData("QUIT")]
    public async Task Serve_SighupOrSigquit_StopsGracefullySayingSo_Exit0(string signal)
    {
        using var home = new TestHome();
        using var server = Repo.StartServer(home.Environment(new Uri("http://127.0.0.1:9/"), "piper"), "serve");
        var stderr = server.StandardError.ReadToEndAsync();
        await server.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""" + "\n"));
        await server.StandardInput.BaseStream.FlushAsync();
        Assert.NotNull(await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));

        using (var kill = Process.Start("kill", ["-" + signal, server.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var exited = server.WaitForExit(60_000);
        if (!exited)
        {
            server.Kill(entireProcessTree: true);
        }

        Assert.True(exited, $"the server did not stop on SIG{signal}");
        Assert.True(server.ExitCode == 0, $"exit {server.ExitCode}: {await stderr}");
        Assert.Contains($"auth0-mcp: stopping (SIG{signal})", await stderr, StringComparison.Ordinal);
    }
}
