namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The outcome of a store's latest write (<see cref="DbGovernanceStore.LatestWrite"/>): when it ended, and the fault
/// that failed it (null: it was committed and made durable). What readiness (<c>/readyz</c>) reads without writing:
/// while the store cannot take writes (disk full, another process holding the write lock) its reads still answer, yet
/// every call is refused because its audit intent cannot be written.
/// </summary>
/// <param name="Time">When the write ended (UTC).</param>
/// <param name="Fault">Why it failed, naming the store; null when it succeeded.</param>
internal sealed record StoreWriteOutcome(DateTimeOffset Time, GovernanceStoreException? Fault)
{
    /// <summary>Whether the write failed.</summary>
    public bool Failed => Fault is not null;
}
