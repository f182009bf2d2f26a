using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Tools;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>
/// Request shapes that real OpenAPI documents use and Auth0's does not, through the request builder to a scripted
/// server: path parameters in their styles (simple, label, matrix; scalars, arrays and objects), header parameters in
/// the simple style, a body media type with parameters, parameters of one name in two locations, object query
/// parameters in their styles.
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
    // OpenAPI 3.1's style examples (color = "blue", ["blue","black","brown"], {"R":100,"G":200,"B":150}), in a path.
    [InlineData(Auth0ArgumentLocation.Path, "\"blue\"", "blue")]
    [InlineData(Auth0ArgumentLocation.Path, """["blue","black","brown"]""", "blue,black,brown")]
    [InlineData(Auth0ArgumentLocation.Path, """{"R":100,"G":200,"B":150}""", "R,100,G,200,B,150")]
    [InlineData(Auth0ArgumentLocation.PathExploded, "\"blue\"", "blue")]
    [InlineData(Auth0ArgumentLocation.PathExploded, """["blue","black","brown"]""", "blue,black,brown")]
    [InlineData(Auth0ArgumentLocation.PathExploded, """{"R":100,"G":200,"B":150}""", "R=100,G=200,B=150")]
    [InlineData(Auth0ArgumentLocation.PathLabel, "\"blue\"", ".blue")]
    [InlineData(Auth0ArgumentLocation.PathLabel, """["blue","black","brown"]""", ".blue,black,brown")]
    [InlineData(Auth0ArgumentLocation.PathLabel, """{"R":100,"G":200,"B":150}""", ".R,100,G,200,B,150")]
    [InlineData(Auth0ArgumentLocation.PathLabelExploded, "\"blue\"", ".blue")]
    [InlineData(Auth0ArgumentLocation.PathLabelExploded, """["blue","black","brown"]""", ".blue.black.brown")]
    [InlineData(Auth0ArgumentLocation.PathLabelExploded, """{"R":100,"G":200,"B":150}""", ".R=100.G=200.B=150")]
    [InlineData(Auth0ArgumentLocation.PathMatrix, "\"blue\"", ";color=blue")]
    [InlineData(Auth0ArgumentLocation.PathMatrix, "5", ";color=5")]
    [InlineData(Auth0ArgumentLocation.PathMatrix, "\"\"", ";color")]
    [InlineData(Auth0ArgumentLocation.PathMatrix, """["blue","black","brown"]""", ";color=blue,black,brown")]
    [InlineData(Auth0ArgumentLocation.PathMatrix, """{"R":100,"G":200,"B":150}""", ";color=R,100,G,200,B,150")]
    [InlineData(Auth0ArgumentLocation.PathMatrixExploded, "\"blue\"", ";color=blue")]
    [InlineData(Auth0ArgumentLocation.PathMatrixExploded, """["blue","black","brown"]""", ";color=blue;color=black;color=brown")]
    [InlineData(Auth0ArgumentLocation.PathMatrixExploded, """{"R":100,"G":200,"B":150}""", ";R=100;G=200;B=150")]
    [InlineData(Auth0ArgumentLocation.PathMatrixExploded, "[]", ";color")]
    [InlineData(Auth0ArgumentLocation.PathMatrixExploded, """["a",""]""", ";color=a;color")]
    [InlineData(Auth0ArgumentLocation.PathMatrixExploded, """{"R":"","G":"1"}""", ";R;G=1")]
    // Each key and value escaped on its own (a ',', '/', '=' or space in one is not a separator); the separators literal;
    // null properties left out, a nested value as its JSON text.
    [InlineData(Auth0ArgumentLocation.Path, """{"a,b":"c/d","e f":"g=h","gone":null}""", "a%2Cb,c%2Fd,e%20f,g%3Dh")]
    [InlineData(Auth0ArgumentLocation.PathExploded, """{"a,b":"c/d","e f":"g=h","in":{"k":1}}""", "a%2Cb=c%2Fd,e%20f=g%3Dh,in=%7B%22k%22%3A1%7D")]
    [InlineData(Auth0ArgumentLocation.PathLabel, """["a,b","c/d"]""", ".a%2Cb,c%2Fd")]
    [InlineData(Auth0ArgumentLocation.PathLabelExploded, """{"a=b":"c.d","e f":"g,h"}""", ".a%3Db=c.d.e%20f=g%2Ch")]
    [InlineData(Auth0ArgumentLocation.PathMatrix, "\"a b/c,d=e\"", ";color=a%20b%2Fc%2Cd%3De")]
    [InlineData(Auth0ArgumentLocation.PathMatrixExploded, """{"a;b":"c=d","e f":"g,h"}""", ";a%3Bb=c%3Dd;e%20f=g%2Ch")]
    [InlineData(Auth0ArgumentLocation.PathMatrixExploded, """["a=b","c;d"]""", ";color=a%3Db;color=c%3Bd")]
    public async Task PathParameter_SentInItsStyle_EachKeyAndValueEscaped(Auth0ArgumentLocation location, string value, string expected)
    {
        // Objects went as their JSON text (%7B%22R%22…) and every path value in the simple style.
        await using var h = await Harness.StaticAsync();
        var tool = Tool("GET", "/colors/{color}/shades", """{"type":"object","properties":{"color":{}},"required":["color"]}""",
            new Auth0RequestPlan([new Auth0RequestArgument("color", location)]));

        var result = await h.CallAsync(tool, $$"""{"color":{{value}}}""");

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal("/api/v2/colors/" + expected + "/shades", Assert.Single(h.Server.ApiRequests).RawTarget);
    }

    [Theory]
    [InlineData(Auth0ArgumentLocation.PathLabel, "\"\"")]
    [InlineData(Auth0ArgumentLocation.PathLabel, "\".\"")]
    [InlineData(Auth0ArgumentLocation.PathLabel, "[]")]
    [InlineData(Auth0ArgumentLocation.Path, "{}")]
    [InlineData(Auth0ArgumentLocation.PathExploded, """{"gone":null}""")]
    [InlineData(Auth0ArgumentLocation.Path, """[".."]""")]
    public async Task PathParameter_StyledValueThatWouldChangeThePath_IsRefusedAndNothingIsSent(Auth0ArgumentLocation location, string value)
    {
        // An empty value, '.' or '..' (a label's '.' alone, an object without properties) would drop or climb a segment.
        await using var h = await Harness.StaticAsync();
        var tool = Tool("GET", "/colors/{color}", """{"type":"object","properties":{"color":{}},"required":["color"]}""",
            new Auth0RequestPlan([new Auth0RequestArgument("color", location)]));

        var result = await h.CallAsync(tool, $$"""{"color":{{value}}}""");

        Assert.True(result.IsError == true, result.Text());
        Assert.Empty(h.Server.ApiRequests);
        Assert.Contains("would change the path", result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Auth0ArgumentLocation.Header, "\"blue\"", "blue")]
    [InlineData(Auth0ArgumentLocation.Header, """["blue","black","brown"]""", "blue,black,brown")]
    [InlineData(Auth0ArgumentLocation.Header, """{"R":100,"G":200,"B":150}""", "R,100,G,200,B,150")]
    [InlineData(Auth0ArgumentLocation.HeaderExploded, "\"blue\"", "blue")]
    [InlineData(Auth0ArgumentLocation.HeaderExploded, """["blue","black","brown"]""", "blue,black,brown")]
    [InlineData(Auth0ArgumentLocation.HeaderExploded, """{"R":100,"G":200,"B":150,"gone":null}""", "R=100,G=200,B=150")]
    [InlineData(Auth0ArgumentLocation.HeaderExploded, """{"a b":"c/d"}""", "a b=c/d")]
    public async Task HeaderParameter_SentInTheSimpleStyle(Auth0ArgumentLocation location, string value, string expected)
    {
        // Objects went as their JSON text ({"R":100,…}); a header is no URL, so nothing is percent-encoded.
        await using var h = await Harness.StaticAsync();
        var tool = Tool("GET", "/colors", """{"type":"object","properties":{"X-Color":{}}}""",
            new Auth0RequestPlan([new Auth0RequestArgument("X-Color", location)]));

        var result = await h.CallAsync(tool, $$"""{"X-Color":{{value}}}""");

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal(expected, Assert.Single(h.Server.ApiRequests).Headers["X-Color"]);
    }

    [Theory]
    [InlineData(Auth0ArgumentLocation.Header, """{"R":"1\r\nX-Injected: 1"}""")]
    [InlineData(Auth0ArgumentLocation.HeaderExploded, """{"R\n":"1"}""")]
    [InlineData(Auth0ArgumentLocation.HeaderExploded, """["a","b\u0000"]""")]
    public async Task HeaderParameter_StyledValueWithControlCharacter_IsRefusedAndNothingIsSent(Auth0ArgumentLocation location, string value)
    {
        await using var h = await Harness.StaticAsync();
        var tool = Tool("GET", "/colors", """{"type":"object","properties":{"X-Color":{}}}""",
            new Auth0RequestPlan([new Auth0RequestArgument("X-Color", location)]));

        var result = await h.CallAsync(tool, $$"""{"X-Color":{{value}}}""");

        Assert.True(result.IsError == true, result.Text());
        Assert.Empty(h.Server.ApiRequests);
        Assert.Contains("header 'X-Color'", result.Text(), StringComparison.Ordinal);
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
