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
}
