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
// BENCH_NATIVE=<path to the Native AOT auth0-mcp> adds the native executable to every table (build/publish-aot.sh).
// BENCH_NATIVE_B=<another Native AOT auth0-mcp> adds a second native build to the cold-start rows and their idle RSS (an A/B
// of two builds, interleaved like the rest); BENCH_COLD_ONLY=1 stops after the cold-start table (each start then also measured after 2 s idle).
// Prints a Markdown report on stdout. Servers run as child processes; everything binds to 127.0.0.1. Contenders are
// measured in interleaved rounds (A B A B ...) so that machine load falls on all of them alike; report ratios.
var dll = Path.GetFullPath(args[0]);
var tools = Path.GetFullPath(args[1]);
var calls = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 400;
var work = Directory.CreateTempSubdirectory("auth0mcp-bench-").FullName;
// BENCH_STORE_DIR puts the store elsewhere (e.g. /dev/shm, to separate the cost of the disk's fsync from the rest).
var storeDir = Environment.GetEnvironmentVariable("BENCH_STORE_DIR") is { Length: > 0 } dir ? Directory.CreateDirectory(Path.Combine(dir, "auth0mcp-bench-" + Guid.NewGuid().ToString("N"))).FullName : work;
var store = Path.Combine(storeDir, "governance.db");
// Removed however the run ends (the cold-only and profile modes return early): a profiled store grows by hundreds of MB.
using var cleanup = new TempDirectories(work, storeDir);
const string Key = "bench-key-0123456789abcdef01";

// A fast local stand-in for Auth0 over HTTPS (a self-signed certificate for 127.0.0.1): our server trusts it through
// SSL_CERT_FILE, Auth0's official server through NODE_EXTRA_CA_CERTS, the raw HttpClient loop by the certificate itself.
using var certificate = SelfSigned();
var caFile = Path.Combine(work, "stub-ca.pem");
File.WriteAllText(caFile, certificate.ExportCertificatePem());
var stubBuilder = WebApplication.CreateSlimBuilder();
stubBuilder.Logging.ClearProviders();
stubBuilder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
await using var stub = stubBuilder.Build();
const string Client = "{\"client_id\":\"bench-client\",\"name\":\"Bench app\",\"app_type\":\"spa\",\"callbacks\":[\"https://example.com/cb\"]}";
stub.MapGet("/clients/{id}", () => Results.Text(Client, "application/json"));
stub.MapGet("/api/v2/clients/{id}", () => Results.Text(Client, "application/json"));
await stub.StartAsync();
var stubUrl = stub.Urls.First();
var stubHostPort = new Uri(stubUrl).Authority;

// Governance on: a temp SQLite store where everything is approved for the user "bench".
await using (var adminStore = new SqliteGovernanceStore(store))
{
    var admin = new ToolGovernance(adminStore);
    await adminStore.InitializeAsync();
    await admin.SyncCatalogAsync(Auth0ToolCatalog.Descriptors, "bench", null);
    await admin.ApproveAsync(["*"], "bench");
    await admin.CreateProfileAsync("bench", [Toolset.AllApproved], ["bench"], [], AccessPolicy.AutoApprove, null, "bench");
}

