using System.Text.Json;

namespace Auth0Mcp.Server.Tests;

public sealed class ToolsListCommandTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task CatalogListJson_WithoutCredentialsOrStore_ListsEveryOperationWithItsMetadata()
    {
        var (code, output, _) = await RunAsync("catalog", "list", "--json");

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var tools = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(452, tools.Count);
        foreach (var field in new[] { "name", "title", "description", "method", "path", "operationId", "group", "scopes", "action", "lifecycle", "annotations", "inputSchema" })
        {
            Assert.All(tools, t => Assert.True(t.TryGetProperty(field, out _), $"{t.GetProperty("name")} lacks {field}"));
        }

        var usersList = tools.Single(t => t.GetProperty("name").GetString() == "auth0_users_list");
        Assert.Equal("GET", usersList.GetProperty("method").GetString());
        Assert.Equal("/users", usersList.GetProperty("path").GetString());
        Assert.Equal("get_users", usersList.GetProperty("operationId").GetString());
        Assert.Equal("Read", usersList.GetProperty("action").GetString());
        Assert.Contains("read:users", usersList.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.True(usersList.GetProperty("annotations").GetProperty("readOnlyHint").GetBoolean());
        Assert.Equal("integer", usersList.GetProperty("inputSchema").GetProperty("properties").GetProperty("per_page").GetProperty("type").GetString());

        var assign = tools.Single(t => t.GetProperty("name").GetString() == "auth0_users_roles_assign");
        Assert.Equal("POST", assign.GetProperty("method").GetString());
        Assert.Equal("/users/{id}/roles", assign.GetProperty("path").GetString());
        Assert.Equal("Write", assign.GetProperty("action").GetString());
        Assert.False(assign.GetProperty("annotations").GetProperty("destructiveHint").GetBoolean());

        var delete = tools.Single(t => t.GetProperty("name").GetString() == "auth0_users_delete");
        Assert.Equal("Delete", delete.GetProperty("action").GetString());
        Assert.True(delete.GetProperty("annotations").GetProperty("destructiveHint").GetBoolean());
    }

    [Fact]
    public async Task CatalogList_Text_EndsWithTheCount()
    {
        var (code, output, _) = await RunAsync("catalog", "list");

        Assert.Equal(0, code);
        Assert.EndsWith("452 tools", output.TrimEnd());
    }

    [Theory]
    [InlineData("catalog", "list", "--yaml")]
    [InlineData("frobnicate")]
    public async Task Cli_BadInput_ExitsWithUsageErrorAndMessage(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("auth0-mcp: ", error);
    }
}
