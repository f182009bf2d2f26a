using System.Globalization;
using System.Runtime.InteropServices;

namespace Auth0Mcp.Server;

/// <summary>
/// Transparent huge pages for the GC heap during the start-up burst. Start-up and the first <c>tools/list</c> write some
/// 16 MB of fresh heap (the tools, the store's state, each page serialized, parsed back and written again by the SDK),
/// and each 4 KB page of it costs a first-touch fault; in a virtual machine a fault is a trap that costs several
/// microseconds beyond the zeroing. With <c>madvise(MADV_HUGEPAGE)</c> over the GC's reservation the kernel backs each
/// 2 MB-aligned stretch the GC commits with one huge page on its first touch: one fault instead of 512. Where the
/// system's policy is <c>madvise</c> (the usual default) nothing else asks for it.
/// <see cref="Withdraw"/> (the start-up trim, before its collection) takes the advice back, so that the idle server's
/// heap is never collapsed into huge pages behind its back (<c>khugepaged</c>) and memory the GC decommits later goes
/// back to the kernel page by page as before; a client that never lists the tools (so no trim runs) has it taken back
/// <see cref="Fallback"/> after the start.
/// Linux only; every failure (no <c>/proc</c>, an unexpected layout, a kernel without transparent huge pages) leaves
/// the process exactly as it would have been. docs/benchmarks-server.md, session 20.
/// </summary>
internal static class StartupHugePages
{
    private static Advised? s_advised;
    private static Timer? s_fallback;

    /// <summary>When the advice is taken back if no start-up trim has done it: start-up is long over by then.</summary>
    public static readonly TimeSpan Fallback = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Advises huge pages over the GC heap's reservation, and takes the advice back <paramref name="withdrawAfter"/>
    /// unless <see cref="Withdraw"/> has done it first; the range advised (empty when nothing was).
    /// </summary>
    public static (nint Start, nint End) Advise(TimeSpan withdrawAfter)
    {
        if (!OperatingSystem.IsLinux())
        {
            return default;
        }

        try
        {
            var range = HeapRange();
            if (range.End > range.Start && Libc.Madvise(range.Start, (nuint)(range.End - range.Start), Libc.MadvHugePage) == 0)
            {
                Volatile.Write(ref s_advised, new Advised(range.Start, range.End));
                // Kept in a field: a timer nothing references may be collected before it fires.
                Interlocked.Exchange(ref s_fallback, new Timer(static _ => Withdraw(), null, withdrawAfter, Timeout.InfiniteTimeSpan))?.Dispose();
                return range;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException or DllNotFoundException or EntryPointNotFoundException)
        {
            // A start-up speed-up only.
        }

        return default;
    }

    /// <summary>Takes the advice back (the range <see cref="Advise"/> advised), once; whether there was advice to take back.</summary>
    public static bool Withdraw()
    {
        Interlocked.Exchange(ref s_fallback, null)?.Dispose();
        return Interlocked.Exchange(ref s_advised, null) is { } advised && Libc.Madvise(advised.Start, (nuint)(advised.End - advised.Start), Libc.MadvNoHugePage) == 0;
    }

    private sealed record Advised(nint Start, nint End);

    /// <summary>
    /// The GC's reservation: the run of adjoining private anonymous mappings (committed or not) around a fresh object,
    /// from the GC's bookkeeping below its regions up to the regions' uncommitted tail.
    /// </summary>
    private static (nint Start, nint End) HeapRange()
    {
        var probe = new byte[1];
        var handle = GCHandle.Alloc(probe, GCHandleType.Pinned);
        ulong address;
        try
        {
            address = (ulong)handle.AddrOfPinnedObject();
        }
        finally
        {
            handle.Free();
        }

        var maps = new List<(ulong Start, ulong End, bool Anonymous, bool Reserved)>();
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // "start-end perms offset dev inode [path]"
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5)
            {
                continue;
            }

            var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            var start = ulong.Parse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var end = ulong.Parse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var anonymous = fields.Length == 5 && fields[1].Length == 4 && fields[1][2] != 'x' && fields[1][3] == 'p';
            maps.Add((start, end, anonymous, fields[1] == "---p"));
        }

        var at = maps.FindIndex(m => m.Start <= address && address < m.End);
        if (at < 0 || !maps[at].Anonymous)
        {
            return default;
        }

        int first = at, last = at;
        while (first > 0 && maps[first - 1].Anonymous && maps[first - 1].End == maps[first].Start)
        {
            first--;
        }

        // Upwards the GC's regions end in their uncommitted tail, reserved and larger than anything else here; what
        // adjoins it above (a malloc arena, say) is not the heap's.
        while (!(maps[last].Reserved && maps[last].End - maps[last].Start >= 1UL << 30)
            && last < maps.Count - 1 && maps[last + 1].Anonymous && maps[last + 1].Start == maps[last].End)
        {
            last++;
        }

        return ((nint)maps[first].Start, (nint)maps[last].End);
    }
}
