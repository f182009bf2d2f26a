using System.Globalization;
using System.Text.RegularExpressions;

namespace Auth0Mcp.Packaging.Tests.Infrastructure;

/// <summary>A Prism mock of the pinned spec (tests/peers/prism-start.sh), stopped on dispose.</summary>
internal sealed partial class Prism : IAsyncDisposable
{
    private readonly int _pid;

    private Prism(Uri baseUrl, int pid)
    {
        BaseUrl = baseUrl;
        _pid = pid;
    }

    public Uri BaseUrl { get; }

    private static string Tools => Path.Combine(Repo.Root, "tests", "peers");

    public static async Task<Prism> StartAsync(string spec)
    {
        var install = await ChildProcess.RunAsync("bash", [Path.Combine(Tools, "install.sh")], timeout: TimeSpan.FromMinutes(20));
        Assert.True(install.ExitCode == 0, install.ToString());

        var result = await ChildProcess.RunAsync("bash", [Path.Combine(Tools, "prism-start.sh"), spec], timeout: TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode == 0, result.ToString());
        var match = StartLine().Match(result.Stdout);
        Assert.True(match.Success, result.ToString());
        return new Prism(new Uri($"http://127.0.0.1:{match.Groups[1].Value}"), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync() =>
        await ChildProcess.RunAsync("bash", [Path.Combine(Tools, "prism-stop.sh"), _pid.ToString(CultureInfo.InvariantCulture)], timeout: TimeSpan.FromSeconds(30));

    [GeneratedRegex(@"PRISM_PORT=(\d+) PRISM_PID=(\d+)")]
    private static partial Regex StartLine();
}
