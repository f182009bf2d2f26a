using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Server.Tests;

/// <summary>The server chooses the store from AUTH0_MCP_STORE: a PostgreSQL connection string, else a SQLite file.</summary>
public sealed class GovernanceStoreSettingsTests
{
    [Theory]
    [InlineData("Host=127.0.0.1;Database=gov;Username=u", true)]
    [InlineData("Server=db.internal;Database=gov", true)]
    [InlineData("postgresql://u@localhost/db", true)]
    [InlineData("postgres://u@localhost/db", true)]
    [InlineData("/var/lib/auth0-mcp/governance.db", false)]
    [InlineData("governance.db", false)]
    public void IsPostgres_Location_TellsConnectionStringsFromPaths(string location, bool postgres) =>
        Assert.Equal(postgres, GovernanceStores.IsPostgres(location));

    [Fact]
    public async Task Open_Location_OpensTheMatchingStore()
    {
        var file = Path.Combine(Path.GetTempPath(), "auth0mcp-" + Guid.NewGuid().ToString("N"), "governance.db");
        await using (var sqlite = GovernanceStores.Open(file))
        {
            var store = Assert.IsType<SqliteGovernanceStore>(sqlite);
            Assert.Equal(file, store.Path);
        }

        await using (var postgres = GovernanceStores.Open("Host=127.0.0.1;Database=gov;Username=u"))
        {
            Assert.IsType<PostgresGovernanceStore>(postgres);
            Assert.Contains("127.0.0.1", postgres.Description, StringComparison.Ordinal);
        }

        await using var fallback = GovernanceStores.Open("  ");
        Assert.Equal(GovernanceStores.DefaultSqlitePath, Assert.IsType<SqliteGovernanceStore>(fallback).Path);
    }
}
