using Auth0Mcp.Sdk.Catalog;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Requires a confirmation bound to one exact call (caller, tool, keyed digest of the canonical arguments, expiry) for
/// the calls <see cref="CallApprovalOptions"/> selects. When the client declares the elicitation capability (and
/// the mode allows it), the user confirms in the client: the call is answered with an input-required result (MCP
/// multi round-trip requests) carrying the confirmation, and the client retries it with the answer; accept runs the
/// call once, decline, cancel or no answer within <see cref="CallApprovalOptions.ElicitationTimeout"/> refuse it as
/// <c>user-declined</c>. The C# SDK does this natively on 2026-07-28 (stdio and stateless Streamable HTTP) and, for
/// clients of earlier revisions with a session, sends them <c>elicitation/create</c> and retries the call itself.
/// Otherwise the call is refused with "approval request R is pending"; once an administrator other than the caller
/// grants R (on the console, or <c>approvals grant R</c>), the same call with the same arguments runs exactly once before the expiry, and other
/// arguments make a new request. Runs last among the before-hooks, so the confirmation covers the arguments that are
/// actually sent.
/// </summary>
/// <remarks>
/// It runs without <see cref="ToolGovernanceOptions.HookTimeout"/> (<see cref="Timeout"/> is infinite): its waits are
/// store writes that spend or open an approval, bounded by the store, and a runtime that stopped waiting while such a
/// write commits would refuse a call whose approval was already used. The writes that spend an approval (a grant used,
/// a confirmation answered) do not stop at the call's cancellation either: the cancelled call then reaches its intent,
/// whose outcome records the cancellation.
/// </remarks>
public sealed class CallApprovalHook : ToolCallHook, IToolCallHookTimeout
{
    /// <summary>The prefix of a refusal the user declined in the client.</summary>
    public const string UserDeclined = DenialCodes.UserDeclined;

    /// <summary>The key of the confirmation among the input requests of an input-required result.</summary>
    public const string ConfirmationKey = "auth0_mcp_confirm_call";

    /// <summary>
    /// The most characters the arguments of a call that needs approval may have as canonical JSON, before anything is
    /// masked (the whole call as it is bound and sent): the approval is bound to all of them, so the approver must see
    /// all of them, and a mask must not make a long value look short. A larger call is refused as
    /// <see cref="DenialCodes.ApprovalTooLarge"/> before any request is opened.
    /// </summary>
    public const int MaxShownArguments = 4000;

    /// <summary>The request state of a confirmation round: this prefix, then the confirmation's approval id.</summary>
    private const string StatePrefix = "call-approval:";

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

    /// <summary>
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: not <see cref="ToolGovernanceOptions.HookTimeout"/>, so
    /// the runtime never gives up on a store write that uses an approval (it would commit, logging
    /// <c>approval.used</c>, while the call is refused), not even when the call is cancelled. The store bounds it; the
    /// hook never waits for a person (a confirmation ends the round with an input-required result).
    /// </summary>
    public TimeSpan Timeout => System.Threading.Timeout.InfiniteTimeSpan;

    /// <inheritdoc />
    public override async ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var governance = context.Services?.GetService<ToolGovernance>()
            ?? throw new InvalidOperationException("call approval needs the ToolGovernance service (WithToolGovernance)");
        var state = await governance.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
        var (mode, rule) = Options.ModeFor(state, context.Tool, context.Caller);
        if (mode == CallApprovalMode.None)
        {
            // Said on the call's record: a call that ran without approval because the settings said so reads otherwise
            // than one of a tool that never needed it.
            return new HookDecision(false, false, CallApprovalOptions.Explain(mode, rule, context.Tool));
        }

        var user = context.Caller.User;
        var tool = context.Descriptor.Name;
        var canonical = CanonicalArguments.Json(context.Arguments);
        if (canonical.Length > MaxShownArguments)
        {
            // The approval binds every argument: one the approver cannot see must not ride along. Judged before masking,
            // so a long value under a secret name cannot pass as "[REDACTED]".
            return HookDecision.Deny(CultureInvariant(
                $"{DenialCodes.ApprovalTooLarge}: this call needs approval, but its arguments are {canonical.Length:N0} characters (canonical JSON, secrets included), over the limit of {MaxShownArguments:N0}: an approver must see the whole call, so narrow the arguments (fewer or shorter values, or several smaller calls)"),
                DenialCodes.ApprovalTooLarge);
        }

