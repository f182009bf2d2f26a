using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// The audit commands (<c>audit verify</c>, <c>audit export</c>, <c>audit tail</c>) only read: they create no store, no
/// folder and no tables, change no schema, and work where the store may only be read (read-only media, a database role
/// with SELECT alone); a command that writes, on PostgreSQL, runs no DDL when the schema is complete.
/// </summary>
public sealed class ReadOnlyAuditCommandTests : IDisposable
{
    private static readonly IReadOnlyList<Auth0ToolDescriptor> Catalog =
        Auth0ToolCatalog.Descriptors.Where(d => d.Name is "auth0_users_list" or "auth0_clients_get").ToList();

    // The grants docs/reliability.md ("PostgreSQL privileges") gives a reader and a day-to-day writer.
    private static readonly string[] AuditorGrants = ["SELECT ON governance_state, audit_log, audit_head"];
    private static readonly string[] AppGrants = ["SELECT, INSERT, UPDATE ON governance_state", "SELECT, INSERT ON audit_log", "SELECT, UPDATE ON audit_head"];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "auth0mcp-ro-" + Guid.NewGuid().ToString("N"));

    public ReadOnlyAuditCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, true);
        }
        catch (IOException)
        {
            // best effort (a mount point is removed by its test)
        }
    }

    private AuditSealOptions Seal => new() { KeyFile = Path.Combine(_directory, "audit.key"), CheckpointFile = Path.Combine(_directory, "audit.checkpoints") };

    /// <summary>Runs the command line in process against a store <paramref name="open"/> makes (and the command disposes).</summary>
    private static async Task<(int Code, string Out, string Err)> RunAsync(Func<IGovernanceStore> open, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext
        {
            Out = stdout,
            Error = stderr,
            Catalog = Catalog,
            OpenStore = open,
            DefaultActor = "admin",
            GrantedScopes = () => null,
        };
        var code = await Cli.RunAsync(args, context, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static void AssertOk((int Code, string Out, string Err) run, string what) =>
        Assert.True(run.Code == 0, $"{what} exited {run.Code}: {run.Err}{run.Out}");

    [Theory]
    [InlineData("verify")]
    [InlineData("export")]
    [InlineData("tail")]
    public async Task AuditCommand_NoStoreAtThePath_Exit2NamingItAndCreatesNoFolderOrFile(string verb)
    {
        var path = Path.Combine(_directory, "restored", "governance.db"); // a mistyped folder
        var inFolder = Path.Combine(_directory, "governance.db"); // a folder that exists, no file

        var missingFolder = await RunAsync(() => new SqliteGovernanceStore(path, Seal), "audit", verb);
        var missingFile = await RunAsync(() => new SqliteGovernanceStore(inFolder, Seal), "audit", verb);

        Assert.Equal(2, missingFolder.Code);
        Assert.Contains($"no governance store at {path}", missingFolder.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("intact", missingFolder.Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(path)), "a read-only command created the store's folder");
        Assert.Equal(2, missingFile.Code);
        Assert.Contains($"no governance store at {inFolder}", missingFile.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(inFolder), "a read-only command created the store's file");
        Assert.False(File.Exists(Seal.KeyFile!));
    }

    [Fact]
    public async Task AuditVerify_SqliteFileWithoutGovernanceTables_Exit2AndCreatesNone()
    {
        var path = Path.Combine(_directory, "other.db");
        await using (var other = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await other.OpenAsync();
            await using var create = other.CreateCommand();
            create.CommandText = "CREATE TABLE notes (x TEXT)";
            await create.ExecuteNonQueryAsync();
        }

        var (code, output, err) = await RunAsync(() => new SqliteGovernanceStore(path, Seal), "audit", "verify");

        Assert.Equal(2, code);
        Assert.Contains($"{path} has no governance tables", err, StringComparison.Ordinal);
        Assert.DoesNotContain("intact", output, StringComparison.Ordinal);
        Assert.Equal(["notes"], await SqliteTablesAsync(path));
    }

    [Fact]
    public async Task AuditCommands_StoreAnOlderBuildWrote_ReadItAsItIsWithoutAlteringTheSchema()
    {
        var path = Path.Combine(_directory, "g.db");
        AssertOk(await RunAsync(() => new SqliteGovernanceStore(path, Seal), "tools", "approve", "auth0_users_list"), "tools approve");
        await SqliteExecuteAsync(path, "ALTER TABLE governance_state DROP COLUMN catalog_hash"); // as a build before the column left it
        var before = await File.ReadAllBytesAsync(path);

        var verify = await RunAsync(() => new SqliteGovernanceStore(path, Seal), "audit", "verify");
        var tail = await RunAsync(() => new SqliteGovernanceStore(path, Seal), "audit", "tail");
        var export = await RunAsync(() => new SqliteGovernanceStore(path, Seal), "audit", "export");

        AssertOk(verify, "audit verify");
        Assert.StartsWith("audit chain intact", verify.Out, StringComparison.Ordinal);
        AssertOk(tail, "audit tail");
        Assert.Contains("tool.approved", tail.Out, StringComparison.Ordinal);
        AssertOk(export, "audit export");
        Assert.Equal("0", await SqliteScalarAsync(path, "SELECT COUNT(*) FROM pragma_table_info('governance_state') WHERE name = 'catalog_hash'"));
        SqliteConnection.ClearAllPools();
        Assert.Equal(before, await File.ReadAllBytesAsync(path)); // not a byte changed
    }

    [ServerRootFact]
    public async Task AuditCommands_StoreOnReadOnlyMedia_VerifyExportAndTail()
    {
        var mount = Path.Combine(_directory, "media");
        Directory.CreateDirectory(mount);
        Assert.True(await SucceedsAsync("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount), "mount");
        try
        {
            var path = Path.Combine(mount, "g.db");
            var seal = new AuditSealOptions { KeyFile = Path.Combine(mount, "g.db.audit-key"), CheckpointFile = Path.Combine(mount, "g.db.audit-checkpoints") };
            AssertOk(await RunAsync(() => new SqliteGovernanceStore(path, seal), "tools", "approve", "auth0_users_list"), "tools approve");
            SqliteConnection.ClearAllPools();
            Assert.False(File.Exists(path + "-wal"), "the last connection to close removes the WAL");
            Assert.True(await SucceedsAsync("mount", "-o", "remount,ro", mount), "remount ro");

            var verify = await RunAsync(() => new SqliteGovernanceStore(path, seal), "audit", "verify");
            var tail = await RunAsync(() => new SqliteGovernanceStore(path, seal), "audit", "tail", "-n", "1");
            var file = Path.Combine(_directory, "export.jsonl");
            var export = await RunAsync(() => new SqliteGovernanceStore(path, seal), "audit", "export", "--output", file);

            AssertOk(verify, "audit verify");
            Assert.StartsWith("audit chain intact", verify.Out, StringComparison.Ordinal);
            AssertOk(tail, "audit tail");
            AssertOk(export, "audit export");
            Assert.NotEmpty(await File.ReadAllLinesAsync(file));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            await SucceedsAsync("umount", "-l", mount);
        }
    }

    [PostgresFact]
    public async Task AuditCommands_PostgresRoleThatMayOnlySelect_ReadWithoutDdl()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        // The owner made the schema (a writing command as the owner); the auditor's role may only read the rows.
        AssertOk(await RunAsync(() => new PostgresGovernanceStore(db.Owner, Seal), "tools", "approve", "auth0_users_list"), "tools approve (owner)");
        var auditor = await db.RoleAsync(AuditorGrants);

        var verify = await RunAsync(() => new PostgresGovernanceStore(auditor, Seal), "audit", "verify");
        var export = await RunAsync(() => new PostgresGovernanceStore(auditor, Seal), "audit", "export");
        var tail = await RunAsync(() => new PostgresGovernanceStore(auditor, Seal), "audit", "tail");

        AssertOk(verify, "audit verify (SELECT only)");
        Assert.StartsWith("audit chain intact", verify.Out, StringComparison.Ordinal);
        AssertOk(export, "audit export (SELECT only)");
        AssertOk(tail, "audit tail (SELECT only)");
        Assert.Contains("tool.approved", tail.Out, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task WritingCommand_PostgresRoleWithRowPrivilegesOnly_WritesWithoutDdl()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        AssertOk(await RunAsync(() => new PostgresGovernanceStore(db.Owner, Seal), "tools", "approve", "auth0_users_list"), "tools approve (owner)");
        var app = await db.RoleAsync(AppGrants); // no CREATE on the schema, not the tables' owner, no DELETE

        // A writing command does what the server's start does: the schema (complete: nothing to run), the catalogue sync, a change.
        var approve = await RunAsync(() => new PostgresGovernanceStore(app, Seal), "tools", "approve", "auth0_clients_get");
        var verify = await RunAsync(() => new PostgresGovernanceStore(db.Owner, Seal), "audit", "verify");

        AssertOk(approve, "tools approve (SELECT, INSERT, UPDATE)");
        AssertOk(verify, "audit verify after the row role's write");
        Assert.Contains("auth0_clients_get", (await RunAsync(() => new PostgresGovernanceStore(db.Owner, Seal), "audit", "tail")).Out, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task AuditVerify_PostgresDatabaseWithoutTables_Exit2AndCreatesNone()
    {
        await using var db = await PostgresDatabase.CreateAsync();

        var (code, output, err) = await RunAsync(() => new PostgresGovernanceStore(db.Owner, Seal), "audit", "verify");

        Assert.Equal(2, code);
        Assert.Contains("has no governance tables", err, StringComparison.Ordinal);
        Assert.DoesNotContain("intact", output, StringComparison.Ordinal);
        Assert.Equal("0", await db.ScalarAsync("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"));
    }

    [PostgresFact]
    public async Task WritingCommand_PostgresSchemaNeedsAColumnTheRoleMayNotAdd_Exit2SayingWhatAndWho()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        AssertOk(await RunAsync(() => new PostgresGovernanceStore(db.Owner, Seal), "tools", "approve", "auth0_users_list"), "tools approve (owner)");
        await db.ExecuteAsync("ALTER TABLE governance_state DROP COLUMN catalog_hash"); // as an older build left it
        var app = await db.RoleAsync(AppGrants);

        var (code, _, err) = await RunAsync(() => new PostgresGovernanceStore(app, Seal), "tools", "list");
        var verify = await RunAsync(() => new PostgresGovernanceStore(app, Seal), "audit", "verify"); // reads it as it is

        Assert.Equal(2, code);
        Assert.Contains("column governance_state.catalog_hash is missing and this role may not add it", err, StringComparison.Ordinal);
        Assert.Contains("the tables' owner", err, StringComparison.Ordinal);
        AssertOk(verify, "audit verify (older schema)");
    }

    private static async Task<List<string>> SqliteTablesAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task SqliteExecuteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string?> SqliteScalarAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (await command.ExecuteScalarAsync())?.ToString();
    }

    private static async Task<bool> SucceedsAsync(string file, params string[] args) =>
        (await ChildProcess.RunAsync(file, args, timeout: TimeSpan.FromSeconds(10))).ExitCode == 0;

    /// <summary>A database of its own on the test server, and login roles given privileges on its tables; all dropped after.</summary>
    private sealed class PostgresDatabase : IAsyncDisposable
    {
        private readonly string _admin;
        private readonly string _name = "ro_" + Guid.NewGuid().ToString("N")[..12];
        private readonly List<string> _roles = [];

        private PostgresDatabase(string admin)
        {
            _admin = admin;
            Owner = new NpgsqlConnectionStringBuilder(admin) { Database = _name }.ToString();
        }

        /// <summary>The test role's connection string to the database (its owner).</summary>
        public string Owner { get; }

        public static async Task<PostgresDatabase> CreateAsync()
        {
            var db = new PostgresDatabase(Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)!);
            await ExecuteOnAsync(db._admin, $"CREATE DATABASE {db._name}");
            return db;
        }

        /// <summary>A new login role with the <paramref name="grants"/> (<c>PRIVILEGES ON TABLES</c>) and no other right on the tables; its connection string.</summary>
        public async Task<string> RoleAsync(string[] grants)
        {
            var role = _name + "_r" + _roles.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            try
            {
                await ExecuteOnAsync(_admin, $"CREATE ROLE {role} LOGIN PASSWORD 'pw'");
            }
            catch (PostgresException ex) when (ex.SqlState == "42501")
            {
                throw new InvalidOperationException("the test role may not create roles: run `eval \"$(bash build/postgres.sh)\"` again (it gives the role CREATEROLE)", ex);
            }

            _roles.Add(role);
            await ExecuteAsync($"GRANT CONNECT ON DATABASE {_name} TO {role}; GRANT USAGE ON SCHEMA public TO {role}; "
                + string.Join("; ", grants.Select(g => $"GRANT {g} TO {role}")));
            return new NpgsqlConnectionStringBuilder(Owner) { Username = role, Password = "pw" }.ToString();
        }

        public Task ExecuteAsync(string sql) => ExecuteOnAsync(Owner, sql);

        public async Task<string?> ScalarAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(Owner);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            return (await command.ExecuteScalarAsync())?.ToString();
        }

        public async ValueTask DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            // A child process's backend can outlive the process by a moment, and FORCE may not end another role's
            // backend (42501): wait for it to go rather than fail the test in its clean-up.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await ExecuteOnAsync(_admin, $"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
                    break;
                }
                catch (PostgresException ex) when (ex.SqlState is "42501" or "55006" && attempt < 100)
                {
                    await Task.Delay(100);
                }
            }

            foreach (var role in _roles)
            {
                await ExecuteOnAsync(_admin, $"DROP ROLE IF EXISTS {role}");
            }
        }

        private static async Task ExecuteOnAsync(string connectionString, string sql)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>A fact that needs root on Linux (it mounts a small tmpfs); skipped, with the reason, otherwise.</summary>
public sealed class ServerRootFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> unless running as root on Linux.</summary>
    public ServerRootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || geteuid() != 0)
        {
            Skip = "needs root on Linux to mount a small tmpfs (CI runs as root)";
        }
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}
