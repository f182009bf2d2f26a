using System.Text.RegularExpressions;

namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>
/// Starts one Prism mock of the Auth0 Management API (tests/peers/prism-start.sh) for a test collection and stops
/// it afterwards. Prism validates every request against the spec and answers 4xx for an invalid one.
/// Installs the peers first when they are missing (tests/peers/install.sh is idempotent).
/// </summary>
public sealed partial class PrismFixture : IAsyncLifetime
{
    private int _pid;

    public Uri BaseUrl { get; private set; } = null!;

    public string LogPath { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await Peers.EnsureInstalledAsync();
        var (code, stdout, stderr) = await ChildProcess.RunAsync("bash", [Path.Combine(Repo.Tools, "prism-start.sh"), Repo.Spec], timeout: TimeSpan.FromMinutes(3));
        if (code != 0)
        {
            throw new InvalidOperationException($"Prism did not start (exit {code}): {stderr}");
        }

        var match = StartLine().Match(stdout);
        if (!match.Success)
        {
            throw new InvalidOperationException($"Unexpected prism-start output: {stdout}");
        }

        BaseUrl = new Uri($"http://127.0.0.1:{match.Groups[1].Value}");
        _pid = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        LogPath = match.Groups[3].Value;
    }

    public async Task DisposeAsync()
    {
        if (_pid > 0)
        {
            await ChildProcess.RunAsync("bash", [Path.Combine(Repo.Tools, "prism-stop.sh"), _pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], timeout: TimeSpan.FromSeconds(30));
        }
    }

    [GeneratedRegex(@"PRISM_PORT=(\d+) PRISM_PID=(\d+) PRISM_LOG=(\S+)")]
    private static partial Regex StartLine();
}

/// <summary>The pinned npm peers in tests/peers (package.json + lock file), installed on first use.</summary>
internal static class Peers
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The folder holding the peers' package.json, scripts and node_modules.</summary>
    public static string Dir => Repo.Tools;

    /// <summary>An installed peer's command, e.g. <c>prism</c> or <c>mcp-inspector</c>.</summary>
    public static string Bin(string name) => Path.Combine(Dir, "node_modules", ".bin", name);

    public static async Task EnsureInstalledAsync()
    {
        await Gate.WaitAsync();
        try
        {
            var (code, stdout, stderr) = await ChildProcess.RunAsync("bash", [Path.Combine(Dir, "install.sh")], timeout: TimeSpan.FromMinutes(20));
            if (code != 0)
            {
                throw new InvalidOperationException($"Installing the test peers failed (exit {code}): {stdout}\n{stderr}");
            }
        }
        finally
        {
            Gate.Release();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PrismCollection : ICollectionFixture<PrismFixture>
{
    public const string Name = "prism";
}
