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

    [Theory]
    [InlineData("2026-12-05T21:53", "2026-12-05T21:53:00.0000000", "2026-12-05T21:53:59.9999999", "2026-12-05T21:53")]
    [InlineData("2026-12-05 21:53:46", "2026-12-05T21:53:46.0000000", "2026-12-05T21:53:46.9999999", "2026-12-05T21:53:46")]
    [InlineData("2026-12-05T21:53:46.5", "2026-12-05T21:53:46.5000000", "2026-12-05T21:53:46.5999999", "2026-12-05T21:53:46.5")]
    [InlineData("2026-12-05T21:53:46.1234567", "2026-12-05T21:53:46.1234567", "2026-12-05T21:53:46.1234567", "2026-12-05T21:53:46.1234567")]
    [InlineData("2026-12-05", "2026-12-05T00:00:00.0000000", "2026-12-05T23:59:59.9999999", "2026-12-05")]
    [InlineData("2026-12-05T23:53+02:00", "2026-12-05T21:53:00.0000000", "2026-12-05T21:53:59.9999999", "2026-12-05T21:53")]
    [InlineData("2026-12-05T21:53:46Z", "2026-12-05T21:53:46.0000000", "2026-12-05T21:53:46.9999999", "2026-12-05T21:53:46")]
    public void AuditTime_NamesTheWholeUnitGiven_UtcAndKeptToThatUnitInLinks(string given, string start, string end, string text)
    {
        Assert.True(AuditTime.TryParse(given, out var time));
        Assert.Equal(start, time.Start.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('Z'));
        Assert.Equal(end, time.End.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('Z'));
        Assert.Equal(text, time.Text);
        Assert.True(AuditTime.TryParse(time.Text, out var again));
        Assert.Equal(time, again); // a link's value is the same filter
    }

    [Fact]
    public void AuditTime_InputValues_HoldWhatADateTimeLocalInputCan_NeverNarrowingTheRange()
    {
        Assert.True(AuditTime.TryParse("2026-12-05", out var day));
        Assert.Equal("2026-12-05T00:00", day.InputValue(isEnd: false));
        Assert.Equal("2026-12-05T23:59", day.InputValue(isEnd: true)); // to that minute: the end of the day
        Assert.True(AuditTime.TryParse("2026-12-05T21:53:46.1234567", out var ticks));
        Assert.Equal("2026-12-05T21:53:46.123", ticks.InputValue(isEnd: true));
        Assert.Equal("0.001", ticks.Step);
        Assert.False(AuditTime.TryParse("yesterday", out _));
        Assert.False(AuditTime.TryParse("05/12/2026 21:53", out _));
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
