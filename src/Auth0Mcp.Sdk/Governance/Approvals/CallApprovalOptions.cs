using System.Text.Json;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>Which calls need a per-call approval, and how (see <see cref="ToolGovernanceOptionsPolicyExtensions.RequireCallApproval"/>).</summary>
public sealed class CallApprovalOptions
{
    /// <summary>Rules, first match wins. A call no rule matches uses <see cref="Default"/> when its tool is classified Delete or Dangerous, and needs nothing otherwise.</summary>
    public List<CallApprovalRule> Rules { get; } = [];

    /// <summary>The mode for Delete or Dangerous tools no rule matches (default <see cref="CallApprovalMode.Elicit"/>).</summary>
    public CallApprovalMode Default { get; set; } = CallApprovalMode.Elicit;

    /// <summary>How long a request may wait for a decision, and a grant for its call (default 1 hour).</summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long the user has to answer a confirmation in the client (default 5 minutes): a later answer is a decline.</summary>
    public TimeSpan ElicitationTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How many pending, unexpired requests (for an administrator or in the client) one caller may have at once
    /// (default 20, at least 1). A call that would open another is refused (<c>hook-denied</c>) until one is decided,
    /// answered or expires, so no caller can grow the shared state document without bound.
    /// </summary>
    public int MaxOpenRequestsPerCaller { get; set; } = 20;

    /// <summary>
    /// How many pending, unexpired requests all callers together may have at once (default 1,000, at least 1). A call
    /// that would open another is refused (<c>hook-denied</c>, the message naming <c>CallApproval:MaxOpenRequests</c>)
    /// until one is decided, answered or expires: the per-caller limit alone does not bound the shared state document
    /// when many callers each have a few.
    /// </summary>
    public int MaxOpenRequests { get; set; } = DefaultMaxOpenRequests;

    /// <summary>
    /// How many closed requests (denied, declined, used or expired) the state document keeps across all callers,
    /// the oldest dropped first (default 1,000, at least 1); each caller also keeps at most its newest 100. The audit
    /// keeps every decision. An administrator's denial that still refuses its call is not dropped.
    /// </summary>
    public int MaxClosedRequestsKept { get; set; } = DefaultMaxClosedRequestsKept;

    /// <summary>The default of <see cref="MaxOpenRequests"/>.</summary>
    internal const int DefaultMaxOpenRequests = 1000;

    /// <summary>The default of <see cref="MaxClosedRequestsKept"/>.</summary>
    internal const int DefaultMaxClosedRequestsKept = 1000;

    /// <summary>The mode for <paramref name="tool"/> called by <paramref name="caller"/>, and the rule that chose it (null: the default).</summary>
    public (CallApprovalMode Mode, CallApprovalRule? Rule) ModeFor(GovernanceState state, GovernedTool tool, CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(caller);
        foreach (var rule in Rules)
        {
            if (rule.Matches(state, tool, caller))
            {
                return (rule.Mode, rule);
            }
        }

        return (TakesDefault(tool) ? Default : CallApprovalMode.None, null);
    }

    /// <summary>Whether <see cref="Default"/> applies to <paramref name="tool"/> when no rule does: a Delete or Dangerous tool.</summary>
    internal static bool TakesDefault(GovernedTool tool) => tool.Action == Catalog.Auth0ToolAction.Delete || tool.Risk == ToolRisk.Dangerous;

    /// <summary>
    /// The mode a call got and why, as the call-approval hook's detail on the call's record says it: <c>mode none
    /// (default)</c>, <c>mode admin (rule tools=X -&gt; admin)</c>, <c>mode none (not a Delete or Dangerous tool)</c>.
    /// </summary>
    internal static string Explain(CallApprovalMode mode, CallApprovalRule? rule, GovernedTool tool) =>
        $"mode {mode.ToString().ToLowerInvariant()} ({(rule is not null ? "rule " + rule : TakesDefault(tool) ? "default" : "not a Delete or Dangerous tool")})";