        var hash = (await governance.GetArgumentsDigestAsync(cancellationToken).ConfigureAwait(false)).Of(canonical);
        var shown = Shown(context.Descriptor, context.Arguments, canonical);

        // An administrator's grant for exactly this call is used first, whatever the client can do. Spent whatever the
        // call's cancellation says (as an answered confirmation is): a write the store has queued commits even when
        // its caller stops waiting, and a call that gave up here would leave the grant used with no record of the
        // call. Once spent, the call goes on to its intent, and its cancellation is recorded there, linked to it.
        var now = context.Now;
        if (state.CallApprovals.Any(a => a.Status == CallApprovalStatus.Granted && a.IsOpen(now) && a.IsFor(user, tool, hash))
            && await governance.UseCallApprovalAsync(user, tool, hash, CancellationToken.None).ConfigureAwait(false) is { } granted)
        {
            return new HookDecision(false, false, $"approval {granted.Id} granted by {granted.DecidedBy}, used once");
        }

        var known = state.CallApprovals.LastOrDefault(a => a.Channel == CallApproval.AdminChannel && a.IsFor(user, tool, hash) && a.ExpiresAt > now
            && a.Status is CallApprovalStatus.Pending or CallApprovalStatus.Denied);
        if (known is { Status: CallApprovalStatus.Denied })
        {
            return HookDecision.Deny($"approval request {known.Id} for this call was denied by {known.DecidedBy}{(known.Reason is null ? "" : $" ({known.Reason})")}",
                DenialCodes.ApprovalDenied);
        }

        if (known is null && mode == CallApprovalMode.Elicit && CanElicit(context))
        {
            if (await AnsweredAsync(context, governance, hash, cancellationToken).ConfigureAwait(false) is { } answered)
            {
                return answered;
            }

            // Ask: this round ends with an input-required result; the client retries the call with the answer.
            var (confirmation, refusal) = await governance.TryRequestElicitedApprovalAsync(user, tool, hash, shown, Options.ElicitationTimeout, CallApprovalLimits.Of(Options), cancellationToken).ConfigureAwait(false);
            if (confirmation is null)
            {
                return TooManyOpenRequests(refusal!);
            }

            throw new InputRequiredException(
                new Dictionary<string, InputRequest>(StringComparer.Ordinal) { [ConfirmationKey] = InputRequest.ForElicitation(Confirmation(context, shown)) },
                StatePrefix + confirmation.Id);
        }

        var (request, refused) = known is not null ? (known, null)
            : await governance.TryRequestCallApprovalAsync(user, tool, hash, shown, Options.Expiry, CallApprovalLimits.Of(Options), cancellationToken).ConfigureAwait(false);
        if (request is null)
        {
            return TooManyOpenRequests(refused!);
        }

