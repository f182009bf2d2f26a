namespace Auth0Mcp.Sdk.Governance;

/// <summary>Per-call approvals: requests, decisions and their one use, each saved with its linked audit record.</summary>
public sealed partial class ToolGovernance
{
    /// <summary>How long decided or expired approvals are kept in the state document (the audit keeps them for good).</summary>
    private static readonly TimeSpan ApprovalRetention = TimeSpan.FromDays(7);

    /// <summary>How many closed approvals (decided, used or expired) of one caller the state document keeps, newest first (the audit keeps them all).</summary>
    private const int ClosedApprovalsKeptPerCaller = 100;

    /// <summary>
    /// Asks an administrator to approve one exact call; an open request for the same call (caller, tool, arguments)
    /// is returned instead of a new one. Audited as <c>approval.requested</c>. A new request is refused with a
    /// <see cref="GovernanceException"/> when the caller already has <paramref name="maxOpenRequests"/> pending,
    /// unexpired requests (on either channel). Bounds no total of all callers' requests (the hook applies
    /// <see cref="CallApprovalOptions.MaxOpenRequests"/>); closed approvals are kept as <see cref="CallApprovalOptions.MaxClosedRequestsKept"/>'s default.
    /// </summary>
    public async Task<CallApproval> RequestCallApprovalAsync(string user, string tool, string argumentsHash, string? arguments, TimeSpan expiry, int maxOpenRequests = int.MaxValue, CancellationToken cancellationToken = default)
    {
        var (approval, refusal) = await TryRequestCallApprovalAsync(user, tool, argumentsHash, arguments, expiry, CallApprovalLimits.PerCallerOnly(maxOpenRequests), cancellationToken).ConfigureAwait(false);
        return approval ?? throw new GovernanceException(refusal!);
    }

    /// <summary>
    /// As <see cref="RequestCallApprovalAsync"/> within <paramref name="limits"/>: no new request, and the refusal
    /// that says why, when the caller or all callers together already have as many pending as the limits allow.
    /// </summary>
    internal Task<(CallApproval? Approval, string? Refusal)> TryRequestCallApprovalAsync(string user, string tool, string argumentsHash, string? arguments, TimeSpan expiry, CallApprovalLimits limits, CancellationToken cancellationToken) =>
        MutateAsync<(CallApproval?, string?)>(user, (state, log) =>
        {
            Prune(state, log.Now, limits.ClosedKept);
            var open = state.CallApprovals.Find(a => a.Channel == CallApproval.AdminChannel && a.Status == CallApprovalStatus.Pending
                && a.IsOpen(log.Now) && a.IsFor(user, tool, argumentsHash));
            if (open is not null)
            {
                return (open, null);
            }

            return RefusalOfANewRequest(state, user, log.Now, limits) is { } refusal
                ? (null, refusal)
                : (Open(state, log, user, tool, argumentsHash, arguments, CallApproval.AdminChannel, expiry, $" expires={GovernanceNames.After(log.Now, expiry, "the call approval expiry"):O}"), null);
        }, cancellationToken);

