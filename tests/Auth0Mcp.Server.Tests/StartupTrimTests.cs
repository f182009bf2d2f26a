using System.Collections.Concurrent;
using System.Runtime;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// The one collection after the start-up <c>tools/list</c> burst (<see cref="StartupTrim"/>): it runs once, only after a
/// quiet period that every further page restarts, and never after the server is disposed.
/// </summary>
public sealed class StartupTrimTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Arm_QuietPeriodPasses_CollectsOnceAndNeverAgain()
    {
        var collections = 0;
        var collected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var trim = new StartupTrim(TimeSpan.FromMilliseconds(20), () =>
        {
            Interlocked.Increment(ref collections);
            collected.TrySetResult();
        });

        trim.Arm();
        await collected.Task.WaitAsync(Patience);
        trim.Arm();
        trim.Arm();
        await Task.Delay(200);

        Assert.True(trim.Done);
        Assert.Equal(1, Volatile.Read(ref collections));
    }

    [Fact]
    public void Arm_WithinTheQuietPeriod_DoesNotCollectYet()
    {
        var collections = 0;
        using var trim = new StartupTrim(TimeSpan.FromHours(1), () => Interlocked.Increment(ref collections));

        trim.Arm();
        trim.Arm();

        Assert.False(trim.Done);
        Assert.Equal(0, Volatile.Read(ref collections));
    }

    [Fact]
    public async Task Settle_AfterTheCollection_ReleasesOnceAndNeverAgain()
    {
        var steps = new ConcurrentQueue<string>();
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var trim = new StartupTrim(TimeSpan.FromMilliseconds(20), () => steps.Enqueue("collect"), TimeSpan.FromMilliseconds(100), () =>
        {
            steps.Enqueue("release");
            released.TrySetResult();
        });

        trim.Arm();
        await released.Task.WaitAsync(Patience);
        trim.Arm();
        await Task.Delay(300);

        Assert.Equal(["collect", "release"], steps);
    }

    [Fact]
    public async Task Dispose_AfterTheCollectionBeforeSettle_NeverReleases()
    {
        var collected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releases = 0;
        var trim = new StartupTrim(TimeSpan.FromMilliseconds(20), () => collected.TrySetResult(), TimeSpan.FromMilliseconds(200), () => Interlocked.Increment(ref releases));

        trim.Arm();
        await collected.Task.WaitAsync(Patience);
        trim.Dispose();
        await Task.Delay(500);

        Assert.Equal(0, Volatile.Read(ref releases));
    }

    [Fact]
    public async Task Dispose_BeforeTheQuietPeriodEnds_NeverCollects()
    {
        var collections = 0;
        var trim = new StartupTrim(TimeSpan.FromMilliseconds(50), () => Interlocked.Increment(ref collections));

        trim.Arm();
        trim.Dispose();
        trim.Arm();
        await Task.Delay(300);

        Assert.Equal(0, Volatile.Read(ref collections));
    }
}

/// <summary>Serial: the hold is the whole process's, and a collection by a test beside it would end it.</summary>
[CollectionDefinition(nameof(SerialGc), DisableParallelization = true)]
public sealed class SerialGc;

/// <summary>
/// The start-up hold (<see cref="StartupTrim.Hold"/>): no automatic collection while start-up allocates within it; the
/// trim's own action ends it and collects; start-up that outgrows it is collected as without one.
/// </summary>
[Collection(nameof(SerialGc))]
public sealed class StartupHoldTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Begins from a settled heap: no hold left on by a test before (a server's start in this process), no collection
    /// or finalization of an earlier test's garbage under way (the runtime then declined the hold at once, once in CI).
    /// </summary>
    private static void Settle()
    {
        StartupTrim.EndHold();
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    [Fact]
    public async Task Hold_OnUntilTheTrimRuns_ThenCollectionsRunAgain()
    {
        Settle();
        Assert.True(StartupTrim.Hold());
        Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        var collections = GC.CollectionCount(0);

        // Start-up's allocations, well within the hold: no collection runs.
        var kept = new List<byte[]>();
        for (var i = 0; i < 200; i++)
        {
            kept.Add(new byte[16 * 1024]);
        }

        Assert.Equal(collections, GC.CollectionCount(0));
        Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);

        // The trim's default action (no stand-in) ends the hold and collects every generation.
        var full = GC.CollectionCount(GC.MaxGeneration);
        using var trim = new StartupTrim(TimeSpan.FromMilliseconds(1));
        trim.Arm();
        // Done is set as the trim starts; its collection (after the end of the hold) is what is waited for.
        var deadline = DateTime.UtcNow + Patience;
        while (GC.CollectionCount(GC.MaxGeneration) == full && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.True(trim.Done);
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > full);
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        GC.KeepAlive(kept);
    }

    [Fact]
    public void Hold_OutgrownByStartUp_EndsByItselfWithACollection()
    {
        Settle();
        Assert.True(StartupTrim.Hold());
        var collections = GC.CollectionCount(0);

        // Twice what the hold allows: the runtime collects, and the hold is over.
        var kept = new List<byte[]>();
        for (long allocated = 0; allocated < 2 * StartupTrim.HoldBytes; allocated += 64 * 1024)
        {
            kept.Add(new byte[64 * 1024]);
            if (kept.Count > 64)
            {
                kept.RemoveAt(0);
            }
        }

        Assert.True(GC.CollectionCount(0) > collections);
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);

        // Ending a hold that is already over is harmless, and a new one can begin.
        StartupTrim.EndHold();
        Assert.True(StartupTrim.Hold());
        StartupTrim.EndHold();
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }
}
