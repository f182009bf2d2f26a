using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server;
using Auth0Mcp.Server.Tests.Http;
using Microsoft.Data.Sqlite;

namespace Auth0Mcp.Admin.Tests;

/// <summary>The console's index of the audit chain over records edited by hand.</summary>
public sealed class AuditIndexTests
{
    [Fact]
    public async Task Refresh_BodiesEmptiedOrNotJson_ListedAsUnreadableAndEveryOtherRecordIndexed()
    {
        // One unreadable record stopped the index (and with it the console's start, AdminStartup): it is listed instead.
        using var governance = new TempGovernance();
        await governance.RunAsync("tools", "approve", "auth0_users_list");
        await governance.RunAsync("kill-switch", "on");
        await CorruptAsync(governance.Store, "UPDATE audit_log SET body = '' WHERE seq = 1; UPDATE audit_log SET body = 'not json' WHERE seq = 2");
        await using var store = GovernanceStores.Open(governance.Store);
        var index = new AuditIndex(new ToolGovernance(store));

        await index.RefreshAsync();
        var all = index.Query(new AuditFilter(), null, 1000).Entries;
        var byUser = index.Query(new AuditFilter(User: "test-admin"), null, 1000).Entries;

        var head = (await store.GetAuditHeadAsync()).Sequence;
        Assert.Equal(head, index.Count);
        Assert.Equal([1L, 2], all.Where(e => e.Unreadable).Select(e => e.Sequence).Order());
        Assert.All(all.Where(e => e.Sequence > 2), e => Assert.False(e.Unreadable));
        Assert.Contains(all, e => e.Event == "killswitch.on");
        Assert.DoesNotContain(byUser, e => e.Unreadable); // no sealed user to match
        Assert.Null(await index.ReadAsync(2));
        Assert.Equal("not json", (await index.ReadRowAsync(2))!.Body);
        Assert.NotNull(await index.ReadAsync(3));
    }

    internal static async Task CorruptAsync(string store, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={store};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
