using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>Opens the store a test names: a PostgreSQL connection string (AUTH0_MCP_TEST_POSTGRES) or a SQLite file path.</summary>
internal static class TestStores
{
    public static IGovernanceStore Open(string location, AuditSealOptions? seal = null) =>
        location.Contains("Host=", StringComparison.OrdinalIgnoreCase)
            ? new PostgresGovernanceStore(location, seal)
            : new SqliteGovernanceStore(location, seal);
}

/// <summary>
/// A store that hands every member to <paramref name="inner"/>; a test's store overrides the one or two it changes
/// (a slow save, a failing append, a recorded order). The interface's default members stay the interface's.
/// </summary>
internal abstract class DelegatingGovernanceStore(IGovernanceStore inner) : IGovernanceStore
{
    protected IGovernanceStore Inner => inner;

    public string Description => inner.Description;

    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public Task OpenReadOnlyAsync(CancellationToken cancellationToken = default) => inner.OpenReadOnlyAsync(cancellationToken);

    public virtual Task<long> GetRevisionAsync(CancellationToken cancellationToken = default) => inner.GetRevisionAsync(cancellationToken);

    public virtual Task<(long Revision, string? ETag)> GetStateVersionAsync(CancellationToken cancellationToken = default) => inner.GetStateVersionAsync(cancellationToken);

    public Task<GovernanceState> LoadStateAsync(CancellationToken cancellationToken = default) => inner.LoadStateAsync(cancellationToken);

    public virtual Task<bool> TrySaveStateAsync(GovernanceState state, long expectedRevision, IReadOnlyList<AuditRecord> events, CancellationToken cancellationToken = default) =>
        inner.TrySaveStateAsync(state, expectedRevision, events, cancellationToken);

    public virtual Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default) => inner.AppendAuditAsync(record, cancellationToken);

    public virtual IAsyncEnumerable<AuditRow> ReadAuditAsync(long afterSequence = 0, CancellationToken cancellationToken = default) => inner.ReadAuditAsync(afterSequence, cancellationToken);

    public Task<(long Sequence, string Hash)> GetAuditHeadAsync(CancellationToken cancellationToken = default) => inner.GetAuditHeadAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
