using Auth0Mcp.Sdk.Governance;
using ModelContextProtocol.Client;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// A running server knows the stored state by its revision and its tag, not by its revision alone: a stored state that
/// went back (a failover to a replica that lacked the newest commits, a restore while servers run, a row edited by hand)
/// is the state it decides with, and so is every change made on top of it, at any revision; a state that is gone
/// refuses every call. The server here and the administrator's command line each have their own store on the same data.
/// </summary>
public sealed class StateIdentityTests
{
    private static readonly string[] Others = ["auth0_clients_get", "auth0_roles_create", "auth0_users_delete"];

    /// <summary>A server whose store is <paramref name="fixture"/>'s, with auth0_users_list allowed for alice, and a connected alice.</summary>
    private static async Task<(GovernanceHarness Server, McpClient Alice)> StartAsync(StoreFixture fixture)
    {
        var server = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList), new FakeTool(Descriptors.ClientsGet), new FakeTool(Descriptors.RolesCreate), new FakeTool(Descriptors.UsersDelete)],
            store: TestStores.Open(fixture.Location, fixture.Seal));
        await server.AllowAsync(["alice"], "auth0_users_list");
        return (server, await server.ConnectAsync(GovernanceHarness.User("alice")));
    }

    private static Task<ModelContextProtocol.Protocol.CallToolResult> CallAsync(McpClient client) =>
        client.CallToolAsync("auth0_users_list", new Dictionary<string, object?>()).AsTask();

    /// <summary>Keeps the stored state row as it is now (a backup, or what a replica holds).</summary>
    private static Task SaveRowAsync(StoreFixture fixture) =>
        fixture.ExecuteAsync("CREATE TABLE saved_state AS SELECT * FROM governance_state");

    /// <summary>Puts the kept row back, all of it (a failover to that replica, a restore).</summary>
    private static Task RestoreRowAsync(StoreFixture fixture) =>
        fixture.ExecuteAsync("DELETE FROM governance_state; INSERT INTO governance_state SELECT * FROM saved_state");

    private static async Task<long> StoredRevisionAsync(StoreFixture fixture) =>
        long.Parse((await fixture.ScalarAsync("SELECT revision FROM governance_state"))!, System.Globalization.CultureInfo.InvariantCulture);

    [Theory, SqliteStore, PostgresStore]
    public async Task Call_StoredStateWentBackThenTheKillSwitchWasTurnedOn_IsRefused(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        var (server, alice) = await StartAsync(fixture);
        await using var _ = server;
        await using var cli = await fixture.OpenAsync();
        var admin = new ToolGovernance(cli);
        await SaveRowAsync(fixture);
        var saved = await StoredRevisionAsync(fixture);
        foreach (var tool in Others)
        {
            await admin.ApproveAsync([tool], "admin"); // a revision each
        }

        Assert.NotEqual(true, (await CallAsync(alice)).IsError); // the server now holds saved + 3
        Assert.Equal(saved + 3, await StoredRevisionAsync(fixture));

        await RestoreRowAsync(fixture); // the newest three commits are lost
        await admin.SetKillSwitchAsync(true, null, "admin"); // saved + 1: below the revision the server holds
        var killed = await CallAsync(alice);

        Assert.Equal(saved + 1, await StoredRevisionAsync(fixture));
        Assert.True(killed.IsError);
        Assert.Equal(1, server.Tools["auth0_users_list"].Calls);
        Assert.Equal(DenialCodes.KillSwitch, (await server.CallRecordsAsync())[^1].DenialCode);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Call_StoredStateWentBackAndMovedOnToTheRevisionTheServerHolds_IsDecidedWithTheStoredOne(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        var (server, alice) = await StartAsync(fixture);
        await using var _ = server;
        await using var cli = await fixture.OpenAsync();
        var admin = new ToolGovernance(cli);
        await SaveRowAsync(fixture);
        await admin.ApproveAsync(Others, "admin");
        Assert.NotEqual(true, (await CallAsync(alice)).IsError); // the server holds saved + 1
        var held = await StoredRevisionAsync(fixture);

        await RestoreRowAsync(fixture);
        await admin.SetKillSwitchAsync(true, null, "admin"); // saved + 1 again, with other content
        var killed = await CallAsync(alice);

        Assert.Equal(held, await StoredRevisionAsync(fixture));
        Assert.True(killed.IsError);
        Assert.Equal(1, server.Tools["auth0_users_list"].Calls);
        Assert.Equal(DenialCodes.KillSwitch, (await server.CallRecordsAsync())[^1].DenialCode);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Call_StoredStateDeletedAfterTheServerReadIt_IsRefusedAsStoreUnavailableNamingTheStore(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        var (server, alice) = await StartAsync(fixture);
        await using var _ = server;
        Assert.NotEqual(true, (await CallAsync(alice)).IsError);

        await fixture.ExecuteAsync("DELETE FROM governance_state");
        var refused = await CallAsync(alice);

        Assert.True(refused.IsError);
        Assert.Equal(1, server.Tools["auth0_users_list"].Calls);
        var text = ResultText.Of(refused);
        Assert.Contains(server.Store.Description, text, StringComparison.Ordinal);
        Assert.Contains("the governance state is gone", text, StringComparison.Ordinal);
        Assert.EndsWith("[store-unavailable]", text, StringComparison.Ordinal);
        Assert.Equal(DenialCodes.StoreUnavailable, (await server.CallRecordsAsync())[^1].DenialCode);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task StateVersion_EverySaveWritesANewTag_ReadWithTheRevisionAndWithTheState(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        Assert.Equal((0L, (string?)null), await store.GetStateVersionAsync());

        var state = new GovernanceState();
        Assert.True(await store.TrySaveStateAsync(state, 0, []));
        var first = await store.GetStateVersionAsync();
        Assert.True(await store.TrySaveStateAsync(state, 1, []));
        var second = await store.GetStateVersionAsync();

        Assert.Equal(1, first.Revision);
        Assert.Matches("^[0-9a-f]{32}$", first.ETag);
        Assert.Equal((2L, state.ETag), second);
        Assert.NotEqual(first.ETag, second.ETag);
        var loaded = await store.LoadStateAsync();
        Assert.Equal((2L, second.ETag), (loaded.Revision, loaded.ETag));
        Assert.Equal(2, await store.GetRevisionAsync());
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task StateTable_AnOlderBuildsWithoutTheTag_ReadAsItIsThenGetsTheColumnAndATagOnTheNextSave(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        if (kind == "sqlite")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(fixture.Location)!);
        }

        // What the previous build made: the state table without etag, a state saved at revision 4.
        await fixture.ExecuteAsync($$"""
            CREATE TABLE governance_state (id INTEGER PRIMARY KEY CHECK (id = 1), revision BIGINT NOT NULL, body TEXT NOT NULL, catalog_hash TEXT);
            CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, time {{(kind == "sqlite" ? "TEXT" : "TIMESTAMPTZ")}} NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, user_name TEXT, tool TEXT, outcome TEXT, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
            CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL);
            INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
            INSERT INTO governance_state (id, revision, body, catalog_hash) VALUES (1, 4, '{"global_kill_switch":true}', NULL);
            """);

        // A command that only reads changes nothing, and reads the state without a tag.
        await using (var reader = TestStores.Open(fixture.Location, fixture.Seal))
        {
            await reader.OpenReadOnlyAsync();
            Assert.Equal((4L, (string?)null), await reader.GetStateVersionAsync());
            var old = await reader.LoadStateAsync();
            Assert.True(old.GlobalKillSwitch);
            Assert.Null(old.ETag);
        }

        Assert.Equal("0", await fixture.ScalarAsync(kind == "sqlite"
            ? "SELECT COUNT(*) FROM pragma_table_info('governance_state') WHERE name = 'etag'"
            : "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'governance_state' AND column_name = 'etag'"));

        await using var store = await fixture.OpenAsync(); // a writer: the column is added
        Assert.Equal((4L, (string?)null), await store.GetStateVersionAsync());
        var state = await store.LoadStateAsync();
        Assert.True(await store.TrySaveStateAsync(state, 4, []));

        var (revision, etag) = await store.GetStateVersionAsync();
        Assert.Equal(5, revision);
        Assert.Matches("^[0-9a-f]{32}$", etag);
        Assert.Equal(etag, await fixture.ScalarAsync("SELECT etag FROM governance_state"));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task GetCurrent_AnOlderBuildSavesWithoutTouchingTheTag_TheRevisionAloneIsNoticed(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        var governance = new ToolGovernance(store);
        await governance.SyncCatalogAsync([Descriptors.UsersList], "system");
        var held = await governance.GetCurrentAsync();

        // An older build's save: the next revision and its body, the tag left as it was.
        await fixture.ExecuteAsync("UPDATE governance_state SET revision = revision + 1, body = '{\"global_kill_switch\":true}'");
        var current = await governance.GetCurrentAsync();

        Assert.False(held.GlobalKillSwitch);
        Assert.True(current.GlobalKillSwitch);
        Assert.Equal(held.ETag, current.ETag);
        Assert.Equal(held.Revision + 1, current.Revision);
    }
}
