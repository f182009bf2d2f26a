using System.Text.Json;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>
/// A redirect is Auth0's answer, not a hop to take: over a real socket, the runtime sends the request once, follows
/// nothing (not to another host, not to its own), and the tool answers with the status and the <c>Location</c>.
/// </summary>
public sealed class RedirectTests
{
    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task Redirect_ToItsOwnHost_NotFollowed_StatusAndLocationAnswered(int status)
    {
        await using var h = await Harness.StaticAsync();
        // Where it points is this same server: had the client followed it, a second request would show.
        var location = new Uri(h.Server.Root, "api/v2/elsewhere?x=1").AbsoluteUri;
        h.Server.Api = (ctx, _) =>
        {
            ctx.Response.StatusCode = status;
            ctx.Response.Headers.Location = location;
            return Task.CompletedTask;
        };

        var result = await h.CallAsync(TestTool.Get(), "{}");

        Assert.True(result.IsError is not true, result.Text());
        Assert.Equal(1, h.Server.ApiCount);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Text(), StringComparison.Ordinal);
        Assert.Contains(location, result.Text(), StringComparison.Ordinal);
        Assert.Contains("not followed", result.Text(), StringComparison.Ordinal);
        var structured = result.StructuredContent!.Value;
        Assert.Equal(status, structured.GetProperty("status").GetInt32());
        Assert.Equal(location, structured.GetProperty("location").GetString());
    }

    [Fact]
    public async Task Redirect_OffTheApiHost_NotFollowed_LocationAnswered()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) =>
        {
            ctx.Response.StatusCode = 302;
            ctx.Response.Headers.Location = "http://127.0.0.1:1/collect";
            return Task.CompletedTask;
        };

        var result = await h.CallAsync(TestTool.Get(), "{}");

        Assert.True(result.IsError is not true, result.Text());
        Assert.Equal(1, h.Server.ApiCount);
        Assert.Equal("http://127.0.0.1:1/collect", result.StructuredContent!.Value.GetProperty("location").GetString());
        Assert.DoesNotContain(Harness.StaticToken, result.Text() + JsonSerializer.Serialize(result.StructuredContent), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThreeHundredWithoutLocation_IsAnErrorNamingTheStatus()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) =>
        {
            ctx.Response.StatusCode = 300;
            return Task.CompletedTask;
        };

        var result = await h.CallAsync(TestTool.Get(), "{}");

        Assert.True(result.IsError);
        Assert.Contains("300", result.Text(), StringComparison.Ordinal);
        Assert.Equal(1, h.Server.ApiCount);
    }
}
