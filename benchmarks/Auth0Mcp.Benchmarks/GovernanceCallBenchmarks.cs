using System.IO.Pipelines;
using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Benchmarks;

/// <summary>
/// The per-call cost of governance: one <c>tools/call</c> through a real MCP client and server over in-memory
/// pipes, with no governance, and with governance (decision, default hooks, durable audit write) on SQLite
/// (WAL, synchronous=FULL) and, when <c>AUTH0_MCP_TEST_POSTGRES</c> is set, on PostgreSQL.
/// </summary>
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 3, iterationCount: 5)]
[MemoryDiagnoser]
public class GovernanceCallBenchmarks
{
    private static readonly Dictionary<string, object?> Arguments = new() { ["id"] = "u1", ["per_page"] = 10 };
    private readonly List<IAsyncDisposable> _disposables = [];
    private McpClient _plain = null!;
    private McpClient _sqlite = null!;
    private McpClient? _postgres;
    private string _directory = "";

    /// <summary>Starts the three servers and connects a client to each.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "auth0mcp-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _plain = ConnectAsync(null).GetAwaiter().GetResult();
        _sqlite = ConnectAsync(Path.Combine(_directory, "governance.db")).GetAwaiter().GetResult();
        var postgres = Environment.GetEnvironmentVariable("AUTH0_MCP_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            _postgres = ConnectAsync(postgres).GetAwaiter().GetResult();
        }
    }

    /// <summary>Stops everything.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var disposable in _disposables.AsEnumerable().Reverse())
        {
            disposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>No governance: the SDK's pipeline and the tool.</summary>
    [Benchmark(Baseline = true)]
    public async Task<CallToolResult> CallWithoutGovernance() => await _plain.CallToolAsync("auth0_users_get", Arguments);

    /// <summary>Governance on SQLite: decision, hooks, audit record written durably before the answer.</summary>
    [Benchmark]
    public async Task<CallToolResult> CallGovernedSqlite() => await _sqlite.CallToolAsync("auth0_users_get", Arguments);

    /// <summary>Governance on PostgreSQL (skipped, returning null, when the server is not configured).</summary>
    [Benchmark]
    public async Task<CallToolResult?> CallGovernedPostgres() => _postgres is null ? null : await _postgres.CallToolAsync("auth0_users_get", Arguments);

    private async Task<McpClient> ConnectAsync(string? store)
    {
        var descriptor = new Auth0ToolDescriptor(
            "auth0_users_get", "Get a user", "Gets a user.", "GET", "/users/{id}", "get_users_by_id", ["users"], ["read:users"],
            Auth0ToolAction.Read, "GA", """{"type":"object","properties":{"id":{"type":"string"},"per_page":{"type":"integer"}}}""", true, false, true);
        var services = new ServiceCollection();
        var builder = services.AddMcpServer().WithTools([new EchoTool(descriptor)]);
        if (store is not null)
        {
            builder.WithToolGovernance(o =>
            {
                o.UseStore(_ => store.Contains("Host=", StringComparison.OrdinalIgnoreCase) ? new PostgresGovernanceStore(store) : new SqliteGovernanceStore(store));
                o.StdioIdentity = new CallerIdentity("bench", ["ops"]);
            });
        }

        var provider = services.BuildServiceProvider();
        _disposables.Add(provider);
        if (store is not null)
        {
            var runtime = provider.GetRequiredService<GovernanceRuntime>();
            await runtime.InitializeAsync();
            var governance = provider.GetRequiredService<ToolGovernance>();
            await governance.ApproveAsync(["auth0_users_get"], "bench");
            if ((await governance.GetStateAsync()).FindProfile("bench") is null)
            {
                await governance.CreateProfileAsync("bench", [Toolset.AllApproved], ["bench"], [], AccessPolicy.AutoApprove, null, "bench");
            }
        }

        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var server = McpServer.Create(
            new StreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream()),
            provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<McpServerOptions>>().Value,
            loggerFactory: null,
            serviceProvider: provider);
        _ = server.RunAsync();
        _disposables.Add(server);
        var client = await McpClient.CreateAsync(new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()));
        _disposables.Add(client);
        return client;
    }

    private sealed class EchoTool : McpServerTool
    {
        public EchoTool(Auth0ToolDescriptor descriptor)
        {
            ProtocolTool = new Tool { Name = descriptor.Name, Description = descriptor.Description, InputSchema = JsonDocument.Parse(descriptor.InputSchema).RootElement.Clone() };
            Metadata = [descriptor];
        }

        public override Tool ProtocolTool { get; }

        public override IReadOnlyList<object> Metadata { get; }

        public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new CallToolResult
            {
                Content = [new TextContentBlock { Text = """{"user_id":"auth0|u1","email":"a@example.com","identities":[{"provider":"auth0","access_token":"secret-token"}]}""" }],
            });
    }
}
