using System.Globalization;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// The stdio server asks for transparent huge pages over the GC heap for its start-up burst and takes the advice back at
/// the start-up trim (src/Auth0Mcp.Server/StartupHugePages.cs). Seen from outside in <c>/proc/PID/smaps</c>: the GC's
/// reservation (the one run of adjoining anonymous mappings of more than a gigabyte) carries the <c>hg</c> flag after
/// <c>initialize</c>, is backed by huge pages where the system's policy allows them, and carries no <c>hg</c> once the
/// listing's trim has run; the server still answers a call. Runs against the JIT build and, in build/test.sh's Native AOT
/// step, the Native AOT executable.
/// </summary>
public sealed class StartupHugePagesTests
{
    [Fact]
    public async Task Serve_StartupBurst_HeapAdvisedHugePagesThenWithdrawnAtTheTrim()
    {
        using var home = new TestHome();
        await home.GrantEverythingAsync("nina");
        await using var auth0 = new RecordingHttpServer(body: """[{"user_id":"auth0|1"}]""");
        await using var session = await RawStdioSession.StartAsync(home.Environment(auth0.BaseUrl, "nina"));
        var pid = session.ProcessId;

        // Initialized, not yet listed.
        var heap = Heap(pid);
        Assert.True(heap.Count > 0, "no run of anonymous mappings over 1 GB (the GC's reservation) in smaps");
        var advised = heap.Where(m => m.Flags.Contains("hg")).ToList();
        Assert.True(advised.Sum(m => m.Size) > heap.Sum(m => m.Size) * 9 / 10,
            $"{advised.Sum(m => m.Size) >> 20} of the heap's {heap.Sum(m => m.Size) >> 20} MB advised for huge pages before the listing");
        // The advice ends with the regions' uncommitted tail: whatever adjoins it above is not the GC's.
        var tail = heap.FindIndex(m => m.Reserved && m.Size >= 1L << 30);
        Assert.True(tail >= 0, "the GC's reservation has no uncommitted tail of a gigabyte or more");
        Assert.DoesNotContain(heap.Skip(tail + 1), m => m.Flags.Contains("hg"));
        if (Policy() is "always" or "madvise")
        {
            Assert.True(heap.Sum(m => m.AnonHugeKb) >= 2048, $"the heap holds {heap.Sum(m => m.AnonHugeKb)} KB in huge pages after initialize (policy {Policy()})");
        }

        await session.ListEveryPageAsync();

        // The trim runs 500 ms after the last page; allow a loaded machine much longer.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Heap(pid).Any(m => m.Flags.Contains("hg")) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var after = Heap(pid);
        Assert.True(after.Count > 0, "the GC's reservation is gone from smaps");
        Assert.DoesNotContain(after, m => m.Flags.Contains("hg"));

        var answer = await session.RequestAsync("tools/call", """{"name":"auth0_users_list","arguments":{"q":"after the trim"}}""");
        Assert.Contains("auth0|1", answer, StringComparison.Ordinal);
        Assert.Single(auth0.Requests);
    }

    [Fact]
    public async Task Advise_NoTrimComes_WithdrawnByItselfAfterTheFallback()
    {
        var (start, end) = StartupHugePages.Advise(TimeSpan.FromMilliseconds(300));
        Assert.True(end - start > 1L << 30, $"advised {end - start} bytes, not the GC's reservation");
        var inRange = () => Smaps(Environment.ProcessId).Where(m => m.Start >= start && m.End <= end).ToList();
        Assert.Contains(inRange(), m => m.Flags.Contains("hg"));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (inRange().Any(m => m.Flags.Contains("hg")) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.DoesNotContain(inRange(), m => m.Flags.Contains("hg"));
        Assert.False(StartupHugePages.Withdraw(), "the advice was taken back twice");
    }

    private sealed record Mapping(long Start, long End, bool Anonymous, bool Reserved, HashSet<string> Flags, long AnonHugeKb)
    {
        public long Size => End - Start;
    }

    private static string Policy()
    {
        var text = File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled");
        var open = text.IndexOf('[', StringComparison.Ordinal);
        return open < 0 ? "" : text[(open + 1)..text.IndexOf(']', open)];
    }

    /// <summary>The mappings of the longest run of adjoining private anonymous mappings, when it spans over a gigabyte.</summary>
    private static List<Mapping> Heap(int pid)
    {
        var mappings = Smaps(pid);
        List<Mapping> best = [], run = [];
        foreach (var m in mappings)
        {
            if (m.Anonymous && (run.Count == 0 || run[^1].End == m.Start))
            {
                run.Add(m);
            }
            else
            {
                run = m.Anonymous ? [m] : [];
            }

            if (run.Count > 0 && run[^1].End - run[0].Start > (best.Count == 0 ? 0 : best[^1].End - best[0].Start))
            {
                best = [.. run];
            }
        }

        return best.Count > 0 && best[^1].End - best[0].Start > 1L << 30 ? best : [];
    }

    private static List<Mapping> Smaps(int pid)
    {
        var result = new List<Mapping>();
        long start = 0, end = 0, huge = 0;
        bool anonymous = false, reserved = false;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
            {
                var bounds = fields[0].Split('-');
                start = long.Parse(bounds[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                end = long.Parse(bounds[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                anonymous = fields.Length == 5 && fields[1][2] != 'x' && fields[1][3] == 'p';
                reserved = fields[1] == "---p";
                huge = 0;
            }
            else if (fields.Length >= 2 && fields[0] == "AnonHugePages:")
            {
                huge = long.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            else if (fields.Length >= 1 && fields[0] == "VmFlags:")
            {
                result.Add(new Mapping(start, end, anonymous, reserved, [.. fields.Skip(1)], huge));
            }
        }

        return result;
    }
}