    /// <summary>
    /// Grants or denies a pending request. A grant lets the same call run once until the request's expiry, or for
    /// <paramref name="expiry"/> from now when given. Audited as <c>approval.granted</c> or <c>approval.denied</c>.
    /// The caller who made the request cannot decide it (<paramref name="actor"/> equal to its user, ignoring case and surrounding spaces): another
    /// person does.
    /// </summary>
    public Task<CallApproval> DecideCallApprovalAsync(string id, bool grant, TimeSpan? expiry, string? reason, string actor, CancellationToken cancellationToken = default)
    {
        if (expiry is { } e)
        {
            GovernanceNames.RequireDuration(e, "the expiry");
        }

        return MutateAsync(actor, (state, log) =>
        {
            var approval = state.CallApprovals.Find(a => a.Id == id) ?? throw new GovernanceException($"unknown approval request '{id}'");
            if (approval.Channel != CallApproval.AdminChannel)
            {
                throw new GovernanceException($"approval request '{id}' is answered by its caller in the client, not by an administrator");
            }

            RequireAnotherDecider($"approval request {id}", approval.User, actor);

            if (approval.Status != CallApprovalStatus.Pending)
            {
                throw new GovernanceException($"approval request '{id}' is {approval.Status.ToString().ToLowerInvariant()}, not pending");
            }

            if (approval.ExpiresAt <= log.Now)
            {
                throw new GovernanceException($"approval request '{id}' expired at {approval.ExpiresAt:O}; the caller must call again");
            }

            approval.Status = grant ? CallApprovalStatus.Granted : CallApprovalStatus.Denied;
            approval.DecidedAt = log.Now;
            approval.DecidedBy = actor;
            approval.Reason = reason;
            if (grant && expiry is { } lifetime)
            {
                approval.ExpiresAt = GovernanceNames.After(log.Now, lifetime, "the expiry");
            }

            log.Add(grant ? "approval.granted" : "approval.denied", approval.Tool,
                $"{Link(approval)}{(grant ? $" until {approval.ExpiresAt:O}" : "")}{(reason is null ? "" : $" reason: {reason}")}");
            return approval;
        }, cancellationToken);
    }

    /// <summary>
    /// Uses the granted approval for exactly this call, if there is one: it is marked used (so it never serves a
    /// second call, on any instance) and audited as <c>approval.used</c>. Null when there is none.
    /// </summary>
    public Task<CallApproval?> UseCallApprovalAsync(string user, string tool, string argumentsHash, CancellationToken cancellationToken = default) =>
        MutateAsync<CallApproval?>(user, (state, log) =>
        {
            var granted = state.CallApprovals.Find(a => a.Status == CallApprovalStatus.Granted && a.IsOpen(log.Now) && a.IsFor(user, tool, argumentsHash));
            if (granted is null)
            {
                return null;
            }

            granted.Status = CallApprovalStatus.Used;
            granted.UsedAt = log.Now;
            log.Add("approval.used", tool, $"{Link(granted)} granted_by={granted.DecidedBy}");
            return granted;
        }, cancellationToken);

    /// <summary>
    /// Opens a confirmation of one exact call that its caller answers in the client (MCP elicitation): pending until
    /// <paramref name="answerWithin"/> from now. Audited as <c>approval.requested</c> with <c>channel=elicitation</c>.
    /// A pending confirmation of the same call (caller, tool, arguments) is asked again instead of a new one: its
    /// answer deadline moves to <paramref name="answerWithin"/> from now (audited as <c>approval.requested</c> with
    /// <c>asked-again</c>). A new confirmation is refused with a <see cref="GovernanceException"/> when the caller
    /// already has <paramref name="maxOpenRequests"/> pending, unexpired requests (on either channel); as
    /// <see cref="RequestCallApprovalAsync"/>, no total of all callers' requests is bounded here.
    /// </summary>
    public async Task<CallApproval> RequestElicitedApprovalAsync(string user, string tool, string argumentsHash, string? arguments, TimeSpan answerWithin, int maxOpenRequests = int.MaxValue, CancellationToken cancellationToken = default)
    {
        var (approval, refusal) = await TryRequestElicitedApprovalAsync(user, tool, argumentsHash, arguments, answerWithin, CallApprovalLimits.PerCallerOnly(maxOpenRequests), cancellationToken).ConfigureAwait(false);
        return approval ?? throw new GovernanceException(refusal!);
    }

