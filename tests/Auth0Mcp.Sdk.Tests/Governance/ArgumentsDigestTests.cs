using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Progressive;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// The digest of a call's arguments that the audit, the approvals and the discovery records keep is keyed
/// (<see cref="ArgumentsDigest"/>): an unkeyed SHA-256 over the same JSON as the masked view let a reader of the audit
/// substitute guesses for <c>"[REDACTED]"</c>, hash, compare, and recover the masked password. And a call to a tool the
/// catalogue does not hold keeps no argument value: its maps of secrets cannot be masked without its descriptor.
/// </summary>
public sealed class ArgumentsDigestTests
{
    private const string Password = "Hunter2pass!";

    /// <summary>The reviewer's attack: every masked value replaced by <paramref name="guess"/>, hashed as the record's JSON and as canonical JSON.</summary>
    private static IEnumerable<string> GuessedHashes(string shown, string guess)
    {
        var guessed = shown.Replace("[REDACTED]", guess, StringComparison.Ordinal)
            .Replace("\"" + guess + "\"", JsonSerializer.Serialize(guess), StringComparison.Ordinal);
        yield return Sha256(guessed);
        yield return Sha256(CanonicalArguments.Json(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(guessed)!));
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static async Task<ArgumentsDigest> StoreDigestAsync(GovernanceHarness h) =>
        ArgumentsDigest.For(await ((DbGovernanceStore)h.Store).GetWriterKeysAsync(CancellationToken.None));

    private static Dictionary<string, JsonElement> Json(object value) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(JsonSerializer.Serialize(value))!;

    [Fact]
    public async Task AuditRecord_MaskedPassword_TheRightGuessDoesNotGiveTheStoredDigest_TheSameArgumentsDo()
    {
        var descriptor = Descriptors.Make("auth0_users_create", Auth0ToolAction.Write, "/users");
        await using var h = await GovernanceHarness.StartAsync([new FakeTool(descriptor)]);
        await h.AllowAsync(["alice"], descriptor.Name);
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var arguments = new Dictionary<string, object?> { ["id"] = "new-user", ["password"] = Password };

        await alice.CallToolAsync(descriptor.Name, arguments);
        await alice.CallToolAsync(descriptor.Name, arguments);

        var intents = await h.IntentRecordsAsync();
        Assert.Equal(2, intents.Count);
        var record = intents[0];
        Assert.Contains("\"password\":\"[REDACTED]\"", record.Arguments, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, record.Arguments, StringComparison.Ordinal);
        // The guess that is right, substituted into what the record shows, does not give its digest: nothing to compare.
        Assert.DoesNotContain(record.ArgumentsHash, GuessedHashes(record.Arguments!, Password));
        // Keyed from the store's audit key, over the canonical arguments, secrets included; the same call twice, the same digest.
        Assert.Equal((await StoreDigestAsync(h)).Of(Json(arguments)), record.ArgumentsHash);
        Assert.Equal(record.ArgumentsHash, intents[1].ArgumentsHash);
        Assert.All(await h.CallRecordsAsync(), r => Assert.Equal(record.ArgumentsHash, r.ArgumentsHash));
    }

    [Fact]
    public async Task Approval_MaskedPassword_TheRightGuessDoesNotGiveItsDigest_AndTheGrantStillMatchesItsCall()
    {
        var descriptor = Descriptors.Make("auth0_users_update", Auth0ToolAction.Write, "/users/{id}");
        var tool = new FakeTool(descriptor);
        await using var h = await GovernanceHarness.StartAsync([tool], o => o.RequireCallApproval(a => a.Rules.Add(new CallApprovalRule { Tools = { descriptor.Name }, Mode = CallApprovalMode.Admin })));
        await h.AllowAsync(["alice"], descriptor.Name);
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var arguments = new Dictionary<string, object?> { ["id"] = "auth0|1", ["password"] = Password };

        var pending = await alice.CallToolAsync(descriptor.Name, arguments);

        Assert.True(pending.IsError, ResultText.Of(pending));
        var approval = Assert.Single((await h.Governance.GetStateAsync()).CallApprovals);
        Assert.Contains("\"password\":\"[REDACTED]\"", approval.Arguments, StringComparison.Ordinal);
        // What `approvals show` prints side by side (argumentsSha256 and the masked arguments) gives the password away no more.
        Assert.DoesNotContain(approval.ArgumentsHash, GuessedHashes(approval.Arguments!, Password));
        Assert.Equal((await StoreDigestAsync(h)).Of(Json(arguments)), approval.ArgumentsHash);
        var requested = Assert.Single(await h.AuditAsync(), r => r.Event == "approval.requested");
        Assert.Contains($"arguments_sha256={approval.ArgumentsHash}", requested.Details, StringComparison.Ordinal);

        // A wrong password is another call; the granted one runs, once, and its records carry the approval's digest.
        await h.Governance.DecideCallApprovalAsync(approval.Id, true, null, null, "bob");
        var other = await alice.CallToolAsync(descriptor.Name, new Dictionary<string, object?> { ["id"] = "auth0|1", ["password"] = "Hunter3pass!" });
        Assert.True(other.IsError, ResultText.Of(other));
        Assert.Equal(0, tool.Calls);
        var granted = await alice.CallToolAsync(descriptor.Name, arguments);
        Assert.True(granted.IsError is not true, ResultText.Of(granted));
        Assert.Equal(1, tool.Calls);
        Assert.Equal(approval.ArgumentsHash, Assert.Single(await h.IntentRecordsAsync()).ArgumentsHash);
    }

    [Fact]
    public async Task DiscoveryRecord_SecretInTheQuery_TheRightGuessDoesNotGiveItsDigest()
    {
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            services: s => s.AddMcpServer().WithToolsMode(o => o.Mode = ToolsMode.Progressive));
        await h.AllowAsync(["alice"], "auth0_users_list");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));

        await alice.CallToolAsync("auth0_search_tools", new Dictionary<string, object?> { ["query"] = "list users password=Zz9" });

        var record = Assert.Single(await h.AuditAsync(), r => r.Event == "tool.discovery");
        Assert.DoesNotContain("Zz9", record.Arguments, StringComparison.Ordinal);
        Assert.Contains("[REDACTED]", record.Arguments, StringComparison.Ordinal);
        var guessed = record.Arguments!.Replace("[REDACTED]", "Zz9", StringComparison.Ordinal);
        Assert.Equal("list users password=Zz9", JsonDocument.Parse(guessed).RootElement.GetProperty("query").GetString());
        Assert.NotEqual(Sha256(guessed), record.ArgumentsHash);
        Assert.Equal((await StoreDigestAsync(h)).Of(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(guessed)!), record.ArgumentsHash);
    }

    [Fact]
    public void Digest_IsKeyedByADerivedKey_EqualForEqualArguments_AndChangesWithTheCurrentKey()
    {
        var sealKey = RandomNumberGenerator.GetBytes(32);
        var ring = AuditKeyRing.FromKeys([sealKey], "test");
        var rotated = AuditKeyRing.FromKeys([sealKey, RandomNumberGenerator.GetBytes(32)], "test");
        var canonical = CanonicalArguments.Json(Json(new { password = Password, id = "x" }));

        var digest = ArgumentsDigest.For(ring).Of(canonical);

        Assert.Matches("^[0-9a-f]{64}$", digest);
        Assert.Equal(digest, ArgumentsDigest.For(AuditKeyRing.FromKeys([sealKey], "again")).Of(Json(new { id = "x", password = Password })));
        Assert.NotEqual(Sha256(canonical), digest);
        // Not the seal key itself: a digest never is a seal of the same text.
        Assert.NotEqual(Convert.ToHexStringLower(HMACSHA256.HashData(sealKey, Encoding.UTF8.GetBytes(canonical))), digest);
        // After a rotation the current key is another: the same arguments digest otherwise (an approval is asked again).
        Assert.NotEqual(digest, ArgumentsDigest.For(rotated).Of(canonical));
        Assert.Equal(ArgumentsDigest.Ephemeral.Of(canonical), ArgumentsDigest.Ephemeral.Of(canonical));
        Assert.NotEqual(digest, ArgumentsDigest.Ephemeral.Of(canonical));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MisspelledTool_MapOfSecrets_RecordKeepsNoArgumentValue(bool progressive)
    {
        const string Secret = "Zq7-typo-map-value";
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            services: progressive ? s => s.AddMcpServer().WithToolsMode(o => o.Mode = ToolsMode.Progressive) : null);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));
        var inner = new Dictionary<string, object?> { ["id"] = "h1", ["body"] = new Dictionary<string, object?> { ["STRIPE_ACCT"] = Secret } };

        var result = progressive
            ? await alice.CallToolAsync("auth0_call_tool", new Dictionary<string, object?> { ["name"] = "auth0_hook_secrets_create", ["arguments"] = inner })
            : await alice.CallToolAsync("auth0_hook_secrets_create", inner);

        Assert.True(result.IsError);
        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal("auth0_hook_secrets_create", record.Tool);
        Assert.Equal(DenialCodes.UnknownTool, record.DenialCode);
        Assert.DoesNotContain(Secret, record.Arguments, StringComparison.Ordinal);
        Assert.DoesNotContain("STRIPE_ACCT", record.Arguments, StringComparison.Ordinal);
        Assert.Equal("""{"id":"[not kept: String]","body":"[not kept: Object]"}""", record.Arguments);
        Assert.Equal((await StoreDigestAsync(h)).Of(Json(inner)), record.ArgumentsHash);
    }
}
