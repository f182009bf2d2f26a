using System.Globalization;

namespace Auth0Mcp.Server;

/// <summary>
/// Hands back to the kernel, once the start-up burst is over, the pages the process has mapped from files read-only:
/// the framework's and the project's assemblies, the native libraries, the Native AOT executable. Start-up touches most
/// of them once (the command line, the settings, the host, the 452 tools' catalogue, the first <c>tools/list</c>) and an
/// idle server would otherwise keep them resident for as long as it runs. <c>madvise(MADV_PAGEOUT)</c> (Linux 5.4 and
/// later) reclaims the clean pages only this process maps, of files it owns or may write (the kernel's rule: a root-owned
/// runtime or executable run by another user keeps its pages); it leaves alone a page mapped twice (by another process,
/// or by the runtime's second view of an assembly), and it never discards data: a dirty page is written back first, an
/// anonymous one (a library's relocated data, the heaps) stays without swap. So the advice is safe on any range, even
/// one that was unmapped and reused between reading <c>/proc/self/maps</c> and advising it (which rules out
/// <c>MADV_DONTNEED</c>: on a reused range it would drop live data). A page the server touches again is read back, and
/// its next call pays for that once (docs/benchmarks-server.md, session 26). It runs once, at the start-up trim, when
/// the server has been quiet since its first listing; never under load. Nothing happens off Linux or on a kernel
/// without the advice.
/// </summary>
internal static class StartupFilePages
{
    /// <summary>Advises every read-only file mapping to be paged out; the bytes of address space advised (0 when nothing was).</summary>
    public static long PageOut()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        try
        {
            long advised = 0;
            var mappings = ReadOnlyFileMappings(File.ReadLines("/proc/self/maps"));
            foreach (var (start, end) in mappings)
            {
                var rc = Libc.Madvise((nint)start, (nuint)(end - start), Libc.MadvPageOut);
                if (rc == 0)
                {
                    advised += end - start;
                }
                else if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == EInval && advised == 0)
                {
                    // The kernel does not know the advice (before 5.4): nothing else will take it either.
                    return 0;
                }
            }

            return advised;
        }
        catch (Exception)
        {
            // A memory saving only, run from a timer: a /proc that cannot be read must never take the server down.
            return 0;
        }
    }

    private const int EInval = 22;

    /// <summary>
    /// The mappings of <paramref name="maps"/> (lines of <c>/proc/PID/maps</c>) that are backed by a file that still
    /// exists and can be read but not written: not anonymous memory, not the runtime's double-mapped code
    /// (<c>/memfd:doublemapper (deleted)</c>), not a device, not a reserved range.
    /// </summary>
    internal static List<(long Start, long End)> ReadOnlyFileMappings(IEnumerable<string> maps)
    {
        var result = new List<(long, long)>();
        foreach (var line in maps)
        {
            // start-end perms offset dev inode [path]; the path may hold spaces.
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || fields[1].Length < 4 || fields[1][0] != 'r' || fields[1][1] != '-' || fields[4] == "0")
            {
                continue;
            }

            var path = fields[5].Trim();
            if (!path.StartsWith('/') || path.StartsWith("/dev/", StringComparison.Ordinal) || path.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                continue;
            }

            var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0
                || !long.TryParse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                || !long.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end)
                || end <= start)
            {
                continue;
            }

            result.Add((start, end));
        }

        return result;
    }
}
