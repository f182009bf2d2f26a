using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// The Native AOT build is the executable and <c>libe_sqlite3.so</c> beside it. Copied alone (into
/// <c>/usr/local/bin</c>, say), a command on the SQLite store exits 2 naming the missing library, where it aborted
/// (SIGABRT, a 42-line unhandled TypeInitializationException): closing the store replaced the store's error with its
/// own. Category NativeAot: build/test.sh runs it against the published executable.
/// </summary>
[Trait("Category", "NativeAot")]
public sealed class NativeLibraryMissingTests
{
    [Theory]
    [InlineData("tools", "list", "auth0_users_list")]
    [InlineData("audit", "verify")]
    [InlineData("serve")]
    public async Task ExecutableCopiedWithoutTheSqliteLibrary_ExitsTwoNamingIt(params string[] command)
    {
        Assert.True(Repo.NativeServer is not null, "a Native AOT test: set AUTH0_MCP_TEST_SERVER to the executable (build/test.sh does)");
        var work = Directory.CreateTempSubdirectory("native-alone-").FullName;
        try
        {
            var alone = Path.Combine(work, "auth0-mcp");
            File.Copy(Repo.NativeServer!, alone); // keeps the mode: executable
            // A store file there, so that a command that only reads (audit verify) opens it rather than saying it is missing.
            await File.WriteAllBytesAsync(Path.Combine(work, "governance.db"), []);
            var env = new Dictionary<string, string?>
            {
                ["AUTH0_MCP_STORE"] = Path.Combine(work, "governance.db"),
                ["AUTH0_MCP_USER"] = "alice",
                ["AUTH0_TOKEN"] = "test-token",
            };

            var (code, stdout, stderr) = await ChildProcess.RunAsync(alone, command, env: env, timeout: TimeSpan.FromMinutes(1), input: "");

            Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
            Assert.Contains("libe_sqlite3.so", stderr, StringComparison.Ordinal);
            Assert.Contains("beside the executable", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
/// <summary>
/// The Native AOT build leaves the admin console out: <c>auth0-mcp admin</c>, the console alone, says to run it from the
/// JIT build, not to turn the console off (which is no advice for that command). Category NativeAot.
/// </summary>
[Trait("Category", "NativeAot")]
public sealed class NativeAotAdminTests
{
    [Fact]
    public async Task AdminCommand_OnTheNativeBuild_SaysToRunItFromTheJitBuild()
    {
        Assert.True(Repo.NativeServer is not null, "a Native AOT test: set AUTH0_MCP_TEST_SERVER to the executable (build/test.sh does)");
        var work = Directory.CreateTempSubdirectory("native-admin-").FullName;
        try
        {
            var env = new Dictionary<string, string?> { ["AUTH0_MCP_STORE"] = Path.Combine(work, "governance.db"), ["AUTH0_TOKEN"] = "test-token" };

            var (code, stdout, stderr) = await ChildProcess.RunAsync(Repo.NativeServer!, ["admin", "--http", "http://127.0.0.1:0"], env: env, timeout: TimeSpan.FromMinutes(1), input: "");

            Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
            Assert.Contains("run `auth0-mcp admin` from the JIT build", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("AUTH0_MCP_ADMIN=off", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
