using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Packaging.Tests.Infrastructure;

namespace Auth0Mcp.Packaging.Tests;

/// <summary>
/// The two framework-dependent executables the packages ship: the generator's pre-compile CLI (tools/auth0-mcp-gen in
/// Auth0Mcp.Generators, run by a consumer's build) and the auth0-mcp .NET tool. Both must start where only a later
/// major version of .NET is installed (a .NET 11 SDK alone): their runtimeconfig.json says rollForward Major, and a run
/// on a dotnet root whose every shared framework is this machine's runtime filed under 11.0.0 starts them.
/// The packed files are the build's (the pack copies them; PackageTests checks they are in the packages).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RuntimeConfigTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("auth0mcp-rollforward-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Each executable with an argument that starts it and exits 0.</summary>
    public static TheoryData<string, string> Executables => new()
    {
        { "auth0-mcp-gen", "--help" },
        { "auth0-mcp", "--version" },
    };

    /// <summary>Where the build put it: the CLI project's output, and this project's (the server is a reference).</summary>
    private static string Folder(string name) => name == "auth0-mcp-gen"
        ? Path.Combine(Repo.Root, "generators", "Auth0Mcp.Generators.Cli", "bin", Repo.Configuration, "net10.0")
        : AppContext.BaseDirectory;

    [Theory]
    [InlineData("auth0-mcp-gen")]
    [InlineData("auth0-mcp")]
    public void RuntimeConfig_RollsForwardToALaterMajorVersion(string name)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder(name), name + ".runtimeconfig.json")));
        Assert.True(config.RootElement.GetProperty("runtimeOptions").TryGetProperty("rollForward", out var rollForward), config.RootElement.ToString());
        Assert.Equal("Major", rollForward.GetString());
    }

    [Theory]
    [MemberData(nameof(Executables))]
    public async Task Executable_OnAMachineWithOnlyALaterMajorRuntime_Starts(string name, string argument)
    {
        var dotnet = SimulatedLaterRuntime();

        var result = await ChildProcess.RunAsync(dotnet, [Path.Combine(Folder(name), name + ".dll"), argument], _root, new Dictionary<string, string?>
        {
            ["DOTNET_ROOT"] = Path.GetDirectoryName(dotnet),
            ["DOTNET_MULTILEVEL_LOOKUP"] = "0",
            ["DOTNET_ROLL_FORWARD"] = null, // the runtimeconfig.json alone decides
            ["DOTNET_ROLL_FORWARD_TO_PRERELEASE"] = null,
        }, TimeSpan.FromMinutes(1));

        // Without rollForward the host exits 150 ("You must install or update .NET"), which a consumer's build reports as A0MB005.
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("install or update .NET", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// A dotnet root with this machine's muxer and host resolver, whose shared frameworks (each one's newest version
    /// here, its files linked) are filed under version 11.0.0 only, as on a machine with a .NET 11 runtime and no .NET
    /// 10. Returns its dotnet.
    /// </summary>
    private string SimulatedLaterRuntime()
    {
        var machineRoot = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var root = Path.Combine(_root, "dotnet11");
        Directory.CreateDirectory(root);
        var dotnet = Path.Combine(root, "dotnet");
        File.Copy(Path.Combine(machineRoot, "dotnet"), dotnet); // copied: the muxer finds its root from its own path
        File.CreateSymbolicLink(Path.Combine(root, "host"), Path.Combine(machineRoot, "host"));
        foreach (var framework in Directory.GetDirectories(Path.Combine(machineRoot, "shared")))
        {
            var newest = Directory.GetDirectories(framework).OrderBy(v => Version.TryParse(Path.GetFileName(v).Split('-')[0], out var parsed) ? parsed : new Version()).Last();
            var target = Path.Combine(root, "shared", Path.GetFileName(framework), "11.0.0");
            Directory.CreateDirectory(target);
            foreach (var file in Directory.GetFiles(newest))
            {
                var link = Path.Combine(target, Path.GetFileName(file));
                if (file.EndsWith(".runtimeconfig.json", StringComparison.Ordinal))
                {
                    // A framework on another (Microsoft.AspNetCore.App on Microsoft.NETCore.App) names that one's version.
                    File.WriteAllText(link, Regex.Replace(File.ReadAllText(file), "\"version\":\\s*\"[^\"]*\"", "\"version\": \"11.0.0\""));
                }
                else
                {
                    File.CreateSymbolicLink(link, file);
                }
            }
        }

        return dotnet;
    }
}
