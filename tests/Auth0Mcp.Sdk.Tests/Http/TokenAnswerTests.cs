using System.Text;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;

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
    public async Task TokenAnswer_AbsurdExpiresIn_TheTokenIsKeptForAtMostThirtyDaysAndReused()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await Harness.ClientCredentialsAsync(time: time);
        h.Server.Token = (ctx, n) => ScriptedAuth0Server.Json(ctx, 200,
            "{\"access_token\":\"" + TestTokens.Jwt(["read:users"], DateTimeOffset.UtcNow.AddDays(1), "t" + n) + "\",\"token_type\":\"Bearer\",\"expires_in\":1e300}");

        for (var i = 0; i < 3; i++)
        {
            var result = await h.CallAsync(TestTool.Get());
            Assert.True(result.IsError != true, result.Text());
        }

        Assert.Equal(1, h.Server.TokenCount);
        var token = await h.Services.GetRequiredService<IAuth0TokenProvider>().GetTokenAsync(CancellationToken.None);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromDays(30), token.ExpiresAt);
    }

    [Theory]
    [InlineData("opaque-TOKEN-0123456789\\r\\nX-Injected: yes")]
    [InlineData("opaque TOKEN 0123456789")]
    [InlineData("opaque-TOKEN-0123456789\\\"")]
    [InlineData("=opaque-TOKEN-0123456789")]
    public async Task TokenAnswer_AccessTokenABearerHeaderCannotCarry_IsRefusedClearlyAndRemembered(string accessToken)
    {
        // A clock that stands still: the second call comes within the 2 s a failed token request answers for.
        await using var h = await Harness.ClientCredentialsAsync(time: new FakeTimeProvider(DateTimeOffset.UtcNow));
        h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, "{\"access_token\":\"" + accessToken + "\",\"expires_in\":3600}");

        var first = await h.CallAsync(TestTool.Get());
        var second = await h.CallAsync(TestTool.Get());

        foreach (var result in new[] { first, second })
        {
            Assert.True(result.IsError == true, result.Text());
            Assert.Contains("access_token has characters a bearer token cannot carry", result.Text(), StringComparison.Ordinal);
        }

        Assert.Equal(0, h.Server.ApiCount);
        Assert.Equal(1, h.Server.TokenCount); // the failure is remembered: the call right behind does not ask again
        Assert.Single(h.Events.All.OfType<Auth0TokenFailure>());
    }

    [Fact]
    public async Task TokenAnswer_OpaqueTokenOfBearerCharacters_IsSentAsItCame()
    {
        const string Opaque = "opaque-TOKEN_0123.4567~89+ab/cd==";
        await using var h = await Harness.ClientCredentialsAsync();
        h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, "{\"access_token\":\"" + Opaque + "\",\"expires_in\":3600}");

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal("Bearer " + Opaque, h.Server.ApiRequests.Single().Authorization);
    }

    [Theory]
    [InlineData("answer", "answered 500 InternalServerError: server_error, try later). The next call tries again.")]
    [InlineData("stall", "did not answer within 0.3 s).")]
    [InlineData("closed", "could not be reached, ConnectionError).")]
    public async Task TokenFailure_TheCallerReadsTheMessageWhole_NothingOfItMaskedAsASecret(string failure, string ending)
    {
        var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using var h = await Harness.ClientCredentialsAsync(o =>
        {
            o.TokenRequestTimeout = TimeSpan.FromMilliseconds(300);
            if (failure == "closed")
            {
                o.TokenEndpoint = new Uri($"http://127.0.0.1:{closedPort}/oauth/token");
            }
        });
        h.Server.Token = failure == "stall"
            ? (ctx, _) => h.Server.Stall(ctx)
            : (ctx, _) => ScriptedAuth0Server.Json(ctx, 500, """{"error":"server_error","error_description":"try later"}""");
        var endpoint = failure == "closed" ? $"http://127.0.0.1:{closedPort}/oauth/token" : h.Server.TokenEndpoint.ToString();

        // In a host whose culture writes 0,3: the message is the same everywhere (the audit, the caller, the docs).
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        CallToolResult result;
        try
        {
            result = await h.CallAsync(TestTool.Get());
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal($"auth0_users_list failed: Could not obtain an Auth0 access token (the token endpoint {endpoint} {ending}", result.Text());
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
