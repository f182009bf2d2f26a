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
