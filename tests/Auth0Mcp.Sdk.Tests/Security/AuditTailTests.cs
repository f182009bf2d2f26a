using System.Text.Json.Nodes;
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

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\\b", "a\\\\b")]
    [InlineData("\0", "\\u0000")]
    [InlineData("\t\u007f", "\\t\\u007f")]
    [InlineData("a\u200bb\u00adc\ufeff\u202e\u2066", "a\\u200bb\\u00adc\\ufeff\\u202e\\u2066")]
    [InlineData("tag \U000E0041\U000E007F, emoji \U0001F600", "tag \\udb40\\udc41\\udb40\\udc7f, emoji \U0001F600")]
    public void Escape_Text_Visible(string text, string expected) => Assert.Equal(expected, TerminalText.Escape(text));

    [Theory]
    [InlineData("""{"a":"x"}""", """{"a":"x"}""")]
    [InlineData("{\n \"a\": \"\\\"\\u0000\\n\"\r\n}", "{\n \"a\": \"\\\"\\u0000\\n\"\r\n}")]
    [InlineData("{\"a\":\"x\u202ey\u200b\u2066\u2028\u0085\"}", "{\"a\":\"x\\u202ey\\u200b\\u2066\\u2028\\u0085\"}")]
    [InlineData("{\"a\":\"\U000E0041\U0001F600\"}", "{\"a\":\"\\udb40\\udc41\U0001F600\"}")]
    public void EscapeJson_UnprintableCharacters_EscapedTheSameJson(string json, string expected)
    {
        var escaped = TerminalText.EscapeJson(json);

        Assert.Equal(expected, escaped);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(escaped!)));
    }
}
