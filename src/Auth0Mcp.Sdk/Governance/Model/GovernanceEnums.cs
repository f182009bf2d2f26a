namespace Auth0Mcp.Sdk.Governance;

/// <summary>Where a tool stands in review.</summary>
public enum ToolState
{
    /// <summary>Discovered (or changed) and not yet reviewed: nobody may call it.</summary>
    PendingReview,

    /// <summary>Reviewed and allowed: callable through toolsets bound to a caller's active profile.</summary>
    Approved,

    /// <summary>Turned off by an administrator: nobody may call it.</summary>
    Disabled,

    /// <summary>No longer in the catalogue: nobody may call it; kept for the record.</summary>
    Removed,
}

/// <summary>How much harm a call of a tool can do, independent of its <see cref="Auth0Mcp.Sdk.Catalog.Auth0ToolAction"/>.</summary>
public enum ToolRisk
{
    /// <summary>No special risk.</summary>
    None,

    /// <summary>Touches sensitive data (credentials, keys, tokens, logs, personal data).</summary>
    Sensitive,

    /// <summary>Can disable a tenant, leak or rotate secrets, or delete users or whole configurations.</summary>
    Dangerous,
}

/// <summary>How an access profile becomes active for a user bound to it.</summary>
public enum AccessPolicy
{
    /// <summary>Active for every bound user and group at once.</summary>
    AutoApprove,

    /// <summary>A bound user activates it on request; it stays active until its expiry.</summary>
    JustInTime,

    /// <summary>A bound user requests it; it becomes active when an administrator grants the request.</summary>
    ApprovalRequired,
}

/// <summary>The state of an access request.</summary>
public enum GrantStatus
{
    /// <summary>Requested and waiting for an administrator.</summary>
    Requested,

    /// <summary>Active (granted, or activated just in time) until <see cref="AccessGrant.ExpiresAt"/>, if set.</summary>
    Granted,

    /// <summary>Denied by an administrator.</summary>
    Denied,
}
