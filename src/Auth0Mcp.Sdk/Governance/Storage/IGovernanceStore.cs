namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Durable governance storage: the <see cref="GovernanceState"/> document (optimistic concurrency on its
/// revision) and the hash-chained audit log. Implementations: <c>SqliteGovernanceStore</c> (package
/// Auth0Mcp.Governance.Sqlite, a local file) and <c>PostgresGovernanceStore</c> (Auth0Mcp.Governance.PostgreSql,
/// shared by several server instances), both on <see cref="DbGovernanceStore"/>.
/// </summary>
/// <remarks>
/// Every write is durable when its task completes. A fault of the store (disk full, locked, unreadable, read-only,
/// missing directory, corrupt, unreachable) is thrown as <see cref="GovernanceStoreException"/>, naming the store.
/// </remarks>
public interface IGovernanceStore : IAsyncDisposable
{
    /// <summary>Where the store is, for messages (never includes a password).</summary>
    string Description { get; }

    /// <summary>Creates the schema if missing. Idempotent; safe to call from several instances at once.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens an existing store for reading only, in place of <see cref="InitializeAsync"/> (a command that only reads:
    /// <c>audit verify</c>, <c>audit export</c>, <c>audit tail</c>): creates and changes nothing — no file or folder, no
    /// schema, no schema upgrade (a store an older build wrote is read as it is) — so it works on a copy on read-only
    /// media and for a database role that may only read. A store that does not exist, or has no governance tables,
    /// throws <see cref="GovernanceStoreException"/> saying so; every write after it is refused until
    /// <see cref="InitializeAsync"/>. The default does nothing (a store with nothing to open).
    /// </summary>
    Task OpenReadOnlyAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>The revision of the stored state (0 when nothing was saved yet).</summary>
    Task<long> GetRevisionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// What identifies the stored state, read without loading it: its revision (0 when there is none) and the random tag
    /// written with it (<see cref="GovernanceState.ETag"/>; null when the store keeps none, or an older build saved it
    /// last). The cheap check a server makes before every decision: when either differs from what it holds, it reads the
    /// state again. A revision alone cannot tell: a stored state may go back (a failover to a replica that lacked the
    /// newest commits, a restore) and move on to a revision the server already holds, with other content.
    /// </summary>
    /// <remarks>The default reads <see cref="GetRevisionAsync"/> and no tag.</remarks>
    async Task<(long Revision, string? ETag)> GetStateVersionAsync(CancellationToken cancellationToken = default) =>
        (await GetRevisionAsync(cancellationToken).ConfigureAwait(false), null);

    /// <summary>Reads the state (a new empty state at revision 0 when nothing was saved yet).</summary>
    Task<GovernanceState> LoadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves <paramref name="state"/> if the stored revision is still <paramref name="expectedRevision"/>, and
    /// appends <paramref name="events"/> to the audit chain in the same transaction. On success the stored (and
    /// <paramref name="state"/>'s) revision is <paramref name="expectedRevision"/> + 1 and each event has its
    /// sequence and hashes; on a conflict nothing is written and the result is false.
    /// </summary>
    Task<bool> TrySaveStateAsync(GovernanceState state, long expectedRevision, IReadOnlyList<AuditRecord> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// The catalogue hash saved with the state (<see cref="GovernanceState.CatalogHash"/>), read without loading
    /// the state: start-up can skip the catalogue sync when it equals the running catalogue's.
    /// </summary>
    Task<string?> GetCatalogHashAsync(CancellationToken cancellationToken = default) => GetCatalogHashFromStateAsync(this, cancellationToken);

    /// <summary>
    /// Checks the whole audit chain: links, seals (with the audit keys), indexed columns, the head, and the
    /// checkpoints written outside the store; the result says what was checked and what cannot be proven.
    /// </summary>
    /// <remarks>
    /// <paramref name="progress"/>, when given, hears how many records have been checked as it goes (every few
    /// thousand, and at the end): for a caller that shows progress on a long log.
    /// </remarks>
    async Task<AuditVerification> VerifyAuditAsync(IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        await AuditChain.VerifyAsync(ReadAuditAsync(0, cancellationToken), await GetAuditHeadAsync(cancellationToken).ConfigureAwait(false), null, null, cancellationToken, progress, GetAuditHeadAsync, readAfter: ReadAuditAsync).ConfigureAwait(false);

    /// <summary>Checks the whole audit chain (see <see cref="VerifyAuditAsync(IProgress{long}, CancellationToken)"/>).</summary>
    Task<AuditVerification> VerifyAuditAsync(CancellationToken cancellationToken) => VerifyAuditAsync(null, cancellationToken);

    /// <summary>
    /// Appends one record to the audit chain; when the task completes the record is durable and its sequence and
    /// hashes are set. Concurrent appends may share one transaction and one flush to disk.
    /// </summary>
    Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default);

    /// <summary>The stored audit rows with a sequence greater than <paramref name="afterSequence"/>, in order.</summary>
    IAsyncEnumerable<AuditRow> ReadAuditAsync(long afterSequence = 0, CancellationToken cancellationToken = default);

    /// <summary>
    /// The stored audit row with sequence <paramref name="sequence"/>, as it is stored (null when there is none): what a
    /// record's detail shows, one row, not a page of them.
    /// </summary>
    /// <remarks>
    /// The default reads it as the first row of <see cref="ReadAuditAsync"/> after <paramref name="sequence"/> - 1 (a store
    /// that reads by pages fetches a page for it); <see cref="DbGovernanceStore"/> reads the one row by its primary key.
    /// </remarks>
    async Task<AuditRow?> ReadAuditRecordAsync(long sequence, CancellationToken cancellationToken = default)
    {
        if (sequence < 1)
        {
            return null;
        }

        await foreach (var row in ReadAuditAsync(sequence - 1, cancellationToken).ConfigureAwait(false))
        {
            return row.Sequence == sequence ? row : null;
        }

        return null;
    }

    /// <summary>The chain head: the last sequence and its hash ((0, genesis) when empty).</summary>
    Task<(long Sequence, string Hash)> GetAuditHeadAsync(CancellationToken cancellationToken = default);

    private static async Task<string?> GetCatalogHashFromStateAsync(IGovernanceStore store, CancellationToken cancellationToken) =>
        (await store.LoadStateAsync(cancellationToken).ConfigureAwait(false)).CatalogHash;
}
