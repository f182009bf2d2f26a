using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The default store: one SQLite file, created on first use (no setup). WAL journal on the one long-lived writer
/// connection, and each batch commit is on disk before its callers' tasks complete: on Linux the writer runs
/// <c>synchronous=NORMAL</c> and the store <c>fdatasync</c>s the WAL after each commit (<see cref="WalSync"/>: the
/// same guarantee as <c>synchronous=FULL</c> at a fraction of its cost, because the bundled SQLite syncs with a full
/// <c>fsync</c>, which also writes the file's times); elsewhere it runs <c>synchronous=FULL</c>;
/// the writer takes the database lock up front (<c>BEGIN IMMEDIATE</c>), so other processes sharing the file
/// (the command line, another server) serialize instead of failing.
/// </summary>
public sealed class SqliteGovernanceStore : DbGovernanceStore
{
    private readonly string _connectionString;
    private readonly string _readOnlyConnectionString;
    private readonly string _immutableConnectionString;
    private readonly SemaphoreSlim _probeLock = new(1, 1);
    private SqliteConnection? _probe;
    private bool _probeReadOnly;
    private DbCommand? _probeVersion;
    private WalSync? _walSync;

    // Opened read-only where no WAL index can be made (read-only media, a copy the user may only read): the file is
    // read as it is (SQLite's immutable=1), which ReadSchemaAsync chooses only when there is no WAL, so no writer.
    private volatile bool _immutable;

    /// <summary>Opens (or, on <see cref="IGovernanceStore.InitializeAsync"/>, creates) the database file at <paramref name="path"/>.</summary>
    public SqliteGovernanceStore(string path, AuditSealOptions? seal = null)
        : this(System.IO.Path.GetFullPath(path ?? throw new ArgumentNullException(nameof(path))), seal, TimeSpan.FromSeconds(30))
    {
    }

