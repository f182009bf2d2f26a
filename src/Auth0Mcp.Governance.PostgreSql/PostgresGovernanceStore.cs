using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// A PostgreSQL store that several server instances share. The state row is updated with a revision check
/// (optimistic concurrency); each writer batch locks the audit head row (<c>SELECT … FOR UPDATE</c>) first, so the
/// chain stays linear across instances. Commits are durable: the store's sessions run with
/// <c>synchronous_commit=on</c> whatever the server default is.
/// </summary>
public sealed class PostgresGovernanceStore : DbGovernanceStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _location;

    /// <summary>Creates the store over <paramref name="connectionString"/> (Npgsql syntax, e.g. <c>Host=…;Database=…</c>).</summary>
    /// <exception cref="ArgumentException">The connection string pools fewer connections than the store needs (<see cref="PoolSizeProblem"/>).</exception>
    public PostgresGovernanceStore(string connectionString, AuditSealOptions? seal = null)
        : this(Checked(new NpgsqlConnectionStringBuilder(connectionString ?? throw new ArgumentNullException(nameof(connectionString)))), seal)
    {
    }

    /// <summary>The fewest pooled connections the store works with: the writer's, which it keeps, and one to read with.</summary>
    internal const int MinimumPoolSize = 2;

    /// <summary>
    /// Why the pool <paramref name="builder"/> sets up is too small for the store, or null: the audit writer keeps one
    /// pooled connection open for as long as the store is open, so a pool of one leaves none to read the state with, and
    /// every call would wait out the pool's timeout and be refused. Names the keyword, never a value but the size.
    /// </summary>
    internal static string? PoolSizeProblem(NpgsqlConnectionStringBuilder builder) =>
        builder.Pooling && builder.MaxPoolSize < MinimumPoolSize
            ? $"'Maximum Pool Size' is {builder.MaxPoolSize}, but the governance store needs at least {MinimumPoolSize} pooled connections: its audit writer keeps one open for as long as it runs, and the state is read on another for every call (set it to {MinimumPoolSize} or more, or leave it out: Npgsql's default is 100)"
            : null;

    private static NpgsqlConnectionStringBuilder Checked(NpgsqlConnectionStringBuilder builder) =>
        PoolSizeProblem(builder) is { } problem ? throw new ArgumentException(problem, "connectionString") : builder;

    private PostgresGovernanceStore(NpgsqlConnectionStringBuilder builder, AuditSealOptions? seal)
        : base(
            $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}",
            seal,
            Path.Combine(ConfigDirectory, "audit.key"),
            Path.Combine(ConfigDirectory, "audit-checkpoints", SafeName($"{builder.Host}_{builder.Port}_{builder.Database}") + ".log"))
    {
        _location = $"{builder.Host}:{builder.Port}/{builder.Database}";
        builder.Options = string.IsNullOrEmpty(builder.Options) ? "-c synchronous_commit=on" : builder.Options + " -c synchronous_commit=on";
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    private static string ConfigDirectory => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.Create), "auth0-mcp");

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The pool the store's sessions come from, with the settings they run with (tests read them).</summary>
    internal NpgsqlDataSource DataSource => _dataSource;

    private protected override string LockHeadSql => "SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE; " + HeadRecordSql;

    private protected override async Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    private protected override async Task<DbConnection> OpenWriteConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    private protected override string Location => _location;

    /// <summary>
    /// Creates what is missing, and only that: the catalogue is read first, and when every table, column and the head
    /// row are there nothing else runs, so a role that may only read and write the rows (no CREATE on the schema, not
    /// the tables' owner) starts. Otherwise the DDL runs under an advisory lock (instances starting at once) and needs
    /// the privileges docs/reliability.md lists; a role without them is told what is missing and who can add it.
    /// </summary>
    private protected override async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var (schema, encoding) = await ReadCatalogAsync(connection, cancellationToken).ConfigureAwait(false);
        var missing = Missing(schema);
        if (missing.Count == 0 && await HasHeadRowAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            // A store that exists keeps working whatever its database's encoding (one made by an earlier build).
            return;
        }

        // A new store: only in a database that holds any name (UTF8; SQL_ASCII keeps the bytes it is given).
        if (encoding is not ("UTF8" or "SQL_ASCII"))
        {
            throw new GovernanceStoreException(Description,
                $"cannot initialize: the database's encoding is {encoding}; the governance store needs a UTF8 database (a caller's or a tool's name outside {encoding} would fail every write of its batch): "
                + $"CREATE DATABASE name ENCODING 'UTF8' TEMPLATE template0 (docs/reliability.md, \"{DedicatedDatabaseSection}\")");
        }

        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Serialize schema creation between instances starting at once.
            await ExecuteAsync(connection, tx, "SELECT pg_advisory_xact_lock(7243001)", cancellationToken).ConfigureAwait(false);
            (schema, _) = await ReadCatalogAsync(connection, cancellationToken).ConfigureAwait(false); // another instance may have made it meanwhile
            missing = Missing(schema);
            await RefuseToRecreateTheChainAsync(connection, tx, schema.Tables, cancellationToken).ConfigureAwait(false);
            if (missing.Count > 0)
            {
                await ExecuteAsync(connection, tx, """
                    CREATE TABLE IF NOT EXISTS governance_state (id INTEGER PRIMARY KEY CHECK (id = 1), revision BIGINT NOT NULL, body TEXT NOT NULL);
                    ALTER TABLE governance_state ADD COLUMN IF NOT EXISTS catalog_hash TEXT;
                    ALTER TABLE governance_state ADD COLUMN IF NOT EXISTS etag TEXT;
                    CREATE TABLE IF NOT EXISTS audit_log (seq BIGINT PRIMARY KEY, time TIMESTAMPTZ NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, user_name TEXT, tool TEXT, outcome TEXT, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL);
                    """, cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, tx,
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000') ON CONFLICT (id) DO NOTHING",
                cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == "42501" && missing.Count > 0)
        {
            throw new GovernanceStoreException(Description,
                $"cannot create the governance schema: {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} missing and this role may not add {(missing.Count == 1 ? "it" : "them")} ({ex.MessageText}): "
                + "run the server (or any governance command) once as a role that may (the tables' owner, with CREATE on the schema); day-to-day roles need only SELECT, INSERT and UPDATE on the tables (docs/reliability.md, \"PostgreSQL privileges\")", ex);
        }
    }

    private protected override async Task<StoreSchema> ReadSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await ReadCatalogAsync(connection, cancellationToken).ConfigureAwait(false)).Schema;
    }

    /// <summary>The docs/reliability.md section on the database the store needs, as messages name it.</summary>
    private const string DedicatedDatabaseSection = "PostgreSQL: a database of its own";

    /// <summary>
    /// The governance tables, their columns, as the store's statements resolve them (the search path), and the
    /// database's encoding, from the system catalogue: no privilege on the tables needed, and nothing changed. A table
    /// of that name without the store's columns is another application's: refused, before anything reads or alters it.
    /// </summary>
    private async Task<(StoreSchema Schema, string Encoding)> ReadCatalogAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT current_setting('server_encoding');
            SELECT t.name, a.attname
            FROM (VALUES ('governance_state'), ('audit_log'), ('audit_head')) AS t(name)
            JOIN pg_catalog.pg_class c ON c.oid = to_regclass(t.name)
            LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var encoding = reader.GetString(0);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var columns = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = reader.GetString(0);
            if (!columns.TryGetValue(table, out var names))
            {
                columns[table] = names = new HashSet<string>(StringComparer.Ordinal);
            }

            if (!reader.IsDBNull(1))
            {
                names.Add(reader.GetString(1));
            }
        }

        RefuseTablesInTheWay(columns, "use a dedicated database or schema for the governance store", DedicatedDatabaseSection);

        var state = columns.GetValueOrDefault("governance_state");
        var schema = new StoreSchema(true, null, columns.Keys.ToHashSet(StringComparer.Ordinal), state?.Contains("catalog_hash") == true, state?.Contains("etag") == true);
        return (schema, encoding);
    }

    /// <summary>What the writer's schema lacks, in words (empty: nothing).</summary>
    private static List<string> Missing(StoreSchema schema)
    {
        var missing = new[] { "governance_state", "audit_log", "audit_head" }.Where(t => !schema.Tables.Contains(t)).Select(t => "table " + t).ToList();
        if (schema.Tables.Contains("governance_state") && !schema.HasCatalogHash)
        {
            missing.Add("column governance_state.catalog_hash");
        }

        if (schema.Tables.Contains("governance_state") && !schema.HasETag)
        {
            missing.Add("column governance_state.etag");
        }

        return missing;
    }

    private static async Task<bool> HasHeadRowAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM audit_head WHERE id = 1)", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private protected override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    private protected override object ToDbTime(DateTimeOffset time) => time.ToUniversalTime();

    /// <summary>
    /// The <c>timestamptz</c> column as Npgsql hands it over: a UTC <see cref="DateTime"/>; or, in a host that set
    /// Npgsql's <c>Npgsql.EnableLegacyTimestampBehavior</c> switch (common after Npgsql 5 or EF Core migrations), the same
    /// instant as the host's local time, which is converted back, never relabelled (in a non-UTC host that would move
    /// every record's time by the offset, and <c>audit verify</c> would call each one edited).
    /// </summary>
    private protected override DateTimeOffset FromDbTime(object value) => value switch
    {
        DateTimeOffset offset => offset,
        DateTime { Kind: DateTimeKind.Local } local => new DateTimeOffset(local.ToUniversalTime()),
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        _ => throw new InvalidCastException($"unexpected time value {value.GetType().Name}"),
    };

    private protected override string? DescribeFault(Exception exception) => exception switch
    {
        PostgresException { SqlState: "53100" } => "the database server's disk is full",
        PostgresException { SqlState: "28P01" or "28000" } => "authentication failed",
        PostgresException { SqlState: "3D000" } => "the database does not exist",
        PostgresException { SqlState: "25006" } => "the database is read-only",
        PostgresException { SqlState: "42501" } => "permission denied",
        PostgresException { SqlState: "57P01" } => "the database server ended the session (a shutdown, or an administrator's pg_terminate_backend)",
        PostgresException { SqlState: "57P02" or "57P03" } => "the database server is restarting after a crash, or not accepting connections yet",
        PostgresException { SqlState: "57P05" } => "the database server closed the idle connection (idle_session_timeout)",
        NpgsqlException { InnerException: SocketException } => "the database server cannot be reached",
        NpgsqlException { InnerException: TimeoutException } or TimeoutException => "timed out",
        NpgsqlException => "database error",
        _ => null,
    };

    /// <summary>
    /// The session is gone: terminated by the server (57P01 an administrator or a shutdown, 57P02 a crash, 57P05 an idle
    /// session timeout), a connection exception (class 08), or the socket closed or failed under Npgsql (an I/O error).
    /// </summary>
    private protected override bool IsConnectionLostFault(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState is "57P01" or "57P02" or "57P05" || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException { InnerException: IOException or SocketException } => true,
        _ => false,
    };

    private static string SafeName(string text) => string.Concat(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
}
