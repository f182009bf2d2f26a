using System.Globalization;
using System.Runtime.CompilerServices;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server;
using Auth0Mcp.Server.Tests.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// The console's audit index on a large audit (review AS, 3 million records): the host serves while the index is first
/// read, one administrator's long search holds up no other page, and a record's detail reads its one row.
/// </summary>
public sealed class AuditIndexAtScaleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>An Auth0 that is not called (nothing here calls a tool).</summary>
    private static readonly Uri Nowhere = new("http://127.0.0.1:9/api/v2");

    [Fact]
    public async Task Start_IndexReadBlocked_HostAnswersHealthzAndMcpAndTheAuditPageSaysItIsIndexing_ThenListsTheRecords()
    {
        // The index was read in the hosted service's StartAsync: the host listened only after every record was read (80 s
        // on 3 million), and a stop meanwhile failed the start. The reading is a gate here, closed until the test opens it.
        using var governance = new TempGovernance();
        await governance.RunAsync("tools", "approve", "auth0_users_list");
        var store = new GatedStore(GovernanceStores.Open(governance.Store));
        var head = (await store.GetAuditHeadAsync()).Sequence;
        try
        {
            await using var server = await ConsoleServer.StartAsync(Nowhere, services: s => s.AddSingleton<IGovernanceStore>(store), waitForIndex: false).WaitAsync(Patience);
            await store.Entered.WaitAsync(Patience);
            using var http = new HttpClient();
            var healthz = await http.GetStringAsync(new Uri(server.Server.Url, "/healthz"));
            await using (var client = await server.Server.ConnectAsync(new Dictionary<string, string> { ["X-API-Key"] = ConsoleServer.AliceKey }).WaitAsync(Patience))
            {
                Assert.NotNull(client.ServerInfo);
            }

            using var browser = new HttpBrowser();
            await browser.SignInAsync(server.Admin, ConsoleServer.AdminKey);
            var indexing = await browser.PageAsync(server.Admin + "/audit");
            var index = server.Server.App.Services.GetRequiredService<AuditIndex>();

            Assert.Equal("ok", healthz);
            Assert.Contains("data-testid=\"indexing\"", indexing, StringComparison.Ordinal);
            Assert.True(index.Progress.Of >= head);
            Assert.Contains($"Indexing the audit: 0 of {index.Progress.Of.ToString("N0", CultureInfo.InvariantCulture)} records read", indexing, StringComparison.Ordinal);
            Assert.DoesNotContain("data-seq=", indexing, StringComparison.Ordinal);
            Assert.False(index.Ready.IsCompleted);

            store.Open();
            await ConsoleServer.IndexedAsync(server.Server.App.Services);
            var listed = await browser.PageAsync(server.Admin + "/audit");

            Assert.DoesNotContain("data-testid=\"indexing\"", listed, StringComparison.Ordinal);
            Assert.True(index.Count > head);
            Assert.Contains($"data-seq=\"{index.LastSequence}\"", listed, StringComparison.Ordinal);
            Assert.Contains("tool.content", listed, StringComparison.Ordinal); // the start's records, written once the index was read
        }
        finally
        {
            store.Open();
        }
    }

    [Fact]
    public async Task Stop_WhileTheIndexIsRead_IsANormalStop()
    {
        // A SIGTERM during the reading exited 1 ("Hosting failed to start", TaskCanceledException).
        using var governance = new TempGovernance();
        await governance.RunAsync("tools", "approve", "auth0_users_list");
        var store = new GatedStore(GovernanceStores.Open(governance.Store));
        try
        {
            await using var server = await ConsoleServer.StartAsync(Nowhere, services: s => s.AddSingleton<IGovernanceStore>(store), waitForIndex: false).WaitAsync(Patience);
            await store.Entered.WaitAsync(Patience);

            await server.Server.App.StopAsync().WaitAsync(Patience);

            Assert.True(store.Cancelled);
            Assert.False(server.Server.App.Services.GetRequiredService<AuditIndex>().Ready.IsCompleted);
        }
        finally
        {
            store.Open();
        }
    }

    [Fact]
    public async Task Query_ALongSearchIsScanning_AnotherPageAndTheCatchUpAreNotHeldUp()
    {
        // The whole scan ran under the index's lock: one selective search (1.9 s on 3 million records) stalled every
        // other administrator's Audit page and the catch-up behind it.
        using var governance = new TempGovernance();
        await governance.RunAsync("tools", "approve", "auth0_users_list");
        await governance.RunAsync("kill-switch", "on");
        await using var store = GovernanceStores.Open(governance.Store);
        var index = new AuditIndex(new ToolGovernance(store));
        await index.RefreshAsync();
        var before = index.Count;
        var search = new StandingFilter();
        var searching = Task.Run(() => index.Query(search, null, 1000));
        try
        {
            await search.Entered.WaitAsync(Patience);

            var page = await Task.Run(() => index.Query(new AuditFilter(), null, 10)).WaitAsync(TimeSpan.FromSeconds(10));
            await governance.RunAsync("kill-switch", "off");
            await index.RefreshAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var after = await Task.Run(() => index.Query(new AuditFilter(), null, 10)).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(Math.Min(10, before), page.Entries.Count);
            Assert.True(index.Count > before);
            Assert.Equal(index.LastSequence, after.Entries[0].Sequence);
        }
        finally
        {
            search.Release();
        }

        // The standing search saw the entries of its snapshot, all of them, whatever was appended meanwhile.
        Assert.Equal(before, (await searching.WaitAsync(Patience)).Entries.Count);
    }

    [Fact]
    public async Task Query_TimeFilter_SkipsChunksOutsideIt_ButFindsARecordWhoseTimeIsOutOfOrder()
    {
        // A chunk whose times are all outside a time filter is skipped. Times are not in sequence order (callers'
        // clocks, several servers on one store), so one record an hour older than the records around it is still found.
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var n = (AuditEntries.ChunkSize * 3) + 10;
        var odd = (AuditEntries.ChunkSize * 2) + 7;
        var times = Enumerable.Range(1, n).Select(i => i == odd ? t0.AddHours(-1) : t0.AddSeconds(i)).ToArray();
        var index = new AuditIndex(new ToolGovernance(new RowsStore(times)));
        await index.RefreshAsync();

        var old = index.Query(new AuditFilter(To: t0), null, 100);
        var window = index.Query(new AuditFilter(From: t0.AddSeconds(100), To: t0.AddSeconds(109)), null, 5);
        var older = index.Query(new AuditFilter(From: t0.AddSeconds(100), To: t0.AddSeconds(109)), window.Before, 100);
        var all = index.Query(new AuditFilter(), null, n);

        Assert.Equal([(long)odd], old.Entries.Select(e => e.Sequence));
        Assert.Null(old.Before);
        Assert.Equal([109L, 108, 107, 106, 105], window.Entries.Select(e => e.Sequence));
        Assert.Equal([104L, 103, 102, 101, 100], older.Entries.Select(e => e.Sequence));
        Assert.Null(older.Before);
        Assert.Equal(n, all.Entries.Count);
        Assert.Equal(Enumerable.Range(1, n).Reverse().Select(i => (long)i), all.Entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task RecordDetail_ReadsItsOneRow_NotAPageOfThem()
    {
        // The detail page read a page of 500 rows with their bodies (ReadAuditAsync from sequence - 1) to show one.
        using var governance = new TempGovernance();
        await governance.RunAsync("tools", "approve", "auth0_users_list");
        await governance.RunAsync("kill-switch", "on");
        await governance.RunAsync("kill-switch", "off");
        AuditRow expected;
        await using (var plain = GovernanceStores.Open(governance.Store))
        {
            expected = await FirstAfterAsync(plain, 1);
        }

        var store = new GatedStore(GovernanceStores.Open(governance.Store));
        await using var owned = store;
        store.Open();
        var index = new AuditIndex(new ToolGovernance(store));

        var row = await index.ReadRowAsync(2);
        var record = await index.ReadAsync(3);
        var none = await index.ReadRowAsync(10_000);

        Assert.Equal(0, store.RowsReadInRange);
        Assert.Equal([2L, 3, 10_000], store.SingleReads);
        Assert.Equal((expected.Sequence, expected.Body, expected.Hash, expected.PreviousHash), (row!.Sequence, row.Body, row.Hash, row.PreviousHash));
        Assert.Equal(3, record!.Sequence);
        Assert.Null(none);
    }

    private static async Task<AuditRow> FirstAfterAsync(IGovernanceStore store, long after)
    {
        await foreach (var row in store.ReadAuditAsync(after))
        {
            return row;
        }

        throw new InvalidOperationException("no row");
    }

    /// <summary>A filter whose <see cref="Matches"/> stands still until released, as a long scan would take its time.</summary>
    private sealed record StandingFilter() : AuditFilter()
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _released;

        public Task Entered => _entered.Task;

        public void Release() => _released = true;

        public override bool Matches(AuditEntry e)
        {
            _entered.TrySetResult();
            SpinWait.SpinUntil(() => _released, Patience);
            return true;
        }
    }

    /// <summary>A store whose audit is one row a time given, each with a body that is not a record (indexed by its time column).</summary>
    private sealed class RowsStore(IReadOnlyList<DateTimeOffset> times) : IGovernanceStore
    {
        public string Description => "rows";

#pragma warning disable CS1998 // an async iterator with nothing to await
        public async IAsyncEnumerable<AuditRow> ReadAuditAsync(long afterSequence = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
#pragma warning restore CS1998
        {
            for (var i = (int)afterSequence; i < times.Count; i++)
            {
                yield return new AuditRow(i + 1, "not a record", "", "") { Columns = new AuditRowColumns(times[i], "call", "tool.call", null, null, null) };
            }
        }

        public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<long> GetRevisionAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<GovernanceState> LoadStateAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> TrySaveStateAsync(GovernanceState state, long expectedRevision, IReadOnlyList<AuditRecord> events, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<(long Sequence, string Hash)> GetAuditHeadAsync(CancellationToken cancellationToken = default) => Task.FromResult(((long)times.Count, ""));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>
    /// The real store, whose audit range reads wait at a gate (closed at first) and are counted, as are its one-row reads.
    /// </summary>
    private sealed class GatedStore(IGovernanceStore inner) : IGovernanceStore
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<long> _single = [];
        private int _rows;

        /// <summary>Completes when a range read has reached the closed gate.</summary>
        public Task Entered => _entered.Task;

        /// <summary>A range read waiting at the gate was cancelled.</summary>
        public bool Cancelled { get; private set; }

        public int RowsReadInRange => Volatile.Read(ref _rows);

        public IReadOnlyList<long> SingleReads
        {
            get
            {
                lock (_single)
                {
                    return [.. _single];
                }
            }
        }

        public string Description => inner.Description;

        public void Open() => _open.TrySetResult();

        public async IAsyncEnumerable<AuditRow> ReadAuditAsync(long afterSequence = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (!_open.Task.IsCompleted)
            {
                _entered.TrySetResult();
                try
                {
                    await _open.Task.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Cancelled = true;
                    throw;
                }
            }

            await foreach (var row in inner.ReadAuditAsync(afterSequence, cancellationToken))
            {
                Interlocked.Increment(ref _rows);
                yield return row;
            }
        }

        public Task<AuditRow?> ReadAuditRecordAsync(long sequence, CancellationToken cancellationToken = default)
        {
            lock (_single)
            {
                _single.Add(sequence);
            }

            return inner.ReadAuditRecordAsync(sequence, cancellationToken);
        }

        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task OpenReadOnlyAsync(CancellationToken cancellationToken = default) => inner.OpenReadOnlyAsync(cancellationToken);

        public Task<long> GetRevisionAsync(CancellationToken cancellationToken = default) => inner.GetRevisionAsync(cancellationToken);

        public Task<(long Revision, string? ETag)> GetStateVersionAsync(CancellationToken cancellationToken = default) => inner.GetStateVersionAsync(cancellationToken);

        public Task<string?> GetCatalogHashAsync(CancellationToken cancellationToken = default) => inner.GetCatalogHashAsync(cancellationToken);

        public Task<GovernanceState> LoadStateAsync(CancellationToken cancellationToken = default) => inner.LoadStateAsync(cancellationToken);

        public Task<bool> TrySaveStateAsync(GovernanceState state, long expectedRevision, IReadOnlyList<AuditRecord> events, CancellationToken cancellationToken = default) =>
            inner.TrySaveStateAsync(state, expectedRevision, events, cancellationToken);

        public Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default) => inner.AppendAuditAsync(record, cancellationToken);

        public Task<AuditVerification> VerifyAuditAsync(IProgress<long>? progress = null, CancellationToken cancellationToken = default) => inner.VerifyAuditAsync(progress, cancellationToken);

        public Task<(long Sequence, string Hash)> GetAuditHeadAsync(CancellationToken cancellationToken = default) => inner.GetAuditHeadAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
