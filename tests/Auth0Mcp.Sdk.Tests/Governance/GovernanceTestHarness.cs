using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Security.Claims;
using System.Text.Json;
using System.Threading.Channels;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>A hand-made tool: answers without HTTP and counts its calls.</summary>
internal sealed class FakeTool : McpServerTool
{
    private int _calls;

    public FakeTool(Auth0ToolDescriptor descriptor, Func<IDictionary<string, JsonElement>, CallToolResult>? answer = null)
    {
        Descriptor = descriptor;
        Answer = answer ?? (args => new CallToolResult
        {
            Content = [new TextContentBlock { Text = JsonSerializer.Serialize(args.ToDictionary(kv => kv.Key, kv => kv.Value.GetRawText())) }],
        });
        ProtocolTool = new Tool
        {
            Name = descriptor.Name,
            Title = descriptor.Title,
            Description = descriptor.Description,
            InputSchema = JsonDocument.Parse(descriptor.InputSchema).RootElement.Clone(),
        };
        Metadata = [descriptor];
    }

    public Auth0ToolDescriptor Descriptor { get; }

    public Func<IDictionary<string, JsonElement>, CallToolResult> Answer { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public ConcurrentQueue<IDictionary<string, JsonElement>> Received { get; } = new();

    public override Tool ProtocolTool { get; }

    public override IReadOnlyList<object> Metadata { get; }

    /// <summary>Whether a call whose token is cancelled is refused (as an Auth0 tool sends nothing once cancelled) instead of answered.</summary>
    public bool HonoursCancellation { get; init; }

    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        if (HonoursCancellation)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        Interlocked.Increment(ref _calls);
        var args = request.Params?.Arguments ?? new Dictionary<string, JsonElement>();
        Received.Enqueue(args);
        return ValueTask.FromResult(Answer(args));
    }
}

internal static class Descriptors
{
    public const string Schema = """{"type":"object","properties":{"id":{"type":"string"},"per_page":{"type":"integer"},"who":{"type":"string"},"password":{"type":"string"}}}""";

    public static Auth0ToolDescriptor Make(string name, Auth0ToolAction action = Auth0ToolAction.Read, string? path = null, string description = "A test tool.", string[]? scopes = null)
    {
        var method = action switch { Auth0ToolAction.Read => "GET", Auth0ToolAction.Delete => "DELETE", _ => "POST" };
        return new Auth0ToolDescriptor(
            name, name.Replace('_', ' '), description, method, path ?? "/things/{id}", name + "_op", ["things"], scopes ?? ["read:things"],
            action, "GA", Schema, action == Auth0ToolAction.Read, action == Auth0ToolAction.Delete, action != Auth0ToolAction.Write);
    }

    public static Auth0ToolDescriptor UsersList => Make("auth0_users_list", path: "/users", scopes: ["read:users"]);

    public static Auth0ToolDescriptor ClientsGet => Make("auth0_clients_get", path: "/clients/{id}", scopes: ["read:clients", "read:client_keys"]);

    public static Auth0ToolDescriptor UsersDelete => Make("auth0_users_delete", Auth0ToolAction.Delete, "/users/{id}", scopes: ["delete:users"]);

    public static Auth0ToolDescriptor RolesCreate => Make("auth0_roles_create", Auth0ToolAction.Write, "/roles", scopes: ["create:roles"]);
}

/// <summary>
/// A real MCP server (the SDK's, with governance filters) and real clients connected over in-memory pipes, one
/// server session per client. Each session can carry an authenticated principal, as the HTTP transport would.
/// </summary>
internal sealed class GovernanceHarness : IAsyncDisposable
{
    private readonly List<(McpServer Server, McpClient Client, Task Run, Pipe A, Pipe B)> _sessions = [];
    private readonly CancellationTokenSource _cts = new();
    private readonly string _directory;

    private GovernanceHarness(IEnumerable<FakeTool> tools, Action<ToolGovernanceOptions>? configure, Action<IServiceCollection>? services, IGovernanceStore? store, IEnumerable<McpServerTool>? otherTools = null)
    {
        _directory = Path.Combine(Path.GetTempPath(), "auth0mcp-gov-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        Tools = tools.ToDictionary(t => t.Descriptor.Name);
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<TimeProvider>(Clock);
        if (store is not null)
        {
            collection.AddSingleton(store);
        }

        services?.Invoke(collection);
        collection.AddMcpServer(o => o.ServerInfo = new Implementation { Name = "governed-test", Version = "1.0" })
            .WithTools(Tools.Values.Cast<McpServerTool>().Concat(otherTools ?? []))
            .WithToolGovernance(o =>
            {
                o.UseSqlite(Path.Combine(_directory, "governance.db"));
                o.ServerName = "test-server";
                o.StdioIdentity = null;
                // The production HookTimeout (5 s); tests of the timeout set their own. (The call-approval hook, which
                // writes the store durably, runs without it: IToolCallHookTimeout.)
                configure?.Invoke(o);
            });
        Services = collection.BuildServiceProvider();
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero));

    public ServiceProvider Services { get; }

    public IReadOnlyDictionary<string, FakeTool> Tools { get; }

    public ToolGovernance Governance => Services.GetRequiredService<ToolGovernance>();

    public GovernanceRuntime Runtime => Services.GetRequiredService<GovernanceRuntime>();

    public IGovernanceStore Store => Services.GetRequiredService<IGovernanceStore>();

