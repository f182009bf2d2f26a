using System.Globalization;
using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Http;
using Auth0Mcp.Sdk.Tools;
using Refit;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>Auth0's answers reach the tool result whole; errors are concise; list answers say how to page on.</summary>
public sealed class ResponseFidelityTests
{
    [Fact]
    public async Task Success_FieldsTheSpecDoesNotList_SurviveInTextAndStructuredContent()
    {
        await using var h = await Harness.StaticAsync();
        const string body = """{"user_id":"auth0|1","email":"a@example.com","x_unlisted":{"nested":[1,2,{"deep":true}]},"app_metadata":{"plan":"gold"}}""";
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, body);

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError != true);
        Assert.Equal(body, result.Text());
        var structured = result.StructuredContent!.Value;
        Assert.True(structured.GetProperty("x_unlisted").GetProperty("nested")[2].GetProperty("deep").GetBoolean());
        Assert.Equal("gold", structured.GetProperty("app_metadata").GetProperty("plan").GetString());
    }

    [Fact]
    public async Task Success_ArrayBody_IsWrappedAsResultInStructuredContent()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, """[{"id":"rol_1","extra":"kept"}]""");

        var result = await h.CallAsync(TestTool.Get());

        Assert.Equal("kept", result.StructuredContent!.Value.GetProperty("result")[0].GetProperty("extra").GetString());
    }

    [Theory]
    [InlineData(0, 2, 200, "More results: 198 of 200 remain; call again with page=1, per_page=2.")]
    [InlineData(99, 2, 200, "This is the last page (200 in total).")]
    public async Task ActionsPaging_TotalPagePerPage_SaysWhichPageIsNext(int page, int perPage, int total, string hint)
    {
        // The Actions API answers {total, page, per_page, actions}: before, such a list got no hint at all.
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, string.Create(CultureInfo.InvariantCulture,
            $$"""{"total":{{total}},"page":{{page}},"per_page":{{perPage}},"actions":[{"id":"a"},{"id":"b"}]}"""));

        var result = await h.CallAsync(TestTool.Get());

        Assert.Contains(hint, result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OffsetPaging_WithTotals_SaysWhichPageIsNext()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, """{"start":50,"limit":50,"length":50,"total":120,"users":[""" + string.Join(',', Enumerable.Repeat("{}", 50)) + "]}");

        var result = await h.CallAsync(TestTool.Get());

        Assert.Contains("More results: 20 of 120 remain; call again with page=2, per_page=50, include_totals=true.", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OffsetPaging_LastPage_SaysSo()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, """{"start":100,"limit":50,"total":120,"users":[""" + string.Join(',', Enumerable.Repeat("{}", 20)) + "]}");

        var result = await h.CallAsync(TestTool.Get());

        Assert.Contains("This is the last page (120 in total).", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckpointPaging_WithNext_SaysToPassFrom()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, """{"logs":[{"log_id":"1"}],"next":"MjAyNi0xMQ"}""");

        var result = await h.CallAsync(TestTool.Get());

        Assert.Contains("call again with from=\"MjAyNi0xMQ\"", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forbidden403_NamesTheExpectedScopes()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 403,
            """{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:users","errorCode":"insufficient_scope"}""");

        var result = await h.CallAsync(TestTool.Get("/users", "read:users"));

        Assert.True(result.IsError == true);
        Assert.Equal(
            "auth0_users_list: Auth0 returned 403 Forbidden: Insufficient scope, expected any of: read:users [errorCode insufficient_scope]. This operation needs the scope read:users: grant it to the application or use a token that has it.",
            result.Text());
    }

    [Fact]
    public async Task Forbidden403_OperationListingSeveralScopes_SaysAnyOneOfThemWillDo()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 403,
            """{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: delete:users,delete:current_user","errorCode":"insufficient_scope"}""");

        var result = await h.CallAsync(new Auth0ApiTool(TestTool.Describe("auth0_users_delete", "DELETE", "/users/{id}", "delete:current_user", "delete:users")), """{"id":"auth0|1"}""");

        Assert.True(result.IsError == true);
        Assert.EndsWith(
            "This operation needs one of the scopes delete:users, delete:current_user (any one will do): grant one to the application or use a token that has one.",
            result.Text(), StringComparison.Ordinal);
        Assert.DoesNotContain("grant them", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotFound404_IsConciseWithAuth0sMessageAndCode()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 404, """{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}""");

        var result = await h.CallAsync(TestTool.Get());

        Assert.Equal("auth0_users_list: Auth0 returned 404 NotFound: The user does not exist. [errorCode inexistent_user].", result.Text());
    }

    [Fact]
    public async Task ToolCall_PipelineFailure_ReportsThePipelinesReason()
    {
        await using var h = await Harness.StaticAsync(o => o.MaxRetryAttempts = 1);
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Reset(ctx);

        var result = await h.CallAsync(TestTool.Get("/users/{id}"), """{"id":"auth0|1"}""");

        Assert.True(result.IsError == true);
        Assert.Contains("Auth0 could not be reached after 2 attempts", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolCall_ResponseWithUnlistedFields_KeepsThemByteForByte()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, """{"user_id":"auth0|1","brand_new_field":42}""");

        var result = await h.CallAsync(TestTool.Get("/users/{id}"), """{"id":"auth0|1"}""");

        Assert.Equal(42, result.StructuredContent!.Value.GetProperty("brand_new_field").GetInt32());
        Assert.Equal("/api/v2/users/auth0%7C1", h.Server.ApiRequests.Single().RawTarget);
    }
}
