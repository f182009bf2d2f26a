using System.Net;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests.Http;

/// <summary>
/// <c>Server:MaxConcurrentRequestsPerCaller</c>: one authenticated caller's POSTs beyond the limit and its queue are
/// answered 429 before their bodies are read, while another caller is still served.
/// </summary>
public sealed class CallerConcurrencyTests : IDisposable
{
    private const string AliceKey = "alice-key-0123456789abcdef";
    private const string BobKey = "bob-key-0123456789abcdef00";
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";
    private readonly TempGovernance _governance = new();

    public void Dispose() => _governance.Dispose();

    [Fact]
    public async Task OneCallerOverTheLimit_TheExcessGet429WithRetryAfterAndAreAudited_AnotherCallerIsServed()
    {
        await using var auth0 = new RecordingHttpServer();
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_TOKEN"] = "test-token-http-1",
            ["AUTH0_MCP_BASE_URL"] = auth0.BaseUrl.ToString().TrimEnd('/'),
            ["AUTH0_MCP_STORE"] = _governance.Store,
            ["AUTH0_MCP_API_KEYS"] = $"{AliceKey}=alice;{BobKey}=bob",
            // Two running and two waiting per caller.
            ["AUTH0_MCP_CALLER_CONCURRENCY"] = "2",
        };
        await using var server = await InProcessServer.StartAsync(Settings.Load(env, "--http", "http://127.0.0.1:0/mcp"));
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };

        // Six POSTs of Alice's whose bodies stop halfway until released: two are read (running), two wait, two are refused.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var alices = Enumerable.Range(0, 6).Select(_ => http.SendAsync(Post(server.Url, AliceKey, new HeldContent(Initialize, release.Task)))).ToList();
        var refused = new List<HttpResponseMessage>();
        var pending = new List<Task<HttpResponseMessage>>(alices);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (refused.Count < 2)
        {
            var done = await Task.WhenAny(pending).WaitAsync(deadline.Token);
            pending.Remove(done);
            refused.Add(await done);
        }

        // Bob is not held up by Alice's requests.
        using (var bob = await http.SendAsync(Post(server.Url, BobKey, new StringContent(Initialize, Encoding.UTF8, "application/json"))))
        {
            Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
        }

        Assert.All(pending, p => Assert.False(p.IsCompleted));
        foreach (var response in refused)
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
                using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var message = answer.RootElement.GetProperty("error").GetProperty("message").GetString()!;
                Assert.Equal(JsonValueKind.Null, answer.RootElement.GetProperty("id").ValueKind);
                Assert.Contains("2 requests running and 2 waiting", message, StringComparison.Ordinal);
                Assert.Contains("Server:MaxConcurrentRequestsPerCaller (AUTH0_MCP_CALLER_CONCURRENCY)", message, StringComparison.Ordinal);
            }
        }

        // Once the bodies arrive, the running and the waiting ones are all served.
        release.SetResult();
        foreach (var response in await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(60)))
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        var records = (await _governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("event").GetString() == "request.refused")
            .ToList();
        Assert.Equal(2, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal("alice", r.GetProperty("user").GetString());
            Assert.Equal("too-many-requests", r.GetProperty("denial_code").GetString());
            Assert.Equal("denied", r.GetProperty("outcome").GetString());
        });
    }

    [Fact]
    public async Task ACallersNotificationOrAnswer_WhileItsPlacesAreFull_PassesWithoutWaitingBehindItsCalls()
    {
        // With call approval, the calls in progress may be the ones waiting for the client's answer to their elicitation:
        // before, that answer (or a cancellation) queued behind them, or was refused 429, and they ended only by timeout.
        await using var auth0 = new RecordingHttpServer();
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_TOKEN"] = "test-token-http-1",
            ["AUTH0_MCP_BASE_URL"] = auth0.BaseUrl.ToString().TrimEnd('/'),
            ["AUTH0_MCP_STORE"] = _governance.Store,
            ["AUTH0_MCP_API_KEYS"] = $"{AliceKey}=alice",
            ["AUTH0_MCP_CALLER_CONCURRENCY"] = "1",
        };
        await using var server = await InProcessServer.StartAsync(Settings.Load(env, "--http", "http://127.0.0.1:0/mcp"));
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        string session;
        using (var opened = await http.SendAsync(Post(server.Url, AliceKey, new StringContent(Initialize, Encoding.UTF8, "application/json"))))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
            session = opened.Headers.GetValues("Mcp-Session-Id").Single();
        }

        // One running and one waiting (bodies held), the third refused: the caller's places are full.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = Enumerable.Range(0, 3).Select(_ => http.SendAsync(Post(server.Url, AliceKey, new HeldContent(Initialize, release.Task)))).ToList();
        using (var refused = await (await Task.WhenAny(held).WaitAsync(TimeSpan.FromSeconds(60))))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        foreach (var message in new[]
        {
            """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}""",
            """{"jsonrpc":"2.0","id":"elicitation-1","result":{"action":"accept","content":{}}}""",
        })
        {
            var post = Post(server.Url, AliceKey, new StringContent(message, Encoding.UTF8, "application/json"));
            post.Headers.Add("Mcp-Session-Id", session);
            using var answered = await http.SendAsync(post).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.NotEqual(HttpStatusCode.TooManyRequests, answered.StatusCode);
            Assert.True(answered.IsSuccessStatusCode, $"{answered.StatusCode}: {await answered.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(2, held.Count(h => !h.IsCompleted));
        release.SetResult();
        await Task.WhenAll(held).WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static HttpRequestMessage Post(Uri url, string key, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("X-API-Key", key);
        // The client reads the answer while its body is still being sent (a refusal comes before the body is read).
        request.Headers.ExpectContinue = true;
        return request;
    }

    /// <summary>A body sent chunked: its first half at once, the rest once the release completes.</summary>
    private sealed class HeldContent : HttpContent
    {
        private readonly byte[] _bytes;
        private readonly Task _release;

        public HeldContent(string body, Task release)
        {
            _bytes = Encoding.UTF8.GetBytes(body);
            _release = release;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var half = _bytes.Length / 2;
            await stream.WriteAsync(_bytes.AsMemory(0, half));
            await stream.FlushAsync();
            await _release;
            await stream.WriteAsync(_bytes.AsMemory(half));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
