using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The ADO.NET store both providers share: the state document, the audit rows and the head, read and written with
/// the same SQL; a provider supplies only its connections, schema, write lock and time column type.
/// </summary>
/// <remarks>
/// <para>Group commit: every write (<see cref="AppendAuditAsync"/>, <see cref="TrySaveStateAsync"/>) is queued to one
/// writer that drains the queue in batches: one transaction, one durable commit (fsync) and one checkpoint per batch,
/// however many callers are waiting; each caller's task completes when its batch is committed.</para>
/// <para>Faults: every operation throws <see cref="GovernanceStoreException"/> (naming the store) for a fault of
/// the store; the provider's exception is its inner exception.</para>
/// <para>A batch that committed but could not be made durable (<see cref="MakeDurable"/> failed: the WAL's
/// <c>fdatasync</c>) fails its callers, and the store then refuses every write until the process restarts: after a
/// failed sync the OS may have dropped the pages it could not write and marked them clean, so a later sync that
/// succeeds proves nothing about them (PostgreSQL's "fsyncgate", 2018). Reads go on. docs/reliability.md.</para>
/// </remarks>
public abstract class DbGovernanceStore : IGovernanceStore
{
    private const int MaxBatch = 256;
    private const int ReadPage = 500;

    private readonly Channel<WriteWork> _queue = Channel.CreateUnbounded<WriteWork>(new UnboundedChannelOptions { SingleReader = true });
    private readonly AuditSealOptions _sealOptions;
    private readonly string _defaultKeyFile;
    private readonly string _defaultCheckpointFile;
    private readonly Lock _startLock = new();

    // One caller at a time looks at the chain for a missing key file (the first writes of a burst would each read the head).
    private readonly SemaphoreSlim _keyGate = new(1, 1);
    private AuditKeyRing? _keys;
    private AuditCheckpointFile? _checkpoints;
    private Task? _writer;
    private DbConnection? _writeConnection;

    // Set once, when a committed batch could not be made durable: what was lost, in words, and the failure; every
    // write after it is refused (see the remarks).
    private volatile Tuple<string, Exception>? _durabilityLost;

    // The outcome of the latest write (LatestWrite): null until the first.
    private volatile StoreWriteOutcome? _latestWrite;

    // A record to write first in the first batch that writes any (WriteWithFirstRecord): null once it is committed.
    private volatile AuditRecord? _firstRecord;

    // The writer's statements, kept for the life of its connection so that each flush binds values instead of
    // building and preparing SQL, by their SQL: the head read and update, and the insert of each batch size.
    private readonly Dictionary<string, DbCommand> _writeCommands = new(StringComparer.Ordinal);

    private protected DbGovernanceStore(string description, AuditSealOptions? seal, string defaultKeyFile, string defaultCheckpointFile)
    {
        Description = description;
        _sealOptions = seal ?? new AuditSealOptions();
        _defaultKeyFile = defaultKeyFile;
        _defaultCheckpointFile = defaultCheckpointFile;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>The key file or variable the audit keys come from, and the checkpoint file (neither is read nor created).</summary>
    public (string KeySource, string CheckpointFile) AuditSealLocation =>
        (_sealOptions.DescribeKeySource(_defaultKeyFile), Path.GetFullPath(_sealOptions.ResolveCheckpointFile(_defaultCheckpointFile)));

    /// <inheritdoc />
    /// <remarks>An existing key file is read (a bad one fails here); a missing one is not created: only the first write does that.</remarks>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => GuardAsync("initialize", async () =>
    {
        await CreateSchemaAsync(cancellationToken).ConfigureAwait(false);
        _hasCatalogHash = true;
        _hasETag = true;
        _readOnly = false;
        ReadSeal();
        return true;
    });

    /// <inheritdoc />
    /// <remarks>
    /// The provider looks without changing anything (SQLite: the file opened <c>Mode=ReadOnly</c>, no folder or file made;
    /// PostgreSQL: the catalogue read, no DDL). A store without the <c>catalog_hash</c> column (written by an older build)
    /// is read as it is. An existing key file is read; a missing one is not created.
    /// </remarks>
    public Task OpenReadOnlyAsync(CancellationToken cancellationToken = default) => GuardAsync("open for reading", async () =>
    {
        var schema = await ReadSchemaAsync(cancellationToken).ConfigureAwait(false);
        if (!schema.Exists)
        {
            throw new GovernanceStoreException(Description,
                $"no governance store at {Location} ({schema.Absent}); a command that only reads creates nothing (is the store setting, AUTH0_MCP_STORE, the server's?)");
        }

        string[] tables = ["governance_state", "audit_log", "audit_head"];
        var missing = tables.Where(t => !schema.Tables.Contains(t)).ToList();
        if (missing.Count > 0)
        {
            throw new GovernanceStoreException(Description, (missing.Count == tables.Length
                ? $"{Location} has no governance tables"
                : $"{Location} has only some of the governance tables (missing: {string.Join(", ", missing)})")
                + "; a command that only reads creates none (is the store setting, AUTH0_MCP_STORE, the server's? the server creates them at its first start)");
        }

        _hasCatalogHash = schema.HasCatalogHash;
        _hasETag = schema.HasETag;
        _readOnly = true;
        ReadSeal();
        return true;
    });

