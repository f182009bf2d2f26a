using System.Security.Cryptography;
using System.Text;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// The content hash and the catalogue hash are hashed piece by piece at start-up; they must stay the sha256 of the
/// joined text they are defined as, or every stored approval would go back to review after an upgrade.
/// </summary>
public sealed class CatalogHashTests
{
    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string JoinedContent(Auth0ToolDescriptor d) =>
        string.Join('\n', d.Name, d.Title, d.Description, d.Method, d.Path, string.Join(' ', d.Scopes), d.InputSchema);

    private static Auth0ToolDescriptor Make(string description, string[] scopes, string schema) => new(
        "auth0_things_get", "Get a thing", description, "GET", "/things/{id}", "get_thing", ["things"], scopes,
        Auth0ToolAction.Read, "GA", schema, true, false, true);

    [Theory]
    [InlineData("plain ASCII", new[] { "read:things" })]
    [InlineData("accents é ü, a CJK 名, an emoji 🔐 (a surrogate pair)", new[] { "read:things", "read:more" })]
    [InlineData("no scopes at all", new string[0])]
    [InlineData("", new[] { "", "" })]
    public void ContentHash_AnyText_IsTheSha256OfTheJoinedText(string description, string[] scopes)
    {
        var descriptor = Make(description, scopes, """{"type":"object","properties":{"id":{"type":"string","description":"ünïcode"}}}""");

        Assert.Equal(Sha256(JoinedContent(descriptor)), descriptor.ContentHash);
    }

    [Fact]
    public void ContentHash_ChangedDescription_Changes()
    {
        var schema = """{"type":"object"}""";

        Assert.NotEqual(Make("one", ["read:things"], schema).ContentHash, Make("two", ["read:things"], schema).ContentHash);
    }

    [Fact]
    public void ContentHash_EveryGeneratedTool_IsTheSha256OfItsJoinedText()
    {
        foreach (var descriptor in Auth0ToolCatalog.Descriptors)
        {
            Assert.Equal(Sha256(JoinedContent(descriptor)), descriptor.ContentHash);
        }
    }

    [Fact]
    public void CatalogHash_GeneratedCatalogue_IsTheSha256OfItsNameActionRiskHashLines()
    {
        var catalog = Auth0ToolCatalog.Descriptors;
        var lines = string.Join('\n', catalog.OrderBy(d => d.Name, StringComparer.Ordinal).Select(d => $"{d.Name} {d.Action} {RiskClassifier.Classify(d)} {d.ContentHash}"));

        Assert.Equal(Sha256(lines), ToolGovernance.CatalogHash(catalog));
        Assert.Equal(ToolGovernance.CatalogHash(catalog), ToolGovernance.CatalogHash(catalog.Reverse()));
    }

    [Fact]
    public void CatalogHash_EmptyCatalogue_IsTheSha256OfNothing()
    {
        Assert.Equal(Sha256(""), ToolGovernance.CatalogHash([]));
    }
}