    /// <summary>
    /// The mode for <paramref name="tool"/> as <c>tools show</c> and the console show it: for callers no profile rule
    /// names (rules by profile depend on the caller), with the rule that chose it in words.
    /// </summary>
    /// <remarks>
    /// A rule before the one that chose (all rules when none did) that names a toolset or profile the state does not
    /// hold is said after it (<see cref="UnknownNames(GovernanceState)"/>): such a rule covers nothing yet, so a mode of
    /// <c>none</c> or the default may not be what its author meant.
    /// </remarks>
    public (CallApprovalMode Mode, string Rule) Describe(GovernanceState state, GovernedTool tool)
    {
        var (mode, rule) = ModeFor(state, tool, new CallerIdentity("", []));
        var text = rule?.ToString() ?? (mode == CallApprovalMode.None ? "no rule" : "default for Delete or Dangerous tools");
        var before = rule is null ? Rules.Count : Rules.IndexOf(rule);
        var unknown = Enumerable.Range(0, before).SelectMany(i => UnknownNames(state, i)).ToList();
        return (mode, unknown.Count == 0 ? text : $"{text}; {string.Join("; ", unknown)}");
    }

    /// <summary>
    /// The rules' tool names and globs that match none of <paramref name="toolNames"/> (names compare exactly, so
    /// <c>auth0_Users_update</c> matches nothing), each a problem naming its rule: such a rule covers no call, so the
    /// start refuses it (<c>GovernanceStartup</c>, the server's settings), as it refuses an argument policy's.
    /// </summary>
    internal IReadOnlyList<string> UnmatchedToolPatterns(IEnumerable<string> toolNames)
    {
        ArgumentNullException.ThrowIfNull(toolNames);
        var names = toolNames.ToList();
        var errors = new List<string>();
        for (var i = 0; i < Rules.Count; i++)
        {
            foreach (var pattern in Rules[i].Tools.Where(p => !names.Exists(n => Glob.IsMatch(p, n))))
            {
                errors.Add($"{RuleLabel(i)}: no tool matches '{pattern}'{NameSuggestions.Hint(pattern, names)}");
            }
        }

        return errors;
    }

    /// <summary>
    /// The toolsets and profiles the rules name that <paramref name="state"/> does not hold (names compare exactly, so
    /// <c>Ops</c> is not <c>ops</c>), each in words naming its rule. Such a name covers no call until a toolset or
    /// profile of that name is created, which may happen later: the start warns of them, <see cref="Describe"/> says them.
    /// </summary>
    internal IReadOnlyList<string> UnknownNames(GovernanceState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Enumerable.Range(0, Rules.Count).SelectMany(i => UnknownNames(state, i)).ToList();
    }

    private IEnumerable<string> UnknownNames(GovernanceState state, int index)
    {
        var rule = Rules[index];
        var toolsets = state.Toolsets.Select(t => t.Name).Append(Toolset.AllApproved).Append(Toolset.ReadOnly).ToList();
        foreach (var name in rule.Toolsets.Where(n => !Toolset.IsAutomatic(n) && state.FindToolset(n) is null))
        {
            yield return Unknown(index, "toolset", name, toolsets);
        }

        foreach (var name in rule.Profiles.Where(n => state.FindProfile(n) is null))
        {
            yield return Unknown(index, "profile", name, state.Profiles.Select(p => p.Name));
        }
    }

    private string Unknown(int index, string what, string name, IEnumerable<string> known)
    {
        var close = NameSuggestions.For(name, known);
        var hint = close.Count == 0 ? "" : $" (did you mean {string.Join(" or ", close.Select(n => $"'{n}'"))}?)";
        return $"{RuleLabel(index)} names {what} '{name}', which the governance state does not hold{hint}";
    }

    /// <summary><c>call approval rule #2 (toolsets=ops -&gt; admin)</c>: a rule as problems with it name it.</summary>
    private string RuleLabel(int index) => $"call approval rule #{index + 1} ({Rules[index]})";

    /// <summary>The problems with these options; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Expiry <= TimeSpan.Zero)
        {
            errors.Add("call approval: Expiry must be positive");
        }
        else if (Expiry > GovernanceNames.MaxDuration)
        {
            errors.Add($"call approval: Expiry is too long: at most {GovernanceNames.MaxDurationText}");
        }