    /// <summary>Creates the store with how long a writer waits for another process's lock.</summary>
    internal SqliteGovernanceStore(string fullPath, AuditSealOptions? seal, TimeSpan lockTimeout)
        : base($"SQLite {fullPath}", seal, fullPath + ".audit-key", fullPath + ".audit-checkpoints")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fullPath);
        Path = fullPath;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)lockTimeout.TotalSeconds),
        }.ToString();
        _readOnlyConnectionString = new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadOnly }.ToString();
        // A URI (Microsoft.Data.Sqlite hands a "file:" data source to SQLite as one): '%', '?' and '#' of the path escaped.
        var uri = "file:" + Path.Replace("%", "%25", StringComparison.Ordinal).Replace("?", "%3f", StringComparison.Ordinal).Replace("#", "%23", StringComparison.Ordinal) + "?immutable=1";
        _immutableConnectionString = new SqliteConnectionStringBuilder(_readOnlyConnectionString) { DataSource = uri }.ToString();
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    /// <summary>
    /// The stored revision and tag, read on a long-lived probe connection with one prepared statement. (Asking SQLite
    /// first whether anything was committed, <c>PRAGMA data_version</c>, saved nothing: this process's own audit commits
    /// change it on every call.)
    /// </summary>
    public override Task<(long Revision, string? ETag)> GetStateVersionAsync(CancellationToken cancellationToken = default) => GuardAsync("read the state revision", async () =>
    {
        await _probeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sql = ReadVersionSql;
            if (_probeVersion is not null && (_probeReadOnly != IsReadOnly || _probeVersion.CommandText != sql))
            {
                DisposeProbe(); // opened before the store was opened the other way
            }

            if (_probeVersion is null)
            {
                _probeReadOnly = IsReadOnly;
                _probe = (SqliteConnection)await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
                _probeVersion = Command(_probe, null, sql);
            }

            return await ReadVersionAsync(_probeVersion, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            DisposeProbe();
            throw;
        }
        finally
        {
            _probeLock.Release();
        }
    });

    private void DisposeProbe()
    {
        _probeVersion?.Dispose();
        _probeVersion = null;
        _probe?.Dispose();
        _probe = null;
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        _walSync?.Dispose();
        _walSync = null;
        DisposeProbe();
        try
        {
            foreach (var connectionString in new[] { _connectionString, _readOnlyConnectionString, _immutableConnectionString })
            {
                using var connection = new SqliteConnection(connectionString);
                SqliteConnection.ClearPool(connection);
            }
        }
        catch (Exception ex) when (NativeLibraryMissing(ex))
        {
            // No connection was ever opened, so there is no pool; and the error that says so (already raised by the
            // store's first use) must not be replaced by this one.
        }
    }

    private const string NativeLibrary = "libe_sqlite3.so";

    // SQLitePCL's provider is set up in SqliteConnection's type initializer: a missing native library surfaces there,
    // wrapped (TypeInitializationException, TargetInvocationException, then DllNotFoundException), from every use of
    // the type after.
    private static bool NativeLibraryMissing(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is DllNotFoundException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Replaces the <c>fdatasync</c> system call after each commit (tests inject a failing one); null: the real one.</summary>
    internal Func<Microsoft.Win32.SafeHandles.SafeFileHandle, int>? FDataSyncForTests { get; set; }

    private protected override void MakeDurable()
    {
        if (WalSync.Supported)
        {
            // Opened after the first commit (the WAL exists by then) and kept while the writer connection is open:
            // SQLite removes the WAL only when the last connection closes, so this is the file the commit went to.
            (_walSync ??= new WalSync(Path + "-wal")).Sync(FDataSyncForTests);
        }
    }

    private protected override void OnWriteFault()
    {
        _walSync?.Dispose();
        _walSync = null;
    }

    private protected override string LockHeadSql => HeadRecordSql; // the transaction's BEGIN IMMEDIATE holds the lock

    private protected override string Location => Path;

    private protected override async Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken)
    {
        // Opened read-only (a command that only reads): Mode=ReadOnly, so nothing is created or changed.
        var connection = new SqliteConnection(!IsReadOnly ? _connectionString : _immutable ? _immutableConnectionString : _readOnlyConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private protected override async Task<DbConnection> OpenWriteConnectionAsync(CancellationToken cancellationToken)
    {
        // Not pooled: the writer keeps it, and its PRAGMAs are set once. synchronous is per connection: FULL
        // fsyncs the WAL on every commit; on Linux NORMAL plus MakeDurable's fdatasync gives the same guarantee.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var synchronous = WalSync.Supported ? "NORMAL" : "FULL";
            await ExecuteAsync(connection, null, $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous};", cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private protected override async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        // Owner-only (PrivateFiles): the folder when it is made here, and a new database file before SQLite opens it
        // (SQLite gives the -wal and -shm files the database file's mode). Existing ones keep theirs.
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            PrivateFiles.CreateDirectory(directory);
        }

        PrivateFiles.CreateIfMissing(Path);

        var builder = new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Another application's table in the way is refused before anything is written (the WAL mode is written to the file).
        await ReadGovernanceTablesAsync(connection, null, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var tables = await ReadGovernanceTablesAsync(connection, tx, cancellationToken).ConfigureAwait(false); // again, under the write lock
        await RefuseToRecreateTheChainAsync(connection, tx, tables.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase), cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, tx, """
            CREATE TABLE IF NOT EXISTS governance_state (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL, body TEXT NOT NULL, catalog_hash TEXT, etag TEXT);
            CREATE TABLE IF NOT EXISTS audit_log (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, user_name TEXT, tool TEXT, outcome TEXT, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
            INSERT OR IGNORE INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
            """, cancellationToken).ConfigureAwait(false);
        // Columns an older build's table lacks: catalog_hash, then etag (its rows read as without a tag until the next save).
        // A table made just now has them.
        foreach (var column in StateColumnsAdded)
        {
            if (tables.TryGetValue("governance_state", out var state) && !state.Contains(column))
            {
                await ExecuteAsync(connection, tx, $"ALTER TABLE governance_state ADD COLUMN {column} TEXT", cancellationToken).ConfigureAwait(false);
            }
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private protected override async Task<StoreSchema> ReadSchemaAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path) && !Directory.Exists(Path))
        {
            var folder = System.IO.Path.GetDirectoryName(Path);
            return new StoreSchema(false, folder is null || Directory.Exists(folder) ? "the file does not exist" : $"the folder {folder} does not exist", new HashSet<string>(), false, false);
        }

        _immutable = false;
        SqliteConnection connection;
        try
        {
            connection = await OpenSchemaConnectionAsync(_readOnlyConnectionString, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when ((ex.SqliteErrorCode & 0xFF) is 14 or 8 && !Directory.Exists(Path))
        {
            // SQLITE_CANTOPEN (read-only media) or SQLITE_READONLY (a folder this user may not write) on a file that is
            // there: a WAL database whose index (-shm) cannot be made beside it. Without a WAL there is no writer and
            // nothing committed outside the file: read it as it is. With one, its commits would be missed: say what to do.
            if (File.Exists(Path + "-wal"))
            {
                throw new GovernanceStoreException(Description,
                    $"cannot open for reading: {Path}-wal holds changes not yet in the file, and its index ({Path}-shm) cannot be made here (read-only media, or a folder this user may not write): "
                    + "copy the store with its -wal file to a writable folder, or make a consistent copy (docs/reliability.md, \"Backup and restore\")", ex);
            }

            _immutable = true;
            connection = await OpenSchemaConnectionAsync(_immutableConnectionString, cancellationToken).ConfigureAwait(false);
        }

        await using (connection.ConfigureAwait(false))
        {
            var tables = await ReadGovernanceTablesAsync(connection, null, cancellationToken).ConfigureAwait(false);
            var state = tables.GetValueOrDefault("governance_state");
            return new StoreSchema(true, null, tables.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase), state?.Contains("catalog_hash") == true, state?.Contains("etag") == true);
        }
    }

    /// <summary>The columns of <c>governance_state</c> later builds added, in the order they came.</summary>
    private static readonly string[] StateColumnsAdded = ["catalog_hash", "etag"];

    /// <summary>The docs/reliability.md section on the file the store needs, as messages name it.</summary>
    private const string FileOfItsOwnSection = "SQLite: a file of its own";

    /// <summary>
    /// The governance tables in the file and their columns, from <c>sqlite_master</c> and <c>pragma_table_info</c>
    /// (nothing changed; names compared as SQLite does, ignoring case). A table of that name without the store's columns
    /// is another application's: refused (<see cref="DbGovernanceStore.RefuseTablesInTheWay"/>), before anything reads,
    /// alters or creates anything.
    /// </summary>
    private async Task<Dictionary<string, HashSet<string>>> ReadGovernanceTablesAsync(SqliteConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var tables = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        await using (var command = Command(connection, transaction, """
            SELECT m.name, p.name FROM sqlite_master m LEFT JOIN pragma_table_info(m.name) p
            WHERE m.type = 'table' AND m.name COLLATE NOCASE IN ('governance_state', 'audit_log', 'audit_head')
            """))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var table = reader.GetString(0).ToLowerInvariant();
                if (!tables.TryGetValue(table, out var columns))
                {
                    tables[table] = columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                }

                if (!reader.IsDBNull(1))
                {
                    columns.Add(reader.GetString(1));
                }
            }
        }

        RefuseTablesInTheWay(tables, "use a file of its own for the governance store (another path: Governance:Store, AUTH0_MCP_STORE)", FileOfItsOwnSection);
        return tables;
    }

    /// <summary>A connection for a look at the schema, opened and read once (a read-only open fails at the first read, not at the open).</summary>
    private static async Task<SqliteConnection> OpenSchemaConnectionAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, null, "SELECT COUNT(*) FROM sqlite_master", cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private protected override Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        // BEGIN IMMEDIATE: take the write lock now (waiting up to the lock timeout for another process).
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    private protected override object ToDbTime(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);

    private protected override DateTimeOffset FromDbTime(object value) =>
        DateTimeOffset.Parse((string)value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private protected override string? DescribeFault(Exception exception) =>
        NativeLibraryMissing(exception) ? $"the SQLite native library ({NativeLibrary}) cannot be loaded: it must sit beside the executable (a Native AOT build is the executable and that file)"
        : exception is SqliteException sqlite
        ? (sqlite.SqliteErrorCode & 0xFF) switch
        {
            13 => "the disk is full",
            5 or 6 => "the database is locked by another process",
            8 => "the database is read-only (no write permission on the file or its directory)",
            14 => "the database file cannot be opened (missing directory, missing file, or no permission)",
            11 or 26 => "the file is not a SQLite database, or it is corrupt",
            10 => "I/O error (disk full, file too large, or a failing disk)",
            3 or 23 => "permission denied",
            _ => null,
        }
        : null;
}
