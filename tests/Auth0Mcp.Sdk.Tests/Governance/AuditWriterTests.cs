using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// The audit writer against its own store: the chain's end checked at every write (the record the head names must be
/// there with the head's seal), half of the chain never made anew, and a connection the database closed while idle
/// replaced for the next batch; on SQLite and PostgreSQL.
/// </summary>
public sealed class AuditWriterTests
{
    private static AuditRecord Call(string user) => new()
    {
        Time = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero),
        Kind = AuditKinds.Call,
        Event = "tool.call",
        User = user,
        Tool = "auth0_users_list",
        Outcome = AuditOutcomes.Success,
    };

    private static async Task<IGovernanceStore> SeedAsync(StoreFixture fixture, int records)
    {
        var store = await fixture.OpenAsync();
        for (var i = 0; i < records; i++)
        {
            await store.AppendAuditAsync(Call("user" + i)); // one batch and one checkpoint each: the floor is the head
        }

        return store;
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Writer_NewestRecordsDeletedBehindTheHead_RefusesToWriteOnAndSaysSo(string kind)
    {
        // The head row left as it was: the checkpoint file names the head's record, so only the head's own record
        // being absent shows the deletion. Written on, new records would take the deleted ones' numbers.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 5);
        await fixture.ExecuteAsync("DELETE FROM audit_log WHERE seq > 2");

        var running = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("after")));
        var saved = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.TrySaveStateAsync(new GovernanceState(), 0, [Call("change")]));
        await using var restarted = await fixture.OpenAsync();
        var atStart = await Assert.ThrowsAsync<GovernanceStoreException>(() => ((DbGovernanceStore)restarted).PrepareToWriteAsync(CancellationToken.None));

        Assert.Contains("the audit head names record 5, but the audit log has no record 5: records were deleted from (or rewritten at) the end of the chain, so nothing is written", running.Message, StringComparison.Ordinal);
        Assert.Equal(running.Message, saved.Message);
        Assert.Equal(running.Message, atStart.Message); // the server stops at start with the writer's words
        Assert.Equal("2", await fixture.ScalarAsync("SELECT COUNT(*) FROM audit_log"));
        Assert.Equal("0", await fixture.ScalarAsync("SELECT COUNT(*) FROM governance_state"));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Writer_AuditLogEmptiedBehindTheHead_RefusesToWriteOn(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 3);
        await fixture.ExecuteAsync(kind == "sqlite" ? "DELETE FROM audit_log" : "TRUNCATE audit_log");

        var refused = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("after")));

        Assert.Contains("the audit head names record 3, but the audit log has no record 3", refused.Message, StringComparison.Ordinal);
        Assert.Equal("0", await fixture.ScalarAsync("SELECT COUNT(*) FROM audit_log"));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Writer_HeadsRecordCarriesAnotherSeal_RefusesToWriteOn(string kind)
    {
        // The newest record replaced by another (the head not moved): the record is there, under another seal.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 3);
        await fixture.ExecuteAsync("UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE seq = 2) WHERE seq = 3");

        var refused = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("after")));

        Assert.Contains("the audit head names record 3, but the audit log holds record 3 with another seal", refused.Message, StringComparison.Ordinal);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Initialize_AuditLogDroppedWhileTheHeadNamesRecords_RefusesToMakeItAgainEmpty(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using (var store = await SeedAsync(fixture, 3))
        {
            await fixture.ExecuteAsync("DROP TABLE audit_log");
            var running = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("after")));
            Assert.Contains("audit_log", running.Message, StringComparison.Ordinal);
        }

        var restart = await Assert.ThrowsAsync<GovernanceStoreException>(fixture.OpenAsync);

        Assert.Contains("cannot create the governance schema: the table audit_log is missing but the audit head names record 3 (the audit records were dropped), so it is not made again empty", restart.Message, StringComparison.Ordinal);
        Assert.Equal("0", await fixture.ScalarAsync(kind == "sqlite"
            ? "SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_log'"
            : "SELECT COUNT(*) FROM pg_class WHERE relname = 'audit_log'"));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Initialize_HeadDroppedWhileTheLogHoldsRecords_RefusesToStartTheChainOver(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using (await SeedAsync(fixture, 3))
        {
        }

        await fixture.ExecuteAsync("DROP TABLE audit_head");

        var restart = await Assert.ThrowsAsync<GovernanceStoreException>(fixture.OpenAsync);

        Assert.Contains("the audit head is missing but audit_log holds records up to 3 (the head was dropped)", restart.Message, StringComparison.Ordinal);
    }

    [Theory, PostgresStore]
    public async Task Writer_ConnectionTheDatabaseClosedWhileIdle_NextBatchIsWrittenOnANewOne(string kind)
    {
        // A restart, pg_terminate_backend, idle_session_timeout or a proxy's idle timeout closes the writer's kept
        // connection; the database is up, so the next batch must not fail (a call's intent refused, or a call Auth0
        // executed with its result withheld). The failed attempt rolled back with its session: written once.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 1);
        Assert.NotEqual("0", await fixture.ScalarAsync(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"));

        await store.AppendAuditAsync(Call("after the session was closed"));
        Assert.True(await store.TrySaveStateAsync(new GovernanceState(), 0, [Call("a change")]));

        await using var other = await fixture.OpenAsync();
        var verification = await other.VerifyAuditAsync();
        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
        Assert.Equal(3, verification.Count);
        Assert.Equal("1", await fixture.ScalarAsync("SELECT revision FROM governance_state"));
    }

    [Theory, PostgresStore]
    public async Task Reads_ConnectionTheDatabaseClosedWhileIdle_AnsweredOnANewOne(string kind)
    {
        // The per-call reads (the state's version, then the state) take pooled connections, which the pool hands out
        // unchecked: a session the database ended while idle must not refuse the first call after it.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 1);
        Assert.True(await store.TrySaveStateAsync(new GovernanceState(), 0, [Call("a change")]));
        var before = await store.GetStateVersionAsync();
        Assert.NotEqual("0", await fixture.ScalarAsync(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"));

        Assert.Equal(before, await store.GetStateVersionAsync());
        Assert.NotEqual("0", await fixture.ScalarAsync(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"));
        Assert.Equal(1, (await store.LoadStateAsync()).Revision);
    }
}
