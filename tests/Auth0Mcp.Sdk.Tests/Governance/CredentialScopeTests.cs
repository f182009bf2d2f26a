using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Tests.Http;
using Auth0Mcp.Sdk.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// A client-credentials (M2M) connection through the governed call path: which tools the token's scopes let a caller
/// see and call, and how often the token endpoint is asked.
/// </summary>
public sealed class CredentialScopeTests
{
    private const string ListSchema = """{"type":"object","properties":{"per_page":{"type":"integer","minimum":0,"maximum":100}},"additionalProperties":false}""";
    private const string DeleteSchema = """{"type":"object","properties":{"id":{"type":"string","minLength":1}},"required":["id"],"additionalProperties":false}""";

    private static readonly Auth0ToolDescriptor ConnectionsList = new(
        "auth0_connections_list", "Get all connections", "Lists connections.", "GET", "/connections", "get_connections", ["connections"], ["read:connections"],
        Auth0ToolAction.Read, "GA", ListSchema, true, false, true,
        new Auth0RequestPlan([new("per_page", Auth0ArgumentLocation.Query)]));

    private static readonly Auth0ToolDescriptor UsersDelete = new(
        "auth0_users_delete", "Delete a user", "Deletes a user.", "DELETE", "/users/{id}", "delete_users_by_id", ["users"], ["delete:users"],
        Auth0ToolAction.Delete, "GA", DeleteSchema, false, true, true,
        new Auth0RequestPlan([new("id", Auth0ArgumentLocation.Path)]));

    private static readonly Dictionary<string, object?> NoArguments = [];
    private static readonly Dictionary<string, object?> DeleteArguments = new() { ["id"] = "auth0|1" };

    private sealed class M2M : IAsyncDisposable
    {
        public required ScriptedAuth0Server Auth0 { get; init; }
        public required GovernanceHarness Harness { get; init; }
        public required McpClient Alice { get; init; }

        /// <summary>The token endpoint grants <paramref name="scopes"/> (read when each token is issued) for a day.</summary>
        public void Grant(Func<string[]> scopes) =>
            Auth0.Token = (ctx, n) => ScriptedAuth0Server.Json(ctx, 200, TestTokens.TokenResponse(TestTokens.Jwt(scopes(), DateTimeOffset.UtcNow.AddDays(1), "t" + n), 86400));

