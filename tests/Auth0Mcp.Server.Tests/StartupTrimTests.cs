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
