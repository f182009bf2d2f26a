using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

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
        // Two running and two waiting per caller.
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0, 2);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };

        // Six POSTs of Alice's whose bodies stop halfway until released: two are read (running), two wait, two are refused.
        // Raw connections: an HTTP client reads no answer while it is still sending a body, so a refusal that comes
        // while a body is held could sit unread (HttpClient with Expect: 100-continue made that a race).
        var alices = new List<HeldPost>();
        for (var i = 0; i < 6; i++)
        {
            alices.Add(await HeldPost.StartAsync(server.Url, AliceKey, Initialize));
        }

        var refused = new List<HeldPost>();
        var pending = new List<HeldPost>(alices);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (refused.Count < 2)
        {
            var done = await Task.WhenAny(pending.Select(p => p.Answer)).WaitAsync(deadline.Token);
            var post = pending.Single(p => p.Answer == done);
            pending.Remove(post);
            refused.Add(post);
        }

        // Bob is not held up by Alice's requests.
        using (var bob = await http.SendAsync(Post(server.Url, BobKey, new StringContent(Initialize, Encoding.UTF8, "application/json"))))
        {
            Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
        }

        Assert.All(pending, p => Assert.False(p.Answer.IsCompleted));
        foreach (var post in refused)
        {
            var (status, headers, body) = await post.Answer;
            Assert.Equal(429, status);
            Assert.Equal("1", headers["retry-after"]);
            using var answer = JsonDocument.Parse(body);
            var message = answer.RootElement.GetProperty("error").GetProperty("message").GetString()!;
            Assert.Equal(JsonValueKind.Null, answer.RootElement.GetProperty("id").ValueKind);
            Assert.Contains("2 requests running and 2 waiting", message, StringComparison.Ordinal);
            Assert.Contains("Server:MaxConcurrentRequestsPerCaller (AUTH0_MCP_CALLER_CONCURRENCY)", message, StringComparison.Ordinal);
        }

        // Once the bodies arrive, the running and the waiting ones are all served.
        foreach (var post in pending)
        {
            await post.ReleaseAsync();
        }

        foreach (var (status, _, _) in await Task.WhenAll(pending.Select(p => p.Answer)).WaitAsync(TimeSpan.FromSeconds(60)))
        {
            Assert.Equal(200, status);
        }

        foreach (var post in alices)
        {
            post.Dispose();
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
    public async Task ACallersPlaces_AreKeptOnlyWhileItHasRequestsInProgress_AndTheOldestWaitingGoesNext()
    {
        // No timer and no entry for an idle caller: the count goes when its last request is answered.
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0, 1);
        var places = server.App.Services.GetRequiredService<Auth0Mcp.Server.Transport.CallerConcurrency>();
        Assert.Equal(0, places.CallerCount);

        // One running, one waiting, the third refused.
        var held = new List<HeldPost>();
        for (var i = 0; i < 3; i++)
        {
            held.Add(await HeldPost.StartAsync(server.Url, AliceKey, Initialize));
        }

        var refused = await Task.WhenAny(held.Select(h => h.Answer)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(429, (await refused).Status);
        Assert.Equal(1, places.CallerCount);

        // The waiting one runs once the running one is answered, then the caller is idle: its entry is gone.
        foreach (var post in held.Where(h => !h.Answer.IsCompleted))
        {
            await post.ReleaseAsync();
        }

        foreach (var (status, _, _) in await Task.WhenAll(held.Where(h => h.Answer != refused).Select(h => h.Answer)).WaitAsync(TimeSpan.FromSeconds(60)))
        {
            Assert.Equal(200, status);
        }

        held.ForEach(h => h.Dispose());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (places.CallerCount != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, places.CallerCount);
    }

    [Fact]
    public async Task ACallersNotificationOrAnswer_WhileItsPlacesAreFull_PassesWithoutWaitingBehindItsCalls()
    {
        // With call approval, the calls in progress may be the ones waiting for the client's answer to their elicitation:
        // before, that answer (or a cancellation) queued behind them, or was refused 429, and they ended only by timeout.
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0, 1);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        string session;
        using (var opened = await http.SendAsync(Post(server.Url, AliceKey, new StringContent(Initialize, Encoding.UTF8, "application/json"))))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
            session = opened.Headers.GetValues("Mcp-Session-Id").Single();
        }

        // One running and one waiting (bodies held), the third refused: the caller's places are full.
        var held = new List<HeldPost>();
        for (var i = 0; i < 3; i++)
        {
            held.Add(await HeldPost.StartAsync(server.Url, AliceKey, Initialize));
        }

        var first = await Task.WhenAny(held.Select(h => h.Answer)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(429, (await first).Status);

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

        Assert.Equal(2, held.Count(h => !h.Answer.IsCompleted));
        foreach (var post in held.Where(h => !h.Answer.IsCompleted))
        {
            await post.ReleaseAsync();
        }

        await Task.WhenAll(held.Select(h => h.Answer)).WaitAsync(TimeSpan.FromSeconds(60));
        held.ForEach(h => h.Dispose());
    }

    [Fact]
    public async Task SmallBodiesSentSlowly_BeyondTheCallersPlaces_AreRefusedUnread()
    {
        // A small body is read before its place is taken, but only as many at once per caller as it has places: before
        // (review of the day's diff), 40 slow 16 KB bodies of one caller were all read into memory, none refused.
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0, 1);
        var padded = Initialize.Replace("\"name\":\"t\"", "\"name\":\"" + new string('t', 15000) + "\"", StringComparison.Ordinal);

        var posts = new List<HeldPost>();
        for (var i = 0; i < 12; i++)
        {
            posts.Add(await HeldPost.StartAsync(server.Url, AliceKey, padded, declared: true));
        }

        // One is read (its turn), one takes the place and one waits for it, unread; the other nine are refused at once.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (posts.Count(p => p.Answer.IsCompleted) < 9)
        {
            await Task.WhenAny(posts.Where(p => !p.Answer.IsCompleted).Select(p => p.Answer)).WaitAsync(deadline.Token);
        }

        var held = posts.Where(p => !p.Answer.IsCompleted).ToList();
        Assert.Equal(3, held.Count);
        foreach (var post in posts.Except(held))
        {
            Assert.Equal(429, (await post.Answer).Status);
        }

        // Released, the one that held the place and the one waiting for it are served; the one read first then takes
        // its place like any request (served, or refused if the place and the wait are taken at that moment).
        foreach (var post in held)
        {
            await post.ReleaseAsync();
        }

        var statuses = (await Task.WhenAll(held.Select(p => p.Answer)).WaitAsync(TimeSpan.FromSeconds(60))).Select(a => a.Status).ToList();
        Assert.All(statuses, status => Assert.True(status is 200 or 429, $"HTTP {status}"));
        Assert.True(statuses.Count(status => status == 200) >= 2, string.Join(", ", statuses));

        posts.ForEach(p => p.Dispose());
    }

    [Fact]
    public async Task ACallTheClientCancels_EndsItsPost_AndTheCallersNextCallRuns()
    {
        // One place: a call whose POST stayed open after the client cancelled it (no answer is owed for it, and the SDK
        // held the stream until one went out) kept the place for good, and the caller's next call never ran.
        await _governance.RunAsync("tools", "approve", "*");
        await _governance.RunAsync("profiles", "create", "alice-all", "--toolsets", "all-approved", "--users", "alice", "--policy", "auto");
        var auth0Answers = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var auth0 = new RecordingHttpServer(body: """[{"user_id":"auth0|1"}]""", hold: () => auth0Answers.Task);
        await using var server = await StartAsync(auth0, 1);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        string session;
        using (var opened = await http.SendAsync(Post(server.Url, AliceKey, new StringContent(Initialize, Encoding.UTF8, "application/json"))))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
            session = opened.Headers.GetValues("Mcp-Session-Id").Single();
        }

        HttpRequestMessage InSession(string message)
        {
            var post = Post(server.Url, AliceKey, new StringContent(message, Encoding.UTF8, "application/json"));
            post.Headers.Add("Mcp-Session-Id", session);
            post.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            return post;
        }

        using (await http.SendAsync(InSession("""{"jsonrpc":"2.0","method":"notifications/initialized"}""")))
        {
        }

        // The first call waits on Auth0; its POST stays open (the client keeps reading it) while the client cancels it.
        using var first = await http.SendAsync(InSession("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"auth0_users_list","arguments":{}}}"""),
            HttpCompletionOption.ResponseHeadersRead).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var firstBody = first.Content.ReadAsStringAsync();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (auth0.Requests.IsEmpty)
            {
                await Task.Delay(50, deadline.Token);
            }
        }

        using (var cancelled = await http.SendAsync(InSession("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2,"reason":"the user gave up"}}""")))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        }

        // Its stream ends, with no answer for the cancelled id; before, it never ended.
        var rest = await firstBody.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("\"result\"", rest, StringComparison.Ordinal);

        // The place is free: the next call runs.
        auth0Answers.TrySetResult();
        using var second = await http.SendAsync(InSession("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"auth0_users_list","arguments":{}}}"""))
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var answer = await second.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("auth0|1", answer, StringComparison.Ordinal);
        Assert.Contains("\"id\":3", answer, StringComparison.Ordinal);

        var calls = (await _governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("event").GetString() == "tool.call")
            .Select(r => (Outcome: r.GetProperty("outcome").GetString(), Reason: r.TryGetProperty("reason", out var why) ? why.GetString() : null))
            .ToList();
        Assert.Contains(calls, c => c.Outcome == "error" && c.Reason?.Contains("cancelled", StringComparison.Ordinal) == true);
        Assert.Contains(calls, c => c.Outcome == "success");
    }

    /// <summary>The server over HTTP with Alice's and Bob's keys and <paramref name="limit"/> places per caller.</summary>
    private Task<InProcessServer> StartAsync(RecordingHttpServer auth0, int limit) => InProcessServer.StartAsync(Settings.Load(
        new Dictionary<string, string?>
        {
            ["AUTH0_TOKEN"] = "test-token-http-1",
            ["AUTH0_MCP_BASE_URL"] = auth0.BaseUrl.ToString().TrimEnd('/'),
            ["AUTH0_MCP_STORE"] = _governance.Store,
            ["AUTH0_MCP_API_KEYS"] = $"{AliceKey}=alice;{BobKey}=bob",
            ["AUTH0_MCP_CALLER_CONCURRENCY"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
        "--http",
        "http://127.0.0.1:0/mcp"));

    private static HttpRequestMessage Post(Uri url, string key, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("X-API-Key", key);
        return request;
    }

    /// <summary>
    /// A POST on a raw connection whose chunked body stops halfway until <see cref="ReleaseAsync"/>; its answer (status,
    /// headers, and a body with a length or in chunks; a stream's body is not read) is read as soon as it comes.
    /// </summary>
    private sealed class HeldPost : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly byte[] _rest;

        private HeldPost(TcpClient tcp, byte[] rest)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
            _rest = rest;
            Answer = ReadAnswerAsync(_stream);
        }

        public Task<(int Status, Dictionary<string, string> Headers, string Body)> Answer { get; }

        private bool _declared;

        /// <summary>Sends the headers and half the body: chunked, or with its <c>Content-Length</c> when <paramref name="declared"/>.</summary>
        public static async Task<HeldPost> StartAsync(Uri url, string key, string body, bool declared = false)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            var half = bytes.Length / 2;
            var tcp = new TcpClient();
            await tcp.ConnectAsync(url.Host, url.Port);
            var head = $"POST {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nX-API-Key: {key}\r\nContent-Type: application/json\r\n" +
                $"Accept: application/json, text/event-stream\r\n" +
                (declared ? $"Content-Length: {bytes.Length}\r\n\r\n" : $"Transfer-Encoding: chunked\r\n\r\n{half:x}\r\n");
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(bytes.AsMemory(0, half));
            if (!declared)
            {
                await stream.WriteAsync("\r\n"u8.ToArray());
            }

            await stream.FlushAsync();
            return new HeldPost(tcp, bytes[half..]) { _declared = declared };
        }

        public async Task ReleaseAsync()
        {
            if (_declared)
            {
                await _stream.WriteAsync(_rest);
                await _stream.FlushAsync();
                return;
            }

            await _stream.WriteAsync(Encoding.ASCII.GetBytes($"{_rest.Length:x}\r\n"));
            await _stream.WriteAsync(_rest);
            await _stream.WriteAsync("\r\n0\r\n\r\n"u8.ToArray());
            await _stream.FlushAsync();
        }

        public void Dispose() => _tcp.Dispose();

        private static async Task<(int, Dictionary<string, string>, string)> ReadAnswerAsync(NetworkStream stream)
        {
            var status = await LineAsync(stream);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var line = await LineAsync(stream); line.Length > 0; line = await LineAsync(stream))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }

            var code = int.Parse(status.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            var body = new StringBuilder();
            if (headers.TryGetValue("content-length", out var length))
            {
                body.Append(Encoding.UTF8.GetString(await BytesAsync(stream, int.Parse(length, System.Globalization.CultureInfo.InvariantCulture))));
            }
            else if (headers.TryGetValue("transfer-encoding", out var encoding) && encoding == "chunked"
                && !(headers.TryGetValue("content-type", out var type) && type.StartsWith("text/event-stream", StringComparison.Ordinal)))
            {
                for (var size = Convert.ToInt32(await LineAsync(stream), 16); size > 0; size = Convert.ToInt32(await LineAsync(stream), 16))
                {
                    body.Append(Encoding.UTF8.GetString(await BytesAsync(stream, size)));
                    await LineAsync(stream);
                }
            }

            return (code, headers, body.ToString());
        }

        private static async Task<string> LineAsync(NetworkStream stream)
        {
            var line = new List<byte>();
            var one = new byte[1];
            while (await stream.ReadAsync(one) == 1)
            {
                if (one[0] == '\n')
                {
                    return Encoding.ASCII.GetString([.. line]).TrimEnd('\r');
                }

                line.Add(one[0]);
            }

            throw new EndOfStreamException("the connection closed mid-answer");
        }

        private static async Task<byte[]> BytesAsync(NetworkStream stream, int count)
        {
            var bytes = new byte[count];
            await stream.ReadExactlyAsync(bytes);
            return bytes;
        }
    }
}
