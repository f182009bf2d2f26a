using System.Globalization;
using System.Text.Json;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>The exported form of the audit log: one JSON line per row, the sealed record with its hash.</summary>
internal static class AuditExport
{
    /// <summary>
    /// One audit row as the JSON line an export holds: the record's canonical JSON with its <c>hash</c>. A row whose body
    /// is not a readable record (<see cref="AuditChain.TryRead"/>: edited by hand, emptied) is exported as it is stored,
    /// in a line of its own shape, <c>{"sequence":N,"unreadable_body":"…","hash":"…"}</c>, so the export stays one
    /// JSON object per line and holds what the store holds; <c>audit verify</c> reports such a record.
    /// </summary>
    public static string ToJsonLine(AuditRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var hash = JsonSerializer.Serialize(row.Hash, GovernanceJsonContext.Default.String);
        var body = AuditChain.TryRead(row, out _) ? OneLine(row.Body).AsSpan().TrimEnd(JsonWhitespace) : default;
        if (body.EndsWith('}'))
        {
            // A readable record is a JSON object: its members, then the hash as the last one.
            var members = body[..^1].TrimEnd(JsonWhitespace);
            return string.Concat(members, members.EndsWith('{') ? "\"hash\":" : ",\"hash\":", hash, "}");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{{\"sequence\":{row.Sequence},\"unreadable_body\":{JsonSerializer.Serialize(row.Body, GovernanceJsonContext.Default.String)},\"hash\":{hash}}}");
    }

    private const string JsonWhitespace = " \t\r\n";

    /// <summary>
    /// A readable body as one line of JSON. The store escapes every control character, so a raw one was put there by
    /// hand: a line break between members is compacted away (the JSON re-written), one inside a string becomes its JSON
    /// escape (the value <see cref="AuditChain.TryRead"/> read). Either way the export stays one object per line; the
    /// record's seal no longer matches it, as it did not match the edited body.
    /// </summary>
    private static string OneLine(string body)
    {
        if (body.AsSpan().IndexOfAnyInRange('\0', '\u001f') < 0)
        {
            return body;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(body.Length);
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                document.RootElement.WriteTo(writer);
            }

            return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        catch (JsonException)
        {
            return TerminalText.EscapeJsonLine(body)!;
        }
    }

    /// <summary>
    /// <see cref="ToJsonLine"/> for a terminal (<c>audit tail --json</c>, <c>audit export</c> to stdout): every character
    /// <see cref="TerminalText.IsUnprintable"/> names becomes its JSON escape (<c>\u001b</c>, <see cref="TerminalText.EscapeJsonLine"/>). The store writes none
    /// raw; one in the row was put there by hand, and must not reach the terminal as an escape sequence or a line break.
    /// Within a JSON string the value is the same; outside one the line was not valid JSON anyway.
    /// </summary>
    public static string ToTerminalJsonLine(AuditRow row) => TerminalText.EscapeJsonLine(ToJsonLine(row))!;
}
