using System.Collections.Concurrent;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Enforces <see cref="ArgumentPolicy"/> rules before each call: the first rule a call breaks refuses it as
/// <c>policy-denied: NAME (why)</c>, which the audit records with the call. Runs after the rewriting hooks
/// (paging caps), so it judges the arguments that would be sent. Added by
/// <see cref="ToolGovernanceOptionsPolicyExtensions.AddArgumentPolicies"/>.
/// </summary>
public sealed class ArgumentPolicyHook : ToolCallHook
{
    /// <summary>The prefix of every refusal.</summary>
    public const string DeniedPrefix = "policy-denied: ";

    private readonly ConcurrentDictionary<string, ArgumentPolicy[]> _byTool = new(StringComparer.Ordinal);

    /// <summary>Creates the hook for <paramref name="policies"/>.</summary>
    public ArgumentPolicyHook(IEnumerable<ArgumentPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        Policies = policies.ToList();
        ToolPatterns = Policies.SelectMany(p => p.Tools).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The rules, in the order they are checked.</summary>
    public IReadOnlyList<ArgumentPolicy> Policies { get; }

    /// <inheritdoc />
    public override string Name => "argument-policy";

    /// <inheritdoc />
    public override int Priority => 5000;

    /// <summary>The rules that apply to <paramref name="tool"/>.</summary>
    public IReadOnlyList<ArgumentPolicy> For(Auth0ToolDescriptor tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return _byTool.GetOrAdd(tool.Name, _ => Policies.Where(p => p.AppliesTo(tool)).ToArray());
    }

    /// <summary>Checks the rules against <paramref name="catalog"/> (see <see cref="ArgumentPolicy.Validate"/>).</summary>
    public IReadOnlyList<string> Validate(IEnumerable<Auth0ToolDescriptor> catalog) => ArgumentPolicy.Validate(Policies, catalog);

    /// <inheritdoc />
    public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rules = For(context.Descriptor);
        foreach (var rule in rules)
        {
            if (rule.Check(context.Arguments) is { } why)
            {
                return ValueTask.FromResult(HookDecision.Deny($"{DeniedPrefix}{rule.Name} ({why})"));
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
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policies);
        var list = policies.ToList();
        if (list.Count > 0)
        {
            var existing = options.Hooks.OfType<ArgumentPolicyHook>().FirstOrDefault();
            if (existing is not null)
            {
                options.Hooks.Remove(existing);
                list.InsertRange(0, existing.Policies);
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
