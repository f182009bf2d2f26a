using System.Diagnostics;
using System.Globalization;
using Auth0Mcp.Sdk.Tests.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>Faults from a scripted Auth0 on 127.0.0.1, through the real pipeline and a tool: retry counts, timing bounds, messages.</summary>
public sealed class ResilienceFaultTests
{
    private const string Ok = """{"users":[{"user_id":"auth0|1"}]}""";

    [Fact]
    public async Task RateLimit429_WithXRateLimitReset_WaitsUntilResetThenSucceeds()
    {
        await using var h = await Harness.StaticAsync();
        long reset = 0;
        h.Server.Api = (ctx, n) =>
        {
            if (n == 1)
            {
                reset = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 2;
                return ScriptedAuth0Server.Json(ctx, 429, """{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached"}""",
                    ("X-RateLimit-Limit", "10"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset.ToString(CultureInfo.InvariantCulture)));
            }

            return ScriptedAuth0Server.Json(ctx, 200, Ok);
        };

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal(2, h.Server.ApiCount);
        var second = h.Server.ApiRequests.Last();
        Assert.True(second.At >= DateTimeOffset.FromUnixTimeSeconds(reset).AddMilliseconds(-50), $"retried at {second.At:O}, before the reset {reset}");
    }

    [Fact]
    public async Task RateLimit429_WithRetryAfter_WaitsThatLongThenSucceeds()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, n) => n == 1
            ? ScriptedAuth0Server.Json(ctx, 429, "{}", ("Retry-After", "1"))
            : ScriptedAuth0Server.Json(ctx, 200, Ok);

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError != true, result.Text());
        var requests = h.Server.ApiRequests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.InRange((requests[1].At - requests[0].At).TotalSeconds, 0.9, 8);
    }

    [Fact]
    public async Task RateLimit429_OnPost_IsRetriedBecauseNothingWasDone()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, n) => n == 1
            ? ScriptedAuth0Server.Json(ctx, 429, "{}", ("Retry-After", "0"))
            : ScriptedAuth0Server.Json(ctx, 201, """{"user_id":"auth0|2"}""");

        var result = await h.CallAsync(TestTool.Post());

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal(2, h.Server.ApiCount);
    }

    [Fact]
    public async Task RateLimit429_ResetBeyondBudget_ReturnsClearErrorWithoutWaiting()
    {
        await using var h = await Harness.StaticAsync(o => o.RetryBudget = TimeSpan.FromSeconds(5));
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 429,
            """{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}""",
            ("X-RateLimit-Reset", DateTimeOffset.UtcNow.AddMinutes(2).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        var clock = Stopwatch.StartNew();

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(1, h.Server.ApiCount);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        var text = result.Text();
        Assert.Contains("429", text, StringComparison.Ordinal);
        Assert.Contains("Global limit has been reached", text, StringComparison.Ordinal);
        Assert.Contains("Rate limit reached; it resets at", text, StringComparison.Ordinal);
        Assert.Matches(@"resets at \d\d:\d\d:\d\d UTC \(in 1[12]\d s\) \(1 attempt made; Auth0 asked for 1[12]\d s more, which would exceed the call's time budget\)", text);
    }

    [Fact]
    public async Task RateLimit429_WithARetryAfterDate_SaysTheSecondsLeft()
    {
        // Before: "retry after Sat, 05 Dec 2026 12:37:10 GMT s".
        await using var h = await Harness.StaticAsync(o => o.RetryBudget = TimeSpan.FromSeconds(5));
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 429, "{}", ("Retry-After", DateTimeOffset.UtcNow.AddMinutes(2).ToString("R", CultureInfo.InvariantCulture)));

        var result = await h.CallAsync(TestTool.Get());

        Assert.Matches(@"Rate limit reached; retry after 1[12]\d s \(", result.Text());
    }

    [Fact]
    public async Task RateLimit429_UntilTheRetriesRunOut_SaysTheMostWereMadeNotTheBudget()
    {
        // Before: "(3 attempts made; waiting longer would exceed the call's time budget)" when the retries had simply run out.
        await using var h = await Harness.StaticAsync(o => o.MaxRetryAttempts = 2);
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 429, "{}", ("Retry-After", "0"));

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(3, h.Server.ApiCount);
        Assert.Contains("(3 attempts made, the most allowed).", result.Text(), StringComparison.Ordinal);
        Assert.DoesNotContain("budget", result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    public async Task ServerError_OnGet_IsRetriedWithBackoffThenSucceeds(int status)
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, n) => n <= 2
            ? ScriptedAuth0Server.Json(ctx, status, """{"statusCode":500,"error":"Internal Server Error","message":"boom"}""")
            : ScriptedAuth0Server.Json(ctx, 200, Ok);

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal(3, h.Server.ApiCount);
        Assert.Equal(Ok, result.Text().Split('\n')[0]);
    }

    [Fact]
    public async Task ServerError_Persistent_StopsAfterMaxRetriesWithAttemptCount()
    {
        await using var h = await Harness.StaticAsync(o => o.MaxRetryAttempts = 2);
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 503, """{"statusCode":503,"error":"Service Unavailable","message":"The service is unavailable"}""");

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(3, h.Server.ApiCount);
        Assert.Contains("503", result.Text(), StringComparison.Ordinal);
        Assert.Contains("failed on all 3 attempts", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerError_Persistent_RetriesAreDebugDetailNotWarnings()
    {
        // The telemetry handler records the call and the answer says what failed: the pipeline's per-attempt events,
        // each with its exception's stack, must not reach a host's log as warnings.
        var logs = new CapturingLoggerProvider();
        await using var h = await Harness.StartAsync(
            o =>
            {
                o.Token = Harness.StaticToken;
                o.MaxRetryAttempts = 2;
            },
            more: s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)));
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 503, """{"statusCode":503,"error":"Service Unavailable","message":"The service is unavailable"}""");

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(3, h.Server.ApiCount);
        Assert.Contains(logs.Lines, l => l.StartsWith("Debug Polly", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Warning Polly", StringComparison.Ordinal) || l.StartsWith("Error Polly", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServerError_OnPost_IsNotRetried()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 502, """{"statusCode":502,"error":"Bad Gateway","message":"upstream"}""");

        var result = await h.CallAsync(TestTool.Post());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(1, h.Server.ApiCount);
        Assert.Contains("POST is not retried automatically", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowResponse_PastAttemptTimeoutOnGet_IsRetriedAndSucceeds()
    {
        await using var h = await Harness.StaticAsync(o => o.AttemptTimeout = TimeSpan.FromSeconds(1));
        h.Server.Api = (ctx, n) => n == 1 ? h.Server.Stall(ctx) : ScriptedAuth0Server.Json(ctx, 200, Ok);
        var clock = Stopwatch.StartNew();

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal(2, h.Server.ApiCount);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.95, 8);
        await h.Server.ClientAborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task SlowResponse_Always_EndsWithinBudgetWithClearMessage()
    {
        await using var h = await Harness.StaticAsync(o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(300);
            o.RetryBudget = TimeSpan.FromMilliseconds(1500);
            o.MaxRetryAttempts = 10;
        });
        h.Server.Api = (ctx, _) => h.Server.Stall(ctx);
        var clock = Stopwatch.StartNew();

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.2, 6);
        Assert.InRange(h.Server.ApiCount, 2, 5);
        Assert.Contains("did not answer within the 1.5 s budget", result.Text(), StringComparison.Ordinal);
        Assert.Contains("last: timeout", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowResponse_OnPost_IsNotRetriedAndSaysWhy()
    {
        // One second, not less: the count below needs the request to reach the scripted server before the
        // attempt gives up, and a loaded two-core CI machine once took longer than 300 ms to deliver it.
        await using var h = await Harness.StaticAsync(o => o.AttemptTimeout = TimeSpan.FromSeconds(1));
        h.Server.Api = (ctx, _) => h.Server.Stall(ctx);

        var result = await h.CallAsync(TestTool.Post());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(1, h.Server.ApiCount);
        Assert.Contains("did not answer within 1 s", result.Text(), StringComparison.Ordinal);
        Assert.Contains("POST is not retried", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionReset_OnGet_IsRetriedAndSucceeds()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, n) => n == 1 ? ScriptedAuth0Server.Reset(ctx) : ScriptedAuth0Server.Json(ctx, 200, Ok);

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal(2, h.Server.ApiCount);
    }

    [Fact]
    public async Task ConnectionReset_Persistent_ReportsUnreachableWithAttempts()
    {
        await using var h = await Harness.StaticAsync(o => o.MaxRetryAttempts = 2);
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Reset(ctx);

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(3, h.Server.ApiCount);
        Assert.Contains("Auth0 could not be reached after 3 attempts", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionReset_OnPost_IsNotRetried()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Reset(ctx);

        var result = await h.CallAsync(TestTool.Post());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(1, h.Server.ApiCount);
        Assert.Contains("POST is not retried automatically", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unauthorized401_WithClientCredentials_RefreshesOnceAndRetriesOnce()
    {
        await using var h = await Harness.ClientCredentialsAsync();
        h.IssueTokens();
        string? firstToken = null;
        h.Server.Api = (ctx, n) =>
        {
            if (n == 1)
            {
                firstToken = ctx.Request.Headers.Authorization.ToString();
                return ScriptedAuth0Server.Json(ctx, 401, """{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}""");
            }

            return ScriptedAuth0Server.Json(ctx, 200, Ok);
        };

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal(2, h.Server.TokenCount);
        Assert.Equal(2, h.Server.ApiCount);
        Assert.NotEqual(firstToken, h.Server.ApiRequests.Last().Authorization);
    }

    [Fact]
    public async Task Unauthorized401_Persistent_RefreshesOnlyOnceThenReportsCredential()
    {
        await using var h = await Harness.ClientCredentialsAsync();
        h.IssueTokens();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 401, """{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}""");

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(2, h.Server.TokenCount);
        Assert.Equal(2, h.Server.ApiCount);
        Assert.Contains("did not accept the credential", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unauthorized401_WithStaticToken_IsNotRetried()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 401, """{"statusCode":401,"error":"Unauthorized","message":"Expired token received for JSON Web Token validation"}""");

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(1, h.Server.ApiCount);
        Assert.Contains("Expired token received", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenEndpoint500_FailsWithoutCallingTheApi()
    {
        await using var h = await Harness.ClientCredentialsAsync();
        h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 500, """{"error":"server_error","error_description":"try later"}""");

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(1, h.Server.TokenCount);
        Assert.Equal(0, h.Server.ApiCount);
        Assert.Contains("Could not obtain an Auth0 access token", result.Text(), StringComparison.Ordinal);
        Assert.Contains("answered 500", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenEndpoint401_SaysTheClientCredentialsWereRefused()
    {
        await using var h = await Harness.ClientCredentialsAsync();
        h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 401, """{"error":"access_denied","error_description":"Unauthorized"}""");

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(0, h.Server.ApiCount);
        Assert.Contains("Auth0 refused the client credentials", result.Text(), StringComparison.Ordinal);
        Assert.Contains("access_denied", result.Text(), StringComparison.Ordinal);
        Assert.Contains("AUTH0_CLIENT_SECRET", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenEndpointStalls_FailsAfterTokenTimeout()
    {
        await using var h = await Harness.ClientCredentialsAsync(o => o.TokenRequestTimeout = TimeSpan.FromMilliseconds(300));
        h.Server.Token = (ctx, _) => h.Server.Stall(ctx);

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError == true, result.Text());
        Assert.Equal(0, h.Server.ApiCount);
        Assert.Contains("did not answer within 0.3 s", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelledCall_CancelsTheHttpRequest()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => h.Server.Stall(ctx);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.CallAsync(TestTool.Get(), cts.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        await h.Server.ClientAborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, h.Server.ApiCount);
    }

    [Fact]
    public async Task RetryWait_WithProgressHook_ReportsProgress()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, n) => n == 1 ? ScriptedAuth0Server.Json(ctx, 429, "{}", ("Retry-After", "1")) : ScriptedAuth0Server.Json(ctx, 200, Ok);
        var progress = new ProgressLog();

        var result = await h.CallAsync(TestTool.Get(), progress: progress);

        Assert.True(result.IsError != true, result.Text());
        var report = Assert.Single(progress.Reports);
        Assert.Equal(1, report.Progress);
        // The wait Auth0 asked for, plus its jitter (up to 0.25 s), as it will be waited.
        Assert.Matches(@"rate limit reached \(429\); retrying in 1(\.[0-2])? s", report.Message);
    }
}
