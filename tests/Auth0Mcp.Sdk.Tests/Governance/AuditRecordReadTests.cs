using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// <see cref="IGovernanceStore.ReadAuditRecordAsync"/>: the one stored row a record's detail shows (the admin console's
/// record page), by its sequence, on every store; and its default for a store that does not override it.
/// </summary>
public sealed class AuditRecordReadTests
{
    [Theory, SqliteStore, PostgresStore]
    public async Task ReadAuditRecord_EachSequence_ThatRowAsStored_NoneOutsideTheChainOrInAGap(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        for (var i = 0; i < 6; i++)
        {
            await store.AppendAuditAsync(Call("u" + i));
        }

        var rows = new List<AuditRow>();
        await foreach (var row in store.ReadAuditAsync())
        {
            rows.Add(row);
        }

        // Record 4 deleted by hand: its detail is "none", not record 5.
        await fixture.ExecuteAsync("DELETE FROM audit_log WHERE seq = 4");

        foreach (var expected in rows.Where(r => r.Sequence != 4))
        {
            var read = await store.ReadAuditRecordAsync(expected.Sequence);
            Assert.Equal(expected, read);
            Assert.Equal(expected.Columns, read!.Columns);
        }

        Assert.Null(await store.ReadAuditRecordAsync(4));
        Assert.Null(await store.ReadAuditRecordAsync(0));
        Assert.Null(await store.ReadAuditRecordAsync(-1));
        Assert.Null(await store.ReadAuditRecordAsync(7));
    }

    [Fact]
    public async Task ReadAuditRecord_StoreWithoutIt_TheDefaultReadsTheRowFromTheRange()
    {
        await using var fixture = await StoreFixture.CreateAsync("sqlite");
        await using var inner = await fixture.OpenAsync();
        for (var i = 0; i < 3; i++)
        {
            await inner.AppendAuditAsync(Call("u" + i));
        }

        IGovernanceStore store = new RangeOnly(inner);

        Assert.Equal("u1", AuditChain.Read((await store.ReadAuditRecordAsync(2))!).User);
        Assert.Null(await store.ReadAuditRecordAsync(4));
        Assert.Null(await store.ReadAuditRecordAsync(0));
    }

    private static AuditRecord Call(string user) => new()
    {
        Time = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero),
        Kind = AuditKinds.Call,
        Event = "tool.call",
        User = user,
        Tool = "auth0_users_list",
        Outcome = AuditOutcomes.Success,
    };

    /// <summary>A store that has only the interface's default for the one-row read.</summary>
    private sealed class RangeOnly(IGovernanceStore inner) : DelegatingGovernanceStore(inner);
}
