using System.Collections.Concurrent;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>Client credentials against a local token endpoint stub: grant, cache, early renewal, single flight, rotation.</summary>
public sealed class TokenProviderTests
{
    private const string Ok = """{"ok":true}""";

    [Fact]
    public async Task ClientCredentials_FirstCall_PostsTheGrantWithTenantAudience()
    {
        await using var h = await Harness.ClientCredentialsAsync();
        h.IssueTokens();

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError != true, result.Text());
        var request = Assert.Single(h.Server.TokenRequests);
        Assert.Equal("POST", request.Method);
        var form = System.Web.HttpUtility.ParseQueryString(request.Body);
        Assert.Equal("client_credentials", form["grant_type"]);
        Assert.Equal(Harness.ClientId, form["client_id"]);
        Assert.Equal(Harness.ClientSecret, form["client_secret"]);
        Assert.Equal("https://tenant.example/api/v2/", form["audience"]);
        Assert.StartsWith("Bearer ey", h.Server.ApiRequests.Single().Authorization, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCredentials_TokenEndpointRedirects_TheSecretIsNotPostedToTheOtherHost()
    {
        // A 307/308 makes an HTTP client re-post the body: the form with the client secret must not follow it.
        await using var elsewhere = await ScriptedAuth0Server.StartAsync();
        await using var h = await Harness.ClientCredentialsAsync();
        h.Server.Token = (ctx, _) =>
        {
            ctx.Response.StatusCode = 307;
            ctx.Response.Headers.Location = elsewhere.TokenEndpoint.ToString();
            return Task.CompletedTask;
        };

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError, result.Text());
        Assert.Empty(elsewhere.TokenRequests);
        Assert.Empty(elsewhere.ApiRequests);
        Assert.Empty(h.Server.ApiRequests);
        Assert.DoesNotContain(Harness.ClientSecret, result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCredentials_RepeatedCalls_ReuseTheCachedToken()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await Harness.ClientCredentialsAsync(time: time);
        h.IssueTokens(expiresIn: 3600);

        for (var i = 0; i < 5; i++)
        {
            await h.CallAsync(TestTool.Get());
            time.Advance(TimeSpan.FromMinutes(5));
        }

        Assert.Equal(1, h.Server.TokenCount);
        Assert.Single(h.Server.ApiRequests.Select(r => r.Authorization).Distinct());
    }

    [Fact]
    public async Task ClientCredentials_InsideRefreshMargin_RenewsEarlyWithoutMakingTheCallWait()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await Harness.ClientCredentialsAsync(o => o.TokenRefreshMargin = TimeSpan.FromMinutes(5), time);
        h.IssueTokens(expiresIn: 3600);
        await h.CallAsync(TestTool.Get());

        time.Advance(TimeSpan.FromMinutes(54));
        await h.CallAsync(TestTool.Get());
        Assert.Equal(1, h.Server.TokenCount);

        time.Advance(TimeSpan.FromMinutes(2)); // 4 minutes before expiry: inside the margin
        var during = await h.CallAsync(TestTool.Get());
        await WaitForRenewal(h);
        await h.CallAsync(TestTool.Get());

        Assert.True(during.IsError != true, during.Text());
        var auth = h.Server.ApiRequests.Select(r => r.Authorization).ToArray();
        Assert.Equal(auth[0], auth[2]); // the call inside the margin still used the valid token
        Assert.NotEqual(auth[0], auth[3]); // the next one got the renewed token
        Assert.Equal(2, h.Server.TokenCount);
    }

    [Fact]
    public async Task ClientCredentials_AfterExpiry_ObtainsANewTokenBeforeCalling()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await Harness.ClientCredentialsAsync(time: time);
        h.IssueTokens(expiresIn: 3600);
        await h.CallAsync(TestTool.Get());

        time.Advance(TimeSpan.FromMinutes(61));
        await h.CallAsync(TestTool.Get());

