using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Soak;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

// auth0-mcp soak: N calls from U users over stdio and Streamable HTTP against a faulty, secret-planting upstream,
// one SIGKILL of the HTTP server mid-run and a restart; then the report (docs/reliability.md).
//   dotnet Auth0Mcp.Soak.dll [--calls 10000] [--users 50] [--stdio-users 5] [--fault-rate 0.1] [--out report.json]
var options = SoakOptions.Parse(args);
var serverDll = Path.Combine(AppContext.BaseDirectory, "auth0-mcp.dll");
var home = Directory.CreateTempSubdirectory("auth0mcp-soak-").FullName;
var store = Path.Combine(home, "governance.db");
var logs = new ConcurrentQueue<string>();
Console.Error.WriteLine($"soak: {options.Calls} calls, {options.Users} users ({options.StdioUsers} over stdio), fault rate {options.FaultRate:P0}, home {home}");

await using var upstream = await Upstream.StartAsync(options.FaultRate);
var users = Enumerable.Range(1, options.Users).Select(i => $"u{i:D2}").ToList();
// The last tenth of the users are outsiders: no profile grants them anything.
var outsiders = users.Skip(options.Users - Math.Max(1, options.Users / 10)).ToHashSet(StringComparer.Ordinal);
var keys = users.ToDictionary(u => u, u => $"soak-key-{u}-{Guid.NewGuid():N}", StringComparer.Ordinal);

Dictionary<string, string?> Environment(string? user, string? groups) => new()
{
    ["AUTH0_MCP_STORE"] = store,
    ["AUTH0_MCP_CREDENTIALS_FILE"] = Path.Combine(home, "credentials.json"),
    ["AUTH0_MCP_BASE_URL"] = upstream.BaseUrl.ToString().TrimEnd('/'),
    ["AUTH0_TOKEN"] = Planted.Token,
    ["AUTH0_DOMAIN"] = null,
    ["AUTH0_CLIENT_ID"] = null,
    ["AUTH0_CLIENT_SECRET"] = null,
    ["AUTH0_MCP_USER"] = user,
    ["AUTH0_MCP_GROUPS"] = groups,
    ["AUTH0_MCP_API_KEYS"] = string.Join(';', keys.Select(k => $"{k.Value}={k.Key}" + (outsiders.Contains(k.Key) ? "" : ":soak"))),
};

async Task<(int Code, string Output)> AdminAsync(params string[] command)
{
    var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    psi.ArgumentList.Add(serverDll);
    foreach (var a in command)
    {
        psi.ArgumentList.Add(a);
    }

    foreach (var (k, v) in Environment("soak-admin", null))
    {
        psi.Environment[k] = v;
    }

    using var p = Process.Start(psi)!;
    var output = p.StandardOutput.ReadToEndAsync();
    var error = p.StandardError.ReadToEndAsync();
    await p.WaitForExitAsync().ConfigureAwait(false);
    logs.Enqueue(await error.ConfigureAwait(false));
    return (p.ExitCode, await output.ConfigureAwait(false) + await error.ConfigureAwait(false));
}

// Governance: users_list approved for the "soak" group; users_delete stays pending review (nobody may call it).
foreach (var command in new[]
{
    new[] { "tools", "approve", "auth0_users_list" },
    ["profiles", "create", "soak", "--toolsets", "all-approved", "--groups", "soak", "--policy", "auto"],
})
{
    var (code, output) = await AdminAsync(command);
    if (code != 0)
    {
        Console.Error.WriteLine($"soak: setup `{string.Join(' ', command)}` failed ({code}): {output}");
        return 2;
    }
}

// The HTTP server, as a process we can SIGKILL and restart on the same port.
var port = FreePort();
var httpUrl = new Uri($"http://127.0.0.1:{port}/mcp");
Process StartHttp()
{
    var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    psi.ArgumentList.Add(serverDll);
    psi.ArgumentList.Add("serve");
    psi.ArgumentList.Add("--http");
    psi.ArgumentList.Add(httpUrl.ToString());
    foreach (var (k, v) in Environment(null, null))
    {
        psi.Environment[k] = v;
    }

    var p = Process.Start(psi)!;
    p.OutputDataReceived += (_, e) => { if (e.Data is not null) { logs.Enqueue(e.Data); } };
    p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { logs.Enqueue(e.Data); } };
    p.BeginOutputReadLine();
    p.BeginErrorReadLine();
    return p;
}

