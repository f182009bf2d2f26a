namespace Auth0Mcp.Sdk.Governance;

/// <summary>The exported form of the audit log: one JSON line per row, the sealed record with its hash.</summary>
internal static class AuditExport
{
    /// <summary>One audit row as the JSON line an export holds (the record's canonical JSON with its <c>hash</c>).</summary>
    public static string ToJsonLine(AuditRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Body[..^1] + ",\"hash\":\"" + row.Hash + "\"}";
    }
}
