using Auth0Mcp.Packaging.Tests.Infrastructure;

namespace Auth0Mcp.Packaging.Tests;

/// <summary>
/// build/container.sh's own decisions, run from a copy in a temp folder with stand-ins on PATH for the container
/// engine (podman, recording its arguments; a docker without a daemon) and for objdump (the glibc versions the
/// executable needs). The image itself is built and run by tests/Auth0Mcp.Server.Tests' ContainerImageTests.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ContainerScriptTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("auth0mcp-container-").FullName;

    public ContainerScriptTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "repo", "build"));
        File.Copy(Path.Combine(Repo.Root, "build", "container.sh"), Path.Combine(_root, "repo", "build", "container.sh"));
        File.Copy(Path.Combine(Repo.Root, "build", "aot-stamp.sh"), Path.Combine(_root, "repo", "build", "aot-stamp.sh"));
        // build/publish-aot.sh's stand-in: records that it ran, writes an executable of its own and the stamp the real one writes.
        File.WriteAllText(Path.Combine(_root, "repo", "build", "publish-aot.sh"), $"""
            set -e
            cd "$(dirname "$0")/.."
            echo publish >> '{EngineLog}'
            mkdir -p "$1"; printf 'fresh publish' > "$1/auth0-mcp"; chmod +x "$1/auth0-mcp"; printf sqlite > "$1/libe_sqlite3.so"
            bash build/aot-stamp.sh > "$1/auth0-mcp.stamp"
            """);
        Directory.CreateDirectory(Path.Combine(_root, "publish"));
        File.WriteAllText(Executable, "not really an executable");
        File.SetUnixFileMode(Executable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(_root, "publish", "libe_sqlite3.so"), "sqlite");
        Directory.CreateDirectory(Path.Combine(_root, "bin"));
        Stub("podman", $"echo \"$*\" >> '{EngineLog}'\n[ \"$1\" = build ] && echo 0123abcd\nexit 0");
        Stub("docker", "exit 1");
    }

    private string Executable => Path.Combine(_root, "publish", "auth0-mcp");

    private string EngineLog => Path.Combine(_root, "engine.log");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Stub(string name, string body)
    {
        var path = Path.Combine(_root, "bin", name);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Runs the script with objdump reporting <paramref name="glibc"/> as the newest version needed.</summary>
    private Task<ChildProcess.Result> RunAsync(string glibc, params string[] args)
    {
        Stub("objdump", $"echo '0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.2.5) memcpy'\necho '0000000000000000      DF *UND*  0000000000000000 (GLIBC_{glibc}) somefunction'");
        return ChildProcess.RunAsync("bash", [Path.Combine(_root, "repo", "build", "container.sh"), .. args], _root, new Dictionary<string, string?>
        {
            ["PATH"] = Path.Combine(_root, "bin") + ":" + Environment.GetEnvironmentVariable("PATH"),
        }, TimeSpan.FromMinutes(1));
    }

    private string EngineCalls => File.Exists(EngineLog) ? File.ReadAllText(EngineLog) : "";

    [Fact]
    public async Task Container_ExecutableForTheBasesGlibc_CopiedIntoTheContextAndBuiltWithPodman()
    {
        var result = await RunAsync("2.34", Executable);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("auth0-mcp:local", result.Stdout.Trim());
        Assert.Equal("build -q --build-arg REVISION=unknown -t auth0-mcp:local .\n", EngineCalls); // no stamp beside it: its commit is not known
        Assert.Equal("not really an executable", File.ReadAllText(Path.Combine(_root, "repo", "build", "out", "aot", "auth0-mcp")));
        Assert.True(File.Exists(Path.Combine(_root, "repo", "build", "out", "aot", "libe_sqlite3.so")));
    }

    /// <summary>The temp repository as a git checkout with one commit (and a pin), and an earlier publish in build/out/aot.</summary>
    private async Task<string> CommittedRepoWithAPublishAsync(string? stamp)
    {
        var repo = Path.Combine(_root, "repo");
        Directory.CreateDirectory(Path.Combine(repo, "openapi"));
        File.WriteAllText(Path.Combine(repo, "openapi", "spec.pin.props"), "<Project><PropertyGroup><Auth0SpecSha256>abc123</Auth0SpecSha256></PropertyGroup></Project>\n");
        File.WriteAllText(Path.Combine(repo, ".gitignore"), "/build/out/\n");
        foreach (var args in new[] { "init -q", "add -A", "-c user.name=t -c user.email=t@example.com commit -q -m one" })
        {
            var git = await ChildProcess.RunAsync("git", args.Split(' '), repo);
            Assert.True(git.ExitCode == 0, git.ToString());
        }

        var aot = Path.Combine(repo, "build", "out", "aot");
        Directory.CreateDirectory(aot);
        File.WriteAllText(Path.Combine(aot, "auth0-mcp"), "old publish");
        File.SetUnixFileMode(Path.Combine(aot, "auth0-mcp"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(aot, "libe_sqlite3.so"), "sqlite");
        if (stamp is not null)
        {
            File.WriteAllText(Path.Combine(aot, "auth0-mcp.stamp"), stamp == "current" ? (await ChildProcess.RunAsync("bash", [Path.Combine(repo, "build", "aot-stamp.sh")])).Stdout : stamp);
        }

        return (await ChildProcess.RunAsync("git", ["rev-parse", "HEAD"], repo)).Stdout.Trim();
    }

    private string PublishedExecutable => File.ReadAllText(Path.Combine(_root, "repo", "build", "out", "aot", "auth0-mcp"));

    [Theory]
    [InlineData("commit 0123456789012345678901234567890123456789\ntree clean\nspec abc123\n")] // another commit
    [InlineData(null)] // a publish from before the stamp
    public async Task Container_NoExecutableGiven_APublishFromAnotherTree_PublishedAgain(string? stamp)
    {
        var head = await CommittedRepoWithAPublishAsync(stamp);

        var result = await RunAsync("2.34");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("container: build/out/aot/auth0-mcp was not built from this tree", result.Stderr, StringComparison.Ordinal);
        Assert.Equal($"publish\nbuild -q --build-arg REVISION={head} -t auth0-mcp:local .\n", EngineCalls);
        Assert.Equal("fresh publish", PublishedExecutable);
    }

    [Fact]
    public async Task Container_NoExecutableGiven_UncommittedChangesSinceThePublish_PublishedAgainAndLabelledDirty()
    {
        var head = await CommittedRepoWithAPublishAsync("current");
        File.WriteAllText(Path.Combine(_root, "repo", "openapi", "spec.pin.props"), "<Project><PropertyGroup><Auth0SpecSha256>def456</Auth0SpecSha256></PropertyGroup></Project>\n");

        var result = await RunAsync("2.34");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"publish\nbuild -q --build-arg REVISION={head}-dirty -t auth0-mcp:local .\n", EngineCalls);
        Assert.Equal("fresh publish", PublishedExecutable);
    }

    [Fact]
    public async Task Container_NoExecutableGiven_APublishOfThisTree_ReusedAndLabelledWithItsCommit()
    {
        var head = await CommittedRepoWithAPublishAsync("current");

        var result = await RunAsync("2.34");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"build -q --build-arg REVISION={head} -t auth0-mcp:local .\n", EngineCalls); // no publish
        Assert.Equal("old publish", PublishedExecutable);
    }

    [Fact]
    public async Task Container_ExecutableGivenWithItsStamp_UsedAsGivenAndLabelledWithItsCommit()
    {
        // build/test.sh (and so CI) publishes once into artifacts/aot and hands that executable over: no second publish.
        File.WriteAllText(Path.Combine(_root, "publish", "auth0-mcp.stamp"), "commit 0123456789012345678901234567890123456789\ntree clean\nspec abc123\n");

        var result = await RunAsync("2.34", Executable);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("build -q --build-arg REVISION=0123456789012345678901234567890123456789 -t auth0-mcp:local .\n", EngineCalls);
        Assert.Equal("not really an executable", PublishedExecutable);
    }

    [Fact]
    public async Task Container_ExecutableNeedingANewerGlibcThanTheBase_RefusedBeforeBuilding()
    {
        var result = await RunAsync("2.40", Executable);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the executable needs glibc 2.40, newer than the base's 2.39 (Ubuntu 24.04)", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(EngineCalls);
    }

    [Fact]
    public async Task Container_AnotherBase_PassedAsTheBuildArgumentWithoutTheGlibcCheck()
    {
        var result = await RunAsync("2.40", "--base", "mirror.example/dotnet/runtime-deps:10.0-noble-chiseled", "--tag", "auth0-mcp:mirror", Executable);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("build -q --build-arg BASE_IMAGE=mirror.example/dotnet/runtime-deps:10.0-noble-chiseled --build-arg REVISION=unknown -t auth0-mcp:mirror .\n", EngineCalls);
    }

    [Theory]
    [InlineData("--bogus", "unknown option --bogus")]
    [InlineData("--tag", "--tag needs a value")]
    [InlineData("--standin-base --base x", "--standin-base and --base exclude each other")]
    public async Task Container_BadUsage_ExitsTwoSayingWhy(string args, string message)
    {
        var result = await RunAsync("2.34", args.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("container: " + message, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(EngineCalls);
    }

    [Fact]
    public async Task Container_PublishWithoutItsSqliteLibrary_ExitsTwoNamingIt()
    {
        File.Delete(Path.Combine(_root, "publish", "libe_sqlite3.so"));

        var result = await RunAsync("2.34", Executable);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not a published auth0-mcp with libe_sqlite3.so beside it", result.Stderr, StringComparison.Ordinal);
    }
}
