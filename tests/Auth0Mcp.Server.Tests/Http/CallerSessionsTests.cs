using System.Net;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Infrastructure;
using Auth0Mcp.Server.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;

namespace Auth0Mcp.Server.Tests.Http;

/// <summary>
/// Streamable HTTP session lifetime: <c>Server:MaxSessionsPerCaller</c> (one caller cannot fill the SDK's session store
/// shared by all), <c>Server:SessionIdleMinutes</c> and <c>Server:MaxIdleSessions</c> (the SDK's bounds), and
/// governance forgetting a session's view when the session ends.
/// </summary>
public sealed class CallerSessionsTests : IDisposable
{
    private const string AliceKey = "alice-key-0123456789abcdef";
    private const string BobKey = "bob-key-0123456789abcdef00";
    private const string Initialize = """{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";
    private readonly TempGovernance _governance = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(1) };

    public void Dispose()
    {
        _http.Dispose();
        _governance.Dispose();
    }

    [Fact]
    public async Task ACallerAtItsSessionCap_Gets429OnTheNextInitialize_WhileAnotherCallerOpensOne_AndItsSessionsKeepWorking_UntilADeleteFreesAPlace()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0, new() { ["AUTH0_MCP_CALLER_SESSIONS"] = "2" });

        var first = await OpenAsync(server.Url, AliceKey);
        await OpenAsync(server.Url, AliceKey);

        // The third is refused: 429, a JSON-RPC error with the initialize's id that names the setting, recorded.
        using (var refused = await _http.SendAsync(Post(server.Url, AliceKey, Initialize)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.False(refused.Headers.Contains("Mcp-Session-Id"));
            using var answer = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal(7, answer.RootElement.GetProperty("id").GetInt32());
            Assert.Contains("Server:MaxSessionsPerCaller (AUTH0_MCP_CALLER_SESSIONS)", answer.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // Another caller still opens one, and Alice's open session still answers.
        await OpenAsync(server.Url, BobKey);
        using (var list = await _http.SendAsync(Post(server.Url, AliceKey, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", first)))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        // Once she ends one, she can open one again.
        using (var delete = await _http.SendAsync(Request(HttpMethod.Delete, server.Url, AliceKey, null, first)))
        {
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        }

        await OpenAsync(server.Url, AliceKey);
        var sessions = server.App.Services.GetRequiredService<CallerSessions>();
        Assert.Equal((2, 1), (sessions.OpenFor("alice"), sessions.OpenFor("bob")));

        var records = (await _governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("event").GetString() == "request.refused")
            .ToList();
        var record = Assert.Single(records);
        Assert.Equal("alice", record.GetProperty("user").GetString());
        Assert.Equal("too-many-requests", record.GetProperty("denial_code").GetString());
    }

    [Fact]
    public async Task ASessionThatEnds_LeavesNoGovernanceViewAndNoCount()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0, []);
        var governance = server.App.Services.GetRequiredService<GovernanceRuntime>();
        var sessions = server.App.Services.GetRequiredService<CallerSessions>();

        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await OpenAsync(server.Url, AliceKey));
        }

        Assert.Equal(3, governance.SessionViewCount);
        Assert.Equal(3, sessions.OpenFor("alice"));
        foreach (var id in ids)
        {
            using var delete = await _http.SendAsync(Request(HttpMethod.Delete, server.Url, AliceKey, null, id));
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        }

        // The SDK's DELETE waits for the session to end: its view and its place are gone by its answer.
        Assert.Equal(0, governance.SessionViewCount);
        Assert.Equal((0, 0), (sessions.OpenFor("alice"), sessions.CallerCount));
    }

    [Fact]
    public async Task TheSessionSettings_ReachTheSdk_WithTheirDefaults()
    {
        await using var auth0 = new RecordingHttpServer();
        await using (var server = await StartAsync(auth0, []))
        {
            var options = server.App.Services.GetRequiredService<IOptions<HttpServerTransportOptions>>().Value;
#pragma warning disable MCP9006
            Assert.Equal((TimeSpan.FromMinutes(30), 10_000), (options.IdleTimeout, options.MaxIdleSessionCount));
#pragma warning restore MCP9006
            Assert.Equal(CallerSessions.DefaultLimit, server.App.Services.GetRequiredService<CallerSessions>().Limit);
        }

        await using (var server = await StartAsync(auth0, new() { ["AUTH0_MCP_SESSION_IDLE_MINUTES"] = "5", ["AUTH0_MCP_MAX_IDLE_SESSIONS"] = "100", ["AUTH0_MCP_CALLER_SESSIONS"] = "4" }))
        {
            var options = server.App.Services.GetRequiredService<IOptions<HttpServerTransportOptions>>().Value;
#pragma warning disable MCP9006
            Assert.Equal((TimeSpan.FromMinutes(5), 100), (options.IdleTimeout, options.MaxIdleSessionCount));
#pragma warning restore MCP9006
            Assert.Equal(4, server.App.Services.GetRequiredService<CallerSessions>().Limit);
        }
    }

    [Theory]
    [InlineData("empty-session-header")]
    [InlineData("method-after-8-KiB-of-params")]
    public async Task AnInitializeTheSdkOpensASessionFor_IsCountedHoweverItIsWritten(string shape)
    {
        // Review K5: an empty Mcp-Session-Id (the SDK opens a session for it) and a method written after large params
        // (the count peeked at the first 8 KiB) each opened sessions past the cap, uncounted.
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0, new() { ["AUTH0_MCP_CALLER_SESSIONS"] = "2" });
        var sessions = server.App.Services.GetRequiredService<CallerSessions>();
        var body = shape == "empty-session-header" ? Initialize
            : "{\"jsonrpc\":\"2.0\",\"id\":7,\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\""
              + new string('x', 9000) + "\",\"version\":\"1\"}},\"method\":\"initialize\"}";
        var opened = 0;
        var refused = 0;
        for (var i = 0; i < 4; i++)
        {
            var request = Post(server.Url, AliceKey, body);
            if (shape == "empty-session-header")
            {
                request.Headers.TryAddWithoutValidation("Mcp-Session-Id", "");
            }

            using var response = await _http.SendAsync(request);
            opened += response.Headers.Contains("Mcp-Session-Id") ? 1 : 0;
            refused += response.StatusCode == HttpStatusCode.TooManyRequests ? 1 : 0;
        }

        Assert.Equal(2, opened);
        Assert.Equal(2, refused);
        Assert.Equal(2, sessions.OpenFor("alice"));
    }

    /// <summary>Opens a session as a client does (initialize, initialized, tools/list): its id.</summary>
    private async Task<string> OpenAsync(Uri url, string key)
    {
        string id;
        using (var initialized = await _http.SendAsync(Post(url, key, Initialize)))
        {
            Assert.Equal(HttpStatusCode.OK, initialized.StatusCode);
            id = initialized.Headers.GetValues("Mcp-Session-Id").Single();
            await initialized.Content.ReadAsStringAsync();
        }

        using (var notified = await _http.SendAsync(Post(url, key, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", id)))
        {
            Assert.True(notified.IsSuccessStatusCode);
        }

        using (var list = await _http.SendAsync(Post(url, key, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", id)))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            await list.Content.ReadAsStringAsync();
        }

        return id;
    }

    private Task<InProcessServer> StartAsync(RecordingHttpServer auth0, Dictionary<string, string?> more)
    {
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_TOKEN"] = "test-token-http-1",
            ["AUTH0_MCP_BASE_URL"] = auth0.BaseUrl.ToString().TrimEnd('/'),
            ["AUTH0_MCP_STORE"] = _governance.Store,
            ["AUTH0_MCP_API_KEYS"] = $"{AliceKey}=alice;{BobKey}=bob",
        };
        foreach (var (name, value) in more)
        {
            env[name] = value;
        }

        return InProcessServer.StartAsync(Settings.Load(env, "--http", "http://127.0.0.1:0/mcp"));
    }

    private static HttpRequestMessage Post(Uri url, string key, string body, string? session = null) =>
        Request(HttpMethod.Post, url, key, body, session);

    private static HttpRequestMessage Request(HttpMethod method, Uri url, string key, string? body, string? session)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("X-API-Key", key);
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        return request;
    }
}