    /// <summary>
    /// Loads the audit key as the writer does (<see cref="SealAsync"/>) and checks the chain's end against it, as every
    /// write does (<see cref="CheckChainEndAsync"/>): for a host that will write (the server), so that a key file it cannot create,
    /// one missing or lacking the key the chain needs, or a chain that ends before a record the checkpoint file names (a
    /// store restored from an older copy) stops it at start with the writer's message rather than at its first call.
    /// </summary>
    internal async Task PrepareToWriteAsync(CancellationToken cancellationToken)
    {
        var (keys, checkpoints) = await SealAsync(cancellationToken).ConfigureAwait(false);
        // The checkpoints before the head: another writer's commit between the two reads only moves the head past them
        // (its checkpoint follows its commit), where the other order could find a checkpoint past the head it read.
        await GuardAsync("read the audit checkpoint file", () => Task.FromResult(CheckpointFloor(keys, checkpoints))).ConfigureAwait(false);
        await GuardAsync("read the audit head", async () =>
        {
            var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                HeadRecord head;
                await using (var command = Command(connection, null, HeadRecordSql))
                {
                    head = await ReadHeadRecordAsync(command, cancellationToken).ConfigureAwait(false);
                }

                await using var record = Command(connection, null, RecordHashSql);
                Add(record, RecordHashParameters[0], null);
                await CheckChainEndAsync(head, keys, checkpoints, sequence => ReadRecordHashAsync(record, sequence, cancellationToken)).ConfigureAwait(false);
                return head;
            }
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Has <paramref name="record"/> written in the same transaction as, and just before, the first record this store
    /// writes after now (an append, or a state change's events), and only then: no write of its own, so no commit and
    /// no flush to disk of its own (a server's start stays without one), and a process that records nothing leaves
    /// nothing. A batch that fails carries it to the next. The server's <c>server.started</c> record.
    /// </summary>
    internal void WriteWithFirstRecord(AuditRecord record) => _firstRecord = record;

    /// <summary>
    /// The outcome of the latest write (null: none yet): a batch committed and made durable, or the fault that failed
    /// it, or the refusal of a write before it was queued (its audit key unusable, durability lost). Cheap to read:
    /// readiness asks it on every probe, and answers "not ready" while it holds a fault (docs/reliability.md, "Probes").
    /// </summary>
    internal StoreWriteOutcome? LatestWrite => _latestWrite;

    /// <summary>
    /// A write that records nothing: one batch as a call's audit intent takes it (the write lock, the chain's end checked,
    /// the head row rewritten as it is, the commit made durable), without a record or a checkpoint. Its outcome is
    /// <see cref="LatestWrite"/>'s: what readiness asks, while the latest write failed, to see the store take writes
    /// again when no call comes to try (a server that is not ready is sent none).
    /// </summary>
    internal Task ProbeWriteAsync(CancellationToken cancellationToken) => EnqueueAsync(new ProbeWork(), cancellationToken);

    /// <summary>
    /// The keys this store seals with, loaded (or, on an empty chain, created) as a write loads them
    /// (<see cref="SealAsync"/>): what the digest of call arguments is keyed from (<see cref="ArgumentsDigest"/>).
    /// </summary>
    internal async Task<AuditKeyRing> GetWriterKeysAsync(CancellationToken cancellationToken) =>
        (await SealAsync(cancellationToken).ConfigureAwait(false)).Keys;

    /// <inheritdoc />
    public async Task<long> GetRevisionAsync(CancellationToken cancellationToken = default) =>
        (await GetStateVersionAsync(cancellationToken).ConfigureAwait(false)).Revision;

    /// <inheritdoc />
    /// <remarks>One row read by its key: the revision and the <c>etag</c> column, which every save sets to a new random value.</remarks>
    public virtual Task<(long Revision, string? ETag)> GetStateVersionAsync(CancellationToken cancellationToken = default) => ReadGuardAsync("read the state revision", async () =>
    {
        var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = Command(connection, null, ReadVersionSql);
            return await ReadVersionAsync(command, cancellationToken).ConfigureAwait(false);
        }
    });

    /// <inheritdoc />
    public Task<GovernanceState> LoadStateAsync(CancellationToken cancellationToken = default) => ReadGuardAsync("read the governance state", async () =>
    {
        var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = Command(connection, null, $"SELECT revision, body, {ETagColumn} FROM governance_state WHERE id = 1");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return new GovernanceState();
            }

            GovernanceState state;
            try
            {
                state = ReadStateBody(reader, 1) ?? new GovernanceState();
            }
            catch (JsonException ex)
            {
                throw new GovernanceStoreException(Description, "the stored governance state is not readable (corrupt)", ex);
            }

            state.Revision = reader.GetInt64(0);
            state.ETag = reader.IsDBNull(2) ? null : reader.GetString(2);
            return state;
        }
    });

    /// <inheritdoc />
    public Task<string?> GetCatalogHashAsync(CancellationToken cancellationToken = default) => GuardAsync("read the catalogue hash", async () =>
    {
        if (!_hasCatalogHash)
        {
            return null; // opened read-only as an older build left it, without the column
        }

        var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = Command(connection, null, "SELECT catalog_hash FROM governance_state WHERE id = 1");
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }
    });

    /// <inheritdoc />
    public async Task<bool> TrySaveStateAsync(GovernanceState state, long expectedRevision, IReadOnlyList<AuditRecord> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(events);
        var work = new SaveWork(state, expectedRevision, events);
        await EnqueueAsync(work, cancellationToken).ConfigureAwait(false);
        if (work.Saved)
        {
            state.Revision = expectedRevision + 1;
            state.ETag = work.ETag;
        }

        return work.Saved;
    }

    /// <inheritdoc />
    public Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return EnqueueAsync(new AppendWork(record), cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<AuditRow> ReadAuditAsync(long afterSequence = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = afterSequence;
        while (true)
        {
            var page = await ReadAuditPageAsync(after, cancellationToken).ConfigureAwait(false);
            foreach (var row in page)
            {
                yield return row;
            }

            if (page.Count < ReadPage)
            {
                yield break;
            }

            after = page[^1].Sequence;
        }
    }

    /// <inheritdoc />
    /// <remarks>One row, by the primary key (<c>WHERE seq = @seq</c>).</remarks>
    public async Task<AuditRow?> ReadAuditRecordAsync(long sequence, CancellationToken cancellationToken = default) =>
        sequence < 1 ? null : (await ReadAuditRowsAsync("seq = @seq", sequence, 1, cancellationToken).ConfigureAwait(false)) is [var row] ? row : null;

    /// <inheritdoc />
    public Task<(long Sequence, string Hash)> GetAuditHeadAsync(CancellationToken cancellationToken = default) => GuardAsync("read the audit head", async () =>
    {
        var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = Command(connection, null, "SELECT seq, hash FROM audit_head WHERE id = 1");
            return await ReadHeadAsync(command, cancellationToken).ConfigureAwait(false);
        }
    });

    /// <inheritdoc />
    public Task<AuditVerification> VerifyAuditAsync(CancellationToken cancellationToken) => VerifyAuditAsync(null, cancellationToken);

    /// <inheritdoc />
    public async Task<AuditVerification> VerifyAuditAsync(IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var (keys, checkpoints, missingKeyFile) = ReadSeal();
        AuditCheckpointRead read;
        try
        {
            // Without the key the checkpoints are still read, their signatures unchecked: what they name is compared
            // with the chain (a chain emptied or re-sealed is still seen), and a file that holds any line makes the
            // result "not verified" whatever the chain holds.
            read = keys is null ? checkpoints.ReadUnsigned() : checkpoints.Read(keys);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new GovernanceStoreException(Description, $"cannot read the audit checkpoint file {checkpoints.Path}: {ex.Message}", ex);
        }

        if (keys is null)
        {
            // A reader never creates the key: without it the links and columns are checked, the seals and the
            // checkpoints' signatures cannot be, and the result says so.
            var unsealed = await GetAuditHeadAsync(cancellationToken).ConfigureAwait(false);
            return await AuditChain.VerifyAsync(ReadAuditAsync(0, cancellationToken), unsealed, null, (checkpoints.Path, read), cancellationToken, progress, GetAuditHeadAsync, (missingKeyFile!, checkpoints.Path), ReadAuditAsync).ConfigureAwait(false);
        }

        var head = await GetAuditHeadAsync(cancellationToken).ConfigureAwait(false);
        var result = await AuditChain.VerifyAsync(ReadAuditAsync(0, cancellationToken), head, keys, (checkpoints.Path, read), cancellationToken, progress, GetAuditHeadAsync, readAfter: ReadAuditAsync).ConfigureAwait(false);
        return read.Notes.Count == 0 ? result : result with { Checked = [.. result.Checked, .. read.Notes] };
    }

    /// <summary>Stops the writer after the queued writes and closes the connections.</summary>
    public virtual async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        Task? writer;
        lock (_startLock)
        {
            writer = _writer;
        }

        if (writer is not null)
        {
            await writer.ConfigureAwait(false);
        }

        await DropWriteCommandsAsync().ConfigureAwait(false);
        if (_writeConnection is not null)
        {
            await _writeConnection.DisposeAsync().ConfigureAwait(false);
            _writeConnection = null;
        }

        // _keyGate is not disposed: a caller may still hold or await it (its first write racing the disposal), and
        // without AvailableWaitHandle it holds nothing to release.
        GC.SuppressFinalize(this);
    }

    // ---------------------------------------------------------------- the dialect

    /// <summary>Opens a connection for reads.</summary>
    private protected abstract Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Opens the writer's long-lived connection, with its durability settings applied once.</summary>
    private protected abstract Task<DbConnection> OpenWriteConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Creates the schema if missing (idempotent, safe from several processes at once).</summary>
    private protected abstract Task CreateSchemaAsync(CancellationToken cancellationToken);

    /// <summary>What the store holds, looked at without creating or changing anything (<see cref="OpenReadOnlyAsync"/>).</summary>
    private protected abstract Task<StoreSchema> ReadSchemaAsync(CancellationToken cancellationToken);

    /// <summary>Where the store is, as its messages name it (the SQLite file's path; PostgreSQL's <c>host:port/database</c>).</summary>
    private protected abstract string Location { get; }

    /// <summary>Whether <see cref="OpenReadOnlyAsync"/> opened the store (and <see cref="InitializeAsync"/> did not since): reads only, on read-only connections.</summary>
    private protected bool IsReadOnly => _readOnly;

    /// <summary>
    /// Before a provider creates what is missing of the schema (<see cref="CreateSchemaAsync"/>), in its transaction:
    /// throws when that would make one half of the audit chain anew beside the other's records. <c>audit_log</c> missing
    /// while the head names records (the table dropped), or the head (its table or its row) missing while
    /// <c>audit_log</c> holds records: an empty log or a head at 0 would let the writer start the chain over, and
    /// the deletion would go unseen until a verify.
    /// </summary>
    /// <param name="connection">The provider's schema connection.</param>
    /// <param name="transaction">Its transaction, or null.</param>
    /// <param name="tables">The governance tables present, as the provider read them in that transaction.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    private protected async Task RefuseToRecreateTheChainAsync(DbConnection connection, DbTransaction? transaction, IReadOnlySet<string> tables, CancellationToken cancellationToken)
    {
        async Task<long> MaxAsync(string sql)
        {
            await using var command = Command(connection, transaction, sql);
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        }

        const string Advice = "so it is not made again empty and nothing is written (restore the store from a backup; to start a new chain on purpose, use a new store: docs/reliability.md, \"Backup and restore\")";
        if (!tables.Contains("audit_log") && tables.Contains("audit_head")
            && await MaxAsync("SELECT MAX(seq) FROM audit_head WHERE id = 1").ConfigureAwait(false) is > 0 and var head)
        {
            throw new GovernanceStoreException(Description,
                $"cannot create the governance schema: the table audit_log is missing but the audit head names record {head} (the audit records were dropped), {Advice}");
        }

        if (tables.Contains("audit_log")
            && (!tables.Contains("audit_head") || await MaxAsync("SELECT COUNT(*) FROM audit_head WHERE id = 1").ConfigureAwait(false) == 0)
            && await MaxAsync("SELECT MAX(seq) FROM audit_log").ConfigureAwait(false) is > 0 and var last)
        {
            throw new GovernanceStoreException(Description,
                $"cannot create the governance schema: the audit head is missing but audit_log holds records up to {last} (the head was dropped), {Advice}");
        }
    }

    /// <summary>
    /// The columns each governance table has in this build's schema; <c>governance_state.catalog_hash</c> and
    /// <c>.etag</c>, which an older build's lacks, are added to it and so are not among them.
    /// </summary>
    private static readonly (string Table, string[] Columns)[] TableColumns =
    [
        ("governance_state", ["id", "revision", "body"]),
        ("audit_log", ["seq", "time", "kind", "event", "user_name", "tool", "outcome", "body", "prev_hash", "hash"]),
        ("audit_head", ["id", "seq", "hash"]),
    ];

    /// <summary>
    /// Throws when a table of a governance table's name lacks one of that table's columns: another application's table,
    /// in the way. A provider calls it with the columns of the tables it found (<paramref name="columns"/>, by table
    /// name) before anything reads, alters or creates anything, from <see cref="CreateSchemaAsync"/> and
    /// <see cref="ReadSchemaAsync"/>. (Without it, such a table failed the first read, or, with the store's key column
    /// and rows, was taken for the store's own with its head dropped; another <c>governance_state</c> was given the
    /// store's columns and used.)
    /// </summary>
    /// <param name="columns">The column names of each governance table present.</param>
    /// <param name="remedy">What to do instead, as the provider says it (a database or schema, a file of its own).</param>
    /// <param name="section">The docs/reliability.md section the message names.</param>
    private protected void RefuseTablesInTheWay(IReadOnlyDictionary<string, HashSet<string>> columns, string remedy, string section)
    {
        foreach (var (table, required) in TableColumns)
        {
            if (columns.TryGetValue(table, out var names) && required.Where(c => !names.Contains(c)).ToList() is { Count: > 0 } lacking)
            {
                throw new GovernanceStoreException(Description,
                    $"another application's table {table} is in the way (it has no column {string.Join(", ", lacking)}, which the governance store's {table} has): "
                    + $"{remedy}; nothing was created or changed (docs/reliability.md, \"{section}\")");
            }
        }
    }

    /// <summary>What a provider found of the store (<see cref="ReadSchemaAsync"/>).</summary>
    /// <param name="Exists">Whether there is a store at all (a SQLite file).</param>
    /// <param name="Absent">When it does not exist: what is missing, in words.</param>
    /// <param name="Tables">The governance tables present.</param>
    /// <param name="HasCatalogHash">Whether <c>governance_state</c> has the <c>catalog_hash</c> column (an older build's has not).</param>
    /// <param name="HasETag">Whether <c>governance_state</c> has the <c>etag</c> column (an older build's has not).</param>
    private protected sealed record StoreSchema(bool Exists, string? Absent, IReadOnlySet<string> Tables, bool HasCatalogHash, bool HasETag);

    /// <summary>Begins a write transaction that excludes other writers of the chain.</summary>
    private protected abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// The head and the seal of the record it names (null when <c>audit_log</c> has no such record): the chain's end
    /// as a writer checks it (<see cref="CheckChainEndAsync"/>).
    /// </summary>
    private protected const string HeadRecordSql =
        "SELECT h.seq, h.hash, (SELECT l.hash FROM audit_log l WHERE l.seq = h.seq) FROM audit_head h WHERE h.id = 1";

    /// <summary>
    /// Locks the head inside the write transaction against other instances, then reads it: its last statement is
    /// <see cref="HeadRecordSql"/>, run once the lock is held. (PostgreSQL: a statement that waited for the lock
    /// sees the head another writer committed meanwhile, but its subquery reads <c>audit_log</c> as it was when the
    /// statement began, without that writer's rows: so the lock is a statement of its own, and the read follows it.)
    /// </summary>
    private protected abstract string LockHeadSql { get; }

    /// <summary>The value stored in the <c>time</c> column.</summary>
    private protected abstract object ToDbTime(DateTimeOffset time);

    /// <summary>The <c>time</c> column read back.</summary>
    private protected abstract DateTimeOffset FromDbTime(object value);

    /// <summary>What went wrong, in words, when the provider's exception says (null otherwise).</summary>
    private protected abstract string? DescribeFault(Exception exception);

    /// <summary>
    /// Called after each batch commit, before any caller's task completes: a provider whose commit alone is not yet
    /// on disk makes it so here (or throws, which fails the batch closed and stops every later write until a restart).
    /// </summary>
    private protected virtual void MakeDurable()
    {
    }

    /// <summary>Closes the writer's connection after a fault, so the next batch starts on a new one.</summary>
    private protected virtual void OnWriteFault()
    {
    }

    /// <summary>
    /// Deserializes the state's JSON body in column <paramref name="ordinal"/> (a <see cref="JsonException"/> when it is
    /// not readable), from the UTF-8 both providers store and hand over as it is (SQLite: a text value's blob is its bytes;
    /// Npgsql: a <c>text</c> column read as bytes is the client encoding's, UTF-8): no UTF-16 string to transcode back, for
    /// a state of a few hundred KB read at every start and after every change.
    /// </summary>
    private static GovernanceState? ReadStateBody(DbDataReader reader, int ordinal) =>
        JsonSerializer.Deserialize(reader.GetFieldValue<byte[]>(ordinal), GovernanceJsonContext.Default.GovernanceState);

    // ---------------------------------------------------------------- shared helpers for providers

    private protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private protected static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private protected static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The query of the stored state's revision and tag (<see cref="ReadVersionAsync"/> runs it); a store opened read-only
    /// as an older build left it, without the <c>etag</c> column, reads no tag.
    /// </summary>
    private protected string ReadVersionSql => $"SELECT revision, {ETagColumn} FROM governance_state WHERE id = 1";

    private string ETagColumn => _hasETag ? "etag" : "NULL";

    /// <summary>Runs <paramref name="command"/>, a <see cref="ReadVersionSql"/> ((0, null) when there is no state).</summary>
    private protected static async Task<(long Revision, string? ETag)> ReadVersionAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1))
            : (0, null);
    }

    /// <summary>
    /// <see cref="GuardAsync{T}"/> for a read that changes nothing: a pooled connection the database closed while it sat
    /// idle (a restart, <c>pg_terminate_backend</c>, an idle timeout) is handed out unchecked and fails the first read on
    /// it, so a read that fails because its connection was lost (<see cref="IsConnectionLostFault"/>) is made once more,
    /// on a new connection.
    /// </summary>
    private protected Task<T> ReadGuardAsync<T>(string operation, Func<Task<T>> read) => GuardAsync(operation, async () =>
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not GovernanceStoreException && IsConnectionLostFault(ex))
        {
            return await read().ConfigureAwait(false);
        }
    });

    /// <summary>Runs <paramref name="action"/>, turning any fault of the store into a <see cref="GovernanceStoreException"/>.</summary>
    private protected async Task<T> GuardAsync<T>(string operation, Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsFault(ex))
        {
            throw Fault(operation, ex);
        }
    }

    // ---------------------------------------------------------------- the writer

    private static bool IsFault(Exception exception) => exception is not (OperationCanceledException or GovernanceStoreException or ArgumentException);

    private GovernanceStoreException Fault(string operation, Exception exception)
    {
        var reason = DescribeFault(exception) ?? exception switch
        {
            UnauthorizedAccessException => "permission denied",
            DirectoryNotFoundException => "the directory does not exist",
            IOException => "I/O error",
            JsonException or InvalidDataException or FormatException or InvalidCastException => "the stored data is not readable (corrupt)",
            ObjectDisposedException or ChannelClosedException => "the store is closed",
            _ => "unexpected error",
        };
        var detail = exception.Message.Split('\n', 2)[0].Trim();
        return new GovernanceStoreException(Description, $"cannot {operation}: {reason} ({detail})", exception);
    }

    // The newest record this process knows to be checkpointed, with the seal the checkpoint names (read from the file at
    // the first write, then its own); Hash null: the file held no valid checkpoint.
    private (long Sequence, string? Hash)? _checkpointFloor;

    // Set by OpenReadOnlyAsync (and cleared by InitializeAsync): every write is refused. _hasCatalogHash, _hasETag: false
    // when the store was opened read-only as an older build left it, without governance_state.catalog_hash, .etag.
    private volatile bool _readOnly;
    private volatile bool _hasCatalogHash = true;
    private volatile bool _hasETag = true;

    /// <summary>
    /// The newest record the checkpoint file names and its seal (read once, then this writer's own), or (0, null) when
    /// the file holds no valid checkpoint.
    /// </summary>
    private (long Sequence, string? Hash) CheckpointFloor(AuditKeyRing keys, AuditCheckpointFile checkpoints) =>
        _checkpointFloor ??= checkpoints.Read(keys).Valid.MaxBy(c => c.Sequence) is { } newest ? (newest.Sequence, newest.Hash) : (0, null);

    /// <summary>The seal of one record (null when <c>audit_log</c> has no such record).</summary>
    private const string RecordHashSql = "SELECT hash FROM audit_log WHERE seq = @seq";

    private static readonly string[] RecordHashParameters = ["@seq"];

    /// <summary>Runs <paramref name="command"/>, a <see cref="RecordHashSql"/>, for <paramref name="sequence"/>.</summary>
    private static async Task<string?> ReadRecordHashAsync(DbCommand command, long sequence, CancellationToken cancellationToken)
    {
        Set(command, 0, sequence);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>
    /// Throws, with the message every writer gives, when the chain cannot be written on: the record the head names is
    /// not in <c>audit_log</c> with the head's seal (the newest records deleted, the table emptied, or that record
    /// rewritten), it ends before a record the checkpoint file names (records were removed from its end: a deletion,
    /// or a store restored from an older copy), the record the newest checkpoint names no longer carries the seal the
    /// checkpoint signed (the chain rewritten: re-sealed without the key), its newest record is not sealed with an audit
    /// key although the checkpoint file holds checkpoints (a keyed chain never goes back to unkeyed seals), or its newest
    /// record is sealed with a key the writer's keys lack. <paramref name="recordHash"/> reads one record's seal (null:
    /// no such record), in the caller's transaction.
    /// </summary>
    private async Task CheckChainEndAsync(HeadRecord head, AuditKeyRing keys, AuditCheckpointFile checkpoints, Func<long, Task<string?>> recordHash)
    {
        var (sequence, headHash, headRecordHash) = head;

        // The head moves with the rows in one transaction, so the record it names is there with its seal: when it is
        // not, rows were deleted (or rewritten) behind the head's back. Writing on would give new records the deleted
        // ones' numbers (or fail on a key collision) and bury the evidence.
        if (sequence > 0 && !string.Equals(headRecordHash, headHash, StringComparison.Ordinal))
        {
            throw new GovernanceStoreException(Description,
                $"the audit head names record {sequence}, but the audit log {(headRecordHash is null ? $"has no record {sequence}" : $"holds record {sequence} with another seal")}: "
                + "records were deleted from (or rewritten at) the end of the chain, so nothing is written (run 'auth0-mcp audit verify'; docs/security.md, \"What the audit proves\")");
        }

        // A chain that ends before a record this machine checkpointed lost its newest records: writing on would
        // bury that (new records would take their numbers, and the checkpoint file's compaction its evidence).
        var floor = CheckpointFloor(keys, checkpoints);
        const string Restored = "if the store was restored from a backup on purpose, move the checkpoint file aside: docs/reliability.md, \"Backup and restore\"";
        if (sequence < floor.Sequence)
        {
            throw new GovernanceStoreException(Description,
                $"the audit chain ends at record {sequence}, but the checkpoint file {checkpoints.Path} names record {floor.Sequence}: records were removed from the end of the chain, so nothing is written (run 'auth0-mcp audit verify'; {Restored})");
        }

        if (floor.Hash is { } checkpointed)
        {
            // The checkpoint signed the record's seal, not only its number: a chain re-sealed by someone without the key
            // (every record re-linked with plain SHA-256, as before keyed sealing, one of them edited) still has the
            // record, under another seal. Writing keyed records on top would make the forgery the chain's past, and
            // the checkpoint file's compaction would in time drop the checkpoint that shows it.
            var found = floor.Sequence == sequence ? headHash : await recordHash(floor.Sequence).ConfigureAwait(false);
            if (!string.Equals(found, checkpointed, StringComparison.Ordinal))
            {
                throw new GovernanceStoreException(Description,
                    $"the checkpoint file {checkpoints.Path} names record {floor.Sequence} with a seal the audit log {(found is null ? $"does not hold: it has no record {floor.Sequence}" : "no longer holds for it")}: "
                    + $"the chain was rewritten (re-sealed without the audit key?), so nothing is written (run 'auth0-mcp audit verify'; {Restored})");
            }

            // A writer seals with a key, and only a keyed writer writes checkpoints: records after the checkpointed one
            // that are not sealed with a key were added by someone without it.
            if (AuditChain.KeyIdOf(headHash) is null)
            {
                throw new GovernanceStoreException(Description,
                    $"the newest audit record ({sequence}) is not sealed with an audit key, but the checkpoint file {checkpoints.Path} holds checkpoints signed with it: "
                    + $"a keyed chain never goes back to unkeyed seals (records added or re-sealed without the key?), so nothing is written (run 'auth0-mcp audit verify'; {Restored})");
            }
        }

        // The chain goes on under keys that can verify it: a writer whose keys lack the newest record's key (it reads
        // another key file, or keys given inline) would seal records no key set verifies together with the earlier ones.
        if (AuditChain.KeyIdOf(headHash) is { } headKey && !keys.KeyIds.Contains(headKey))
        {
            throw new GovernanceStoreException(Description,
                $"the newest audit record ({sequence}) is sealed with key {headKey}, which the audit keys ({keys.Source}) do not hold, so nothing is written: "
                + AuditKeyRing.RestoreKeyAdvice(headKey));
        }
    }

    /// <summary>
    /// The writer's keys and checkpoint file. A missing key file is created (mode 0600, a random key) only while the chain
    /// holds no sealed record: a new key verifies none of an existing chain, so then nothing is made and every write is
    /// refused, naming the key the chain needs (the newest record's).
    /// </summary>
    private async Task<(AuditKeyRing Keys, AuditCheckpointFile Checkpoints)> SealAsync(CancellationToken cancellationToken)
    {
        if (_readOnly)
        {
            throw new GovernanceStoreException(Description, "cannot write: the store was opened read-only (by a command that only reads), so nothing is written");
        }

        var (keys, checkpoints, missingKeyFile) = ReadSeal();
        if (keys is not null)
        {
            return (keys, checkpoints);
        }

        await _keyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            (keys, checkpoints, missingKeyFile) = ReadSeal();
            if (keys is not null)
            {
                return (keys, checkpoints); // loaded or made by the caller before this one
            }

            var (sequence, head) = await GetAuditHeadAsync(cancellationToken).ConfigureAwait(false);
            if (AuditChain.KeyIdOf(head) is { } headKey)
            {
                // This store's earlier caller, or another writer sharing the key file, may have made it (then sealed with
                // it) since the first look.
                (keys, checkpoints, missingKeyFile) = ReadSeal();
                if (keys is not null)
                {
                    return (keys, checkpoints);
                }

                throw new GovernanceStoreException(Description,
                    $"the audit key file {missingKeyFile} does not exist, but the newest audit record ({sequence}) is sealed with key {headKey}, so nothing is written and no new key is made: "
                    + AuditKeyRing.RestoreKeyAdvice(headKey));
            }

            (keys, checkpoints, _) = LoadSeal(create: true);
            return (keys!, checkpoints);
        }
        finally
        {
            _keyGate.Release();
        }
    }

    /// <summary>A reader's keys and checkpoint file: null keys, and the key file's path, when the key file does not exist (never created here).</summary>
    private (AuditKeyRing? Keys, AuditCheckpointFile Checkpoints, string? MissingKeyFile) ReadSeal() => LoadSeal(create: false);

    private (AuditKeyRing? Keys, AuditCheckpointFile Checkpoints, string? MissingKeyFile) LoadSeal(bool create)
    {
        lock (_startLock)
        {
            if (_keys is null)
            {
                // A folder where a seal file belongs (a default path too, not only one given) is refused before any record
                // is written: the records would be committed and their checkpoint could not, leaving a chain that reads as tampered.
                foreach (var (path, what) in (ReadOnlySpan<(string, string)>)[
                    (Path.GetFullPath(_sealOptions.ResolveCheckpointFile(_defaultCheckpointFile)), "audit checkpoint file"),
                    (_sealOptions.Keys is null ? _sealOptions.ResolveKeyFile(_defaultKeyFile) : "", "audit key file")])
                {
                    if (path.Length > 0 && Directory.Exists(path))
                    {
                        throw new GovernanceStoreException(Description,
                            $"the {what} {path} is a folder, so nothing is written: move the folder away, or give the file's path (AuditSealOptions; the server: AUTH0_MCP_AUDIT_CHECKPOINTS, AUTH0_MCP_AUDIT_KEY_FILE)");
                    }
                }

                try
                {
                    _checkpoints ??= new AuditCheckpointFile(_sealOptions.ResolveCheckpointFile(_defaultCheckpointFile));
                    _keys = _sealOptions.ResolveKeys(_defaultKeyFile, create);
                    if (_keys is null)
                    {
                        return (null, _checkpoints, _sealOptions.ResolveKeyFile(_defaultKeyFile));
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
                {
                    throw new GovernanceStoreException(Description, $"cannot load the audit key: {ex.Message}", ex);
                }
            }

            return (_keys, _checkpoints!, null);
        }
    }

    private Task<List<AuditRow>> ReadAuditPageAsync(long after, CancellationToken cancellationToken) =>
        ReadAuditRowsAsync("seq > @seq", after, ReadPage, cancellationToken);

    /// <summary>The audit rows <paramref name="where"/> (a condition on <c>seq</c> against <c>@seq</c>) selects, in order, at most <paramref name="limit"/>.</summary>
    private async Task<List<AuditRow>> ReadAuditRowsAsync(string where, long seq, int limit, CancellationToken cancellationToken) => await GuardAsync("read the audit log", async () =>
    {
        var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = Command(connection, null, $"""
                SELECT seq, time, kind, event, user_name, tool, outcome, body, prev_hash, hash
                FROM audit_log WHERE {where} ORDER BY seq LIMIT {limit}
                """);
            Add(command, "@seq", seq);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var page = new List<AuditRow>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                page.Add(new AuditRow(reader.GetInt64(0), reader.GetString(7), reader.GetString(8), reader.GetString(9))
                {
                    Columns = new AuditRowColumns(
                        FromDbTime(reader.GetValue(1)),
                        reader.GetString(2),
                        reader.GetString(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4),
                        reader.IsDBNull(5) ? null : reader.GetString(5),
                        reader.IsDBNull(6) ? null : reader.GetString(6)),
                });
            }

            return page;
        }
    }).ConfigureAwait(false);

    /// <summary>The head and the seal of the record it names, as <see cref="HeadRecordSql"/> reads them.</summary>
    /// <param name="Sequence">The head's sequence (0: an empty chain).</param>
    /// <param name="Hash">The head's seal.</param>
    /// <param name="RecordHash">The seal of record <paramref name="Sequence"/> in <c>audit_log</c>, or null when there is no such record.</param>
    private readonly record struct HeadRecord(long Sequence, string Hash, string? RecordHash);

    /// <summary>Runs <paramref name="command"/>, whose last statement is a <see cref="HeadRecordSql"/> (<see cref="LockHeadSql"/>, or that alone).</summary>
    private static async Task<HeadRecord> ReadHeadRecordAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (reader.FieldCount != 3 && await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
            // the lock's result (one column): the head and its record come with the read that follows it
        }

        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new HeadRecord(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : new HeadRecord(0, AuditChain.Genesis, null);
    }

    private static async Task<(long Sequence, string Hash)> ReadHeadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (reader.GetInt64(0), reader.GetString(1))
            : (0, AuditChain.Genesis);
    }

    private async Task EnqueueAsync(WriteWork work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            ThrowIfDurabilityLost();
            await SealAsync(cancellationToken).ConfigureAwait(false); // a missing or unreadable key fails here, before anything is queued
        }
        catch (GovernanceStoreException ex)
        {
            _latestWrite = new StoreWriteOutcome(DateTimeOffset.UtcNow, ex); // every write is refused so
            throw;
        }
        lock (_startLock)
        {
            _writer ??= Task.Run(WriteLoopAsync, CancellationToken.None);
        }

        if (!_queue.Writer.TryWrite(work))
        {
            throw new GovernanceStoreException(Description, "cannot write: the store is closed");
        }

        await work.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<WriteWork>(MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var work))
            {
                batch.Add(work);
            }

            try
            {
                await FlushAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Never let the writer die with callers waiting: whatever escaped fails this batch only.
                Fail(batch, ex as GovernanceStoreException ?? Fault("write the audit chain or the governance state", ex));
            }

            batch.Clear();
        }
    }

    private void ThrowIfDurabilityLost()
    {
        if (DurabilityLost() is { } refused)
        {
            throw refused;
        }
    }

    /// <summary>The refusal of every write after a commit could not be made durable, or null.</summary>
    private GovernanceStoreException? DurabilityLost() =>
        _durabilityLost is { } lost ? new GovernanceStoreException(Description, $"cannot write: {lost.Item1}", lost.Item2) : null;

    /// <summary>One transaction for the whole batch: lock the head, apply each save and append in order, move the head, commit, make it durable, checkpoint.</summary>
    private async Task FlushAsync(List<WriteWork> batch)
    {
        if (DurabilityLost() is { } refused)
        {
            // Work queued before the failure was known: refused like any write after it.
            Fail(batch, refused);
            return;
        }

        var (keys, checkpoints) = await SealAsync(CancellationToken.None).ConfigureAwait(false);
        var rows = new List<AuditRow>();
        var first = _firstRecord;
        long sequence;
        string previous;
        for (var attempt = 1; ; attempt++)
        {
            // A connection kept from an earlier batch may have been closed by the database while idle (a restart,
            // pg_terminate_backend, idle_session_timeout, a proxy's idle timeout): that is known only when it is used.
            var carriedOver = _writeConnection is not null;
            var committing = false;
            DbConnection? connection = null;
            try
            {
                connection = _writeConnection ??= await OpenWriteConnectionAsync(CancellationToken.None).ConfigureAwait(false);
                await using var transaction = await BeginWriteAsync(connection, CancellationToken.None).ConfigureAwait(false);
                (sequence, previous) = await WriteBatchAsync(connection, transaction, batch, rows, keys, checkpoints, first).ConfigureAwait(false);
                committing = true;
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                if (first is not null && first.Hash is not null)
                {
                    _firstRecord = null; // in the chain now (whether the flush to disk below succeeds or not, as the batch is)
                }

                break;
            }
            catch (Exception ex)
            {
                // Once more, on a new connection: only for a carried-over connection found lost before the commit was
                // sent (its transaction died with it, so nothing of the batch was written). A commit that failed has an
                // unknown outcome and is never retried; a new connection that fails is the database's answer.
                var retry = attempt == 1 && carriedOver && !committing && connection is not null && IsConnectionLost(ex, connection);
                await ResetWriterAsync().ConfigureAwait(false);
                rows.Clear();
                foreach (var work in batch)
                {
                    work.Unseal();
                }

                if (first is not null)
                {
                    WriteWork.UnsealRecord(first);
                }

                if (retry)
                {
                    continue;
                }

                Fail(batch, ex is GovernanceStoreException store ? store : Fault("write the audit chain or the governance state", ex));
                return;
            }
        }

        try
        {
            MakeDurable();
        }
        catch (Exception ex)
        {
            // Committed, but whether it is on disk is unknown, and stays unknown: a retried sync may succeed after the
            // OS dropped what it could not write. Fail the batch's callers (a call whose intent this was is refused and
            // nothing is sent), write no checkpoint (it would name records a crash may still take away, and a restart
            // would then refuse to write), and take no more writes until a restart. The records stay sealed: they are
            // in the chain as far as the database knows, and verify shows them (an intent without an outcome).
            var what = rows.Count > 0 ? $"records {rows[0].Sequence}..{sequence} were committed" : "a state change was committed";
            var problem = $"{what} but could not be made durable ({ex.Message.Split('\n', 2)[0].Trim()}); whether they are on disk is unknown, "
                + "so this store takes no more writes until the process restarts (then run 'auth0-mcp audit verify')";
            _durabilityLost = Tuple.Create(problem, ex);
            await ResetWriterAsync().ConfigureAwait(false);
            Fail(batch, new GovernanceStoreException(Description, problem, ex));
            return;
        }

        if (rows.Count > 0)
        {
            try
            {
                checkpoints.Append(keys, sequence, previous, DateTimeOffset.UtcNow);
                _checkpointFloor = (sequence, previous);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The records are committed, but without their checkpoint truncation would go unseen: fail closed.
                Fail(batch, new GovernanceStoreException(Description, $"records {rows[0].Sequence}..{sequence} were written but the audit checkpoint file {checkpoints.Path} could not be: {ex.Message}", ex));
                return;
            }
        }
        else if (batch.Exists(w => w is ProbeWork))
        {
            // Readiness's probe records nothing, so no checkpoint is appended: whether one could be is asked instead, or
            // a checkpoint file that refuses every call's records would read as a store that takes writes (review K7).
            try
            {
                checkpoints.CheckWritable();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Fail(batch, new GovernanceStoreException(Description, $"the audit checkpoint file {checkpoints.Path} cannot be written: {ex.Message}", ex));
                return;
            }
        }

        _latestWrite = new StoreWriteOutcome(DateTimeOffset.UtcNow, null);
        batch.ForEach(w => w.Done.TrySetResult());
    }

    /// <summary>Fails the batch's callers with <paramref name="fault"/>, the latest write's outcome (<see cref="LatestWrite"/>).</summary>
    private void Fail(List<WriteWork> batch, GovernanceStoreException fault)
    {
        _latestWrite = new StoreWriteOutcome(DateTimeOffset.UtcNow, fault);
        batch.ForEach(w => w.Done.TrySetException(fault));
    }

    /// <summary>
    /// The batch's writes in <paramref name="transaction"/>, up to the commit: lock and check the chain's end, apply each
    /// save and append in order, insert the sealed <paramref name="rows"/>, move the head. Returns the new end.
    /// </summary>
    private async Task<(long Sequence, string Previous)> WriteBatchAsync(
        DbConnection connection, DbTransaction transaction, List<WriteWork> batch, List<AuditRow> rows, AuditKeyRing keys, AuditCheckpointFile checkpoints, AuditRecord? first)
    {
        var head = await ReadHeadRecordAsync(WriteCommand(connection, transaction, LockHeadSql, []), CancellationToken.None).ConfigureAwait(false);
        await CheckChainEndAsync(head, keys, checkpoints, sequence => ReadRecordHashAsync(WriteCommand(connection, transaction, RecordHashSql, RecordHashParameters), sequence, CancellationToken.None)).ConfigureAwait(false);
        var (sequence, previous) = (head.Sequence, head.Hash);
        foreach (var work in batch)
        {
            IReadOnlyList<AuditRecord> records;
            if (work is SaveWork save)
            {
                save.Saved = await SaveStateAsync(connection, transaction, save).ConfigureAwait(false);
                records = save.Saved ? save.Events : [];
            }
            else
            {
                records = work is AppendWork append ? [append.Record] : []; // a ProbeWork records nothing
            }

            foreach (var record in first is not null && rows.Count == 0 && records.Count > 0 ? records.Prepend(first) : records)
            {
                var row = AuditChain.Seal(record, ++sequence, previous, keys);
                rows.Add(row);
                previous = row.Hash;
            }
        }

        // A probe alone rewrites the head as it is: a commit that writes, as a record's would (a full disk fails it).
        if (rows.Count > 0 || batch.Exists(w => w is ProbeWork))
        {
            if (rows.Count > 0)
            {
                await InsertRowsAsync(connection, transaction, rows).ConfigureAwait(false);
            }

            var update = WriteCommand(connection, transaction, UpdateHeadSql, UpdateHeadParameters);
            Set(update, 0, sequence);
            Set(update, 1, previous);
            await update.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return (sequence, previous);
    }

    /// <summary>
    /// Whether <paramref name="exception"/>, raised on <paramref name="connection"/>, says the connection itself is
    /// gone (closed by the database or the network) rather than that the statement failed: the connection is broken
    /// or closed, or the provider says so (<see cref="IsConnectionLostFault"/>).
    /// </summary>
    private bool IsConnectionLost(Exception exception, DbConnection connection) =>
        exception is not GovernanceStoreException
        && (connection.State is System.Data.ConnectionState.Broken or System.Data.ConnectionState.Closed || IsConnectionLostFault(exception));

    /// <summary>Whether the provider's <paramref name="exception"/> says the connection was lost (PostgreSQL: the session terminated, the socket closed).</summary>
    private protected virtual bool IsConnectionLostFault(Exception exception) => false;

    private async Task ResetWriterAsync()
    {
        OnWriteFault();
        await DropWriteCommandsAsync().ConfigureAwait(false);
        if (_writeConnection is not null)
        {
            try
            {
                await _writeConnection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsFault(ex))
            {
                // the connection is already broken; a new one is opened for the next batch
            }

            _writeConnection = null;
        }
    }

    private static async Task<bool> SaveStateAsync(DbConnection connection, DbTransaction transaction, SaveWork save)
    {
        var next = save.Expected + 1;
        var body = JsonSerializer.Serialize(save.State, GovernanceJsonContext.Default.GovernanceState); // its revision is the column's on load
        // A new random tag with every save: a reader that holds (revision, tag) tells this state from any other, even one
        // at the same revision after the stored state went back (see IGovernanceStore.GetStateVersionAsync).
        await using var command = Command(connection, transaction, save.Expected == 0
            ? "INSERT INTO governance_state (id, revision, body, catalog_hash, etag) VALUES (1, 1, @body, @catalog, @etag) ON CONFLICT (id) DO NOTHING"
            : "UPDATE governance_state SET revision = @next, body = @body, catalog_hash = @catalog, etag = @etag WHERE id = 1 AND revision = @expected");
        Add(command, "@body", body);
        Add(command, "@catalog", save.State.CatalogHash);
        Add(command, "@etag", save.ETag);
        if (save.Expected != 0)
        {
            Add(command, "@next", next);
            Add(command, "@expected", save.Expected);
        }

        return await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false) == 1;
    }

    private const string UpdateHeadSql = "UPDATE audit_head SET seq = @seq, hash = @hash WHERE id = 1";
    private static readonly string[] UpdateHeadParameters = ["@seq", "@hash"];
    private const int InsertChunk = 64;

    // Parameter name prefixes of an audit_log row, in column order; the insert of n rows names them @s0 … @h{n-1}.
    private static readonly string[] RowColumns = ["s", "t", "k", "e", "u", "o", "r", "b", "p", "h"];

    // The insert of n rows (1 … InsertChunk): its SQL and parameter names, made once per process on its first use
    // (a flush is mostly a record or two; all 64 sizes would hold 20,800 parameter names for nothing).
    private static readonly InsertStatement?[] Inserts = new InsertStatement?[InsertChunk + 1];

    private async Task InsertRowsAsync(DbConnection connection, DbTransaction transaction, List<AuditRow> rows)
    {
        for (var start = 0; start < rows.Count; start += InsertChunk)
        {
            var count = Math.Min(InsertChunk, rows.Count - start);
            var insert = Inserts[count] ??= InsertStatement.For(count);
            var command = WriteCommand(connection, transaction, insert.Sql, insert.Parameters);
            for (var i = 0; i < count; i++)
            {
                var row = rows[start + i];
                var c = row.Columns!;
                var at = i * RowColumns.Length;
                Set(command, at, row.Sequence);
                Set(command, at + 1, ToDbTime(c.Time));
                Set(command, at + 2, c.Kind);
                Set(command, at + 3, c.Event);
                Set(command, at + 4, c.User);
                Set(command, at + 5, c.Tool);
                Set(command, at + 6, c.Outcome);
                Set(command, at + 7, row.Body);
                Set(command, at + 8, row.PreviousHash);
                Set(command, at + 9, row.Hash);
            }

            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The insert of a number of audit rows: its SQL and its parameter names in order.</summary>
    private sealed record InsertStatement(string Sql, string[] Parameters)
    {
        public static InsertStatement For(int count)
        {
            var names = new string[count * RowColumns.Length];
            var values = new List<string>(count);
            for (var i = 0; i < count; i++)
            {
                for (var j = 0; j < RowColumns.Length; j++)
                {
                    names[(i * RowColumns.Length) + j] = "@" + RowColumns[j] + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                values.Add("(" + string.Join(", ", names, i * RowColumns.Length, RowColumns.Length) + ")");
            }

            return new("INSERT INTO audit_log (seq, time, kind, event, user_name, tool, outcome, body, prev_hash, hash) VALUES " + string.Join(", ", values), names);
        }
    }

    /// <summary>
    /// The writer's command for <paramref name="sql"/> on its connection, in <paramref name="transaction"/>: made with
    /// <paramref name="parameterNames"/> the first time, then kept (prepared by the provider) until the connection goes.
    /// </summary>
    private DbCommand WriteCommand(DbConnection connection, DbTransaction transaction, string sql, string[] parameterNames)
    {
        if (_writeCommands.TryGetValue(sql, out var command))
        {
            command.Transaction = transaction;
            return command;
        }

        command = Command(connection, transaction, sql);
        foreach (var name in parameterNames)
        {
            Add(command, name, null);
        }

        _writeCommands[sql] = command;
        return command;
    }

    /// <summary>Sets a cached command's parameter, as <see cref="Add"/> would (null is <see cref="DBNull"/>).</summary>
    private static void Set(DbCommand command, int index, object? value) => command.Parameters[index].Value = value ?? DBNull.Value;

    private async Task DropWriteCommandsAsync()
    {
        foreach (var command in _writeCommands.Values)
        {
            try
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsFault(ex))
            {
                // a command of a broken connection: nothing to release
            }
        }

        _writeCommands.Clear();
    }

    private abstract class WriteWork
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Undoes what sealing set on the records of a batch that was rolled back.</summary>
        public abstract void Unseal();

        public static void UnsealRecord(AuditRecord record) => Unseal(record);

        protected static void Unseal(AuditRecord record)
        {
            record.Sequence = 0;
            record.PreviousHash = null;
            record.Hash = null;
        }
    }

    private sealed class AppendWork(AuditRecord record) : WriteWork
    {
        public AuditRecord Record { get; } = record;

        public override void Unseal() => Unseal(Record);
    }

    /// <summary>A write that records nothing (<see cref="ProbeWriteAsync"/>).</summary>
    private sealed class ProbeWork : WriteWork
    {
        public override void Unseal()
        {
        }
    }

    private sealed class SaveWork(GovernanceState state, long expected, IReadOnlyList<AuditRecord> events) : WriteWork
    {
        public GovernanceState State { get; } = state;

        public long Expected { get; } = expected;

        /// <summary>The tag this save writes: 16 random bytes, in hex.</summary>
        public string ETag { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

        public IReadOnlyList<AuditRecord> Events { get; } = events;

        public bool Saved { get; set; }

        public override void Unseal()
        {
            Saved = false;
            foreach (var record in Events)
            {
                Unseal(record);
            }
        }
    }
}
