using System.Globalization;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The governance names as people spell them (command lines, settings files, the admin console): states, risks,
/// access policies and durations, read case- and dash-insensitively and written back in their canonical form.
/// </summary>
public static class GovernanceNames
{
    /// <summary>Parses a state name: <c>pending-review</c>, <c>approved</c>, <c>disabled</c>, <c>removed</c> (case and dashes ignored).</summary>
    /// <exception cref="GovernanceException">The name is none of those.</exception>
    public static ToolState ParseState(string text) => Normalize(text) switch
    {
        "pendingreview" or "pending" => ToolState.PendingReview,
        "approved" => ToolState.Approved,
        "disabled" => ToolState.Disabled,
        "removed" => ToolState.Removed,
        _ => throw new GovernanceException($"unknown state '{text}' (pending-review, approved, disabled, removed)"),
    };

    /// <summary>Parses a risk: <c>none</c>, <c>sensitive</c>, <c>dangerous</c>.</summary>
    /// <exception cref="GovernanceException">The name is none of those.</exception>
    public static ToolRisk ParseRisk(string text) => Normalize(text) switch
    {
        "none" => ToolRisk.None,
        "sensitive" => ToolRisk.Sensitive,
        "dangerous" => ToolRisk.Dangerous,
        _ => throw new GovernanceException($"unknown risk '{text}' (none, sensitive, dangerous)"),
    };

    /// <summary>Parses a policy: <c>auto</c>, <c>jit</c>, <c>approval</c>.</summary>
    /// <exception cref="GovernanceException">The name is none of those.</exception>
    public static AccessPolicy ParsePolicy(string text) => Normalize(text) switch
    {
        "auto" or "autoapprove" => AccessPolicy.AutoApprove,
        "jit" or "justintime" => AccessPolicy.JustInTime,
        "approval" or "approvalrequired" => AccessPolicy.ApprovalRequired,
        _ => throw new GovernanceException($"unknown policy '{text}' (auto, jit, approval)"),
    };

    /// <summary>Parses a duration: <c>90s</c>, <c>30m</c>, <c>2h</c>, <c>1d</c>, or <c>hh:mm:ss</c>; it must be positive.</summary>
    /// <exception cref="GovernanceException">The text is not a positive duration.</exception>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.Length >= 2 && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            TimeSpan? value = char.ToLowerInvariant(t[^1]) switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
            if (value is { } v)
            {
                return v;
            }
        }

        return TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new GovernanceException($"invalid duration '{text}' (e.g. 90s, 30m, 2h, 1d)");
    }

    /// <summary>The canonical name of <paramref name="state"/>: <c>pending-review</c>, <c>approved</c>, <c>disabled</c>, <c>removed</c>.</summary>
    public static string Name(ToolState state) => state switch
    {
        ToolState.PendingReview => "pending-review",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <summary>The canonical name of <paramref name="policy"/>: <c>auto</c>, <c>jit</c>, <c>approval</c>.</summary>
    public static string Name(AccessPolicy policy) => policy switch
    {
        AccessPolicy.AutoApprove => "auto",
        AccessPolicy.JustInTime => "jit",
        _ => "approval",
    };

    /// <summary>A name as users may spell it: dashes and underscores dropped, trimmed, lower case.</summary>
    internal static string Normalize(string text) => text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Trim().ToLowerInvariant();
}
