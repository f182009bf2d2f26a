using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The default store: one SQLite file, created on first use (no setup). WAL journal with
/// <c>synchronous=FULL</c>, so a write is on disk when its task completes; writers take the database lock
/// up front (<c>BEGIN IMMEDIATE</c>) so that concurrent processes serialize instead of failing.
/// </summary>
public sealed class SqliteGovernanceStore : IGovernanceStore
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>Opens (or, on <see cref="InitializeAsync"/>, creates) the database file at <paramref name="path"/>.</summary>
    public SqliteGovernanceStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string Description => $"SQLite {Path}";

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, tx, """
            CREATE TABLE IF NOT EXISTS governance_state (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL, body TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS audit_log (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, user_name TEXT, tool TEXT, outcome TEXT, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
            INSERT OR IGNORE INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
            """, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT revision FROM governance_state WHERE id = 1";
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public async Task<GovernanceState> LoadStateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT revision, body FROM governance_state WHERE id = 1";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return new GovernanceState();
        }

        var state = JsonSerializer.Deserialize(reader.GetString(1), GovernanceJsonContext.Default.GovernanceState) ?? new GovernanceState();
        state.Revision = reader.GetInt64(0);
        return state;
    }

    /// <inheritdoc />
    public async Task<bool> TrySaveStateAsync(GovernanceState state, long expectedRevision, IReadOnlyList<AuditRecord> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(events);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var check = connection.CreateCommand())
            {
                check.Transaction = tx;
                check.CommandText = "SELECT revision FROM governance_state WHERE id = 1";
                var value = await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                var current = value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
                if (current != expectedRevision)
                {
                    return false;
                }
            }

            state.Revision = expectedRevision + 1;
            await using (var save = connection.CreateCommand())
            {
                save.Transaction = tx;
                save.CommandText = "INSERT INTO governance_state (id, revision, body) VALUES (1, $rev, $body) ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, body = excluded.body";
                save.Parameters.AddWithValue("$rev", state.Revision);
                save.Parameters.AddWithValue("$body", JsonSerializer.Serialize(state, GovernanceJsonContext.Default.GovernanceState));
                await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var record in events)
            {
                await AppendInTransactionAsync(connection, tx, record, cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await AppendInTransactionAsync(connection, tx, record, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<AuditRow> ReadAuditAsync(long afterSequence = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, body, prev_hash, hash FROM audit_log WHERE seq > $after ORDER BY seq";
        command.Parameters.AddWithValue("$after", afterSequence);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new AuditRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
        }
    }

    /// <inheritdoc />
    public async Task<(long Sequence, string Hash)> GetAuditHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, hash FROM audit_head WHERE id = 1";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (reader.GetInt64(0), reader.GetString(1))
            : (0, AuditChain.Genesis);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _writeLock.Dispose();
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        return ValueTask.CompletedTask;
    }

    private static async Task AppendInTransactionAsync(SqliteConnection connection, SqliteTransaction tx, AuditRecord record, CancellationToken cancellationToken)
    {
        long seq;
        string previous;
        await using (var head = connection.CreateCommand())
        {
            head.Transaction = tx;
            head.CommandText = "SELECT seq, hash FROM audit_head WHERE id = 1";
            await using var reader = await head.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            seq = reader.GetInt64(0);
            previous = reader.GetString(1);
        }

        var row = AuditChain.Seal(record, seq + 1, previous);
        await using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO audit_log (seq, time, kind, event, user_name, tool, outcome, body, prev_hash, hash)
            VALUES ($seq, $time, $kind, $event, $user, $tool, $outcome, $body, $prev, $hash);
            UPDATE audit_head SET seq = $seq, hash = $hash WHERE id = 1;
            """;
        insert.Parameters.AddWithValue("$seq", row.Sequence);
        insert.Parameters.AddWithValue("$time", record.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        insert.Parameters.AddWithValue("$kind", record.Kind);
        insert.Parameters.AddWithValue("$event", record.Event);
        insert.Parameters.AddWithValue("$user", (object?)record.User ?? DBNull.Value);
        insert.Parameters.AddWithValue("$tool", (object?)record.Tool ?? DBNull.Value);
        insert.Parameters.AddWithValue("$outcome", (object?)record.Outcome ?? DBNull.Value);
        insert.Parameters.AddWithValue("$body", row.Body);
        insert.Parameters.AddWithValue("$prev", row.PreviousHash);
        insert.Parameters.AddWithValue("$hash", row.Hash);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // synchronous is per connection: FULL makes every commit durable (fsync) before it returns.
            await ExecuteAsync(connection, null, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? tx, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
