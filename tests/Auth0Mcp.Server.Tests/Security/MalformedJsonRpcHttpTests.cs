using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Server.Tests.Http;
using Auth0Mcp.Server.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests.Security;

/// <summary>
/// Issue 11 items 5 and 7 over Streamable HTTP (the host in this process): an oversized body gets 413, a malformed
/// one 400, each with a JSON-RPC error and an audit record naming the authenticated caller; an anonymous caller
/// gets 401 and leaves no record; nothing reaches Auth0; a proper client still works afterwards.
/// </summary>
public sealed class MalformedJsonRpcHttpTests : IDisposable
{
    private const string MalloryKey = "mallory-key-0123456789abcdef";
    private readonly TempGovernance _governance = new();

    public void Dispose() => _governance.Dispose();

    private async Task<InProcessServer> StartAsync(Uri auth0, int limit)
    {
        await _governance.RunAsync("tools", "approve", "*");
        await _governance.RunAsync("profiles", "create", "all", "--toolsets", "all-approved", "--users", "mallory", "--policy", "auto");
        return await InProcessServer.StartAsync(Settings.Load(new Dictionary<string, string?>
        {
            ["AUTH0_TOKEN"] = "test-token-http-sec",
            ["AUTH0_MCP_BASE_URL"] = auth0.ToString().TrimEnd('/'),
            ["AUTH0_MCP_STORE"] = _governance.Store,
            ["AUTH0_MCP_API_KEYS"] = $"{MalloryKey}=mallory",
            ["AUTH0_MCP_MAX_REQUEST_BYTES"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, "--http", "http://127.0.0.1:0/mcp"));
    }

    private static HttpRequestMessage Post(Uri url, string body, string? key = MalloryKey, bool chunked = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url);
        HttpContent content = chunked
            ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)))
            : new StringContent(body, Encoding.UTF8, "application/json");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (chunked)
        {
            content.Headers.ContentLength = null;
            request.Headers.TransferEncodingChunked = true;
        }

        request.Content = content;
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }

    [Fact]
    public async Task Post_HostileBodies_RefusedWithJsonRpcErrorsAuditedAndNothingSent()
    {
        const int Limit = 32 * 1024;
        await using var auth0 = new RecordingHttpServer(body: "[]");
        await using var server = await StartAsync(auth0.BaseUrl, Limit);
        using var http = new HttpClient();
        var big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"" + new string('A', 2 * Limit) + "\"}}}";
        var cases = new (string Body, bool Chunked, HttpStatusCode Status)[]
        {
            (big, false, HttpStatusCode.RequestEntityTooLarge),
            (big, true, HttpStatusCode.RequestEntityTooLarge),
            ("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"a\",\"q\":\"b\"}}}", false, HttpStatusCode.BadRequest),
            ("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"\\udc00\"}}}", false, HttpStatusCode.BadRequest),
            ("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":" + new string('[', 3000), false, HttpStatusCode.BadRequest),
            ("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":[\"tools/list\"]}", false, HttpStatusCode.BadRequest),
            // What the MCP transport answered 400 with no JSON-RPC error (an id it cannot read), or -32603 with no record
            // (params it cannot read): the guard's own refusals now.
            ("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"tools/list\"}", false, HttpStatusCode.BadRequest),
            ("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"tools/list\"}", false, HttpStatusCode.BadRequest),
            ("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"loud\"}}", false, HttpStatusCode.BadRequest),
            ("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{},\"_meta\":\"s\"}}", false, HttpStatusCode.BadRequest),
        };

        foreach (var (body, chunked, status) in cases)
        {
            using var response = await http.SendAsync(Post(server.Url, body, chunked: chunked));
            Assert.Equal(status, response.StatusCode);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(doc.RootElement.TryGetProperty("error", out _));
        }

        // Anonymous: refused by authentication, no record.
        using (var anonymous = await http.SendAsync(Post(server.Url, big, key: null)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        // A proper client still works.
        await using (var client = await server.ConnectAsync(new Dictionary<string, string> { ["Authorization"] = "Bearer " + MalloryKey }))
        {
            var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["q"] = "after" });
            Assert.NotEqual(true, result.IsError);
        }

        Assert.Single(auth0.Requests);
        var refused = (await _governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("event").GetString() == "request.refused")
            .ToList();
        Assert.Equal(cases.Length, refused.Count);
        Assert.All(refused, r => Assert.Equal("mallory", r.GetProperty("user").GetString()));
        Assert.Equal(2, refused.Count(r => r.GetProperty("denial_code").GetString() == "request-too-large"));
        Assert.Equal(cases.Count(c => c.Status == HttpStatusCode.BadRequest), refused.Count(r => r.GetProperty("denial_code").GetString() == "malformed-request"));

        // Each refused body read whole is recorded by the keyed digest of its sha256 (never the sha256 itself, which would
        // let a reader test guesses of what the body held); the chunked one by that of what was read of it.
        var hashes = refused.Select(r => r.TryGetProperty("arguments_hash", out var h) ? h.GetString() : null).ToList();
        foreach (var (body, _, status) in cases.Where(c => c.Status == HttpStatusCode.BadRequest))
        {
            var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(body)));
            Assert.DoesNotContain(sha256, hashes);
            Assert.Contains(_governance.RefusedMessageDigest(sha256), hashes);
        }

        // The chunked one: the hash of the bytes read before the refusal, as many as its reason says. Past the limit; the
        // whole body when it happened to arrive in two reads, the first under the limit.
        var partial = Assert.Single(refused, r => r.GetProperty("denial_code").GetString() == "request-too-large" && r.GetProperty("arguments_hash").GetString() is { Length: 64 });
        var read = int.Parse(Regex.Match(partial.GetProperty("reason").GetString()!, @"(\d+) bytes\)$").Groups[1].Value, CultureInfo.InvariantCulture);
        var bigBytes = Encoding.UTF8.GetBytes(big);
        Assert.InRange(read, Limit + 1, bigBytes.Length);
        Assert.Equal(_governance.RefusedMessageDigest(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bigBytes.AsSpan(0, read)))), partial.GetProperty("arguments_hash").GetString());
    }
    [Fact]
    public async Task Post_StringNotUtf8_RefusedAsAParseErrorAndNothingSent()
    {
        await using var auth0 = new RecordingHttpServer(body: "[]");
        await using var server = await StartAsync(auth0.BaseUrl, 32 * 1024);
        using var http = new HttpClient();
        byte[] body = [.. Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"Garc"), 0xED, .. Encoding.UTF8.GetBytes("a\"}}}")];
        using var request = Post(server.Url, "{}");
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(-32700, doc.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("not valid UTF-8", doc.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(auth0.Requests);
        Assert.Contains((await _governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement),
            r => r.GetProperty("event").GetString() == "request.refused" && r.GetProperty("denial_code").GetString() == "malformed-request");
    }

    [Fact]
    public async Task Post_NotJsonInUtf8_Refused415WithAJsonRpcErrorAndRecorded()
    {
        // No Content-Type crashed in the SDK (500, empty body, a stack in the log); text/plain got routing's bare 415
        // and no record; a charset other than UTF-8 was re-decoded by the SDK after the guard checked the bytes as
        // UTF-8 (q "café" reached Auth0 as "cafÃ©", and in us-ascii two different keys became one).
        await using var auth0 = new RecordingHttpServer(body: "[]");
        await using var server = await StartAsync(auth0.BaseUrl, 32 * 1024);
        using var http = new HttpClient();
        const string Body = "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"café\"}}}";
        var types = new[] { null, "text/plain", "application/json; charset=iso-8859-1", "application/json; charset=us-ascii" };

        foreach (var type in types)
        {
            using var request = Post(server.Url, "{}");
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body));
            if (type is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            }

            using var response = await http.SendAsync(request);

            Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{type ?? "none"}: {(int)response.StatusCode}");
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Contains("application/json in UTF-8", doc.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // The SDK's client declares "application/json; charset=utf-8": served, and "café" reaches Auth0 as it was sent.
        await using (var client = await server.ConnectAsync(new Dictionary<string, string> { ["Authorization"] = "Bearer " + MalloryKey }))
        {
            var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["q"] = "café" });
            Assert.NotEqual(true, result.IsError);
        }

        Assert.Contains("caf%C3%A9", Assert.Single(auth0.Requests), StringComparison.Ordinal);
        var refused = (await _governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("event").GetString() == "request.refused")
            .ToList();
        Assert.Equal(types.Length, refused.Count);
        Assert.All(refused, r => Assert.Equal("malformed-request", r.GetProperty("denial_code").GetString()));
        Assert.All(refused, r => Assert.Equal("mallory", r.GetProperty("user").GetString()));
    }

    [Fact]
    public async Task Post_RefusedInALoop_TenRecordsAMinutePerCallerAndKind_TheNextSaysHowManyWereNot()
    {
        // Each refusal was a durable record: an authenticated caller refused in a loop wrote about 3,600 a second and
        // filled the store's disk, after which every caller's calls were refused.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var auth0 = new RecordingHttpServer(body: "[]");
        await _governance.RunAsync("tools", "approve", "*");
        await using var server = await InProcessServer.StartAsync(Settings.Load(new Dictionary<string, string?>
        {
            ["AUTH0_TOKEN"] = "test-token-http-sec",
            ["AUTH0_MCP_BASE_URL"] = auth0.BaseUrl.ToString().TrimEnd('/'),
            ["AUTH0_MCP_STORE"] = _governance.Store,
            ["AUTH0_MCP_API_KEYS"] = $"{MalloryKey}=mallory",
        }, "--http", "http://127.0.0.1:0/mcp"), services => services.AddSingleton<TimeProvider>(clock));
        using var http = new HttpClient();
        async Task RefusedAsync()
        {
            using var request = Post(server.Url, "{}");
            request.Content = new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("text/plain");
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        for (var i = 0; i < 25; i++)
        {
            await RefusedAsync(); // every one answered
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        await RefusedAsync();

        var refused = (await _governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("event").GetString() == "request.refused")
            .ToList();
        Assert.Equal(11, refused.Count);
        Assert.All(refused.Take(10), r => Assert.DoesNotContain("not recorded", r.GetProperty("reason").GetString(), StringComparison.Ordinal));
        Assert.Contains("; 15 more such refusal(s) of this caller not recorded since the last one (at most 10 a minute)", refused[10].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_ToTheEndpoint_Refused405AndRecordedForAnAuthenticatedCallerOnly()
    {
        // Routing answers 405 itself, from an endpoint without the MCP endpoint's metadata: the guard did not see it.
        await using var auth0 = new RecordingHttpServer(body: "[]");
        await using var server = await StartAsync(auth0.BaseUrl, 32 * 1024);
        using var http = new HttpClient();
        foreach (var key in new[] { MalloryKey, null })
        {
            using var request = Post(new UriBuilder(server.Url) { Path = "/MCP/" }.Uri, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", key);
            request.Method = HttpMethod.Put;
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        }

        var refused = Assert.Single((await _governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement), r => r.GetProperty("event").GetString() == "request.refused");
        Assert.Equal("transport-refused", refused.GetProperty("denial_code").GetString());
        Assert.Equal("mallory", refused.GetProperty("user").GetString());
        Assert.Contains("HTTP 405", refused.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_TheTransportThrows_Answered500WithAJsonRpcErrorNotLeftToKestrel()
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        app.UseJsonRpcGuard(new TransportLimits(TransportLimits.DefaultMaxRequestBytes, TransportLimits.DefaultMaxDepth));
        app.Run(_ => throw new InvalidOperationException("the SDK failed"));
        var conventions = new HttpRequestGuardBufferTests.Conventions();
        conventions.GuardedByJsonRpc();
        var endpoint = new RouteEndpointBuilder(_ => Task.CompletedTask, RoutePatternFactory.Parse("/mcp"), 0);
        conventions.Apply(endpoint);
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = "application/json";
        var body = "{\"jsonrpc\":\"2.0\",\"id\":\"x-1\",\"method\":\"ping\"}"u8.ToArray();
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentLength = body.Length;
        context.Response.Body = new MemoryStream();
        context.SetEndpoint(endpoint.Build());

        await ((IApplicationBuilder)app).Build()(context);

        Assert.Equal(StatusCodes.Status500InternalServerError, context.Response.StatusCode);
        using var doc = JsonDocument.Parse(((MemoryStream)context.Response.Body).ToArray());
        Assert.Equal("x-1", doc.RootElement.GetProperty("id").GetString());
        Assert.Equal(-32603, doc.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("/MCP")]
    [InlineData("/mcp/")]
    [InlineData("/Mcp/")]
    public async Task Post_ToTheEndpointUnderAnotherSpellingOfItsPath_IsGuardedAlike(string path)
    {
        // Routing matches the MCP endpoint's path case-insensitively and with a trailing slash; the guard must cover
        // whatever reaches the endpoint, not one spelling of its path.
        await using var auth0 = new RecordingHttpServer(body: "[]");
        await using var server = await StartAsync(auth0.BaseUrl, 32 * 1024);
        using var http = new HttpClient();
        var url = new UriBuilder(server.Url) { Path = path }.Uri;
        var bodies = new[]
        {
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"a\",\"q\":\"b\"}}}",
            "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"auth0_users_list\",\"arguments\":{\"q\":\"" + new string('A', 64 * 1024) + "\"}}}",
        };

        foreach (var body in bodies)
        {
            using var response = await http.SendAsync(Post(url, body));
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Empty(auth0.Requests);
        var refused = (await _governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Count(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString() == "request.refused");
        Assert.Equal(bodies.Length, refused);
    }
}
