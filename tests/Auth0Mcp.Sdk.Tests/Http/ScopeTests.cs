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

    [Fact]
    public void ScopePlanner_MinimalScopes_IsTheSortedDistinctUnion()
    {
        var tools = new[]
        {
            TestTool.Describe("auth0_users_list", "GET", "/users", "read:users"),
            TestTool.Describe("auth0_users_update", "PATCH", "/users/{id}", "update:users", "read:users"),
            TestTool.Describe("auth0_users_roles_list", "GET", "/users/{id}/roles", "read:roles", "read:users"),
        };

        Assert.Equal(["read:roles", "read:users", "update:users"], Auth0ScopePlanner.MinimalScopes(tools));
        Assert.Equal(["auth0_users_list", "auth0_users_roles_list", "auth0_users_update"], Auth0ScopePlanner.ScopeUsage(tools)["read:users"]);
        var refused = Assert.Single(Auth0ScopePlanner.Refused(tools, new HashSet<string> { "read:users", "read:roles" }));
        Assert.Equal("auth0_users_update", refused.Tool);
        Assert.Equal(["update:users"], refused.Missing);
    }
}
