using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Tools;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>
/// Request shapes that real OpenAPI documents use and Auth0's does not, through the request builder to a scripted
/// server: array path and header parameters in the simple style, a body media type with parameters, parameters of one
/// name in two locations, object query parameters in their styles.
/// </summary>
public sealed class RequestShapeTests
{
    private static Auth0ApiTool Tool(string method, string path, string schema, Auth0RequestPlan plan) => new(new Auth0ToolDescriptor(
        "auth0_shape", "Shape", "A request shape.", method, path, "shape", ["shapes"], ["read:shapes"],
        method == "GET" ? Auth0ToolAction.Read : Auth0ToolAction.Write, "GA", schema, method == "GET", false, method == "GET", plan));

    [Fact]
    public async Task ArrayPathParameter_SimpleStyle_ItemsJoinedByCommasEachEscaped()
    {
        await using var h = await Harness.StaticAsync();
        var tool = Tool("GET", "/lines/{ids}/status", """{"type":"object","properties":{"ids":{"type":"array","items":{"type":"string"}}},"required":["ids"]}""",
            new Auth0RequestPlan([new Auth0RequestArgument("ids", Auth0ArgumentLocation.Path)]));

        var result = await h.CallAsync(tool, """{"ids":["victoria","a,b/c"]}""");

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal("/api/v2/lines/victoria,a%2Cb%2Fc/status", Assert.Single(h.Server.ApiRequests).RawTarget);
    }

    [Fact]
    public async Task ArrayHeaderParameter_SimpleStyle_ItemsJoinedByCommas()
    {
        await using var h = await Harness.StaticAsync();
        var tool = Tool("GET", "/lines", """{"type":"object","properties":{"X-Ids":{"type":"array","items":{"type":"string"}}}}""",
            new Auth0RequestPlan([new Auth0RequestArgument("X-Ids", Auth0ArgumentLocation.Header)]));

        var result = await h.CallAsync(tool, """{"X-Ids":["one","two"]}""");

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal("one,two", Assert.Single(h.Server.ApiRequests).Headers["X-Ids"]);
    }

    [Fact]
    public async Task SameNameInTwoLocations_EachArgumentGoesToItsOwnPlace()
    {
        // /tokens/{token}?token=… (Trello) and Last-Event-ID in the query and a header (Mercure): the generator renames
        // the second argument and the plan keeps the wire name.
        await using var h = await Harness.StaticAsync();
        var tool = Tool("GET", "/tokens/{token}", """{"type":"object","properties":{"token":{"type":"string"},"token_query":{"type":"string"},"Last-Event-ID":{"type":"string"},"Last-Event-ID_header":{"type":"string"}},"required":["token"]}""",
            new Auth0RequestPlan(
            [
                new Auth0RequestArgument("token", Auth0ArgumentLocation.Path),
                new Auth0RequestArgument("token_query", Auth0ArgumentLocation.Query) { WireName = "token" },
                new Auth0RequestArgument("Last-Event-ID", Auth0ArgumentLocation.Query),
                new Auth0RequestArgument("Last-Event-ID_header", Auth0ArgumentLocation.Header) { WireName = "Last-Event-ID" },
            ]));

        var result = await h.CallAsync(tool, """{"token":"in-path","token_query":"in query","Last-Event-ID":"q1","Last-Event-ID_header":"h1"}""");

        Assert.True(result.IsError != true, result.Text());
        var sent = Assert.Single(h.Server.ApiRequests);
        Assert.Equal("/api/v2/tokens/in-path?token=in%20query&Last-Event-ID=q1", sent.RawTarget);
        Assert.Equal("h1", sent.Headers["Last-Event-ID"]);
    }

    [Fact]
    public async Task ObjectQueryParameters_SentInTheirStyle_KeysAndValuesEscaped()
    {
        // form + explode (the default): each property its own pair, an array property repeated; form without explode:
        // keys and values comma-joined (a comma inside one is %2C); deepObject: name[key]=value. They went as JSON text.
        await using var h = await Harness.StaticAsync();
        var tool = Tool("GET", "/things", """{"type":"object","properties":{"filter":{"type":"object"},"point":{"type":"object"},"color":{"type":"object"},"ids":{"type":"array","items":{"type":"string"}},"keys":{"type":"array","items":{"type":"string"}}}}""",
            new Auth0RequestPlan(
            [
                new Auth0RequestArgument("filter", Auth0ArgumentLocation.QueryMulti),
                new Auth0RequestArgument("point", Auth0ArgumentLocation.Query),
                new Auth0RequestArgument("color", Auth0ArgumentLocation.QueryDeepObject),
                new Auth0RequestArgument("ids", Auth0ArgumentLocation.QueryMulti),
                new Auth0RequestArgument("keys", Auth0ArgumentLocation.Query),
            ]));

        var result = await h.CallAsync(tool, """
            {"filter":{"status":"a b","tag":["x","y&z"],"gone":null,"n":2},
             "point":{"x":"1,2","y 1":3},
             "color":{"R":100,"G=":"a&b","in":{"k":"v"},"all":[1,2]},
             "ids":["a","b"],"keys":["c,d","e"]}
            """);

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal(
            "/api/v2/things?status=a%20b&tag=x&tag=y%26z&n=2&point=x,1%2C2,y%201,3&color[R]=100&color[G%3D]=a%26b&color[in][k]=v&color[all]=1&color[all]=2&ids=a&ids=b&keys=c%2Cd,e",
            Assert.Single(h.Server.ApiRequests).RawTarget);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/vnd.example+json; version=2")]
    public async Task JsonBody_MediaTypeWithParameters_SentAsJsonWithThem(string mediaType)
    {
        await using var h = await Harness.StaticAsync();
        var tool = Tool("POST", "/accounts", """{"type":"object","properties":{"body":{"type":"object"}},"required":["body"]}""",
            new Auth0RequestPlan([], body: "body", mediaType: mediaType));

        var result = await h.CallAsync(tool, """{"body":{"name":"n","n":1}}""");

        Assert.True(result.IsError != true, result.Text());
        var sent = Assert.Single(h.Server.ApiRequests);
        Assert.Equal("""{"name":"n","n":1}""", sent.Body);
        Assert.Equal(mediaType.Replace(" ", "", StringComparison.Ordinal), sent.Headers["Content-Type"].Replace(" ", "", StringComparison.Ordinal));
    }
}
