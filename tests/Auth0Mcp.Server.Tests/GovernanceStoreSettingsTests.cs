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
    [InlineData("Host = 127.0.0.1; Port = 5432; Username = u; Password = P; Database = d", true)]
    [InlineData("Database=d;Username=u;Password=P", true)]
    [InlineData("  server = db.internal ;database=gov", true)]
    [InlineData("/var/lib/auth0-mcp/governance.db", false)]
    [InlineData("governance.db", false)]
    [InlineData("/data/a=b/governance.db", false)]
    [InlineData("C:\\data;backup\\governance.db", false)]
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

    [Theory]
    [InlineData("Host=localhost;Port=abc;Username=u;Password=SecretPw1", "(the value of 'port' is not valid)")]
    [InlineData("Host=localhost;Username=u;Passwrd=SecretPw1", "('passwrd' is not a keyword Npgsql knows)")]
    [InlineData("Username=u;Passwrd=SecretPw1", "('passwrd' is not a keyword Npgsql knows)")]
    [InlineData("Database=d;Username=u;Password=SecretPw1", "(it has no 'Host')")]
    [InlineData("Host=x;Minimum Pool Size=10;Maximum Pool Size=2;Password=SecretPw1", "(Npgsql refuses its settings together")]
    [InlineData("Host=x;Maximum Pool Size=1;Password=SecretPw1", "'Maximum Pool Size' is 1, but the governance store needs at least 2 pooled connections: its audit writer keeps one open")]
    [InlineData("Host=x;maximum pool size = 1;Password=SecretPw1", "'Maximum Pool Size' is 1, but the governance store needs at least 2")]
    [InlineData("gov.db;Password=SecretPw1", "not a valid PostgreSQL connection string (")]
    [InlineData("Host=x;SecretPw1", "not a valid PostgreSQL connection string (it is not Keyword=value pairs separated by ';'")]
    [InlineData("postgresql://u:SecretPw1@localhost:5999/db", "a postgres:// URL is not accepted: write the PostgreSQL store as a connection string of keywords")]
    [InlineData(" postgres://u:SecretPw1@localhost/db", "a postgres:// URL is not accepted")]
    [InlineData("Host=db.invalid Password=SecretPw1", "(the value of 'Host' is not a host name")] // a ';' missing: the description showed the host
    [InlineData("Host=db.invalid,Password=SecretPw1", "(the value of 'Host' is not a host name")]
    [InlineData("Host=db.invalid\nPassword=SecretPw1", "(the value of 'Host' is not a host name")]
    public void Problem_ConnectionStringThatCannotBeUsed_NamesTheKeywordNeverTheValue(string location, string expected)
    {
        var problem = GovernanceStores.Problem(location);

        Assert.NotNull(problem);
        Assert.StartsWith("Governance:Store (AUTH0_MCP_STORE): ", problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SecretPw1", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    [InlineData("governance.db")]
    [InlineData("/var/lib/auth0-mcp/gov=1.db")]
    [InlineData("Host=127.0.0.1;Database=gov;Username=u;Password=p")]
    [InlineData("Host = 127.0.0.1; Port = 5432; Username = u; Password = P; Database = d")]
    [InlineData("Host=x;Maximum Pool Size=2")]
    [InlineData("Host=x;Pooling=false;Maximum Pool Size=1")] // no pool: the writer's connection is its own
    public void Problem_StoreThatCanBeOpened_None(string? location) => Assert.Null(GovernanceStores.Problem(location));

    [Fact]
    public async Task Open_ConnectionStringWithSpaces_IsPostgresNotAFileNamedAfterIt()
    {
        const string Location = "Host = 127.0.0.1; Port = 5432; Username = u; Password = SecretPw1; Database = gov";

        await using var store = GovernanceStores.Open(Location);

        Assert.IsType<PostgresGovernanceStore>(store);
        Assert.Equal("PostgreSQL 127.0.0.1:5432/gov", store.Description);
        Assert.False(File.Exists(Location));
    }

    [Fact]
    public void Open_PoolOfOneConnection_RefusedNamingTheKeyword()
    {
        // The writer would keep the only pooled connection: every call would wait out the pool's timeout and be refused.
        var ex = Assert.Throws<UsageException>(() => GovernanceStores.Open("Host=127.0.0.1;Database=gov;Username=u;Password=SecretPw1;Maximum Pool Size=1"));

        Assert.Contains("Governance:Store (AUTH0_MCP_STORE): 'Maximum Pool Size' is 1", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SecretPw1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_PathThatLooksLikeAConnectionString_RefusedAndNoFileIsMade()
    {
        var dir = Directory.CreateTempSubdirectory("auth0mcp-store-").FullName;
        try
        {
            var location = Path.Combine(dir, "Host=x;Port=abc;Password=SecretPw1");

            var ex = Assert.Throws<UsageException>(() => GovernanceStores.Open(location));

            Assert.Contains("not a valid PostgreSQL connection string", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("SecretPw1", ex.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
