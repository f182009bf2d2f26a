using System.Text.RegularExpressions;

namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>
/// Starts one Prism mock of the Auth0 Management API (../shared/tools/prism-start.sh) for a test collection and stops
/// it afterwards. Prism validates every request against the spec and answers 4xx for an invalid one.
/// Installs the peers first when they are missing (setup.sh is idempotent).
/// </summary>
public sealed partial class PrismFixture : IAsyncLifetime
{
    private int _pid;

    public Uri BaseUrl { get; private set; } = null!;

    public string LogPath { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await Peers.EnsureInstalledAsync();
        var (code, stdout, stderr) = await Processes.RunAsync("bash", [Path.Combine(Repo.Tools, "prism-start.sh"), Repo.Spec], timeout: TimeSpan.FromMinutes(3));
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
            await Processes.RunAsync("bash", [Path.Combine(Repo.Tools, "prism-stop.sh"), _pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], timeout: TimeSpan.FromSeconds(30));
        }
    }

    [GeneratedRegex(@"PRISM_PORT=(\d+) PRISM_PID=(\d+) PRISM_LOG=(\S+)")]
    private static partial Regex StartLine();
}

/// <summary>The npm-installed peers under ~/.cache/auth0mcp-peers.</summary>
internal static class Peers
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string Dir => Environment.GetEnvironmentVariable("PEERS_DIR")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "auth0mcp-peers");

    public static async Task EnsureInstalledAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(Dir, "prism", "node_modules", ".bin", "prism"))
                && Directory.Exists(Path.Combine(Dir, "sdk", "node_modules", "@modelcontextprotocol", "sdk")))
            {
                return;
            }

            var (code, stdout, stderr) = await Processes.RunAsync("bash", [Path.Combine(Repo.Tools, "setup.sh")], timeout: TimeSpan.FromMinutes(15));
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
