using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>The build finds the spec and refuses one that does not match the sha256 pin in openapi/spec.pin.props.</summary>
public sealed class SpecPinTests
{
    private static Task<ChildProcess.Result> ResolveAsync(string specPath) => ChildProcess.RunAsync(
        "dotnet",
        ["msbuild", Path.Combine(Repo.Root, "src", "Auth0Mcp.ManagementApi", "Auth0Mcp.ManagementApi.csproj"), "-t:Auth0McpResolveSpec", "-nologo", "-v:m", $"-p:Auth0SpecPath={specPath}"],
        env: new Dictionary<string, string?> { ["AUTH0_MCP_SPEC"] = null },
        timeout: TimeSpan.FromMinutes(3));

    [Fact]
    public async Task Build_PinnedSpec_IsAccepted()
    {
        var (code, stdout, stderr) = await ResolveAsync(Repo.Spec);

        Assert.True(code == 0, stdout + stderr);
    }

    [Fact]
    public async Task Build_SpecWithAnotherHash_FailsWithExpectedActualAndHowToUpdate()
    {
        var older = Repo.OlderSpec;

        var (code, stdout, _) = await ResolveAsync(older);

        Assert.NotEqual(0, code);
        Assert.Contains("A0MB003", stdout, StringComparison.Ordinal);
        Assert.Contains("expected sha256 3ac17a404d0b2d3acd45b002e4b2e55a70cbf809175187cf9a5bfe604f1335c3", stdout, StringComparison.Ordinal);
        Assert.Contains("actual 15fe7ee2ca104ecce6e198ad6d9dd6c4321e37e56658a3ee1a2c078db6ca274e", stdout, StringComparison.Ordinal);
        Assert.Contains("build/update-spec", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_MissingSpecPath_FailsNamingThePath()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-spec-" + Guid.NewGuid().ToString("N") + ".json");

        var (code, stdout, _) = await ResolveAsync(missing);

        Assert.NotEqual(0, code);
        Assert.Contains("A0MB001", stdout, StringComparison.Ordinal);
        Assert.Contains(missing, stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// Auth0McpResolveSpec with no Auth0SpecPath, a pin given as global properties (a spec of this test's own, pinned
    /// under a date no ../shared/openapi holds, with no URL) and a user cache of the test's own.
    /// </summary>
    private static Task<ChildProcess.Result> ResolvePinnedAsync(string cacheHome, string sha256, params string[] args) => ChildProcess.RunAsync(
        "dotnet",
        ["msbuild", Path.Combine(Repo.Root, "src", "Auth0Mcp.ManagementApi", "Auth0Mcp.ManagementApi.csproj"), "-t:Auth0McpResolveSpec", "-nologo", "-v:m",
            $"-p:Auth0SpecSha256={sha256}", "-p:Auth0SpecFileName=auth0-management-api.2099-01-01.json", "-p:Auth0SpecUrl=", .. args],
        env: new Dictionary<string, string?> { ["AUTH0_MCP_SPEC"] = null, ["XDG_CACHE_HOME"] = cacheHome },
        timeout: TimeSpan.FromMinutes(3));

    [Fact]
    public async Task Build_CacheFileUnderThePinnedNameWithAnotherSha_IsSkippedForTheOneWithThePinnedSha()
    {
        var home = Directory.CreateTempSubdirectory("auth0mcp-spec-cache-").FullName;
        try
        {
            var cache = Directory.CreateDirectory(Path.Combine(home, "auth0mcp", "spec")).FullName;
            var pinned = Path.Combine(home, "pinned.json");
            File.WriteAllText(pinned, File.ReadAllText(Repo.Spec) + "\n");
            var sha = Sha256(pinned);
            // The older cache name (the date only) holds another spec of that day; the name with the sha, the pinned one.
            File.Copy(Repo.Spec, Path.Combine(cache, "auth0-management-api.2099-01-01.json"));
            var withSha = Path.Combine(cache, $"auth0-management-api.2099-01-01.{sha[..12]}.json");
            File.Copy(pinned, withSha);

            var (code, stdout, stderr) = await ResolvePinnedAsync(home, sha, "-getProperty:Auth0McpSpecResolved");

            Assert.True(code == 0, stdout + stderr);
            Assert.Equal(withSha, stdout.Trim());
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task Build_NoFileWithThePinnedSha_FailsNamingTheSkippedFile()
    {
        var home = Directory.CreateTempSubdirectory("auth0mcp-spec-cache-").FullName;
        try
        {
            var cache = Directory.CreateDirectory(Path.Combine(home, "auth0mcp", "spec")).FullName;
            var stale = Path.Combine(cache, "auth0-management-api.2099-01-01.json");
            File.Copy(Repo.Spec, stale);
            var sha = new string('0', 64);

            var (code, stdout, _) = await ResolvePinnedAsync(home, sha);

            // Not A0MB003 about a file taken for its name: what was skipped and why, and what to do.
            Assert.NotEqual(0, code);
            Assert.Contains($"Auth0Mcp: skipped '{stale}': its sha256 {Sha256(Repo.Spec)} is not the pinned {sha}", stdout, StringComparison.Ordinal);
            Assert.Contains("error A0MB007", stdout, StringComparison.Ordinal);
            Assert.Contains("AUTH0_MCP_SPEC=", stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("A0MB003", stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>
    /// A spec replaced at the same path by one with an older time (cp -p, rsync -a, curl -R) changes the generation
    /// inputs, so the pre-compile step regenerates the clients and models instead of keeping the previous spec's.
    /// </summary>
    [Fact]
    public async Task Build_SpecReplacedWithAnOlderTime_ChangesTheGenerationInputs()
    {
        var temp = Directory.CreateTempSubdirectory("auth0mcp-spec-inputs-").FullName;
        try
        {
            var spec = Path.Combine(temp, "spec.json");
            var generated = Path.Combine(temp, "auth0") + Path.DirectorySeparatorChar;
            var inputs = Path.Combine(generated, ".inputs");
            Task<ChildProcess.Result> WriteInputsAsync() => ChildProcess.RunAsync(
                "dotnet",
                ["msbuild", Path.Combine(Repo.Root, "src", "Auth0Mcp.ManagementApi", "Auth0Mcp.ManagementApi.csproj"), "-t:Auth0McpWriteGenerationInputs", "-nologo", "-v:m",
                    $"-p:Auth0SpecPath={spec}", "-p:Auth0SpecSha256=", $"-p:Auth0McpGeneratedDir={generated}"],
                env: new Dictionary<string, string?> { ["AUTH0_MCP_SPEC"] = null },
                timeout: TimeSpan.FromMinutes(3));

            File.Copy(Repo.Spec, spec);
            var first = await WriteInputsAsync();
            Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
            var before = File.ReadAllText(inputs);
            Assert.Contains(Sha256(spec), before, StringComparison.Ordinal);

            File.WriteAllText(spec, File.ReadAllText(Repo.Spec) + "\n");
            File.SetLastWriteTimeUtc(spec, File.GetLastWriteTimeUtc(inputs).AddDays(-1));
            var second = await WriteInputsAsync();
            Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);

            var after = File.ReadAllText(inputs);
            Assert.Contains(Sha256(spec), after, StringComparison.Ordinal);
            Assert.NotEqual(before, after);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static string Sha256(string path) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public async Task Build_OtherOutputPath_FindsTheGeneratorThroughItsProject()
    {
        var output = Path.Combine(Path.GetTempPath(), "auth0mcp-out-" + Guid.NewGuid().ToString("N")) + Path.DirectorySeparatorChar;
        try
        {
            var (code, stdout, stderr) = await ChildProcess.RunAsync(
                "dotnet",
                ["msbuild", Path.Combine(Repo.Root, "src", "Auth0Mcp.ManagementApi", "Auth0Mcp.ManagementApi.csproj"), "-t:Auth0McpLocateGenerator", "-getProperty:Auth0McpGenCli", "-nologo", "-p:Configuration=Release", $"-p:OutputPath={output}"],
                timeout: TimeSpan.FromMinutes(5));

            Assert.True(code == 0, stdout + stderr);
            var cli = stdout.Trim();
            Assert.Equal(Path.Combine(output, "auth0-mcp-gen.dll"), cli);
            Assert.True(File.Exists(cli), $"{cli} was not built");
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}
