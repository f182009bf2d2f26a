using Auth0Mcp.Sdk.Auth;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>Least privilege: scopes read from the token, refusal before sending, minimal grants.</summary>
public sealed class ScopeTests
{
    [Fact]
    public void TokenClaims_ScopeAndPermissions_AreReadAsOneSet()
    {
        var claims = Auth0TokenClaims.Read(TestTokens.Jwt(["read:users", "update:users"], DateTimeOffset.FromUnixTimeSeconds(2_000_000_000), permissionsOnly: "read:roles read:users"));

        Assert.NotNull(claims);
        Assert.Equal(["read:roles", "read:users", "update:users"], claims.Scopes!.Order(StringComparer.Ordinal));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(2_000_000_000), claims.ExpiresAt);
        Assert.Equal("client-abc@clients", claims.Subject);
        Assert.Equal(["https://tenant.example/api/v2/"], claims.Audiences);
    }

    [Theory]
    [InlineData("opaque-token-without-dots")]
    [InlineData("a.b.c")]
    [InlineData("a.!!!.c")]
    [InlineData("")]
    public void TokenClaims_NotAJwt_IsNull(string token) => Assert.Null(Auth0TokenClaims.Read(token));

    [Fact]
    public void TokenClaims_JwtWithoutScopeClaims_HasUnknownScopes() =>
        Assert.Null(Auth0TokenClaims.Read(TestTokens.Jwt(scopes: null))!.Scopes);

    [Fact]
    public async Task ScopeGuard_ClientCredentials_KnowsScopesOnlyOnceATokenMayBeObtained()
    {
        await using var h = await Harness.ClientCredentialsAsync();
        h.IssueTokens(86400, "read:users");
        var guard = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IAuth0ScopeGuard>(h.Services);

        Assert.Null(await guard.GrantedScopesAsync(obtainToken: false, CancellationToken.None));
        Assert.Equal(["read:users"], await guard.GrantedScopesAsync(obtainToken: true, CancellationToken.None));
    }

    [Fact]
    public async Task ScopeGuard_OpaqueStaticToken_HasUnknownScopes()
    {
        await using var h = await Harness.StaticAsync();
        var guard = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IAuth0ScopeGuard>(h.Services);

        Assert.Null(await guard.GrantedScopesAsync(obtainToken: true, CancellationToken.None));
    }

    // The spec's scopes for these operations (2026-06-25), sorted as the generated catalogue holds them: Auth0 accepts a
    // token with any one of those an operation lists.
    private static readonly Catalog.Auth0ToolDescriptor UsersGet = TestTool.Describe("auth0_users_get", "GET", "/users/{id}", "read:current_user", "read:user_idp_tokens", "read:users");
    private static readonly Catalog.Auth0ToolDescriptor UsersList = TestTool.Describe("auth0_users_list", "GET", "/users", "read:user_idp_tokens", "read:users");
    private static readonly Catalog.Auth0ToolDescriptor UsersUpdate = TestTool.Describe("auth0_users_update", "PATCH", "/users/{id}", "update:current_user_metadata", "update:users", "update:users_app_metadata");
    private static readonly Catalog.Auth0ToolDescriptor UsersDelete = TestTool.Describe("auth0_users_delete", "DELETE", "/users/{id}", "delete:current_user", "delete:users");
    private static readonly Catalog.Auth0ToolDescriptor LogsList = TestTool.Describe("auth0_logs_list", "GET", "/logs", "read:logs", "read:logs_users");
    private static readonly Catalog.Auth0ToolDescriptor ClientsList = TestTool.Describe("auth0_clients_list", "GET", "/clients", "read:client_credentials", "read:client_keys", "read:client_summary", "read:clients");
    private static readonly Catalog.Auth0ToolDescriptor ClientsConnections = TestTool.Describe("auth0_clients_connections_get", "GET", "/clients/{id}/connections", "read:client_summary", "read:clients", "read:connections");
    private static readonly Catalog.Auth0ToolDescriptor JobsGet = TestTool.Describe("auth0_jobs_get", "GET", "/jobs/{id}", "create:users", "read:users");
    private static readonly Catalog.Auth0ToolDescriptor UsersRolesList = TestTool.Describe("auth0_users_roles_list", "GET", "/users/{id}/roles", "read:role_members", "read:roles", "read:users");
    private static readonly Catalog.Auth0ToolDescriptor RolesList = TestTool.Describe("auth0_roles_list", "GET", "/roles", "read:roles");
    private static readonly Catalog.Auth0ToolDescriptor NoScopes = new("auth0_public_thing", "Public", "Lists no scope.", "GET", "/public", "public", ["public"], [], Catalog.Auth0ToolAction.Read, "GA", """{"type":"object"}""", true, false, true);

    [Fact]
    public void ScopePlanner_AnyOneListedScope_AllowsTheTool()
    {
        var readUsers = new HashSet<string> { "read:users" };

        Assert.True(Auth0ScopePlanner.Allows(UsersGet, readUsers));
        Assert.Empty(Auth0ScopePlanner.Missing(UsersGet, readUsers));
        Assert.True(Auth0ScopePlanner.Allows(UsersGet, new HashSet<string> { "read:current_user" })); // any one, not only the first
        Assert.True(Auth0ScopePlanner.Allows(JobsGet, readUsers));
        Assert.True(Auth0ScopePlanner.Allows(NoScopes, new HashSet<string>()));
        Assert.Empty(Auth0ScopePlanner.Refused([UsersGet, UsersList, JobsGet, NoScopes], readUsers));
    }

    [Fact]
    public void ScopePlanner_NoneOfTheListedScopes_RefusesWithTheAlternativesThePrimaryFirst()
    {
        var granted = new HashSet<string> { "read:roles", "update:users" };

        Assert.False(Auth0ScopePlanner.Allows(UsersGet, granted));
        Assert.Equal(["read:users", "read:current_user", "read:user_idp_tokens"], Auth0ScopePlanner.Missing(UsersGet, granted)); // the primary first
        Assert.Equal(["read:clients", "read:client_credentials", "read:client_keys", "read:client_summary"], Auth0ScopePlanner.Missing(ClientsList, granted));
        Assert.Equal("read:clients", Auth0ScopePlanner.Primary(ClientsList));
        Assert.Null(Auth0ScopePlanner.Primary(NoScopes));
        var refused = Auth0ScopePlanner.Refused([UsersUpdate, UsersGet, RolesList, UsersDelete], granted);
        Assert.Equal(["auth0_users_delete", "auth0_users_get"], refused.Select(g => g.Tool));
        Assert.Equal(["delete:users", "delete:current_user"], refused[0].Missing);
        Assert.Equal("one of the scopes delete:users, delete:current_user", Auth0ScopePlanner.Describe(refused[0].Missing));
        Assert.Equal("the scope read:roles", Auth0ScopePlanner.Describe(["read:roles"]));
    }

    [Fact]
    public void ScopePlanner_MinimalScopes_OneScopePerToolItsPrimaryUnlessAlreadyCovered()
    {
        // What Auth0's own MCP server asks for: no read:client_keys (client secrets), read:user_idp_tokens or read:current_user.
        Assert.Equal(["read:clients", "read:logs", "read:users", "update:users"], Auth0ScopePlanner.MinimalScopes([UsersGet, UsersList, UsersUpdate, LogsList, ClientsList]));
        Assert.Equal(["delete:users", "read:roles", "read:users"], Auth0ScopePlanner.MinimalScopes([UsersList, UsersDelete, RolesList, NoScopes]));

        // The primary is the shortest name (the catalogue holds the scopes sorted, not in the spec's order): a read of
        // GET /jobs/{id} asks for read:users, not create:users.
        Assert.Equal(["read:users"], Auth0ScopePlanner.MinimalScopes([JobsGet]));
        Assert.Equal(["read:clients", "read:users"], Auth0ScopePlanner.MinimalScopes([JobsGet, UsersList, ClientsConnections, ClientsList]));
        Assert.Empty(Auth0ScopePlanner.MinimalScopes([NoScopes]));

        // A primary that another tool's primary makes needless is dropped: GET /users/{id}/roles alone asks for read:roles
        // (read:roles and read:users tie, the name decides), beside GET /users read:users covers both.
        Assert.Equal(["read:roles"], Auth0ScopePlanner.MinimalScopes([UsersRolesList]));
        Assert.Equal(["read:users"], Auth0ScopePlanner.MinimalScopes([UsersRolesList, UsersList]));
        Assert.Equal(["read:roles", "read:users"], Auth0ScopePlanner.MinimalScopes([UsersRolesList, UsersList, RolesList]));
    }

    [Fact]
    public void ScopePlanner_MinimalScopes_DependsOnlyOnTheSetOfTools()
    {
        Catalog.Auth0ToolDescriptor[] tools = [JobsGet, UsersList, ClientsConnections, ClientsList, UsersGet, UsersUpdate, UsersDelete, LogsList, RolesList, UsersRolesList, NoScopes];
        var expected = Auth0ScopePlanner.MinimalScopes(tools);
        var random = new Random(29);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(expected, Auth0ScopePlanner.MinimalScopes(tools.OrderBy(_ => random.Next()).ToList()));
        }

        Assert.Equal(["delete:users", "read:clients", "read:logs", "read:roles", "read:users", "update:users"], expected);
    }
}