var env = new Dictionary<string, string?>
{
    ["AUTH0_MCP_BASE_URL"] = stubUrl,
    ["AUTH0_TOKEN"] = "bench-token",
    ["AUTH0_MCP_STORE"] = store,
    ["AUTH0_MCP_USER"] = "bench",
    ["AUTH0_MCP_API_KEYS"] = $"{Key}=bench",
    ["SSL_CERT_FILE"] = caFile,
    ["DOTNET_gcServer"] = "0",
    // 16 callers share one API key over Streamable HTTP: with the default 8 running and 8 waiting, a caller's next
    // request can arrive before the server has released the last one's place, and is refused with 429.
    ["AUTH0_MCP_CALLER_CONCURRENCY"] = "16",
};
// BENCH_SERVER_ENV="NAME=VALUE;NAME=VALUE" adds variables to our servers' environment only (e.g. a runtime setting to try).
foreach (var pair in (Environment.GetEnvironmentVariable("BENCH_SERVER_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
{
    var eq = pair.IndexOf('=', StringComparison.Ordinal);
    if (eq <= 0)
    {
        throw new ArgumentException($"BENCH_SERVER_ENV: '{pair}' is not NAME=VALUE.");
    }

    env[pair[..eq]] = pair[(eq + 1)..];
}

var officialEnv = new Dictionary<string, string?>
{
    ["AUTH0_DOMAIN"] = stubHostPort,
    ["AUTH0_TOKEN"] = "bench-token",
    ["NODE_EXTRA_CA_CERTS"] = caFile,
};
var ourArgs = new Dictionary<string, object?> { ["id"] = "bench-client" };
var officialTool = Environment.GetEnvironmentVariable("BENCH_OFFICIAL_TOOL") ?? "auth0_get_application";
var officialArgs = new Dictionary<string, object?> { ["client_id"] = "bench-client" };
Console.WriteLine($"# auth0-mcp server benchmarks ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {calls} calls per row, interleaved)\n");
Console.WriteLine($"Load average at start: {File.ReadAllText("/proc/loadavg").Trim()}\n");

// ---- cold start to the last tools/list page (stdio): ours (governance on) and the official server, A B A B
var native = Environment.GetEnvironmentVariable("BENCH_NATIVE") is { Length: > 0 } nativePath ? Path.GetFullPath(nativePath) : null;
var nativeB = Environment.GetEnvironmentVariable("BENCH_NATIVE_B") is { Length: > 0 } nativeBPath ? Path.GetFullPath(nativeBPath) : null;
const string NativeCold = "auth0-mcp Native AOT (governance on)";
const string NativeColdB = "auth0-mcp Native AOT, build B (governance on)";
var cold = new Dictionary<string, List<double>> { ["auth0-mcp (governance on)"] = [], ["Auth0 official 0.1.0-beta.19"] = [] };
if (native is not null)
{
    cold[NativeCold] = [];
}

if (nativeB is not null)
{
    cold[NativeColdB] = [];
}

var coldRss = cold.Keys.ToDictionary(name => name, _ => new List<double>());
// In the cold-start-only mode each start also stays 2 s idle after its last page and is measured again: the idle RSS
// of every start, interleaved (the full run measures it once per server).
var coldOnly = Environment.GetEnvironmentVariable("BENCH_COLD_ONLY") == "1";
var coldIdleRss = cold.Keys.ToDictionary(name => name, _ => new List<double>());

var listed = new Dictionary<string, int>();
// BENCH_COLD_RUNS: interleaved rounds of the cold start (default 9; the median and the spread are reported).
var coldRuns = Environment.GetEnvironmentVariable("BENCH_COLD_RUNS") is { Length: > 0 } runsText ? int.Parse(runsText, CultureInfo.InvariantCulture) : 9;
// The contenders of a cold-start round, in their order: ours (JIT), the official server, then the Native AOT builds.
int[] coldOrder = [0, 2, .. native is null ? Array.Empty<int>() : [4], .. nativeB is null ? Array.Empty<int>() : [5]];
string ColdName(int which) => which switch { 0 => "auth0-mcp (governance on)", 4 => NativeCold, 5 => NativeColdB, _ => "Auth0 official 0.1.0-beta.19" };
// The start that comes right after the official server's is slower by 10–30 ms whatever it is (two copies of one
// executable measured 141 against 128 and 150 against 120 ms in session 21), so the two Native AOT builds take that
// place in turn: round by round, A B then B A.
int[] swappedOrder = [.. coldOrder.Select(w => w switch { 4 when nativeB is not null => 5, 5 => 4, _ => w })];
for (var run = 0; run < coldRuns; run++)
{
    foreach (var which in run % 2 == 0 ? coldOrder : swappedOrder)
    {
        var (ms, n, rss, idleRssAfter) = await ColdStartAsync(which, coldOnly);
        var name = ColdName(which);
        cold[name].Add(ms);
        listed[name] = n;
        coldRss[name].Add(rss / 1024.0 / 1024.0);
        coldIdleRss[name].Add(idleRssAfter / 1024.0 / 1024.0);
    }
}

Console.WriteLine($"## Cold start to the last tools/list page (stdio, JIT unless marked, median of {coldRuns}, interleaved)\n");
Console.WriteLine("| server | tools | ms (median) | min–max ms | vs official |\n|---|---:|---:|---:|---:|");
var officialCold = Median(cold["Auth0 official 0.1.0-beta.19"]);
foreach (var (name, samples) in cold)
{
    Console.WriteLine($"| {name} | {listed[name]} | {Median(samples):F0} | {samples.Min():F0}–{samples.Max():F0} | {Median(samples) / officialCold:F2}x |");
}

if (coldOnly)
{
    Console.WriteLine("\n| server | RSS right after the last page, MiB (median) | RSS after 2 s idle, MiB (median, min–max) |\n|---|---:|---:|");
    foreach (var (name, samples) in coldRss)
    {
        var idle = coldIdleRss[name];
        Console.WriteLine($"| {name} | {Median(samples):F1} | {Median(idle):F1} ({idle.Min():F1}–{idle.Max():F1}) |");
    }

    Console.WriteLine("\n(The official server's RSS is its whole process tree.)");

    // BENCH_SETTLED_RUNS=N: N more rounds, the servers of a round started together, each measured 2 s and 75 s after
    // its last page (after the second collection a minute after the start-up trim, StartupTrim.Settle).
    var settledRuns = Environment.GetEnvironmentVariable("BENCH_SETTLED_RUNS") is { Length: > 0 } settledText ? int.Parse(settledText, CultureInfo.InvariantCulture) : 0;
    if (settledRuns > 0)
    {
        TimeSpan[] at = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(75)];
        var settled = cold.Keys.ToDictionary(name => name, _ => at.Select(_ => new List<double>()).ToArray());
        for (var run = 0; run < settledRuns; run++)
        {
            var round = await Task.WhenAll(coldOrder.Select(which => IdleSamplesAsync(which, at)));
            for (var i = 0; i < coldOrder.Length; i++)
            {
                var name = ColdName(coldOrder[i]);
                for (var j = 0; j < at.Length; j++)
                {
                    settled[name][j].Add(round[i][j] / 1024.0 / 1024.0);
                }
            }
        }

        Console.WriteLine($"\n## Idle RSS over time after the last tools/list page (MiB, median of {settledRuns} rounds, min–max)\n");
        Console.WriteLine("| server | after 2 s | after 75 s |\n|---|---:|---:|");
        foreach (var (name, samples) in settled)
        {
            Console.WriteLine($"| {name} | {string.Join(" | ", samples.Select(x => $"{Median(x):F1} ({x.Min():F1}–{x.Max():F1})"))} |");
        }
    }

    return 0;
}

// ---- per call and 16 callers: raw HttpClient, ours over stdio and HTTP, the official server over stdio; rounds interleaved
using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c?.Thumbprint == certificate.Thumbprint };
using var direct = new HttpClient(handler) { BaseAddress = new Uri(stubUrl) };
direct.DefaultRequestHeaders.Authorization = new("Bearer", "bench-token");
var ours = Start("dotnet", [dll, "serve"], env, out var oursTransport);
await using var oursClient = await McpClient.CreateAsync(oursTransport!);
await oursClient.ListToolsAsync();
await Task.Delay(2000);
var idleRss = Rss(ours.Id);
// BENCH_PROFILE=SECONDS: only call our stdio server, serially (BENCH_PROFILE_CALLERS=N: N callers at once), for that long (attach `perf record -p PID` or
// dotnet-trace to the PID printed on stderr), then exit without the tables. BENCH_PROFILE_TRANSPORT=http calls a
// Streamable HTTP server instead (started for the profile, with the same store and environment).
if (Environment.GetEnvironmentVariable("BENCH_PROFILE") is { Length: > 0 } profileSeconds)
{
    var profiled = ours;
    var profiledClient = oursClient;
    if (Environment.GetEnvironmentVariable("BENCH_PROFILE_TRANSPORT") == "http")
    {
        profiled = Start("dotnet", [dll, "serve", "--http", "http://127.0.0.1:0/mcp"], env, out _, http: true);
        profiledClient = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(await ListeningUrlAsync(profiled)),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["X-API-Key"] = Key },
        }));
        for (var i = 0; i < 200; i++)
        {
            await profiledClient.CallToolAsync("auth0_clients_get", ourArgs);
        }
    }

    Console.Error.WriteLine($"profiling: server pid {profiled.Id}, store {store}");
    var cpuBefore = CpuMs(profiled.Id);
    var harnessBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
    var until = Stopwatch.StartNew();
    var made = 0;
    var seconds = double.Parse(profileSeconds, CultureInfo.InvariantCulture);
    var callers = int.TryParse(Environment.GetEnvironmentVariable("BENCH_PROFILE_CALLERS"), out var c) && c > 0 ? c : 1;
    await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
    {
        while (until.Elapsed.TotalSeconds < seconds)
        {
            await profiledClient.CallToolAsync("auth0_clients_get", ourArgs);
            Interlocked.Increment(ref made);
        }
    }));

    Console.Error.WriteLine($"profiling: {made} calls, {until.Elapsed.TotalMilliseconds / made:F3} ms per call, server CPU {(CpuMs(profiled.Id) - cpuBefore) / made:F3} ms per call, harness (client + stub) CPU {(Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds - harnessBefore) / made:F3} ms per call, load {File.ReadAllText("/proc/loadavg").Trim()}");
    if (profiled != ours)
    {
        await profiledClient.DisposeAsync();
        Stop(profiled);
    }

    ours.Kill(entireProcessTree: true);
    return 0;
}

