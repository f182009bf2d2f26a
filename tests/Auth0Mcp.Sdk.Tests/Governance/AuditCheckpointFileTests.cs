using System.Collections.Concurrent;
using System.Security.Cryptography;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// The checkpoint file shared by several writers (the server and the command line): appends and compactions of one
/// writer never drop another's newest checkpoint.
/// </summary>
public sealed class AuditCheckpointFileTests
{
    private static readonly AuditKeyRing Keys = AuditKeyRing.FromKeys([RandomNumberGenerator.GetBytes(32)], "test key");

    /// <summary>
    /// Two writers, each its own <see cref="AuditCheckpointFile"/> as two processes would have (the lock is an OS lock
    /// on its own open of the lock file, which conflicts between two opens in one process exactly as between two
    /// processes), append checkpoints with increasing sequences while the file is compacted every few lines. After each
    /// append the file must still hold a checkpoint at least as new as the one just appended, and a third thread
    /// reading the file must never see its newest checkpoint go back.
    /// </summary>
    [Fact]
    public async Task TwoWriters_RacingManyCompactions_NeverDropTheNewestCheckpoint()
    {
        using var directory = new TestDirectory("auth0mcp-checkpoints-");
        var path = directory.File("audit.checkpoints");
        const long compactBytes = 1024; // a checkpoint line is about 200 bytes: a compaction every five appends or so
        const int appendsPerWriter = 4000;
        var writers = new[] { new AuditCheckpointFile(path, compactBytes), new AuditCheckpointFile(path, compactBytes) };
        long sequence = 0;
        var lost = new ConcurrentQueue<string>();
        var compactions = new int[writers.Length];
        using var done = new CancellationTokenSource();

        void Write(int writer)
        {
            var file = writers[writer];
            for (var i = 0; i < appendsPerWriter && lost.Count < 20; i++)
            {
                var mine = Interlocked.Increment(ref sequence);
                var before = new FileInfo(path) is { Exists: true } info ? info.Length : 0;
                file.Append(Keys, mine, "hash-" + mine, DateTimeOffset.UtcNow);
                var newest = Newest(file);
                if (newest < mine)
                {
                    lost.Enqueue($"writer {writer} appended checkpoint {mine}, then the file's newest was {newest}");
                }

                if (new FileInfo(path).Length < before)
                {
                    compactions[writer]++;
                }
            }
        }

        var watcher = Task.Run(() =>
        {
            long seen = 0;
            while (!done.IsCancellationRequested)
            {
                var newest = Newest(writers[0]);
                if (newest < seen && lost.Count < 20)
                {
                    lost.Enqueue($"the file's newest checkpoint went back from {seen} to {newest}");
                }

                seen = Math.Max(seen, newest);
            }
        });

        await Task.WhenAll(Task.Run(() => Write(0)), Task.Run(() => Write(1)));
        await done.CancelAsync();
        await watcher;

        Assert.Empty(lost);
        var read = writers[1].Read(Keys);
        Assert.Empty(read.Problems);
        Assert.Equal(sequence, read.Valid.Max(c => c.Sequence));
        Assert.True(compactions.Sum() >= 200, $"only {compactions.Sum()} compactions were seen: the race was not exercised");
    }

    [Fact]
    public async Task Append_LockHeldByAnotherWriter_WaitsForItThenAppends()
    {
        using var directory = new TestDirectory("auth0mcp-checkpoints-");
        var file = new AuditCheckpointFile(directory.File("audit.checkpoints"));
        file.Append(Keys, 1, "hash-1", DateTimeOffset.UtcNow);
        var holder = new FileStream(file.LockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);

        var append = Task.Run(() => file.Append(Keys, 2, "hash-2", DateTimeOffset.UtcNow));
        await Task.Delay(300);
        Assert.False(append.IsCompleted, "the append did not wait for the lock");
        await holder.DisposeAsync();
        await append.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal([1L, 2], file.Read(Keys).Valid.Select(c => c.Sequence));
    }

    [Fact]
    public void Append_AfterAWriterStoppedMidLine_EndsTheTornLineAndItsCheckpointIsRead()
    {
        using var directory = new TestDirectory("auth0mcp-checkpoints-");
        var path = directory.File("audit.checkpoints");
        var file = new AuditCheckpointFile(path);
        file.Append(Keys, 1, "hash-1", DateTimeOffset.UtcNow);
        file.Append(Keys, 2, "hash-2", DateTimeOffset.UtcNow);
        var whole = File.ReadAllBytes(path);
        File.WriteAllBytes(path, whole[..^25]); // the writer of checkpoint 2 killed mid-append: no newline
        var torn = file.Read(Keys);

        new AuditCheckpointFile(path).Append(Keys, 3, "hash-3", DateTimeOffset.UtcNow); // the next writer

        var read = file.Read(Keys);
        var lines = File.ReadAllText(path).Split('\n');
        Assert.Empty(torn.Problems);
        Assert.Empty(read.Problems);
        Assert.Equal([1L, 3], read.Valid.Select(c => c.Sequence));
        Assert.Contains(read.Notes, n => n.Contains("checkpoint line 2 is the start of a checkpoint cut short by a crash", StringComparison.Ordinal));
        Assert.Equal(4, lines.Length); // 1, the torn 2 ended by a newline, 3, and the empty rest after the last newline
        Assert.StartsWith("{\"seq\":3,", lines[2], StringComparison.Ordinal);
        Assert.Equal("", lines[3]);
    }

