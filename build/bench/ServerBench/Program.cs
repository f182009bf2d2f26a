using System.Diagnostics;
using System.Globalization;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

// Usage: ServerBench <auth0-mcp.dll> <tests/peers dir> [calls=400]
// Prints a Markdown report on stdout. Servers run as child processes; everything binds to 127.0.0.1.
var dll = Path.GetFullPath(args[0]);
var tools = Path.GetFullPath(args[1]);
var calls = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 400;
var work = Directory.CreateTempSubdirectory("auth0mcp-bench-").FullName;
var store = Path.Combine(work, "governance.db");
const string Key = "bench-key-0123456789abcdef01";

// A fast local stand-in for Auth0: one fixed small JSON answer.
var stubBuilder = WebApplication.CreateSlimBuilder();
stubBuilder.Logging.ClearProviders();
stubBuilder.WebHost.UseUrls("http://127.0.0.1:0");
await using var stub = stubBuilder.Build();
stub.MapGet("/users/{id}", () => Results.Text("{\"user_id\":\"auth0|1\",\"email\":\"a@example.com\",\"name\":\"A\"}", "application/json"));
await stub.StartAsync();
var stubUrl = stub.Urls.First();

// Governance on: a temp SQLite store where everything is approved for the user "bench".
var admin = new GovernanceCommands(GovernanceStores.Open(store), Auth0ToolCatalog.Descriptors);
await admin.RunAsync(["tools", "approve", "*", "--actor", "bench"], TextWriter.Null, Console.Error);
await admin.RunAsync(["profiles", "create", "bench", "--toolsets", "all-approved", "--users", "bench", "--policy", "auto", "--actor", "bench"], TextWriter.Null, Console.Error);

var env = new Dictionary<string, string?>
{
    ["AUTH0_MCP_BASE_URL"] = stubUrl,
    ["AUTH0_TOKEN"] = "bench-token",
    ["AUTH0_MCP_STORE"] = store,
    ["AUTH0_MCP_USER"] = "bench",
    ["AUTH0_MCP_API_KEYS"] = $"{Key}=bench",
    ["DOTNET_gcServer"] = "0",
};
var callArgs = new Dictionary<string, object?> { ["id"] = "auth0|1" };
Console.WriteLine($"# auth0-mcp server benchmarks ({DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {calls} calls per row)\n");

// ---- cold start: process start to the first tools/list answer, over stdio, median of 5
Console.WriteLine("## Cold start to first tools/list (stdio, median of 5)\n");
Console.WriteLine("| server | tools | ms | ratio |\n|---|---:|---:|---:|");
var starts = new List<(string Name, int Tools, double Ms)>
{
    ("auth0-mcp (governance on)", 0, 0),
    ("auth0-mcp (governance off)", 0, 0),
    ("Auth0 official 0.1.0-beta.19", 0, 0),
    ("tiny TypeScript SDK server", 0, 0),
};
for (var i = 0; i < starts.Count; i++)
{
    var samples = new List<double>();
    var count = 0;
    for (var run = 0; run < 5; run++)
    {
        var (ms, n) = await ColdStartAsync(i);
        samples.Add(ms);
        count = n;
    }

    starts[i] = (starts[i].Name, count, Median(samples));
}

foreach (var (name, n, ms) in starts)
{
    Console.WriteLine($"| {name} | {n} | {ms:F0} | {ms / starts[^1].Ms:F1}x |");
}

// ---- per-call overhead
Console.WriteLine("\n## Per-call cost against a local stub (auth0_users_get; governance, hooks and audit on)\n");
Console.WriteLine("| path | callers | p50 ms | p99 ms | calls/s | p50 vs direct |\n|---|---:|---:|---:|---:|---:|");
using var direct = new HttpClient { BaseAddress = new Uri(stubUrl) };
direct.DefaultRequestHeaders.Authorization = new("Bearer", "bench-token");
var directRows = new Dictionary<int, double>();
foreach (var c in new[] { 1, 16 })
{
    var r = await MeasureAsync(async () => { using var resp = await direct.GetAsync("/users/auth0%7C1"); await resp.Content.ReadAsStringAsync(); }, c);
    directRows[c] = r.P50;
    Row("HttpClient direct", c, r, r.P50);
}

long idleRss = 0;
{
    var process = Start("dotnet", [dll, "serve"], env, out var transport);
    await using var client = await McpClient.CreateAsync(transport!);
    await client.ListToolsAsync();
    await Task.Delay(2000);
    idleRss = Rss(process.Id);
    foreach (var c in new[] { 1, 16 })
    {
        var r = await MeasureAsync(async () => await client.CallToolAsync("auth0_users_get", callArgs), c);
        Row("auth0-mcp stdio", c, r, directRows[c]);
    }

    process.Kill();
}

