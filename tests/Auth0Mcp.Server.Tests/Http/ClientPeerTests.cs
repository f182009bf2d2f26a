using System.Diagnostics;
using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests.Http;

/// <summary>
/// Real third-party clients (the MCP TypeScript SDK client and the MCP Inspector CLI) list tools and call one
/// against Prism, through the real <c>auth0-mcp</c> process over stdio and over Streamable HTTP, governance on:
/// a temp store where an administrator approved every tool and bound them to the user "peer".
/// </summary>
[Collection(PrismCollection.Name)]
public sealed class ClientPeerTests(PrismFixture prism) : IDisposable
{
    private const string PeerKey = "peer-key-0123456789abcdef01";
    private readonly TempGovernance _governance = new();
    private bool _setUp;

    public void Dispose() => _governance.Dispose();

    private static string Inspector => Peers.Bin("mcp-inspector");

    private async Task<Dictionary<string, string?>> EnvironmentAsync()
    {
        await Peers.EnsureInstalledAsync();
        if (!_setUp)
        {
            await _governance.RunAsync("tools", "approve", "*");
            await _governance.RunAsync("profiles", "create", "peers", "--toolsets", "all-approved", "--users", "peer", "--policy", "auto");
            _setUp = true;
        }

        return new()
        {
            ["AUTH0_MCP_BASE_URL"] = prism.BaseUrl.ToString().TrimEnd('/'),
            ["AUTH0_TOKEN"] = "test-token-peers-1",
            ["AUTH0_DOMAIN"] = null,
            ["AUTH0_CLIENT_ID"] = null,
            ["AUTH0_CLIENT_SECRET"] = null,
            ["AUTH0_MCP_STORE"] = _governance.Store,
            ["AUTH0_MCP_USER"] = "peer",
            ["AUTH0_MCP_API_KEYS"] = $"{PeerKey}=peer",
        };
    }

    private static List<JsonElement> JsonLines(string stdout) =>
        stdout.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Theory]
    [InlineData("stdio")]
    [InlineData("http")]
    public async Task TypeScriptSdkClient_ListsAndCalls(string transport)
    {
        var env = await EnvironmentAsync();
        await using var http = transport == "http" ? await HttpProcess.StartAsync(env) : null;
        var target = http is null ? new[] { "--stdio", $"{Repo.ServerCommandLine} serve" } : ["--http", http.Url];
        var clientEnv = new Dictionary<string, string?>(env) { ["MCP_HEADERS"] = $"{{\"X-API-Key\":\"{PeerKey}\"}}" };

        var (code, stdout, stderr) = await ChildProcess.RunAsync("node", [Path.Combine(Repo.Tools, "mcp-client.cjs"), .. target, "auth0_users_list", "{\"per_page\":2}"], env: clientEnv, timeout: TimeSpan.FromMinutes(3));

        Assert.True(code == 0, $"mcp-client exit {code}\n{stdout}\n{stderr}");
        var lines = JsonLines(stdout);
        Assert.Equal(452, lines.Single(e => e.GetProperty("step").GetString() == "tools/list").GetProperty("tools").GetInt32());
        var call = lines.Single(e => e.GetProperty("step").GetString() == "tools/call");
        Assert.False(call.TryGetProperty("isError", out var isError) && isError.ValueKind == JsonValueKind.True, call.ToString());
        Assert.Contains(HttpAuthTests.AuditLines(await _governance.AuditAsync()), r => r.Tool == "auth0_users_list" && r.User == "peer" && r.Outcome == "success");
    }

    [Theory]
    [InlineData("stdio")]
    [InlineData("http")]
    public async Task InspectorCli_ListsAndCalls(string transport)
    {
        var env = await EnvironmentAsync();
        await using var http = transport == "http" ? await HttpProcess.StartAsync(env) : null;
        List<string> target = http is null
            ? [.. env.Where(kv => kv.Value is not null).SelectMany(kv => new[] { "-e", $"{kv.Key}={kv.Value}" }), .. Repo.ServerArgs("serve").Prepend(Repo.ServerFile)]
            : [http.Url, "--header", $"X-API-Key: {PeerKey}"];
        var inspectorEnv = new Dictionary<string, string?>
        {
            ["MCP_CATALOG_PATH"] = Path.Combine(Path.GetTempPath(), "auth0mcp-inspector-catalog.json"),
            ["MCP_CLIENT_CONFIG_PATH"] = Path.Combine(Path.GetTempPath(), "auth0mcp-inspector-client.json"),
        };

        var list = await ChildProcess.RunAsync(Inspector, ["--cli", "--format", "json", .. target, "--method", "tools/list"], env: inspectorEnv, timeout: TimeSpan.FromMinutes(2));
        var call = await ChildProcess.RunAsync(Inspector, ["--cli", .. target, "--method", "tools/call", "--tool-name", "auth0_users_get", "--tool-arg", "id=auth0|123"], env: inspectorEnv, timeout: TimeSpan.FromMinutes(2));

        Assert.True(list.ExitCode == 0, $"inspector tools/list exit {list.ExitCode}\n{list.Stderr}");
        Assert.Contains("\"auth0_users_list\"", list.Stdout, StringComparison.Ordinal);
        Assert.True(call.ExitCode == 0, $"inspector tools/call exit {call.ExitCode}\n{call.Stdout}\n{call.Stderr}");
        Assert.Contains(HttpAuthTests.AuditLines(await _governance.AuditAsync()), r => r.Tool == "auth0_users_get" && r.User == "peer" && r.Outcome == "success");
    }
}

/// <summary>The real <c>auth0-mcp serve --http</c> process on a free loopback port.</summary>
internal sealed class HttpProcess : IAsyncDisposable
{
    private readonly Process _process;

    private HttpProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    public static async Task<HttpProcess> StartAsync(IDictionary<string, string?> env, params string[] extra)
    {
        var psi = new ProcessStartInfo(Repo.ServerFile) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in Repo.ServerArgs("serve", "--http", "http://127.0.0.1:0/mcp").Concat(extra))
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        var process = Process.Start(psi)!;
        _ = process.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardError.ReadLineAsync(cts.Token) is { } line)
        {
            var at = line.IndexOf(" at http://", StringComparison.Ordinal);
            if (at >= 0)
            {
                _ = process.StandardError.ReadToEndAsync();
                return new HttpProcess(process, line[(at + 4)..].Trim());
            }
        }

        throw new InvalidOperationException("auth0-mcp serve --http exited before listening.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
