using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Server;

/// <summary>
/// The server's one place for choosing and opening the governance store from its settings: <c>AUTH0_MCP_STORE</c> (or
/// <c>Governance:Store</c>) is a PostgreSQL connection string or a SQLite file path, and the audit seal comes from
/// <c>AUTH0_MCP_AUDIT_KEY</c>, <c>AUTH0_MCP_AUDIT_KEY_FILE</c> and <c>AUTH0_MCP_AUDIT_CHECKPOINTS</c>. The libraries
/// read no environment; hosts choose in code (<c>g.UseSqlite(path)</c>, <c>g.UsePostgres(connectionString)</c>).
/// </summary>
internal static class GovernanceStores
{
    /// <summary>The default SQLite file: <c>auth0-mcp/governance.db</c> under the user's local application data.</summary>
    public static string DefaultSqlitePath => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
        "auth0-mcp",
        "governance.db");

    /// <summary>Opens the store <paramref name="location"/> names (null or blank: <see cref="DefaultSqlitePath"/>).</summary>
    public static IGovernanceStore Open(string? location)
    {
        location = string.IsNullOrWhiteSpace(location) ? DefaultSqlitePath : location;
        var seal = SealFromEnvironment();
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

    /// <summary>The audit key and checkpoint file the environment names (unset: the store's defaults).</summary>
    public static AuditSealOptions SealFromEnvironment()
    {
        static string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
        return new AuditSealOptions
        {
            Keys = Get("AUTH0_MCP_AUDIT_KEY") is { } inline ? AuditKeyRing.Parse(inline, "environment variable AUTH0_MCP_AUDIT_KEY") : null,
            KeyFile = Get("AUTH0_MCP_AUDIT_KEY_FILE"),
            CheckpointFile = Get("AUTH0_MCP_AUDIT_CHECKPOINTS"),
        };
    }
}
