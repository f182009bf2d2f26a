using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// Which catalogue the command line syncs into a store (<c>CliContext.SyncCatalogAsync</c>): its built-in one into a new
/// store only; a store another catalogue synced (a host governing its own generated tools) is worked on as it is.
/// </summary>
public sealed class CliCatalogSyncTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "auth0mcp-clisync-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero));
    private IGovernanceStore _store = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _store = new SqliteGovernanceStore(Path.Combine(_directory, "gov.db"), new AuditSealOptions { KeyFile = Path.Combine(_directory, "audit.key"), CheckpointFile = Path.Combine(_directory, "audit.checkpoints") });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, true);
    }

    /// <summary>The catalogue of a host that generated its own tools: one of its own, and a built-in name at other content (another spec).</summary>
    private static IReadOnlyList<Auth0ToolDescriptor> HostCatalogue()
    {
        var users = Auth0ToolCatalog.Descriptors.Single(d => d.Name == "auth0_users_list");
        return
        [
            new Auth0ToolDescriptor("auth0_list_widgets", "List widgets", "Lists the widgets.", "GET", "/widgets", "listWidgets", ["widgets"], ["read:widgets"], Auth0ToolAction.Read, "GA", """{"type":"object"}""", true, false, true),
            new Auth0ToolDescriptor(users.Name, users.Title, "Lists users (an older spec's wording).", users.Method, users.Path, users.OperationId, users.Group, users.Scopes, users.Action, users.Lifecycle, users.InputSchema, users.ReadOnly, users.Destructive, users.Idempotent),
        ];
    }

    private async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext
        {
            Out = stdout,
            Error = stderr,
            OpenStore = () => _store, // the built-in catalogue: the CliContext's default
            OwnsStores = false,
            Time = _clock,
            DefaultActor = "admin",
            GrantedScopes = () => null,
        };
        var code = await Cli.RunAsync(args, context, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Command_StoreSyncedByAHostsOwnCatalogue_RemovesAndChangesNothingAndTheHostsToolsStayCallable()
    {
        // The host starts (GovernanceRuntime syncs its catalogue as system:NAME), its developer approves and grants in code.
        var host = HostCatalogue();
        var governance = new ToolGovernance(_store, _clock, "host");
        await _store.InitializeAsync();
        await governance.SyncCatalogAsync(host, "system:host");
        await governance.ApproveAsync(["auth0_users_list"], "dev");
        await governance.CreateProfileAsync("me", [Toolset.AllApproved], ["dev"], [], AccessPolicy.AutoApprove, null, "dev");
        var before = await _store.LoadStateAsync();

        var (code, _, err) = await RunAsync("tools", "approve", "auth0_list_widgets");

        Assert.True(code == Cli.Ok, err);
        var state = await _store.LoadStateAsync();
        Assert.Equal(["auth0_list_widgets", "auth0_users_list"], state.Tools.Select(t => t.Name));
        Assert.All(state.Tools, t => Assert.Equal(ToolState.Approved, t.State));
        Assert.Equal(before.CatalogHash, state.CatalogHash);
        var catalog = host.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var caller = new CallerIdentity("dev", []);
        Assert.True(ToolGovernance.Evaluate(state, catalog, caller, "auth0_list_widgets", _clock.GetUtcNow()).Allowed);
        Assert.True(ToolGovernance.Evaluate(state, catalog, caller, "auth0_users_list", _clock.GetUtcNow()).Allowed);
        var events = new List<string>();
        await foreach (var row in _store.ReadAuditAsync())
        {
            using var body = System.Text.Json.JsonDocument.Parse(row.Body);
            events.Add(body.RootElement.GetProperty("event").GetString()!);
        }

        Assert.DoesNotContain(events, e => e.StartsWith("tool.removed", StringComparison.Ordinal) || e.StartsWith("tool.changed", StringComparison.Ordinal));
        Assert.Single(events, e => e.StartsWith("catalog.resync", StringComparison.Ordinal)); // the host's
        // Said once, naming both catalogues.
        var note = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"auth0-mcp: note: the store's tools come from another catalogue than this one (2 tool(s), catalogue {before.CatalogHash![..12]}; this one: {Auth0ToolCatalog.Descriptors.Count} tool(s), catalogue {ToolGovernance.CatalogHash(Auth0ToolCatalog.Descriptors)[..12]})", note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_NewStore_SyncsTheBuiltInCatalogueSoItsToolsCanBeApprovedBeforeTheFirstServe()
    {
        var (code, _, err) = await RunAsync("tools", "approve", "auth0_users_list");

        Assert.True(code == Cli.Ok, err);
        Assert.Empty(err);
        var state = await _store.LoadStateAsync();
        Assert.Equal(Auth0ToolCatalog.Descriptors.Count, state.Tools.Count);
        Assert.Equal(ToolGovernance.CatalogHash(Auth0ToolCatalog.Descriptors), state.CatalogHash);
        Assert.Equal(ToolState.Approved, state.FindTool("auth0_users_list")!.State);

        // Already this catalogue: nothing to say, nothing written.
        var revision = state.Revision;
        var list = await RunAsync("tools", "list", "auth0_users_list");
        Assert.Equal(Cli.Ok, list.Code);
        Assert.Empty(list.Err);
        Assert.Equal(revision, (await _store.LoadStateAsync()).Revision);
    }

    [Fact]
    public async Task ToolsShow_StoreGovernsAnotherVersionOfATool_ShowsNotThisBuildsDescriptionButSaysSo()
    {
        // The store's auth0_users_list is another spec's version: an approval binds to it, so this build's description
        // and schema, shown beside its hash, would describe what is not being approved.
        var governance = new ToolGovernance(_store, _clock, "host");
        await _store.InitializeAsync();
        await governance.SyncCatalogAsync(HostCatalogue(), "system:host");
        var stored = (await _store.LoadStateAsync()).FindTool("auth0_users_list")!;
        var builtIn = Auth0ToolCatalog.Descriptors.Single(d => d.Name == "auth0_users_list");
        Assert.NotEqual(builtIn.ContentHash, stored.ContentHash);

        var (code, output, err) = await RunAsync("tools", "show", "auth0_users_list");

        Assert.True(code == Cli.Ok, err);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var shown = json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array ? json.RootElement[0] : json.RootElement;
        Assert.Equal(stored.ContentHash, shown.GetProperty("contentHash").GetString());
        Assert.False(shown.TryGetProperty("description", out _));
        Assert.False(shown.TryGetProperty("inputSchema", out _));
        Assert.Contains("another version of this tool", shown.GetProperty("catalogueContent").GetString(), StringComparison.Ordinal);
    }
}
