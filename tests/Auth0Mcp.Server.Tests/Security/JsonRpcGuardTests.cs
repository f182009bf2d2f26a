using System.Text;
using System.Text.Json;
using Auth0Mcp.Server.Transport;

namespace Auth0Mcp.Server.Tests.Security;

/// <summary>
/// <see cref="JsonRpcGuard"/> on its own: what the MCP server cannot read (an id it drops, params it fails to
/// deserialize into -32603 "An error occurred.") is refused here, with the id as sent, so it is answered and audited.
/// </summary>
public sealed class JsonRpcGuardTests
{
    private static readonly TransportLimits Limits = new(TransportLimits.DefaultMaxRequestBytes, TransportLimits.DefaultMaxDepth);

    private static JsonRpcRefusal? Check(string message) => JsonRpcGuard.Check(Encoding.UTF8.GetBytes(message), Limits);

    [Theory]
    [InlineData("1.5")]
    [InlineData("2.0")]
    [InlineData("1e3")]
    [InlineData("-0.0")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    public void Check_RequestIdTheServerCannotRead_RefusedAsAnInvalidRequestEchoingTheId(string id)
    {
        var refusal = Check($$"""{"jsonrpc":"2.0","id":{{id}},"method":"ping"}""");

        Assert.NotNull(refusal);
        Assert.Equal(-32600, refusal.Code);
        Assert.Equal(JsonRpcRefusal.Malformed, refusal.DenialCode);
        using var answer = JsonDocument.Parse(refusal.Response());
        Assert.Equal(id, answer.RootElement.GetProperty("id").GetRawText());
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":null,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"tools/list","id":null}""")]
    public void Check_RequestWithANullId_Refused(string message)
    {
        var refusal = Check(message);

        Assert.NotNull(refusal);
        Assert.Equal(-32600, refusal.Code);
        Assert.Contains("must not be null", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":9223372036854775807,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":-0,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":"","method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1.5}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}""")]
    public void Check_IdsTheServerReads_Pass(string message) => Assert.Null(Check(message));

    [Fact]
    public void Check_UnreadableIds_AreNeverOwed()
    {
        // A request's key is what its answer will carry; an id no answer can carry is refused, never keyed.
        Assert.NotNull(JsonRpcGuard.Check("""{"jsonrpc":"2.0","id":1.5,"method":"ping"}"""u8, Limits, out _, out var key));
        Assert.Null(key);
        Assert.Null(JsonRpcGuard.Check("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1.5}}"""u8, Limits, out var kind, out key));
        Assert.Equal(JsonRpcKind.Cancellation, kind);
        Assert.Null(key);
    }

    [Theory]
    [InlineData("setLevel-loud", """{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"loud"}}""")]
    [InlineData("setLevel-no-params", """{"jsonrpc":"2.0","id":1,"method":"logging/setLevel"}""")]
    [InlineData("list-cursor-number", """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":5}}""")]
    [InlineData("call-meta-string", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"auth0_users_get","arguments":{"id":"x"},"_meta":"s"}}""")]
    [InlineData("list-meta-array", """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":[]}}""")]
    [InlineData("meta-client-info-number", """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":5}}}""")]
    [InlineData("meta-log-level-loud", """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"io.modelcontextprotocol/logLevel":"loud","io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}""")]
    [InlineData("initialize-no-version", """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},"clientInfo":{"name":"c","version":"1"}}}""")]
    [InlineData("initialize-no-capabilities", """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","clientInfo":{"name":"c","version":"1"}}}""")]
    [InlineData("initialize-version-number", """{"params":{"protocolVersion":5,"capabilities":{},"clientInfo":{"name":"c","version":"1"}},"jsonrpc":"2.0","id":1,"method":"initialize"}""")]
    [InlineData("initialize-capabilities-string", """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":"all","clientInfo":{"name":"c","version":"1"}}}""")]
    // tools/call's params beside the name and the arguments, read as the server reads them (it answered -32603 unrecorded).
    [InlineData("call-input-responses-number", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"auth0_users_list","arguments":{"q":[1,{"b":2}]},"inputResponses":3}}""")]
    [InlineData("call-request-state-object", """{"jsonrpc":"2.0","id":1,"params":{"requestState":{},"name":"auth0_users_list"},"method":"tools/call"}""")]
    [InlineData("arguments-string", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"auth0_users_list","arguments":"q=x"}}""")]
    public void Check_ParamsTheServerCannotRead_RefusedAsInvalidParams(string name, string message)
    {
        var refusal = Check(message);

        Assert.True(refusal is not null, name);
        Assert.True(refusal.Code == -32602, $"{name}: {refusal.Code} {refusal.Message}");
        Assert.Equal(JsonRpcRefusal.Malformed, refusal.DenialCode);
        Assert.StartsWith("Invalid params: ", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(1, JsonDocument.Parse(refusal.Response()).RootElement.GetProperty("id").GetInt32());
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"warning"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"abc","_meta":{"progressToken":{"a":1}}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":null}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"auth0_users_get","arguments":{"cursor":5,"level":"loud"},"_meta":{"progressToken":7,"io.modelcontextprotocol/logLevel":"debug"}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"auth0_users_get","cursor":5}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"auth0_users_get","arguments":{"inputResponses":3,"requestState":{}},"requestState":"s","inputResponses":{}}}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/initialized","params":{"_meta":{}}}""")]
    // In a session begun with initialize the server ignores the per-request fields (read only beside a protocolVersion
    // in _meta), and a notification's _meta whatever it is: answered before, so never refused.
    [InlineData("""{"jsonrpc":"2.0","id":"a1","method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/logLevel":"verbose"}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":"a2","method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/clientCapabilities":{"roots":5}}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":"a3","method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/clientInfo":{"name":"x"}}}}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99,"_meta":"x"}}""")]
    public void Check_ParamsTheServerReads_Pass(string message) => Assert.Null(Check(message));

    [Fact]
    public void Check_RefusedMessageWithALongStringId_IsAnsweredWithTheWholeId()
    {
        var id = new string('x', 150) + "é" + new string('y', 300);
        var refusal = Check($$$"""{"jsonrpc":"2.0","id":"{{{id}}}","method":"tools/call","params":{"name":7}}""");

        Assert.NotNull(refusal);
        Assert.Equal(id, JsonDocument.Parse(refusal.Response()).RootElement.GetProperty("id").GetString());
    }
}