        Assert.Equal(2, h.Server.TokenCount);
        var auth = h.Server.ApiRequests.Select(r => r.Authorization).ToArray();
        Assert.NotEqual(auth[0], auth[1]);
    }

    [Fact]
    public async Task ClientCredentials_ShortLivedToken_MarginIsCappedAtHalfTheLifetime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await Harness.ClientCredentialsAsync(o => o.TokenRefreshMargin = TimeSpan.FromHours(1), time);
        h.IssueTokens(expiresIn: 120);
        await h.CallAsync(TestTool.Get());

        time.Advance(TimeSpan.FromSeconds(50));
        await h.CallAsync(TestTool.Get());
        Assert.Equal(1, h.Server.TokenCount);

        time.Advance(TimeSpan.FromSeconds(20)); // 70 s of 120: past half
        await h.CallAsync(TestTool.Get());
        await WaitForRenewal(h);
        Assert.Equal(2, h.Server.TokenCount);
    }

    [Fact]
    public async Task FiftyConcurrentCalls_WithColdCache_SendExactlyOneTokenRequest()
    {
        await using var h = await Harness.ClientCredentialsAsync();
        var issue = TestTokens.TokenResponse(TestTokens.Jwt(["read:users"], DateTimeOffset.UtcNow.AddHours(1)));
        h.Server.Token = async (ctx, _) =>
        {
            await Task.Delay(300);
            await ScriptedAuth0Server.Json(ctx, 200, issue);
        };
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, Ok);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => h.CallAsync(TestTool.Get()))));

        Assert.All(results, r => Assert.True(r.IsError != true, r.Text()));
        Assert.Equal(1, h.Server.TokenCount);
        Assert.Equal(50, h.Server.ApiCount);
    }

    [Fact]
    public async Task FiftyConcurrentCalls_AllRejectedWith401_ShareExactlyOneRefresh()
    {
        await using var h = await Harness.ClientCredentialsAsync();
        var issued = new ConcurrentDictionary<int, string>();
        h.Server.Token = async (ctx, n) =>
        {
            var token = issued.GetOrAdd(n, i => TestTokens.Jwt(["read:users"], DateTimeOffset.UtcNow.AddHours(1), "t" + i));
            await Task.Delay(100);
            await ScriptedAuth0Server.Json(ctx, 200, TestTokens.TokenResponse(token));
        };
        h.Server.Api = async (ctx, _) =>
        {
            await Task.Delay(50);
            var rejected = ctx.Request.Headers.Authorization.ToString() == "Bearer " + issued[1];
            await ScriptedAuth0Server.Json(ctx, rejected ? 401 : 200, rejected ? """{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}""" : Ok);
        };

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => h.CallAsync(TestTool.Get()))));

        Assert.All(results, r => Assert.True(r.IsError != true, r.Text()));
        Assert.Equal(2, h.Server.TokenCount);
    }

    [Fact]
    public async Task ClientSecretRotation_MidLoad_FailsNoCallAndSwitchesToTheNewSecret()
    {
        const string newSecret = "cs-NEW-SECRET-77aa88bb99cc00dd";
        await using var h = await Harness.ClientCredentialsAsync();
        var secretsSeen = new ConcurrentQueue<string>();
        h.Server.Token = (ctx, n) =>
        {
            var secret = System.Web.HttpUtility.ParseQueryString(h.Server.TokenRequests.Last(r => r.Index == n).Body)["client_secret"]!;
            secretsSeen.Enqueue(secret);
            var known = secret is Harness.ClientSecret or newSecret;
            return known
                ? ScriptedAuth0Server.Json(ctx, 200, TestTokens.TokenResponse(TestTokens.Jwt(["read:users"], DateTimeOffset.UtcNow.AddHours(1), secret == newSecret ? "new" : "old")))
                : ScriptedAuth0Server.Json(ctx, 401, """{"error":"access_denied","error_description":"Unauthorized"}""");
        };
        h.Server.Api = async (ctx, _) =>
        {
            await Task.Delay(150); // calls are in flight when the rotation happens
            await ScriptedAuth0Server.Json(ctx, 200, Ok);
        };

        var first = Enumerable.Range(0, 25).Select(_ => Task.Run(() => h.CallAsync(TestTool.Get()))).ToList();
        await WaitUntil(() => h.Server.ApiCount >= 10);
        var rotated = h.Store.Rotate(new Auth0CredentialUpdate { ClientSecret = newSecret }, "admin:test");
        var second = Enumerable.Range(0, 25).Select(_ => Task.Run(() => h.CallAsync(TestTool.Get()))).ToList();
        var results = await Task.WhenAll(first.Concat(second));

        Assert.All(results, r => Assert.True(r.IsError != true, r.Text()));
        Assert.Equal([Harness.ClientSecret, newSecret], secretsSeen.ToArray());
        Assert.Equal(2, rotated.Version);
        var rotation = Assert.Single(h.Events.All.OfType<Auth0CredentialRotation>());
        Assert.Equal("admin:test", rotation.Source);
        Assert.Equal(Auth0CredentialKind.ClientCredentials, rotation.Kind);
        Assert.Equal(2, h.Events.All.OfType<Auth0TokenIssued>().Count());
        Assert.DoesNotContain(newSecret, rotation.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigurationReload_NewToken_IsUsedByTheNextCallAndRaisesOneEvent()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Token"] = "reload-token-one-1234567" }).Build();
        await using var h = await Harness.StartAsync(_ => { }, more: s => s.Configure<Auth0ConnectionOptions>(config));
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, Ok);
        await h.CallAsync(TestTool.Get());

        config["AttemptTimeout"] = "00:00:04";
        config.Reload(); // an unrelated change: no rotation
        config["Token"] = "reload-token-two-7654321";
        config.Reload();
        await h.CallAsync(TestTool.Get());

        var auth = h.Server.ApiRequests.Select(r => r.Authorization).ToArray();
        Assert.Equal("Bearer reload-token-one-1234567 Bearer reload-token-two-7654321", string.Join(" ", auth));
        var rotation = Assert.Single(h.Events.All.OfType<Auth0CredentialRotation>());
        Assert.Equal("configuration-reload", rotation.Source);
        Assert.Equal(Auth0CredentialKind.StaticToken, rotation.Kind);
    }

    [Fact]
    public async Task StaticToken_Rotated_After401_IsRetriedOnceWithTheNewToken()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, n) =>
        {
            if (n == 1)
            {
                // The operator rotates while this call is in flight.
                h.Store.Rotate(new Auth0CredentialUpdate { Token = "rotated-static-token-abcdef" });
                return ScriptedAuth0Server.Json(ctx, 401, """{"statusCode":401,"message":"Invalid token"}""");
            }

            return ScriptedAuth0Server.Json(ctx, 200, Ok);
        };

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal("Bearer rotated-static-token-abcdef", h.Server.ApiRequests.Last().Authorization);
    }

    [Fact]
    public async Task StaticToken_ExpiredJwt_FailsFastWithoutARequest()
    {
        var expired = TestTokens.Jwt(["read:users"], DateTimeOffset.UtcNow.AddMinutes(-5));
        await using var h = await Harness.StaticAsync(token: expired);

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true);
        Assert.Equal(0, h.Server.ApiCount);
        Assert.Contains("AUTH0_TOKEN expired at", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoCredential_FailsWithWhatToSetAndSendsNothing()
    {
        await using var h = await Harness.StartAsync(_ => { });

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true);
        Assert.Equal(0, h.Server.ApiCount + h.Server.TokenCount);
        Assert.Contains("AUTH0_CLIENT_SECRET", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenProvider_ExplicitTokenAndClientCredentials_PrefersTheToken()
    {
        await using var h = await Harness.ClientCredentialsAsync(o => o.Token = Harness.StaticToken);

        var provider = h.Services.GetRequiredService<IAuth0TokenProvider>();
        var token = await provider.GetTokenAsync(CancellationToken.None);

        Assert.Equal(Auth0CredentialKind.StaticToken, provider.Kind);
        Assert.Equal(Harness.StaticToken, token.Value);
        Assert.DoesNotContain(Harness.StaticToken, token.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, h.Server.TokenCount);
    }

    private static async Task WaitForRenewal(Harness h)
    {
        var provider = h.Services.GetRequiredService<IAuth0TokenProvider>();
        var first = "Bearer " + h.Server.ApiRequests.First().Authorization![7..];
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ("Bearer " + (await provider.GetTokenAsync(CancellationToken.None)).Value == first)
        {
            Assert.True(DateTime.UtcNow < deadline, "no renewal within 10 s");
            await Task.Delay(10);
        }
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 10 s");
            await Task.Delay(10);
        }
    }
}