        public async Task<List<string>> ListedAsync() => (await Alice.ListToolsAsync()).Select(t => t.Name).Order(StringComparer.Ordinal).ToList();

        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
            await Auth0.DisposeAsync();
        }
    }

    private static async Task<M2M> StartAsync()
    {
        var auth0 = await ScriptedAuth0Server.StartAsync();
        auth0.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, "[]");
        var harness = await GovernanceHarness.StartWithToolsAsync(
            [new Auth0ApiTool(ConnectionsList), new Auth0ApiTool(UsersDelete)],
            services: s => s.AddAuth0Connection(o =>
            {
                o.Domain = "tenant.example";
                o.BaseUrl = auth0.ApiBase;
                o.TokenEndpoint = auth0.TokenEndpoint;
                o.ClientId = "client-m2m";
                o.ClientSecret = "cs-M2M-SECRET-0a1b2c3d4e5f6a7b8c9d";
                o.MaxRetryAttempts = 0;
            }));
        await harness.AllowAsync(["alice"], "auth0_connections_list", "auth0_users_delete");
        var alice = await harness.ConnectAsync(GovernanceHarness.User("alice"));
        return new M2M { Auth0 = auth0, Harness = harness, Alice = alice };
    }

    [Fact]
    public async Task TokenInHand_ListHidesWhatItsScopesRefuse_DiscoveryBeforeItAsksNothing()
    {
        await using var m = await StartAsync();
        m.Grant(() => ["read:connections"]);

        // Discovery never contacts Auth0: before any call the scopes are unknown and nothing is hidden.
        Assert.Equal(["auth0_connections_list", "auth0_users_delete"], await m.ListedAsync());
        Assert.Equal(0, m.Auth0.TokenCount);

        var read = await m.Alice.CallToolAsync("auth0_connections_list", NoArguments);
        Assert.True(read.IsError is not true, ResultText.Of(read));

        // The token the call obtained is in hand: the list is what a call may do.
        Assert.Equal(["auth0_connections_list"], await m.ListedAsync());
        var guard = m.Harness.Services.GetRequiredService<IAuth0ScopeGuard>();
        Assert.Equal(["read:connections"], await guard.GrantedScopesAsync(obtainToken: false, CancellationToken.None));
        Assert.Equal(1, m.Auth0.TokenCount);
    }

    [Fact]
    public async Task WrongSecret_OneCallAsksTheTokenEndpointOnce()
    {
        await using var m = await StartAsync();
        m.Auth0.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 401, """{"error":"access_denied","error_description":"Unauthorized"}""");

        var result = await m.Alice.CallToolAsync("auth0_connections_list", NoArguments);

        Assert.True(result.IsError);
        Assert.Contains("Auth0 refused the client credentials", ResultText.Of(result), StringComparison.Ordinal);
        Assert.Equal(1, m.Auth0.TokenCount);
        Assert.Equal(0, m.Auth0.ApiCount);

        // The refusal is remembered for a moment only: a later call asks again (a fixed secret works at once).
        m.Harness.Clock.Advance(TimeSpan.FromSeconds(3));
        m.Grant(() => ["read:connections"]);
        var again = await m.Alice.CallToolAsync("auth0_connections_list", NoArguments);
        Assert.True(again.IsError is not true, ResultText.Of(again));
        Assert.Equal(2, m.Auth0.TokenCount);
    }

    [Fact]
    public async Task ScopeGrantedInAuth0Later_AStaleTokenIsRenewedOnceAYoungOneIsNot()
    {
        await using var m = await StartAsync();
        string[] granted = ["read:connections"];
        m.Grant(() => granted);
        await m.Alice.CallToolAsync("auth0_connections_list", NoArguments);

        // A refused call with a young token does not renew it (a refused tool must not renew on every call).
        var refused = await m.Alice.CallToolAsync("auth0_users_delete", DeleteArguments);
        Assert.True(refused.IsError);
        Assert.Equal(1, m.Auth0.TokenCount);

        // The operator grants the scope in Auth0; a token older than a few minutes is renewed for the call.
        granted = ["read:connections", "delete:users"];
        m.Harness.Clock.Advance(TimeSpan.FromMinutes(6));
        var deleted = await m.Alice.CallToolAsync("auth0_users_delete", DeleteArguments);

        Assert.True(deleted.IsError is not true, ResultText.Of(deleted));
        Assert.Equal(2, m.Auth0.TokenCount);
        Assert.Contains(m.Auth0.ApiRequests, r => r.Method == "DELETE");
        Assert.Equal(["auth0_connections_list", "auth0_users_delete"], await m.ListedAsync());
    }

    [Fact]
    public async Task ScopeRenewalRateLimited_TheValidSharedTokenKeepsServing()
    {
        await using var m = await StartAsync();
        m.Grant(() => ["read:connections"]);
        await m.Alice.CallToolAsync("auth0_connections_list", NoArguments);

        // The token lacks delete:users and is older than a few minutes: the refused call renews it, when the token
        // endpoint is rate-limited.
        m.Auth0.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 429, """{"error":"too_many_requests","error_description":"Global limit has been reached"}""");
        m.Harness.Clock.Advance(TimeSpan.FromMinutes(6));
        var refused = await m.Alice.CallToolAsync("auth0_users_delete", DeleteArguments);
        Assert.True(refused.IsError);
        Assert.Equal(2, m.Auth0.TokenCount);

        // The token, valid for hours, still serves the calls its scopes allow, with no new exchange.
        m.Harness.Clock.Advance(TimeSpan.FromSeconds(3));
        var read = await m.Alice.CallToolAsync("auth0_connections_list", NoArguments);

        Assert.True(read.IsError is not true, ResultText.Of(read));
        Assert.Equal(2, m.Auth0.TokenCount);
        Assert.Equal(2, m.Auth0.ApiCount);
    }

    [Fact]
    public async Task Persistent401_ARenewedTokenRefusedToo_StopsRenewingUntilTheBackoffEnds()
    {
        await using var m = await StartAsync();
        m.Grant(() => ["read:connections"]);
        m.Auth0.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 401, """{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}""");

        for (var i = 0; i < 5; i++)
        {
            var result = await m.Alice.CallToolAsync("auth0_connections_list", NoArguments);
            Assert.True(result.IsError);
        }

        // The first call: a token, its 401, one renewal, its 401. The next four answer the 401 without a new token.
        Assert.Equal(2, m.Auth0.TokenCount);
        Assert.Equal(6, m.Auth0.ApiCount);

        m.Harness.Clock.Advance(TimeSpan.FromSeconds(61));
        await m.Alice.CallToolAsync("auth0_connections_list", NoArguments);
        Assert.Equal(3, m.Auth0.TokenCount);
    }
}