var official = Start("bash", [Path.Combine(tools, "official-auth0-mcp.sh")], officialEnv, out var officialTransport);
await using var officialClient = await McpClient.CreateAsync(officialTransport!);
await officialClient.ListToolsAsync();
await Task.Delay(2000);
var officialRss = RssTree(official.Id);
Process? oursNative = null;
McpClient? nativeClient = null;
long nativeRss = 0;
if (native is not null)
{
    oursNative = Start(native, ["serve"], env, out var nativeTransport);
    nativeClient = await McpClient.CreateAsync(nativeTransport!);
    await nativeClient.ListToolsAsync();
    await Task.Delay(2000);
    nativeRss = Rss(oursNative.Id);
}

var oursHttp = Start("dotnet", [dll, "serve", "--http", "http://127.0.0.1:0/mcp"], env, out _, http: true);
var url = await ListeningUrlAsync(oursHttp);
await using var httpClient = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
{
    Endpoint = new Uri(url),
    TransportMode = HttpTransportMode.StreamableHttp,
    AdditionalHeaders = new Dictionary<string, string> { ["X-API-Key"] = Key },
}));
await httpClient.ListToolsAsync();
var probe = await officialClient.CallToolAsync(officialTool, officialArgs);
var officialReached = probe.IsError != true;
var contenders = new List<(string Name, Func<Task> Call)>
{
    ("raw HttpClient → stub", async () => { using var r = await direct.GetAsync("/clients/bench-client"); await r.Content.ReadAsByteArrayAsync(); }),
    ("auth0-mcp stdio (governance + audit on)", async () => await oursClient.CallToolAsync("auth0_clients_get", ourArgs)),
    ("Auth0 official stdio", async () => await officialClient.CallToolAsync(officialTool, officialArgs)),
    ("auth0-mcp Streamable HTTP (governance + audit on)", async () => await httpClient.CallToolAsync("auth0_clients_get", ourArgs)),
};
if (nativeClient is not null)
{
    contenders.Add(("auth0-mcp Native AOT stdio (governance + audit on)", async () => await nativeClient.CallToolAsync("auth0_clients_get", ourArgs)));
}

