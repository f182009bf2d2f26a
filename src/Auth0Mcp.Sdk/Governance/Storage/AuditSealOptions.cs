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

    /// <summary>The key file (created with mode 0600 and a random key by the store's first write; reads never create it).</summary>
    public string? KeyFile { get; set; }

    /// <summary>The checkpoint file (appended on every flush).</summary>
    public string? CheckpointFile { get; set; }

    /// <summary>
    /// The keys: <see cref="Keys"/>, else the key file, created when missing only if <paramref name="create"/> (the
    /// writer); a reader gets null for a missing file.
    /// </summary>
    internal AuditKeyRing? ResolveKeys(string defaultKeyFile, bool create)
    {
        if (Keys is not null)
        {
            return Keys;
        }

        var path = ResolveKeyFile(defaultKeyFile);
        return create ? AuditKeyRing.OpenFile(path) : AuditKeyRing.ReadFileIfExists(path);
    }

    /// <summary>The full path of the key file (used unless <see cref="Keys"/> is set).</summary>
    internal string ResolveKeyFile(string defaultKeyFile) => Path.GetFullPath(KeyFile ?? defaultKeyFile);

    /// <summary>Where the keys come from, for messages, without reading or creating anything.</summary>
    internal string DescribeKeySource(string defaultKeyFile) => Keys?.Source ?? "key file " + ResolveKeyFile(defaultKeyFile);

    internal string ResolveCheckpointFile(string defaultCheckpointFile) =>
        CheckpointFile ?? defaultCheckpointFile;
}
