using System.Security.Cryptography;
using Auth0Mcp.Server.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Npgsql;

namespace Auth0Mcp.Server.Tests;

/// <summary>Two <c>auth0-mcp serve</c> processes on one PostgreSQL store, administered by a third process.</summary>
public sealed class SharedPostgresTests
{
    private static readonly Dictionary<string, object?> Args = new() { ["per_page"] = 1 };

    [PostgresFact]
    public async Task TwoServersOnePostgres_KillSwitchFromTheCliEnforcedByBoth_AndTheirCallsFormOneChainThatVerifies()
    {
        using var home = new TestHome();
        await using var upstream = new RecordingHttpServer(body: "[]");
        var admin = Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)!;
        var database = "srv_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(admin, $"CREATE DATABASE {database}");
        try
        {
            var env = home.Environment(upstream.BaseUrl, "alice");
            env["AUTH0_MCP_STORE"] = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ToString();
            env["AUTH0_MCP_AUDIT_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)); // both servers share the key
            env["AUTH0_MCP_AUDIT_CHECKPOINTS"] = Path.Combine(home.Dir, "checkpoints.log");
            await CliAsync(env, "tools", "approve", "auth0_users_list");
            await CliAsync(env, "profiles", "create", "everyone", "--toolsets", "all-approved", "--users", "alice");

            await using var a = await ServerProcess.ConnectAsync(env);
            await using var b = await ServerProcess.ConnectAsync(env);
            Assert.All([await a.CallToolAsync("auth0_users_list", Args), await b.CallToolAsync("auth0_users_list", Args)], r => Assert.NotEqual(true, r.IsError));

            await CliAsync(env, "kill-switch", "on");
            var killedA = await a.CallToolAsync("auth0_users_list", Args);
            var killedB = await b.CallToolAsync("auth0_users_list", Args);
            await CliAsync(env, "kill-switch", "off");
            var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => (i % 2 == 0 ? a : b).CallToolAsync("auth0_users_list", Args).AsTask()));

            Assert.All([killedA, killedB], r => Assert.Contains("kill-switch", Text(r), StringComparison.Ordinal));
            Assert.All(results, r => Assert.NotEqual(true, r.IsError));
            var verify = await CliAsync(env, "audit", "verify");
            Assert.StartsWith("audit chain intact", verify, StringComparison.Ordinal);
            var export = await CliAsync(env, "audit", "export");
            // One outcome record per call (each call that reached Auth0 also has its intent record, tool.call.intent).
            var lines = export.Split('\n');
            Assert.Equal(34, lines.Count(l => l.Contains("\"event\":\"tool.call\"", StringComparison.Ordinal) && l.Contains("\"user\":\"alice\"", StringComparison.Ordinal)));
            Assert.Equal(32, lines.Count(l => l.Contains("\"event\":\"tool.call.intent\"", StringComparison.Ordinal) && l.Contains("\"user\":\"alice\"", StringComparison.Ordinal)));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    private static async Task<string> CliAsync(Dictionary<string, string?> env, params string[] args)
    {
        var adminEnv = new Dictionary<string, string?>(env) { ["AUTH0_MCP_USER"] = "admin" };
        var (code, stdout, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs(args), env: adminEnv, timeout: TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"auth0-mcp {string.Join(' ', args)} exited {code}: {stderr}{stdout}");
        return stdout;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>A fact that needs <c>AUTH0_MCP_TEST_POSTGRES</c> (<c>eval "$(bash build/postgres.sh)"</c>); skipped, with the reason, otherwise.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    /// <summary>The environment variable with the test server's connection string.</summary>
    public const string Variable = "AUTH0_MCP_TEST_POSTGRES";

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the server is not configured.</summary>
    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"{Variable} is not set: run `eval \"$(bash build/postgres.sh)\"`";
        }
    }
}
