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
        Assert.Equal("build -q -t auth0-mcp:local .\n", EngineCalls);
        Assert.Equal("not really an executable", File.ReadAllText(Path.Combine(_root, "repo", "build", "out", "aot", "auth0-mcp")));
        Assert.True(File.Exists(Path.Combine(_root, "repo", "build", "out", "aot", "libe_sqlite3.so")));
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
        Assert.Equal("build -q --build-arg BASE_IMAGE=mirror.example/dotnet/runtime-deps:10.0-noble-chiseled -t auth0-mcp:mirror .\n", EngineCalls);
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
