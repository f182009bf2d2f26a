using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Data.Sqlite;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// A commit that cannot be made durable: the SQLite store's <c>fdatasync</c> of the WAL fails after the commit (EIO,
/// injected in place of the system call). The batch's callers fail with the store named, a call whose intent it was is
/// refused with nothing sent, the store takes no more writes until it is opened again (a later sync that succeeds
/// proves nothing about the pages the failed one could not write), and the chain still verifies, the committed intent
/// showing as one without an outcome. docs/reliability.md.
/// </summary>
public sealed class DurabilityFaultTests : IDisposable
{
    private const int Eio = 5;
    private static readonly Dictionary<string, object?> Args = new() { ["id"] = "x1" };
    private readonly TestDirectory _directory = new("auth0mcp-durability-");

    private AuditSealOptions Seal => new() { KeyFile = _directory.File("audit.key"), CheckpointFile = _directory.File("audit.checkpoints") };

    private static AuditRecord Call(string user) => new()
    {
        Time = DateTimeOffset.UtcNow,
        Kind = AuditKinds.Call,
        Event = "tool.call",
        User = user,
        Tool = "auth0_users_list",
        Outcome = AuditOutcomes.Success,
    };

    /// <summary>An <c>fdatasync</c> that fails with EIO, counting its calls.</summary>
    private static Func<Microsoft.Win32.SafeHandles.SafeFileHandle, int> FailingSync(StrongBox<int> calls) => _ =>
    {
        calls.Value++;
        Marshal.SetLastPInvokeError(Eio);
        return -1;
    };

    [Fact]
    public async Task SqliteStore_FdatasyncFailsAfterCommit_BatchFailsNamingTheStoreThenEveryWriteIsRefusedUntilReopened()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the WAL's fdatasync is the Linux path (elsewhere SQLite syncs inside the commit)
        }

        var path = _directory.File("gov.db");
        var syncs = new StrongBox<int>();
        await using (var store = new SqliteGovernanceStore(path, Seal))
        {
            await store.InitializeAsync();
            await store.AppendAuditAsync(Call("before"));
            store.FDataSyncForTests = FailingSync(syncs);

            var failed = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("unsynced")));

            Assert.Equal(1, syncs.Value);
            Assert.StartsWith($"governance store SQLite {path}: records 2..2 were committed but could not be made durable", failed.Message, StringComparison.Ordinal);
            Assert.Contains($"fdatasync of {path}-wal failed (errno {Eio}", failed.Message, StringComparison.Ordinal);
            Assert.Contains("no more writes until the process restarts", failed.Message, StringComparison.Ordinal);

            // The sync would succeed now (Linux reports a writeback error once): the store still refuses, deliberately.
            store.FDataSyncForTests = null;
            var append = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("after")));
            var save = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.TrySaveStateAsync(new GovernanceState(), 0, []));
            Assert.All([append, save], ex =>
            {
                Assert.StartsWith($"governance store SQLite {path}: cannot write: records 2..2 were committed but could not be made durable", ex.Message, StringComparison.Ordinal);
                Assert.Contains("no more writes until the process restarts", ex.Message, StringComparison.Ordinal);
            });

            // Reads go on: the committed record is in the chain, which verifies.
            Assert.Equal(2, (await store.GetAuditHeadAsync()).Sequence);
            Assert.Equal(0, await store.GetRevisionAsync());
            var verification = await store.VerifyAuditAsync();
            Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
        }

        SqliteConnection.ClearAllPools();
        await using var reopened = new SqliteGovernanceStore(path, Seal); // the restart
        await reopened.InitializeAsync();
        await reopened.AppendAuditAsync(Call("after restart"));

        var after = await reopened.VerifyAuditAsync();
        Assert.True(after.IsValid, string.Join("; ", after.Problems));
        Assert.Equal(3, after.Count);
    }

    [Fact]
    public async Task Call_IntentCommitCannotBeMadeDurable_RefusedNothingSentAndVerifyShowsTheIntentWithoutAnOutcome()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var tool = new FakeTool(Descriptors.UsersList);
        var store = new SqliteGovernanceStore(_directory.File("gov.db"), Seal);
        await using var h = await GovernanceHarness.StartAsync([tool], store: store);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));
        Assert.NotEqual(true, (await client.CallToolAsync("auth0_users_list", Args)).IsError);
        Assert.Equal(1, tool.Calls);
        var syncs = new StrongBox<int>();
        store.FDataSyncForTests = FailingSync(syncs);

        var refused = await client.CallToolAsync("auth0_users_list", Args);
        store.FDataSyncForTests = null;
        var next = await client.CallToolAsync("auth0_users_list", Args);

        Assert.Equal(1, tool.Calls); // nothing was sent for either call
        Assert.True(refused.IsError);
        var text = ResultText.Of(refused);
        Assert.Contains($"auth0_users_list was not called: its audit record could not be written to the governance store {store.Description}", text, StringComparison.Ordinal);
        Assert.Contains("could not be made durable", text, StringComparison.Ordinal);
        Assert.Contains("Nothing was sent to Auth0", text, StringComparison.Ordinal);
        Assert.True(next.IsError);
        Assert.Contains("no more writes until the process restarts", ResultText.Of(next), StringComparison.Ordinal);

        var intents = await h.IntentRecordsAsync();
        var unsynced = intents[^1]; // committed (the database has it); its outcome never came
        Assert.Equal(2, intents.Count);
        Assert.DoesNotContain(await h.CallRecordsAsync(), r => r.IntentSequence == unsynced.Sequence);
        var verification = await store.VerifyAuditAsync();
        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
        Assert.Equal([unsynced.Sequence], verification.IntentsWithoutOutcome);
        Assert.Contains(verification.Checked, c => c.StartsWith($"1 call intent(s) without an outcome record (#{unsynced.Sequence})", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
