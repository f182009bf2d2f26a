using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>Where a <see cref="CallApproval"/> stands.</summary>
public enum CallApprovalStatus
{
    /// <summary>Waiting for an administrator.</summary>
    Pending,

    /// <summary>Granted: the same call (caller, tool, arguments) may run once before the expiry.</summary>
    Granted,

    /// <summary>Refused by an administrator, or declined by the user in the client.</summary>
    Denied,

    /// <summary>Granted and then used by its one call.</summary>
    Used,
}

/// <summary>How a tool's calls are confirmed.</summary>
public enum CallApprovalMode
{
    /// <summary>No confirmation.</summary>
    None,

    /// <summary>By the user in the client (MCP elicitation) when the client can elicit; otherwise by an administrator.</summary>
    Elicit,

    /// <summary>By an administrator (<c>approvals grant</c>).</summary>
    Admin,
}

/// <summary>
/// A request to run one exact call, bound to the caller, the tool and the keyed digest of the canonical arguments, with
/// an expiry. Kept in the governance state so an administrator's CLI can decide it while servers run.
/// </summary>
public sealed class CallApproval
{
    /// <summary>The <see cref="Channel"/> of a request an administrator decides (<c>approvals grant|deny</c>).</summary>
    public const string AdminChannel = "admin";

    /// <summary>The <see cref="Channel"/> of a confirmation the caller answers in the client (MCP elicitation).</summary>
    public const string ElicitationChannel = "elicitation";

    /// <summary>A unique id (used by <c>approvals show|grant|deny</c>).</summary>
    public string Id { get; set; } = "";

    /// <summary>The caller the call is bound to.</summary>
    public string User { get; set; } = "";

    /// <summary>The tool.</summary>
    public string Tool { get; set; } = "";

    /// <summary>
    /// The digest of the arguments (<c>argumentsSha256</c> in the CLI's JSON): HMAC-SHA256 (hex) of their canonical JSON
    /// under a key derived from the audit key (<see cref="ArgumentsDigest"/>), so that it binds the call without letting a
    /// reader of the state test a guess of a masked value.
    /// </summary>
    public string ArgumentsHash { get; set; } = "";

    /// <summary>The arguments as canonical JSON with only secret values masked (<see cref="JsonRedactor.RedactCallArguments"/>), for the reviewer.</summary>
    public string? Arguments { get; set; }

    /// <summary>How it is decided: <c>admin</c> or <c>elicitation</c>.</summary>
    public string Channel { get; set; } = AdminChannel;

    /// <summary>The state.</summary>
    public CallApprovalStatus Status { get; set; }

    /// <summary>When it was requested.</summary>
    public DateTimeOffset RequestedAt { get; set; }

    /// <summary>After this instant the request can neither be granted nor used.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>When it was granted or denied.</summary>
    public DateTimeOffset? DecidedAt { get; set; }

    /// <summary>Who granted or denied it (the administrator, or the caller when confirmed in the client).</summary>
    public string? DecidedBy { get; set; }

    /// <summary>Why, when the decider said.</summary>
    public string? Reason { get; set; }

    /// <summary>When its call ran.</summary>
    public DateTimeOffset? UsedAt { get; set; }

    /// <summary>
    /// Members of the stored call approval that this build does not know (added by a newer build), kept as they were read so
    /// that saving a change does not erase them; null when there are none. Not for governance decisions.
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>Whether the approval still matters at <paramref name="now"/> (pending or granted, not expired).</summary>
    public bool IsOpen(DateTimeOffset now) => Status is CallApprovalStatus.Pending or CallApprovalStatus.Granted && ExpiresAt > now;

    /// <summary>Whether an administrator is asked to decide it at <paramref name="now"/> (pending, admin channel, not expired).</summary>
    public bool AwaitsAdministrator(DateTimeOffset now) => Channel == AdminChannel && Status == CallApprovalStatus.Pending && ExpiresAt > now;

    /// <summary>Whether this approval is for exactly this call.</summary>
    public bool IsFor(string user, string tool, string argumentsHash) =>
        string.Equals(User, user, StringComparison.Ordinal) && string.Equals(Tool, tool, StringComparison.Ordinal)
        && string.Equals(ArgumentsHash, argumentsHash, StringComparison.Ordinal);
}

/// <summary>
/// The canonical form of a call's arguments: object keys sorted (ordinal) at every depth, no whitespace, numbers as
/// spelled in the call's JSON.
/// </summary>
internal static class CanonicalArguments
{
    /// <summary>The canonical JSON of <paramref name="arguments"/>.</summary>
    public static string Json(IReadOnlyDictionary<string, JsonElement> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in arguments.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(name);
                Write(writer, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in value.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                // A number exactly as spelled: the request sends its raw text, so 1 and 1.0, 1000 and 1e3, or two
                // integers past 2^63 that one double would round together, are different calls with different
                // approvals (a double here let one approval serve a call the approver never saw).
                writer.WriteRawValue(value.GetRawText());
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }
}
