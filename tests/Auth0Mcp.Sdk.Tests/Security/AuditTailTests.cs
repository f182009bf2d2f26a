using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Tests.Governance;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Auth0Mcp.Sdk.Tests.Security;

/// <summary>Issue 11 item 6: <c>audit tail</c> prints one line per record whatever a caller stored in it.</summary>
public sealed class AuditTailTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "auth0mcp-tail-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero));
    private IGovernanceStore _store = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _store = TestStores.Open(Path.Combine(_directory, "gov.db"));
        await _store.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, true);
    }

    [Fact]
    public async Task AuditTail_ToolNameWithNewlineFakeRecordAndAnsi_OneEscapedLinePerRecord()
    {
        const string Fake = "#999 2026-11-02T10:00:00.0000000+00:00 call admin success auth0_users_delete";
        await _store.AppendAuditAsync(new AuditRecord
        {
            Time = _clock.GetUtcNow(),
            Kind = AuditKinds.Call,
            Event = "tool.call",
            User = "mallory\u001b[2K\r",
            Tool = "auth0_x\n" + Fake,
            Outcome = AuditOutcomes.Denied,
            DenialCode = "unknown-tool",
            Reason = "no such tool \u001b[31mred\u001b[0m\u0085\u2028\u202e",
        });
        var stdout = new StringWriter();

        var code = await new GovernanceCommands(_store, Array.Empty<Auth0ToolDescriptor>(), _clock).RunAsync(["audit", "tail"], stdout, new StringWriter());

        Assert.Equal(0, code);
        // Other records (e.g. the catalogue sync of the command itself) may stand beside it: the forged line must not.
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(lines, l => l.StartsWith("#999", StringComparison.Ordinal));
        var line = Assert.Single(lines, l => l.Contains("mallory", StringComparison.Ordinal));
        Assert.DoesNotContain(line, c => c < 0x20 || (c >= 0x7f && c <= 0x9f) || c is '\u2028' or '\u202e');
        Assert.Contains("auth0_x\\n" + Fake, line, StringComparison.Ordinal);
        Assert.Contains("mallory\\u001b[2K\\r", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\\b", "a\\\\b")]
    [InlineData("\0", "\\u0000")]
    [InlineData("\t\u007f", "\\t\\u007f")]
    public void Escape_Text_Visible(string text, string expected) => Assert.Equal(expected, TerminalText.Escape(text));
}
