using System.Text.RegularExpressions;
using Auth0Mcp.Generators.Tests.Infrastructure;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// build/fetch-spec.sh, run from a copy of build/ and openapi/spec.pin.props in a temp folder and used as every script
/// uses it, <c>eval "$(bash build/fetch-spec.sh)"</c>: the printed path must come back whole, whatever it holds.
/// (Here rather than beside the update-spec tests in Auth0Mcp.Packaging.Tests: those build the whole server first.)
/// </summary>
public sealed partial class FetchSpecScriptTests : IDisposable
{
    /// <summary>A folder name a shell would split, expand or run if the path went to eval unquoted.</summary>
    private const string Hostile = "a b$(touch PWN1)`touch PWN2`'q\"";

    private readonly string _root = Directory.CreateTempSubdirectory("auth0mcp-fetch-spec-").FullName;

    public FetchSpecScriptTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "repo", "build"));
        Directory.CreateDirectory(Path.Combine(_root, "repo", "openapi"));
        File.Copy(Path.Combine(TestPaths.RepoRoot, "build", "fetch-spec.sh"), Path.Combine(_root, "repo", "build", "fetch-spec.sh"));
        File.Copy(Path.Combine(TestPaths.RepoRoot, "openapi", "spec.pin.props"), PinPath);
    }

    private string PinPath => Path.Combine(_root, "repo", "openapi", "spec.pin.props");

    private string[] Pwned => Directory.GetFiles(_root, "PWN*", SearchOption.AllDirectories);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task FetchSpec_SpecPathWithSpacesQuotesAndCommands_EvalExportsThatPathAndRunsNothing()
    {
        var spec = Path.Combine(_root, Hostile, "auth0.json");
        Directory.CreateDirectory(Path.GetDirectoryName(spec)!);
        File.Copy(TestPaths.FullSpec, spec);

        var (code, exported, stderr) = await EvalAsync(new() { ["AUTH0_MCP_SPEC"] = spec, ["XDG_CACHE_HOME"] = Path.Combine(_root, "cache") });

        Assert.Empty(Pwned);
        Assert.True(code == 0, stderr);
        Assert.Equal(spec, exported);
    }

    [Fact]
    public async Task FetchSpec_DownloadIntoACacheWithSpacesQuotesAndCommands_EvalExportsThatPathAndRunsNothing()
    {
        // The pin's URL points at a local server with the pinned spec; the user cache is under the hostile folder.
        using var server = new SpecServer(File.ReadAllBytes(TestPaths.FullSpec));
        File.WriteAllText(PinPath, UrlPattern().Replace(File.ReadAllText(PinPath), $"<Auth0SpecUrl>{server.Url}spec.json</Auth0SpecUrl>"));
        var cache = Path.Combine(_root, Hostile);

        var (code, exported, stderr) = await EvalAsync(new() { ["XDG_CACHE_HOME"] = cache });

        Assert.Empty(Pwned);
        Assert.True(code == 0, stderr);
        Assert.Contains("spec: downloading", stderr, StringComparison.Ordinal);
        Assert.StartsWith(Path.Combine(cache, "auth0mcp", "spec") + "/", exported, StringComparison.Ordinal);
        Assert.True(File.Exists(exported), exported);
    }

    [Fact]
    public async Task FetchSpec_AnotherPinAndVariable_DownloadsItsSpecAndExportsThatVariable_ThenFindsItThere()
    {
        // The older spec the spec-update tests diff against has its own pin (tests/older-spec.pin.props): a CI without
        // ../shared fetches it so, checked against its own sha256, and exports it under its own name.
        var body = "{\"openapi\":\"3.1.0\",\"paths\":{}}\n"u8.ToArray();
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        using var server = new SpecServer(body);
        var pin = Path.Combine(_root, "repo", "older.pin.props");
        File.WriteAllText(pin, $"""
            <Project><PropertyGroup>
              <Auth0SpecFileName>older.json</Auth0SpecFileName>
              <Auth0SpecSha256>{sha}</Auth0SpecSha256>
              <Auth0SpecUrl>{server.Url}older.json</Auth0SpecUrl>
            </PropertyGroup></Project>
            """);
        var script = Path.Combine(_root, "repo", "build", "fetch-spec.sh");
        var env = new Dictionary<string, string?> { ["XDG_CACHE_HOME"] = Path.Combine(_root, "cache"), ["OLDER_SPEC"] = null, ["AUTH0_MCP_SPEC"] = null };

        var first = await ChildProcess.RunAsync("bash", [script, "--pin", pin, "--export", "OLDER_SPEC"], _root, env, TimeSpan.FromMinutes(1));

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("spec: downloading", first.Stderr, StringComparison.Ordinal);
        var cached = Path.Combine(_root, "cache", "auth0mcp", "spec", $"older.{sha[..12]}.json");
        Assert.Equal($"export OLDER_SPEC={cached}", first.Stdout.Trim());
        Assert.Equal(body, File.ReadAllBytes(cached));

        // Given in its variable (and nowhere else), it is used as it is: no download.
        var elsewhere = Path.Combine(_root, "given.json");
        File.Move(cached, elsewhere);
        env["OLDER_SPEC"] = elsewhere;
        var second = await ChildProcess.RunAsync("bash", [script, "--pin", pin, "--export", "OLDER_SPEC"], _root, env, TimeSpan.FromMinutes(1));
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal($"export OLDER_SPEC={elsewhere}", second.Stdout.Trim());
        Assert.DoesNotContain("downloading", second.Stderr, StringComparison.Ordinal);

        var bad = await ChildProcess.RunAsync("bash", [script, "--pin", pin, "--export", "NOT A NAME"], _root, env, TimeSpan.FromMinutes(1));
        Assert.Equal(2, bad.ExitCode);
        Assert.Empty(bad.Stdout);
    }

    /// <summary><c>eval "$(bash build/fetch-spec.sh)"</c> in bash, then the AUTH0_MCP_SPEC it exported.</summary>
    private async Task<(int Code, string Exported, string Stderr)> EvalAsync(Dictionary<string, string?> env)
    {
        var script = Path.Combine(_root, "repo", "build", "fetch-spec.sh");
        env.TryAdd("AUTH0_MCP_SPEC", null); // never the spec this test host was started with
        var (code, stdout, stderr) = await ChildProcess.RunAsync(
            "bash", ["-c", "set -e; eval \"$(bash \"$1\")\"; printf %s \"$AUTH0_MCP_SPEC\"", "bash", script], _root, env, TimeSpan.FromMinutes(5));
        return (code, stdout, stderr);
    }

    [GeneratedRegex("<Auth0SpecUrl>.*</Auth0SpecUrl>")]
    private static partial Regex UrlPattern();
}