/// <summary>Renewal when the token endpoint fails while the cached token is still valid.</summary>
public sealed class TokenRenewalFailureTests
{
    [Fact]
    public async Task BackgroundRenewal_TokenEndpointDown_KeepsServingTheValidTokenAndBacksOff()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await Harness.ClientCredentialsAsync(o => o.TokenRefreshMargin = TimeSpan.FromMinutes(5), time);
        h.IssueTokens(expiresIn: 3600);
        await h.CallAsync(TestTool.Get());
        h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 503, "{}");
        time.Advance(TimeSpan.FromMinutes(56));

        var results = new List<ModelContextProtocol.Protocol.CallToolResult>();
        for (var i = 0; i < 5; i++)
        {
            results.Add(await h.CallAsync(TestTool.Get()));
            await TokenProviderTests.WaitUntil(() => h.Server.TokenCount == 2);
            await Task.Delay(20);
        }

        Assert.All(results, r => Assert.True(r.IsError != true, r.Text()));
        Assert.Equal(2, h.Server.TokenCount); // one failed background renewal, then a pause
        Assert.Single(h.Events.All.OfType<Auth0Mcp.Sdk.Auth.Auth0TokenFailure>());

        time.Advance(TimeSpan.FromSeconds(31));
        h.IssueTokens(expiresIn: 3600);
        await h.CallAsync(TestTool.Get());
        await TokenProviderTests.WaitUntil(() => h.Server.TokenCount == 3);
    }

    [Fact]
    public async Task StaleScopeRenewal_TokenEndpointRateLimited_TheValidTokenKeepsServing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await Harness.ClientCredentialsAsync(time: time);
        h.IssueTokens(expiresIn: 86400);
        await h.CallAsync(TestTool.Get());

        // A call its scopes refuse renews the token (older than a few minutes) just when the token endpoint is rate-limited.
        h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 429, """{"error":"too_many_requests","error_description":"Global limit has been reached"}""");
        time.Advance(TimeSpan.FromMinutes(6));
        var provider = h.Services.GetRequiredService<Auth0TokenProvider>();
        await Assert.ThrowsAsync<Auth0CredentialException>(async () => await provider.RenewStaleAsync(CancellationToken.None));
        Assert.Equal(2, h.Server.TokenCount);

        // Past the failure's memory: the token, valid for hours, is still the one every call uses.
        time.Advance(TimeSpan.FromSeconds(3));
        var after = await h.CallAsync(TestTool.Get());

        Assert.True(after.IsError != true, after.Text());
        Assert.Equal(2, h.Server.TokenCount);
        var auth = h.Server.ApiRequests.Select(r => r.Authorization).ToArray();
        Assert.Equal(auth[0], auth[1]);
    }

    [Fact]
    public async Task AFailureRemembered_WhenTheWallClockStepsBack_IsNotStretchedByTheStep()
    {
        // Before: a failure remembered for 2 s, then the clock stepped back an hour (an NTP step, a resumed VM): every
        // call failed with the remembered error for that hour, and the token endpoint was not asked again.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await Harness.ClientCredentialsAsync(time: time);
        h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 503, "{}");
        var first = await h.CallAsync(TestTool.Get());
        Assert.True(first.IsError == true, first.Text());

        h.IssueTokens(expiresIn: 3600);
        time.AdjustTime(time.GetUtcNow() - TimeSpan.FromHours(1));
        time.Advance(TimeSpan.FromMinutes(10));
        var later = await h.CallAsync(TestTool.Get());

        Assert.True(later.IsError != true, later.Text());
        Assert.Equal(1, h.Server.ApiCount);
    }
}
