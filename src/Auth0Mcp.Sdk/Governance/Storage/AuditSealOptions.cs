namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Where a store finds the audit key and writes its checkpoints. Unset values fall back to the environment
/// (<see cref="AuditKeyRing.KeyEnvironmentVariable"/>, <see cref="AuditKeyRing.KeyFileEnvironmentVariable"/>,
/// <c>AUTH0_MCP_AUDIT_CHECKPOINTS</c>), then to the store's defaults: beside a SQLite file
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

        return KeyFile is not null ? AuditKeyRing.OpenFile(KeyFile) : AuditKeyRing.Load(defaultKeyFile);
    }

    internal string ResolveCheckpointFile(string defaultCheckpointFile) =>
        CheckpointFile
        ?? (Environment.GetEnvironmentVariable(AuditCheckpointFile.EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : defaultCheckpointFile);
}
