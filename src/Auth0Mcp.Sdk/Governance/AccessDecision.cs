namespace Auth0Mcp.Sdk.Governance;

/// <summary>The stable codes of denial reasons (also in the audit log's <c>denial_code</c>).</summary>
public static class DenialCodes
{
    /// <summary>The caller could not be identified.</summary>
    public const string NoIdentity = "no-identity";

    /// <summary>No such tool in the catalogue.</summary>
    public const string UnknownTool = "unknown-tool";

    /// <summary>The global or the tool's kill switch is on.</summary>
    public const string KillSwitch = "kill-switch";

    /// <summary>The tool is waiting for review (new or changed since approval).</summary>
    public const string PendingReview = "pending-review";

    /// <summary>The tool is disabled.</summary>
    public const string Disabled = "disabled";

    /// <summary>The tool was removed from the catalogue.</summary>
    public const string Removed = "removed";

    /// <summary>No toolset bound to the caller contains the tool.</summary>
    public const string NotInProfile = "not-in-profile";

    /// <summary>A profile would allow it, but it is not active for the caller (not granted, or expired).</summary>
    public const string ProfileNotActive = "profile-not-active";

    /// <summary>The Auth0 token lacks a scope the tool's operation requires.</summary>
    public const string MissingScopes = "missing-scopes";

    /// <summary>The arguments do not fit the tool's input schema (the error names the field).</summary>
    public const string InvalidArguments = "invalid-arguments";

    /// <summary>The request was not a valid <c>tools/call</c> (e.g. no tool name).</summary>
    public const string MalformedRequest = "malformed-request";

    /// <summary>A hook denied the call.</summary>
    public const string HookDenied = "hook-denied";

    /// <summary>An argument policy refused the call's arguments (the reason names the rule).</summary>
    public const string PolicyDenied = "policy-denied";

    /// <summary>The user declined (or did not answer) the confirmation of this one call in the client.</summary>
    public const string UserDeclined = "user-declined";

    /// <summary>An administrator denied the approval request for this one call (<c>approvals deny</c>).</summary>
    public const string ApprovalDenied = "approval-denied";

    /// <summary>
    /// The call needs approval, but its arguments are too large for an approver to see whole (more than
    /// <see cref="CallApprovalHook.MaxShownArguments"/> characters): refused before any request is opened.
    /// </summary>
    public const string ApprovalTooLarge = "approval-too-large";

    /// <summary>A hook threw or timed out (hooks fail closed).</summary>
    public const string HookFailed = "hook-failed";

    /// <summary>
    /// The governance store could not be read (unreachable, out of connections, locked past its timeout), so access
    /// could not be decided: refused, nothing sent to Auth0.
    /// </summary>
    public const string StoreUnavailable = "store-unavailable";
}

/// <summary>Whether a caller may call a tool, and if not, why.</summary>
/// <param name="Allowed">Whether the call may proceed (hooks still run).</param>
/// <param name="Code">The denial code (<see cref="DenialCodes"/>), when denied.</param>
/// <param name="Reason">The denial reason in words, when denied.</param>
/// <param name="Tool">Governance's record of the tool, when known.</param>
public sealed record AccessDecision(bool Allowed, string? Code, string? Reason, GovernedTool? Tool)
{
    /// <summary>
    /// Whether the caller may learn why it was denied. False for a denial outside the caller's entitlement (a tool in no
    /// toolset of a profile bound to it, or one that is pending review, disabled, removed, short of the token's scopes,
    /// or killed while not entitled): the caller is then answered exactly as for an unknown tool
    /// (<see cref="CallerCode"/>, <see cref="CallerReason"/>), and only the audit keeps <see cref="Code"/> and
    /// <see cref="Reason"/>.
    /// </summary>
    public bool Disclosed { get; init; } = true;

    /// <summary>The denial code the caller is told: <see cref="Code"/>, or <see cref="DenialCodes.UnknownTool"/> when not <see cref="Disclosed"/>.</summary>
    public string? CallerCode => Disclosed ? Code : DenialCodes.UnknownTool;

    /// <summary>The reason the caller is told for a call of <paramref name="toolName"/>: <see cref="Reason"/>, or an unknown tool's when not <see cref="Disclosed"/>.</summary>
    public string? CallerReason(string toolName) => Disclosed ? Reason : UnknownToolReason(toolName);

    /// <summary>An allowing decision.</summary>
    public static AccessDecision Allow(GovernedTool tool) => new(true, null, null, tool);

    /// <summary>A denying decision.</summary>
    public static AccessDecision Deny(string code, string reason, GovernedTool? tool = null) => new(false, code, reason, tool);

    /// <summary>The denial of a name that is no tool of the catalogue (the answer every undisclosed denial copies).</summary>
    public static AccessDecision UnknownTool(string toolName, GovernedTool? tool = null) => Deny(DenialCodes.UnknownTool, UnknownToolReason(toolName), tool);

    private static string UnknownToolReason(string toolName) => $"unknown tool '{Limits.AuditName(toolName)}'";
}

/// <summary>Bad input to a governance change (unknown name, invalid value); nothing was changed.</summary>
public sealed class GovernanceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GovernanceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public GovernanceException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public GovernanceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>What a catalogue re-sync changed.</summary>
/// <param name="Added">Tools seen for the first time.</param>
/// <param name="Removed">Tools that vanished from the catalogue.</param>
/// <param name="Changed">Tools whose content hash changed (back to review when they were approved).</param>
/// <param name="Restored">Removed tools that came back.</param>
public sealed record CatalogSyncResult(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<string> Changed, IReadOnlyList<string> Restored)
{
    /// <summary>Whether anything changed.</summary>
    public bool HasChanges => Added.Count + Removed.Count + Changed.Count + Restored.Count > 0;
}
