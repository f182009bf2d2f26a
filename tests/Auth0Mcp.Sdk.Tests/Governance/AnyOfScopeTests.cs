using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Tests.Http;
using Auth0Mcp.Sdk.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// The scopes an operation lists are alternatives, as Auth0 treats them ("Insufficient scope, expected any of: …"):
/// through the governed call path, a least-privileged token with one of them sees and calls the tool, and one with
/// none of them is refused with the alternatives named as "one of".
/// </summary>
public sealed class AnyOfScopeTests
{
    private const string IdSchema = """{"type":"object","properties":{"id":{"type":"string","minLength":1}},"required":["id"],"additionalProperties":false}""";

    // The spec's scopes for these operations (2026-06-25), sorted as the generated catalogue holds them.
    private static readonly Auth0ToolDescriptor UsersGet = new(
        "auth0_users_get", "Get a user", "Gets a user.", "GET", "/users/{id}", "get_users_by_id", ["users"], ["read:current_user", "read:user_idp_tokens", "read:users"],
        Auth0ToolAction.Read, "GA", IdSchema, true, false, true,
        new Auth0RequestPlan([new("id", Auth0ArgumentLocation.Path)]));

    private static readonly Auth0ToolDescriptor UsersDelete = new(
        "auth0_users_delete", "Delete a user", "Deletes a user.", "DELETE", "/users/{id}", "delete_users_by_id", ["users"], ["delete:current_user", "delete:users"],
        Auth0ToolAction.Delete, "GA", IdSchema, false, true, true,
        new Auth0RequestPlan([new("id", Auth0ArgumentLocation.Path)]));

    private static readonly Dictionary<string, object?> Id = new() { ["id"] = "auth0|1" };

    [Fact]
    public async Task TokenWithOnlyThePrimaryScope_SeesAndCallsATool_ListingSeveral()
    {
        await using var f = await StartAsync("read:users");

        var listed = (await f.Alice.ListToolsAsync()).Select(t => t.Name).ToList();
        var result = await f.Alice.CallToolAsync("auth0_users_get", Id);

        Assert.Equal(["auth0_users_get"], listed);
        Assert.True(result.IsError != true, ResultText.Of(result));
        var request = Assert.Single(f.Auth0.ApiRequests);
        Assert.Equal(("GET", "/api/v2/users/auth0%7C1"), (request.Method, request.RawTarget));
    }

    [Theory]
    [InlineData("read:current_user")]
    [InlineData("read:user_idp_tokens")]
    public async Task TokenWithAnotherOfTheListedScopes_IsAllowedToo(string scope)
    {
        await using var f = await StartAsync(scope);

        Assert.Equal(["auth0_users_get"], (await f.Alice.ListToolsAsync()).Select(t => t.Name));
    }

    [Fact]
    public async Task TokenWithNoneOfTheListedScopes_IsRefusedAndTheAuditNamesTheAlternativesAsOneOf()
    {
        await using var f = await StartAsync("read:users");

        var result = await f.Alice.CallToolAsync("auth0_users_delete", Id);

        Assert.Equal("Denied by governance: unknown tool 'auth0_users_delete' [unknown-tool]", ResultText.Of(result));
        Assert.Equal(0, f.Auth0.ApiCount);
        var record = Assert.Single(await f.Harness.CallRecordsAsync());
        Assert.Equal(DenialCodes.MissingScopes, record.DenialCode);
        Assert.Contains("needs one of delete:users, delete:current_user (any one will do", record.Reason, StringComparison.Ordinal);
        Assert.Contains("DELETE /users/{id}", record.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("grant them", record.Reason, StringComparison.Ordinal);
    }

    private sealed class Fixture : IAsyncDisposable
    {
        public required ScriptedAuth0Server Auth0 { get; init; }
        public required GovernanceHarness Harness { get; init; }
        public required McpClient Alice { get; init; }

        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
            await Auth0.DisposeAsync();
        }
    }

    private static async Task<Fixture> StartAsync(params string[] granted)
    {
        var auth0 = await ScriptedAuth0Server.StartAsync();
        auth0.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, """{"user_id":"auth0|1"}""");
        var token = TestTokens.Jwt(granted, DateTimeOffset.UtcNow.AddHours(1), "t");
        var harness = await GovernanceHarness.StartWithToolsAsync(
            [new Auth0ApiTool(UsersGet), new Auth0ApiTool(UsersDelete)],
            services: s => s.AddAuth0Connection(o =>
            {
                o.Domain = "tenant.example";
                o.BaseUrl = auth0.ApiBase;
                o.Token = token;
                o.MaxRetryAttempts = 0;
            }));
        await harness.AllowAsync(["alice"], "auth0_users_get", "auth0_users_delete");
        var alice = await harness.ConnectAsync(GovernanceHarness.User("alice"));
        return new Fixture { Auth0 = auth0, Harness = harness, Alice = alice };
    }
}