// BENCH_ROUNDS (default 4) interleaved rounds of calls/ROUNDS calls each; BENCH_WARMUP (default 20) calls per contender
// before the first round (the JIT build tiers up over its first minute: a longer warm-up measures the steady state).
var Rounds = int.TryParse(Environment.GetEnvironmentVariable("BENCH_ROUNDS"), out var r) && r > 0 ? r : 4;
var warmup = int.TryParse(Environment.GetEnvironmentVariable("BENCH_WARMUP"), out var w) && w >= 0 ? w : 20;
// BENCH_WARMUP_SECONDS (default 15): then each contender is called by 16 callers for that long, so every server is
// measured past its tier-up (the JIT build compiles its hot methods again over its first tens of seconds of calls,
// the Streamable HTTP server more of them than stdio; Node's V8 likewise). 0 leaves only the counted warm-up.
var warmupSeconds = double.TryParse(Environment.GetEnvironmentVariable("BENCH_WARMUP_SECONDS"), CultureInfo.InvariantCulture, out var ws) && ws >= 0 ? ws : 15;
var serial = contenders.ToDictionary(c => c.Name, _ => new List<double>());
var parallel = contenders.ToDictionary(c => c.Name, _ => new List<double>());
var roundP50 = contenders.ToDictionary(c => c.Name, _ => new List<double>());
foreach (var (_, call) in contenders)
{
    for (var i = 0; i < warmup; i++)
    {
        await call();
    }

    var warming = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
    {
        while (warming.Elapsed.TotalSeconds < warmupSeconds)
        {
            await call();
        }
    }));
}

