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