    [Theory]
    [InlineData("{\"seq\":2,\"hash\":\"hmac-sha256:abc:12", true)]
    [InlineData("{\"se", true)]
    [InlineData("{\"seq\":2,\"hash\":\"h\",\"time\":\"2026-12-01T00:00:00.0000000Z\",\"key\":\"k\",\"mac\":\"ab", true)]
    [InlineData("{\"seq\":2,\"hash\":\"h\0\0\0\0", true)] // extended but never written: NUL bytes
    [InlineData("\0\0\0\0\0\0", true)]
    [InlineData("{\"seq\":2,\"hash\":\"h\",\"time\":\"not a time\",\"key\":\"k\",\"mac\":\"ab\"}", false)] // complete: not cut short
    [InlineData("{\"seq\":,\"hash\":\"h", false)]
    [InlineData("{\"seq\":2,\"mac\":\"ab", false)]
    [InlineData("{\"seq\":2,\"hash\":\"h\"}", false)]
    [InlineData("removed the newest checkpoint", false)]
    public void IsTornCheckpoint_OnlyAStrictPrefixOfALineAsWritten(string line, bool torn) =>
        Assert.Equal(torn, AuditCheckpointFile.IsTornCheckpoint(line));

    [Fact]
    public void Read_AnUnreadableLineThatIsNotATornCheckpoint_StaysAProblemWhereverItIs()
    {
        using var directory = new TestDirectory("auth0mcp-checkpoints-");
        var path = directory.File("audit.checkpoints");
        var file = new AuditCheckpointFile(path);
        file.Append(Keys, 1, "hash-1", DateTimeOffset.UtcNow);
        File.AppendAllText(path, "{\"seq\":2,\"hash\":\"edited\"}\n");
        file.Append(Keys, 3, "hash-3", DateTimeOffset.UtcNow);

        var read = file.Read(Keys);

        Assert.Equal(["checkpoint line 2 is unreadable"], read.Problems);
        Assert.Equal([1L, 3], read.Valid.Select(c => c.Sequence));
    }

    [Fact]
    public void Compact_KeepsTheOldestCheckpointBesidesTheNewest()
    {
        // The oldest checkpoint names a record near the start of the keyed chain: without it, a chain re-sealed without
        // the key that a writer then wrote on would verify intact once the file compacted.
        using var directory = new TestDirectory("auth0mcp-checkpoints-");
        var path = directory.File("audit.checkpoints");
        var file = new AuditCheckpointFile(path, compactBytes: 1024);
        var first = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);
        for (var seq = 1; seq <= 20; seq++)
        {
            file.Append(Keys, seq, "hash-" + seq, first.AddMinutes(seq));
        }

        var read = file.Read(Keys);

        Assert.True(new FileInfo(path).Length < 1024, "the file was not compacted");
        Assert.Empty(read.Problems);
        Assert.Equal(1, read.Valid[0].Sequence);
        Assert.Equal("hash-1", read.Valid[0].Hash);
        Assert.Equal(first.AddMinutes(1), read.Valid[0].Time);
        Assert.Equal(20, read.Valid[^1].Sequence);
    }

    [Fact]
    public void ReadUnsigned_EveryReadableLineWithoutItsSignatureChecked()
    {
        using var directory = new TestDirectory("auth0mcp-checkpoints-");
        var path = directory.File("audit.checkpoints");
        var file = new AuditCheckpointFile(path);
        file.Append(Keys, 1, "hash-1", DateTimeOffset.UtcNow);
        File.AppendAllText(path, "not a checkpoint\n");
        file.Append(AuditKeyRing.FromKeys([new byte[32]], "another key"), 2, "hash-2", DateTimeOffset.UtcNow);

        var read = file.ReadUnsigned();

        Assert.False(read.SignaturesChecked);
        Assert.Equal(3, read.Lines);
        Assert.Equal([1L, 2], read.Valid.Select(c => c.Sequence));
        Assert.Empty(read.Problems);
        Assert.True(file.Read(Keys).SignaturesChecked);
    }

    private static long Newest(AuditCheckpointFile file) => file.Read(Keys).Valid.Select(c => c.Sequence).DefaultIfEmpty(0).Max();
}