for (var round = 0; round < Rounds; round++)
{
    foreach (var (name, call) in contenders)
    {
        var latencies = await LatenciesAsync(call, calls / Rounds, 1);
        serial[name].AddRange(latencies);
        roundP50[name].Add(Percentile(latencies, 0.5));
        parallel[name].Add(await ThroughputAsync(call, calls / Rounds, 16));
    }
}

Console.WriteLine($"\n## Per call against the local HTTPS stub (GET a client; {Rounds} interleaved rounds; {warmup} warm-up calls each, then {warmupSeconds:F0} s of 16 callers each)\n");
if (!officialReached)
{
    Console.WriteLine($"(The official server's {officialTool} did not succeed against the stub: {string.Concat(probe.Content.OfType<TextContentBlock>().Select(t => t.Text))[..Math.Min(200, string.Concat(probe.Content.OfType<TextContentBlock>().Select(t => t.Text)).Length)]})\n");
}

Console.WriteLine("| path | p50 ms (1 caller) | p99 ms | calls/s (16 callers) | p50 vs official | p50 vs official, per round (min–max) | calls/s vs official | calls/s vs raw |\n|---|---:|---:|---:|---:|---:|---:|---:|");
var officialP50 = Percentile(serial["Auth0 official stdio"], 0.5);
var officialRate = Median(parallel["Auth0 official stdio"]);
var rawRate = Median(parallel["raw HttpClient → stub"]);
foreach (var (name, _) in contenders)
{
    var p50 = Percentile(serial[name], 0.5);
    var rate = Median(parallel[name]);
    // The ratio within each round (both measured minutes apart at most): how much the load moved the figure.
    var perRound = roundP50[name].Zip(roundP50["Auth0 official stdio"], (a, b) => a / b).ToList();
    Console.WriteLine($"| {name} | {p50:F2} | {Percentile(serial[name], 0.99):F2} | {rate:F0} | {p50 / officialP50:F2}x | {perRound.Min():F2}–{perRound.Max():F2}x | {rate / officialRate:F2}x | {rate / rawRate:F2} |");
}

const string OursStdio = "auth0-mcp stdio (governance + audit on)", OursHttp = "auth0-mcp Streamable HTTP (governance + audit on)";
var httpPerRound = roundP50[OursHttp].Zip(roundP50[OursStdio], (a, b) => a / b).ToList();
Console.WriteLine($"\nStreamable HTTP vs stdio (p50, ours): {Percentile(serial[OursHttp], 0.5) / Percentile(serial[OursStdio], 0.5):F2}x (per round {httpPerRound.Min():F2}–{httpPerRound.Max():F2}x, median {Median(httpPerRound):F2}x)");
Console.WriteLine($"\n## Idle memory after tools/list (2 s idle)\n\n| server | RSS MiB |\n|---|---:|\n| auth0-mcp stdio, governance on, 452 tools | {idleRss / 1024.0 / 1024.0:F0} |\n| Auth0 official (node, whole process tree) | {officialRss / 1024.0 / 1024.0:F0} |");
if (native is not null)
{
    Console.WriteLine($"| auth0-mcp Native AOT stdio, governance on, 452 tools | {nativeRss / 1024.0 / 1024.0:F0} |");
}

Console.WriteLine($"\nLoad average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
if (nativeClient is not null)
{
    await nativeClient.DisposeAsync();
}

foreach (var p in new[] { ours, official, oursHttp, oursNative }.OfType<Process>())
{
    Stop(p);
}

return 0;

static System.Security.Cryptography.X509Certificates.X509Certificate2 SelfSigned()
{
    using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
    var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
    var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
    names.AddIpAddress(System.Net.IPAddress.Loopback);
    names.AddDnsName("localhost");
    request.CertificateExtensions.Add(names.Build());
    request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
    using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
    return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(created.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx), null);
}

static double Percentile(List<double> xs, double q)
{
    var sorted = xs.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * q))];
}

static async Task<List<double>> LatenciesAsync(Func<Task> call, int count, int concurrency)
{
    var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
    var remaining = count;
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (Interlocked.Decrement(ref remaining) >= 0)
        {
            var sw = Stopwatch.StartNew();
            await call();
            latencies.Add(sw.Elapsed.TotalMilliseconds);
        }
    }));
    return [.. latencies];
}