async Task WaitForHttpAsync()
{
    using var http = new HttpClient();
    for (var i = 0; i < 600; i++)
    {
        try
        {
            using var r = await http.GetAsync(new Uri(httpUrl, "/healthz")).ConfigureAwait(false);
            if (r.IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
        }

        await Task.Delay(200).ConfigureAwait(false);
    }

    throw new TimeoutException("the HTTP server did not start");
}

var httpServer = StartHttp();
await WaitForHttpAsync();

// The plan: every call has a unique marker (the search term, or the id to delete) and an expectation.
var calls = new List<SoakCall>();
var random = new Random(11);
var stdioUsers = users.Where(u => !outsiders.Contains(u)).Take(options.StdioUsers).ToList();
for (var i = 0; i < options.Calls; i++)
{
    var overStdio = i % 2 == 1 && stdioUsers.Count > 0;
    var user = overStdio ? stdioUsers[random.Next(stdioUsers.Count)] : users[random.Next(users.Count)];
    var delete = random.NextDouble() < 0.05;
    var marker = $"soak-{i:D5}-{user}";
    calls.Add(new SoakCall(i, overStdio ? "stdio" : "http", user, delete ? "auth0_users_delete" : "auth0_users_list", marker,
        Allowed: !delete && !outsiders.Contains(user)));
}

var killAt = calls.Where(c => c.Transport == "http").Skip(calls.Count(c => c.Transport == "http") * 2 / 5).FirstOrDefault()?.Index ?? -1;
var killed = 0;
(TimeSpan Start, TimeSpan End)? killWindow = null;
var restartGate = new SemaphoreSlim(1, 1);
var httpGeneration = 0;
var watch = Stopwatch.StartNew();

async Task<McpClient> ConnectHttpAsync(string user) =>
    await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
    {
        Endpoint = httpUrl,
        TransportMode = HttpTransportMode.StreamableHttp,
        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + keys[user] },
    })).ConfigureAwait(false);

async Task RunUserOverHttpAsync(string user, List<SoakCall> mine)
{
    McpClient? client = null;
    var generation = -1;
    foreach (var call in mine)
    {
        if (call.Index == killAt && Interlocked.Exchange(ref killed, 1) == 0)
        {
            // SIGKILL mid-run, then a restart on the same port.
            await restartGate.WaitAsync().ConfigureAwait(false);
            try
            {
                var killStart = watch.Elapsed;
                httpServer.Kill(entireProcessTree: false);
                await httpServer.WaitForExitAsync().ConfigureAwait(false);
                Console.Error.WriteLine($"soak: SIGKILL of the HTTP server at call {call.Index} ({watch.Elapsed.TotalSeconds:0} s); restarting");
                httpServer = StartHttp();
                await WaitForHttpAsync().ConfigureAwait(false);
                killWindow = (killStart, watch.Elapsed);
                Interlocked.Increment(ref httpGeneration);
            }
            finally
            {
                restartGate.Release();
            }
        }

        try
        {
            if (client is null || generation != Volatile.Read(ref httpGeneration))
            {
                if (client is not null)
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                }

                generation = Volatile.Read(ref httpGeneration);
                client = await ConnectHttpAsync(user).ConfigureAwait(false);
            }

            await CallAsync(client, call).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            call.Failure = ex.GetType().Name + ": " + ex.Message;
            call.FailedAt = watch.Elapsed;
            // A client connected to the killed server (its session gone with it), however late its call fails.
            call.OnKilledServersConnection = client is not null && generation < Volatile.Read(ref httpGeneration);
            if (client is not null)
            {
                try
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                }
            }

            client = null;
            // If the server is being restarted, wait for it rather than failing the next calls at once.
            await restartGate.WaitAsync().ConfigureAwait(false);
            restartGate.Release();
            await Task.Delay(500).ConfigureAwait(false);
        }
    }

    if (client is not null)
    {
        await client.DisposeAsync().ConfigureAwait(false);
    }
}

