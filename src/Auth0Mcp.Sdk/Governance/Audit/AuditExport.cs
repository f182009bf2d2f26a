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

    /// <summary>
    /// <see cref="ToJsonLine"/> for a terminal (<c>audit tail --json</c>, <c>audit export</c> to stdout): every character
    /// <see cref="TerminalText.IsUnprintable"/> names becomes its JSON escape (<c>\u001b</c>, <see cref="TerminalText.EscapeJsonLine"/>). The store writes none
    /// raw; one in the row was put there by hand, and must not reach the terminal as an escape sequence or a line break.
    /// Within a JSON string the value is the same; outside one the line was not valid JSON anyway.
    /// </summary>
    public static string ToTerminalJsonLine(AuditRow row) => TerminalText.EscapeJsonLine(ToJsonLine(row))!;
}
