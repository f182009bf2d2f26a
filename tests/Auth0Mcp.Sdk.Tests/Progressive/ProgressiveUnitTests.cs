using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Progressive;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Progressive;

public sealed class ProgressiveUnitTests
{
    private static Auth0ToolDescriptor Tool(string name, string title, string group, Auth0ToolAction action = Auth0ToolAction.Read, string method = "GET") =>
        new(name, title, title + ".", method, "/" + group.Replace('.', '/'), name, group.Split('.'), [], action, "GA", """{"type":"object"}""", action == Auth0ToolAction.Read, action == Auth0ToolAction.Delete, true);

    private static readonly Auth0ToolDescriptor[] Catalog =
    [
        Tool("auth0_users_list", "List or Search Users", "users"),
        Tool("auth0_users_organizations_list", "List user's organizations", "users.organizations"),
        Tool("auth0_users_delete", "Delete a User", "users", Auth0ToolAction.Delete, "DELETE"),
        Tool("auth0_roles_list", "Get roles", "roles"),
        Tool("auth0_clients_list", "Get clients", "clients"),
    ];

    [Fact]
    public void Search_Words_RanksTheToolNamedByTheQueryFirst()
    {
        var hits = ToolSearch.Search(Catalog, "list users", null);

        Assert.Equal("auth0_users_list", hits[0].Tool.Name);
        Assert.True(hits[0].MatchedAll);
        Assert.False(hits.Single(h => h.Tool.Name == "auth0_roles_list").MatchedAll);
    }

    [Fact]
    public void Search_Group_CoversSubGroups()
    {
        var hits = ToolSearch.Search(Catalog, null, "users");

        Assert.Equal(["auth0_users_delete", "auth0_users_list", "auth0_users_organizations_list"], hits.Select(h => h.Tool.Name));
    }

    [Fact]
    public void Search_NoToolHasEveryWord_ReturnsPartialMatchesMarkedSo()
    {
        var hits = ToolSearch.Search(Catalog, "delete roles clients", null);

        Assert.Equal(["auth0_clients_list", "auth0_roles_list", "auth0_users_delete"], hits.Select(h => h.Tool.Name).Order(StringComparer.Ordinal));
        Assert.All(hits, h => Assert.False(h.MatchedAll));
    }

    [Fact]
    public void Paging_FollowsCursorsToEveryToolOnce()
    {
        var tools = Enumerable.Range(0, 23).Select(i => new Tool { Name = $"t{i:D2}", InputSchema = JsonDocument.Parse("{\"type\":\"object\"}").RootElement }).Reverse().ToList();
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var (page, next) = ToolListPaging.Page(tools, cursor, 10);
            seen.AddRange(page.Select(t => t.Name));
            cursor = next;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(tools.Select(t => t.Name).Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public void Paging_ForeignCursor_IsInvalidParams()
    {
        var ex = Assert.Throws<McpProtocolException>(() => ToolListPaging.Page([], "not-ours", 10));

        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
    }

    [Fact]
    public async Task Truncation_ObjectWithList_KeepsWholeItemsAndSaysHowToPage()
    {
        var body = "{\"total\":300,\"start\":0,\"limit\":300,\"users\":[" + string.Join(',', Enumerable.Range(0, 300).Select(i => $"{{\"user_id\":\"u{i}\",\"pad\":\"{new string('p', 30)}\"}}")) + "]}";
        var context = new ToolCallContext(Catalog[0], new GovernedTool { Name = "auth0_users_list" }, new CallerIdentity("u", []), [], DateTimeOffset.UtcNow, null)
        {
            Result = new CallToolResult { Content = [new TextContentBlock { Text = body }], StructuredContent = JsonDocument.Parse(body).RootElement },
        };

        var decision = await new ResultTruncationHook(4096).AfterCallAsync(context, CancellationToken.None);

        Assert.True(decision.Rewritten);
        var kept = JsonDocument.Parse(((TextContentBlock)context.Result.Content[0]).Text).RootElement;
        Assert.Equal(300, kept.GetProperty("total").GetInt32());
        Assert.InRange(kept.GetProperty("users").GetArrayLength(), 1, 299);
        Assert.Contains("of 300 items", ((TextContentBlock)context.Result.Content[1]).Text, StringComparison.Ordinal);
        var size = context.Result.Content.OfType<TextContentBlock>().Sum(t => System.Text.Encoding.UTF8.GetByteCount(t.Text)) + context.Result.StructuredContent!.Value.GetRawText().Length;
        Assert.True(size <= 4096, $"{size} bytes");
        Assert.False((await new OutputSizeGuardHook(4096).AfterCallAsync(context, CancellationToken.None)).Denied);
    }
}
