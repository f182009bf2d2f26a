using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;
using Refit;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>A Refit interface shaped like the generated ones.</summary>
public interface IUsersTestApi
{
    /// <summary>GET /users/{id}.</summary>
    [Get("/users/{id}")]
    Task<HttpResponseMessage> GetUserAsync(string id, CancellationToken cancellationToken);

    /// <summary>DELETE /users/{id}/multifactor/{provider}.</summary>
    [Delete("/users/{id}/multifactor/{provider}")]
    Task<HttpResponseMessage> DeleteProviderAsync(string id, string provider, CancellationToken cancellationToken);

    /// <summary>GET /users?q=.</summary>
    [Get("/users")]
    Task<HttpResponseMessage> ListUsersAsync([Query] string q, CancellationToken cancellationToken);
}

/// <summary>Path parameters reach Auth0 percent-encoded as one segment, whatever they contain.</summary>
public sealed class PathEncodingTests
{
    [Theory]
    [InlineData("auth0|123", "/api/v2/users/auth0%7C123")]
    [InlineData("google-oauth2|10593", "/api/v2/users/google-oauth2%7C10593")]
    [InlineData("a/b", "/api/v2/users/a%2Fb")]
    [InlineData("x?y=1", "/api/v2/users/x%3Fy%3D1")]
    [InlineData("frag#ment", "/api/v2/users/frag%23ment")]
    [InlineData("../../clients", "/api/v2/users/..%2F..%2Fclients")]
    [InlineData("email|a b+c@x.io", "/api/v2/users/email%7Ca%20b%2Bc%40x.io")]
    [InlineData("%2E%2E", "/api/v2/users/%252E%252E")]
    public async Task RefitPathParameter_ThroughThePipeline_ArrivesAsOneEncodedSegment(string id, string expectedRawPath)
    {
        await using var h = await Harness.StaticAsync();
        var api = RestService.For<IUsersTestApi>(h.Services.GetRequiredService<IAuth0HttpClientSource>().CreateClient());

        using var response = await api.GetUserAsync(id, CancellationToken.None);

        var request = Assert.Single(h.Server.ApiRequests);
        Assert.Equal(expectedRawPath, request.RawTarget);
    }

    [Theory]
    [InlineData("auth0|123", "/api/v2/users/auth0%7C123")]
    [InlineData("a/b", "/api/v2/users/a%2Fb")]
    [InlineData("x?y=1", "/api/v2/users/x%3Fy%3D1")]
    [InlineData("../../clients", "/api/v2/users/..%2F..%2Fclients")]
    [InlineData("%2E%2E", "/api/v2/users/%252E%252E")]
    public async Task ToolPathParameter_ThroughTheRequestBuilder_ArrivesAsOneEncodedSegment(string id, string expectedRawPath)
    {
        await using var h = await Harness.StaticAsync();

        var result = await h.CallAsync(TestTool.Get("/users/{id}"), $$"""{"id":{{System.Text.Json.JsonSerializer.Serialize(id)}}}""");

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal(expectedRawPath, Assert.Single(h.Server.ApiRequests).RawTarget);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    public async Task TypedClient_DotSegmentOrEmptyPathValue_ThrowsAndNothingIsSent(string provider)
    {
        // A C# host's typed client (Auth0Refit's formatter, as every generated client's settings have it): the URI would
        // collapse "/users/x/multifactor/.." into "/users/x/", another operation.
        await using var h = await Harness.StaticAsync();
        var api = RestService.For<IUsersTestApi>(h.Services.GetRequiredService<IAuth0HttpClientSource>().CreateClient(), new RefitSettings { UrlParameterFormatter = new Auth0Mcp.Sdk.Tools.Auth0UrlParameterFormatter() });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => api.DeleteProviderAsync("auth0|victim", provider, CancellationToken.None));

        Assert.Contains("was not sent", error.Message, StringComparison.Ordinal);
        Assert.Contains("path parameter", error.Message, StringComparison.Ordinal);
        Assert.Empty(h.Server.ApiRequests);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    public async Task TypedClient_DotSegmentOrEmptyQueryValue_IsSent(string value)
    {
        await using var h = await Harness.StaticAsync();
        var api = RestService.For<IUsersTestApi>(h.Services.GetRequiredService<IAuth0HttpClientSource>().CreateClient(), new RefitSettings { UrlParameterFormatter = new Auth0Mcp.Sdk.Tools.Auth0UrlParameterFormatter() });

        using var response = await api.ListUsersAsync(value, CancellationToken.None);

        Assert.StartsWith("/api/v2/users?q=", Assert.Single(h.Server.ApiRequests).RawTarget, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    public async Task ToolCall_DotSegmentOrEmptyPathValue_IsAnErrorResultAndNothingIsSent(string id)
    {
        await using var h = await Harness.StaticAsync();

        var result = await h.CallAsync(TestTool.Delete("/users/{id}/roles"), $$"""{"id":"{{id}}"}""");

        Assert.True(result.IsError == true);
        Assert.Empty(h.Server.ApiRequests);
        Assert.Contains("was not sent", result.Text(), StringComparison.Ordinal);
        Assert.Contains("'id'", result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tenant.example.com\u0000evil")]
    [InlineData("tenant.example.com\r\nX-Injected: 1")]
    [InlineData("tenant\u0085.example.com")]
    public async Task ToolCall_HeaderValueWithControlCharacter_IsRefusedAndNothingIsSent(string value)
    {
        await using var h = await Harness.StaticAsync();
        var json = System.Text.Json.JsonSerializer.Serialize(System.Text.RegularExpressions.Regex.Unescape(value));

        var result = await h.CallAsync(TestTool.WithHeader("q"), $$"""{"q":{{json}}}""");

        Assert.True(result.IsError == true, result.Text());
        Assert.Empty(h.Server.ApiRequests);
        Assert.Contains("was not sent", result.Text(), StringComparison.Ordinal);
        Assert.Contains("header 'q'", result.Text(), StringComparison.Ordinal);
    }
}
