using Auth0Mcp.Sdk.Governance;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;

namespace Auth0Mcp.Benchmarks;

/// <summary>
/// Audit appends per second through <see cref="IGovernanceStore.AppendAuditAsync"/>: 256 records per invocation,
/// appended by 1 writer one after another, or by 16 concurrent writers (16 each). Every append is durable when its
/// task completes, so the figure is bounded by how many records share one commit (fsync). SQLite always;
/// PostgreSQL when <c>AUTH0_MCP_TEST_POSTGRES</c> is set.
/// </summary>
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 2, iterationCount: 6)]
[InvocationCount(1, 1)]
public class AuditAppendBenchmarks
{
    private const int Appends = 256;
    private IGovernanceStore? _store;
    private string _directory = "";
    private string? _database;

    /// <summary>How many tasks append at once.</summary>
    [Params(1, 16)]
    public int Writers { get; set; }

    /// <summary>The store kind.</summary>
    [Params("sqlite", "postgres")]
    public string Store { get; set; } = "sqlite";

    /// <summary>Opens a fresh store.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "auth0mcp-bench-audit-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        var location = Path.Combine(_directory, "governance.db");
        if (Store == "postgres")
        {
            var admin = Environment.GetEnvironmentVariable("AUTH0_MCP_TEST_POSTGRES");
            if (string.IsNullOrWhiteSpace(admin))
            {
                return;
            }

            _database = "bench_" + Guid.NewGuid().ToString("N")[..12];
            using (var connection = new Npgsql.NpgsqlConnection(admin))
            {
                connection.Open();
                using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {_database}", connection);
                create.ExecuteNonQuery();
            }

            location = new Npgsql.NpgsqlConnectionStringBuilder(admin) { Database = _database }.ToString();
        }

        _store = Store == "postgres" ? new PostgresGovernanceStore(location) : new SqliteGovernanceStore(location);
        _store.InitializeAsync().GetAwaiter().GetResult();
    }

    /// <summary>Closes the store and removes its data.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _store?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        if (_database is not null)
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            using var connection = new Npgsql.NpgsqlConnection(Environment.GetEnvironmentVariable("AUTH0_MCP_TEST_POSTGRES"));
            connection.Open();
            using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
        }
    }

    /// <summary>256 durable appends by <see cref="Writers"/> concurrent tasks; the time reported is per append.</summary>
    [Benchmark(OperationsPerInvoke = Appends)]
    public async Task Append()
    {
        if (_store is null)
        {
            return; // PostgreSQL not configured
        }

        var store = _store;
        var each = Appends / Writers;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                await store.AppendAuditAsync(new AuditRecord
                {
                    Time = DateTimeOffset.UtcNow,
                    Kind = AuditKinds.Call,
                    Event = "tool.call",
                    User = "user" + w,
                    Tool = "auth0_users_list",
                    Arguments = """{"per_page":10}""",
                    Outcome = AuditOutcomes.Success,
                });
            }
        })));
    }
}
