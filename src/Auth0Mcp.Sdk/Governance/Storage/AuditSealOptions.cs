namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Where a store finds the audit key and writes its checkpoints (the server sets them from <c>AUTH0_MCP_AUDIT_KEY</c>,
/// <c>AUTH0_MCP_AUDIT_KEY_FILE</c> and <c>AUTH0_MCP_AUDIT_CHECKPOINTS</c>). Unset values fall back to the store's defaults: beside a SQLite file
/// (<c>governance.db.audit-key</c>, <c>governance.db.audit-checkpoints</c>), or in the user's configuration
/// directory for PostgreSQL (<c>auth0-mcp/audit.key</c>, <c>auth0-mcp/audit-checkpoints/HOST_PORT_DB.log</c>).
/// </summary>
public sealed class AuditSealOptions
{
    /// <summary>The keys to use (overrides every other source).</summary>
    public AuditKeyRing? Keys { get; set; }

    /// <summary>The key file (created with mode 0600 and a random key on first use).</summary>
    public string? KeyFile { get; set; }

    /// <summary>The checkpoint file (appended on every flush).</summary>
    public string? CheckpointFile { get; set; }

    internal AuditKeyRing ResolveKeys(string defaultKeyFile)
    {
        if (Keys is not null)
        {
            return Keys;
        }

        return AuditKeyRing.OpenFile(KeyFile ?? defaultKeyFile);
    }

    internal string ResolveCheckpointFile(string defaultCheckpointFile) =>
        CheckpointFile ?? defaultCheckpointFile;
}
