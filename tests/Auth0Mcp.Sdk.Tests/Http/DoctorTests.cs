using System.Text.Json;
using Auth0Mcp.Sdk.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>The doctor proves credentials without ever showing them.</summary>
public sealed class DoctorTests
{
    private static readonly Catalog.Auth0ToolDescriptor[] Approved =
    [
        TestTool.Describe("auth0_users_list", "GET", "/users", "read:users"),
        TestTool.Describe("auth0_users_delete", "DELETE", "/users/{id}", "delete:users"),
    ];

    [Fact]
    public async Task Doctor_ClientCredentials_ReportsKindExpiryScopesReachAndRefusedTools()
    {
        await using var h = await Harness.ClientCredentialsAsync();
        h.IssueTokens(86400, "read:users", "read:tenant_settings");
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, """{"friendly_name":"Test"}""");

        var report = await h.Services.GetRequiredService<Auth0Doctor>().RunAsync(Approved);

        Assert.True(report.Healthy, report.ToText());
        Assert.Equal(Auth0CredentialKind.ClientCredentials, report.CredentialKind);
        Assert.Equal(Harness.ClientId, report.ClientId);
        Assert.InRange(report.TokenExpiresAt!.Value, DateTimeOffset.UtcNow.AddHours(23), DateTimeOffset.UtcNow.AddHours(25));
        Assert.Equal(["read:tenant_settings", "read:users"], report.GrantedScopes);
        Assert.Equal(200, report.ProbeStatus);
        Assert.Equal("/api/v2/tenants/settings", h.Server.ApiRequests.Single().Path);
        var refused = Assert.Single(report.RefusedTools);
        Assert.Equal("auth0_users_delete", refused.Tool);

        var text = report.ToText();
        Assert.Contains("[ok]   credential: client credentials of the M2M application client-abc", text, StringComparison.Ordinal);
        Assert.Contains("refused: auth0_users_delete (needs delete:users)", text, StringComparison.Ordinal);
        Assert.Contains("Auth0 connection: healthy", text, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(report.ToJson());
        Assert.Equal("clientCredentials", json.RootElement.GetProperty("credentialKind").GetString());
        Assert.Equal("delete:users", json.RootElement.GetProperty("refusedTools")[0].GetProperty("missingScopes")[0].GetString());
        Assert.Equal(200, json.RootElement.GetProperty("probe").GetProperty("status").GetInt32());
        AssertNoSecrets(text + report.ToJson(), h);
    }

    [Fact]
    public async Task Doctor_ToolsListingSeveralScopes_RefusesOnlyThoseTheTokenHasNoneOf_AndRecommendsTheirPrimary()
    {
        Catalog.Auth0ToolDescriptor[] approved =
        [
            TestTool.Describe("auth0_users_get", "GET", "/users/{id}", "read:current_user", "read:user_idp_tokens", "read:users"),
            TestTool.Describe("auth0_users_delete", "DELETE", "/users/{id}", "delete:current_user", "delete:users"),
            TestTool.Describe("auth0_clients_list", "GET", "/clients", "read:client_credentials", "read:client_keys", "read:client_summary", "read:clients"),
        ];
        await using var h = await Harness.ClientCredentialsAsync();
        h.IssueTokens(86400, "read:users", "read:tenant_settings");
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, """{"friendly_name":"Test"}""");

        var report = await h.Services.GetRequiredService<Auth0Doctor>().RunAsync(approved);

