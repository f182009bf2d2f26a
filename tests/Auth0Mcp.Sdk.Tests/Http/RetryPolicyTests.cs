using System.Net;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>What is retried and how long to wait, as pure functions.</summary>
public sealed class RetryPolicyTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Theory]
    [InlineData("GET", 429, "429")]
    [InlineData("POST", 429, "429")]
    [InlineData("PATCH", 429, "429")]
    [InlineData("GET", 500, "500")]
    [InlineData("PUT", 502, "502")]
    [InlineData("DELETE", 503, "503")]
    [InlineData("GET", 504, "504")]
    [InlineData("POST", 503, null)]
    [InlineData("PATCH", 500, null)]
    [InlineData("GET", 501, null)]
    [InlineData("GET", 400, null)]
    [InlineData("GET", 401, null)]
    [InlineData("GET", 404, null)]
    public void RetryReason_ByMethodAndStatus(string method, int status, string? expected)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);
        Assert.Equal(expected, Auth0RetryPolicy.RetryReason(new HttpMethod(method), response, null));
    }

    [Theory]
    [InlineData("GET", "network")]
    [InlineData("HEAD", "network")]
    [InlineData("OPTIONS", "network")]
    [InlineData("POST", null)]
    [InlineData("PATCH", null)]
    public void RetryReason_NetworkError_OnlyForIdempotentMethods(string method, string? expected)
    {
        Assert.Equal(expected, Auth0RetryPolicy.RetryReason(new HttpMethod(method), null, new HttpRequestException("reset")));
        Assert.Equal(expected is null ? null : "timeout", Auth0RetryPolicy.RetryReason(new HttpMethod(method), null, new TimeoutRejectedException()));
    }

    [Fact]
    public void Delay_XRateLimitReset_IsTheTimeUntilReset()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.Add("X-RateLimit-Reset", (Now.ToUnixTimeSeconds() + 7).ToString(System.Globalization.CultureInfo.InvariantCulture));
        response.Headers.Add("Retry-After", "30");

        Assert.True(Auth0RetryPolicy.TryGetServerDelay(response, Now, out var delay));
        Assert.Equal(TimeSpan.FromSeconds(7), delay);
    }

    [Theory]
    [InlineData("1796000000000")] // milliseconds
    [InlineData("9223372036854775807")]
    public void Delay_ResetPastTheYear9999_IsIgnoredForRetryAfter(string reset)
    {
        // Before: DateTimeOffset.FromUnixTimeSeconds threw inside the retry predicate, and the call ended with an
        // unhandled ArgumentOutOfRangeException instead of the 429 it was.
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.Add("X-RateLimit-Reset", reset);
        response.Headers.Add("Retry-After", "3");

        Assert.True(Auth0RetryPolicy.TryGetServerDelay(response, Now, out var delay));
        Assert.Equal(TimeSpan.FromSeconds(3), delay);
    }

    [Fact]
    public void Delay_ResetInThePast_IsZero()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.Add("X-RateLimit-Reset", (Now.ToUnixTimeSeconds() - 3).ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(Auth0RetryPolicy.TryGetServerDelay(response, Now, out var delay));
        Assert.Equal(TimeSpan.Zero, delay);
    }

    [Fact]
    public void Delay_RetryAfterDate_IsTheTimeUntilThatDate()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(Now.AddSeconds(12));

        Assert.True(Auth0RetryPolicy.TryGetServerDelay(response, Now, out var delay));
        Assert.Equal(TimeSpan.FromSeconds(12), delay);
    }

    [Fact]
    public void Delay_WithoutHeaders_IsLeftToTheLibrarysBackoff() =>
        Assert.False(Auth0RetryPolicy.TryGetServerDelay(new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable), Now, out _));

    [Fact]
    public void Options_BudgetShorterThanAttemptTimeout_FailValidation()
    {
        using var services = new ServiceCollection()
            .AddAuth0Connection(o =>
            {
                o.AttemptTimeout = TimeSpan.FromSeconds(30);
                o.RetryBudget = TimeSpan.FromSeconds(10);
            })
            .BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<Auth0ConnectionOptions>>().Value);
    }

    [Fact]
    public void Options_Defaults_FitUnderAClientsSixtySeconds()
    {
        var o = new Auth0ConnectionOptions { Domain = "tenant.example" };

        Assert.True(o.RetryBudget < TimeSpan.FromSeconds(60));
        Assert.Equal(new Uri("https://tenant.example/oauth/token"), o.GetTokenEndpoint());
        Assert.Equal("https://tenant.example/api/v2/", o.GetAudience());
        Assert.Equal(new Uri("https://tenant.example/api/v2"), o.GetBaseAddress());
    }
}