        return HookDecision.Deny($"approval request {request.Id} is pending: an administrator must grant request {request.Id} (on the admin console or with the CLI), "
            + $"then the same call with the same arguments runs once (until {request.ExpiresAt:u})");
    }

    /// <summary>
    /// The refusal of a call that would open a request past <see cref="CallApprovalOptions.MaxOpenRequestsPerCaller"/>
    /// or <see cref="CallApprovalOptions.MaxOpenRequests"/> (code <c>hook-denied</c>); <paramref name="why"/> says which.
    /// </summary>
    private static HookDecision TooManyOpenRequests(string why) =>
        HookDecision.Deny($"this call needs approval, but {why}; then call again", DenialCodes.HookDenied);

    /// <summary>
    /// Whether the user can confirm in the client: it declares form elicitation, and the session can carry an
    /// input-required result (a 2026-07-28 client, or a session the SDK can send <c>elicitation/create</c> on).
    /// </summary>
    private static bool CanElicit(ToolCallContext context) =>
        context.Server is { IsMrtrSupported: true, ClientCapabilities.Elicitation: { } capability } && (capability.Form is not null || capability.Url is null);

    /// <summary>
    /// The decision for a retried call that carries the answer to its confirmation; null when it carries none, or one
    /// that is not a pending confirmation of exactly this call (already used, or for other arguments): then it is asked anew.
    /// </summary>
    private static async Task<HookDecision?> AnsweredAsync(ToolCallContext context, ToolGovernance governance, string hash, CancellationToken cancellationToken)
    {
        if (context.RequestState is not { } requestState || !requestState.StartsWith(StatePrefix, StringComparison.Ordinal)
            || context.InputResponses is null || !context.InputResponses.TryGetValue(ConfirmationKey, out var response))
        {
            return null;
        }

        var answer = response.Deserialize(InputResponse.ElicitResultJsonTypeInfo);
        var confirmed = answer?.Content is { } content && content.TryGetValue("confirm", out var value) && value.ValueKind == JsonValueKind.True;
        var accepted = answer is { IsAccepted: true } && confirmed;
        var why = accepted ? null : answer is null ? "no answer" : answer.IsAccepted ? "accepted without confirming" : answer.Action ?? "no action";
        var record = await governance.AnswerElicitedApprovalAsync(requestState[StatePrefix.Length..], context.Caller.User, context.Descriptor.Name, hash, accepted, why, CancellationToken.None).ConfigureAwait(false);
        return record switch
        {
            null => null,
            { Status: CallApprovalStatus.Used } => new HookDecision(false, false, $"approval {record.Id} confirmed by {record.DecidedBy} in the client"),
            _ => HookDecision.Deny($"{UserDeclined}: the user did not confirm the call in the client ({record.Reason}; approval {record.Id})", DenialCodes.UserDeclined),
        };
    }

    /// <summary>The confirmation the client shows: the summary, and one boolean to confirm.</summary>
    private static ElicitRequestParams Confirmation(ToolCallContext context, string shown) => new()
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

    /// <summary>
    /// The arguments as a reviewer sees them, whole: canonical JSON through the arguments' view
    /// (<see cref="JsonRedactor.RedactCallArguments"/>: only values that are secrets masked) after the tool's maps of
    /// secrets are masked. The digest covers the real arguments (keyed: <see cref="ArgumentsDigest"/>). <paramref name="canonical"/> is their canonical JSON,
    /// used as it is when the tool has no map of secrets among them.
    /// </summary>
    private static string Shown(Auth0ToolDescriptor descriptor, Dictionary<string, JsonElement> arguments, string canonical)
    {
        var masked = SecretMaps.MaskArguments(descriptor, arguments);
        return JsonRedactor.Secrets.RedactCallArguments(ReferenceEquals(masked, arguments) ? canonical : CanonicalArguments.Json(masked), descriptor.Request.Body, out _);
    }

    /// <summary>The confirmation text: the action, the target resource (path values as <paramref name="shown"/> has them, percent-encoded), all the arguments (secrets masked).</summary>
    private static string Summary(ToolCallContext context, string shown)
    {
        var d = context.Descriptor;
        using var view = JsonDocument.Parse(shown);
        var target = new StringBuilder();
        foreach (var segment in d.Path.Split('/'))
        {
            if (segment.Length == 0)
            {
                continue;
            }

            target.Append('/');
            var name = segment.StartsWith('{') && segment.EndsWith('}') ? segment[1..^1] : null;
            // A value percent-encoded, as the request sends it: one segment, on one line, whatever it holds (a line
            // break would forge a Target and Arguments of its own, an escape sequence reach a terminal client, a '/'
            // look like another path). The Arguments line shows it as given.
            target.Append(name is not null && view.RootElement.TryGetProperty(name, out var value)
                ? Uri.EscapeDataString(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText())
                : segment);
        }

        var text = new StringBuilder()
            .Append(CultureInvariant($"Confirm a {d.Action.ToString().ToLowerInvariant()} call ({context.Tool.Risk} risk): {d.Title}\n"))
            .Append(CultureInvariant($"Tool: {d.Name} ({d.Method} {d.Path})\n"))
            .Append(CultureInvariant($"Target: {d.Method} {target}\n"))
            .Append("Arguments: ").Append(shown).Append('\n')
            .Append("This confirms one call with exactly these arguments.");
        return text.ToString();
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
