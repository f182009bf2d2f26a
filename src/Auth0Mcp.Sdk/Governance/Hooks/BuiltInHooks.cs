using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Catalog;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Masks secrets in results: <c>client_secret</c>, <c>signing_secret</c>, signing and private keys, passwords
/// and tokens, at any depth and inside arrays, in both the text content and the structured content. On by default.
/// </summary>
internal sealed class SecretMaskingHook : ToolCallHook
{
    private readonly JsonRedactor _redactor;

    /// <summary>Creates the hook with the default secret names, or with <paramref name="redactor"/>.</summary>
    public SecretMaskingHook(JsonRedactor? redactor = null) => _redactor = redactor ?? JsonRedactor.Secrets;

    /// <summary>Whether this hook masks with <see cref="JsonRedactor.Secrets"/>, the redactor Auth0 tools' results are made with.</summary>
    internal bool MasksSecrets => ReferenceEquals(_redactor, JsonRedactor.Secrets);

    /// <inheritdoc />
    public override string Name => "secret-masking";

    /// <inheritdoc />
    public override int Priority => -100;

    /// <inheritdoc />
    public override ValueTask<HookDecision> AfterCallAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var masked = ResultRedaction.Apply(context.Result, _redactor);
        return ValueTask.FromResult(masked == 0 ? HookDecision.Allow : HookDecision.Rewrite($"masked {masked} secret value(s)"));
    }
}

/// <summary>Redacts personal data fields (email, phone number, names, IP addresses, ...) in results. Off by default.</summary>
internal sealed class PiiRedactionHook : ToolCallHook
{
    private readonly JsonRedactor _redactor;

    /// <summary>Creates the hook for <paramref name="fields"/> (default: <see cref="JsonRedactor.DefaultPiiNames"/>).</summary>
    public PiiRedactionHook(IEnumerable<string>? fields = null) => _redactor = new JsonRedactor(fields ?? JsonRedactor.DefaultPiiNames);

    /// <inheritdoc />
    public override string Name => "pii-redaction";

    /// <inheritdoc />
    public override int Priority => -90;

    /// <inheritdoc />
    public override ValueTask<HookDecision> AfterCallAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var masked = ResultRedaction.Apply(context.Result, _redactor);
        return ValueTask.FromResult(masked == 0 ? HookDecision.Allow : HookDecision.Rewrite($"redacted {masked} personal data value(s)"));
    }
}

/// <summary>Caps paging arguments (by default <c>per_page</c> and <c>take</c>) at a maximum, rewriting larger values.</summary>
internal sealed class PagingCapHook : ToolCallHook
{
    /// <summary>Creates the hook with caps per argument name.</summary>
    public PagingCapHook(IReadOnlyDictionary<string, int> caps)
    {
        ArgumentNullException.ThrowIfNull(caps);
        Caps = caps;
    }

    /// <summary>The largest value allowed, per argument name.</summary>
    public IReadOnlyDictionary<string, int> Caps { get; }

    /// <inheritdoc />
    public override string Name => "paging-cap";

    /// <inheritdoc />
    public override int Priority => 100;

    /// <inheritdoc />
    public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var notes = new List<string>();
        foreach (var (name, cap) in Caps)
        {
            if (context.Arguments.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.Number
                && value.TryGetDouble(out var number) && number > cap)
            {
                context.Arguments[name] = JsonSerializer.SerializeToElement(cap, GovernanceJsonContext.Default.Int32);
                notes.Add($"{name} {number} -> {cap}");
            }
        }

        return ValueTask.FromResult(notes.Count == 0 ? HookDecision.Allow : HookDecision.Rewrite("capped " + string.Join(", ", notes)));
    }
}

/// <summary>Business hours for <see cref="WriteAuthorizationHook"/>.</summary>
public sealed class BusinessHours
{
    /// <summary>The time zone (IANA or Windows id); UTC by default.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>The first hour of business (inclusive), 0-23.</summary>
    public int StartHour { get; set; } = 9;

    /// <summary>The end hour (exclusive), 1-24.</summary>
    public int EndHour { get; set; } = 17;

