using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server;
using Auth0Mcp.Server.Tests.Http;
using Xunit.Abstractions;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// What the console's audit index holds a record: its entries share one instance of each column's text, so a record
/// costs its entry's own fields. Serial (<see cref="AuditIndexMemory"/>): the measurement reads the whole process's heap.
/// </summary>
[Collection(nameof(AuditIndexMemory))]
public sealed class AuditIndexMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Refresh_RecordsWithEqualColumns_EntriesShareOneInstanceOfEachString()
    {
        using var governance = new TempGovernance();
        await using var store = GovernanceStores.Open(governance.Store);
        await store.InitializeAsync();
        var record = () => new AuditRecord
        {
            Time = DateTimeOffset.UnixEpoch,
            Kind = AuditKinds.Call,
            Event = "tool.call",
            User = "alice",
            Tool = "auth0_users_delete",
            Outcome = AuditOutcomes.Denied,
            DenialCode = DenialCodes.NotInProfile,
        };
        var state = await store.LoadStateAsync();
        Assert.True(await store.TrySaveStateAsync(state, state.Revision, [record(), record()]));
        var index = new AuditIndex(new ToolGovernance(store));

        await index.RefreshAsync();

        var entries = index.Query(new AuditFilter(), null, 10).Entries;
        Assert.Equal(2, entries.Count);
        var (a, b) = (entries[0], entries[1]);
        // The store gives each record its own copies: the index is what shares them.
        var (ra, rb) = ((await index.ReadAsync(a.Sequence))!, (await index.ReadAsync(b.Sequence))!);
        Assert.Equal(ra.Tool, rb.Tool);
        Assert.False(ReferenceEquals(ra.Tool, rb.Tool));
        Assert.Same(a.Kind, b.Kind);
        Assert.Same(a.Event, b.Event);
        Assert.Same(a.User, b.User);
        Assert.Same(a.Tool, b.Tool);
        Assert.Same(a.Outcome, b.Outcome);
        Assert.Same(a.DenialCode, b.DenialCode);
        Assert.NotNull(a.DenialCode);
        Assert.Equal(ra.Time, a.Time);
    }

    /// <summary>
    /// The figure docs/admin.md gives: the managed heap (<see cref="GC.GetTotalMemory"/> after a full collection) before
    /// and after indexing 50,000 call records (50 users, 40 tools, half of them outcomes linked to their intent), once
    /// the index has been warmed with 1,000.
    /// </summary>
    [Fact]
    public async Task Refresh_FiftyThousandRecords_HoldAbout120BytesARecord()
    {
        const int Records = 50_000;
        using var governance = new TempGovernance();
        await using var store = GovernanceStores.Open(governance.Store);
        await store.InitializeAsync();
        await AppendAsync(store, 0, 1_000, intents: true);
        var index = new AuditIndex(new ToolGovernance(store));
        await index.RefreshAsync();
        for (var done = 1_000; done < 1_000 + Records; done += 10_000)
        {
            await AppendAsync(store, done, 10_000, intents: true);
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        await index.RefreshAsync();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(index);

        var perRecord = (after - before) / (double)Records;
        output.WriteLine($"audit index: {perRecord:F1} bytes a record ({after - before:N0} bytes for {Records:N0} records)");
        Assert.Equal(1_000 + Records, index.Count);
        Assert.InRange(perRecord, 1, 160);
    }

    /// <summary>Appends <paramref name="count"/> call records, the first numbered <paramref name="first"/>; with <paramref name="intents"/>, each odd one is the outcome of the one before.</summary>
    private static async Task AppendAsync(IGovernanceStore store, int first, int count, bool intents)
    {
        var head = (await store.GetAuditHeadAsync()).Sequence;
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var batch = new List<AuditRecord>(count);
        for (var i = first; i < first + count; i++)
        {
            var denied = i % 10 == 0;
            batch.Add(new AuditRecord
            {
                Time = start.AddSeconds(i),
                Kind = AuditKinds.Call,
                Event = "tool.call",
                User = "user-" + (i % 50),
                Tool = "auth0_tool_" + (i % 40),
                Arguments = "{\"per_page\":2}",
                Outcome = denied ? AuditOutcomes.Denied : AuditOutcomes.Success,
                DenialCode = denied ? DenialCodes.NotInProfile : null,
                IntentSequence = intents && i % 2 == 1 ? head + (i - first) : null,
            });
        }

        var state = await store.LoadStateAsync();
        Assert.True(await store.TrySaveStateAsync(state, state.Revision, batch));
    }
}

/// <summary>Serial: <see cref="AuditIndexMemoryTests"/> measures the whole process's heap, which a test beside it would change.</summary>
[CollectionDefinition(nameof(AuditIndexMemory), DisableParallelization = true)]
public sealed class AuditIndexMemory;
