namespace Auth0Mcp.Sdk.Governance;

/// <summary>Per-call approvals: requests, decisions and their one use, each saved with its linked audit record.</summary>
public sealed partial class ToolGovernance
{
    /// <summary>How long decided or expired approvals are kept in the state document (the audit keeps them for good).</summary>
    private static readonly TimeSpan ApprovalRetention = TimeSpan.FromDays(7);

    /// <summary>
    /// Asks an administrator to approve one exact call; an open request for the same call (caller, tool, arguments)
    /// is returned instead of a new one. Audited as <c>approval.requested</c>.
    /// </summary>
    public Task<CallApproval> RequestCallApprovalAsync(string user, string tool, string argumentsHash, string? arguments, TimeSpan expiry, CancellationToken cancellationToken = default) =>
        MutateAsync(user, (state, log) =>
        {
            Prune(state, log.Now);
            var open = state.CallApprovals.Find(a => a.Status == CallApprovalStatus.Pending && a.IsOpen(log.Now) && a.IsFor(user, tool, argumentsHash));
            if (open is not null)
            {
                return open;
            }

            var approval = new CallApproval
            {
                Id = NewId(),
                User = user,
                Tool = tool,
                ArgumentsHash = argumentsHash,
                Arguments = arguments,
                Channel = "admin",
                Status = CallApprovalStatus.Pending,
                RequestedAt = log.Now,
                ExpiresAt = log.Now + expiry,
            };
            state.CallApprovals.Add(approval);
            log.Add("approval.requested", tool, $"id={approval.Id} user={user} arguments_sha256={argumentsHash} expires={approval.ExpiresAt:O}");
            return approval;
        }, cancellationToken);

    /// <summary>
    /// Grants or denies a pending request. A grant lets the same call run once until the request's expiry, or for
    /// <paramref name="expiry"/> from now when given. Audited as <c>approval.granted</c> or <c>approval.denied</c>.
    /// </summary>
    public Task<CallApproval> DecideCallApprovalAsync(string id, bool grant, TimeSpan? expiry, string? reason, string actor, CancellationToken cancellationToken = default)
    {
        if (expiry is { } e && e <= TimeSpan.Zero)
        {
            throw new GovernanceException("the expiry must be positive");
        }

        return MutateAsync(actor, (state, log) =>
        {
            var approval = state.CallApprovals.Find(a => a.Id == id) ?? throw new GovernanceException($"unknown approval request '{id}'");
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
                approval.ExpiresAt = log.Now + lifetime;
            }

            log.Add(grant ? "approval.granted" : "approval.denied", approval.Tool,
                $"id={approval.Id} user={approval.User} arguments_sha256={approval.ArgumentsHash}{(grant ? $" until {approval.ExpiresAt:O}" : "")}{(reason is null ? "" : $" reason: {reason}")}");
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
            log.Add("approval.used", tool, $"id={granted.Id} user={user} arguments_sha256={argumentsHash} granted_by={granted.DecidedBy}");
            return granted;
        }, cancellationToken);

    /// <summary>
    /// Records a call the caller confirmed or declined in the client (MCP elicitation): the request, the decision and
    /// (when confirmed) its use, as linked audit records.
    /// </summary>
    public Task<CallApproval> RecordElicitedApprovalAsync(string user, string tool, string argumentsHash, string? arguments, bool accepted, string? reason, CancellationToken cancellationToken = default) =>
        MutateAsync(user, (state, log) =>
        {
            Prune(state, log.Now);
            var approval = new CallApproval
            {
                Id = NewId(),
                User = user,
                Tool = tool,
                ArgumentsHash = argumentsHash,
                Arguments = arguments,
                Channel = "elicitation",
                Status = accepted ? CallApprovalStatus.Used : CallApprovalStatus.Denied,
                RequestedAt = log.Now,
                ExpiresAt = log.Now,
                DecidedAt = log.Now,
                DecidedBy = user,
                Reason = reason,
                UsedAt = accepted ? log.Now : null,
            };
            state.CallApprovals.Add(approval);
            var link = $"id={approval.Id} user={user} arguments_sha256={argumentsHash}";
            log.Add("approval.requested", tool, link + " channel=elicitation");
            log.Add(accepted ? "approval.granted" : "approval.declined", tool, link + " by the caller in the client" + (reason is null ? "" : $" ({reason})"));
            if (accepted)
            {
                log.Add("approval.used", tool, link);
            }

            return approval;
        }, cancellationToken);

    private static void Prune(GovernanceState state, DateTimeOffset now) =>
        state.CallApprovals.RemoveAll(a => !a.IsOpen(now) && a.ExpiresAt < now - ApprovalRetention);
}
