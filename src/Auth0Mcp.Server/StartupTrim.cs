using System.Runtime;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Server;

/// <summary>
/// One compacting, decommitting collection once the start-up burst is over: start-up (452 tools built, the catalogue
/// checked against the store, the first <c>tools/list</c> pages serialized) leaves the GC heap with several times its
/// live size in regions it keeps committed, and an idle server would otherwise hold them for as long as it runs. After
/// the first <c>tools/list</c> and <see cref="Quiet"/> without another, the server collects once with
/// <see cref="GCCollectionMode.Aggressive"/> (which returns the freed memory to the OS), a Native AOT executable
/// releases the pages it read once at start (<see cref="StartupData"/>), and the pages start-up touched in the files the
/// process maps read-only go back to the kernel (<see cref="StartupFilePages"/>). Until then, the stdio server holds automatic
/// collections back (<see cref="Hold"/>), and the trim ends the hold. <see cref="Settle"/> later it collects once more, for
/// the buffers the shared array pool kept from the burst (<see cref="ReleasePooledBuffers"/>); never again after that.
/// docs/benchmarks-server.md, start-up and memory.
/// </summary>
internal sealed class StartupTrim : IDisposable
{
    /// <summary>How long after the last <c>tools/list</c> page the collection runs (a client lists its pages back to back).</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long after the trim the second collection runs: the shared array pool lets go of a buffer only at a full
    /// collection at least 30 s (a thread's own slot) or 60 s (the shared stacks) after the first one that saw it.
    /// </summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(65);

    private readonly Lock _lock = new();
    private readonly Action _collect;
    private readonly Action _release;
    private readonly TimeSpan _quiet;
    private readonly TimeSpan? _settle;
    private Timer? _timer;
    private bool _done;
    private bool _disposed;

    /// <summary>
    /// A trim that runs <paramref name="collect"/> (the aggressive collection and the start-up data's release unless a
    /// test gives another), and, when <paramref name="settle"/> is given, <paramref name="release"/> that long after it
    /// (<see cref="ReleasePooledBuffers"/> unless a test gives another).
    /// </summary>
    public StartupTrim(TimeSpan quiet, Action? collect = null, TimeSpan? settle = null, Action? release = null)
    {
        _quiet = quiet;
        _settle = settle;
        _release = release ?? ReleasePooledBuffers;
        _collect = collect ?? (static () =>
        {
            EndHold();
            StartupHugePages.Withdraw();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            StartupData.Release();
            StartupFilePages.PageOut();
        });
    }

    /// <summary>
    /// Hands back the buffers the shared array pool kept from the start-up burst (the SDK serializes each
    /// <c>tools/list</c> page into pooled buffers of up to 512 KB, and the pool holds them for as long as no full
    /// collection comes after its own timeouts, which an idle server never has): one collection, after which the
    /// pool's trim callback (a finalizer) drops what it has held past its timeouts, and one that takes those away.
    /// </summary>
    internal static void ReleasePooledBuffers()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>
    /// What start-up may allocate under <see cref="Hold"/> before a collection runs anyway: start-up and the first full
    /// listing allocate about 16 MB (Native AOT, the pinned spec's 452 tools). Larger holds left the idle server with more
    /// memory committed (docs/benchmarks-server.md, session 14).
    /// </summary>
    internal const long HoldBytes = 24L * 1024 * 1024;

    /// <summary>
    /// Holds automatic collections back for the start-up burst (<see cref="GC.TryStartNoGCRegion(long)"/>), so that what
    /// start-up builds is promoted once, by the trim after the listing, instead of by a full collection in the middle of
    /// a <c>tools/list</c> page. The hold ends at the trim, or by itself (with a collection, as without it) once start-up
    /// has allocated <see cref="HoldBytes"/>. Whether it began.
    /// </summary>
    public static bool Hold()
    {
        try
        {
            return GC.TryStartNoGCRegion(HoldBytes);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or InvalidOperationException)
        {
            // More than the runtime allows, or a hold already on: start as without it.
            return false;
        }
    }

    /// <summary>Ends the hold when it is still on (a collection may have ended it already).</summary>
    internal static void EndHold()
    {
        if (GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
        {
            return;
        }

        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // Ended by a collection since the check above.
        }
    }

    /// <summary>Whether the first collection has run.</summary>
    public bool Done
    {
        get
        {
            lock (_lock)
            {
                return _done;
            }
        }
    }

    /// <summary>A <c>tools/list</c> was answered: (re)start the quiet period, unless the trim already ran.</summary>
    public void Arm()
    {
        lock (_lock)
        {
            if (_done)
            {
                return;
            }

            _timer ??= new Timer(static state => ((StartupTrim)state!).Fire(), this, Timeout.Infinite, Timeout.Infinite);
            _timer.Change(_quiet, Timeout.InfiniteTimeSpan);
        }
    }

    private void Fire()
    {
        lock (_lock)
        {
            if (_done)
            {
                return;
            }

            _done = true;
            _timer?.Dispose();
            _timer = null;
        }

        _collect();
        lock (_lock)
        {
            if (_settle is { } settle && !_disposed)
            {
                _timer = new Timer(static state => ((StartupTrim)state!).Release(), this, settle, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Release()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _timer?.Dispose();
            _timer = null;
        }

        _release();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _done = true;
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }
    }
}

/// <summary>Registers <see cref="StartupTrim"/> behind every <c>tools/list</c>.</summary>
internal static class StartupTrimExtensions
{
    public static IMcpServerBuilder WithStartupTrim(this IMcpServerBuilder builder)
    {
        builder.Services.AddSingleton(_ => new StartupTrim(StartupTrim.Quiet, settle: StartupTrim.Settle));
        builder.Services.PostConfigure<McpServerOptions>(o => o.Filters.Request.ListToolsFilters.Add(next => async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken).ConfigureAwait(false);
            context.Services?.GetService<StartupTrim>()?.Arm();
            return result;
        }));
        return builder;
    }
}
