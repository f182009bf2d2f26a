using System.Text;
using Auth0Mcp.Sdk.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>What the token endpoint answers is read with care: bounded, quoted cut, malformed answers refused clearly.</summary>
public sealed class TokenAnswerTests
{
    [Fact]
    public async Task TokenError_LongErrorField_IsCutLikeItsDescriptionAndTheStatusIsStated()
    {
        await using var h = await Harness.ClientCredentialsAsync();
        var error = new string('e', 50_000);
        h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 400, "{\"error\":\"" + error + "\",\"error_description\":\"bad request\"}");

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        var failure = Assert.Single(h.Events.All.OfType<Auth0TokenFailure>());
        Assert.True(failure.Reason.Length < 1000, $"the failure reason is {failure.Reason.Length} characters");
        Assert.Contains("answered 400 BadRequest", failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('e', 201), result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenAnswer_DeclaredLongerThanTheLimit_IsRefusedUnreadNamingItsSizeAndStatus()
    {
        // A valid grant padded past 64 KiB, with its Content-Length: refused from the header, before the body is read.
        const int Size = 100_000;
        await using var h = await Harness.ClientCredentialsAsync();
        var grant = TestTokens.TokenResponse(TestTokens.Jwt(["read:users"], DateTimeOffset.UtcNow.AddHours(1)));
        var body = Encoding.UTF8.GetBytes(grant + new string(' ', Size - grant.Length));
        h.Server.Token = async (ctx, _) =>
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength = body.Length;
            try
            {
                await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The client stopped reading.
            }
        };

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(0, h.Server.ApiCount);
        Assert.Contains("answered 200 OK with a body of 100000 bytes, over the 64 KiB a token answer may have; it was not read", result.Text(), StringComparison.Ordinal);
    }
}

/// <summary>Serial: the memory test measures allocations of the whole process.</summary>
[Collection(nameof(SerialHttp))]
public sealed class TokenAnswerMemoryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task TokenAnswer_ManyMegabytesWithoutALength_IsRefusedInBoundedMemoryNamingTheStatus()
    {
        const int Total = 16 * 1024 * 1024;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await Harness.ClientCredentialsAsync(o => o.TokenRequestTimeout = TimeSpan.FromSeconds(30), time);
        var chunk = Encoding.ASCII.GetBytes(new string('A', 64 * 1024));
        var open = Encoding.ASCII.GetBytes("{\"error\":\"");
        var huge = false;
        h.Server.Token = async (ctx, _) =>
        {
            if (!huge)
            {
                await ScriptedAuth0Server.Json(ctx, 400, """{"error":"invalid_request","error_description":"warm-up"}""");
                return;
            }

            // Chunked, no Content-Length: only reading tells how long it is.
            ctx.Response.StatusCode = 400;
            ctx.Response.ContentType = "application/json";
            try
            {
                await ctx.Response.Body.WriteAsync(open, ctx.RequestAborted);
                for (var sent = 0; sent < Total; sent += chunk.Length)
                {
                    await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The client stopped reading.
            }
        };

        // Warm up the pipeline and the pools; then past the 2 s a failed token request answers for.
        await h.CallAsync(TestTool.Get());
        time.Advance(TimeSpan.FromSeconds(3));
        huge = true;
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var result = await h.CallAsync(TestTool.Get());

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        output.WriteLine($"allocated {allocated / 1024} KiB");
        Assert.True(allocated < Total / 4, $"the token request allocated {allocated / 1024} KiB for a {Total / (1024 * 1024)} MiB answer");
        Assert.True(result.IsError == true, result.Text());
        Assert.Contains("answered 400 BadRequest with a body over the 64 KiB a token answer may have; it was not read", result.Text(), StringComparison.Ordinal);
        var failure = h.Events.All.OfType<Auth0TokenFailure>().Last();
        Assert.True(failure.Reason.Length < 1000, $"the failure reason is {failure.Reason.Length} characters");
        Assert.Equal(2, h.Server.TokenCount);
    }
}
