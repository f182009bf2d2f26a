using Auth0Mcp.Sdk.Governance;
using Npgsql;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// The database a PostgreSQL store is given must be its own and UTF8: one that is not is refused at start, saying why,
/// before anything is created in it or written to it (docs/reliability.md, "PostgreSQL: a database of its own").
/// </summary>
public sealed class PostgresDatabaseTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "auth0mcp-pgdb-" + Guid.NewGuid().ToString("N"));

    private static string Admin => Environment.GetEnvironmentVariable(PostgresStoreAttribute.Variable)!;

    [PostgresFact]
    public async Task Initialize_Latin1Database_RefusedNamingTheEncodingAndTheUtf8ItNeeds_NothingCreated()
    {
        // In a LATIN1 database one caller named "Łukasz" (or a tool named 工具) failed every write of its group-commit
        // batch (22P05: no equivalent in encoding "LATIN1"), everyone's records with it.
        var database = "latin1_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(Admin, $"CREATE DATABASE {database} ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'");
        try
        {
            var location = new NpgsqlConnectionStringBuilder(Admin) { Database = database }.ToString();
            await using (var store = new PostgresGovernanceStore(location, Seal()))
            {
                var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.InitializeAsync());

                Assert.Contains($"/{database}: cannot initialize: the database's encoding is LATIN1; the governance store needs a UTF8 database", ex.Message, StringComparison.Ordinal);
                Assert.Contains("CREATE DATABASE name ENCODING 'UTF8' TEMPLATE template0", ex.Message, StringComparison.Ordinal);
            }

            Assert.Equal("0", await ScalarAsync(location, "SELECT count(*) FROM pg_catalog.pg_class WHERE relname IN ('governance_state', 'audit_log', 'audit_head')"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(Admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    [PostgresFact]
    public async Task Initialize_StoreThatExistsInALatin1Database_KeepsWorking_ASqlAsciiDatabaseIsTakenNew()
    {
        // The encoding is checked before anything is created, not at every start: a store an earlier build made in
        // such a database was refused at every start after the upgrade. SQL_ASCII keeps the bytes it is given.
        foreach (var (encoding, existing) in new[] { ("LATIN1", true), ("SQL_ASCII", false) })
        {
            var database = "enc_" + Guid.NewGuid().ToString("N")[..12];
            await ExecuteAsync(Admin, $"CREATE DATABASE {database} ENCODING '{encoding}' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'");
            try
            {
                var location = new NpgsqlConnectionStringBuilder(Admin) { Database = database }.ToString();
                if (existing)
                {
                    await ExecuteAsync(location, """
                        CREATE TABLE governance_state (id INTEGER PRIMARY KEY CHECK (id = 1), revision BIGINT NOT NULL, body TEXT NOT NULL, catalog_hash TEXT, etag TEXT);
                        CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, time TIMESTAMPTZ NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, user_name TEXT, tool TEXT, outcome TEXT, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
                        CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL);
                        INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
                        """);
                }

                await using (var store = new PostgresGovernanceStore(location, Seal()))
                {
                    await store.InitializeAsync();
                }

                Assert.Equal("1", await ScalarAsync(location, "SELECT count(*) FROM audit_head"));
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                await ExecuteAsync(Admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            }
        }
    }

    [Theory, PostgresStore]
    public async Task Initialize_AnotherApplicationsTableOfTheSameName_RefusedAsInTheWay_ItsTableUntouchedAndNothingCreated(string kind)
    {
        // An audit_log without seq failed with "database error (42703: column "seq" does not exist)"; one with seq and
        // rows was taken for the store's own with its head dropped ("restore the store from a backup"); another
        // governance_state was given the store's columns (ALTER TABLE … ADD COLUMN) and used.
        (string Table, string Sql)[] cases =
        [
            ("audit_log", "CREATE TABLE audit_log (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), action text NOT NULL); INSERT INTO audit_log (action) VALUES ('login'), ('logout')"),
            ("audit_log", "CREATE TABLE audit_log (seq bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), action text NOT NULL); INSERT INTO audit_log (seq, action) VALUES (1, 'login'), (2, 'logout')"),
            ("governance_state", "CREATE TABLE governance_state (id integer PRIMARY KEY, name text NOT NULL); INSERT INTO governance_state VALUES (1, 'x'), (2, 'y')"),
        ];
        foreach (var (table, sql) in cases)
        {
            await using var fixture = await StoreFixture.CreateAsync(kind);
            await fixture.ExecuteAsync(sql);
            var columns = await fixture.ScalarAsync($"SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '{table}'::regclass AND attnum > 0 AND NOT attisdropped");

            await using (var store = TestStores.Open(fixture.Location, fixture.Seal))
            {
                var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.InitializeAsync());
                Assert.Contains($"another application's table {table} is in the way", ex.Message, StringComparison.Ordinal);
                Assert.Contains("use a dedicated database or schema for the governance store", ex.Message, StringComparison.Ordinal);
            }

            await using (var reader = TestStores.Open(fixture.Location, fixture.Seal))
            {
                var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => reader.OpenReadOnlyAsync());
                Assert.Contains($"another application's table {table} is in the way", ex.Message, StringComparison.Ordinal);
            }

            Assert.Equal(columns, await fixture.ScalarAsync($"SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '{table}'::regclass AND attnum > 0 AND NOT attisdropped"));
            Assert.Equal("2", await fixture.ScalarAsync($"SELECT count(*) FROM {table}"));
            Assert.Equal("1", await fixture.ScalarAsync("SELECT count(*) FROM pg_catalog.pg_class WHERE relname IN ('governance_state', 'audit_log', 'audit_head')"));
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private AuditSealOptions Seal() => new() { KeyFile = Path.Combine(_directory, "audit.key"), CheckpointFile = Path.Combine(_directory, "audit.checkpoints") };

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (await command.ExecuteScalarAsync())?.ToString();
    }
}