    /// <summary>As <see cref="RequestElicitedApprovalAsync"/> within <paramref name="limits"/>: no new confirmation, and the refusal that says why, past them.</summary>
    internal Task<(CallApproval? Approval, string? Refusal)> TryRequestElicitedApprovalAsync(string user, string tool, string argumentsHash, string? arguments, TimeSpan answerWithin, CallApprovalLimits limits, CancellationToken cancellationToken) =>
        MutateAsync<(CallApproval?, string?)>(user, (state, log) =>
        {
            Prune(state, log.Now, limits.ClosedKept);
            var open = state.CallApprovals.FindLast(a => a.Channel == CallApproval.ElicitationChannel && a.Status == CallApprovalStatus.Pending
                && a.IsOpen(log.Now) && a.IsFor(user, tool, argumentsHash));
            if (open is not null)
            {
                // Asked again (the client retried without an answer): the same confirmation, with a fresh deadline.
                open.ExpiresAt = GovernanceNames.After(log.Now, answerWithin, "the call approval expiry");
                log.Add("approval.requested", tool, $"{Link(open)} channel=elicitation asked-again expires={open.ExpiresAt:O}");
                return (open, null);
            }

            return RefusalOfANewRequest(state, user, log.Now, limits) is { } refusal
                ? (null, refusal)
                : (Open(state, log, user, tool, argumentsHash, arguments, CallApproval.ElicitationChannel, answerWithin, " channel=elicitation"), null);
        }, cancellationToken);

    /// <summary>
    /// Records the caller's answer to the confirmation <paramref name="id"/> opened by
    /// <see cref="RequestElicitedApprovalAsync"/>: confirmed, it is used at once by this call (<c>approval.granted</c>
    /// then <c>approval.used</c>); otherwise <c>approval.declined</c>. An answer after the expiry counts as declined.
    /// Null when <paramref name="id"/> is no pending confirmation of exactly this call (unknown, already answered, or
    /// for other arguments): an answer is used once.
    /// </summary>
    public Task<CallApproval?> AnswerElicitedApprovalAsync(string id, string user, string tool, string argumentsHash, bool accepted, string? reason, CancellationToken cancellationToken = default) =>
        MutateAsync<CallApproval?>(user, (state, log) =>
        {
            var approval = state.CallApprovals.Find(a => a.Id == id && a.Channel == CallApproval.ElicitationChannel
                && a.Status == CallApprovalStatus.Pending && a.IsFor(user, tool, argumentsHash));
            if (approval is null)
            {
                return null;
            }

            var late = approval.ExpiresAt <= log.Now;
            var confirmed = accepted && !late;
            approval.Status = confirmed ? CallApprovalStatus.Used : CallApprovalStatus.Denied;
            approval.DecidedAt = log.Now;
            approval.DecidedBy = user;
            approval.Reason = late ? $"no answer before {approval.ExpiresAt:O}" : reason;
            approval.UsedAt = confirmed ? log.Now : null;
            log.Add(confirmed ? "approval.granted" : "approval.declined", tool,
                Link(approval) + " by the caller in the client" + (approval.Reason is null ? "" : $" ({approval.Reason})"));
            if (confirmed)
            {
                log.Add("approval.used", tool, Link(approval));
            }

            return approval;
        }, cancellationToken);

    /// <summary>A new pending request of one exact call on <paramref name="channel"/>, added to the state and audited as <c>approval.requested</c>.</summary>
    private static CallApproval Open(GovernanceState state, MutationLog log, string user, string tool, string argumentsHash, string? arguments, string channel, TimeSpan expiry, string detail)
    {
        var approval = new CallApproval
        {
            Id = NewId(),
            User = user,
            Tool = tool,
            ArgumentsHash = argumentsHash,
            Arguments = arguments,
            Channel = channel,
            Status = CallApprovalStatus.Pending,
            RequestedAt = log.Now,
            ExpiresAt = GovernanceNames.After(log.Now, expiry, "the call approval expiry"),
        };
        state.CallApprovals.Add(approval);
        log.Add("approval.requested", tool, Link(approval) + detail);
        return approval;
    }

    /// <summary>
    /// How an approval's records name it. <c>arguments_sha256</c> keeps its name (readers of the audit match on it) and
    /// holds the approval's keyed digest (<see cref="ArgumentsDigest"/>, HMAC-SHA256), which the call's own records carry
    /// as their <c>arguments_hash</c>.
    /// </summary>
    private static string Link(CallApproval approval) => $"id={approval.Id} user={approval.User} arguments_sha256={approval.ArgumentsHash}";

