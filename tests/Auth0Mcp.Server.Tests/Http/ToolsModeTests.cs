using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Xunit.Abstractions;

namespace Auth0Mcp.Server.Tests.Http;

/// <summary>
/// Context economy over HTTP with governance on: full mode pages tools/list; progressive mode lists three tools in
/// under 4 KB, and its call tool is governed and audited under the real tool's name, exactly like a direct call.
/// </summary>
public sealed class ToolsModeTests(ITestOutputHelper output) : IDisposable
{
    private const string CarolKey = "carol-key-0123456789abcdef";
    private const string DaveKey = "dave-key-0123456789abcdef0";
    private readonly TempGovernance _governance = new();
    private bool _setUp;

    public void Dispose() => _governance.Dispose();

    private async Task<InProcessServer> StartAsync(Uri auth0, string mode, int? maxOutputBytes = null)
    {
        if (!_setUp)
        {
            await _governance.RunAsync("tools", "approve", "*");
            await _governance.RunAsync("profiles", "create", "all", "--toolsets", "all-approved", "--users", "carol", "--policy", "auto");
            await _governance.RunAsync("profiles", "create", "readers", "--toolsets", "read-only", "--users", "dave", "--policy", "auto");
            _setUp = true;
        }

        var env = new Dictionary<string, string?>
        {
            ["AUTH0_TOKEN"] = "test-token-modes-1",
            ["AUTH0_MCP_BASE_URL"] = auth0.ToString().TrimEnd('/'),
            ["AUTH0_MCP_STORE"] = _governance.Store,
            ["AUTH0_MCP_API_KEYS"] = $"{CarolKey}=carol;{DaveKey}=dave",
            ["AUTH0_MCP_MAX_OUTPUT_BYTES"] = maxOutputBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return await InProcessServer.StartAsync(Settings.Load(env, "--http", "http://127.0.0.1:0/mcp", "--tools-mode", mode));
    }

    private static Dictionary<string, string> Key(string key) => new() { ["X-API-Key"] = key };

    /// <summary>The bytes of every tools/list page's result and how many pages there were.</summary>
    private static async Task<(int Tools, int Pages, long Bytes)> ListRawAsync(McpClient client)
    {
        int tools = 0, pages = 0;
        long bytes = 0;
        string? cursor = null;
        do
        {
            var page = await client.ListToolsAsync(new ListToolsRequestParams { Cursor = cursor });
            bytes += JsonSerializer.SerializeToUtf8Bytes(page, ModelContextProtocol.McpJsonUtilities.DefaultOptions).Length;
            tools += page.Tools.Count;
            pages++;
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return (tools, pages, bytes);
    }

    [Fact]
    public async Task FullMode_ToolsList_IsPaginatedAndCoversEveryEntitledTool()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0.BaseUrl, "full");
        await using var client = await server.ConnectAsync(Key(CarolKey));

        var (tools, pages, _) = await ListRawAsync(client);
        var all = await client.ListToolsAsync();

        Assert.Equal(452, tools);
        Assert.Equal(5, pages);
        Assert.Equal(452, all.Select(t => t.Name).Distinct().Count());
    }

