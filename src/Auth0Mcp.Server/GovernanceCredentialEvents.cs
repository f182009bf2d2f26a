using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Server;

/// <summary>Records each credential rotation of a running server in the audit log (no token, no secret).</summary>
internal sealed class GovernanceCredentialEvents(ToolGovernance governance) : IAuth0CredentialEvents
{
    public void CredentialRotated(Auth0CredentialRotation rotation)
    {
        var details = $"credential v{rotation.PreviousVersion} ({rotation.PreviousKind}) → v{rotation.Version} ({rotation.Kind}), source {rotation.Source}"
            + (rotation.ClientId is null ? "" : $", client {rotation.ClientId}");
        // Fire and forget would lose the record on a crash; the rotation itself already happened, so wait.
        governance.RecordCredentialRotationAsync(rotation.Source, details).GetAwaiter().GetResult();
    }
}
