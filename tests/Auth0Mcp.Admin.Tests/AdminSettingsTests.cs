using Auth0Mcp.Server;

namespace Auth0Mcp.Admin.Tests;

/// <summary>The console's settings: every problem reported at once, and what the options receive.</summary>
public sealed class AdminSettingsTests
{
    private static HostSettings Load(Dictionary<string, string?> env, bool adminOnly, params string[] args) =>
        HostConfiguration.Load(args, name => env.GetValueOrDefault(name), adminOnly);

    [Fact]
    public void AdminCommand_WithoutHttpGroupsOrSignIn_ReportsEveryProblem()
    {
        var ex = Assert.Throws<UsageException>(() => Load([], adminOnly: true));

        Assert.Contains("--http URL", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AUTH0_MCP_ADMIN_GROUPS", ex.Message, StringComparison.Ordinal);
        Assert.Contains("needs a sign-in", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("caller authentication", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_AdminOnWithGovernanceOff_IsRefused()
    {
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_MCP_ADMIN"] = "on",
            ["AUTH0_MCP_ADMIN_GROUPS"] = "admins",
            ["AUTH0_MCP_GOVERNANCE"] = "off",
            ["AUTH0_MCP_API_KEYS"] = "admin-key-0123456789abcdef=admin:admins",
        };

        var ex = Assert.Throws<UsageException>(() => Load(env, adminOnly: false, "--http", "http://127.0.0.1:0/mcp"));

        Assert.Contains("needs governance on", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyTo_AdminSettings_ReachConsoleOptions()
    {
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_MCP_ADMIN_GROUPS"] = "admins, ops",
            ["AUTH0_MCP_OIDC_AUTHORITY"] = "https://tenant.example/",
            ["AUTH0_MCP_ADMIN_CLIENT_ID"] = "console",
            ["AUTH0_MCP_API_KEYS"] = "admin-key-0123456789abcdef=admin:admins",
            ["AUTH0_MCP_ADMIN_URL"] = "https://console.example.com",
            ["AUTH0_MCP_ADMIN_SESSION_MINUTES"] = "90",
        };
        var options = new AdminConsoleOptions();

        Load(env, adminOnly: true, "--http", "http://127.0.0.1:0").ApplyTo(options);

        Assert.Equal(["admins", "ops"], options.AdminGroups);
        Assert.Equal("console", options.Oidc.ClientId);
        Assert.True(options.Oidc.IsConfigured);
        Assert.Equal(new Uri("https://console.example.com"), options.PublicUrl);
        Assert.Equal(TimeSpan.FromMinutes(90), options.SessionLifetime);
        Assert.Equal("admin", Assert.Single(options.ApiKeys).User);
        Assert.Equal(452, options.Catalog.Count);
        Assert.Empty(options.Validate());
        Assert.Empty(options.Oidc.Scopes); // sub: openid's
    }

    [Fact]
    public void ApplyTo_SubjectClaimEmail_TheConsoleAsksForTheEmailScope()
    {
        // OIDC Core 5.4: email comes in the ID token only when the email scope is asked for; the console asked for
        // "openid profile" alone, and every sign-in failed with "the ID token has no 'email' claim".
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_MCP_ADMIN_GROUPS"] = "admins",
            ["AUTH0_MCP_OIDC_AUTHORITY"] = "https://tenant.example/",
            ["AUTH0_MCP_ADMIN_CLIENT_ID"] = "console",
        };
        var options = new AdminConsoleOptions();
        var file = Path.Combine(Directory.CreateTempSubdirectory("auth0mcp-admin-").FullName, "settings.json");
        File.WriteAllText(file, """{ "Authentication": { "Jwt": { "SubjectClaim": "email" } } }""");

        try
        {
            Load(env, adminOnly: true, "--config", file, "--http", "http://127.0.0.1:0").ApplyTo(options);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }

        Assert.Equal("email", options.Oidc.SubjectClaim);
        Assert.Equal(["email"], options.Oidc.Scopes);
    }

    [Theory]
    [InlineData("4")]
    [InlineData("1441")]
    [InlineData("-5")]
    public void SessionMinutes_OutsideFiveMinutesToADay_IsRefusedNamingTheSetting(string minutes)
    {
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_MCP_ADMIN_GROUPS"] = "admins",
            ["AUTH0_MCP_API_KEYS"] = "admin-key-0123456789abcdef=admin:admins",
            ["AUTH0_MCP_ADMIN_SESSION_MINUTES"] = minutes,
        };

        var ex = Assert.Throws<UsageException>(() => Load(env, adminOnly: true, "--http", "http://127.0.0.1:0"));

        Assert.Contains("AUTH0_MCP_ADMIN_SESSION_MINUTES", ex.Message, StringComparison.Ordinal);
        Assert.Contains("between 5 minutes and 24 hours", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SessionLifetime_DefaultsToEightHours_AndTheOptionsRefuseOneOutOfRange()
    {
        var options = new AdminConsoleOptions { SessionLifetime = TimeSpan.FromSeconds(30) };

        Assert.Equal(TimeSpan.FromHours(8), new AdminConsoleOptions().SessionLifetime);
        Assert.Contains(options.Validate(), e => e.Contains("session lifetime", StringComparison.Ordinal));
    }
}
