using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Server;

/// <summary>
/// The server's one place for choosing and opening the governance store from its settings: <c>Governance:Store</c>
/// (<c>AUTH0_MCP_STORE</c>) is a PostgreSQL connection string or a SQLite file path, and the audit seal comes from
/// <c>Governance:AuditKey</c>, <c>:AuditKeyFile</c> and <c>:AuditCheckpoints</c> (<c>AUTH0_MCP_AUDIT_KEY</c>, …). The
/// libraries read no environment; hosts choose in code (<c>g.UseSqlite(path)</c>, <c>g.UsePostgres(connectionString)</c>).
/// </summary>
internal static class GovernanceStores
{
    /// <summary>The default SQLite file: <c>auth0-mcp/governance.db</c> under the user's local application data.</summary>
    public static string DefaultSqlitePath => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
        "auth0-mcp",
        "governance.db");

    /// <summary>Opens the store <paramref name="settings"/> name, sealed with their audit key and checkpoint file.</summary>
    public static IGovernanceStore Open(GovernanceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Open(settings.Store, new AuditSealOptions
        {
            Keys = settings.AuditKey is { Length: > 0 } inline ? AuditKeyRing.Parse(inline, "Governance:AuditKey (AUTH0_MCP_AUDIT_KEY)") : null,
            KeyFile = settings.AuditKeyFile is { Length: > 0 } keyFile ? keyFile : null,
            CheckpointFile = settings.AuditCheckpoints is { Length: > 0 } checkpoints ? checkpoints : null,
        });
    }

    /// <summary>Opens the store <paramref name="location"/> names (null or blank: <see cref="DefaultSqlitePath"/>).</summary>
    public static IGovernanceStore Open(string? location, AuditSealOptions? seal = null)
    {
        location = string.IsNullOrWhiteSpace(location) ? DefaultSqlitePath : location;
        seal ??= new AuditSealOptions();
        return IsPostgres(location) ? new PostgresGovernanceStore(location, seal) : new SqliteGovernanceStore(location, seal);
    }

    /// <summary>Whether <paramref name="location"/> is a PostgreSQL connection string rather than a file path.</summary>
    public static bool IsPostgres(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var text = location.TrimStart();
        return text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || text.Contains("Host=", StringComparison.OrdinalIgnoreCase)
            || text.Contains("Server=", StringComparison.OrdinalIgnoreCase);
    }
}
