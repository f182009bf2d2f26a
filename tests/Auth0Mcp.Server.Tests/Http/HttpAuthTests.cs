using System.Net;
using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;
using ModelContextProtocol.Protocol;
using System.Text.Encodings.Web;
using Auth0Mcp.Server.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Server.Tests.Http;

/// <summary>
/// <c>serve --http</c> in this process on 127.0.0.1: who may connect (JWT from a locally issued key, static API
/// keys), what an unauthenticated caller is told, and that the authenticated identity is the governance identity.
/// </summary>
public sealed class HttpAuthTests : IDisposable
{
    private const string AliceKey = "alice-key-0123456789abcdef";
    private readonly LocalIssuer _issuer = new();
    private readonly TempGovernance _governance = new();

    public void Dispose()
    {
        _issuer.Dispose();
        _governance.Dispose();
    }

    private Dictionary<string, string?> Env(Uri auth0) => new()
    {
        ["AUTH0_TOKEN"] = "test-token-http-1",
        ["AUTH0_MCP_BASE_URL"] = auth0.ToString().TrimEnd('/'),
        ["AUTH0_MCP_STORE"] = _governance.Store,
        ["AUTH0_MCP_OIDC_AUTHORITY"] = LocalIssuer.Issuer,
        ["AUTH0_MCP_OIDC_AUDIENCE"] = LocalIssuer.Audience,
        ["AUTH0_MCP_API_KEYS"] = $"{AliceKey}=alice:support",
    };

    private async Task<InProcessServer> StartAsync(Uri auth0)
    {
        // Reads for the "support" group; everything approved for the user "carol".
        await _governance.RunAsync("tools", "approve", "*");
        await _governance.RunAsync("profiles", "create", "support-readers", "--toolsets", "read-only", "--groups", "support", "--policy", "auto");
        await _governance.RunAsync("profiles", "create", "carol-all", "--toolsets", "all-approved", "--users", "carol", "--policy", "auto");
        return await InProcessServer.StartAsync(Settings.Load(Env(auth0), "--http", "http://127.0.0.1:0/mcp"), _issuer.Trust);
    }

    /// <summary>The server at <paramref name="listen"/> with <see cref="Env"/> and <paramref name="settings"/> on top, nothing set up in governance.</summary>
    private Task<InProcessServer> StartWithAsync(Uri auth0, string listen, params (string Name, string Value)[] settings)
    {
        var env = Env(auth0);
        foreach (var (name, value) in settings)
        {
            env[name] = value;
        }

        return InProcessServer.StartAsync(Settings.Load(env, "--http", listen), _issuer.Trust);
    }

    /// <summary>The server on loopback with <see cref="Env"/> and the settings file <paramref name="json"/>, after <paramref name="setup"/> (governance commands).</summary>
    private async Task<InProcessServer> StartWithFileAsync(Uri auth0, string json, params string[][] setup)
    {
        foreach (var command in setup)
        {
            await _governance.RunAsync(command);
        }

        var file = Path.Combine(Path.GetDirectoryName(_governance.Store)!, "settings.json");
        await File.WriteAllTextAsync(file, json);
        return await InProcessServer.StartAsync(Settings.Load(Env(auth0), "--config", file, "--http", "http://127.0.0.1:0/mcp"), _issuer.Trust);
    }

