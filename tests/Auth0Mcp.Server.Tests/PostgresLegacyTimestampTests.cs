using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Infrastructure;
using Npgsql;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// A PostgreSQL store in a host that set Npgsql's <c>Npgsql.EnableLegacyTimestampBehavior</c> switch (hosts migrated
/// from Npgsql 5 or older EF Core often do) and runs in a time zone that is not UTC. The switch is process-wide and
/// read once by Npgsql, so the host is a child process: <c>auth0-mcp</c> on <c>dotnet</c> with a copy of its
/// runtimeconfig that sets the switch (always the JIT build: a native executable's switches are fixed when it is
/// compiled), and <c>TZ=America/New_York</c>.
/// </summary>
public sealed class PostgresLegacyTimestampTests
{
    private const string Switch = "Npgsql.EnableLegacyTimestampBehavior";

    [PostgresFact]
    public async Task LegacyTimestampSwitch_NonUtcHost_WritesAndReadsTheSameInstants_TheChainVerifiesWithAndWithoutIt()
    {
        // With the switch Npgsql hands a timestamptz over as the host's local time; the store took it for UTC, so in
        // New York every record's column time was five hours early and `audit verify` called each record edited.
        using var home = new TestHome();
        var admin = Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)!;
        var database = "legacyts_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(admin, $"CREATE DATABASE {database}");
        try
        {
            var location = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ToString();
            var keyFile = Path.Combine(home.Dir, "audit.key");
            var checkpoints = Path.Combine(home.Dir, "checkpoints.log");
            var env = home.Environment(user: "admin");
            env["AUTH0_MCP_STORE"] = location;
            env["AUTH0_MCP_AUDIT_KEY_FILE"] = keyFile;
            env["AUTH0_MCP_AUDIT_CHECKPOINTS"] = checkpoints;
            env["TZ"] = "America/New_York";
            var legacy = LegacyRuntimeConfig(home.Dir);

            // The legacy host writes (the store's first records) ...
            await CliAsync(env, legacy, "tools", "approve", "auth0_users_list");

            // ... another instance, in this process (no switch), writes times the legacy host must read back as they
            // are: a fraction of a microsecond (the column keeps microseconds), and the autumn hour that New York has
            // twice (01:30 EDT, then 01:30 EST).
            await using (var store = new PostgresGovernanceStore(location, new AuditSealOptions { KeyFile = keyFile, CheckpointFile = checkpoints }))
            {
                await store.InitializeAsync();
                foreach (var time in new[] { "2026-03-01T12:00:00.1234567Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z" })
                {
                    await store.AppendAuditAsync(new AuditRecord
                    {
                        Time = DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture),
                        Kind = AuditKinds.Call,
                        Event = "tool.call",
                        User = "alice",
                        Tool = "auth0_users_list",
                        Outcome = AuditOutcomes.Success,
                    });
                }
            }

            var withSwitch = await CliAsync(env, legacy, "audit", "verify");
            var withoutSwitch = await CliAsync(env, null, "audit", "verify");

            Assert.StartsWith("audit chain intact", withSwitch, StringComparison.Ordinal);
            Assert.StartsWith("audit chain intact", withoutSwitch, StringComparison.Ordinal);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    /// <summary>A copy of the server's runtimeconfig in <paramref name="directory"/> that also sets <see cref="Switch"/>.</summary>
    private static string LegacyRuntimeConfig(string directory)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(Repo.ServerDll, ".runtimeconfig.json")))!;
        var options = config["runtimeOptions"]!.AsObject();
        if (options["configProperties"] is not JsonObject properties)
        {
            options["configProperties"] = properties = [];
        }

        properties[Switch] = true;
        var path = Path.Combine(directory, "auth0-mcp.legacy-timestamps.runtimeconfig.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    /// <summary>Runs the JIT server with <paramref name="args"/>, with <paramref name="runtimeConfig"/> when given.</summary>
    private static async Task<string> CliAsync(Dictionary<string, string?> env, string? runtimeConfig, params string[] args)
    {
        string[] command = runtimeConfig is null ? [Repo.ServerDll, .. args] : ["exec", "--runtimeconfig", runtimeConfig, Repo.ServerDll, .. args];
        var (code, stdout, stderr) = await ChildProcess.RunAsync("dotnet", command, env: env, timeout: TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"auth0-mcp {string.Join(' ', args)}{(runtimeConfig is null ? "" : " (legacy timestamps)")} exited {code}: {stderr}{stdout}");
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