    [Fact]
    public async Task ToolsListSizes_FullReadOnlyProgressive_AreReported()
    {
        await using var auth0 = new RecordingHttpServer();
        long full, readOnly, progressive;
        int fullCount, readCount, progressiveCount;
        await using (var server = await StartAsync(auth0.BaseUrl, "full"))
        {
            await using var carol = await server.ConnectAsync(Key(CarolKey));
            await using var dave = await server.ConnectAsync(Key(DaveKey));
            (fullCount, _, full) = await ListRawAsync(carol);
            (readCount, _, readOnly) = await ListRawAsync(dave);
        }

        await using (var server = await StartAsync(auth0.BaseUrl, "progressive"))
        {
            await using var carol = await server.ConnectAsync(Key(CarolKey));
            (progressiveCount, _, progressive) = await ListRawAsync(carol);
        }

        output.WriteLine($"tools/list bytes (sum of result pages): full={full} ({fullCount} tools), read-only={readOnly} ({readCount} tools), progressive={progressive} ({progressiveCount} tools)");
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "auth0-mcp-tools-list-sizes.txt"), $"full {full} {fullCount}\nread-only {readOnly} {readCount}\nprogressive {progressive} {progressiveCount}\n");
        Assert.Equal(3, progressiveCount);
        Assert.True(progressive < 4096, $"progressive tools/list is {progressive} bytes");
        Assert.True(readCount is > 100 and < 452);
        Assert.True(full > readOnly && readOnly > progressive);
    }

    [Fact]
    public async Task Progressive_SearchDescribeCall_ReachesAuth0AndIsAuditedUnderTheRealName()
    {
        await using var auth0 = new RecordingHttpServer(body: "[{\"user_id\":\"auth0|1\",\"email\":\"a@example.com\"}]");
        await using var server = await StartAsync(auth0.BaseUrl, "progressive");
        await using var client = await server.ConnectAsync(Key(CarolKey));

        var search = await client.CallToolAsync("auth0_search_tools", new Dictionary<string, object?> { ["query"] = "list users" });
        var describe = await client.CallToolAsync("auth0_describe_tool", new Dictionary<string, object?> { ["name"] = "auth0_users_list" });
        var call = await client.CallToolAsync("auth0_call_tool", new Dictionary<string, object?>
        {
            ["name"] = "auth0_users_list",
            ["arguments"] = new Dictionary<string, object?> { ["per_page"] = 50, ["fields"] = "user_id,email", ["include_fields"] = true },
        });

        using (var found = JsonDocument.Parse(HttpAuthTests.Text(search)))
        {
            Assert.Equal("auth0_users_list", found.RootElement.GetProperty("tools")[0].GetProperty("name").GetString());
        }

        using (var described = JsonDocument.Parse(HttpAuthTests.Text(describe)))
        {
            Assert.True(described.RootElement.GetProperty("inputSchema").GetProperty("properties").TryGetProperty("per_page", out _));
        }

        Assert.True(call.IsError is not true, HttpAuthTests.Text(call));
        Assert.Contains("auth0|1", HttpAuthTests.Text(call), StringComparison.Ordinal);
        // The real tool's arguments (validated against its schema) reached Auth0.
        var request = Assert.Single(auth0.Requests);
        Assert.Contains("per_page=50", request, StringComparison.Ordinal);
        Assert.Contains("fields=user_id%2Cemail", request, StringComparison.Ordinal);
        Assert.Contains("include_fields=true", request, StringComparison.Ordinal);
        var audit = HttpAuthTests.AuditLines(await _governance.AuditAsync());
        Assert.Contains(audit, r => r.Tool == "auth0_users_list" && r.User == "carol" && r.Outcome == "success");
        Assert.DoesNotContain(audit, r => r.Tool is "auth0_call_tool");
        Assert.Contains(audit, r => r.Tool == "auth0_search_tools" && r.User == "carol" && r.Outcome == "success");
    }

    [Fact]
    public async Task Progressive_CallOfToolOutsideProfile_IsDeniedAndAuditedLikeADirectCall()
    {
        await using var auth0 = new RecordingHttpServer();
        await using var server = await StartAsync(auth0.BaseUrl, "progressive");
        await using var client = await server.ConnectAsync(Key(DaveKey));

        var search = await client.CallToolAsync("auth0_search_tools", new Dictionary<string, object?> { ["query"] = "delete user" });
        var viaCall = await client.CallToolAsync("auth0_call_tool", new Dictionary<string, object?>
        {
            ["name"] = "auth0_users_delete",
            ["arguments"] = new Dictionary<string, object?> { ["id"] = "auth0|1" },
        });
        var direct = await client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" });

        Assert.DoesNotContain("auth0_users_delete", HttpAuthTests.Text(search), StringComparison.Ordinal);
        Assert.True(viaCall.IsError);
        Assert.Equal(HttpAuthTests.Text(direct), HttpAuthTests.Text(viaCall));
        Assert.Equal("Denied by governance: unknown tool 'auth0_users_delete' [unknown-tool]", HttpAuthTests.Text(viaCall));
        Assert.Empty(auth0.Requests);
        var denials = HttpAuthTests.AuditLines(await _governance.AuditAsync()).Where(r => r.Tool == "auth0_users_delete" && r.Outcome is not null).ToList();
        Assert.Equal(2, denials.Count);
        Assert.All(denials, r => Assert.Equal(("dave", "denied", "not-in-profile"), (r.User!, r.Outcome!, r.DenialCode!)));
    }

    [Fact]
    public async Task OversizedResult_IsTruncatedWithPagingAdvice()
    {
        var users = "[" + string.Join(',', Enumerable.Range(0, 400).Select(i => $"{{\"user_id\":\"auth0|{i:D6}\",\"name\":\"{new string('x', 40)}\"}}")) + "]";
        await using var auth0 = new RecordingHttpServer(body: users);
        await using var server = await StartAsync(auth0.BaseUrl, "full", maxOutputBytes: 8192);
        await using var client = await server.ConnectAsync(Key(CarolKey));

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 50 });

        Assert.True(result.IsError is not true, HttpAuthTests.Text(result));
        var blocks = result.Content.OfType<TextContentBlock>().ToList();
        using var kept = JsonDocument.Parse(blocks[0].Text);
        Assert.InRange(kept.RootElement.GetArrayLength(), 1, 399);
        Assert.Contains(blocks, b => b.Text.StartsWith("Truncated:", StringComparison.Ordinal) && b.Text.Contains("8192-byte output limit", StringComparison.Ordinal) && b.Text.Contains("per_page", StringComparison.Ordinal));
    }
}