    [Fact]
    public async Task Request_WithoutCredentials_Gets401WithResourceMetadataAndTheMetadataIsServed()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0.BaseUrl);
        using var http = new HttpClient();

        using var response = await http.PostAsync(server.Url, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        var metadataUrl = $"http://127.0.0.1:{server.Url.Port}/.well-known/oauth-protected-resource/mcp";
        Assert.Equal($"resource_metadata=\"{metadataUrl}\"", challenge.Parameter);

        using var metadata = JsonDocument.Parse(await http.GetStringAsync(metadataUrl));
        Assert.Equal(server.Url.ToString().TrimEnd('/'), metadata.RootElement.GetProperty("resource").GetString());
        Assert.Equal(LocalIssuer.Issuer, metadata.RootElement.GetProperty("authorization_servers")[0].GetString());
    }

    [Theory]
    [InlineData("wrong-audience")]
    [InlineData("foreign-key")]
    [InlineData("expired")]
    [InlineData("unknown-api-key")]
    public async Task Request_WithBadCredentials_Gets401(string what)
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0.BaseUrl);
        using var foreign = new LocalIssuer();
        var headers = what switch
        {
            "wrong-audience" => Bearer(_issuer.Token("carol", [], audience: "https://other.invalid/")),
            "foreign-key" => Bearer(_issuer.Token("carol", [], key: foreign.Key)),
            "expired" => Bearer(_issuer.Token("carol", [], expires: DateTime.UtcNow.AddMinutes(-6))),
            _ => new Dictionary<string, string> { ["X-API-Key"] = "not-a-key-0123456789abcdef" },
        };
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url) { Content = new StringContent(Initialize, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        foreach (var (k, v) in headers)
        {
            request.Headers.TryAddWithoutValidation(k, v);
        }

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Jwt_SubjectAndGroups_AreTheGovernanceIdentity_ForListAndCall()
    {
        await using var auth0 = new RecordingHttpServer(body: "{\"user_id\":\"auth0|1\",\"client_secret\":\"s3cr3t-value-should-not-leak\"}");
        await using var server = await StartAsync(auth0.BaseUrl);
        await using var client = await server.ConnectAsync(Bearer(_issuer.Token("carol", ["ops"])));

        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("auth0_users_get", new Dictionary<string, object?> { ["id"] = "auth0|1" });

        Assert.Equal(452, tools.Count);
        Assert.True(result.IsError is not true, Text(result));
        Assert.DoesNotContain("s3cr3t-value-should-not-leak", Text(result), StringComparison.Ordinal);
        var request = Assert.Single(auth0.Requests);
        Assert.StartsWith("GET /users/auth0%7C1 ", request, StringComparison.Ordinal);
        var audit = await _governance.AuditAsync();
        Assert.Contains(AuditLines(audit), r => r.Tool == "auth0_users_get" && r.User == "carol" && r.Outcome == "success");
    }

    [Fact]
    public async Task ApiKey_UserAndGroups_AreTheGovernanceIdentity_ReadOnlyProfile()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0.BaseUrl);
        await using var client = await server.ConnectAsync(new Dictionary<string, string> { ["X-API-Key"] = AliceKey });

        var tools = await client.ListToolsAsync();
        var denied = await client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" });

        Assert.NotEmpty(tools);
        Assert.All(tools, t => Assert.True(t.ProtocolTool.Annotations?.ReadOnlyHint, t.Name));
        Assert.True(denied.IsError);
        Assert.Equal("Denied by governance: unknown tool 'auth0_users_delete' [unknown-tool]", Text(denied));
        Assert.Empty(auth0.Requests);
        Assert.Contains(AuditLines(await _governance.AuditAsync()), r => r.Tool == "auth0_users_delete" && r.User == "alice" && r.Outcome == "denied" && r.DenialCode == "not-in-profile");
    }

    [Fact]
    public async Task ApiKeys_InTheEnvironment_ReplaceTheFilesKeys_ANewKeyGetsNoGroupsOfTheFilesKeyAtItsPlace()
    {
        // The file's first key (alice, support) and second (carol); the environment's one key: bob, without groups.
        // Layered item by item, bob's key took alice's groups and carol's key stayed active.
        await using var auth0 = new RecordingHttpServer();
        await _governance.RunAsync("tools", "approve", "*");
        await _governance.RunAsync("profiles", "create", "support-readers", "--toolsets", "read-only", "--groups", "support", "--policy", "auto");
        var file = Path.Combine(Path.GetDirectoryName(_governance.Store)!, "settings.json");
        await File.WriteAllTextAsync(file, $$"""
            { "Authentication": { "ApiKeys": [
                { "Key": "{{AliceKey}}", "User": "alice", "Groups": ["support"] },
                { "Key": "carol-key-0123456789abcdef", "User": "carol" } ] } }
            """);
        var env = Env(auth0.BaseUrl);
        env["AUTH0_MCP_API_KEYS"] = "bob-key-0123456789abcdef=bob";
        await using var server = await InProcessServer.StartAsync(Settings.Load(env, "--config", file, "--http", "http://127.0.0.1:0/mcp"), _issuer.Trust);
        await using var bob = await server.ConnectAsync(new Dictionary<string, string> { ["X-API-Key"] = "bob-key-0123456789abcdef" });

        Assert.Empty(await bob.ListToolsAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, await PostInitializeAsync(server.Url, ("X-API-Key", "carol-key-0123456789abcdef")));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostInitializeAsync(server.Url, ("X-API-Key", AliceKey)));
    }

    [Fact]
    public async Task ApiKey_AsBearer_IsAccepted()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0.BaseUrl);
        await using var client = await server.ConnectAsync(Bearer(AliceKey));

        var tools = await client.ListToolsAsync();

        Assert.NotEmpty(tools);
    }

    [Fact]
    public async Task Host_NotLoopback_IsRefused()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0.BaseUrl);
        var status = await PostInitializeAsync(server.Url, ("Host", "evil.example"), ("X-API-Key", AliceKey));

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task Host_LoopbackNameInCapitals_IsAccepted()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0.BaseUrl);
        var status = await PostInitializeAsync(server.Url, ("Host", "LOCALHOST:" + server.Url.Port), ("X-API-Key", AliceKey));

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Origin_OnANonLoopbackListener_OnlyTheServersOwnOrAnAllowedOneIsServed()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartWithAsync(auth0.BaseUrl, "http://0.0.0.0:0/mcp", ("AUTH0_MCP_ALLOWED_ORIGINS", "https://inspector.example.test:443, http://127.0.0.1:6274/"));
        var url = new UriBuilder(server.Url) { Host = "127.0.0.1" }.Uri;
        var own = $"http://127.0.0.1:{url.Port}";

        Assert.Equal(HttpStatusCode.OK, await PostInitializeAsync(url, ("X-API-Key", AliceKey))); // no Origin: not a browser
        Assert.Equal(HttpStatusCode.OK, await PostInitializeAsync(url, ("Origin", own), ("X-API-Key", AliceKey)));
        // Configured with its default port: the browser's Origin leaves it out.
        Assert.Equal(HttpStatusCode.OK, await PostInitializeAsync(url, ("Origin", "https://INSPECTOR.example.test"), ("X-API-Key", AliceKey)));
        Assert.Equal(HttpStatusCode.OK, await PostInitializeAsync(url, ("Origin", "http://127.0.0.1:6274"), ("X-API-Key", AliceKey)));
        Assert.Equal(HttpStatusCode.Forbidden, await PostInitializeAsync(url, ("Origin", "https://evil.example"), ("X-API-Key", AliceKey)));
        Assert.Equal(HttpStatusCode.Forbidden, await PostInitializeAsync(url, ("Origin", "http://127.0.0.1:6275"), ("X-API-Key", AliceKey)));
        Assert.Equal(HttpStatusCode.Forbidden, await PostInitializeAsync(url, ("Origin", "null"), ("X-API-Key", AliceKey)));
        // Refused before authentication: an anonymous page elsewhere learns nothing, not even the 401's metadata.
        Assert.Equal(HttpStatusCode.Forbidden, await PostInitializeAsync(url, ("Origin", "https://evil.example")));
    }

    [Fact]
    public async Task GroupsClaimConfigured_ApiKeysKeepTheirGroups_AndAJwtsOtherGroupsClaimGrantsNothing()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartWithFileAsync(auth0.BaseUrl, """{ "Authentication": { "Jwt": { "GroupsClaim": "https://acme/roles" } } }""",
            ["tools", "approve", "*"], ["profiles", "create", "support-readers", "--toolsets", "read-only", "--groups", "support", "--policy", "auto"]);

        await using var keyed = await server.ConnectAsync(new Dictionary<string, string> { ["X-API-Key"] = AliceKey });
        await using var token = await server.ConnectAsync(Bearer(_issuer.Token("dave", ["support"])));

        Assert.NotEmpty(await keyed.ListToolsAsync()); // alice:support, issued under the configured claim
        Assert.Empty(await token.ListToolsAsync()); // "groups": ["support"] is not the configured claim
    }

    [Fact]
    public async Task LocalUser_RequestAProxyForwarded_IsNotTheLocalUser()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartWithAsync(auth0.BaseUrl, "http://127.0.0.1:0/mcp", ("AUTH0_MCP_HTTP_LOCAL_USER", "on"), ("AUTH0_MCP_USER", "carol"));

        Assert.Equal(HttpStatusCode.OK, await PostInitializeAsync(server.Url));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostInitializeAsync(server.Url, ("X-Forwarded-For", "203.0.113.5")));
    }

    [Fact]
    public async Task RequestLimitAboveKestrelsDefault_ALargerBodyIsTheGuardsRecordedRefusal()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartWithAsync(auth0.BaseUrl, "http://127.0.0.1:0/mcp", ("AUTH0_MCP_MAX_REQUEST_BYTES", "31000000"));
        using var http = new HttpClient();
        var body = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"params\":{\"pad\":\"" + new string('x', 31_500_000) + "\"}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("X-API-Key", AliceKey);
        request.Headers.TransferEncodingChunked = true; // no Content-Length: the guard must read the body to find its size

        try
        {
            // The guard answers 413 and closes once it has read past the limit: the client may still be sending.
            using var response = await http.SendAsync(request);
            var answer = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge && answer.Contains("exceed the 31000000-byte limit", StringComparison.Ordinal), $"{(int)response.StatusCode}: {answer}");
        }
        catch (HttpRequestException)
        {
        }

        // Kestrel's own 30 MB limit would have cut the body first: an empty 413 and no record.
        var audit = await _governance.AuditAsync();
        Assert.Contains("request-too-large", audit, StringComparison.Ordinal);
        Assert.Contains("exceed the 31000000-byte limit", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jwt_CallerIdentifiedByAnotherClaimThanSub_TheirSessionIsBoundToThem()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartWithFileAsync(auth0.BaseUrl, """{ "Authentication": { "Jwt": { "SubjectClaim": "email" } } }""",
            ["tools", "approve", "*"], ["profiles", "create", "mail", "--toolsets", "all-approved", "--users", "dana@example.test,erin@example.test", "--policy", "auto"]);
        using var http = new HttpClient();
        var dana = _issuer.Token("dana@example.test", [], subjectClaim: "email");
        var erin = _issuer.Token("erin@example.test", [], subjectClaim: "email");

        async Task<HttpResponseMessage> PostAsync(string token, string body, string? session)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, server.Url) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            if (session is not null)
            {
                request.Headers.Add("Mcp-Session-Id", session);
            }

            return await http.SendAsync(request);
        }

        using var opened = await PostAsync(dana, Initialize, null);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        var session = Assert.Single(opened.Headers.GetValues("Mcp-Session-Id"));
        const string List = """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""";

        // Neither token has sub: without the binding, the SDK refused to open a session for them at all (403); with it,
        // Dana's session is hers alone.
        using var erins = await PostAsync(erin, List, session);
        using var danas = await PostAsync(dana, List, session);

        Assert.Equal(HttpStatusCode.Forbidden, erins.StatusCode);
        Assert.Equal(HttpStatusCode.OK, danas.StatusCode);
        Assert.Contains("\"name\":\"auth0_", await danas.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TransportRefusals_OfTheMcpSdk_AreAuditedWithTheCaller_AndTheClaimedSessionIsNotTheirs()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0.BaseUrl);
        using var http = new HttpClient();
        // Carol opens a session with an initialize (the SDK's own client asks per request, without one).
        using var open = new HttpRequestMessage(HttpMethod.Post, server.Url) { Content = new StringContent(Initialize, System.Text.Encoding.UTF8, "application/json") };
        open.Headers.Accept.ParseAdd("application/json, text/event-stream");
        open.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _issuer.Token("carol", []));
        using var opened = await http.SendAsync(open);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        var carols = Assert.Single(opened.Headers.GetValues("Mcp-Session-Id"));
        await using var carol = await server.ConnectAsync(Bearer(_issuer.Token("carol", [])));

        HttpRequestMessage Alice(HttpMethod method, string? accept = "application/json, text/event-stream", string? session = null)
        {
            var request = new HttpRequestMessage(method, server.Url);
            if (method == HttpMethod.Post)
            {
                request.Content = new StringContent("""{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"auth0_users_delete","arguments":{"id":"auth0|1"}}}""", System.Text.Encoding.UTF8, "application/json");
            }

            if (accept is not null)
            {
                request.Headers.Accept.ParseAdd(accept);
            }

            if (session is not null)
            {
                request.Headers.Add("Mcp-Session-Id", session);
            }

            request.Headers.Add("X-API-Key", AliceKey);
            return request;
        }

        // Carol's session, used by Alice: the SDK refuses it (403) before governance sees the call.
        using (var hijack = await http.SendAsync(Alice(HttpMethod.Post, session: carols)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, hijack.StatusCode);
        }

        using (var accept = await http.SendAsync(Alice(HttpMethod.Post, accept: "application/json")))
        {
            Assert.Equal(HttpStatusCode.NotAcceptable, accept.StatusCode);
        }

        using (var unknown = await http.SendAsync(Alice(HttpMethod.Get, accept: "text/event-stream", session: "no-such-session")))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        // A GET answered 400 (no session id; or a client's own session reopening its event stream) is no one else's
        // session and carries no message: not a refusal to record.
        using (var stream = await http.SendAsync(Alice(HttpMethod.Get, accept: "text/event-stream")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, stream.StatusCode);
        }

        // Normal traffic leaves none: Carol's notification (202) and the close of her own session (DELETE, 200).
        foreach (var (method, body) in new[] { (HttpMethod.Post, """{"jsonrpc":"2.0","method":"notifications/initialized"}"""), (HttpMethod.Delete, null) })
        {
            using var own = new HttpRequestMessage(method, server.Url);
            if (body is not null)
            {
                own.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }

            own.Headers.Accept.ParseAdd("application/json, text/event-stream");
            own.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _issuer.Token("carol", []));
            own.Headers.Add("Mcp-Session-Id", carols);
            using var answered = await http.SendAsync(own);
            Assert.True(answered.IsSuccessStatusCode, $"{method}: {(int)answered.StatusCode}");
        }

        Assert.NotEmpty(await carol.ListToolsAsync());
        Assert.Empty(auth0.Requests);
        var refused = (await _governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("event").GetString() == "request.refused")
            .ToList();
        // Only the three refusals: Carol's requests, all answered, leave none.
        Assert.Equal(3, refused.Count);
        Assert.All(refused, r =>
        {
            Assert.Equal("alice", r.GetProperty("user").GetString());
            Assert.Equal("api-key " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(AliceKey)))[..8], r.GetProperty("credential").GetString());
            Assert.Equal("transport-refused", r.GetProperty("denial_code").GetString());
            Assert.Equal("denied", r.GetProperty("outcome").GetString());
            // A refused request's session is the client's claim: never the record's session.
            Assert.False(r.TryGetProperty("session", out var s) && s.ValueKind == JsonValueKind.String, r.ToString());
        });
        var hijacked = Assert.Single(refused, r => r.GetProperty("reason").GetString()!.Contains("HTTP 403", StringComparison.Ordinal));
        Assert.Contains("Mcp-Session-Id claimed " + carols, hijacked.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("auth0_users_delete", hijacked.GetProperty("tool").GetString());
        Assert.Contains(refused, r => r.GetProperty("reason").GetString()!.Contains("HTTP 406", StringComparison.Ordinal));
        Assert.Contains(refused, r => r.GetProperty("reason").GetString()!.Contains("HTTP 404", StringComparison.Ordinal)
            && r.GetProperty("reason").GetString()!.Contains("claimed no-such-session", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiKeys_TwoForOneUser_EachRecordNamesTheKeyThatSignedIn_AndTheStartListsTheirFingerprints()
    {
        // The investigator's question: was alice's old (leaked) key used? Her two keys leave records that say which.
        const string oldKey = "alice-OLD-leaked-key-0123456789abcdef";
        await using var auth0 = new RecordingHttpServer(body: "{\"user_id\":\"auth0|1\"}");
        await _governance.RunAsync("tools", "approve", "*");
        await _governance.RunAsync("profiles", "create", "support-readers", "--toolsets", "read-only", "--groups", "support", "--policy", "auto");
        await using var server = await StartWithAsync(auth0.BaseUrl, "http://127.0.0.1:0/mcp", ("AUTH0_MCP_API_KEYS", $"{AliceKey}=alice:support;{oldKey}=alice:support"));
        foreach (var key in new[] { AliceKey, oldKey })
        {
            await using var client = await server.ConnectAsync(new Dictionary<string, string> { ["X-API-Key"] = key });
            Assert.True((await client.CallToolAsync("auth0_users_get", new Dictionary<string, object?> { ["id"] = "auth0|1" })).IsError is not true);
        }

        var records = (await _governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        string Fingerprint(string key) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..8];
        var calls = records.Where(r => r.GetProperty("event").GetString() is "tool.call.intent" or "tool.call").ToList();
        Assert.Equal(4, calls.Count);
        Assert.Equal(["api-key " + Fingerprint(AliceKey), "api-key " + Fingerprint(AliceKey), "api-key " + Fingerprint(oldKey), "api-key " + Fingerprint(oldKey)],
            calls.Select(r => r.GetProperty("credential").GetString()));
        var started = Assert.Single(records, r => r.GetProperty("event").GetString() == "server.started");
        var details = started.GetProperty("details").GetString()!;
        Assert.Contains($"\"api_keys\":\"alice {Fingerprint(AliceKey)}, alice {Fingerprint(oldKey)}\"", details, StringComparison.Ordinal);
        Assert.DoesNotContain("key-0123456789", string.Join("\n", records), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKeys_InTheEnvironment_Base64PaddingAndSpacesAroundTheEquals_TheKeyAClientSendsSignsInAsItsUser()
    {
        // openssl rand -base64 keys end in '=' padding: cut at the first '=', the whole key got 401 and the key without
        // its padding signed in as the user "=alice". Spaces around the '=' stayed in the key, which no client can send.
        const string padded = "c2l4dGVlbi1ieXRlLWtleQ=="; // openssl rand -base64 16: 16 bytes, two '='s
        const string bobKey = "bob-key-0123456789abcdef";
        await using var auth0 = new RecordingHttpServer(body: "{\"user_id\":\"auth0|1\"}");
        await _governance.RunAsync("tools", "approve", "*");
        await _governance.RunAsync("profiles", "create", "support-readers", "--toolsets", "read-only", "--groups", "support", "--policy", "auto");
        await using var server = await StartWithAsync(auth0.BaseUrl, "http://127.0.0.1:0/mcp", ("AUTH0_MCP_API_KEYS", $"{padded}=alice:support; {bobKey} = bob : support"));

        await using (var alice = await server.ConnectAsync(new Dictionary<string, string> { ["X-API-Key"] = padded }))
        {
            Assert.True((await alice.CallToolAsync("auth0_users_get", new Dictionary<string, object?> { ["id"] = "auth0|1" })).IsError is not true);
        }

        await using (var bob = await server.ConnectAsync(new Dictionary<string, string> { ["X-API-Key"] = bobKey }))
        {
            Assert.NotEmpty(await bob.ListToolsAsync());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await PostInitializeAsync(server.Url, ("X-API-Key", padded.TrimEnd('='))));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostInitializeAsync(server.Url, ("X-API-Key", padded[..^1])));
        var records = (await _governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(records, r => r.GetProperty("event").GetString() == "tool.call" && r.GetProperty("user").GetString() == "alice"
            && r.GetProperty("credential").GetString() == "api-key " + ApiKeyAuthenticationHandler.Fingerprint(padded));
        var started = Assert.Single(records, r => r.GetProperty("event").GetString() == "server.started");
        Assert.Contains($"\"api_keys\":\"alice {ApiKeyAuthenticationHandler.Fingerprint(padded)}, bob {ApiKeyAuthenticationHandler.Fingerprint(bobKey)}\"",
            started.GetProperty("details").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKey_WrongKeys_OneWarningPerPeerAddressAMinute_NamingThePeer_NeverTheKey()
    {
        var options = new ApiKeyAuthenticationOptions { Keys = [new ApiKeyEntry { Key = AliceKey, User = "alice" }] };
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        options.Refusals.Time = clock;
        using var logs = new LinesLoggerProvider();
        using var factory = new Microsoft.Extensions.Logging.LoggerFactory([logs]);
        async Task<AuthenticateResult> SignInAsync(string key, string peer)
        {
            var handler = new ApiKeyAuthenticationHandler(new FixedOptions<ApiKeyAuthenticationOptions>(options), factory, UrlEncoder.Default);
            var context = new DefaultHttpContext();
            context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
            context.Request.Headers.Authorization = "Bearer " + key;
            await handler.InitializeAsync(new AuthenticationScheme(ApiKeyAuthenticationHandler.SchemeName, null, typeof(ApiKeyAuthenticationHandler)), context);
            return await handler.AuthenticateAsync();
        }

        for (var n = 1; n <= 3; n++)
        {
            Assert.False((await SignInAsync($"guess-{n}", "198.51.100.23")).Succeeded);
        }

        var line = Assert.Single(logs.Lines);
        Assert.StartsWith("Warning", line, StringComparison.Ordinal);
        Assert.Contains("198.51.100.23", line, StringComparison.Ordinal);
        Assert.DoesNotContain("guess", line, StringComparison.Ordinal);
        Assert.True((await SignInAsync(AliceKey, "198.51.100.23")).Succeeded);
        Assert.Single(logs.Lines);

        // Another address has its own line; the first gets its next one a minute on, with the count since its last.
        Assert.False((await SignInAsync("guess-4", "203.0.113.5")).Succeeded);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False((await SignInAsync("guess-5", "198.51.100.23")).Succeeded);
        Assert.Equal(3, logs.Lines.Count);
        Assert.Contains("203.0.113.5 (1 from that address", logs.Lines[1], StringComparison.Ordinal);
        Assert.Contains("198.51.100.23 (3 from that address", logs.Lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jwt_Rejected_OneWarningPerPeerAddress_SayingWhy_NeverTheToken()
    {
        await using var auth0 = new RecordingHttpServer();
        var logs = new LinesLoggerProvider();
        await using var server = await InProcessServer.StartAsync(Settings.Load(Env(auth0.BaseUrl), "--http", "http://127.0.0.1:0/mcp"), services =>
        {
            _issuer.Trust(services);
            services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs);
        });
        var expired = _issuer.Token("carol", [], expires: DateTime.UtcNow.AddMinutes(-6));
        using var http = new HttpClient();
        async Task<HttpStatusCode> PostAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, server.Url) { Content = new StringContent(Initialize, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        var otherAudience = _issuer.Token("carol", [], audience: "https://other.invalid/");
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(otherAudience));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(expired));

        // Two refusals from one address within the minute: one line, naming the address and why, not the token.
        var lines = logs.Lines.Where(l => l.Contains("Refused a sign-in", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        Assert.StartsWith("Warning Refused a sign-in with a rejected JWT (wrong audience) from 127.0.0.1 (1 from that address", line, StringComparison.Ordinal);
        Assert.DoesNotContain(otherAudience.Split('.')[1], string.Join("\n", logs.Lines), StringComparison.Ordinal);
        Assert.DoesNotContain(expired.Split('.')[1], string.Join("\n", logs.Lines), StringComparison.Ordinal);
    }

    /// <summary>Posts an <c>initialize</c> to <paramref name="url"/> with <paramref name="headers"/> (<c>Host</c> included); the status.</summary>
    private static async Task<HttpStatusCode> PostInitializeAsync(Uri url, params (string Name, string Value)[] headers)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Initialize, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        foreach (var (name, value) in headers)
        {
            if (name == "Host")
            {
                request.Headers.Host = value;
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    private static Dictionary<string, string> Bearer(string token) => new() { ["Authorization"] = "Bearer " + token };

    internal static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    internal sealed record AuditLine(string? Tool, string? User, string? Outcome, string? DenialCode);

    internal static List<AuditLine> AuditLines(string jsonLines) =>
        jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.TrimStart().StartsWith('{'))
            .Select(l =>
            {
                using var doc = JsonDocument.Parse(l);
                var r = doc.RootElement;
                string? S(string n) => r.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                return new AuditLine(S("tool"), S("user"), S("outcome"), S("denial_code"));
            })
            .ToList();

    // The settings refuse a local user on a listener other than loopback; the handler checks the peer again (a backstop).
    // (The peer's account is taken as the server's own here: LocalUser_ALoopbackConnectionOfNoKnownSocket_IsRefused.)
    [Theory]
    [InlineData("203.0.113.7", false)]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    public async Task LocalUser_OnlyForALoopbackPeer_TheHandlerItselfChecks(string remote, bool succeeds)
    {
        var result = await AuthenticateLocalUserAsync(new LocalUserAuthenticationOptions { User = "alice", PeerProblem = _ => null }, IPAddress.Parse(remote), 40000, IPAddress.Parse(remote), 8080);

        Assert.Equal(succeeds, result.Succeeded);
    }

    /// <summary>
    /// A loopback port is open to every account on the machine: the local user is given only to a connection whose
    /// client socket is the server's own account's, and one whose owner cannot be told (no such socket) is refused.
    /// </summary>
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("::1", "::1")]
    [InlineData("::ffff:127.0.0.1", "::ffff:127.0.0.1")]
    public async Task LocalUser_ALoopbackConnectionOfNoKnownSocket_IsRefused(string remote, string local)
    {
        // Port 1 to port 2: no socket on this machine has those ends.
        var result = await AuthenticateLocalUserAsync(new LocalUserAuthenticationOptions { User = "alice" }, IPAddress.Parse(remote), 1, IPAddress.Parse(local), 2);

        Assert.False(result.Succeeded);
        Assert.Equal("the local user is only for connections from the server's own OS account", result.Failure?.Message);
    }

    [Fact]
    public async Task LocalUser_AConnectionFromTheServersOwnAccount_IsTheLocalUser()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartWithAsync(auth0.BaseUrl, "http://127.0.0.1:0/mcp", ("AUTH0_MCP_HTTP_LOCAL_USER", "on"), ("AUTH0_MCP_USER", "carol"));

        // This process is the server's account: its client socket is found in /proc/net/tcp with the server's uid.
        Assert.Equal(HttpStatusCode.OK, await PostInitializeAsync(server.Url));
        Assert.Equal(HttpStatusCode.OK, await PostInitializeAsync(server.Url)); // again, on the same kept-alive connection
    }

    /// <summary>The same server, called by a client running as another account (nobody, uid 65534): refused, 401.</summary>
    [OtherAccountFact]
    public async Task LocalUser_AConnectionFromAnotherAccount_IsRefused()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartWithAsync(auth0.BaseUrl, "http://127.0.0.1:0/mcp", ("AUTH0_MCP_HTTP_LOCAL_USER", "on"), ("AUTH0_MCP_USER", "carol"));

        Assert.Equal("200", await CurlAsync(server.Url, asNobody: false)); // curl itself, as this account
        Assert.Equal("401", await CurlAsync(server.Url, asNobody: true));
    }

    private static async Task<string> CurlAsync(Uri url, bool asNobody)
    {
        string[] curl = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
            "-H", "Accept: application/json, text/event-stream", "--data", Initialize, url.ToString()];
        string[] command = asNobody ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", .. curl] : curl;
        return (await ChildProcess.RunAsync(command[0], command[1..], timeout: TimeSpan.FromMinutes(1))).Stdout.Trim();
    }

    /// <summary>
    /// Another local account opening connection after connection (each its own client port) is refused each time,
    /// but logged at most once a minute per address and account, with the count: it cannot flood the log.
    /// </summary>
    [Fact]
    public async Task LocalUser_AnotherAccountsConnections_OneWarningPerAddressAndAccountAMinute_WithTheCount()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new LocalUserAuthenticationOptions
        {
            User = "alice",
            PeerProblem = c => $"the client socket belongs to another account (uid {(c.RemotePort < 50000 ? 65534 : 1001)}; this server runs as uid 1000)",
        };
        options.Refusals.Time = clock;
        using var logs = new LinesLoggerProvider();
        using var factory = new Microsoft.Extensions.Logging.LoggerFactory([logs]);
        var loopback = IPAddress.Loopback;

        for (var port = 40000; port < 40300; port++)
        {
            Assert.False((await AuthenticateLocalUserAsync(options, loopback, port, loopback, 8080, factory)).Succeeded);
        }

        var line = Assert.Single(logs.Lines);
        Assert.Equal("Warning Refused a sign-in with the local user (AUTH0_MCP_HTTP_LOCAL_USER) from 127.0.0.1: the client socket belongs to another account (uid 65534; this server runs as uid 1000) (1 from that address since its last such line; at most one line per address every 60 s)", line);

        // Another account has its own line; the first gets its next one a minute on, with the count since its last.
        Assert.False((await AuthenticateLocalUserAsync(options, loopback, 50001, loopback, 8080, factory)).Succeeded);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False((await AuthenticateLocalUserAsync(options, loopback, 40300, loopback, 8080, factory)).Succeeded);
        Assert.Equal(3, logs.Lines.Count);
        Assert.Contains("uid 1001", logs.Lines[1], StringComparison.Ordinal);
        Assert.Contains("uid 65534; this server runs as uid 1000) (300 from that address", logs.Lines[2], StringComparison.Ordinal);
    }

    private static async Task<AuthenticateResult> AuthenticateLocalUserAsync(LocalUserAuthenticationOptions options, IPAddress remote, int remotePort, IPAddress local, int localPort, Microsoft.Extensions.Logging.ILoggerFactory? logging = null)
    {
        var handler = new LocalUserAuthenticationHandler(new FixedLocalUserOptions(options), logging ?? NullLoggerFactory.Instance, UrlEncoder.Default);
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = remote;
        context.Connection.RemotePort = remotePort;
        context.Connection.LocalIpAddress = local;
        context.Connection.LocalPort = localPort;
        await handler.InitializeAsync(new AuthenticationScheme(LocalUserAuthenticationHandler.SchemeName, null, typeof(LocalUserAuthenticationHandler)), context);
        return await handler.AuthenticateAsync();
    }

    private sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }

    /// <summary>Each log line of Warning or above, as "Level message".</summary>
    private sealed class LinesLoggerProvider : Microsoft.Extensions.Logging.ILoggerProvider
    {
        public List<string> Lines { get; } = [];

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(List<string> lines) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    lock (lines)
                    {
                        lines.Add($"{logLevel} {formatter(state, exception)}");
                    }
                }
            }
        }
    }

    private sealed class FixedLocalUserOptions(LocalUserAuthenticationOptions value) : IOptionsMonitor<LocalUserAuthenticationOptions>
    {
        public LocalUserAuthenticationOptions CurrentValue => value;

        public LocalUserAuthenticationOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<LocalUserAuthenticationOptions, string?> listener) => null;
    }
}

/// <summary>A fact that runs a client as another account (setpriv to nobody, curl): root on Linux with both tools; skipped, with the reason, otherwise.</summary>
public sealed class OtherAccountFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> unless running as root on Linux with setpriv and curl.</summary>
    public OtherAccountFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || geteuid() != 0)
        {
            Skip = "needs root on Linux to run a client as another account (CI runs as root)";
        }
        else if (new[] { "setpriv", "curl" }.FirstOrDefault(t => !(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, t)))) is { } missing)
        {
            Skip = $"needs {missing} on the PATH to run a client as another account";
        }
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}
