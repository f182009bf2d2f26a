namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// One audit record: a tool call attempt (<see cref="AuditKinds.Call"/>) or an administrative event
/// (<see cref="AuditKinds.Admin"/>). Records are sealed into a keyed chain by the store (see <see cref="AuditChain"/>):
/// <see cref="Hash"/> is an HMAC over this record's canonical JSON — every property, whatever its name, except
/// <see cref="Hash"/> — including <see cref="Sequence"/> and <see cref="PreviousHash"/>, so an edit, deletion or
/// forgery breaks the chain.
/// </summary>
/// <remarks>Never holds an Auth0 token or an unredacted secret: arguments are redacted before they get here.</remarks>
public sealed class AuditRecord
{
    /// <summary>The position in the chain (1, 2, ...), set by the store.</summary>
    public long Sequence { get; set; }

    /// <summary>When the event happened.</summary>
    public DateTimeOffset Time { get; set; }

    /// <summary><see cref="AuditKinds.Call"/> or <see cref="AuditKinds.Admin"/>.</summary>
    public string Kind { get; set; } = AuditKinds.Call;

    /// <summary>What happened, e.g. <c>tool.call</c>, <c>tool.approved</c>, <c>killswitch.on</c>.</summary>
    public string Event { get; set; } = "";

    /// <summary>The caller (for calls) or the administrator (for admin events).</summary>
    public string? User { get; set; }

    /// <summary>The caller's groups.</summary>
    public List<string>? Groups { get; set; }

    /// <summary>The AI client's name, as it introduced itself.</summary>
    public string? ClientName { get; set; }

    /// <summary>The AI client's version.</summary>
    public string? ClientVersion { get; set; }

    /// <summary>The MCP session id, when the transport has one.</summary>
    public string? Session { get; set; }

    /// <summary>
    /// How the caller signed in and with what (<see cref="CallerIdentity.Credential"/>), for call and
    /// <c>request.refused</c> records: over HTTP in the <c>auth0-mcp</c> server <c>api-key 1a2b3c4d</c> (the first 8 hex
    /// digits of the SHA-256 of the key: <c>printf %s "$KEY" | sha256sum | cut -c1-8</c>), <c>jwt iss=ISSUER jti=ID</c> or
    /// <c>local-user</c>; none over stdio. Never the credential itself.
    /// </summary>
    public string? Credential { get; set; }

    /// <summary>The server instance that handled the call.</summary>
    public string? Server { get; set; }

    /// <summary>The tool called (or the tool an admin event is about).</summary>
    public string? Tool { get; set; }

    /// <summary>The call's arguments as JSON, secrets redacted.</summary>
    public string? Arguments { get; set; }

    /// <summary>
    /// The keyed digest (<see cref="ArgumentsDigest"/>: HMAC-SHA256, hex, under a key derived from the audit key) of the
    /// canonical arguments as they were passed to the tool, secrets included: the same digest a call approval of the call
    /// is bound to. Keyed, so that no guess of a value <see cref="Arguments"/> masks can be tested against it. For a
    /// <c>request.refused</c> record, the keyed digest of the SHA-256 of what was received. (Records written before
    /// this hold a plain SHA-256.)
    /// </summary>
    public string? ArgumentsHash { get; set; }

    /// <summary>For calls: <see cref="AuditOutcomes.Success"/>, <see cref="AuditOutcomes.Denied"/> or <see cref="AuditOutcomes.Error"/>.</summary>
    public string? Outcome { get; set; }

    /// <summary>The denial reason code (e.g. <c>kill-switch</c>), when denied.</summary>
    public string? DenialCode { get; set; }

    /// <summary>The denial reason in words, or the error, when not a success.</summary>
    public string? Reason { get; set; }

    /// <summary>The Auth0 HTTP status of the call's final answer (null when no answer came).</summary>
    public int? Auth0Status { get; set; }

    /// <summary>Auth0's error code of an error answer (its <c>errorCode</c>, else <c>error</c>), e.g. <c>inexistent_user</c>.</summary>
    public string? Auth0ErrorCode { get; set; }

    /// <summary>How many HTTP attempts the call made (retries included; 0 when refused before sending).</summary>
    public int? Attempts { get; set; }

    /// <summary>The size of Auth0's answer in bytes.</summary>
    public long? Bytes { get; set; }

    /// <summary>True when Auth0's answer was cut at the output limit.</summary>
    public bool? Truncated { get; set; }

    /// <summary>
    /// For a <c>tool.call</c> outcome record: the sequence of its <c>tool.call.intent</c> record, written durably before
    /// Auth0 was called. An intent without an outcome is a call whose result is unknown (the server stopped mid-call).
    /// </summary>
    public long? IntentSequence { get; set; }

    /// <summary>How long the call took end to end, in milliseconds.</summary>
    public double? LatencyMs { get; set; }

    /// <summary>Each hook's outcome, in the order they ran.</summary>
    public List<HookOutcome>? Hooks { get; set; }

    /// <summary>Details of an admin event (free text or JSON).</summary>
    public string? Details { get; set; }

    /// <summary>The hash of the previous record (64 zeros for the first), set by the store.</summary>
    public string? PreviousHash { get; set; }

    /// <summary>
    /// The seal, set by the store: <c>hmac-sha256:KEYID:HEX</c> over the sequence, <see cref="PreviousHash"/> and
    /// this record's canonical JSON (a bare SHA-256 hex in records written before keyed sealing).
    /// </summary>
    public string? Hash { get; set; }
}

/// <summary>What one hook did during a call.</summary>
public sealed class HookOutcome
{
    /// <summary>The hook's name.</summary>
    public string Hook { get; set; } = "";

    /// <summary><c>before</c> or <c>after</c>.</summary>
    public string Phase { get; set; } = "";

    /// <summary><c>allowed</c>, <c>rewritten</c>, <c>denied</c>, <c>failed</c> or <c>timed-out</c>.</summary>
    public string Outcome { get; set; } = "";

    /// <summary>The hook's reason or note, if any.</summary>
    public string? Detail { get; set; }
}

/// <summary>Values of <see cref="AuditRecord.Kind"/>.</summary>
public static class AuditKinds
{
    /// <summary>A tool call attempt.</summary>
    public const string Call = "call";

    /// <summary>An administrative event.</summary>
    public const string Admin = "admin";
}

/// <summary>Values of <see cref="AuditRecord.Outcome"/>.</summary>
public static class AuditOutcomes
{
    /// <summary>The tool ran and answered without error.</summary>
    public const string Success = "success";

    /// <summary>Governance denied the call (it may or may not have reached the tool: see the hooks).</summary>
    public const string Denied = "denied";

    /// <summary>The tool ran and failed, or answered with an error.</summary>
    public const string Error = "error";

    /// <summary>An intent record: the call passed governance and is about to be sent to Auth0.</summary>
    public const string Intent = "intent";
}
