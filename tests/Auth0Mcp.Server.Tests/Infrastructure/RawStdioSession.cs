using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>
/// The real <c>auth0-mcp serve</c> over stdio, spoken to in raw JSON-RPC lines (no client library in between), so a
/// test can compare the exact bytes the server writes.
/// </summary>
internal sealed class RawStdioSession : IAsyncDisposable
{
    private readonly Process _server;
    private readonly StreamWriter _stdin;
    private readonly Task<string> _stderr;
    private int _nextId;

    private RawStdioSession(Process server)
    {
        _server = server;
        _stdin = new StreamWriter(server.StandardInput.BaseStream, new UTF8Encoding(false)) { NewLine = "\n" };
        _stderr = server.StandardError.ReadToEndAsync();
    }

    /// <summary>The server's process id (to read its <c>/proc</c> entries).</summary>
    public int ProcessId => _server.Id;

    /// <summary>Starts <c>serve</c> with <paramref name="environment"/> and completes the initialize handshake.</summary>
    public static async Task<RawStdioSession> StartAsync(IDictionary<string, string?> environment)
    {
        var psi = Repo.ServerStartInfo("serve");
        psi.RedirectStandardInput = psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }

        var session = new RawStdioSession(Process.Start(psi)!);
        await session.RequestAsync("initialize", """{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}""");
        await session._stdin.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        return session;
    }

    /// <summary>Reads every <c>tools/list</c> page, following the cursors, as a client lists a server's tools; the tools' count.</summary>
    public async Task<int> ListEveryPageAsync()
    {
        var tools = 0;
        string? cursor = null;
        do
        {
            var page = JsonDocument.Parse(await RequestAsync("tools/list", cursor is null ? "{}" : JsonSerializer.Serialize(new { cursor }))).RootElement.GetProperty("result");
            tools += page.GetProperty("tools").GetArrayLength();
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);

        return tools;
    }

    /// <summary>
    /// Sends one request and returns the server's answer line to it exactly as written, apart from its id (written as
    /// 0, so that answers to different requests compare); notifications are skipped.
    /// </summary>
    public async Task<string> RequestAsync(string method, string paramsJson)
    {
        var id = ++_nextId;
        await _stdin.WriteLineAsync($$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{paramsJson}}}""");
        await _stdin.FlushAsync();
        while (true)
        {
            var line = await _server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
            Assert.True(line is not null, "the server closed its output: " + (_server.HasExited ? await _stderr : ""));
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("id", out var answered) && answered.ValueKind == JsonValueKind.Number && answered.GetInt32() == id)
            {
                return line.Replace($"\"id\":{id},", "\"id\":0,", StringComparison.Ordinal).Replace($"\"id\":{id}}}", "\"id\":0}", StringComparison.Ordinal);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stdin.Close();
        if (!_server.WaitForExit(20_000))
        {
            _server.Kill();
        }

        _ = await _stderr;
        _server.Dispose();
    }
}
