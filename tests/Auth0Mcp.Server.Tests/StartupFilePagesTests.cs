using System.IO.MemoryMappedFiles;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// At the start-up trim the server hands back the pages start-up touched in the files it maps read-only
/// (src/Auth0Mcp.Server/StartupFilePages.cs). Which mappings it advises; that a read-only view of a file only this
/// process maps leaves the resident set while a writable one keeps its data. (The server's own pages after the trim:
/// <see cref="StartupDataTests"/>, on the Native AOT executable; under the JIT the assemblies' pages are mapped twice,
/// and the test host maps the framework's files too, so the kernel keeps them: docs/benchmarks-server.md, session 26.)
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
        var before = ProcMaps.ResidentKb(Environment.ProcessId, readOnlyFile);
        Assert.True(before >= Size / 1024 * 9 / 10, $"{before} KB of the read-only view resident after reading it");

        Assert.True(StartupFilePages.PageOut() > Size, "nothing advised");

        var after = ProcMaps.ResidentKb(Environment.ProcessId, readOnlyFile);
        Assert.True(after <= Size / 1024 / 8, $"{after} of {before} KB of the read-only view still resident");
        for (long offset = 0; offset < Size; offset += 4096)
        {
            Assert.Equal((byte)(offset / 4096 % 251), writableView.ReadByte(offset));
            Assert.Equal(7, readOnlyView.ReadByte(offset));
        }
    }

    private sealed class DeleteOnDispose(string folder) : IDisposable
    {
        public void Dispose() => Directory.Delete(folder, recursive: true);
    }
}
