using System.IO.Pipelines;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>
/// Issue 11 item 1 on a host without governance (no masking hook): the tool's own result goes through the one
/// token-stream redactor, so deep JSON and a BOM never switch masking off, and a body it cannot read is withheld.
/// </summary>
public sealed class UngovernedRedactionTests
{
    private const string OtherUsersToken = "at-OTHER-USER-8c1f0e2d9b7a";
    private const string OtherUsersRefresh = "rt-OTHER-USER-5a4b3c2d1e0f";

    private static string Deep(int depth) => string.Concat(Enumerable.Repeat("{\"n\":", depth)) + "1" + new string('}', depth);

    private static string Users(int depth) =>
        "[{\"user_id\":\"auth0|deep\",\"user_metadata\":" + Deep(depth) + "},"
        + "{\"user_id\":\"auth0|other\",\"identities\":[{\"provider\":\"google-oauth2\",\"access_token\":\"" + OtherUsersToken + "\",\"refresh_token\":\"" + OtherUsersRefresh + "\"}]}]";

    [Theory]
    [InlineData(10)]
    [InlineData(63)]
    [InlineData(200)]
    public async Task UsersList_OneUsersMetadataNestedDeep_OtherUsersTokensMaskedOverTheWireWithStructuredContent(int depth)
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, Users(depth));
        await using var pair = await McpPair.StartAsync(h);

        var result = await pair.Client.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());

        var wire = System.Text.Json.JsonSerializer.Serialize(result, ModelContextProtocol.McpJsonUtilities.DefaultOptions);
        Assert.DoesNotContain(OtherUsersToken, wire, StringComparison.Ordinal);
        Assert.DoesNotContain(OtherUsersRefresh, wire, StringComparison.Ordinal);
        Assert.Contains("[REDACTED]", result.Text(), StringComparison.Ordinal);
        Assert.Contains("auth0|other", result.Text(), StringComparison.Ordinal);
        var users = Assert.NotNull(result.StructuredContent).GetProperty("result");
        Assert.Equal("[REDACTED]", users[1].GetProperty("identities")[0].GetProperty("access_token").GetString());

        // The deep metadata is all there: as JSON within the serializer's reach, the rest as its JSON text.
        var (node, walked) = (users[0].GetProperty("user_metadata"), 0);
        while (node.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            (node, walked) = (node.GetProperty("n"), walked + 1);
        }

        var rest = node.ValueKind == System.Text.Json.JsonValueKind.String ? node.GetString()!.Split("{\"n\":").Length - 1 : 0;
        Assert.Equal(depth, walked + rest);
        Assert.True(walked < 48, $"{walked} levels of user_metadata in structuredContent");
    }

    [Fact]
    public async Task Success_BodyStartsWithAByteOrderMark_SecretsMaskedAndStructuredContentPresent()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, "\uFEFF{\"client_id\":\"c1\",\"client_secret\":\"cs-BOM-7d6e5f4a3b2c1d0e\"}");

        var result = await h.CallAsync(TestTool.Get());

        Assert.NotEqual(true, result.IsError);
        Assert.DoesNotContain("cs-BOM-7d6e5f4a3b2c1d0e", result.Text(), StringComparison.Ordinal);
        Assert.Equal("{\"client_id\":\"c1\",\"client_secret\":\"[REDACTED]\"}", result.Content.OfType<TextContentBlock>().First().Text);
        Assert.Equal("[REDACTED]", Assert.NotNull(result.StructuredContent).GetProperty("client_secret").GetString());
    }

    [Theory]
    [InlineData("{\"client_secret\":\"cs-BROKEN-1a2b3c4d5e6f\",")]
    [InlineData("[{\"client_secret\":\"cs-BROKEN-1a2b3c4d5e6f\"}")]
    [InlineData("{\"client_secret\":\"cs-BROKEN-1a2b3c4d5e6f\"} trailing")]
    public async Task Success_BodyLooksLikeJsonButIsNot_WithheldSayingWhyNeverPassedThrough(string body)
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, body);

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError);
        Assert.Null(result.StructuredContent);
        Assert.DoesNotContain("cs-BROKEN", result.Text(), StringComparison.Ordinal);
        Assert.Contains("withheld", result.Text(), StringComparison.Ordinal);
        Assert.Contains("request succeeded", result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(200, "ok client_secret=cs-PLAIN-9a8b7c6d5e4f", "ok client_secret=")]
    [InlineData(400, "{\"statusCode\":400,\"message\":\"bad client_secret=cs-ERR-4d3c2b1a0f9e\"}", "auth0_users_list: Auth0 returned 400")]
    public async Task TextAnswerOrErrorQuotingASecret_SecretShapedRunMaskedWithoutGovernance(int status, string body, string kept)
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, status, body);

        var result = await h.CallAsync(TestTool.Get());

        Assert.Equal(status >= 400, result.IsError == true);
        Assert.StartsWith(kept, result.Text(), StringComparison.Ordinal);
        Assert.DoesNotContain("-9a8b7c6d5e4f", result.Text(), StringComparison.Ordinal);
        Assert.DoesNotContain("-4d3c2b1a0f9e", result.Text(), StringComparison.Ordinal);
        Assert.Contains("[REDACTED]", result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("password: 'LEAKPW-0123456789abcdefghij'", "password: '[REDACTED]'")]
    [InlineData("\"client_secret\":\"LEAKCS-0123456789abcdefghij\"", "\"client_secret\":\"[REDACTED]")]
    public async Task ErrorMessage_SecretStraddlingThe500CharacterCut_MaskedBeforeItIsCut(string tail, string masked)
    {
        // The secret starts before character 500 of the message and ends after it: cut first, it would lose its closing quote.
        await using var h = await Harness.StaticAsync();
        const string Pad = "Payload validation error: ";
        var message = Pad + new string('x', 470 - Pad.Length) + " " + tail;
        var body = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["statusCode"] = 400, ["message"] = message });
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 400, body);

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError);
        Assert.DoesNotContain("LEAK", result.Text(), StringComparison.Ordinal);
        Assert.Contains(masked, result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HookSecretsGet_MapOfSecretsUnderChosenNames_EveryValueMaskedNamesKept()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, "{\"STRIPE_KEY\":\"sk_live_GETLEAK_1\",\"DB\":\"GETLEAK_2\"}");
        var descriptor = Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors.Single(d => d.Name == "auth0_hooks_secrets_get");

        var result = await h.CallAsync(new Auth0Mcp.Sdk.Tools.Auth0ApiTool(descriptor), """{"id":"h1"}""");

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("{\"STRIPE_KEY\":\"[REDACTED]\",\"DB\":\"[REDACTED]\"}", result.Content.OfType<TextContentBlock>().First().Text);
        Assert.Equal("[REDACTED]", Assert.NotNull(result.StructuredContent).GetProperty("STRIPE_KEY").GetString());
    }

    /// <summary>A real MCP client and server over in-memory pipes, with the harness's services and no governance.</summary>
    private sealed class McpPair : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
        private readonly Pipe _toServer = new();
        private readonly Pipe _toClient = new();
        private McpServer? _server;
        private Task? _running;

        public McpClient Client { get; private set; } = null!;

        public static async Task<McpPair> StartAsync(Harness h)
        {
            var pair = new McpPair();
            pair._server = McpServer.Create(
                new StreamServerTransport(pair._toServer.Reader.AsStream(), pair._toClient.Writer.AsStream()),
                new McpServerOptions { ToolCollection = [TestTool.Get()] }, null, h.Services);
            pair._running = pair._server.RunAsync(pair._stop.Token);
            pair.Client = await McpClient.CreateAsync(
                new StreamClientTransport(pair._toServer.Writer.AsStream(), pair._toClient.Reader.AsStream()), cancellationToken: pair._stop.Token);
            return pair;
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await _stop.CancelAsync();
            await _toServer.Writer.CompleteAsync();
            await _toClient.Writer.CompleteAsync();
            if (_running is not null)
            {
                await Task.WhenAny(_running, Task.Delay(TimeSpan.FromSeconds(5)));
            }

            if (_server is not null)
            {
                await _server.DisposeAsync();
            }

            _stop.Dispose();
        }
    }
}
