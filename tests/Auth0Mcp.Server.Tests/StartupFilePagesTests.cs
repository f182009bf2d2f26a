using System.Globalization;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// At the start-up trim the server hands back the pages start-up touched in the files it maps read-only
/// (src/Auth0Mcp.Server/StartupFilePages.cs). Seen from outside in <c>/proc/PID/smaps</c>, over the files only the
/// server maps (pages another process maps too, such as the framework's assemblies this test host has loaded, stay
/// where they are): resident after <c>initialize</c>, less than half of it once the listing's trim has run (the code the server runs
/// after it, from the Native AOT executable, comes back), and the server still
/// answers a call. Runs against the JIT build and, in build/test.sh's Native AOT step, the Native AOT executable. Serial:
/// another test's server started from the same folder would share the pages this one is to hand back.
/// </summary>
[Collection(nameof(ServerAlone))]
public sealed class StartupFilePagesTests
{
    [Fact]
    public void ReadOnlyFileMappings_KeepsReadOnlyFilesAndSaysWhichAreShared()
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
            "not a mapping line",
        ];

        var kept = StartupFilePages.ReadOnlyFileMappings(maps);

        Assert.Equal([(0x7f0000000000L, 0x7f0000010000L, false), (0x7f0000010000L, 0x7f0000020000L, false), (0x7f0000030000L, 0x7f0000040000L, true)], kept);
    }

    [Fact]
    public async Task Serve_AfterTheListingsTrim_FilePagesOnlyTheServerMapsAreHandedBack()
    {
        using var home = new TestHome();
        await home.GrantEverythingAsync("nina");
        await using var auth0 = new RecordingHttpServer(body: """[{"user_id":"auth0|1"}]""");
        await using var session = await RawStdioSession.StartAsync(home.Environment(auth0.BaseUrl, "nina"));
        var pid = session.ProcessId;

        var before = ServerOnlyFileKb(pid);
        Assert.True(before > 1024, $"only {before} KB resident in the files only the server maps after initialize");

        await session.ListEveryPageAsync();

        // The trim runs 500 ms after the last page; allow a loaded machine much longer.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var after = ServerOnlyFileKb(pid);
        while (after > before / 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            after = ServerOnlyFileKb(pid);
        }

        Assert.True(after <= before / 2, $"{after} of {before} KB still resident in the files only the server maps after the trim: " + Detail(pid));

        var answer = await session.RequestAsync("tools/call", """{"name":"auth0_users_list","arguments":{"q":"after the trim"}}""");
        Assert.Contains("auth0|1", answer, StringComparison.Ordinal);
        Assert.Single(auth0.Requests);
    }

    /// <summary>The resident KB of <paramref name="pid"/>'s read-only file mappings whose files this test host does not map.</summary>
    private static long ServerOnlyFileKb(int pid)
    {
        var ours = Mappings(Environment.ProcessId).Select(m => m.Path).ToHashSet(StringComparer.Ordinal);
        return Mappings(pid).Where(m => m.ReadOnly && m.Path.StartsWith('/') && !m.Path.EndsWith(" (deleted)", StringComparison.Ordinal) && !ours.Contains(m.Path))
            .Sum(m => m.RssKb);
    }

    private static string Detail(int pid)
    {
        var ours = Mappings(Environment.ProcessId).Select(m => m.Path).ToHashSet(StringComparer.Ordinal);
        return string.Join("; ", Mappings(pid).Where(m => m.ReadOnly && m.Path.StartsWith('/') && !ours.Contains(m.Path) && m.RssKb > 0)
            .GroupBy(m => Path.GetFileName(m.Path)).Select(g => $"{g.Key} {g.Sum(m => m.RssKb)}"));
    }

    private sealed record Mapping(string Path, bool ReadOnly, long RssKb);

    private static List<Mapping> Mappings(int pid)
    {
        var result = new List<Mapping>();
        string path = "";
        var readOnly = false;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
            {
                path = fields.Length == 6 ? fields[5].Trim() : "";
                readOnly = fields[1].StartsWith("r-", StringComparison.Ordinal);
            }
            else if (fields.Length >= 2 && fields[0] == "Rss:")
            {
                result.Add(new Mapping(path, readOnly, long.Parse(fields[1], CultureInfo.InvariantCulture)));
            }
        }

        return result;
    }
}

/// <summary>Serial: the test's server must be the only process that maps the server's files.</summary>
[CollectionDefinition(nameof(ServerAlone), DisableParallelization = true)]
public sealed class ServerAlone;
