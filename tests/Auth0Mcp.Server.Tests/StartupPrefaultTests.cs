using System.Globalization;
using System.Text.RegularExpressions;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// The Native AOT executable populates the runtime's <c>.hydrated</c> section in one call before <c>main</c>
/// (src/Auth0Mcp.Server/Native/startup_prefault.c), instead of taking a page fault for each of its pages while the
/// runtime expands its type data into it, and asks for huge pages there first. Seen from outside with gdb (which
/// build/test.sh installs for the Native AOT step): the process's first <c>madvise</c> is <c>MADV_HUGEPAGE</c> and its
/// second <c>MADV_POPULATE_WRITE</c>, both over exactly the section's whole pages, as found here from the file's own
/// section headers. Category NativeAot: the JIT build has no such section.
/// </summary>
[Trait("Category", "NativeAot")]
public sealed partial class StartupPrefaultTests
{
    private const int MadvHugePage = 14, MadvPopulateWrite = 23;

    [Fact]
    public async Task Start_BeforeMain_AdvisesHugePagesAndPopulatesTheHydratedSectionInOneCall()
    {
        Assert.True(Repo.NativeServer is not null, "a Native AOT test: set AUTH0_MCP_TEST_SERVER to the executable (build/test.sh does)");
        var hydrated = ElfSections.Read(Repo.NativeServer!).Single(s => s.Name == ".hydrated");
        var (first, length) = ElfSections.WholePages(hydrated.Address, hydrated.Address + hydrated.Size);
        Assert.True(length > 4 << 20, $"the expanded type data is {hydrated.Size} bytes");

        var (stdout, stderr) = await Gdb.RunAsync("""
            set pagination off
            catch syscall madvise
            run --help > /dev/null 2>&1
            info registers rdi rsi rdx
            continue
            continue
            info registers rdi rsi rdx
            info proc mappings
            kill
            """, Repo.NativeServer!, timeout: TimeSpan.FromMinutes(2));
        // gdb stops at each call's entry and return; the registers are printed at the first two entries.
        var values = Registers().Matches(stdout).Select(m => (Name: m.Groups[1].Value, Value: long.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture))).ToList();
        Assert.True(values.Count == 6, $"gdb did not stop at two madvise calls:\n{stdout}\n{stderr}");
        var calls = values.Chunk(3).Select(c => c.ToDictionary(v => v.Name, v => v.Value)).ToList();
        Assert.Equal([MadvHugePage, MadvPopulateWrite], calls.Select(c => c["rdx"]));
        Assert.All(calls, c => Assert.Equal(length, c["rsi"]));

        // At the section's address in this process: the load bias is where the file's offset 0 is mapped.
        var real = Path.GetFullPath(Repo.NativeServer!);
        var bias = Mapping().Matches(stdout).Where(m => m.Groups[3].Value.Trim() == real && Convert.ToInt64(m.Groups[2].Value, 16) == 0)
            .Select(m => Convert.ToInt64(m.Groups[1].Value, 16)).First();
        Assert.All(calls, c => Assert.Equal(bias + first, c["rdi"]));
    }

    [GeneratedRegex(@"^(rdi|rsi|rdx)\s+0x([0-9a-f]+)", RegexOptions.Multiline)]
    private static partial Regex Registers();

    // info proc mappings: start, end, size, offset, [perms,] file.
    [GeneratedRegex(@"^\s*0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(?:[rwxps-]{4}\s+)?(\S.*)$", RegexOptions.Multiline)]
    private static partial Regex Mapping();
}
