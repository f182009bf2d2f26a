using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>A key file older than the store: <c>audit verify</c> says which key file to restore, in the writer's words.</summary>
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
