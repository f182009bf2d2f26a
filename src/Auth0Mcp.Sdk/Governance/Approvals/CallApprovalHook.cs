using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Requires a confirmation bound to one exact call (caller, tool, SHA-256 of the canonical arguments, expiry) for
/// the calls <see cref="CallApprovalOptions"/> selects. When the client declares the elicitation capability (and
/// the mode allows it), the user confirms in the client (<c>elicitation/create</c>): accept runs the call once,
/// decline or cancel refuses it as <c>user-declined</c>. Otherwise the call is refused with "approval request R is
/// pending"; once an administrator grants R (<c>approvals grant R</c>), the same call with the same arguments runs
/// exactly once before the expiry, and other arguments make a new request. Runs last among the before-hooks, so the
/// confirmation covers the arguments that are actually sent.
/// </summary>
public sealed class CallApprovalHook : ToolCallHook, IToolCallHookTimeout
{
    /// <summary>The prefix of a refusal the user declined in the client.</summary>
    public const string UserDeclined = DenialCodes.UserDeclined;

    /// <summary>Creates the hook.</summary>
    public CallApprovalHook(CallApprovalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
    }

    /// <summary>Which calls need approval, and how.</summary>
    public CallApprovalOptions Options { get; }

    /// <inheritdoc />
    public override string Name => "call-approval";

    /// <inheritdoc />
    public override int Priority => 10_000;

    /// <summary>The user's time to answer, plus time to record the answer.</summary>
    public TimeSpan Timeout => Options.ElicitationTimeout + TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public override async ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var governance = context.Services?.GetService<ToolGovernance>()
            ?? throw new InvalidOperationException("call approval needs the ToolGovernance service (WithToolGovernance)");
        var state = await governance.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
        var (mode, _) = Options.ModeFor(state, context.Tool, context.Caller);
        if (mode == CallApprovalMode.None)
        {
            return HookDecision.Allow;
        }

        var user = context.Caller.User;
        var tool = context.Descriptor.Name;
        var hash = CanonicalArguments.Hash(context.Arguments);
        var shown = Shown(context.Arguments);

        // An administrator's grant for exactly this call is used first, whatever the client can do.
        var now = context.Now;
        if (state.CallApprovals.Any(a => a.Status == CallApprovalStatus.Granted && a.IsOpen(now) && a.IsFor(user, tool, hash))
            && await governance.UseCallApprovalAsync(user, tool, hash, cancellationToken).ConfigureAwait(false) is { } granted)
        {
            return new HookDecision(false, false, $"approval {granted.Id} granted by {granted.DecidedBy}, used once");
        }

        var known = state.CallApprovals.LastOrDefault(a => a.Channel == "admin" && a.IsFor(user, tool, hash) && a.ExpiresAt > now
            && a.Status is CallApprovalStatus.Pending or CallApprovalStatus.Denied);
        if (known is { Status: CallApprovalStatus.Denied })
        {
            return HookDecision.Deny($"approval request {known.Id} for this call was denied by {known.DecidedBy}{(known.Reason is null ? "" : $" ({known.Reason})")}");
        }

        if (known is null && mode == CallApprovalMode.Elicit && context.Server?.ClientCapabilities?.Elicitation is { } capability
            && (capability.Form is not null || capability.Url is null))
        {
            return await ElicitAsync(context, governance, hash, shown, cancellationToken).ConfigureAwait(false);
        }

        var request = known ?? await governance.RequestCallApprovalAsync(user, tool, hash, shown, Options.Expiry, cancellationToken).ConfigureAwait(false);
        return HookDecision.Deny($"approval request {request.Id} is pending: an administrator grants it with 'auth0-mcp approvals grant {request.Id}', "
            + $"then the same call with the same arguments runs once (until {request.ExpiresAt:u})");
    }

    private async Task<HookDecision> ElicitAsync(ToolCallContext context, ToolGovernance governance, string hash, string shown, CancellationToken cancellationToken)
    {
        var request = new ElicitRequestParams
        {
            Message = Summary(context, shown),
            RequestedSchema = new ElicitRequestParams.RequestSchema
            {
                Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                {
                    ["confirm"] = new ElicitRequestParams.BooleanSchema
                    {
                        Title = "Run this call once",
                        Description = "Confirms this one call with exactly these arguments.",
                        Default = false,
                    },
                },
                Required = ["confirm"],
            },
        };

        bool accepted;
        string? why;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ElicitationTimeout);
        try
        {
            var answer = await context.Server!.ElicitAsync(request, timeout.Token).ConfigureAwait(false);
            var confirmed = answer.Content is { } content && content.TryGetValue("confirm", out var value) && value.ValueKind == JsonValueKind.True;
            accepted = answer.IsAccepted && confirmed;
            why = accepted ? null : answer.IsAccepted ? "accepted without confirming" : answer.Action;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            accepted = false;
            why = $"no answer within {Options.ElicitationTimeout}";
        }

        var record = await governance.RecordElicitedApprovalAsync(context.Caller.User, context.Descriptor.Name, hash, shown, accepted, why, CancellationToken.None).ConfigureAwait(false);
        return accepted
            ? new HookDecision(false, false, $"approval {record.Id} confirmed by {context.Caller.User} in the client")
            : HookDecision.Deny($"{UserDeclined}: the user did not confirm the call in the client ({why}; approval {record.Id})", DenialCodes.UserDeclined);
    }

    /// <summary>The arguments as a reviewer sees them: canonical JSON, secrets masked, at most 4,000 characters.</summary>
    private static string Shown(IReadOnlyDictionary<string, JsonElement> arguments)
    {
        var text = JsonRedactor.Secrets.RedactText(CanonicalArguments.Json(arguments), out _);
        return text.Length > 4000 ? text[..4000] + "…" : text;
    }

    /// <summary>The confirmation text: the action, the target resource, the key arguments (secrets masked).</summary>
    private static string Summary(ToolCallContext context, string shown)
    {
        var d = context.Descriptor;
        var target = new StringBuilder();
        foreach (var segment in d.Path.Split('/'))
        {
            if (segment.Length == 0)
            {
                continue;
            }

            target.Append('/');
            var name = segment.StartsWith('{') && segment.EndsWith('}') ? segment[1..^1] : null;
            target.Append(name is not null && context.Arguments.TryGetValue(name, out var value)
                ? JsonRedactor.Secrets.RedactText(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText(), out _)
                : segment);
        }

        var text = new StringBuilder()
            .Append(CultureInvariant($"Confirm a {d.Action.ToString().ToLowerInvariant()} call ({context.Tool.Risk} risk): {d.Title}\n"))
            .Append(CultureInvariant($"Tool: {d.Name} ({d.Method} {d.Path})\n"))
            .Append(CultureInvariant($"Target: {d.Method} {target}\n"))
            .Append(CultureInvariant($"Arguments: {(shown.Length > 600 ? shown[..600] + "…" : shown)}\n"))
            .Append("This confirms one call with exactly these arguments.");
        return text.ToString();
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