    /// <summary>
    /// Why a new request of <paramref name="user"/> may not open at <paramref name="now"/>: the caller already has
    /// <see cref="CallApprovalLimits.PerCaller"/> pending, unexpired requests, or all callers together have
    /// <see cref="CallApprovalLimits.InAll"/> (both channels). Null when it may.
    /// </summary>
    private static string? RefusalOfANewRequest(GovernanceState state, string user, DateTimeOffset now, CallApprovalLimits limits)
    {
        var pending = 0;
        var callers = 0;
        foreach (var a in state.CallApprovals)
        {
            if (a.Status == CallApprovalStatus.Pending && a.IsOpen(now))
            {
                pending++;
                callers += string.Equals(a.User, user, StringComparison.Ordinal) ? 1 : 0;
            }
        }

        return callers >= limits.PerCaller
            ? $"{user} already has {limits.PerCaller} pending approval request(s), the most one caller may have: no new request until one is decided, answered or expires"
            : pending >= limits.InAll
                ? $"all callers together already have {limits.InAll} pending approval request(s), the most the server keeps (CallApproval:MaxOpenRequests): no new request until one is decided, answered or expires"
                : null;
    }

    /// <summary>
    /// Drops closed approvals 7 days after their expiry, keeps at most the newest
    /// <see cref="ClosedApprovalsKeptPerCaller"/> closed ones per caller and the newest <paramref name="closedKept"/>
    /// across all callers (the oldest dropped first), so no caller, nor many callers together, grow the shared document
    /// without bound (the audit keeps every event). An administrator's denial that still refuses its call (unexpired)
    /// is not closed: dropping it would lift the denial.
    /// </summary>
    private static void Prune(GovernanceState state, DateTimeOffset now, int closedKept)
    {
        state.CallApprovals.RemoveAll(a => !a.IsOpen(now) && a.ExpiresAt < now - ApprovalRetention);
        var closed = state.CallApprovals
            .Where(a => !a.IsOpen(now) && !(a.Channel == CallApproval.AdminChannel && a.Status == CallApprovalStatus.Denied && a.ExpiresAt > now))
            .ToList();
        var surplus = closed
            .GroupBy(a => a.User, StringComparer.Ordinal)
            .Where(g => g.Count() > ClosedApprovalsKeptPerCaller)
            .SelectMany(g => NewestFirst(g).Skip(ClosedApprovalsKeptPerCaller))
            .ToHashSet();
        if (closed.Count - surplus.Count > closedKept)
        {
            surplus.UnionWith(NewestFirst(closed.Where(a => !surplus.Contains(a))).Skip(closedKept));
        }

        if (surplus.Count > 0)
        {
            state.CallApprovals.RemoveAll(surplus.Contains);
        }
    }

    /// <summary>Closed approvals, the most recently closed first.</summary>
    private static IOrderedEnumerable<CallApproval> NewestFirst(IEnumerable<CallApproval> closed) =>
        closed.OrderByDescending(a => a.UsedAt ?? a.DecidedAt ?? a.RequestedAt).ThenByDescending(a => a.RequestedAt);
}

/// <summary>
/// The bounds of the call approvals in the state document (<see cref="CallApprovalOptions"/>): pending requests per
/// caller and in all, and closed ones kept in all.
/// </summary>
internal readonly record struct CallApprovalLimits(int PerCaller, int InAll, int ClosedKept)
{
    /// <summary>The limits <paramref name="options"/> set.</summary>
    public static CallApprovalLimits Of(CallApprovalOptions options) =>
        new(options.MaxOpenRequestsPerCaller, options.MaxOpenRequests, options.MaxClosedRequestsKept);

    /// <summary>Only <paramref name="perCaller"/> pending per caller, as the public request methods take it; closed ones kept as by default.</summary>
    public static CallApprovalLimits PerCallerOnly(int perCaller) =>
        new(perCaller, int.MaxValue, CallApprovalOptions.DefaultMaxClosedRequestsKept);
}
