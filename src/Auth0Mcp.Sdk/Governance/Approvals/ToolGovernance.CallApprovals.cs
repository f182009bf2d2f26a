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
    /// unexpired requests (on either channel).
    /// </summary>
    public async Task<CallApproval> RequestCallApprovalAsync(string user, string tool, string argumentsHash, string? arguments, TimeSpan expiry, int maxOpenRequests = int.MaxValue, CancellationToken cancellationToken = default) =>
        await TryRequestCallApprovalAsync(user, tool, argumentsHash, arguments, expiry, maxOpenRequests, cancellationToken).ConfigureAwait(false)
            ?? throw new GovernanceException(TooManyOpenRequests(user, maxOpenRequests));

    /// <summary>As <see cref="RequestCallApprovalAsync"/>, but null instead of a new request when the caller already has <paramref name="maxOpenRequests"/> pending.</summary>
    internal Task<CallApproval?> TryRequestCallApprovalAsync(string user, string tool, string argumentsHash, string? arguments, TimeSpan expiry, int maxOpenRequests, CancellationToken cancellationToken) =>
        MutateAsync<CallApproval?>(user, (state, log) =>
        {
            Prune(state, log.Now);
            var open = state.CallApprovals.Find(a => a.Channel == CallApproval.AdminChannel && a.Status == CallApprovalStatus.Pending
                && a.IsOpen(log.Now) && a.IsFor(user, tool, argumentsHash));
            if (open is not null)
            {
                return open;
            }

            return PendingRequests(state, user, log.Now) >= maxOpenRequests
                ? null
                : Open(state, log, user, tool, argumentsHash, arguments, CallApproval.AdminChannel, expiry, $" expires={GovernanceNames.After(log.Now, expiry, "the call approval expiry"):O}");
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
    /// already has <paramref name="maxOpenRequests"/> pending, unexpired requests (on either channel).
    /// </summary>
    public async Task<CallApproval> RequestElicitedApprovalAsync(string user, string tool, string argumentsHash, string? arguments, TimeSpan answerWithin, int maxOpenRequests = int.MaxValue, CancellationToken cancellationToken = default) =>
        await TryRequestElicitedApprovalAsync(user, tool, argumentsHash, arguments, answerWithin, maxOpenRequests, cancellationToken).ConfigureAwait(false)
            ?? throw new GovernanceException(TooManyOpenRequests(user, maxOpenRequests));

    /// <summary>As <see cref="RequestElicitedApprovalAsync"/>, but null instead of a new confirmation when the caller already has <paramref name="maxOpenRequests"/> pending.</summary>
    internal Task<CallApproval?> TryRequestElicitedApprovalAsync(string user, string tool, string argumentsHash, string? arguments, TimeSpan answerWithin, int maxOpenRequests, CancellationToken cancellationToken) =>
        MutateAsync<CallApproval?>(user, (state, log) =>
        {
            Prune(state, log.Now);
            var open = state.CallApprovals.FindLast(a => a.Channel == CallApproval.ElicitationChannel && a.Status == CallApprovalStatus.Pending
                && a.IsOpen(log.Now) && a.IsFor(user, tool, argumentsHash));
            if (open is not null)
            {
                // Asked again (the client retried without an answer): the same confirmation, with a fresh deadline.
                open.ExpiresAt = GovernanceNames.After(log.Now, answerWithin, "the call approval expiry");
                log.Add("approval.requested", tool, $"{Link(open)} channel=elicitation asked-again expires={open.ExpiresAt:O}");
                return open;
            }

            return PendingRequests(state, user, log.Now) >= maxOpenRequests
                ? null
                : Open(state, log, user, tool, argumentsHash, arguments, CallApproval.ElicitationChannel, answerWithin, " channel=elicitation");
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

    /// <summary>The refusal of a request past <paramref name="maxOpenRequests"/>.</summary>
    internal static string TooManyOpenRequests(string user, int maxOpenRequests) =>
        $"{user} already has {maxOpenRequests} pending approval request(s), the most one caller may have: no new request until one is decided, answered or expires";

    /// <summary>How many requests of <paramref name="user"/> are pending and unexpired at <paramref name="now"/> (both channels).</summary>
    private static int PendingRequests(GovernanceState state, string user, DateTimeOffset now) =>
        state.CallApprovals.Count(a => a.Status == CallApprovalStatus.Pending && a.IsOpen(now) && string.Equals(a.User, user, StringComparison.Ordinal));

    /// <summary>
    /// Drops closed approvals 7 days after their expiry, and keeps at most the newest
    /// <see cref="ClosedApprovalsKeptPerCaller"/> closed ones per caller, so no caller grows the shared document without
    /// bound (the audit keeps every event). An administrator's denial that still refuses its call (unexpired) is not
    /// closed: dropping it would lift the denial.
    /// </summary>
    private static void Prune(GovernanceState state, DateTimeOffset now)
    {
        state.CallApprovals.RemoveAll(a => !a.IsOpen(now) && a.ExpiresAt < now - ApprovalRetention);
        var surplus = state.CallApprovals
            .Where(a => !a.IsOpen(now) && !(a.Channel == CallApproval.AdminChannel && a.Status == CallApprovalStatus.Denied && a.ExpiresAt > now))
            .GroupBy(a => a.User, StringComparer.Ordinal)
            .Where(g => g.Count() > ClosedApprovalsKeptPerCaller)
            .SelectMany(g => g.OrderByDescending(a => a.UsedAt ?? a.DecidedAt ?? a.RequestedAt).ThenByDescending(a => a.RequestedAt).Skip(ClosedApprovalsKeptPerCaller))
            .ToHashSet();
        if (surplus.Count > 0)
        {
            state.CallApprovals.RemoveAll(surplus.Contains);
        }
    }
}
