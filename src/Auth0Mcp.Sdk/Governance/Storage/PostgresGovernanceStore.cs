using System.Runtime.CompilerServices;
using System.Text.Json;
using Npgsql;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// A PostgreSQL store that several server instances share. The state row is updated with a revision check
/// (optimistic concurrency); the audit head row is locked (<c>SELECT … FOR UPDATE</c>) while a record is
/// appended, so the chain stays linear across instances. Commits are durable: the store's sessions run with
/// <c>synchronous_commit=on</c> whatever the server default is.
/// </summary>
public sealed class PostgresGovernanceStore : IGovernanceStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _description;

    /// <summary>Creates the store over <paramref name="connectionString"/> (Npgsql syntax, e.g. <c>Host=…;Database=…</c>).</summary>
    public PostgresGovernanceStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        _description = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}";
        builder.Options = string.IsNullOrEmpty(builder.Options) ? "-c synchronous_commit=on" : builder.Options + " -c synchronous_commit=on";
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    /// <inheritdoc />
    public string Description => _description;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Serialize schema creation between instances starting at once.
        await ExecuteAsync(connection, tx, "SELECT pg_advisory_xact_lock(7243001)", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, tx, """
            CREATE TABLE IF NOT EXISTS governance_state (id INTEGER PRIMARY KEY CHECK (id = 1), revision BIGINT NOT NULL, body TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS audit_log (seq BIGINT PRIMARY KEY, time TIMESTAMPTZ NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, user_name TEXT, tool TEXT, outcome TEXT, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL);
            INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000') ON CONFLICT (id) DO NOTHING;
            """, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT revision FROM governance_state WHERE id = 1", connection);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is long revision ? revision : 0;
    }

    /// <inheritdoc />
    public async Task<GovernanceState> LoadStateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT revision, body FROM governance_state WHERE id = 1", connection);
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
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var body = JsonSerializer.Serialize(state, GovernanceJsonContext.Default.GovernanceState);
        int changed;
        if (expectedRevision == 0)
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO governance_state (id, revision, body) VALUES (1, 1, @body) ON CONFLICT (id) DO NOTHING", connection, tx);
            insert.Parameters.AddWithValue("body", body);
            changed = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await using var update = new NpgsqlCommand(
                "UPDATE governance_state SET revision = @next, body = @body WHERE id = 1 AND revision = @expected", connection, tx);
            update.Parameters.AddWithValue("next", expectedRevision + 1);
            update.Parameters.AddWithValue("body", body);
            update.Parameters.AddWithValue("expected", expectedRevision);
            changed = await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (changed != 1)
        {
            await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }

        foreach (var record in events)
        {
            await AppendInTransactionAsync(connection, tx, record, cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        state.Revision = expectedRevision + 1;
        return true;
    }

    /// <inheritdoc />
    public async Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await AppendInTransactionAsync(connection, tx, record, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<AuditRow> ReadAuditAsync(long afterSequence = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT seq, body, prev_hash, hash FROM audit_log WHERE seq > @after ORDER BY seq", connection);
        command.Parameters.AddWithValue("after", afterSequence);
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
        await using var command = new NpgsqlCommand("SELECT seq, hash FROM audit_head WHERE id = 1", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (reader.GetInt64(0), reader.GetString(1))
            : (0, AuditChain.Genesis);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static async Task AppendInTransactionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, AuditRecord record, CancellationToken cancellationToken)
    {
        long seq;
        string previous;
        await using (var head = new NpgsqlCommand("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE", connection, tx))
        {
            await using var reader = await head.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            seq = reader.GetInt64(0);
            previous = reader.GetString(1);
        }

        var row = AuditChain.Seal(record, seq + 1, previous);
        await using var batch = new NpgsqlBatch(connection, tx);
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO audit_log (seq, time, kind, event, user_name, tool, outcome, body, prev_hash, hash)
            VALUES (@seq, @time, @kind, @event, @user, @tool, @outcome, @body, @prev, @hash)
            """);
        insert.Parameters.AddWithValue("seq", row.Sequence);
        insert.Parameters.AddWithValue("time", record.Time.ToUniversalTime());
        insert.Parameters.AddWithValue("kind", record.Kind);
        insert.Parameters.AddWithValue("event", record.Event);
        insert.Parameters.AddWithValue("user", (object?)record.User ?? DBNull.Value);
        insert.Parameters.AddWithValue("tool", (object?)record.Tool ?? DBNull.Value);
        insert.Parameters.AddWithValue("outcome", (object?)record.Outcome ?? DBNull.Value);
        insert.Parameters.AddWithValue("body", row.Body);
        insert.Parameters.AddWithValue("prev", row.PreviousHash);
        insert.Parameters.AddWithValue("hash", row.Hash);
        batch.BatchCommands.Add(insert);
        var head2 = new NpgsqlBatchCommand("UPDATE audit_head SET seq = @seq, hash = @hash WHERE id = 1");
        head2.Parameters.AddWithValue("seq", row.Sequence);
        head2.Parameters.AddWithValue("hash", row.Hash);
        batch.BatchCommands.Add(head2);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
