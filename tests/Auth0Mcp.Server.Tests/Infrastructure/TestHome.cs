namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>
/// A private governance store and credentials file for one test, and the <c>auth0-mcp</c> admin commands run as
/// real processes against them. Deleted on dispose.
/// </summary>
internal sealed class TestHome : IDisposable
{
    public TestHome()
    {
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "auth0mcp-test-" + Guid.NewGuid().ToString("N"));

    public string Store => Path.Combine(Dir, "governance.db");

    public string CredentialsFile => Path.Combine(Dir, "credentials.json");

    /// <summary>The environment of a server (or command) run by <paramref name="user"/> against <paramref name="baseUrl"/>.</summary>
    public Dictionary<string, string?> Environment(Uri? baseUrl = null, string? user = null, string? token = "test-token-7f3a9c1e") => new()
    {
        ["AUTH0_MCP_STORE"] = Store,
        ["AUTH0_MCP_CREDENTIALS_FILE"] = CredentialsFile,
        ["AUTH0_MCP_BASE_URL"] = baseUrl?.ToString().TrimEnd('/'),
        ["AUTH0_TOKEN"] = token,
        ["AUTH0_DOMAIN"] = null,
        ["AUTH0_CLIENT_ID"] = null,
        ["AUTH0_CLIENT_SECRET"] = null,
        ["AUTH0_MCP_USER"] = user,
        ["AUTH0_MCP_GROUPS"] = null,
    };

    /// <summary>Runs <c>auth0-mcp ARGS</c> as an admin and fails the test when it exits non-zero.</summary>
    public async Task<string> AdminAsync(params string[] args)
    {
        var (code, stdout, stderr) = await TryAdminAsync(args);
        Assert.True(code == 0, $"auth0-mcp {string.Join(' ', args)} exited {code}: {stderr}{stdout}");
        return stdout;
    }

    public Task<ChildProcess.Result> TryAdminAsync(params string[] args) =>
        ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs(args), env: Environment(user: "admin"), timeout: TimeSpan.FromMinutes(2));

    /// <summary>Approves every tool and grants them all to <paramref name="user"/> (for tests about the API, not governance).</summary>
    public async Task GrantEverythingAsync(string user)
    {
        await AdminAsync("tools", "approve", "auth0_*");
        await AdminAsync("profiles", "create", "everything", "--toolsets", "all-approved", "--users", user);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