{
    var process = Start("dotnet", [dll, "serve", "--http", "http://127.0.0.1:0/mcp"], env, out _, http: true);
    var url = await ListeningUrlAsync(process);
    await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
    {
        Endpoint = new Uri(url),
        TransportMode = HttpTransportMode.StreamableHttp,
        AdditionalHeaders = new Dictionary<string, string> { ["X-API-Key"] = Key },
    }));
    await client.ListToolsAsync();
    foreach (var c in new[] { 1, 16 })
    {
        var r = await MeasureAsync(async () => await client.CallToolAsync("auth0_users_get", callArgs), c);
        Row("auth0-mcp HTTP", c, r, directRows[c]);
    }

    process.Kill();
}

Console.WriteLine("\nThe official server cannot reach the stub: it calls https://$AUTH0_DOMAIN/api/v2 and has no base-URL override, so it has no row.");
Console.WriteLine($"\n## Idle memory\n\nauth0-mcp over stdio, whole catalogue loaded (452 tools), after tools/list and 2 s idle: **{idleRss / 1024.0 / 1024.0:F0} MiB** RSS.");
Directory.Delete(work, recursive: true);
return 0;

async Task<(double Ms, int Tools)> ColdStartAsync(int which)
{
    var sw = Stopwatch.StartNew();
    IClientTransport? transport;
    var process = which switch
    {
        0 => Start("dotnet", [dll, "serve"], env, out transport),
        1 => Start("dotnet", [dll, "serve"], new Dictionary<string, string?>(env) { ["AUTH0_MCP_GOVERNANCE"] = "off" }, out transport),
        2 => Start("bash", [Path.Combine(tools, "official-auth0-mcp.sh")], new Dictionary<string, string?> { ["AUTH0_DOMAIN"] = "bench.invalid.auth0.com", ["AUTH0_TOKEN"] = "bench-token" }, out transport),
        _ => Start("node", [Path.Combine(tools, "tiny-mcp-server.cjs")], [], out transport),
    };
    await using var client = await McpClient.CreateAsync(transport!);
    var list = await client.ListToolsAsync();
    var ms = sw.Elapsed.TotalMilliseconds;
    try
    {
        process.Kill(entireProcessTree: true);
    }
    catch (InvalidOperationException)
    {
    }

    return (ms, list.Count);
}

static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

async Task<(double P50, double P99, double PerSecond)> MeasureAsync(Func<Task> call, int concurrency)
{
    for (var i = 0; i < 30; i++)
    {
        await call();
    }

    var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
    var remaining = calls;
    var total = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (Interlocked.Decrement(ref remaining) >= 0)
        {
            var sw = Stopwatch.StartNew();
            await call();
            latencies.Add(sw.Elapsed.TotalMilliseconds);
        }
    }));
    var sorted = latencies.Order().ToList();
    return (sorted[sorted.Count / 2], sorted[(int)(sorted.Count * 0.99)], calls / total.Elapsed.TotalSeconds);
}

static void Row(string name, int callers, (double P50, double P99, double PerSecond) r, double directP50) =>
    Console.WriteLine($"| {name} | {callers} | {r.P50:F2} | {r.P99:F2} | {r.PerSecond:F0} | {(name.Contains("direct", StringComparison.Ordinal) ? "1.0x" : $"{r.P50 / directP50:F1}x")} |");

static long Rss(int pid)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
    }

    return 0;
}

static async Task<string> ListeningUrlAsync(Process process)
{
    while (await process.StandardError.ReadLineAsync() is { } line)
    {
        var at = line.IndexOf(" at http://", StringComparison.Ordinal);
        if (at >= 0)
        {
            _ = process.StandardError.ReadToEndAsync();
            return line[(at + 4)..].Trim();
        }
    }

    throw new InvalidOperationException("server exited before listening");
}

Process Start(string file, string[] arguments, Dictionary<string, string?> environment, out IClientTransport? transport, bool http = false)
{
    var psi = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in arguments)
    {
        psi.ArgumentList.Add(a);
    }

    foreach (var (k, v) in environment)
    {
        psi.Environment[k] = v;
    }

    var process = Process.Start(psi)!;
    if (!http)
    {
        _ = process.StandardError.ReadToEndAsync();
    }

    transport = http ? null : new StreamClientTransport(process.StandardInput.BaseStream, process.StandardOutput.BaseStream);
    return process;
}
