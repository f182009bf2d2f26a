using System.Text.Json;
using Auth0Mcp.Packaging.Tests.Infrastructure;

namespace Auth0Mcp.Packaging.Tests;

/// <summary>
/// build/update-spec, run from a copy of the repository's build/ and openapi/ in a temp folder (so the real pin is
/// never touched), with the auth0-mcp built beside these tests and without the regeneration and test steps
/// (--no-build --no-test: those are the solution build and build/test.sh, which this suite is part of).
/// </summary>
public sealed class UpdateSpecScriptTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("auth0mcp-update-spec-").FullName;
    private readonly string _repo;

    public UpdateSpecScriptTests()
    {
        _repo = Path.Combine(_root, "repo");
        Directory.CreateDirectory(Path.Combine(_repo, "build"));
        Directory.CreateDirectory(Path.Combine(_repo, "openapi"));
        File.Copy(Path.Combine(Repo.Root, "build", "update-spec"), Script);
        File.Copy(Path.Combine(Repo.Root, "build", "fetch-spec.sh"), Path.Combine(_repo, "build", "fetch-spec.sh"));
        // Pin the older spec, so that the update goes 2026-05-27 → the pinned 2026-06-25.
        var older = Repo.OlderSpec;
        var pin = File.ReadAllText(Repo.PinFile)
            .Replace(Repo.PinProperty("Auth0SpecSha256"), Sha256(older), StringComparison.Ordinal)
            .Replace(Repo.PinProperty("Auth0SpecFileName"), Path.GetFileName(older), StringComparison.Ordinal)
            .Replace($"<Auth0SpecDate>{Repo.PinProperty("Auth0SpecDate")}<", "<Auth0SpecDate>2026-05-27<", StringComparison.Ordinal);
        File.WriteAllText(PinPath, pin);
    }

    private string Script => Path.Combine(_repo, "build", "update-spec");

    private string PinPath => Path.Combine(_repo, "openapi", "spec.pin.props");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>The user cache the scripts and the build share (a folder of this test's own).</summary>
    private string Cache => Path.Combine(_root, "cache");

    /// <summary>Where the scripts keep specs in that cache.</summary>
    private string CacheDir => Path.Combine(Cache, "auth0mcp", "spec");

    /// <summary>../shared/openapi beside this copy of the repository (absent unless a test creates it).</summary>
    private string SharedDir => Path.Combine(_root, "shared", "openapi");

    private Task<ChildProcess.Result> RunAsync(params string[] args) => RunWithAsync(new Dictionary<string, string?>(), args);

    /// <summary>Runs update-spec with these variables on top of the defaults (a null value unsets one).</summary>
    private Task<ChildProcess.Result> RunWithAsync(IDictionary<string, string?> env, params string[] args)
    {
        var all = new Dictionary<string, string?>
        {
            ["AUTH0_MCP_CLI"] = $"dotnet {Repo.ServerDll}",
            ["AUTH0_MCP_OLD_SPEC"] = Repo.OlderSpec,
            ["AUTH0_MCP_SPEC"] = null,
            ["XDG_CACHE_HOME"] = Cache,
        };
        foreach (var (key, value) in env)
        {
            all[key] = value;
        }

        return ChildProcess.RunAsync("bash", [Script, .. args], _root, all, TimeSpan.FromMinutes(3));
    }

    /// <summary>The cache file name of a spec: its pinned name with the first 12 hex digits of its sha256.</summary>
    private string Cached(string fileName, string spec) =>
        Path.Combine(CacheDir, $"{Path.GetFileNameWithoutExtension(fileName)}.{Sha256(spec)[..12]}.json");

    [Fact]
    public async Task UpdateSpec_NewerSpecFile_WritesThePinAndPrintsTheDiff()
    {
        var diffOut = Path.Combine(_root, "pr-body.md");
        var jsonOut = Path.Combine(_root, "diff.json");

        var result = await RunAsync(Repo.PinnedSpec, "--no-build", "--no-test", "--commit", "7025885d35775606d69cce7c5d428e2ab5d3e522", "--diff-out", diffOut, "--json-out", jsonOut);

        Assert.True(result.ExitCode == 0, result.ToString());
        var pin = File.ReadAllText(PinPath);
        Assert.Contains($"<Auth0SpecSha256>{Sha256(Repo.PinnedSpec)}</Auth0SpecSha256>", pin);
        Assert.Contains("<Auth0SpecDate>2026-06-25</Auth0SpecDate>", pin);
        Assert.Contains("<Auth0SpecFileName>auth0-management-api.2026-06-25.json</Auth0SpecFileName>", pin);
        Assert.Contains("<Auth0SpecCommit>7025885d35775606d69cce7c5d428e2ab5d3e522</Auth0SpecCommit>", pin);
        Assert.Contains("<Auth0SpecRepository>auth0/docs-v2</Auth0SpecRepository>", pin);
        Assert.Contains("<Auth0SpecUrl>https://raw.githubusercontent.com/$(Auth0SpecRepository)/$(Auth0SpecCommit)/$(Auth0SpecRepoPath)</Auth0SpecUrl>", pin);
        Assert.Matches(@"25 added, 0 removed, \d+ changed", result.Stdout);
        Assert.Contains("BREAKING", result.Stdout);
        Assert.Contains("Added (25)", File.ReadAllText(diffOut));
        using var json = JsonDocument.Parse(File.ReadAllText(jsonOut));
        Assert.Equal(25, json.RootElement.GetProperty("added").GetArrayLength());
        // The spec sits in the user cache, which the build and build/fetch-spec.sh read: no network needed. Its name
        // has the sha, so that another spec of the same day never replaces it.
        Assert.True(File.Exists(Cached("auth0-management-api.2026-06-25.json", Repo.PinnedSpec)));
        Assert.False(File.Exists(Path.Combine(CacheDir, "auth0-management-api.2026-06-25.json")));
        Assert.DoesNotContain("no download URL", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateSpec_LocalFile_FetchSpecFindsItAfterwardsWithoutANetwork()
    {
        var result = await RunAsync(Repo.PinnedSpec, "--no-build", "--no-test");
        Assert.True(result.ExitCode == 0, result.ToString());

        // This copy of the repository has no ../shared beside it, and the pin no URL: only the cache can serve it.
        var fetch = await ChildProcess.RunAsync("bash", [Path.Combine(_repo, "build", "fetch-spec.sh")], _repo,
            new Dictionary<string, string?> { ["XDG_CACHE_HOME"] = Cache, ["AUTH0_MCP_SPEC"] = null }, TimeSpan.FromMinutes(1));

        Assert.True(fetch.ExitCode == 0, fetch.ToString());
        Assert.Equal($"export AUTH0_MCP_SPEC={Cached("auth0-management-api.2026-06-25.json", Repo.PinnedSpec)}", fetch.Stdout.Trim());
    }

    [Fact]
    public async Task FetchSpec_CacheFilesUnderThePinnedName_AreUsedOnlyWithThePinnedSha()
    {
        // The pin of this copy is the 2026-05-27 spec. Under the older cache name (date only) sits another spec.
        Directory.CreateDirectory(CacheDir);
        var oldName = Path.Combine(CacheDir, "auth0-management-api.2026-05-27.json");
        File.Copy(Repo.PinnedSpec, oldName);
        var env = new Dictionary<string, string?> { ["XDG_CACHE_HOME"] = Cache, ["AUTH0_MCP_SPEC"] = null };
        var fetchSpec = Path.Combine(_repo, "build", "fetch-spec.sh");

        // The one under the name with the sha is used, and the other is not even needed.
        File.Copy(Repo.OlderSpec, Cached("auth0-management-api.2026-05-27.json", Repo.OlderSpec));
        var fetch = await ChildProcess.RunAsync("bash", [fetchSpec], _repo, env, TimeSpan.FromMinutes(1));
        Assert.True(fetch.ExitCode == 0, fetch.ToString());
        Assert.Equal($"export AUTH0_MCP_SPEC={Cached("auth0-management-api.2026-05-27.json", Repo.OlderSpec)}", fetch.Stdout.Trim());

        // An older cache name with the pinned sha is still read (caches written before the sha was in the name).
        File.Delete(Cached("auth0-management-api.2026-05-27.json", Repo.OlderSpec));
        File.Copy(Repo.OlderSpec, oldName, overwrite: true);
        fetch = await ChildProcess.RunAsync("bash", [fetchSpec], _repo, env, TimeSpan.FromMinutes(1));
        Assert.True(fetch.ExitCode == 0, fetch.ToString());
        Assert.Equal($"export AUTH0_MCP_SPEC={oldName}", fetch.Stdout.Trim());
    }

    /// <summary>
    /// Two pins on one day, the second undone with git checkout: the next update must diff against the spec that is
    /// pinned (the first), not the cache copy the undone pin left under the same date.
    /// </summary>
    [Fact]
    public async Task UpdateSpec_SameDayPinUndone_DiffsAgainstThePinnedSpec()
    {
        // Pin A (the 2026-06-25 spec) and B (the 2026-05-27 spec, as another file) on the same day.
        var a = Repo.PinnedSpec;
        var b = Path.Combine(_root, "b.json");
        File.WriteAllText(b, File.ReadAllText(Repo.OlderSpec) + "\n");
        var pinA = await RunAsync(a, "--no-build", "--no-test", "--date", "2026-07-01");
        Assert.True(pinA.ExitCode == 0, pinA.ToString());
        var afterA = File.ReadAllText(PinPath);
        var noOldSpec = new Dictionary<string, string?> { ["AUTH0_MCP_OLD_SPEC"] = null };
        var pinB = await RunWithAsync(noOldSpec, b, "--no-build", "--no-test", "--date", "2026-07-01");
        Assert.True(pinB.ExitCode == 0, pinB.ToString());
        Assert.Contains("25 removed", pinB.Stdout, StringComparison.Ordinal);

        // Undo B (git checkout openapi/spec.pin.props), then update to C (the 2026-05-27 spec again, another file).
        File.WriteAllText(PinPath, afterA);
        var c = Path.Combine(_root, "c.json");
        File.WriteAllText(c, File.ReadAllText(Repo.OlderSpec) + "\n\n");
        var result = await RunWithAsync(noOldSpec, c, "--no-build", "--no-test", "--date", "2026-07-02");

        // A → C removes the 25 tools the 2026-05-27 spec lacks; B → C (the undone pin) would be no change at all.
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"0 added, 25 removed", result.Stdout);
        Assert.Contains($"== the pinned spec: {Cached("auth0-management-api.2026-07-01.json", a)}", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateSpec_CopiesUnderThePinnedNameWithAnotherSha_AreSkippedNamingThem()
    {
        // ../shared/openapi has a truncated copy under the pinned name, the older cache name another spec; only the
        // cache file under the name with the sha is the pinned spec.
        Directory.CreateDirectory(SharedDir);
        Directory.CreateDirectory(CacheDir);
        var shared = Path.Combine(SharedDir, "auth0-management-api.2026-05-27.json");
        File.WriteAllText(shared, File.ReadAllText(Repo.OlderSpec)[..1000]);
        var oldName = Path.Combine(CacheDir, "auth0-management-api.2026-05-27.json");
        File.Copy(Repo.PinnedSpec, oldName);
        File.Copy(Repo.OlderSpec, Cached("auth0-management-api.2026-05-27.json", Repo.OlderSpec));

        var result = await RunWithAsync(new Dictionary<string, string?> { ["AUTH0_MCP_OLD_SPEC"] = null }, Repo.PinnedSpec, "--no-build", "--no-test");

        // The valid new spec is not blamed for the truncated copy, and the diff is 2026-05-27 → 2026-06-25.
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"skipped '{Path.Combine(_repo, "..", "shared", "openapi", "auth0-management-api.2026-05-27.json")}': its sha256 {Sha256(shared)} is not the pinned {Sha256(Repo.OlderSpec)}", result.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"25 added, 0 removed", result.Stdout);

        // Now 2026-06-25 is pinned from a local file (no URL in the pin). With no copy that has its sha (the older
        // cache name holds another spec), the next update stops naming what it skipped.
        Assert.Contains("<Auth0SpecUrl></Auth0SpecUrl>", File.ReadAllText(PinPath), StringComparison.Ordinal);
        File.Delete(Cached("auth0-management-api.2026-06-25.json", Repo.PinnedSpec));
        var stale = Path.Combine(CacheDir, "auth0-management-api.2026-06-25.json");
        File.Copy(Repo.OlderSpec, stale);
        var again = await RunWithAsync(new Dictionary<string, string?> { ["AUTH0_MCP_OLD_SPEC"] = null }, Repo.OlderSpec, "--no-build", "--no-test");

        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"skipped '{stale}': its sha256 {Sha256(Repo.OlderSpec)} is not the pinned {Sha256(Repo.PinnedSpec)}", again.Stderr, StringComparison.Ordinal);
        Assert.Contains("was not found", again.Stderr, StringComparison.Ordinal);
        Assert.Contains("No pin written", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateSpec_OldSpecVariableWithAnotherSha_WritesNoPin()
    {
        var before = File.ReadAllText(PinPath);

        var result = await RunWithAsync(new Dictionary<string, string?> { ["AUTH0_MCP_OLD_SPEC"] = Repo.PinnedSpec }, Repo.PinnedSpec, "--no-build", "--no-test");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"AUTH0_MCP_OLD_SPEC '{Repo.PinnedSpec}' has sha256 {Sha256(Repo.PinnedSpec)}, not the pinned {Sha256(Repo.OlderSpec)}", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(PinPath));
    }

    /// <summary>The regeneration builds with the new spec even when the caller exported AUTH0_MCP_SPEC (the old one).</summary>
    [Fact]
    public async Task UpdateSpec_Rebuild_UsesTheNewSpecNotAnExportedAuth0McpSpec()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // a bash script on PATH as dotnet
        }

        // A dotnet first on PATH that records what the build step gets; the diff runs the real one by its path.
        var bin = Directory.CreateDirectory(Path.Combine(_root, "bin")).FullName;
        var log = Path.Combine(_root, "dotnet.log");
        File.WriteAllText(Path.Combine(bin, "dotnet"), $"#!/bin/sh\nprintf 'AUTH0_MCP_SPEC=%s ARGS=%s\\n' \"$AUTH0_MCP_SPEC\" \"$*\" >> '{log}'\n");
        File.SetUnixFileMode(Path.Combine(bin, "dotnet"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var dotnet = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "dotnet")).First(File.Exists);

        var result = await RunWithAsync(new Dictionary<string, string?>
        {
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["AUTH0_MCP_CLI"] = $"{dotnet} {Repo.ServerDll}",
            ["AUTH0_MCP_SPEC"] = Repo.OlderSpec,
        }, Repo.PinnedSpec, "--no-test");

        Assert.True(result.ExitCode == 0, result.ToString());
        var build = Assert.Single(File.ReadAllLines(log));
        Assert.Equal($"AUTH0_MCP_SPEC={Cached("auth0-management-api.2026-06-25.json", Repo.PinnedSpec)} ARGS=build {Path.Combine(_repo, "Auth0Mcp.Sdk.sln")} -c Release -nologo -clp:ErrorsOnly", build);
    }

    [Fact]
    public async Task UpdateSpec_Help_SaysWhereTheSpecIsCached()
    {
        var result = await RunAsync("--help");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("$XDG_CACHE_HOME or ~/.cache)/auth0mcp/spec/", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("obj/auth0-spec", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("the build's download", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateSpec_UrlWithAQuery_WritesNoPin()
    {
        var before = File.ReadAllText(PinPath);

        var result = await RunAsync("https://raw.githubusercontent.com/auth0/docs-v2/main/x.json?token=SECRET-abc&y=2", "--no-build", "--no-test");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("has a query or fragment", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-abc", result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(PinPath));
    }

    [Theory]
    [InlineData("http://ci-bot:ghp_SECRET-abc@127.0.0.1:9/auth0-management-api.2026-07-01.json")]
    [InlineData("https://ghp_SECRET-abc@raw.githubusercontent.com/auth0/docs-v2/0123456789abcdef0123456789abcdef01234567/x.json")]
    public async Task UpdateSpec_UrlWithCredentials_WritesNoPin(string url)
    {
        var before = File.ReadAllText(PinPath);

        var result = await RunAsync(url, "--no-build", "--no-test");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("has credentials", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-abc", result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(PinPath));
    }

    [Fact]
    public async Task UpdateSpec_LocalFileWithoutCommit_PinsItAndWarnsThatOtherClonesCannotFetchIt()
    {
        var result = await RunAsync(Repo.PinnedSpec, "--no-build", "--no-test");

        Assert.True(result.ExitCode == 0, result.ToString());
        var pin = File.ReadAllText(PinPath);
        Assert.Contains($"<Auth0SpecSha256>{Sha256(Repo.PinnedSpec)}</Auth0SpecSha256>", pin);
        Assert.Contains("<Auth0SpecUrl></Auth0SpecUrl>", pin);
        Assert.Contains("warning: the pin has no download URL", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--commit SHA", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateSpec_MissingFile_FailsAndWritesNoPin()
    {
        var before = File.ReadAllText(PinPath);

        var result = await RunAsync(Path.Combine(_root, "missing.json"), "--no-build", "--no-test");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr);
        Assert.Contains("No pin written", result.Stderr);
        Assert.Equal(before, File.ReadAllText(PinPath));
    }

    [Theory]
    [InlineData("{\"openapi\": \"3.1.0\", \"paths\": {", "A0MG001")]
    [InlineData("{\"name\": \"left-pad\", \"version\": \"1.3.0\"}", "A0MG007")]
    [InlineData("", "is empty")]
    public async Task UpdateSpec_BadSpec_FailsWithTheReasonAndWritesNoPin(string text, string expected)
    {
        var before = File.ReadAllText(PinPath);
        var bad = Path.Combine(_root, "bad-2026-07-01.json");
        File.WriteAllText(bad, text);

        var result = await RunAsync(bad, "--no-build", "--no-test");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.Contains("No pin written", result.Stderr);
        Assert.Equal(before, File.ReadAllText(PinPath));
        Assert.False(Directory.Exists(Path.Combine(_repo, "src")));
    }

    [Fact]
    public async Task UpdateSpec_ThePinnedSpecAgain_ChangesNothing()
    {
        var before = File.ReadAllText(PinPath);

        var result = await RunAsync(Repo.OlderSpec, "--no-build", "--no-test");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("nothing to do", result.Stdout);
        Assert.Equal(before, File.ReadAllText(PinPath));
    }

    [Fact]
    public async Task UpdateSpec_NoArguments_PrintsUsage()
    {
        var result = await RunAsync();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("FILE_OR_URL", result.Stderr);
    }

    private static string Sha256(string path) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
}