async Task RunUserOverStdioAsync(string user, List<SoakCall> mine)
{
    var env = Environment(user, "soak");
    await using var client = await McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
    {
        Command = "dotnet",
        Arguments = [serverDll, "serve"],
        EnvironmentVariables = env,
        Name = "auth0-mcp-" + user,
        StandardErrorLines = line => logs.Enqueue(line),
    })).ConfigureAwait(false);
    using var concurrency = new SemaphoreSlim(4);
    await Task.WhenAll(mine.Select(async call =>
    {
        await concurrency.WaitAsync().ConfigureAwait(false);
        try
        {
            await CallAsync(client, call).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            call.Failure = ex.GetType().Name + ": " + ex.Message;
            call.FailedAt = watch.Elapsed;
        }
        finally
        {
            concurrency.Release();
        }
    })).ConfigureAwait(false);
}

async Task CallAsync(McpClient client, SoakCall call)
{
    var arguments = call.Tool == "auth0_users_delete"
        ? new Dictionary<string, object?> { ["id"] = call.Marker }
        : new Dictionary<string, object?> { ["q"] = call.Marker };
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
    var result = await client.CallToolAsync(call.Tool, arguments, cancellationToken: timeout.Token).ConfigureAwait(false);
    call.Answered = true;
    call.IsError = result.IsError == true;
    call.Output = string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text))
        + (result.StructuredContent is { } s ? s.GetRawText() : "");
}

var byUser = calls.GroupBy(c => (c.Transport, c.User)).ToList();
await Task.WhenAll(byUser.Select(g => g.Key.Transport == "http" ? RunUserOverHttpAsync(g.Key.User, [.. g]) : RunUserOverStdioAsync(g.Key.User, [.. g])));
var elapsed = watch.Elapsed;
httpServer.Kill(entireProcessTree: false);
await httpServer.WaitForExitAsync();

// The evidence: the audit (verified, exported), what the upstream received, what clients and logs saw.
var verify = await AdminAsync("audit", "verify");
var exportPath = Path.Combine(home, "audit.jsonl");
var export = await AdminAsync("audit", "export", "--output", exportPath);
var audit = File.Exists(exportPath) ? await File.ReadAllTextAsync(exportPath) : "";
var report = Report.Build(calls, audit, [.. upstream.Received], [.. logs], verify, export.Code, upstream.Faults, killWindow, elapsed, options);
Console.WriteLine(report.Markdown());
if (options.Out is { } outPath)
{
    await File.WriteAllTextAsync(outPath, report.Json());
}

try
{
    Directory.Delete(home, recursive: true);
}
catch (IOException)
{
}

return report.Passed ? 0 : 1;

static int FreePort()
{
    var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return port;
}

namespace Auth0Mcp.Soak
{
    /// <summary>One planned call and what became of it.</summary>
    internal sealed record SoakCall(int Index, string Transport, string User, string Tool, string Marker, bool Allowed)
    {
        public bool Answered { get; set; }

        public bool IsError { get; set; }

        public string? Output { get; set; }

        public string? Failure { get; set; }

        /// <summary>When the call failed (since the soak began).</summary>
        public TimeSpan? FailedAt { get; set; }

        /// <summary>Whether it failed on a client connected to the server before the SIGKILL (its session ended with it).</summary>
        public bool OnKilledServersConnection { get; set; }
    }

    internal sealed record SoakOptions(int Calls, int Users, int StdioUsers, double FaultRate, string? Out)
    {
        public static SoakOptions Parse(string[] args)
        {
            string? Get(string name)
            {
                var i = Array.IndexOf(args, "--" + name);
                return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            }

            return new SoakOptions(
                int.Parse(Get("calls") ?? "10000", CultureInfo.InvariantCulture),
                int.Parse(Get("users") ?? "50", CultureInfo.InvariantCulture),
                int.Parse(Get("stdio-users") ?? "5", CultureInfo.InvariantCulture),
                double.Parse(Get("fault-rate") ?? "0.1", CultureInfo.InvariantCulture),
                Get("out"));
        }
    }
}
