using System.Diagnostics;
using System.Security.Cryptography;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// The files governance keeps are the server user's alone (docs/security.md, "Files on disk"): a new store's folder,
/// database, WAL and WAL index, key, checkpoint file and its lock are created owner-only, so another local account can
/// neither read the audit nor open the lock file (or the WAL index) to block every write; the checkpoint file may be
/// made append-only; a checkpoint or lock file that is a symbolic link is refused, not followed.
/// </summary>
public sealed class PrivateFilesTests : IDisposable
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = OwnerFile | UnixFileMode.UserExecute;
    private static readonly AuditKeyRing Keys = AuditKeyRing.FromKeys([RandomNumberGenerator.GetBytes(32)], "test key");
    private readonly TestDirectory _directory = new("auth0mcp-private-");

    public void Dispose() => _directory.Dispose();

    private static AuditRecord Call(string user) => new()
    {
        Time = DateTimeOffset.UtcNow,
        Kind = AuditKinds.Call,
        Event = "tool.call",
        User = user,
        Tool = "auth0_users_list",
        Outcome = AuditOutcomes.Success,
    };

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static UnixFileMode Mode(string path) => File.GetUnixFileMode(path);

    [Fact]
    public async Task NewSqliteStore_FoldersDatabaseWalIndexKeyCheckpointsAndLock_AreOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no Unix modes: the folder's inherited ACL applies
        }

        var folder = _directory.File("state");
        var path = Path.Combine(folder, "auth0-mcp", "governance.db");
        await using (var store = new SqliteGovernanceStore(path))
        {
            await store.InitializeAsync();
            await store.AppendAuditAsync(Call("alice"));

            // While the store is open its -wal and -shm are there.
            Assert.Equal(OwnerFolder, Mode(folder));
            Assert.Equal(OwnerFolder, Mode(Path.GetDirectoryName(path)!));
            foreach (var file in new[] { path, path + "-wal", path + "-shm", path + ".audit-key", path + ".audit-checkpoints", path + ".audit-checkpoints.lock" })
            {
                Assert.True(File.Exists(file), $"{file} was not made");
                Assert.True(Mode(file) == OwnerFile, $"{Path.GetFileName(file)} is {Mode(file)}, not owner-only");
            }
        }
    }

    [Fact]
    public async Task ExistingStoreFile_KeepsItsMode()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = _directory.File("governance.db");
        File.WriteAllBytes(path, []);
        var chosen = OwnerFile | UnixFileMode.GroupRead;
        File.SetUnixFileMode(path, chosen);
        await using (var store = new SqliteGovernanceStore(path))
        {
            await store.InitializeAsync();
        }

        Assert.Equal(chosen, Mode(path));
    }

    [Fact]
    public void CheckpointFile_ItsFolderLockAndCompactedFile_AreOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var folder = _directory.File("audit-checkpoints");
        var path = Path.Combine(folder, "db.log");
        var file = new AuditCheckpointFile(path, compactBytes: 512); // a line is about 200 bytes: compacted every few appends
        for (var i = 1; i <= 8; i++)
        {
            file.Append(Keys, i, "hash-" + i, DateTimeOffset.UtcNow);
        }

        Assert.Equal(OwnerFolder, Mode(folder));
        Assert.Equal(OwnerFile, Mode(path)); // the compacted file too, which replaced the first one
        Assert.Equal(OwnerFile, Mode(file.LockPath));
        Assert.True(new FileInfo(path).Length < 512, "the file was not compacted");
        Assert.Equal(8, file.Read(Keys).Valid.Max(c => c.Sequence));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CheckpointOrLockFile_ASymbolicLink_IsRefusedAndItsTargetUntouched(bool lockFile)
    {
        var path = _directory.File("audit.checkpoints");
        var file = new AuditCheckpointFile(path);
        file.Append(Keys, 1, "hash-1", DateTimeOffset.UtcNow);
        var victim = _directory.File("notes.txt");
        File.WriteAllText(victim, "private notes\n");
        var link = lockFile ? file.LockPath : path;
        File.Delete(link);
        File.CreateSymbolicLink(link, victim);

        var refused = Assert.Throws<IOException>(() => file.Append(Keys, 2, "hash-2", DateTimeOffset.UtcNow));

        Assert.Contains($"{link} is a symbolic link", refused.Message, StringComparison.Ordinal);
        Assert.Equal("private notes\n", File.ReadAllText(victim));
    }

    /// <summary>
    /// docs/security.md advises keeping the checkpoint file append-only: made so (<c>chattr +a</c>), appends still
    /// succeed (an <c>O_APPEND</c> handle), and the compaction that cannot replace it is skipped, not a failed batch;
    /// verify notes the file that grows.
    /// </summary>
    [RootFact("to make a file append-only (chattr +a)")]
    public void CheckpointFile_AppendOnly_AppendsGoOnAndTheCompactionThatCannotReplaceItIsSkipped()
    {
        var path = _directory.File("audit.checkpoints");
        var file = new AuditCheckpointFile(path, compactBytes: 512);
        file.Append(Keys, 1, "hash-1", DateTimeOffset.UtcNow);
        Chattr("+a", path);
        try
        {
            for (var i = 2; i <= 12; i++)
            {
                file.Append(Keys, i, "hash-" + i, DateTimeOffset.UtcNow);
            }

            var read = file.Read(Keys);
            Assert.Empty(read.Problems);
            Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), read.Valid.Select(c => c.Sequence));
            Assert.Contains(read.Notes, n => n.Contains("could not be replaced by its oldest and newest checkpoints", StringComparison.Ordinal));
            Assert.Empty(Directory.GetFiles(_directory.Path, "*.tmp")); // the failed compaction's new file removed
        }
        finally
        {
            Chattr("-a", path);
        }
    }

    private static void Chattr(string flag, string path)
    {
        using var process = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"chattr {flag} failed (a file system without append-only files?): {error}");
    }
}
