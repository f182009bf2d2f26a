using System.Security.Cryptography;
using Auth0Mcp.Generators.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// The package's MSBuild targets (generators/Auth0Mcp.Generators/build/Auth0Mcp.Generators.targets) imported by a bare
/// project and run up to Auth0McpGenerateClients with the CLI built beside these tests: what reaches the generator's
/// command line, and when the step counts as done. No package, no compile: a second or two per build.
/// </summary>
public sealed class GenerationTargetsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("auth0mcp-targets-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string GeneratedDir => Path.Combine(_dir, "obj", "auth0");

    /// <summary>Files a command smuggled into a value would have created (the build runs in <see cref="_dir"/>).</summary>
    private string[] Pwned => Directory.GetFiles(_dir, "PWN*", SearchOption.AllDirectories);

    public static TheoryData<string, string, string, string> HostileValues => new()
    {
        // name of the spec file, Auth0McpNamespace, Auth0McpGroups, what the generator must then say
        { "w\"$(touch PWN1)`touch PWN2`'x.json", "Probe.Api", "", "auth0-mcp-gen: 12 operations" },
        { "operations.json", "X\";touch PWN3;\"'", "", "auth0-mcp-gen: 12 operations" },
        { "operations.json", "Probe.Api", "users$(touch PWN4)';touch PWN5;'", "auth0-mcp-gen: 0 operations" },
        // MSBuild's escape for ' (harmless in the old double quotes; in single quotes it must not close one).
        { "operations.json", "a%27;touch PWN6;%27", "", "auth0-mcp-gen: 12 operations" },
    };

    [Theory]
    [MemberData(nameof(HostileValues))]
    public async Task GenerateClients_QuotesDollarsAndBackticksInTheValues_ReachTheGeneratorAsTextNotAsCommands(string specName, string ns, string groups, string generated)
    {
        var spec = Path.Combine(_dir, "specs", specName);
        Directory.CreateDirectory(Path.GetDirectoryName(spec)!);
        File.Copy(TestPaths.Fixture("Operations.json"), spec);

        var result = await BuildAsync(new() { ["AUTH0_MCP_SPEC"] = spec, ["Auth0McpNamespace"] = ns, ["Auth0McpGroups"] = groups });

        Assert.Empty(Pwned);
        Assert.True(result.ExitCode == 0, result.Text);
        Assert.Contains(generated, result.Text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(GeneratedDir, "Models", "Models.g.cs")), result.Text);
    }

    [Fact]
    public async Task GenerateClients_UrlEndingInAShellCommand_DownloadedWithoutThatExtensionAndNothingRun()
    {
        var spec = File.ReadAllBytes(TestPaths.Fixture("Operations.json"));
        using var server = new SpecServer(spec);

        var result = await BuildAsync(new() { ["AUTH0_MCP_SPEC"] = server.Url + "s.json\"||touch${IFS}PWN2||\"" });

        Assert.Empty(Pwned);
        Assert.True(result.ExitCode == 0, result.Text);
        Assert.Contains("auth0-mcp-gen: 12 operations", result.Text, StringComparison.Ordinal);
        // The URL's "extension" (.json"||touch${IFS}PWN2||") is not .json/.yaml/.yml: none, and the generator reads the content.
        var downloaded = Assert.Single(Directory.GetFiles(Path.Combine(_dir, "obj", "auth0-spec")));
        Assert.Matches("^spec-[-0-9]+$", Path.GetFileName(downloaded));
        Assert.Equal(spec, File.ReadAllBytes(downloaded));
    }

    [Theory]
    [InlineData("spec.YAML", ".yaml")]
    [InlineData("spec.json?version=2", "")]
    public async Task GenerateClients_Url_KeepsOnlyAJsonOrYamlExtension(string path, string extension)
    {
        using var server = new SpecServer(File.ReadAllBytes(TestPaths.Fixture("Operations.json")));

        var result = await BuildAsync(new() { ["AUTH0_MCP_SPEC"] = server.Url + path });

        // JSON is YAML too: the .yaml copy is read as YAML and gives the same twelve operations.
        Assert.True(result.ExitCode == 0, result.Text);
        Assert.Contains("auth0-mcp-gen: 12 operations", result.Text, StringComparison.Ordinal);
        var downloaded = Assert.Single(Directory.GetFiles(Path.Combine(_dir, "obj", "auth0-spec")));
        Assert.Equal(extension, Path.GetExtension(downloaded));
    }

    [Fact]
    public async Task ResolveSpec_UrlServingOtherBytesThanThePinOnce_NothingKeptAndTheNextBuildDownloadsAgain()
    {
        var spec = File.ReadAllBytes(TestPaths.Fixture("Operations.json"));
        var pin = Convert.ToHexStringLower(SHA256.HashData(spec));
        using var server = new SpecServer([.. spec, .. " "u8]); // a mirror serving other bytes (one more space)
        var env = new Dictionary<string, string?> { ["AUTH0_MCP_SPEC"] = server.Url + "spec.json", ["Auth0SpecSha256"] = pin, ["Auth0SpecMismatchHelp"] = "UPDATE-THE-PIN" };

        var bad = await BuildAsync(env);

        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains($"error A0MB003: Auth0Mcp.Generators: the spec downloaded from '{server.Url}spec.json' does not match Auth0SpecSha256: expected sha256 {pin}", bad.Text, StringComparison.Ordinal);
        Assert.Contains("nothing was kept, and the next build downloads it again", bad.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("UPDATE-THE-PIN", bad.Text, StringComparison.Ordinal); // the pin is right; the download is not
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "obj", "auth0-spec")));

        server.Body = spec; // the mirror is fixed
        var good = await BuildAsync(env);

        Assert.True(good.ExitCode == 0, good.Text);
        Assert.Contains("auth0-mcp-gen: 12 operations", good.Text, StringComparison.Ordinal);
        Assert.Equal(2, server.Requests);
        Assert.Equal(spec, File.ReadAllBytes(Assert.Single(Directory.GetFiles(Path.Combine(_dir, "obj", "auth0-spec")))));
    }

    [Fact]
    public async Task ResolveSpec_PinChangedForTheSameUrl_TheKeptDownloadIsReplaced()
    {
        var first = File.ReadAllBytes(TestPaths.Fixture("Operations.json"));
        byte[] second = [.. first, .. "\n"u8];
        using var server = new SpecServer(first);
        var env = new Dictionary<string, string?> { ["AUTH0_MCP_SPEC"] = server.Url + "spec.json", ["Auth0SpecSha256"] = Convert.ToHexStringLower(SHA256.HashData(first)) };
        Assert.Equal(0, (await BuildAsync(env)).ExitCode);

        // The address now serves another spec, and the pin was moved to it.
        server.Body = second;
        env["Auth0SpecSha256"] = Convert.ToHexStringLower(SHA256.HashData(second));
        var result = await BuildAsync(env);

        Assert.True(result.ExitCode == 0, result.Text);
        Assert.Contains("downloading '" + server.Url + "spec.json' again", result.Text, StringComparison.Ordinal);
        Assert.Equal(2, server.Requests);
        Assert.Equal(second, File.ReadAllBytes(Assert.Single(Directory.GetFiles(Path.Combine(_dir, "obj", "auth0-spec")))));
    }

    [Fact]
    public async Task GenerateClients_CommandExitsZeroWithoutWritingTheFiles_A0MB009AndNotMarkedDone()
    {
        // `true` in place of dotnet: exit code 0, nothing generated (as a command smuggled in with || used to end).
        var result = await BuildAsync(new() { ["AUTH0_MCP_SPEC"] = TestPaths.Fixture("Operations.json") }, "-p:_Auth0McpDotnet=true");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error A0MB009: Auth0Mcp.Generators: the pre-compile generator exited with 0 but did not write its files", result.Text, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(GeneratedDir, ".stamp")), "a generation that never happened was marked done");
    }

    [Theory]
    [InlineData("Auth0McpNamespace", "X\"||calc||\"")]
    [InlineData("Auth0McpGroups", "%USERPROFILE%")]
    [InlineData("Auth0McpGroups", "users\nroles")]
    public async Task GenerateClients_WindowsCommandLine_ValueItCannotQuote_A0MB008BeforeAnythingRuns(string property, string value)
    {
        // cmd (Windows) has no quoting for " or %VAR%: refused. _Auth0McpShell picks the Windows form on this machine.
        var result = await BuildAsync(new() { ["AUTH0_MCP_SPEC"] = TestPaths.Fixture("Operations.json"), [property] = value }, "-p:_Auth0McpShell=cmd");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error A0MB008: Auth0Mcp.Generators: the spec path, the namespace, the groups or the output folder holds a double quote, a % or a line break", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("auth0-mcp-gen:", result.Text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(GeneratedDir, "Models")));
    }

    /// <summary>Runs <c>dotnet msbuild -t:Auth0McpGenerateClients</c> on a bare project importing the package's targets.</summary>
    private async Task<(int ExitCode, string Text)> BuildAsync(Dictionary<string, string?> env, params string[] args)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "auth0-mcp-gen.dll");
        var targets = Path.Combine(TestPaths.RepoRoot, "generators", "Auth0Mcp.Generators", "build", "Auth0Mcp.Generators.targets");
        File.WriteAllText(Path.Combine(_dir, "Probe.proj"), $"""
            <Project>
              <PropertyGroup>
                <ProjectDir>$(MSBuildProjectDirectory)/</ProjectDir>
                <BaseIntermediateOutputPath>obj/</BaseIntermediateOutputPath>
                <IntermediateOutputPath>obj/</IntermediateOutputPath>
                <RootNamespace>Probe</RootNamespace>
                <Auth0McpGenCli>{cli}</Auth0McpGenCli>
              </PropertyGroup>
              <Import Project="{targets}" />
            </Project>
            """);

        env.TryAdd("AUTH0_MCP_SPEC", null); // never the spec this test host was started with
        var (code, stdout, stderr) = await ChildProcess.RunAsync(
            "dotnet", ["msbuild", "Probe.proj", "-t:Auth0McpGenerateClients", "-nologo", "-v:n", "-nodeReuse:false", .. args], _dir, env, TimeSpan.FromMinutes(5));
        var text = stdout + stderr;
        output.WriteLine(text);
        return (code, text);
    }
}
