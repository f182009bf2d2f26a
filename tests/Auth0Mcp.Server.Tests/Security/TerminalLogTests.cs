using System.Diagnostics;
using System.Text;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Http;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Server.Tests.Security;

/// <summary>
/// The hosts' stderr log shows what a client chose (its <c>clientInfo.name</c>, a JSON-RPC method) escaped: no escape
/// sequence reaches the operator's terminal (to set the clipboard, erase a line) and no line break forges a log line.
/// </summary>
public sealed class TerminalLogTests
{
    // OSC 52 sets the terminal's clipboard; ESC[2K and CR erase the line and start it again.
    private const string ClientName = "\u001b]52;c;ZWNobyBwd25lZAo=\u0007evil";
    private const string Method = "zz\u001b[2K\rinfo: admin approved";

    [Fact]
    public void Formatter_MessageAndExceptionWithControlCharacters_EscapedOnOneLineEach()
    {
        var formatter = new TerminalConsoleFormatter();
        var writer = new StringWriter();
        var entry = new LogEntry<string>(LogLevel.Warning, "auth0-mcp.transport", new EventId(7), "Client (" + ClientName + ") method '" + Method + "'\nfail: forged",
            new InvalidOperationException("bad\r\n\u001b[31mred"), (state, _) => state);

        formatter.Write(entry, null, writer);

        var lines = writer.ToString().Split(Environment.NewLine);
        Assert.Equal(
            [
                "warn: auth0-mcp.transport[7]",
                @"      Client (\u001b]52;c;ZWNobyBwd25lZAo=\u0007evil) method 'zz\u001b[2K\rinfo: admin approved'\nfail: forged",
                @"      System.InvalidOperationException: bad\r\n\u001b[31mred",
                "",
            ],
            lines);
    }

    [Fact]
    public void Formatter_Cancellation_OneLineWithoutTheStackTrace()
    {
        // Every call a client cancels was logged by the SDK as a handler failure with the whole stack trace.
        var formatter = new TerminalConsoleFormatter();
        var writer = new StringWriter();
        Exception cancelled;
        try
        {
            throw new TaskCanceledException("The operation was canceled.");
        }
        catch (TaskCanceledException ex)
        {
            cancelled = ex;
        }

        formatter.Write(new LogEntry<string>(LogLevel.Warning, "ModelContextProtocol.Server.McpServer", new EventId(1), "method 'tools/call' request handler failed", cancelled, (state, _) => state), null, writer);

        Assert.Equal(
            [
                "warn: ModelContextProtocol.Server.McpServer[1]",
                "      method 'tools/call' request handler failed",
                "      System.Threading.Tasks.TaskCanceledException: The operation was canceled.",
                "",
            ],
            writer.ToString().Split(Environment.NewLine));
    }

    [Fact]
    public void Formatter_HostFailedToStartOnTheGovernanceStore_WritesNothing_OtherHostFailuresStay()
    {
        // Cli.cs says the store's error in one line (exit 2): the host's "Hosting failed to start" and its stack trace
        // before it buried that line.
        var formatter = new TerminalConsoleFormatter();
        var store = new InvalidOperationException("start", new GovernanceStoreException("governance.db", "the store is locked by another process"));
        var writer = new StringWriter();
        formatter.Write(new LogEntry<string>(LogLevel.Error, "Microsoft.Extensions.Hosting.Internal.Host", new EventId(11), "Hosting failed to start", store, (state, _) => state), null, writer);
        Assert.Empty(writer.ToString());

        formatter.Write(new LogEntry<string>(LogLevel.Error, "Microsoft.Extensions.Hosting.Internal.Host", new EventId(11), "Hosting failed to start", new InvalidOperationException("other"), (state, _) => state), null, writer);
        Assert.Contains("Hosting failed to start", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_Sigterm_SaysItStopsInOneLine()
    {
        // The host stops on SIGTERM on its own, and at Warning it said nothing: the server ended without a word.
        using var home = new TestHome();
        using var server = Repo.StartServer(home.Environment(new Uri("http://127.0.0.1:9/"), "piper"), "serve");
        var stderr = server.StandardError.ReadToEndAsync();
        await server.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""" + "\n"));
        await server.StandardInput.BaseStream.FlushAsync();
        Assert.NotNull(await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));

        using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var exited = server.WaitForExit(60_000);
        if (!exited)
        {
            server.Kill(entireProcessTree: true);
        }

        Assert.True(exited, "the server did not stop on SIGTERM");
        Assert.Contains("auth0-mcp: stopping (SIGTERM)", await stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpHost_LogsThroughTheEscapingFormatter()
    {
        await using var server = await InProcessServer.StartAsync(Settings.Load(
            new Dictionary<string, string?>
            {
                ["AUTH0_TOKEN"] = "test-token-http-1",
                ["AUTH0_MCP_BASE_URL"] = "http://127.0.0.1:9/api/v2",
                ["AUTH0_MCP_API_KEYS"] = "k1234567890123456abcdef=alice",
            },
            "--http",
            "http://127.0.0.1:0/mcp"));

        var services = server.App.Services;
        Assert.Equal(TerminalConsoleFormatter.FormatterName, services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        Assert.Single(services.GetServices<ConsoleFormatter>(), f => f is TerminalConsoleFormatter);
        Assert.Equal(LogLevel.Trace, services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.LogToStandardErrorThreshold);
    }

    [Fact]
    public async Task Serve_ClientNameAndMethodWithEscapes_TheStderrLogShowsThemEscaped()
    {
        using var home = new TestHome();
        await home.GrantEverythingAsync("mallory");
        await using var auth0 = new RecordingHttpServer(body: "[]");
        var psi = new ProcessStartInfo(Repo.ServerFile) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in Repo.ServerArgs("serve"))
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in home.Environment(auth0.BaseUrl, "mallory"))
        {
            psi.Environment[key] = value;
        }

        using var server = Process.Start(psi)!;
        var stderr = server.StandardError.ReadToEndAsync();
        var stdin = new StreamWriter(server.StandardInput.BaseStream, new UTF8Encoding(false)) { NewLine = "\n" };
        try
        {
            await stdin.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"\\u001b]52;c;ZWNobyBwd25lZAo=\\u0007evil\",\"version\":\"1\"}}}");
            await stdin.FlushAsync();
            Assert.NotNull(await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
            await stdin.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            await stdin.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"zz\\u001b[2K\\rinfo: admin approved\"}");
            await stdin.FlushAsync();
            Assert.NotNull(await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            stdin.Close();
            if (!server.WaitForExit(20_000))
            {
                server.Kill();
            }
        }

        var log = await stderr;
        Assert.True(log.Contains(@"Client (\u001b]52;c;ZWNobyBwd25lZAo=\u0007evil 1)", StringComparison.Ordinal), log);
        Assert.True(log.Contains(@"'zz\u001b[2K\rinfo: admin approved'", StringComparison.Ordinal), log);
        Assert.DoesNotContain(log, c => c != '\n' && TerminalText.IsUnprintable(c));
    }
}
