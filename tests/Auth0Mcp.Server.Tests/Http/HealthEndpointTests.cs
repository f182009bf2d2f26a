using System.Net;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Http;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Server.Tests.Http;

/// <summary>
/// <c>/healthz</c> is liveness (always <c>ok</c> while the process serves HTTP); <c>/readyz</c> is readiness: 200 while
/// the governance store takes writes and its state can be read, 503 naming the store when its latest write failed, or
/// when it cannot be read (a fault, or no answer within 2 s). Both answer without authentication, as a container's or
/// Kubernetes' probe asks.
/// </summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Readyz_StoreAnswers_200Ready_StoreFaults_503NamingTheStore_StoreHangs_503Within2s()
    {
        using var governance = new TempGovernance();
        await governance.RunAsync("tools", "approve", "auth0_users_list");
        var store = new SwitchableStore(GovernanceStores.Open(governance.Store));
        await using var server = await InProcessServer.StartAsync(
            Settings.Load(new() { ["AUTH0_TOKEN"] = "test-token-ready-1", ["AUTH0_MCP_BASE_URL"] = "http://127.0.0.1:9/api/v2", ["AUTH0_MCP_API_KEYS"] = "key-ready-0123456789abcdef=alice", ["AUTH0_MCP_STORE"] = governance.Store }, "--http", "http://127.0.0.1:0/mcp"),
            services => services.AddSingleton<IGovernanceStore>(store));
        using var http = new HttpClient();
        var readyz = new Uri(server.Url, "/readyz");

        var (status, body) = await GetAsync(http, readyz);
        Assert.Equal((HttpStatusCode.OK, "ready"), (status, body));

        // A store that cannot be read (PostgreSQL down, a file that turned unreadable): 503, the store named, one line.
        store.Fault = new GovernanceStoreException(store.Description, "cannot be opened: unable to open database file\nsecond line");
        (status, body) = await GetAsync(http, readyz);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal($@"governance store SQLite {governance.Store}: cannot be opened: unable to open database file\nsecond line", body);
        Assert.Equal((HttpStatusCode.OK, "ok"), await GetAsync(http, new Uri(server.Url, "/healthz")));

        // A store that does not answer: 503 after about 2 s, not a probe that hangs with it.
        store.Fault = null;
        store.Hang = true;
        var started = DateTime.UtcNow;
        (status, body) = await GetAsync(http, readyz);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal($"governance store SQLite {governance.Store}: no answer within 2 s", body);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(20));

        store.Hang = false;
        store.Release();
        Assert.Equal((HttpStatusCode.OK, "ready"), await GetAsync(http, readyz));
    }

    [Fact]
    public async Task Readyz_AnotherProcessHoldsTheWriteLock_503NamingTheStoreWhileCallsAreRefused_200OnceAWriteSucceeds()
    {
        using var governance = new TempGovernance();
        await governance.RunAsync("tools", "approve", "auth0_users_get");
        await governance.RunAsync("profiles", "create", "support-readers", "--toolsets", "read-only", "--groups", "support", "--policy", "auto");
        await using var auth0 = new RecordingHttpServer(body: """{"user_id":"auth0|1"}""");
        // The store the server would open, waiting 1 s (not 30) for another process's lock.
        await using var store = new SqliteGovernanceStore(governance.Store, null, TimeSpan.FromSeconds(1));
        const string Key = "key-ready-lock-0123456789abcdef";
        await using var server = await InProcessServer.StartAsync(
            Settings.Load(new() { ["AUTH0_TOKEN"] = "test-token-ready-3", ["AUTH0_MCP_BASE_URL"] = auth0.BaseUrl.ToString().TrimEnd('/'), ["AUTH0_MCP_API_KEYS"] = $"{Key}=alice:support", ["AUTH0_MCP_STORE"] = governance.Store }, "--http", "http://127.0.0.1:0/mcp"),
            services => services.AddSingleton<IGovernanceStore>(store));
        using var http = new HttpClient();
        var readyz = new Uri(server.Url, "/readyz");
        await using var client = await server.ConnectAsync(new Dictionary<string, string> { ["X-API-Key"] = Key });
        var get = new Dictionary<string, object?> { ["id"] = "auth0|1" };
        Assert.Equal((HttpStatusCode.OK, "ready"), await GetAsync(http, readyz));

        // Another process takes SQLite's write lock: readers go on (WAL), writers wait for it, then fail.
        await using var other = new SqliteConnection($"Data Source={governance.Store};Pooling=False");
        await other.OpenAsync();
        var exclusive = other.BeginTransaction(deferred: false);
        await using (var write = other.CreateCommand())
        {
            write.Transaction = exclusive;
            write.CommandText = "UPDATE audit_head SET seq = seq WHERE id = 1";
            await write.ExecuteNonQueryAsync();
        }

        var refused = await client.CallToolAsync("auth0_users_get", get);
        Assert.True(refused.IsError);
        Assert.Empty(auth0.Requests); // fail closed: the intent could not be written, nothing was sent

        // Not ready while writes fail, although the state can still be read; the line names the store and the lock.
        var (status, body) = await GetAsync(http, readyz);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.StartsWith($"governance store SQLite {governance.Store}: ", body, StringComparison.Ordinal);
        Assert.Contains("locked by another process", body, StringComparison.Ordinal);
        Assert.Contains("none has succeeded since", body, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', body);

        // The lock released: ready again at the next probe, with no call needed to find out (a server that is not ready
        // is sent none), and calls go through.
        exclusive.Rollback();
        exclusive.Dispose();
        Assert.Equal((HttpStatusCode.OK, "ready"), await GetAsync(http, readyz));
        var served = await client.CallToolAsync("auth0_users_get", get);
        Assert.True(served.IsError is not true);
        Assert.Single(auth0.Requests);
        Assert.Equal((HttpStatusCode.OK, "ready"), await GetAsync(http, readyz));
    }

    [Fact]
    public async Task Readyz_CheckpointFileCannotBeWritten_503NamingIt_WhileCallsAreRefused_200OnceItCanBe()
    {
        // Review K7: readiness's probe write records nothing, so it appended no checkpoint and read as a success while
        // every call's batch failed at the checkpoint file: /readyz said ready. The probe now asks whether a checkpoint
        // could be appended.
        using var governance = new TempGovernance();
        await governance.RunAsync("tools", "approve", "auth0_users_get");
        await governance.RunAsync("profiles", "create", "support-readers", "--toolsets", "read-only", "--groups", "support", "--policy", "auto");
        await using var auth0 = new RecordingHttpServer(body: """{"user_id":"auth0|1"}""");
        const string Key = "key-ready-checkpoint-0123456789abcdef";
        await using var server = await InProcessServer.StartAsync(
            Settings.Load(new() { ["AUTH0_TOKEN"] = "test-token-ready-4", ["AUTH0_MCP_BASE_URL"] = auth0.BaseUrl.ToString().TrimEnd('/'), ["AUTH0_MCP_API_KEYS"] = $"{Key}=alice:support", ["AUTH0_MCP_STORE"] = governance.Store }, "--http", "http://127.0.0.1:0/mcp"));
        using var http = new HttpClient();
        var readyz = new Uri(server.Url, "/readyz");
        await using var client = await server.ConnectAsync(new Dictionary<string, string> { ["X-API-Key"] = Key });
        var get = new Dictionary<string, object?> { ["id"] = "auth0|1" };
        Assert.True((await client.CallToolAsync("auth0_users_get", get)).IsError is not true);
        var checkpoints = governance.Store + ".audit-checkpoints";
        Assert.True(File.Exists(checkpoints));
        var kept = await File.ReadAllBytesAsync(checkpoints);
        File.Delete(checkpoints);
        Directory.CreateDirectory(checkpoints);

        for (var i = 0; i < 2; i++)
        {
            Assert.True((await client.CallToolAsync("auth0_users_get", get)).IsError);
            await Task.Delay(1100); // past the spacing of readiness's writes: each probe writes
            var (status, body) = await GetAsync(http, readyz);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains($"audit checkpoint file {checkpoints}", body, StringComparison.Ordinal);
        }

        Directory.Delete(checkpoints);
        await File.WriteAllBytesAsync(checkpoints, kept);
        Assert.Equal((HttpStatusCode.OK, "ready"), await GetAsync(http, readyz));
        Assert.True((await client.CallToolAsync("auth0_users_get", get)).IsError is not true);
    }

    [Fact]
    public async Task Readyz_GovernanceOff_200Ready()
    {
        await using var server = await InProcessServer.StartAsync(Settings.Load(
            new() { ["AUTH0_TOKEN"] = "test-token-ready-2", ["AUTH0_MCP_BASE_URL"] = "http://127.0.0.1:9/api/v2", ["AUTH0_MCP_API_KEYS"] = "key-ready-0123456789abcdef=alice", ["AUTH0_MCP_GOVERNANCE"] = "off" },
            "--http",
            "http://127.0.0.1:0/mcp"));
        using var http = new HttpClient();

        Assert.Equal((HttpStatusCode.OK, "ready"), await GetAsync(http, new Uri(server.Url, "/readyz")));
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, Uri url)
    {
        using var response = await http.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The real store, whose state-version read can be made to fail or to hang.</summary>
    private sealed class SwitchableStore(IGovernanceStore inner) : IGovernanceStore
    {
        private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public GovernanceStoreException? Fault { get; set; }

        public bool Hang { get; set; }

        public string Description => inner.Description;

        public void Release()
        {
            _released.TrySetResult();
            _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public async Task<(long Revision, string? ETag)> GetStateVersionAsync(CancellationToken cancellationToken = default)
        {
            if (Hang)
            {
                await _released.Task.WaitAsync(cancellationToken);
            }

            return Fault is { } fault ? throw fault : await inner.GetStateVersionAsync(cancellationToken);
        }

        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task<long> GetRevisionAsync(CancellationToken cancellationToken = default) => inner.GetRevisionAsync(cancellationToken);

        public Task<GovernanceState> LoadStateAsync(CancellationToken cancellationToken = default) => inner.LoadStateAsync(cancellationToken);

        public Task<bool> TrySaveStateAsync(GovernanceState state, long expectedRevision, IReadOnlyList<AuditRecord> events, CancellationToken cancellationToken = default) =>
            inner.TrySaveStateAsync(state, expectedRevision, events, cancellationToken);

        public Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken = default) => inner.AppendAuditAsync(record, cancellationToken);

        public IAsyncEnumerable<AuditRow> ReadAuditAsync(long afterSequence = 0, CancellationToken cancellationToken = default) => inner.ReadAuditAsync(afterSequence, cancellationToken);

        public Task<(long Sequence, string Hash)> GetAuditHeadAsync(CancellationToken cancellationToken = default) => inner.GetAuditHeadAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
