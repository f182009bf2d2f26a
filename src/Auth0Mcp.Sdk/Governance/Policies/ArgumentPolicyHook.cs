using System.Collections.Concurrent;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Enforces <see cref="ArgumentPolicy"/> rules before each call: the first rule a call breaks refuses it as
/// <c>policy-denied: NAME (why)</c>, which the audit records with the call. Runs after the rewriting hooks
/// (paging caps), so it judges the arguments that would be sent. Added by
/// <c>AddArgumentPolicies</c> (<see cref="ToolGovernanceOptionsPolicyExtensions"/>).
/// </summary>
public sealed class ArgumentPolicyHook : ToolCallHook
{
    /// <summary>The prefix of every refusal.</summary>
    public const string DeniedPrefix = DenialCodes.PolicyDenied + ": ";

    private readonly ConcurrentDictionary<string, ArgumentRule[]> _byTool = new(StringComparer.Ordinal);

    /// <summary>Creates the hook for <paramref name="rules"/>: settings-file policies and typed rules, checked in this order.</summary>
    public ArgumentPolicyHook(IEnumerable<ArgumentRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Rules = rules.ToList();
        Policies = Rules.OfType<ArgumentPolicy>().ToList();
        ToolPatterns = Rules.SelectMany(r => r switch
        {
            ArgumentPolicy p => p.Tools,
            ITypedArgumentRule t => [t.Tool],
            _ => ["*"],
        }).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every rule, in the order they are checked.</summary>
    public IReadOnlyList<ArgumentRule> Rules { get; }

    /// <summary>The settings-file rules among <see cref="Rules"/>.</summary>
    public IReadOnlyList<ArgumentPolicy> Policies { get; }

    /// <inheritdoc />
    public override string Name => "argument-policy";

    /// <inheritdoc />
    public override int Priority => 5000;

    /// <summary>The rules that apply to <paramref name="tool"/>.</summary>
    public IReadOnlyList<ArgumentRule> For(Auth0ToolDescriptor tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return _byTool.GetOrAdd(tool.Name, _ => Rules.Where(p => p.AppliesTo(tool)).ToArray());
    }

    /// <summary>
    /// Checks the rules against <paramref name="catalog"/>: settings-file rules as <see cref="ArgumentPolicy.Validate"/>
    /// does; a typed rule's tool must be in the catalogue; no two rules share a name. Each problem names its rule.
    /// </summary>
    public IReadOnlyList<string> Validate(IEnumerable<Auth0ToolDescriptor> catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var tools = catalog.ToList();
        var errors = ArgumentPolicy.Validate(Policies, tools).ToList();
        var names = tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var typed in Rules.OfType<ITypedArgumentRule>().Where(t => !names.Contains(t.Tool)))
        {
            errors.Add($"argument policy '{((ArgumentRule)typed).Name}': {typed.Tool} is not in the governed catalogue");
        }

        errors.AddRange(Rules.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"argument policy '{g.Key}' is defined {g.Count()} times"));
        return errors;
    }

    /// <inheritdoc />
    public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rules = For(context.Descriptor);
        foreach (var rule in rules)
        {
            // A settings-file rule is told the tool, so that it never quotes a value of the tool's maps of secrets.
            if ((rule is ArgumentPolicy policy ? policy.Check(context.Arguments, context.Descriptor) : rule.Check(context.Arguments)) is { } why)
            {
                return ValueTask.FromResult(HookDecision.Deny($"{DeniedPrefix}{rule.Name} ({why})", DenialCodes.PolicyDenied));
            }
        }

        return ValueTask.FromResult(rules.Count == 0 ? HookDecision.Allow : new HookDecision(false, false, $"passed {string.Join(", ", rules.Select(r => r.Name))}"));
    }
}

/// <summary>Adds typed argument policies and per-call approval to <see cref="ToolGovernanceOptions"/>.</summary>
public static class ToolGovernanceOptionsPolicyExtensions
{
    /// <summary>
    /// Refuses calls whose arguments break one of <paramref name="policies"/> (<c>policy-denied: NAME</c>). The rules
    /// are checked against the catalogue's input schemas when the server starts; a bad rule stops it.
    /// </summary>
    public static ToolGovernanceOptions AddArgumentPolicies(this ToolGovernanceOptions options, params IEnumerable<ArgumentPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        return options.AddArgumentPolicies(p => p.Add(policies));
    }

    /// <summary>
    /// Adds argument rules built in code, typed ones included:
    /// <c>o.AddArgumentPolicies(p =&gt; p.For(ManagementTools.UsersUpdate, a =&gt; a.Body?.Blocked is not true, "no-blocking"))</c>.
    /// A call that breaks one is refused as <c>policy-denied: NAME</c> (denial code <see cref="DenialCodes.PolicyDenied"/>);
    /// the rules are checked against the catalogue when the server starts, and a bad rule stops it.
    /// </summary>
    public static ToolGovernanceOptions AddArgumentPolicies(this ToolGovernanceOptions options, Action<ArgumentPolicyBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new ArgumentPolicyBuilder();
        configure(builder);
        var list = builder.Rules;
        if (list.Count > 0)
        {
            var existing = options.Hooks.OfType<ArgumentPolicyHook>().FirstOrDefault();
            if (existing is not null)
            {
                options.Hooks.Remove(existing);
                list.InsertRange(0, existing.Rules);
            }

            options.Hooks.Add(new ArgumentPolicyHook(list));
        }

        return options;
    }

    /// <summary>
    /// Requires a confirmation bound to one exact call (caller, tool, SHA-256 of the canonical arguments, expiry) for
    /// the tools chosen by <paramref name="configure"/> (by default those classified Delete or Dangerous): by MCP
    /// elicitation when the client can, else by an administrator (<c>approvals grant</c>).
    /// </summary>
    public static ToolGovernanceOptions RequireCallApproval(this ToolGovernanceOptions options, Action<CallApprovalOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var existing = options.Hooks.OfType<CallApprovalHook>().FirstOrDefault();
        var approval = existing?.Options ?? new CallApprovalOptions();
        configure?.Invoke(approval);
        if (existing is null)
        {
            options.Hooks.Add(new CallApprovalHook(approval));
        }

        return options;
    }
}