    /// <summary>The business days.</summary>
    public HashSet<DayOfWeek> Days { get; set; } = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    /// <summary>Whether <paramref name="instant"/> falls within business hours.</summary>
    public bool Contains(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById(TimeZone));
        return Days.Contains(local.DayOfWeek) && local.Hour >= StartHour && local.Hour < EndHour;
    }
}

/// <summary>
/// Denies calls of chosen action classes (e.g. Delete) and risk classes (e.g. Dangerous), always or only
/// outside business hours.
/// </summary>
public sealed class WriteAuthorizationHook : ToolCallHook, IToolVisibilityHook
{
    /// <summary>The actions denied.</summary>
    public HashSet<Auth0ToolAction> DeniedActions { get; init; } = [];

    /// <summary>The risk classes denied.</summary>
    public HashSet<ToolRisk> DeniedRisks { get; init; } = [];

    /// <summary>When set, the denial applies only outside these business hours.</summary>
    public BusinessHours? OnlyOutside { get; init; }

    /// <inheritdoc />
    public override string Name => "write-authorization";

    /// <inheritdoc />
    public override int Priority => -1000;

    /// <inheritdoc />
    public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var what = DeniedClass(context.Tool);
        if (what is null || (OnlyOutside is { } hours && hours.Contains(context.Now)))
        {
            return ValueTask.FromResult(HookDecision.Allow);
        }

        return ValueTask.FromResult(HookDecision.Deny(OnlyOutside is null ? $"{what} are not allowed" : $"{what} are not allowed outside business hours"));
    }

    /// <inheritdoc />
    public bool IsVisible(GovernedTool tool, CallerIdentity caller, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return DeniedClass(tool) is null || (OnlyOutside is { } hours && hours.Contains(now));
    }

    private string? DeniedClass(GovernedTool tool) =>
        DeniedActions.Contains(tool.Action) ? $"{tool.Action} calls"
        : DeniedRisks.Contains(tool.Risk) ? $"{tool.Risk} tools"
        : null;
}

/// <summary>
/// Redacts a tool result in place, for the secret-masking and PII hooks: every text content block, the text of every
/// embedded text resource, structuredContent, the result's <c>_meta</c> and each content block's and resource's
/// <c>_meta</c>. Binary content (images, audio, blob resources) is kept as it is: the redactors read text and JSON by
/// name and by shape, and cannot judge an image or an opaque blob (docs/security.md). Auth0 tools never return it.
/// </summary>
internal static class ResultRedaction
{
    /// <summary>Redacts <paramref name="result"/> in place with <paramref name="redactor"/>; returns how many values were masked.</summary>
    public static int Apply(CallToolResult? result, JsonRedactor redactor)
    {
        if (result is null)
        {
            return 0;
        }

        var total = Meta(result.Meta, redactor);
        for (var i = 0; i < result.Content.Count; i++)
        {
            var block = result.Content[i];
            total += Meta(block.Meta, redactor);
            if (block is TextContentBlock text)
            {
                var redacted = redactor.RedactText(text.Text, out var count);
                if (count > 0)
                {
                    total += count;
                    result.Content[i] = new TextContentBlock { Text = redacted, Annotations = text.Annotations, Meta = text.Meta };
                }
            }
            else if (block is EmbeddedResourceBlock embedded)
            {
                total += Meta(embedded.Resource.Meta, redactor);
                if (embedded.Resource is TextResourceContents resource)
                {
                    var redacted = redactor.RedactText(resource.Text, out var count);
                    if (count > 0)
                    {
                        total += count;
                        result.Content[i] = new EmbeddedResourceBlock
                        {
                            Resource = new TextResourceContents { Uri = resource.Uri, MimeType = resource.MimeType, Meta = resource.Meta, Text = redacted },
                            Annotations = embedded.Annotations,
                            Meta = embedded.Meta,
                        };
                    }
                }
            }
        }

        if (result.StructuredContent is { } structured)
        {
            var redacted = redactor.RedactElement(structured, out var count);
            if (count > 0)
            {
                total += count;
                result.StructuredContent = redacted;
            }
        }

        return total;
    }

    // A _meta object, in place (a JsonObject the result owns).
    private static int Meta(JsonObject? meta, JsonRedactor redactor) => meta is null ? 0 : redactor.Redact(meta);
}
