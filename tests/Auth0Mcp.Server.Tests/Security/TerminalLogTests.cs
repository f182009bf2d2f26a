using System.Diagnostics;
using System.Text;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Http;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Log_HostFailedToStartOnTheGovernanceStoreOrTheListenAddress_WritesNothing_OtherHostFailuresStay(bool json)
    {
        // Cli.cs / ListenFailure.cs say the store's error or the address in one line (exit 2): the host's "Hosting failed
        // to start" and its stack trace before it buried that line, in either format (the filter is in front of both).
        var lines = new List<string>();
        using var provider = new QuietSdkLoggerProvider(new ListLoggerProvider(lines), json ? LogLevel.Trace : LogLevel.Warning);
        var host = provider.CreateLogger("Microsoft.Extensions.Hosting.Internal.Host");
        void Failed(Exception exception) => host.Log(LogLevel.Error, new EventId(11), "Hosting failed to start", exception, (state, _) => state);

        Failed(new InvalidOperationException("start", new GovernanceStoreException("governance.db", "the store is locked by another process")));
        Failed(new IOException("Failed to bind to address http://127.0.0.1:1: address already in use.", new Microsoft.AspNetCore.Connections.AddressInUseException("in use")));
        Assert.Empty(lines);

        Failed(new InvalidOperationException("other"));
        Assert.Equal(["Error Hosting failed to start"], lines);
    }

    [Fact]
    public void QuietSdk_TraceEntries_NeverLogged_TheyHoldWholeMessages()
    {
        var lines = new List<string>();
        using var provider = new QuietSdkLoggerProvider(new ListLoggerProvider(lines), LogLevel.Trace);
        var sdk = provider.CreateLogger("ModelContextProtocol.Server.StdioServerTransport");
        Assert.False(sdk.IsEnabled(LogLevel.Trace));
        sdk.Log(LogLevel.Trace, new EventId(1, "LogTransportReceivedMessageSensitive"), "received: {\"password\":\"x\"}", null, (state, _) => state);
        sdk.Log(LogLevel.Debug, new EventId(2), "debug entry", null, (state, _) => state);
        provider.CreateLogger("Auth0Mcp.Server.Transport.StdioGuardTransport").Log(LogLevel.Trace, new EventId(4), "the transport's trace", null, (state, _) => state);
        provider.CreateLogger("Auth0Mcp.Server.Other").Log(LogLevel.Trace, new EventId(3), "ours at trace", null, (state, _) => state);
        Assert.Equal(["Debug debug entry", "Trace ours at trace"], lines);
    }

    [Fact]
    public async Task Serve_LogLevelTrace_TheCallsArgumentsNeverReachTheLog()
    {
        var (stdout, stderr) = await RunStdioAsync(
            [("AUTH0_MCP_LOG_LEVEL", "Trace")],
            ["""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"auth0_users_create","arguments":{"body":{"connection":"db","email":"a@example.com","password":"Sup3rS3cretPassw0rd!"}}}}"""]);

        Assert.Equal(2, stdout.Count);
        Assert.Contains("dbug:", stderr, StringComparison.Ordinal); // the level is that low: the host's own entries show
        Assert.DoesNotContain("Sup3rS3cretPassw0rd!", stderr, StringComparison.Ordinal);
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

        // The unknown method's entries are the SDK's, at Debug (QuietSdkLoggerProvider): shown from that level.
        psi.Environment["AUTH0_MCP_LOG_LEVEL"] = "Debug";

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

    /// <summary>
    /// A request for a method the server does not have (-32601), or with params a handler refuses (-32602), is the
    /// client's mistake, answered to it: the SDK's warnings for it (no handler; the handler failed) are logged at Debug,
    /// so an authenticated client cannot turn each request into warnings. Any other SDK warning, or a handler's real
    /// failure, stays a warning.
    /// </summary>
    [Theory]
    [InlineData(LogLevel.Warning)]
    [InlineData(LogLevel.Debug)]
    public void QuietSdk_ClientMistakeWarnings_AtDebug_OtherSdkWarningsStay(LogLevel minimum)
    {
        var lines = new List<string>();
        using var provider = new QuietSdkLoggerProvider(new ListLoggerProvider(lines), minimum);
        var sdk = provider.CreateLogger("ModelContextProtocol.Server.McpServer");
        void Log(ILogger logger, string name, string message, Exception? exception = null) =>
            logger.Log(LogLevel.Warning, new EventId(1, name), message, exception, (state, _) => state);

        Log(sdk, "LogNoHandlerFoundForRequest", "no handler for foo/bar");
        Log(sdk, "LogRequestHandlerException", "foo/bar failed", new ModelContextProtocol.McpProtocolException("Method 'foo/bar' is not available.", ModelContextProtocol.McpErrorCode.MethodNotFound));
        Log(sdk, "LogRequestHandlerException", "bad cursor", new ModelContextProtocol.McpProtocolException("Invalid tools/list cursor 'x'.", ModelContextProtocol.McpErrorCode.InvalidParams));
        Log(sdk, "LogRequestHandlerException", "tools/list failed", new ModelContextProtocol.McpProtocolException("the store could not be read", ModelContextProtocol.McpErrorCode.InternalError));
        Log(sdk, "LogRequestHandlerException", "tools/call failed", new InvalidOperationException("bug"));
        Log(sdk, "LogMessageHandlerException", "message handler failed");
        Log(provider.CreateLogger("Auth0Mcp.Server.Other"), "LogNoHandlerFoundForRequest", "not the SDK's");

        string[] kept = ["Warning tools/list failed", "Warning tools/call failed", "Warning message handler failed", "Warning not the SDK's"];
        Assert.Equal(minimum == LogLevel.Debug ? ["Debug no handler for foo/bar", "Debug foo/bar failed", "Debug bad cursor", .. kept] : kept, lines);
    }

    [Fact]
    public async Task Serve_UnknownMethods_NoWarningLines_TheClientStillGetsMethodNotFound()
    {
        var (stdout, stderr) = await RunStdioAsync([], [.. Enumerable.Range(1, 5).Select(n => $$"""{"jsonrpc":"2.0","id":{{n}},"method":"foo/bar"}""")]);

        Assert.Equal(6, stdout.Count); // the initialize's answer, then one per request
        Assert.All(stdout.Skip(1), line => Assert.Equal(-32601, System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("error").GetProperty("code").GetInt32()));
        Assert.DoesNotContain("foo/bar", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("warn:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_InvalidParams_NoWarningLines_TheClientStillGetsInvalidParams()
    {
        // A tools/list cursor the server never gave passes the transport's guard and is refused by the handler (-32602):
        // the SDK logged a warning with its stack trace for each such request.
        var (stdout, stderr) = await RunStdioAsync([], [.. Enumerable.Range(1, 5).Select(n => $$$"""{"jsonrpc":"2.0","id":{{{n}}},"method":"tools/list","params":{"cursor":"bogus-{{{n}}}"}}""")]);

        Assert.Equal(6, stdout.Count); // the initialize's answer, then one per request
        Assert.All(stdout.Skip(1), line => Assert.Equal(-32602, System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("error").GetProperty("code").GetInt32()));
        Assert.DoesNotContain("bogus-", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("warn:", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// A governance store that cannot be used at start is said in one line (exit 2), in either log format: the host's
    /// "Hosting failed to start" with its stack trace is not written before it, over stdio or HTTP.
    /// </summary>
    [Theory]
    [InlineData("text", false)]
    [InlineData("json", false)]
    [InlineData("text", true)]
    [InlineData("json", true)]
    public async Task Serve_StoreFaultAtStart_OnlyTheOneLine_InEitherFormat(string format, bool http)
    {
        using var home = new TestHome();
        await File.WriteAllTextAsync(home.Store, new string('#', 8192));
        var env = home.Environment(new Uri("http://127.0.0.1:9/"), "alice");
        env["AUTH0_MCP_LOG_FORMAT"] = format;
        env["AUTH0_MCP_API_KEYS"] = "key-logs-0123456789abcdef=alice";
        string[] args = http ? ["serve", "--http", "http://127.0.0.1:0/mcp"] : ["serve"];

        var (code, _, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs(args), env: env, timeout: TimeSpan.FromMinutes(2), input: "");

        Assert.True(code == 2, $"exit {code}: {stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"auth0-mcp: governance store SQLite {home.Store}: ", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// The configuration's <c>Logging</c> section, which ASP.NET Core's builder binds to the filter and the console's
    /// options, sets nothing: the level is AUTH0_MCP_LOG_LEVEL's, the console's options and the JSON formatter's the host's.
    /// </summary>
    [Fact]
    public void Configure_LoggingSectionOfTheConfiguration_SetsNoLevelNorConsoleOption()
    {
        var builder = Auth0Mcp.Server.Http.HttpServe.NewBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
            ["Logging:Console:LogLevel:Default"] = "Trace",
            ["Logging:Console:MaxQueueLength"] = "7",
            ["Logging:Console:FormatterOptions:IncludeScopes"] = "true",
        });
        HostLogging.Configure(builder.Logging, new ServerSettings { LogLevel = "Error", LogFormat = "json" });
        using var services = builder.Services.BuildServiceProvider();

        var filter = services.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>().CurrentValue;
        Assert.Equal(LogLevel.Error, filter.MinLevel);
        Assert.Empty(filter.Rules);
        Assert.Equal(new ConsoleLoggerOptions().MaxQueueLength, services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.MaxQueueLength);
        Assert.False(services.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>().CurrentValue.IncludeScopes);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");
        Assert.False(logger.IsEnabled(LogLevel.Warning));
        Assert.True(logger.IsEnabled(LogLevel.Error));
    }

    /// <summary>
    /// Over HTTP, ASP.NET Core's builder reads the configuration's <c>Logging</c> section from the environment; its
    /// levels overrode AUTH0_MCP_LOG_LEVEL (Trace lines at Error). AUTH0_MCP_LOG_LEVEL is the one control: at Error, a
    /// started server that served a request has written only its own <c>auth0-mcp:</c> lines.
    /// </summary>
    [Fact]
    public async Task HttpServe_LoggingSectionInTheEnvironment_DoesNotOverrideTheLogLevel()
    {
        using var home = new TestHome();
        await home.GrantEverythingAsync("alice");
        var env = home.Environment(new Uri("http://127.0.0.1:9/"), "alice");
        env["AUTH0_MCP_API_KEYS"] = "key-logs-0123456789abcdef=alice";
        env["AUTH0_MCP_LOG_LEVEL"] = "Error";
        env["Logging__LogLevel__Default"] = "Trace";
        env["Logging__Console__LogLevel__Default"] = "Trace";
        env["ASPNETCORE_Logging__LogLevel__Microsoft"] = "Trace";
        env["DOTNET_Logging__LogLevel__ModelContextProtocol"] = "Trace";
        using var server = Repo.StartServer(env, "serve", "--http", "http://127.0.0.1:0/mcp");
        var lines = new List<string>();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? url = null;
            while (url is null && await server.StandardError.ReadLineAsync(cts.Token) is { } line)
            {
                lines.Add(line);
                var at = line.IndexOf(" at http://", StringComparison.Ordinal);
                url = at >= 0 ? line[(at + 4)..].Trim() : null;
            }

            Assert.True(url is not null, string.Join('\n', lines));
            using var client = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(
                    """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                    Encoding.UTF8,
                    "application/json"),
            };
            request.Headers.Add("X-API-Key", "key-logs-0123456789abcdef");
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            using var response = await client.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        finally
        {
            using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            if (!server.WaitForExit(60_000))
            {
                server.Kill(entireProcessTree: true);
            }
        }

        lines.AddRange((await server.StandardError.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("auth0-mcp: stopping (SIGTERM)", lines);
        Assert.All(lines, line => Assert.StartsWith("auth0-mcp: ", line, StringComparison.Ordinal));
    }

    /// <summary>
    /// AUTH0_MCP_LOG_FORMAT=json: each entry is one JSON object on one line of stderr, with its UTC time; stdout (the MCP
    /// channel) carries the answers and nothing else. AUTH0_MCP_LOG_LEVEL applies over stdio too.
    /// </summary>
    [Fact]
    public async Task Serve_LogFormatJson_OneJsonObjectPerLineOnStderr_NothingElseOnStdout()
    {
        var (stdout, stderr) = await RunStdioAsync(
            [("AUTH0_MCP_LOG_FORMAT", "json"), ("AUTH0_MCP_LOG_LEVEL", "Debug")],
            ["""{"jsonrpc":"2.0","id":1,"method":"foo/bar\nfail: forged"}""", """{"jsonrpc":"2.0","id":2,"method":"tools/list"}"""]);

        Assert.Equal(3, stdout.Count);
        Assert.All(stdout, line => Assert.Equal("2.0", System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("jsonrpc").GetString()));
        var entries = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("auth0-mcp: ", StringComparison.Ordinal)).ToList();
        Assert.True(entries.Count > 3, stderr);
        foreach (var line in entries)
        {
            var entry = System.Text.Json.JsonDocument.Parse(line).RootElement;
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", entry.GetProperty("Timestamp").GetString());
            Assert.NotNull(entry.GetProperty("LogLevel").GetString());
            Assert.NotNull(entry.GetProperty("Category").GetString());
        }

        // The unknown method (with its line break) is in one entry, at Debug.
        Assert.Contains(entries, l => l.Contains("\"Debug\"", StringComparison.Ordinal) && l.Contains(@"foo/bar\nfail: forged", StringComparison.Ordinal));
    }

    /// <summary>Runs <c>serve</c> over stdio with <paramref name="extra"/> settings: initializes, sends <paramref name="requests"/> (each answered), closes stdin.</summary>
    private static async Task<(List<string> Stdout, string Stderr)> RunStdioAsync((string Name, string Value)[] extra, string[] requests)
    {
        using var home = new TestHome();
        await home.GrantEverythingAsync("alice");
        await using var auth0 = new RecordingHttpServer(body: "[]");
        var psi = new ProcessStartInfo(Repo.ServerFile) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in Repo.ServerArgs("serve"))
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in home.Environment(auth0.BaseUrl, "alice"))
        {
            psi.Environment[key] = value;
        }

        foreach (var (key, value) in extra)
        {
            psi.Environment[key] = value;
        }

        using var server = Process.Start(psi)!;
        var stderr = server.StandardError.ReadToEndAsync();
        var stdin = new StreamWriter(server.StandardInput.BaseStream, new UTF8Encoding(false)) { NewLine = "\n" };
        var stdout = new List<string>();
        try
        {
            await stdin.WriteLineAsync("""{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""");
            await stdin.FlushAsync();
            stdout.Add((await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)))!);
            await stdin.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
            foreach (var request in requests)
            {
                await stdin.WriteLineAsync(request.Replace("\n", "\\n", StringComparison.Ordinal));
                await stdin.FlushAsync();
                stdout.Add((await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)))!);
            }
        }
        finally
        {
            stdin.Close();
            if (!server.WaitForExit(20_000))
            {
                server.Kill();
            }
        }

        stdout.AddRange((await server.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return (stdout, await stderr);
    }

    /// <summary>Each entry as "Level message".</summary>
    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose()
        {
        }

        private sealed class Logger(List<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Add($"{logLevel} {formatter(state, exception)}");
        }
    }
}
