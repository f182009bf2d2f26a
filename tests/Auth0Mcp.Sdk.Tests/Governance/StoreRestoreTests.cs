using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// A store restored from an older copy, or a key file older than the store: a writer stops at start with the message it
/// would give at every write (not after starting, at each call), and <c>audit verify</c> says which key to restore.
/// </summary>
public sealed class StoreRestoreTests
{
    private static AuditRecord Call(string user) => new()
    {
        Time = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero),
        Kind = AuditKinds.Call,
        Event = "tool.call",
        User = user,
        Tool = "auth0_users_list",
        Outcome = AuditOutcomes.Success,
    };

    private static async Task SeedAsync(StoreFixture fixture, int records)
    {
        await using var store = await fixture.OpenAsync();
        for (var i = 0; i < records; i++)
        {
            await store.AppendAuditAsync(Call("user" + i)); // one batch and one checkpoint each
        }
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task PrepareToWrite_ChainEndsBeforeTheCheckpointFile_StopsAtStartWithTheWritersMessage(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await SeedAsync(fixture, 4);
        // What an older copy restored over the store looks like: the last two records and the head as they were before them.
        await fixture.ExecuteAsync("DELETE FROM audit_log WHERE seq > 2; UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_log WHERE seq = 2) WHERE id = 1");

        await using var store = await fixture.OpenAsync();
        var refused = await Assert.ThrowsAsync<GovernanceStoreException>(() => ((DbGovernanceStore)store).PrepareToWriteAsync(CancellationToken.None));
        var write = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("after")));

        Assert.Contains($"the audit chain ends at record 2, but the checkpoint file {fixture.CheckpointFile} names record 4", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Backup and restore", refused.Message, StringComparison.Ordinal);
        Assert.Equal(refused.Message, write.Message); // the same words the writer gives at each write
        Assert.Equal(2, (await store.GetAuditHeadAsync()).Sequence);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task PrepareToWrite_KeyFileLacksTheNewestRecordsKey_StopsAtStartNamingTheKeyToRestore(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await SeedAsync(fixture, 1);
        var original = await File.ReadAllTextAsync(fixture.KeyFile);
        var chainKey = AuditKeyRing.Parse(original, "k").CurrentKeyId;
        File.Delete(fixture.KeyFile);
        AuditKeyRing.RotateFile(fixture.KeyFile); // another key file: a fresh key, not the chain's

        await using var store = await fixture.OpenAsync();
        var refused = await Assert.ThrowsAsync<GovernanceStoreException>(() => ((DbGovernanceStore)store).PrepareToWriteAsync(CancellationToken.None));

        Assert.Contains($"the newest audit record (1) is sealed with key {chainKey}, which the audit keys (key file {fixture.KeyFile}) do not hold", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"restore the key file that holds key {chainKey}", refused.Message, StringComparison.Ordinal);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Verify_KeyFileOlderThanTheStore_SaysWhichKeyFileToRestoreOncePerKey(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await SeedAsync(fixture, 1);
        var older = await File.ReadAllTextAsync(fixture.KeyFile); // the key file as a backup made then holds it
        var newKey = AuditKeyRing.RotateFile(fixture.KeyFile);
        await SeedAsync(fixture, 2); // records 2 and 3 and their checkpoints: under the new key
        await File.WriteAllTextAsync(fixture.KeyFile, older); // the older key file restored

        await using var store = await fixture.OpenAsync();
        var verification = await store.VerifyAuditAsync();

        Assert.False(verification.IsValid);
        var advice = $"restore the key file that holds key {newKey}";
        var records = verification.Problems.Where(p => p.Contains($"sealed with key {newKey}, which is not in the key ring", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, records.Count);
        Assert.StartsWith("record 2: ", records[0], StringComparison.Ordinal);
        Assert.Contains(advice, records[0], StringComparison.Ordinal);
        Assert.Contains("AUTH0_MCP_AUDIT_KEY_FILE", records[0], StringComparison.Ordinal);
        Assert.DoesNotContain(advice, records[1], StringComparison.Ordinal); // said once per key
        var checkpoints = verification.Problems.Where(p => p.Contains($"is signed with key {newKey}, which is not in the key ring", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(checkpoints);
        Assert.Contains(advice, checkpoints[0], StringComparison.Ordinal);
    }
}