        Assert.Equal(["auth0_clients_list", "auth0_users_delete"], report.RefusedTools.Select(g => g.Tool));
        Assert.Equal(["delete:users", "delete:current_user"], report.RefusedTools[1].Missing);
        var text = report.ToText();
        Assert.Contains("[warn] tools: 2 of 3 approved tools would be refused (each needs one of its scopes); grant: delete:users read:clients", text, StringComparison.Ordinal);
        Assert.Contains("refused: auth0_users_delete (needs one of delete:users delete:current_user)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("auth0_users_get", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_TokenBesideClientCredentials_WarnsThatTheClientCredentialsAreIgnored()
    {
        await using var h = await Harness.ClientCredentialsAsync();
        h.Services.GetRequiredService<Auth0CredentialStore>().Rotate(new Auth0CredentialUpdate { Token = "rotated-token-5e4d3c" });
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, """{"friendly_name":"Test"}""");

        var report = await h.Services.GetRequiredService<Auth0Doctor>().RunAsync(Approved);

        Assert.Equal(Auth0CredentialKind.StaticToken, report.CredentialKind);
        var warning = Assert.Single(report.Checks, c => c.Name == "credential" && c.Status == Auth0DoctorStatus.Warn);
        Assert.Contains("both set", warning.Message, StringComparison.Ordinal);
        Assert.Contains($"the client credentials of {Harness.ClientId} are ignored", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("rotated-token-5e4d3c", report.ToText() + report.ToJson(), StringComparison.Ordinal);
        AssertNoSecrets(report.ToText() + report.ToJson(), h);
    }

    [Fact]
    public async Task Doctor_LibraryHost_NamesTheOptionsThenTheInProcessRotationAsTheCredentialsOrigin()
    {
        // A library host reads no environment: the credential comes from its options, or from a rotation in process.
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, """{"friendly_name":"Test"}""");
        var doctor = h.Services.GetRequiredService<Auth0Doctor>();

        var fromOptions = await doctor.RunAsync();
        h.Services.GetRequiredService<Auth0CredentialStore>().Rotate(new Auth0CredentialUpdate { Token = "rotated-token-7a8b9c" }, "admin:alice");
        var rotated = await doctor.RunAsync();

        Assert.Equal("Auth0ConnectionOptions.Token", fromOptions.CredentialOrigin);
        Assert.Contains("[ok]   credential: a Management API token from Auth0ConnectionOptions.Token; it is not renewed", fromOptions.ToText(), StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH0_TOKEN", fromOptions.ToText(), StringComparison.Ordinal);
        Assert.StartsWith("a rotation by admin:alice at ", rotated.CredentialOrigin, StringComparison.Ordinal);
        Assert.Contains("[ok]   credential: a Management API token from a rotation by admin:alice at ", rotated.ToText(), StringComparison.Ordinal);
        using var json = JsonDocument.Parse(rotated.ToJson());
        Assert.Equal(rotated.CredentialOrigin, json.RootElement.GetProperty("credentialOrigin").GetString());
        Assert.DoesNotContain("rotated-token-7a8b9c", rotated.ToText() + rotated.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_TokenEndpointRefuses_FailsWithReasonAndNoSecret()
    {
        await using var h = await Harness.ClientCredentialsAsync();
        h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 401, """{"error":"access_denied","error_description":"Unauthorized"}""");

        var report = await h.Services.GetRequiredService<Auth0Doctor>().RunAsync(Approved);

        Assert.False(report.Healthy);
        var token = Assert.Single(report.Checks, c => c.Name == "token");
        Assert.Equal(Auth0DoctorStatus.Fail, token.Status);
        Assert.Contains("refused the client credentials", token.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Server.ApiCount);
        AssertNoSecrets(report.ToText() + report.ToJson(), h);
    }

    [Fact]
    public async Task Doctor_StaticTokenRejectedByTenant_FailsReach()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 401, """{"statusCode":401,"message":"Bad audience"}""");

        var report = await h.Services.GetRequiredService<Auth0Doctor>().RunAsync();

        Assert.False(report.Healthy);
        Assert.Equal(Auth0CredentialKind.StaticToken, report.CredentialKind);
        Assert.Equal(Auth0DoctorStatus.Fail, report.Checks.Single(c => c.Name == "reach").Status);
        Assert.Equal(Auth0DoctorStatus.Warn, report.Checks.Single(c => c.Name == "expiry").Status);
        AssertNoSecrets(report.ToText() + report.ToJson(), h);
    }

    [Fact]
    public async Task Doctor_TenantUnreachable_FailsReach()
    {
        await using var h = await Harness.StaticAsync(o =>
        {
            o.BaseUrl = new Uri("http://127.0.0.1:9/api/v2");
            o.MaxRetryAttempts = 1;
        });

        var report = await h.Services.GetRequiredService<Auth0Doctor>().RunAsync();

        var reach = report.Checks.Single(c => c.Name == "reach");
        Assert.Equal(Auth0DoctorStatus.Fail, reach.Status);
        Assert.Contains("could not be reached", reach.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_NoCredential_FailsWithoutNetwork()
    {
        await using var h = await Harness.StartAsync(_ => { });

        var report = await h.Services.GetRequiredService<Auth0Doctor>().RunAsync(Approved);

        Assert.False(report.Healthy);
        Assert.Equal(Auth0CredentialKind.None, report.CredentialKind);
        Assert.Equal(0, h.Server.ApiCount + h.Server.TokenCount);
        Assert.Contains("[FAIL] credential", report.ToText(), StringComparison.Ordinal);
    }

    internal static void AssertNoSecrets(string output, Harness h)
    {
        Assert.DoesNotContain(Harness.ClientSecret, output, StringComparison.Ordinal);
        Assert.DoesNotContain(Harness.StaticToken, output, StringComparison.Ordinal);
        foreach (var issued in h.Server.ApiRequests.Select(r => r.Authorization).Where(a => a is not null))
        {
            Assert.DoesNotContain(issued![7..], output, StringComparison.Ordinal);
        }
    }
}
