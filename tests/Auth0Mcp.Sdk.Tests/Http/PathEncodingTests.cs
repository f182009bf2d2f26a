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
    [InlineData("..")]
    [InlineData(".")]
    public async Task RefitPathParameter_DotSegmentInAToolCall_IsRefusedBeforeSending(string id)
    {
        await using var h = await Harness.StaticAsync();
        var api = RestService.For<IUsersTestApi>(h.Services.GetRequiredService<IAuth0HttpClientSource>().CreateClient());
        using var call = Auth0CallContext.Begin(TestTool.Describe("auth0_users_get", "GET", "/users/{id}"));

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => api.GetUserAsync(id, CancellationToken.None));

        var ex = Assert.IsType<Auth0HttpException>(thrown as Auth0HttpException ?? thrown.InnerException);
        Assert.Equal(Auth0FailureKind.RefusedPath, ex.Kind);
        Assert.Empty(h.Server.ApiRequests);
    }

    [Fact]
    public async Task ToolCall_DotDotInANestedPath_IsAnErrorResultAndNothingIsDeleted()
    {
        await using var h = await Harness.StaticAsync();
        var tool = new TestTool(TestTool.Describe("auth0_users_roles_delete", "DELETE", "/users/{id}/roles", "delete:roles"), "/users/" + Uri.EscapeDataString("..") + "/roles");

        var result = await h.CallAsync(tool);

        Assert.True(result.IsError == true);
        Assert.Empty(h.Server.ApiRequests);
        Assert.Contains("was not sent", result.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/users/{id}", "/api/v2", "/api/v2/users/auth0%7C1", true)]
    [InlineData("/users/{id}/roles", "/api/v2", "/api/v2/roles", false)]
    [InlineData("/users/{id}", "/api/v2", "/api/v2/users/", false)]
    [InlineData("/users/{id}", "/api/v2", "/api/v2/users/%2E", false)]
    [InlineData("/users", "/", "/users", true)]
    [InlineData("/users", "/api/v2/", "/api/v2/users", true)]
    [InlineData("/users/{id}", "/api/v2", "/api/v2/clients/x", false)]
    public void PathTemplate_Matches_ComparesShapeAndDotSegments(string template, string basePath, string path, bool expected) =>
        Assert.Equal(expected, Auth0PathTemplate.Matches(template, basePath, path));
}
