using System.Net;
using System.Text.RegularExpressions;
using Auth0Mcp.Admin;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Governance;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Auth0Mcp.Admin.Benchmarks;

/// <summary>
/// One request for a console page, end to end over loopback HTTP (an upper bound of the server time): the Tools page
/// over the 452 generated tools, and the Audit page over 100,000 call records (newest page, a keyset page in the
/// middle, and a selective filter that scans the whole index). The store is a temp SQLite file seeded in setup.
/// </summary>
[MemoryDiagnoser]
public partial class AdminPageBenchmarks
{
    private const string Key = "bench-admin-key-0123456789";
    private const int AuditRecords = 100_000;
    private string _dir = "";
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _dir = Directory.CreateTempSubdirectory("auth0mcp-admin-bench-").FullName;
        var path = Path.Combine(_dir, "governance.db");
        await SeedAsync(path);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddAuth0McpAdmin(o =>
        {
            o.AdminGroups.Add("admins");
            o.ApiKeys.Add(new AdminApiKey(Key, "bench-admin", ["admins"]));
            o.Catalog = Auth0ToolCatalog.Descriptors;
            o.StoreFactory = _ => new SqliteGovernanceStore(path);
        });
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapAuth0McpAdmin();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true }) { BaseAddress = new Uri(address) };

        // Sign in as a browser would: the form's antiforgery token, then the key.
        var form = await _http.GetStringAsync("/admin/signin");
        var token = AntiforgeryField().Match(form).Groups[1].Value;
        using var signin = await _http.PostAsync("/admin/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token, ["key"] = Key }));
        signin.EnsureSuccessStatusCode();
        // Warm up: the console reads the 100,000 records into its index in the background after start; the Audit page
        // says it is indexing until then.
        while ((await _http.GetStringAsync("/admin/audit")).Contains("data-testid=\"indexing\"", StringComparison.Ordinal))
        {
            await Task.Delay(200);
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Description = "Tools page (452 tools, first 100)")]
    public Task<string> ToolsPage() => GetAsync("/admin/tools");

    [Benchmark(Description = "Tools page filtered (pending, search 'users')")]
    public Task<string> ToolsPageFiltered() => GetAsync("/admin/tools?state=pending-review&q=users");

    [Benchmark(Description = "Audit page (newest 50 of 100,000)")]
    public Task<string> AuditNewest() => GetAsync("/admin/audit");

    [Benchmark(Description = "Audit page (keyset page at #50,000)")]
    public Task<string> AuditMiddle() => GetAsync("/admin/audit?before=50000");

    [Benchmark(Description = "Audit page (user + denied filter over 100,000)")]
    public Task<string> AuditFiltered() => GetAsync("/admin/audit?user=user-7&outcome=denied");

    private async Task<string> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task SeedAsync(string path)
    {
        await using var store = new SqliteGovernanceStore(path);
        await store.InitializeAsync();
        var governance = new ToolGovernance(store);
        await governance.SyncCatalogAsync(Auth0ToolCatalog.Descriptors, "bench");
        var tools = Auth0ToolCatalog.Descriptors;
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        for (var done = 0; done < AuditRecords;)
        {
            var batch = new List<AuditRecord>();
            for (var i = 0; i < 10_000 && done < AuditRecords; i++, done++)
            {
                var denied = done % 10 == 0;
                batch.Add(new AuditRecord
                {
                    Time = start.AddSeconds(done * 25),
                    Kind = AuditKinds.Call,
                    Event = "tool.call",
                    User = "user-" + (done % 50),
                    Groups = ["support"],
                    Server = "bench",
                    Tool = tools[done % tools.Count].Name,
                    Arguments = "{\"per_page\":2}",
                    Outcome = denied ? AuditOutcomes.Denied : AuditOutcomes.Success,
                    DenialCode = denied ? DenialCodes.NotInProfile : null,
                    Auth0Status = denied ? null : 200,
                    LatencyMs = 12.5,
                });
            }

            var state = await store.LoadStateAsync();
            if (!await store.TrySaveStateAsync(state, state.Revision, batch))
            {
                throw new InvalidOperationException("seeding conflicted");
            }
        }
    }

    [GeneratedRegex("name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