        if (ElicitationTimeout <= TimeSpan.Zero)
        {
            errors.Add("call approval: ElicitationTimeout must be positive");
        }
        else if (ElicitationTimeout > GovernanceNames.MaxDuration)
        {
            errors.Add($"call approval: ElicitationTimeout is too long: at most {GovernanceNames.MaxDurationText}");
        }

        if (MaxOpenRequestsPerCaller < 1)
        {
            errors.Add("call approval: MaxOpenRequestsPerCaller must be at least 1");
        }

        if (MaxOpenRequests < 1)
        {
            errors.Add("call approval: MaxOpenRequests must be at least 1");
        }

        if (MaxClosedRequestsKept < 1)
        {
            errors.Add("call approval: MaxClosedRequestsKept must be at least 1");
        }

        for (var i = 0; i < Rules.Count; i++)
        {
            if (Rules[i].Tools.Count + Rules[i].Toolsets.Count + Rules[i].Profiles.Count == 0)
            {
                errors.Add($"call approval rule #{i + 1} needs Tools, Toolsets or Profiles");
            }
        }

        return errors;
    }

    /// <summary>
    /// Reads the settings object <c>{"Default": "elicit|admin|none", "Expiry": "1h", "ElicitationTimeout": "5m",
    /// "MaxOpenRequestsPerCaller": 20, "MaxOpenRequests": 1000, "MaxClosedRequestsKept": 1000, "Rules": [{"Tools": [...], "Toolsets": [...], "Profiles": [...], "Mode": "admin"}]}</c>; problems go to <paramref name="errors"/>.
    /// </summary>
    internal static CallApprovalOptions Parse(JsonElement settings, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var options = new CallApprovalOptions();
        if (settings.ValueKind != JsonValueKind.Object)
        {
            errors.Add("call approval settings must be an object");
            return options;
        }

        foreach (var p in settings.EnumerateObject())
        {
            switch (p.Name.ToLowerInvariant())
            {
                case "default": options.Default = Mode(p.Value, "CallApproval:Default", errors) ?? options.Default; break;
                case "expiry": options.Expiry = Duration(p.Value, "CallApproval:Expiry", errors) ?? options.Expiry; break;
                case "elicitationtimeout": options.ElicitationTimeout = Duration(p.Value, "CallApproval:ElicitationTimeout", errors) ?? options.ElicitationTimeout; break;
                case "maxopenrequestspercaller": options.MaxOpenRequestsPerCaller = Count(p.Value, "CallApproval:MaxOpenRequestsPerCaller", errors) ?? options.MaxOpenRequestsPerCaller; break;
                case "maxopenrequests": options.MaxOpenRequests = Count(p.Value, "CallApproval:MaxOpenRequests", errors) ?? options.MaxOpenRequests; break;
                case "maxclosedrequestskept": options.MaxClosedRequestsKept = Count(p.Value, "CallApproval:MaxClosedRequestsKept", errors) ?? options.MaxClosedRequestsKept; break;
                case "rules" when p.Value.ValueKind == JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in p.Value.EnumerateArray())
                    {
                        index++;
                        var label = $"CallApproval:Rules[{index}]";
                        if (item.ValueKind != JsonValueKind.Object)
                        {
                            errors.Add($"{label} must be an object");
                            continue;
                        }

                        var rule = new CallApprovalRule();
                        foreach (var r in item.EnumerateObject())
                        {
                            switch (r.Name.ToLowerInvariant())
                            {
                                case "tools": rule.Tools.AddRange(Strings(r.Value, $"{label}:Tools", errors)); break;
                                case "toolsets": rule.Toolsets.AddRange(Strings(r.Value, $"{label}:Toolsets", errors)); break;
                                case "profiles": rule.Profiles.AddRange(Strings(r.Value, $"{label}:Profiles", errors)); break;
                                case "mode": rule.Mode = Mode(r.Value, $"{label}:Mode", errors) ?? rule.Mode; break;
                                default: errors.Add($"{label}: unknown key '{r.Name}' (Tools, Toolsets, Profiles, Mode)"); break;
                            }
                        }

                        options.Rules.Add(rule);
                    }

                    break;
                default:
                    errors.Add($"CallApproval: unknown or malformed key '{p.Name}' (Default, Expiry, ElicitationTimeout, MaxOpenRequestsPerCaller, MaxOpenRequests, MaxClosedRequestsKept, Rules)");
                    break;
            }
        }

        errors.AddRange(options.Validate());
        return options;
    }

    /// <summary>Parses a mode name: <c>none</c>, <c>elicit</c>, <c>admin</c>.</summary>
    public static CallApprovalMode? ParseMode(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "none" or "off" => CallApprovalMode.None,
        "elicit" or "elicitation" or "client" => CallApprovalMode.Elicit,
        "admin" => CallApprovalMode.Admin,
        _ => null,
    };

    private static CallApprovalMode? Mode(JsonElement value, string label, List<string> errors)
    {
        var mode = value.ValueKind == JsonValueKind.String ? ParseMode(value.GetString()) : null;
        if (mode is null)
        {
            errors.Add($"{label} must be elicit, admin or none");
        }

        return mode;
    }

    /// <summary>A whole number of requests; its range is checked by <see cref="Validate"/>.</summary>
    private static int? Count(JsonElement value, string label, List<string> errors)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count))
        {
            return count;
        }

        errors.Add($"{label} must be a whole number (at least 1)");
        return null;
    }

    private static TimeSpan? Duration(JsonElement value, string label, List<string> errors)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add($"{label} must be a duration such as 90s, 30m, 2h or 1d (at most {GovernanceNames.MaxDurationText})");
            return null;
        }

        try
        {
            return GovernanceNames.ParseDuration(value.GetString()!);
        }
        catch (GovernanceException ex)
        {
            // The message says what is wrong: not a duration, or longer than the maximum.
            errors.Add($"{label}: {ex.Message}");
            return null;
        }
    }

    private static IEnumerable<string> Strings(JsonElement value, string label, List<string> errors)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String))
        {
            return value.EnumerateArray().Select(v => v.GetString()!).ToList();
        }

        errors.Add($"{label} must be a string or an array of strings");
        return [];
    }
}

