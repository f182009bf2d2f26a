namespace Auth0Mcp.Sdk.Governance;

/// <summary>Chooses the PostgreSQL store for tool governance.</summary>
public static class PostgresGovernanceOptionsExtensions
{
    /// <summary>
    /// Keeps governance in the PostgreSQL database <paramref name="connectionString"/> names (Npgsql syntax, e.g.
    /// <c>Host=…;Database=…;Username=…</c>); several server instances may share it.
    /// </summary>
    /// <param name="options">The governance options.</param>
    /// <param name="connectionString">The database.</param>
    /// <param name="seal">Where the audit key and checkpoints are (null: the user's configuration directory).</param>
    /// <returns>The options.</returns>
    public static ToolGovernanceOptions UsePostgres(this ToolGovernanceOptions options, string connectionString, AuditSealOptions? seal = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return options.UseStore(_ => new PostgresGovernanceStore(connectionString, seal));
    }
}
