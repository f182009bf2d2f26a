using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>The names an administrator probably meant for a tool or toolset name that does not exist.</summary>
public sealed class NameSuggestionsTests
{
    private static readonly string[] Known =
    [
        "auth0_users_list", "auth0_users_get", "auth0_users_delete", "auth0_roles_list", "auth0_clients_get",
        "auth0_clients_list", "auth0_connections_list", "auth0_logs_list",
    ];

    [Theory]
    [InlineData("auth0_users_lst", "auth0_users_list")] // a letter left out
    [InlineData("auth0_usres_list", "auth0_users_list")] // two swapped
    [InlineData("users_list", "auth0_users_list")] // the prefix left out
    [InlineData("AUTH0-USERS-LIST", "auth0_users_list")] // case and hyphens
    [InlineData("auth0_client_get", "auth0_clients_get")]
    public void For_CloseName_NearestFirst(string typed, string expected) =>
        Assert.Equal(expected, NameSuggestions.For(typed, Known)[0]);

    [Theory]
    [InlineData("auth0_tenants_settings_update")]
    [InlineData("x")]
    [InlineData("")]
    public void For_NothingClose_NoneAndNoHint(string typed)
    {
        Assert.Empty(NameSuggestions.For(typed, Known));
        Assert.Equal("", NameSuggestions.Hint(typed, Known));
    }

    [Fact]
    public void For_ManyClose_AtMostThreeNearestFirst()
    {
        var names = NameSuggestions.For("auth0_users_xxx", ["auth0_users_get", "auth0_users_lis", "auth0_users_xx", "auth0_users_xxxx", "auth0_users_abc"]);

        Assert.Equal(["auth0_users_xx", "auth0_users_xxxx", "auth0_users_abc"], names);
    }

    [Fact]
    public void Hint_TwoNames_JoinedWithOr()
    {
        Assert.Equal("; did you mean 'auth0_users_get' or 'auth0_users_list'?", NameSuggestions.Hint("auth0_users_gst", ["auth0_users_get", "auth0_users_list", "auth0_roles_get"]));
    }

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("abc", "abc", 0)]
    [InlineData("", "abc", 3)]
    [InlineData("flaw", "lawn", 2)]
    public void Distance_IsTheEditDistance(string a, string b, int expected) =>
        Assert.Equal(expected, NameSuggestions.Distance(a, b, 10));

    [Fact]
    public void Distance_BeyondTheLimit_StopsAboveIt() =>
        Assert.Equal(3, NameSuggestions.Distance("aaaaaaaa", "bbbbbbbb", 2));

    [Fact]
    public void RequireTool_UnknownName_ThrowsNamingTheClosestToolButNoRemovedOne()
    {
        var state = new GovernanceState();
        state.Tools.Add(new GovernedTool { Name = "auth0_users_list" });
        state.Tools.Add(new GovernedTool { Name = "auth0_users_lists", State = ToolState.Removed });

        Assert.Same(state.Tools[0], state.RequireTool("auth0_users_list"));
        var error = Assert.Throws<GovernanceException>(() => state.RequireTool("auth0_users_lst"));
        Assert.Equal("unknown tool 'auth0_users_lst'; did you mean 'auth0_users_list'?", error.Message);
    }
}