/// <summary>Chooses the approval mode for the calls it matches: by tool (names or globs), toolset, or the caller's profile.</summary>
public sealed class CallApprovalRule
{
    /// <summary>Tool names or globs.</summary>
    public List<string> Tools { get; } = [];

    /// <summary>Toolsets (named or automatic) whose tools the rule covers.</summary>
    public List<string> Toolsets { get; } = [];

    /// <summary>Access profiles: the rule covers their tools when the caller is bound to them.</summary>
    public List<string> Profiles { get; } = [];

    /// <summary>The mode for matching calls.</summary>
    public CallApprovalMode Mode { get; set; } = CallApprovalMode.Elicit;

    /// <summary>Whether the rule covers <paramref name="caller"/> calling <paramref name="tool"/>.</summary>
    public bool Matches(GovernanceState state, GovernedTool tool, CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(caller);
        if (Tools.Count > 0 && Glob.MatchesAny(Tools, tool.Name))
        {
            return true;
        }

        if (Toolsets.Count > 0 && ToolGovernance.ToolsetsOf(state, tool).Any(Toolsets.Contains))
        {
            return true;
        }

        return Profiles.Select(state.FindProfile).OfType<AccessProfile>().Any(p =>
            ToolGovernance.IsBound(p, caller)
            && p.Toolsets.Any(set => ToolGovernance.ResolveToolset(state, set).Contains(tool.Name, StringComparer.Ordinal)));
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{string.Join(" ", new[] { ("tools", Tools), ("toolsets", Toolsets), ("profiles", Profiles) }.Where(x => x.Item2.Count > 0).Select(x => $"{x.Item1}={string.Join(",", x.Item2)}"))} -> {Mode.ToString().ToLowerInvariant()}";
}
