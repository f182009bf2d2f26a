using System.Text;
using System.Text.Json;
using Auth0Mcp.Sdk.Http;
using Auth0Mcp.Sdk.Tests.Http;
using Auth0Mcp.Sdk.Tools;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Tools;

/// <summary>
/// What shaping an answer at the output limit costs: the kept part is copied once into the JSON the redactor reads,
/// once into the text (UTF-16, twice its bytes) and once into structuredContent, and nothing else of its size. Each such
/// copy of a full answer lands on the large object heap, which only a full collection frees; every copy saved is memory
/// a server under many large answers does not hold (review AR: 114 → 672 MB resident with one caller).
/// </summary>
[Collection(nameof(SerialHttp))]
public sealed class ResultShapingMemoryTests
{
    private const int Limit = 1024 * 1024;

    [Fact]
    public void TruncatedAnswer_ShapedWithinEightTimesTheLimit()
    {
        // A list whose items carry long strings (user_metadata), cut at the limit as the client reads it.
        var body = List(items: 100, itemChars: 50_000);
        var cut = body.AsMemory(0, Limit);
        var response = new Auth0Response(new Auth0CallOutcome { Status = 200, Truncated = true, Bytes = body.Length }, cut, "application/json", new Dictionary<string, string>());

        var (result, allocated) = Shape(response);

        var kept = result.StructuredContent!.Value.GetProperty("result");
        Assert.Equal(20, kept.GetArrayLength());
        Assert.Equal("auth0|u0", kept[0].GetProperty("user_id").GetString());
        Assert.True(result.StructuredContent!.Value.GetProperty("truncated").GetBoolean());
        Assert.StartsWith("[{\"user_id\":\"auth0|u0\"", ((TextContentBlock)result.Content[0]).Text, StringComparison.Ordinal);
        // The text alone is two bytes a character; structuredContent holds the bytes and its token table; the redactor
        // reads each string value as text (here 20 of 100 KB). Before: 13 times the limit (the kept part as UTF-16 three
        // times, as UTF-8 five).
        Assert.True(allocated < 8L * Limit, $"shaping a {Limit}-byte cut allocated {allocated / 1024} KiB");
    }

    [Fact]
    public void WholeAnswer_NearTheLimit_ShapedWithinSixAndAHalfTimesItsSize()
    {
        var body = List(items: 18, itemChars: 50_000);
        var response = new Auth0Response(new Auth0CallOutcome { Status = 200, Bytes = body.Length }, body, "application/json", new Dictionary<string, string>());

        var (result, allocated) = Shape(response);

        Assert.Equal(18, result.StructuredContent!.Value.GetProperty("result").GetArrayLength());
        // Before: 6.9 times (the body was copied before the redactor read it, though nothing was masked).
        Assert.True(allocated < 6.5 * body.Length, $"shaping a {body.Length}-byte answer allocated {allocated / 1024} KiB");
    }

    private static (CallToolResult Result, long Allocated) Shape(Auth0Response response)
    {
        var descriptor = Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors.Single(d => d.Name == "auth0_users_list");
        Auth0ToolResults.FromResponse(descriptor, response); // warm: the first call compiles and fills caches
        GC.Collect();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = Auth0ToolResults.FromResponse(descriptor, response);
        return (result, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static byte[] List(int items, int itemChars)
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < items; i++)
        {
            sb.Append(i == 0 ? "" : ",").Append("{\"user_id\":\"auth0|u").Append(i).Append("\",\"user_metadata\":{\"note\":\"").Append('v', itemChars).Append("\"}}");
        }

        return Encoding.UTF8.GetBytes(sb.Append(']').ToString());
    }
}

/// <summary>A cut answer whose kept items hold a byte that is not UTF-8 shows them as the whole answer does (review K7).</summary>
public sealed class TruncatedEncodingTests
{
    [Fact]
    public void TruncatedAnswer_AByteThatIsNotUtf8InAKeptItem_TheItemsAreShownWithTheReplacementCharacter()
    {
        var descriptor = Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors.Single(d => d.Name == "auth0_users_list");
        byte[] cut = [.. "[{\"user_id\":\"auth0|1\",\"name\":\"Ren"u8, 0xE9, .. "e\"},{\"user_id\":\"auth0|2\"},{\"user_id\":\"auth0|3\",\"name\":\"xxxx"u8];

        var result = Auth0ToolResults.FromResponse(descriptor, new Auth0Response(new Auth0CallOutcome { Status = 200, Truncated = true, Bytes = cut.Length * 10 }, cut, "application/json", new Dictionary<string, string>()));

        Assert.Equal("[{\"user_id\":\"auth0|1\",\"name\":\"Ren\uFFFDe\"},{\"user_id\":\"auth0|2\"}]", ((TextContentBlock)result.Content[0]).Text);
        Assert.Equal(2, result.StructuredContent!.Value.GetProperty("result").GetArrayLength());
        Assert.Contains("shown are the first 2 whole items", ((TextContentBlock)result.Content[1]).Text, StringComparison.Ordinal);
    }
}
