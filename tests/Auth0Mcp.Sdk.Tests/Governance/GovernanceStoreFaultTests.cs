using System.Diagnostics;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// Store faults fail closed with one exception type that names the store: disk full, locked by another process,
/// unreadable, read-only, missing directory, corrupt file, wrong password, unreachable server.
/// </summary>
public sealed class GovernanceStoreFaultTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "auth0mcp-fault-" + Guid.NewGuid().ToString("N"));

    public GovernanceStoreFaultTests() => Directory.CreateDirectory(_directory);

    private static AuditRecord Call(string user) => new()
    {
        Time = DateTimeOffset.UtcNow,
        Kind = AuditKinds.Call,
        Event = "tool.call",
        User = user,
        Tool = "auth0_users_delete",
        Arguments = new string('x', 4000),
    };

    [RootFact]
    public async Task SqliteStore_DiskFull_AppendThrowsStoreExceptionNamingTheFile()
    {
        using var mount = TinyMount.Create(Path.Combine(_directory, "full"), "size=400k");

        var path = Path.Combine(mount.Path, "gov.db");
        await using var store = new SqliteGovernanceStore(path, Seal(), TimeSpan.FromSeconds(1));
        await store.InitializeAsync();

        var ex = await Assert.ThrowsAsync<GovernanceStoreException>(async () =>
        {
            for (var i = 0; i < 1000; i++)
            {
                await store.AppendAuditAsync(Call("u" + i));
            }
        });

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("disk is full", ex.Message, StringComparison.Ordinal);
        Assert.IsType<SqliteException>(ex.InnerException);
        var verification = await store.VerifyAuditAsync();
        Assert.True(verification.IsValid, string.Join("; ", verification.Problems)); // what was committed before is intact
    }

    [RootFact]
    public async Task SqliteStore_ReadOnlyFileSystem_InitializeAndAppendThrowStoreException()
    {
        using var mount = TinyMount.Create(Path.Combine(_directory, "ro"), "size=2m");

        var path = Path.Combine(mount.Path, "gov.db");
        await using (var setup = new SqliteGovernanceStore(path, Seal()))
        {
            await setup.InitializeAsync();
        }

        SqliteConnection.ClearAllPools();
        mount.Remount("ro");
        await using var store = new SqliteGovernanceStore(path, Seal(), TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<GovernanceStoreException>(async () =>
        {
            await store.InitializeAsync();
            await store.AppendAuditAsync(Call("alice"));
        });

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqliteStore_LockedByAnotherWriter_AppendWaitsThenThrowsNamingTheLock()
    {
        var path = Path.Combine(_directory, "gov.db");
        await using var store = new SqliteGovernanceStore(path, Seal(), TimeSpan.FromSeconds(1));
        await store.InitializeAsync();
        await using var other = new SqliteConnection($"Data Source={path};Pooling=False");
        await other.OpenAsync();
        await using var exclusive = other.BeginTransaction(deferred: false);
        await using (var write = other.CreateCommand())
        {
            write.Transaction = exclusive;
            write.CommandText = "UPDATE audit_head SET seq = seq WHERE id = 1";
            await write.ExecuteNonQueryAsync();
        }

        var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("alice")));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("locked by another process", ex.Message, StringComparison.Ordinal);
        exclusive.Rollback();
        await store.AppendAuditAsync(Call("bob")); // the writer recovers once the lock is gone
        Assert.Equal(1, (await store.GetAuditHeadAsync()).Sequence);
    }

    [Fact]
    public async Task SqliteStore_AnotherApplicationsTableOfTheSameName_RefusedAsInTheWay_TheFileUntouchedAndNothingCreated()
    {
        // Before, such a file was used as it was: an audit_log without seq failed with "no such column: seq"; one with
        // seq and rows was taken for the store's own with its head dropped; another governance_state was given the
        // store's columns (ALTER TABLE … ADD COLUMN) and used. SQLite's names ignore case, and so does the check.
        (string Table, string Sql)[] cases =
        [
            ("audit_log", "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL); INSERT INTO audit_log (at, action) VALUES ('2026-01-01', 'login'), ('2026-01-02', 'logout')"),
            ("audit_log", "CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, action TEXT NOT NULL); INSERT INTO audit_log VALUES (1, 'login'), (2, 'logout')"),
            ("governance_state", "CREATE TABLE Governance_State (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO governance_state VALUES (1, 'x'), (2, 'y')"),
        ];
        for (var i = 0; i < cases.Length; i++)
        {
            var (table, sql) = cases[i];
            var folder = Path.Combine(_directory, "app" + i);
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, "app.db");
            await using (var app = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                await app.OpenAsync();
                await using var create = app.CreateCommand();
                create.CommandText = sql;
                await create.ExecuteNonQueryAsync();
            }

            var before = await File.ReadAllBytesAsync(path);
            var seal = new AuditSealOptions { KeyFile = Path.Combine(folder, "audit.key"), CheckpointFile = Path.Combine(folder, "audit.checkpoints") };

            await using (var store = new SqliteGovernanceStore(path, seal))
            {
                var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.InitializeAsync());
                Assert.Contains($"governance store SQLite {path}: another application's table {table} is in the way (it has no column ", ex.Message, StringComparison.Ordinal);
                Assert.Contains("use a file of its own for the governance store", ex.Message, StringComparison.Ordinal);
                Assert.Contains("nothing was created or changed", ex.Message, StringComparison.Ordinal);
            }

            await using (var reader = new SqliteGovernanceStore(path, seal))
            {
                var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => reader.OpenReadOnlyAsync());
                Assert.Contains($"another application's table {table} is in the way", ex.Message, StringComparison.Ordinal);
            }

            SqliteConnection.ClearAllPools();
            Assert.Equal(before, await File.ReadAllBytesAsync(path));
            Assert.Equal(["app.db"], Directory.GetFiles(folder).Select(Path.GetFileName)); // no -wal, key or checkpoint file
        }
    }

    [Fact]
    public async Task SqliteStore_CorruptFile_EveryOperationThrowsStoreException()
    {
        var path = Path.Combine(_directory, "gov.db");
        await File.WriteAllTextAsync(path, new string('#', 8192));
        await using var store = new SqliteGovernanceStore(path, Seal());

        var init = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.InitializeAsync());
        var load = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.LoadStateAsync());
        var append = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("alice")));

        Assert.All([init, load, append], ex => Assert.Contains($"SQLite {path}", ex.Message, StringComparison.Ordinal));
        Assert.Contains("not a SQLite database, or it is corrupt", init.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqliteStore_PathIsADirectory_UnreadableThrowsStoreException()
    {
        var path = Path.Combine(_directory, "gov.db");
        Directory.CreateDirectory(path);
        await using var store = new SqliteGovernanceStore(path, Seal());

        var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.InitializeAsync());

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be opened", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqliteStore_MissingDirectoryThatCannotBeCreated_ThrowsStoreException()
    {
        var blocker = Path.Combine(_directory, "a-file");
        await File.WriteAllTextAsync(blocker, "not a directory");
        var path = Path.Combine(blocker, "sub", "gov.db");
        await using var store = new SqliteGovernanceStore(path, new AuditSealOptions { KeyFile = Path.Combine(_directory, "k"), CheckpointFile = Path.Combine(_directory, "c") });

        var init = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.InitializeAsync());
        var read = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.LoadStateAsync());

        Assert.Contains(path, init.Message, StringComparison.Ordinal);
        Assert.Contains(path, read.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqliteStore_CorruptStateDocument_LoadThrowsStoreException()
    {
        var path = Path.Combine(_directory, "gov.db");
        await using var store = new SqliteGovernanceStore(path, Seal());
        await store.InitializeAsync();
        Assert.True(await store.TrySaveStateAsync(new GovernanceState(), 0, []));
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE governance_state SET body = '{not json'";
            await command.ExecuteNonQueryAsync();
        }

        var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.LoadStateAsync());

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".audit-checkpoints")]
    [InlineData(".audit-key")]
    public async Task AuditSealFile_DefaultPathIsAFolder_OpenAndAppendThrowNamingIt_NothingWritten(string suffix)
    {
        // Not given in any setting: the store's own default beside the database is a folder.
        var path = Path.Combine(_directory, "gov.db");
        Directory.CreateDirectory(path + suffix);
        await using (var store = new SqliteGovernanceStore(path))
        {
            var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.InitializeAsync());
            Assert.Contains(path + suffix + " is a folder", ex.Message, StringComparison.Ordinal);
            ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("alice")));
            Assert.Contains(path + suffix + " is a folder", ex.Message, StringComparison.Ordinal);
        }

        Directory.Delete(path + suffix);
        await using var reopened = new SqliteGovernanceStore(path);
        await reopened.InitializeAsync();
        Assert.Equal(0, (await reopened.GetAuditHeadAsync()).Sequence); // no record committed without its checkpoint
        await reopened.AppendAuditAsync(Call("alice"));
        Assert.True((await reopened.VerifyAuditAsync()).IsValid);
    }

    [Fact]
    public async Task AuditKey_Unreadable_AppendThrowsStoreExceptionNamingTheKeyFile()
    {
        var keyFile = Path.Combine(_directory, "bad.key");
        await File.WriteAllTextAsync(keyFile, "c2hvcnQ=\n"); // base64 of 5 bytes: too short to be a key
        await using var store = new SqliteGovernanceStore(Path.Combine(_directory, "gov.db"), new AuditSealOptions { KeyFile = keyFile });

        var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.InitializeAsync());

        Assert.Contains(keyFile, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2hvcnQ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditKeyFile_FirstWrite_CreatedOwnerOnlyWithOneKey()
    {
        var path = Path.Combine(_directory, "gov.db");
        await using var store = new SqliteGovernanceStore(path);

        await store.InitializeAsync();
        var keyFile = path + ".audit-key";
        Assert.False(File.Exists(keyFile)); // opening a store (what a read-only command does) creates no key
        await store.AppendAuditAsync(Call("alice"));

        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        var ring = AuditKeyRing.OpenFile(keyFile);
        Assert.Single(ring.KeyIds);
        Assert.Equal(("key file " + keyFile, path + ".audit-checkpoints"), store.AuditSealLocation);
        Assert.Equal("key file " + keyFile, ring.Source);
    }

    [PostgresFact]
    public async Task PostgresStore_WrongPassword_ThrowsStoreExceptionWithoutThePassword()
    {
        var admin = Environment.GetEnvironmentVariable(PostgresStoreAttribute.Variable)!;

        const string password = "not-the-password-7d1f";
        var location = new NpgsqlConnectionStringBuilder(admin) { Password = password, Pooling = false }.ToString();
        await using var store = new PostgresGovernanceStore(location, Seal());

        var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.InitializeAsync());

        Assert.StartsWith("governance store PostgreSQL ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("authentication failed", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresStore_Unreachable_ThrowsStoreExceptionNamingHostAndPort()
    {
        await using var store = new PostgresGovernanceStore("Host=127.0.0.1;Port=1;Database=nowhere;Username=u;Password=secret-pw-1;Timeout=2", Seal());

        var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("alice")));

        Assert.Contains("PostgreSQL 127.0.0.1:1/nowhere", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be reached", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw-1", ex.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, true);
        }
        catch (IOException)
        {
            // a mount point that could not be removed yet
        }
    }

    private AuditSealOptions Seal() => new() { KeyFile = Path.Combine(_directory, "audit.key"), CheckpointFile = Path.Combine(_directory, "audit.checkpoints") };

    /// <summary>A small tmpfs mounted for one test (null when this process may not mount).</summary>
    private sealed class TinyMount : IDisposable
    {
        private TinyMount(string path) => Path = path;

        public string Path { get; }

        public static TinyMount Create(string path, string options)
        {
            Directory.CreateDirectory(path);
            Assert.True(Run("mount", "-t", "tmpfs", "-o", options, "tmpfs", path), "mount -t tmpfs " + path);
            return new TinyMount(path);
        }

        public void Remount(string options) => Assert.True(Run("mount", "-o", "remount," + options, Path), "remount " + options);

        public void Dispose() => Run("umount", "-l", Path);

        private static bool Run(string file, params string[] args)
        {
            try
            {
                var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
                args.ToList().ForEach(start.ArgumentList.Add);
                using var process = Process.Start(start)!;
                process.WaitForExit(10_000);
                return process.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }
    }
}

/// <summary>A fact that needs root on Linux (it mounts a small tmpfs); skipped, with the reason, otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> unless running as root on Linux.</summary>
    public RootFactAttribute()
        : this("to mount a small tmpfs")
    {
    }

    /// <summary>Sets <see cref="FactAttribute.Skip"/> unless running as root on Linux, saying what root is needed for.</summary>
    public RootFactAttribute(string needsRootTo)
    {
        if (!OperatingSystem.IsLinux() || geteuid() != 0)
        {
            Skip = $"needs root on Linux {needsRootTo} (CI runs as root)";
        }
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}

/// <summary>A fact that needs <c>AUTH0_MCP_TEST_POSTGRES</c>; skipped, with the reason, otherwise.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the server is not configured.</summary>
    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresStoreAttribute.Variable)))
        {
            Skip = $"{PostgresStoreAttribute.Variable} is not set: run `eval \"$(bash build/postgres.sh)\"`";
        }
    }
}
