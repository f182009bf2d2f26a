namespace Auth0Mcp.Admin.Tests;

/// <summary>How the console reads its list fields: user and group names as the command line reads them.</summary>
public sealed class AdminFieldTests
{
    [Theory]
    [InlineData("alice, bob", new[] { "alice", "bob" })]
    [InlineData("Domain Admins\nsupport", new[] { "Domain Admins", "support" })]
    [InlineData("CN=mcp-admins,OU=Groups,DC=corp,DC=example\nops, dev", new[] { "CN=mcp-admins,OU=Groups,DC=corp,DC=example", "ops", "dev" })]
    [InlineData("  \n ,", new string[0])]
    [InlineData("ops,ops", new[] { "ops" })]
    [InlineData("ops,role=admin", new[] { "ops", "role=admin" })]
    [InlineData("alice, bXl1c2Vy==", new[] { "alice", "bXl1c2Vy==" })]
    public void Members_Field_SplitsAtLinesAndCommasNeverInsideADistinguishedNameOrAtASpace(string field, string[] expected) =>
        Assert.Equal(expected, AdminConsole.Members(field));
}
