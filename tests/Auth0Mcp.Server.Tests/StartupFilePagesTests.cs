using System.Globalization;
using System.IO.MemoryMappedFiles;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// At the start-up trim the server hands back the pages start-up touched in the files it maps read-only
/// (src/Auth0Mcp.Server/StartupFilePages.cs). Which mappings it advises; that a read-only view of a file only this
/// process maps leaves the resident set while a writable one keeps its data; and, in build/test.sh's Native AOT step,
/// that the executable's pages start-up touched are gone after the listing's trim and the server still answers a call
/// (under the JIT the assemblies' pages are mapped twice, and the test host maps the framework's files too, so the
/// kernel keeps them: docs/benchmarks-server.md, session 26).
/// </summary>
public sealed class StartupFilePagesTests
{
    [Fact]
    public void ReadOnlyFileMappings_KeepsReadOnlyFilesOnly()
    {
        string[] maps =
        [
            "7f0000000000-7f0000010000 r--p 00000000 08:01 1234   /usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/System.Private.CoreLib.dll",
            "7f0000010000-7f0000020000 r-xp 00010000 08:01 1234   /usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/System.Private.CoreLib.dll",
            "7f0000020000-7f0000030000 rw-p 00020000 08:01 1234   /usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/System.Private.CoreLib.dll",
            "7f0000030000-7f0000040000 r--s 00000000 08:01 99     /srv/my app/Auth0Mcp.Sdk.dll",
            "7f0000040000-7f0000050000 ---p 00000000 08:01 1234   /usr/lib/libc.so.6",
            "7f0000050000-7f0000060000 r-xs 00000000 00:01 55     /memfd:doublemapper (deleted)",
            "7f0000060000-7f0000070000 r--p 00000000 00:05 7      /dev/zero",
            "7f0000070000-7f0000080000 rw-p 00000000 00:00 0      [heap]",
            "7f0000080000-7f0000090000 r--p 00000000 00:00 0 ",
            "7f0000090000-7f00000a0000 r--p 00000000 08:01 77     /tmp/gone.so (deleted)",
            "7f00000a0000-7f00000b0000 rw-s 00000000 08:01 78     /srv/store.db-shm",
            "not a mapping line",
        ];

        var kept = StartupFilePages.ReadOnlyFileMappings(maps);

        Assert.Equal([(0x7f0000000000L, 0x7f0000010000L), (0x7f0000010000L, 0x7f0000020000L), (0x7f0000030000L, 0x7f0000040000L)], kept);
    }

    [Fact]
    public void PageOut_AReadOnlyViewOnlyThisProcessMaps_LeavesTheResidentSet_AWritableOneKeepsItsData()
    {
        // Beside the tests, on a disk: a tmpfs file lives in shared memory, which nothing pages out without swap.
        var folder = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "file-pages-" + Guid.NewGuid().ToString("N"))).FullName;
        using var cleanup = new DeleteOnDispose(folder);
        var readOnlyFile = Path.Combine(folder, "read-only.bin");
        var writableFile = Path.Combine(folder, "writable.bin");
        const int Size = 8 << 20;
        foreach (var file in new[] { readOnlyFile, writableFile })
        {
            using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write);
            var block = new byte[1 << 20];
            Array.Fill(block, (byte)7);
            for (var i = 0; i < Size / block.Length; i++)
            {
                stream.Write(block);
            }

            stream.Flush(flushToDisk: true);
        }

        using var readOnly = MemoryMappedFile.CreateFromFile(readOnlyFile, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var readOnlyView = readOnly.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        using var writable = MemoryMappedFile.CreateFromFile(writableFile, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        using var writableView = writable.CreateViewAccessor(0, 0, MemoryMappedFileAccess.ReadWrite);
        long sum = 0;
        for (long offset = 0; offset < Size; offset += 4096)
        {
            sum += readOnlyView.ReadByte(offset);
            writableView.Write(offset, (byte)(offset / 4096 % 251));
        }

        Assert.Equal(7L * (Size / 4096), sum);
        var before = ResidentKb(Environment.ProcessId, readOnlyFile);
        Assert.True(before >= Size / 1024 * 9 / 10, $"{before} KB of the read-only view resident after reading it");

        Assert.True(StartupFilePages.PageOut() > Size, "nothing advised");

        var after = ResidentKb(Environment.ProcessId, readOnlyFile);
        Assert.True(after <= Size / 1024 / 8, $"{after} of {before} KB of the read-only view still resident");
        for (long offset = 0; offset < Size; offset += 4096)
        {
            Assert.Equal((byte)(offset / 4096 % 251), writableView.ReadByte(offset));
            Assert.Equal(7, readOnlyView.ReadByte(offset));
        }
    }

    [Fact]
    [Trait("Category", "NativeAot")]
    public async Task Serve_AfterTheListingsTrim_TheExecutablesStartupPagesAreHandedBack()
    {
        Assert.True(Repo.NativeServer is not null, "a Native AOT test: set AUTH0_MCP_TEST_SERVER to the executable (build/test.sh does)");
        using var home = new TestHome();
        await home.GrantEverythingAsync("nina");
        await using var auth0 = new RecordingHttpServer(body: """[{"user_id":"auth0|1"}]""");
        await using var session = await RawStdioSession.StartAsync(home.Environment(auth0.BaseUrl, "nina"));
        var pid = session.ProcessId;

        var before = ResidentKb(pid, Repo.NativeServer!);
        Assert.True(before > 4096, $"only {before} KB of the executable resident after initialize");

        await session.ListEveryPageAsync();

        // The trim runs 500 ms after the last page; allow a loaded machine much longer. The code the server runs after
        // it comes back, so less than half is asked for.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var after = ResidentKb(pid, Repo.NativeServer!);
        while (after > before / 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            after = ResidentKb(pid, Repo.NativeServer!);
        }

        Assert.True(after <= before / 2, $"{after} of {before} KB of the executable still resident after the trim");

        var answer = await session.RequestAsync("tools/call", """{"name":"auth0_users_list","arguments":{"q":"after the trim"}}""");
        Assert.Contains("auth0|1", answer, StringComparison.Ordinal);
        Assert.Single(auth0.Requests);
    }

    private sealed class DeleteOnDispose(string folder) : IDisposable
    {
        public void Dispose() => Directory.Delete(folder, recursive: true);
    }

    /// <summary>The resident KB of <paramref name="pid"/>'s read-only mappings of <paramref name="file"/>.</summary>
    private static long ResidentKb(int pid, string file)
    {
        long total = 0;
        var counting = false;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
            {
                counting = fields.Length == 6 && fields[5].Trim() == file && fields[1].StartsWith("r-", StringComparison.Ordinal);
            }
            else if (counting && fields.Length >= 2 && fields[0] == "Rss:")
            {
                total += long.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}
