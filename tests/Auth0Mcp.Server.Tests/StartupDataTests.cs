using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// The Native AOT server hands back the executable's pages it reads once at start (src/Auth0Mcp.Server/StartupData.cs):
/// the runtime's compressed type data and the loader's relocation table are resident before the start-up
/// <c>tools/list</c>, gone from the resident set once the start-up trim has run (with most of the executable's other
/// pages start-up touched: src/Auth0Mcp.Server/StartupFilePages.cs), and the server still answers a call.
/// The ranges are found here on their own, from the executable file and the process's memory (<c>/proc/PID/mem</c>),
/// and residency is read from <c>/proc/PID/pagemap</c>. Runs in build/test.sh's Native AOT step (Category NativeAot:
/// the JIT build has no such data). Serial: another test's server started from the same executable would share the
/// pages this one is to hand back.
/// </summary>
[Trait("Category", "NativeAot")]
[Collection(nameof(NativeServerAlone))]
public sealed class StartupDataTests
{
    private const int DehydratedDataSection = 207;

    [Fact]
    public async Task Serve_AfterTheStartupListing_ReadOnceStartupDataIsNoLongerResident()
    {
        Assert.True(Repo.NativeServer is not null, "a Native AOT test: set AUTH0_MCP_TEST_SERVER to the executable (build/test.sh does)");
        using var home = new TestHome();
        await home.GrantEverythingAsync("nina");
        await using var auth0 = new RecordingHttpServer(body: """[{"user_id":"auth0|1"}]""");
        await using var session = await RawStdioSession.StartAsync(home.Environment(auth0.BaseUrl, "nina"));
        var pid = session.ProcessId;
        var ranges = Ranges(Repo.NativeServer!, pid);
        Assert.Equal(["dehydrated data", ".rela.dyn"], ranges.Select(r => r.Name));
        Assert.True(ranges[0].Length > 4 << 20, $"the compressed type data is {ranges[0].Length} bytes");

        // Initialized, not yet listed: the start-up trim is not armed, and the runtime has read both ranges.
        foreach (var range in ranges)
        {
            Assert.True(Resident(pid, range) > 0.9, $"{range.Name}: {Resident(pid, range):P0} resident before the listing");
        }

        // And the executable's pages start-up touched, which the trim pages out (StartupFilePages).
        var executableBefore = ProcMaps.ResidentKb(pid, Repo.NativeServer!);
        Assert.True(executableBefore > 4096, $"only {executableBefore} KB of the executable resident after initialize");

        await session.ListEveryPageAsync();

        // The trim runs 500 ms after the last page; allow a loaded machine much longer.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((ranges.Any(r => Resident(pid, r) > 0.01) || ProcMaps.ResidentKb(pid, Repo.NativeServer!) > executableBefore / 2) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        foreach (var range in ranges)
        {
            Assert.True(Resident(pid, range) <= 0.01, $"{range.Name}: {Resident(pid, range):P1} still resident after the start-up trim");
        }

        // The code the server runs after the trim comes back, so less than half is asked for.
        var executableAfter = ProcMaps.ResidentKb(pid, Repo.NativeServer!);
        Assert.True(executableAfter <= executableBefore / 2, $"{executableAfter} of {executableBefore} KB of the executable still resident after the trim");

        var answer = await session.RequestAsync("tools/call", """{"name":"auth0_users_list","arguments":{"q":"after the trim"}}""");
        Assert.Contains("auth0|1", answer, StringComparison.Ordinal);
        Assert.Single(auth0.Requests);
    }

    private sealed record Range(string Name, long Start, long Length);

    /// <summary>The dehydrated data (from the ReadyToRun header that <c>__modules</c> points to) and <c>.rela.dyn</c>, at their addresses in <paramref name="pid"/>.</summary>
    private static List<Range> Ranges(string executable, int pid)
    {
        var real = Path.GetFullPath(executable);
        var bias = File.ReadLines($"/proc/{pid}/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 6 && f[5].Trim() == real && f[2] == "00000000")
            .Select(f => Convert.ToInt64(f[0].Split('-')[0], 16))
            .First();
        var sections = ElfSections.Read(executable);

        using var memory = new BinaryReader(File.OpenRead($"/proc/{pid}/mem"));
        var modules = sections.Single(s => s.Name == "__modules");
        memory.BaseStream.Position = bias + modules.Address;
        var header = memory.ReadInt64();
        memory.BaseStream.Position = header;
        Assert.Equal(0x00525452u, memory.ReadUInt32());
        memory.BaseStream.Position = header + 12;
        int rows = memory.ReadUInt16(), rowSize = memory.ReadByte();
        var dehydrated = Enumerable.Range(0, rows).Select(i =>
        {
            memory.BaseStream.Position = header + 16 + (i * rowSize);
            var id = memory.ReadInt32();
            memory.BaseStream.Position += 4;
            return (Id: id, Start: memory.ReadInt64(), End: memory.ReadInt64());
        }).Single(r => r.Id == DehydratedDataSection);
        var relocations = sections.Single(s => s.Name == ".rela.dyn");
        return
        [
            Whole("dehydrated data", dehydrated.Start, dehydrated.End),
            Whole(".rela.dyn", bias + relocations.Address, bias + relocations.Address + relocations.Size),
        ];
    }

    private static Range Whole(string name, long start, long end)
    {
        var (first, length) = ElfSections.WholePages(start, end);
        return new Range(name, first, length);
    }

    /// <summary>The share of the range's pages present in <paramref name="pid"/>'s page tables (bit 63 of each pagemap entry).</summary>
    private static double Resident(int pid, Range range)
    {
        using var pagemap = File.OpenRead($"/proc/{pid}/pagemap");
        var pages = (int)(range.Length / 4096);
        var entries = new byte[pages * 8];
        pagemap.Position = range.Start / 4096 * 8;
        pagemap.ReadExactly(entries);
        var present = Enumerable.Range(0, pages).Count(i => (BitConverter.ToUInt64(entries, i * 8) >> 63) != 0);
        return (double)present / pages;
    }
}

/// <summary>Serial: the test's server must be the only process that maps the executable.</summary>
[CollectionDefinition(nameof(NativeServerAlone), DisableParallelization = true)]
public sealed class NativeServerAlone;