static async Task<double> ThroughputAsync(Func<Task> call, int count, int concurrency)
{
    var total = Stopwatch.StartNew();
    await LatenciesAsync(call, count, concurrency);
    return count / total.Elapsed.TotalSeconds;
}

static long RssTree(int pid) => Tree(pid).Sum(Rss);

// The process and its descendants (the official server runs as bash → node).
static List<int> Tree(int pid)
{
    var tree = new List<int> { pid };
    foreach (var dir in Directory.EnumerateDirectories("/proc"))
    {
        if (int.TryParse(Path.GetFileName(dir), out var child) && StatFields(child) is { } fields && int.Parse(fields[1], CultureInfo.InvariantCulture) == pid)
        {
            tree.AddRange(Tree(child));
        }
    }

    return tree;
}

// The fields of /proc/PID/stat after the command name (state first, then the parent's pid); null once it is gone.
static string[]? StatFields(int pid)
{
    try
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }
    catch (IOException)
    {
        return null;
    }
}

async Task<(double Ms, int Tools, long Rss, long IdleRss)> ColdStartAsync(int which, bool idle)
{
    var sw = Stopwatch.StartNew();
    var process = StartContender(which, out var transport);
    await using var client = await McpClient.CreateAsync(transport);
    var list = await client.ListToolsAsync();
    var ms = sw.Elapsed.TotalMilliseconds;
    var rss = RssTree(process.Id);
    var idleRss = 0L;
    if (idle)
    {
        await Task.Delay(2000);
        idleRss = RssTree(process.Id);
    }

    Stop(process);
    return (ms, list.Count, rss, idleRss);
}

// One contender of the cold-start and idle rounds: 0 ours (JIT), 1 ours without governance, 2 the official server,
// 4 and 5 the Native AOT builds, anything else the tiny Node MCP server.
Process StartContender(int which, out IClientTransport transport)
{
    IClientTransport? started;
    var process = which switch
    {
        0 => Start("dotnet", [dll, "serve"], env, out started),
        1 => Start("dotnet", [dll, "serve"], new Dictionary<string, string?>(env) { ["AUTH0_MCP_GOVERNANCE"] = "off" }, out started),
        2 => Start("bash", [Path.Combine(tools, "official-auth0-mcp.sh")], officialEnv, out started),
        4 => Start(native!, ["serve"], env, out started),
        5 => Start(nativeB!, ["serve"], env, out started),
        _ => Start("node", [Path.Combine(tools, "tiny-mcp-server.cjs")], [], out started),
    };
    transport = started!;
    return process;
}

// Starts a server, lists its tools, and reads its RSS (the process tree's) at each of the offsets after the last page.
async Task<long[]> IdleSamplesAsync(int which, TimeSpan[] at)
{
    var process = StartContender(which, out var transport);
    await using var client = await McpClient.CreateAsync(transport);
    await client.ListToolsAsync();
    var listedAt = Stopwatch.StartNew();
    var samples = new long[at.Length];
    for (var i = 0; i < at.Length; i++)
    {
        var wait = at[i] - listedAt.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        samples[i] = RssTree(process.Id);
    }

    Stop(process);
    return samples;
}

// Ends a contender and its children (the official server runs as bash → node) and waits until they are gone (or
// zombies, their memory freed), so that a contender's teardown does not overlap the next one's start.
static void Stop(Process process)
{
    List<int> tree;
    try
    {
        tree = Tree(process.Id);
        process.Kill(entireProcessTree: true);
    }
    catch (InvalidOperationException)
    {
        return;
    }

    var waited = Stopwatch.StartNew();
    while (tree.Any(pid => StatFields(pid) is { } fields && fields[0] != "Z") && waited.Elapsed < TimeSpan.FromSeconds(10))
    {
        Thread.Sleep(2);
    }
}

static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

// The process's user + system CPU time in ms, from /proc/PID/stat (clock ticks of 10 ms).
static double CpuMs(int pid)
{
    var fields = StatFields(pid) ?? throw new InvalidOperationException($"Process {pid} has exited.");
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
}

// The process's resident set in bytes (0 once it is gone).
static long Rss(int pid)
{
    try
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
    }
    catch (IOException)
    {
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

/// <summary>The run's temporary folders (the stub's certificate, the store), deleted when the run ends.</summary>
internal sealed class TempDirectories(params string[] paths) : IDisposable
{
    public void Dispose()
    {
        foreach (var path in paths.Distinct())
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"could not remove {path}: {ex.Message}");
            }
        }
    }
}
