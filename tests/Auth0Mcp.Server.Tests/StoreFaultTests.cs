using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>A governance store that cannot be used stops <c>auth0-mcp</c> with exit code 2 and a message naming the store, never a crash.</summary>
public sealed class StoreFaultTests
{
    [Theory]
    [InlineData("tools", "list")]
    [InlineData("audit", "verify")]
    [InlineData("serve")]
    public async Task Command_CorruptStore_ExitCode2NamingTheStore(params string[] command)
    {
        using var home = new TestHome();
        await File.WriteAllTextAsync(home.Store, new string('#', 8192));

        var (code, stdout, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs(command), env: home.Environment(user: "alice"), timeout: TimeSpan.FromMinutes(2));

        Assert.True(code == 2, $"exit {code}: {stderr}{stdout}");
        Assert.Contains($"governance store SQLite {home.Store}", stderr, StringComparison.Ordinal);
        Assert.Contains("not a SQLite database", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("test-token-7f3a9c1e", stderr + stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_AuditKeyFileLostAfterSealedRecords_StopsAtStartAndMakesNoNewKey()
    {
        using var home = new TestHome();
        await home.AdminAsync("tools", "approve", "auth0_users_list"); // sealed audit records under the key file beside the store
        var keyFile = home.Store + ".audit-key";
        Assert.True(File.Exists(keyFile), "the admin command wrote no key file");
        File.Delete(keyFile);

        var (code, stdout, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("serve"), env: home.Environment(user: "alice"), timeout: TimeSpan.FromMinutes(2));

        Assert.True(code == 2, $"exit {code}: {stderr}{stdout}");
        Assert.Contains($"the audit key file {keyFile} does not exist, but the newest audit record", stderr, StringComparison.Ordinal);
        Assert.Contains("AUTH0_MCP_AUDIT_KEY_FILE", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(keyFile), "the server made a new key file for a chain sealed with another key");
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_StoreRestoredFromAnOlderCopy_StopsAtStartNamingTheCheckpointFile()
    {
        using var home = new TestHome();
        await home.AdminAsync("tools", "approve", "auth0_users_list");
        File.Copy(home.Store, home.Store + ".backup"); // no process has it open: the file alone is a whole copy
        await home.AdminAsync("tools", "approve", "auth0_clients_get"); // records after the copy, checkpointed
        File.Copy(home.Store + ".backup", home.Store, overwrite: true);

        var (code, stdout, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("serve"), env: home.Environment(user: "alice"), timeout: TimeSpan.FromMinutes(2));

        Assert.True(code == 2, $"exit {code}: {stderr}{stdout}");
        Assert.Contains("the audit chain ends at record", stderr, StringComparison.Ordinal);
        Assert.Contains($"but the checkpoint file {home.Store}.audit-checkpoints names record", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_FileSizeLimitReached_ExitCode2NamingTheStore()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // RLIMIT_FSIZE through bash's ulimit
        }

        using var home = new TestHome();
        // 64 KiB per file: the store's first state document (every tool of the catalogue) does not fit. SIGXFSZ is
        // ignored so that the write fails with EFBIG, as on a full disk, instead of killing the process.
        var script = $"trap '' XFSZ; ulimit -f 64; exec {Repo.ServerCommandLine} tools approve 'auth0_*'";

        var env = home.Environment(user: "admin");
        env["DOTNET_EnableWriteXorExecute"] = "0"; // W^X double-maps code through a file that the limit would refuse: the runtime would not start

        var (code, stdout, stderr) = await ChildProcess.RunAsync("bash", ["-c", script], env: env, timeout: TimeSpan.FromMinutes(2));

        Assert.True(code == 2, $"exit {code}: {stderr}{stdout}");
        Assert.Contains($"governance store SQLite {home.Store}", stderr, StringComparison.Ordinal);
        Assert.Contains("I/O error", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }
}
