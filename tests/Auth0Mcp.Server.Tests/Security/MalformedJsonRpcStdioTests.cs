using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests.Security;

/// <summary>
/// Issue 11 items 5 and 7 over stdio, against the real <c>auth0-mcp serve</c>: oversized, truncated, deep,
/// wrongly typed, duplicate-key, lone-surrogate and batch messages are each answered with a JSON-RPC error carrying
/// the request's id, none reaches Auth0, each leaves a <c>request.refused</c> audit record, and the server keeps
/// serving (a proper call afterwards succeeds).
/// </summary>
public sealed class MalformedJsonRpcStdioTests
{
    private const int Limit = 64 * 1024;

    // The handshake each test sends before its hostile messages, one line each.
    private const string Initialize = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"hostile\",\"version\":\"1\"}}}";
    private const string Initialized = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

    // name, line, the id it is answered with (-1: null), the JSON-RPC error code it must get.
    public static TheoryData<string, string, int, int> Hostile => new()
    {
        { "oversized", "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"" + new string('A', 3 * Limit) + "\"}},\"id\":101}", 101, -32600 },
        { "truncated", "{\"jsonrpc\":\"2.0\",\"id\":102,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",", 102, -32700 },
        { "deep", "{\"jsonrpc\":\"2.0\",\"id\":103,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":" + new string('[', 5000) + new string(']', 5000) + "}}}", 103, -32600 },
        { "method-not-string", "{\"jsonrpc\":\"2.0\",\"id\":104,\"method\":5}", 104, -32600 },
        { "params-string", "{\"jsonrpc\":\"2.0\",\"id\":105,\"method\":\"tools/call\",\"params\":\"auth0_users_list\"}", 105, -32600 },
        { "id-object", "{\"jsonrpc\":\"2.0\",\"id\":{\"x\":1},\"method\":\"tools/list\"}", -1, -32600 },
        { "duplicate-keys", "{\"jsonrpc\":\"2.0\",\"id\":107,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"a\",\"q\":\"b\"}}}", 107, -32600 },
        { "lone-surrogate", "{\"jsonrpc\":\"2.0\",\"id\":108,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"\\ud800x\"}}}", 108, -32700 },
        { "batch", "[{\"jsonrpc\":\"2.0\",\"id\":109,\"method\":\"tools/list\"}]", -1, -32600 },
        { "not-an-object", "\"tools/list\"", -1, -32600 },
        { "arguments-string", "{\"jsonrpc\":\"2.0\",\"id\":112,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":\"q=x\"}}", 112, -32602 },
        { "name-number", "{\"jsonrpc\":\"2.0\",\"id\":113,\"method\":\"tools/call\",\"params\":{\"name\":7,\"arguments\":{}}}", 113, -32602 },
        { "wrong-version", "{\"jsonrpc\":\"1.0\",\"id\":111,\"method\":\"tools/list\"}", 111, -32600 },
        { "unfinished-object", "{\"jsonrpc\":\"2.0\",\"id\":114,\"method\":\"ping\"", 114, -32700 },
        { "params-array", "{\"jsonrpc\":\"2.0\",\"id\":115,\"method\":\"tools/call\",\"params\":[\"auth0_users_list\"]}", 115, -32600 },
        { "no-method", "{\"jsonrpc\":\"2.0\",\"id\":116}", 116, -32600 },
        { "call-without-name", "{\"jsonrpc\":\"2.0\",\"id\":117,\"method\":\"tools/call\",\"params\":{\"arguments\":{}}}", 117, -32602 },
        // Ids the MCP server cannot read (it dropped these unanswered, unaudited, and the guard owed them for good).
        { "id-fraction", "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", -1, -32600 },
        { "id-past-int64", "{\"jsonrpc\":\"2.0\",\"id\":9223372036854775808,\"method\":\"ping\"}", -1, -32600 },
        { "id-null", "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"tools/list\"}", -1, -32600 },
        // Params the MCP server cannot read (it answered -32603 "An error occurred." with no record).
        { "setlevel-unknown", "{\"jsonrpc\":\"2.0\",\"id\":118,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"loud\"}}", 118, -32602 },
        { "cursor-number", "{\"jsonrpc\":\"2.0\",\"id\":119,\"method\":\"tools/list\",\"params\":{\"cursor\":5}}", 119, -32602 },
        { "meta-string", "{\"jsonrpc\":\"2.0\",\"id\":120,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"x\"},\"_meta\":\"s\"}}", 120, -32602 },
        { "initialize-without-version", "{\"jsonrpc\":\"2.0\",\"id\":121,\"method\":\"initialize\",\"params\":{\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}}", 121, -32602 },
    };

    [Fact]
    public async Task Serve_HostileMessagesOverStdio_EachRefusedWithItsIdAuditedAndNothingSent()
    {
        using var home = new TestHome();
        await home.GrantEverythingAsync("mallory");
        await using var auth0 = new RecordingHttpServer(body: "[]");
        using var server = StartServe(home, auth0);
        var stderr = server.StandardError.ReadToEndAsync();
        var stdin = new StreamWriter(server.StandardInput.BaseStream, new UTF8Encoding(false)) { NewLine = "\n" };
        var stdout = server.StandardOutput;
        try
        {
            await stdin.WriteLineAsync(Initialize);
            await stdin.FlushAsync();
            Assert.Contains("\"id\":0", await ReadLineAsync(stdout));
            await stdin.WriteLineAsync(Initialized);

            foreach (var row in Hostile)
            {
                var (name, line, id, code) = ((string)row[0], (string)row[1], (int)row[2], (int)row[3]);
                await stdin.WriteLineAsync(line);
                await stdin.FlushAsync();
                var answer = await ReadLineAsync(stdout);
                using var doc = JsonDocument.Parse(answer);
                Assert.True(doc.RootElement.TryGetProperty("error", out var error), $"{name}: {answer}");
                Assert.NotEqual(-32603, error.GetProperty("code").GetInt32());
                Assert.True(error.GetProperty("code").GetInt32() == code, $"{name}: expected {code}, got {answer}");
                if (id >= 0)
                {
                    Assert.Equal(id, doc.RootElement.GetProperty("id").GetInt32());
                }
            }

            // Still serving: a proper call is answered and reaches Auth0.
            await stdin.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"id\":200,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"after\"}}}");
            await stdin.FlushAsync();
            var ok = await ReadLineAsync(stdout);
            Assert.Contains("\"id\":200", ok);
            Assert.Contains("\"result\"", ok);
        }
        finally
        {
            stdin.Close();
            if (!server.WaitForExit(20_000))
            {
                server.Kill();
            }
        }

        Assert.Single(auth0.Requests);
        var audit = await home.AdminAsync("audit", "tail", "-n", "100", "--json");
        var refused = audit.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("event").GetString() == "request.refused")
            .ToList();
        Assert.Equal(Hostile.Count(), refused.Count);
        Assert.All(refused, r => Assert.Equal("mallory", r.GetProperty("user").GetString()));
        Assert.Contains(refused, r => r.GetProperty("denial_code").GetString() == "request-too-large");
        Assert.DoesNotContain(new string('A', 1000), audit, StringComparison.Ordinal);
        _ = await stderr;
    }

    [Fact]
    public async Task Serve_StdinEndsInsideAnOversizedLine_ItIsStillAnsweredAndAudited()
    {
        // The last message has no line end (the client wrote it and closed stdin): too large, it is refused like any
        // other, not dropped without a word.
        using var home = new TestHome();
        await home.GrantEverythingAsync("mallory");
        await using var auth0 = new RecordingHttpServer(body: "[]");
        using var server = StartServe(home, auth0);
        var stderr = server.StandardError.ReadToEndAsync();
        var stdin = server.StandardInput.BaseStream;
        await stdin.WriteAsync(Encoding.UTF8.GetBytes(Initialize + "\n" + Initialized + "\n"));
        await stdin.WriteAsync(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":301,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"" + new string('A', 3 * Limit) + "\"}}}"));
        stdin.Close();

        var lines = new List<string>();
        while (await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) is { } line)
        {
            lines.Add(line);
        }

        Assert.True(server.WaitForExit(30_000));
        var answer = Assert.Single(lines, l => l.Contains("\"id\":301", StringComparison.Ordinal));
        using var doc = JsonDocument.Parse(answer);
        Assert.Equal(-32600, doc.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Empty(auth0.Requests);
        var audit = await home.AdminAsync("audit", "tail", "-n", "20", "--json");
        Assert.Contains(audit.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement),
            r => r.GetProperty("event").GetString() == "request.refused" && r.GetProperty("denial_code").GetString() == "request-too-large");
        _ = await stderr;
    }

    [Fact]
    public async Task Serve_StringsThatAreNotUtf8_RefusedAsParseErrorsAndNothingSent()
    {
        // Latin-1 bytes in a value and in a key: the reader does not check a string's UTF-8, so without the guard's
        // check the value became U+FFFD in the arguments and the call went to Auth0 "successfully".
        using var home = new TestHome();
        await home.GrantEverythingAsync("mallory");
        await using var auth0 = new RecordingHttpServer(body: "[]");
        using var server = StartServe(home, auth0);
        var stderr = server.StandardError.ReadToEndAsync();
        var stdin = server.StandardInput.BaseStream;
        static byte[] Line(string before, byte bad, string after) => [.. Encoding.UTF8.GetBytes(before), bad, .. Encoding.UTF8.GetBytes(after + "\n")];
        await stdin.WriteAsync(Encoding.UTF8.GetBytes(Initialize + "\n"));
        await stdin.FlushAsync();
        Assert.Contains("\"id\":0", await ReadLineAsync(server.StandardOutput)); // the handshake's answer first: the guard's refusals would overtake it
        await stdin.WriteAsync(Encoding.UTF8.GetBytes(Initialized + "\n"));
        await stdin.WriteAsync(Line("{\"jsonrpc\":\"2.0\",\"id\":401,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"Jos", 0xE9, "\"}}}"));
        await stdin.WriteAsync(Line("{\"jsonrpc\":\"2.0\",\"id\":402,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q", 0xFF, "\":\"x\"}}}"));
        await stdin.FlushAsync();

        foreach (var id in new[] { 401, 402 })
        {
            using var doc = JsonDocument.Parse(await ReadLineAsync(server.StandardOutput));
            Assert.Equal(id, doc.RootElement.GetProperty("id").GetInt32());
            var error = doc.RootElement.GetProperty("error");
            Assert.Equal(-32700, error.GetProperty("code").GetInt32());
            Assert.Contains("not valid UTF-8", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        stdin.Close();
        Assert.True(server.WaitForExit(30_000));
        Assert.Empty(auth0.Requests);
        var refused = (await home.AdminAsync("audit", "tail", "-n", "20", "--json")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("event").GetString() == "request.refused")
            .ToList();
        Assert.Equal(2, refused.Count);
        Assert.All(refused, r => Assert.Equal("malformed-request", r.GetProperty("denial_code").GetString()));
        _ = await stderr;
    }

    /// <summary><c>auth0-mcp serve</c> over stdio as mallory, with the request limit of these tests.</summary>
    private static Process StartServe(TestHome home, RecordingHttpServer auth0)
    {
        var psi = new ProcessStartInfo(Repo.ServerFile) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in Repo.ServerArgs("serve"))
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in home.Environment(auth0.BaseUrl, "mallory"))
        {
            psi.Environment[key] = value;
        }

        psi.Environment["AUTH0_MCP_MAX_REQUEST_BYTES"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Process.Start(psi)!;
    }

    private static async Task<string> ReadLineAsync(StreamReader stdout)
    {
        var line = await stdout.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotNull(line);
        return line;
    }
}
