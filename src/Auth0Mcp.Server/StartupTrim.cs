using System.Runtime;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Server;

/// <summary>
/// One compacting, decommitting collection once the start-up burst is over: start-up (452 tools built, the catalogue
/// checked against the store, the first <c>tools/list</c> pages serialized) leaves the GC heap with several times its
/// live size in regions it keeps committed, and an idle server would otherwise hold them for as long as it runs. After
/// the first <c>tools/list</c> and <see cref="Quiet"/> without another, the server collects once with
/// <see cref="GCCollectionMode.Aggressive"/> (which returns the freed memory to the OS), and a Native AOT executable
/// releases the pages it read once at start (<see cref="StartupData"/>); never again after that. Until then, the stdio
/// server holds automatic collections back (<see cref="Hold"/>), and the trim ends the hold.
/// docs/benchmarks-server.md, start-up and memory.
/// </summary>
internal sealed class StartupTrim : IDisposable
{
    /// <summary>How long after the last <c>tools/list</c> page the collection runs (a client lists its pages back to back).</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    private readonly Lock _lock = new();
    private readonly Action _collect;
    private readonly TimeSpan _quiet;
    private Timer? _timer;
    private bool _done;

    /// <summary>A trim that runs <paramref name="collect"/> (the aggressive collection and the start-up data's release unless a test gives another).</summary>
    public StartupTrim(TimeSpan quiet, Action? collect = null)
    {
        _quiet = quiet;
        _collect = collect ?? (static () =>
        {
            EndHold();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            StartupData.Release();
        });
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

    /// <summary>Whether the collection has run.</summary>
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
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _done = true;
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
        builder.Services.AddSingleton(_ => new StartupTrim(StartupTrim.Quiet));
        builder.Services.PostConfigure<McpServerOptions>(o => o.Filters.Request.ListToolsFilters.Add(next => async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken).ConfigureAwait(false);
            context.Services?.GetService<StartupTrim>()?.Arm();
            return result;
        }));
        return builder;
    }
}
