namespace Auth0Mcp.Server.Tests.Http;

/// <summary>Settings of <c>serve</c>: file, environment and options, validated at start with every problem named.</summary>
public sealed class HostSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("auth0mcp-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Problems(Dictionary<string, string?> env, params string[] args) =>
        Assert.Throws<UsageException>(() => Settings.Load(env, args)).Message;

    [Fact]
    public void Http_WithoutAnyCallerAuthentication_IsRefusedWithTheVariablesToSet()
    {
        var message = Problems([], "--http", "http://127.0.0.1:8080");

        Assert.Contains("AUTH0_MCP_OIDC_AUTHORITY", message, StringComparison.Ordinal);
        Assert.Contains("AUTH0_MCP_API_KEYS", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_AreAllReportedAtOnce()
    {
        var message = Problems(new()
        {
            ["AUTH0_MCP_OIDC_AUTHORITY"] = "https://idp.example/",
            ["AUTH0_MCP_API_KEYS"] = "short=alice",
            ["AUTH0_MCP_TOOLS_MODE"] = "some",
            ["AUTH0_MCP_PAGE_SIZE"] = "ten",
        }, "--http", "http://127.0.0.1:8080");

        Assert.Contains("needs both AUTH0_MCP_OIDC_AUTHORITY and AUTH0_MCP_OIDC_AUDIENCE", message, StringComparison.Ordinal);
        Assert.Contains("API key #1 (alice) is too short", message, StringComparison.Ordinal);
        Assert.Contains("AUTH0_MCP_TOOLS_MODE: expected full or progressive, got 'some'", message, StringComparison.Ordinal);
        Assert.Contains("AUTH0_MCP_PAGE_SIZE: expected a whole number, got 'ten'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalUser_OnANonLoopbackAddress_IsRefused()
    {
        var message = Problems(new() { ["AUTH0_MCP_HTTP_LOCAL_USER"] = "on", ["AUTH0_MCP_USER"] = "me" }, "--http", "http://0.0.0.0:8080");

        Assert.Contains("only allowed on a loopback address", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigFile_IsReadAndEnvironmentAndOptionsOverrideIt()
    {
        var file = Path.Combine(_dir, "auth0-mcp.json");
        File.WriteAllText(file, """
            {
              // comments are allowed
              "Auth0": { "Domain": "tenant.example.auth0.com", "Token": "from-file" },
              "Server": { "Http": "http://127.0.0.1:9000/mcp", "ToolsMode": "full", "PageSize": 50 },
              "Governance": { "Store": "/tmp/x.db", "User": "ops-bot", "Groups": ["ops", "oncall"] },
              "Authentication": { "ApiKeys": [ { "Key": "file-key-0123456789abcdef", "User": "alice", "Groups": ["ops"] } ] }
            }
            """);

        var settings = Settings.Load(new() { ["AUTH0_TOKEN"] = "from-env" }, "--config", file, "--tools-mode", "progressive");

        Assert.Equal("tenant.example.auth0.com", settings.Domain);
        Assert.Equal("from-env", settings.Token);
        Assert.Equal(Sdk.Progressive.ToolsMode.Progressive, settings.ToolsMode);
        Assert.Equal(50, settings.PageSize);
        Assert.Equal("/mcp", settings.HttpPath);
        Assert.Equal("ops,oncall", settings.Groups);
        var key = Assert.Single(settings.ApiKeys);
        Assert.Equal(("alice", "ops"), (key.User, Assert.Single(key.Groups)));
    }

    [Fact]
    public void ConfigFile_UnknownSetting_IsNamed()
    {
        var file = Path.Combine(_dir, "bad.json");
        File.WriteAllText(file, """{ "Server": { "Htpp": "http://127.0.0.1:1" }, "Extra": {} }""");

        var message = Problems([], "--config", file);

        Assert.Contains("unknown setting Server:Htpp", message, StringComparison.Ordinal);
        Assert.Contains("unknown section 'Extra'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownOption_IsAUsageError()
    {
        var ex = Assert.Throws<UsageException>(() => Settings.Load([], "--htp", "x"));

        Assert.Contains("unexpected argument '--htp'", ex.Message, StringComparison.Ordinal);
    }
}
