using System.Globalization;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The governance names as people spell them (command lines, settings files, the admin console): states, risks,
/// access policies and durations, read case- and dash-insensitively and written back in their canonical form.
/// </summary>
internal static class GovernanceNames
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

    /// <summary>The longest duration <see cref="ParseDuration"/> accepts: 366 days (<c>366d</c>).</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(366);

    /// <summary>
    /// Parses a duration: <c>90s</c>, <c>30m</c>, <c>2h</c>, <c>1d</c>, or <c>hh:mm:ss</c>; it must be positive, finite
    /// and at most <see cref="MaxDuration"/> (so that every time computed from it is a valid date).
    /// </summary>
    /// <exception cref="GovernanceException">The text is not a positive duration of at most <see cref="MaxDuration"/>.</exception>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.Length >= 2 && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            double? seconds = char.ToLowerInvariant(t[^1]) switch
            {
                's' => n,
                'm' => n * 60,
                'h' => n * 3600,
                'd' => n * 86400,
                _ => null,
            };
            if (seconds is { } s)
            {
                // Checked before a TimeSpan is made: 99999999d or Infinity overflow it.
                return double.IsFinite(s) && s <= MaxDuration.TotalSeconds ? Positive(TimeSpan.FromSeconds(s), text) : throw TooLong(text);
            }
        }

        // hh:mm[:ss] (or d.hh:mm:ss): TimeSpan reads a bare number as days, so "30" would have meant a month.
        if (t.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
        {
            return span <= MaxDuration ? span : throw TooLong(text);
        }

        throw Invalid(text);
    }

    /// <summary>
    /// The time <paramref name="duration"/> after <paramref name="start"/>; a duration past the last representable date
    /// (one stored before <see cref="MaxDuration"/> was enforced) is refused with a message instead of an overflow.
    /// </summary>
    /// <exception cref="GovernanceException">The result is not a representable date.</exception>
    internal static DateTimeOffset After(DateTimeOffset start, TimeSpan duration, string what) =>
        duration <= DateTimeOffset.MaxValue - start && duration >= DateTimeOffset.MinValue - start
            ? start + duration
            : throw new GovernanceException(string.Create(CultureInfo.InvariantCulture, $"{what} ({duration.TotalDays:0.#} days) is longer than the maximum, {MaxDurationText}"));

    /// <summary>Checks a duration given in code as <see cref="ParseDuration"/> checks a written one: positive and at most <see cref="MaxDuration"/>.</summary>
    /// <exception cref="GovernanceException">It is not.</exception>
    internal static TimeSpan RequireDuration(TimeSpan duration, string what) =>
        duration <= TimeSpan.Zero ? throw new GovernanceException($"{what} must be positive")
        : duration > MaxDuration ? throw new GovernanceException($"{what} is too long: at most {MaxDurationText} ({MaxDurationDays})")
        : duration;

    /// <summary>How the messages name <see cref="MaxDuration"/>.</summary>
    internal static string MaxDurationText { get; } = string.Create(CultureInfo.InvariantCulture, $"{MaxDuration.TotalDays:0}d");

    // The same maximum in words, for the messages that give both.
    private static string MaxDurationDays { get; } = string.Create(CultureInfo.InvariantCulture, $"{MaxDuration.TotalDays:0} days");

    private static TimeSpan Positive(TimeSpan span, string text) => span > TimeSpan.Zero ? span : throw Invalid(text);

    private static GovernanceException Invalid(string text)
    {
        var n = text.Trim();
        return new(n.Length > 0 && n.All(char.IsAsciiDigit)
            ? $"invalid duration '{text}': add a unit ({n}s, {n}m, {n}h or {n}d; at most {MaxDurationText})"
            : $"invalid duration '{text}' (e.g. 90s, 30m, 2h, 1d; at most {MaxDurationText})");
    }

    private static GovernanceException TooLong(string text) => new($"duration '{text}' is too long: at most {MaxDurationText} ({MaxDurationDays})");

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
