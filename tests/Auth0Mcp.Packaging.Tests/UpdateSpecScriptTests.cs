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

    private Task<Processes.Result> RunAsync(params string[] args) =>
        Processes.RunAsync("bash", [Script, .. args], _root, new Dictionary<string, string?>
        {
            ["AUTH0_MCP_CLI"] = $"dotnet {Repo.ServerDll}",
            ["AUTH0_MCP_OLD_SPEC"] = Repo.OlderSpec,
            ["XDG_CACHE_HOME"] = Cache,
        }, TimeSpan.FromMinutes(3));

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
        // The spec sits in the user cache, which the build and build/fetch-spec.sh read: no network needed.
        Assert.True(File.Exists(Path.Combine(Cache, "auth0mcp", "spec", "auth0-management-api.2026-06-25.json")));
        Assert.DoesNotContain("no download URL", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateSpec_LocalFile_FetchSpecFindsItAfterwardsWithoutANetwork()
    {
        var result = await RunAsync(Repo.PinnedSpec, "--no-build", "--no-test");
        Assert.True(result.ExitCode == 0, result.ToString());

        // This copy of the repository has no ../shared beside it, and the pin no URL: only the cache can serve it.
        var fetch = await Processes.RunAsync("bash", [Path.Combine(_repo, "build", "fetch-spec.sh")], _repo,
            new Dictionary<string, string?> { ["XDG_CACHE_HOME"] = Cache, ["AUTH0_MCP_SPEC"] = null }, TimeSpan.FromMinutes(1));

        Assert.True(fetch.ExitCode == 0, fetch.ToString());
        Assert.Equal($"export AUTH0_MCP_SPEC={Path.Combine(Cache, "auth0mcp", "spec", "auth0-management-api.2026-06-25.json")}", fetch.Stdout.Trim());
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