    public static async Task<GovernanceHarness> StartAsync(IEnumerable<FakeTool> tools, Action<ToolGovernanceOptions>? configure = null, Action<IServiceCollection>? services = null, IGovernanceStore? store = null)
    {
        var harness = new GovernanceHarness(tools, configure, services, store);
        await harness.Runtime.InitializeAsync();
        return harness;
    }

    /// <summary>Starts with any tools (e.g. real <c>Auth0ApiTool</c>s wired to a scripted Auth0 through <paramref name="services"/>).</summary>
    public static async Task<GovernanceHarness> StartWithToolsAsync(IEnumerable<McpServerTool> tools, Action<ToolGovernanceOptions>? configure = null, Action<IServiceCollection>? services = null, IGovernanceStore? store = null)
    {
        var harness = new GovernanceHarness([], configure, services, store, tools);
        await harness.Runtime.InitializeAsync();
        return harness;
    }

    public static Task<GovernanceHarness> StartAsync(params Auth0ToolDescriptor[] descriptors) =>
        StartAsync(descriptors.Select(d => new FakeTool(d)));

    public static ClaimsPrincipal User(string subject, params string[] groups)
    {
        var claims = new List<Claim> { new("sub", subject) };
        claims.AddRange(groups.Select(g => new Claim("groups", g)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType: "test"));
    }

    /// <summary>Connects a client; <paramref name="user"/> null behaves like stdio (no principal).</summary>
    public async Task<McpClient> ConnectAsync(ClaimsPrincipal? user, string clientName = "test-client", Action<McpClientOptions>? configure = null, bool legacyProtocol = false)
    {
        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var options = Services.GetRequiredService<IOptions<McpServerOptions>>().Value;
        ITransport transport = new StreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream());
        if (user is not null)
        {
            transport = new SessionTransport(transport, "session-" + Guid.NewGuid().ToString("N")[..8], user);
        }

        var server = McpServer.Create(transport, options, loggerFactory: null, serviceProvider: Services);

        var run = server.RunAsync(_cts.Token);
        var clientOptions = new McpClientOptions { ClientInfo = new Implementation { Name = clientName, Version = "9.9" } };
        if (legacyProtocol)
        {
            // The initialize handshake: a stateful session that receives list_changed broadcasts.
            clientOptions.ProtocolVersion = "2025-11-25";
        }

        configure?.Invoke(clientOptions);
        var client = await McpClient.CreateAsync(
            new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()),
            clientOptions);
        lock (_sessions)
        {
            _sessions.Add((server, client, run, clientToServer, serverToClient));
        }

        return client;
    }

    public Task ApproveAsync(params string[] tools) => Governance.ApproveAsync(tools, "admin");

    /// <summary>Approves the tools and binds them through a toolset to <paramref name="users"/> with auto-approve.</summary>
    public async Task AllowAsync(string[] users, params string[] tools)
    {
        await Governance.ApproveAsync(tools, "admin");
        var set = "set-" + Guid.NewGuid().ToString("N")[..6];
        await Governance.CreateToolsetAsync(set, tools, null, "admin");
        await Governance.CreateProfileAsync("p-" + set, [set], users, [], AccessPolicy.AutoApprove, null, "admin");
    }

    public async Task<List<AuditRecord>> AuditAsync()
    {
        var list = new List<AuditRecord>();
        await foreach (var row in Store.ReadAuditAsync())
        {
            list.Add(AuditChain.Read(row));
        }

        return list;
    }

    public async Task<List<AuditRecord>> CallRecordsAsync() => (await AuditAsync()).Where(r => r.Kind == AuditKinds.Call && r.Event == "tool.call").ToList();

    public async Task<List<AuditRecord>> IntentRecordsAsync() => (await AuditAsync()).Where(r => r.Event == "tool.call.intent").ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var (server, client, run, a, b) in _sessions)
        {
            await client.DisposeAsync();
            await a.Writer.CompleteAsync();
            await b.Writer.CompleteAsync();
        }

        await _cts.CancelAsync();
        foreach (var (server, _, run, _, _) in _sessions)
        {
            try
            {
                await run.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
                // shutting down
            }

            await server.DisposeAsync();
        }

        await Services.DisposeAsync();
        _cts.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

/// <summary>
/// What an authenticated stateful HTTP transport gives the server: a session id, and the caller's principal on
/// every incoming message.
/// </summary>
internal sealed class SessionTransport : ITransport
{
    private readonly ITransport _inner;
    private readonly Channel<JsonRpcMessage> _channel = Channel.CreateUnbounded<JsonRpcMessage>();

    public SessionTransport(ITransport inner, string sessionId, ClaimsPrincipal user)
    {
        _inner = inner;
        SessionId = sessionId;
        _ = PumpAsync(user);
    }

    public string? SessionId { get; }

    public ChannelReader<JsonRpcMessage> MessageReader => _channel.Reader;

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) => _inner.SendMessageAsync(message, cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    private async Task PumpAsync(ClaimsPrincipal user)
    {
        try
        {
            await foreach (var message in _inner.MessageReader.ReadAllAsync())
            {
                message.Context ??= new JsonRpcMessageContext();
                message.Context.User = user;
                await _channel.Writer.WriteAsync(message);
            }
        }
        finally
        {
            _channel.Writer.TryComplete();
        }
    }
}

internal static class ResultText
{
    public static string Of(CallToolResult result) => string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
}
