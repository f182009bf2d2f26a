namespace Auth0Mcp.Sdk.Governance;

/// <summary>Chooses the SQLite store for tool governance.</summary>
public static class SqliteGovernanceOptionsExtensions
{
    /// <summary>
    /// Keeps governance in the SQLite file at <paramref name="path"/>, created on first use; the audit key and the
    /// signed checkpoints go beside it unless <paramref name="seal"/> says otherwise.
    /// </summary>
    /// <param name="options">The governance options.</param>
    /// <param name="path">The database file.</param>
    /// <param name="seal">Where the audit key and checkpoints are (null: beside the file).</param>
    /// <returns>The options.</returns>
    public static ToolGovernanceOptions UseSqlite(this ToolGovernanceOptions options, string path, AuditSealOptions? seal = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return options.UseStore(_ => new SqliteGovernanceStore(path, seal));
    }
}
