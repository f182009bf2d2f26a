using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Auth0Mcp.Sdk.Auth;

/// <summary>What <see cref="Auth0Doctor"/> found; <see cref="ToText"/> for people, <see cref="ToJson"/> for machines.</summary>
public sealed class Auth0DoctorReport
{
    /// <summary>True when no check failed.</summary>
    public bool Healthy => Checks.All(c => c.Status != Auth0DoctorStatus.Fail);

    /// <summary>When the checks ran.</summary>
    public DateTimeOffset CheckedAt { get; internal set; }

    /// <summary>The Management API base address, when configured.</summary>
    public string? Tenant { get; internal set; }

    /// <summary>The credential kind in use.</summary>
    public Auth0CredentialKind CredentialKind { get; internal set; }

    /// <summary>The M2M client id, for client credentials.</summary>
    public string? ClientId { get; internal set; }

    /// <summary>
    /// Where the credential in effect comes from, e.g. <c>the credentials file /etc/auth0-mcp/credentials.json</c>
    /// (<see cref="IAuth0CredentialOrigin"/>); null when there is no credential.
    /// </summary>
    public string? CredentialOrigin { get; internal set; }

    /// <summary>The token's <c>sub</c> claim, when readable.</summary>
    public string? Subject { get; internal set; }

    /// <summary>When the token expires, when known.</summary>
    public DateTimeOffset? TokenExpiresAt { get; internal set; }

    /// <summary>The scopes the token grants, sorted; null when they cannot be read.</summary>
    public IReadOnlyList<string>? GrantedScopes { get; internal set; }

    /// <summary>The path of the read request used to reach the tenant.</summary>
    public string? ProbePath { get; internal set; }

    /// <summary>The probe's HTTP status, when it got an answer.</summary>
    public int? ProbeStatus { get; internal set; }

    /// <summary>The probe's duration in milliseconds, retries included.</summary>
    public long? ProbeMilliseconds { get; internal set; }

    /// <summary>How many approved tools were checked against the scopes.</summary>
    public int? ApprovedToolCount { get; internal set; }

    /// <summary>The approved tools the token would refuse: it has none of the scopes each accepts (any one would do).</summary>
    public IReadOnlyList<Auth0ToolScopeGap> RefusedTools { get; internal set; } = [];

    /// <summary>Every check, in order.</summary>
    public IReadOnlyList<Auth0DoctorCheck> Checks { get; internal set; } = [];

    /// <summary>A human-readable report, one line per check, then the refused tools.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        foreach (var check in Checks)
        {
            sb.Append(check.Status switch { Auth0DoctorStatus.Ok => "[ok]   ", Auth0DoctorStatus.Warn => "[warn] ", _ => "[FAIL] " })
                .Append(check.Name).Append(": ").AppendLine(check.Message);
        }

        foreach (var gap in RefusedTools)
        {
            sb.Append("       refused: ").Append(gap.Tool).Append(" (needs ").Append(gap.Missing.Count == 1 ? "" : "one of ").Append(string.Join(' ', gap.Missing)).AppendLine(")");
        }

        sb.AppendLine(Healthy ? "Auth0 connection: healthy" : "Auth0 connection: NOT healthy");
        return Auth0Redaction.Redact(sb.ToString());
    }

    /// <summary>The report as indented JSON (camelCase members, ISO 8601 times); never a secret.</summary>
    public string ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteBoolean("healthy", Healthy);
            w.WriteString("checkedAt", CheckedAt);
            WriteNullable(w, "tenant", Tenant);
            w.WriteString("credentialKind", JsonNamingPolicy.CamelCase.ConvertName(CredentialKind.ToString()));
            WriteNullable(w, "clientId", ClientId);
            WriteNullable(w, "credentialOrigin", CredentialOrigin);
            WriteNullable(w, "subject", Subject);
            if (TokenExpiresAt is { } e)
            {
                w.WriteString("tokenExpiresAt", e);
            }
            else
            {
                w.WriteNull("tokenExpiresAt");
            }

            if (GrantedScopes is { } scopes)
            {
                w.WriteStartArray("grantedScopes");
                foreach (var s in scopes)
                {
                    w.WriteStringValue(s);
                }

                w.WriteEndArray();
            }
            else
            {
                w.WriteNull("grantedScopes");
            }

            w.WriteStartObject("probe");
            WriteNullable(w, "path", ProbePath);
            WriteNullable(w, "status", ProbeStatus);
            WriteNullable(w, "milliseconds", ProbeMilliseconds);
            w.WriteEndObject();
            WriteNullable(w, "approvedToolCount", ApprovedToolCount);
            w.WriteStartArray("refusedTools");
            foreach (var gap in RefusedTools)
            {
                w.WriteStartObject();
                w.WriteString("tool", gap.Tool);
                w.WriteStartArray("missingScopes");
                foreach (var s in gap.Missing)
                {
                    w.WriteStringValue(s);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("checks");
            foreach (var c in Checks)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("status", c.Status.ToString().ToLowerInvariant());
                w.WriteString("message", c.Message);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Auth0Redaction.Redact(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Auth0DoctorReport(healthy {Healthy}, {Checks.Count} checks)");
}
