using System.Runtime.CompilerServices;
using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// A rule on a tool's arguments: a settings-file <see cref="ArgumentPolicy"/> (a JSON pointer and an operator) or a
/// rule written in C# against a tool's typed arguments record (<see cref="ArgumentPolicyBuilder.For{TArguments}"/>).
/// A call that breaks one is refused as <c>policy-denied: NAME</c>.
/// </summary>
public abstract class ArgumentRule
{
    /// <summary>The rule's name, shown in refusals, the audit, <c>tools show</c> and the console.</summary>
    public abstract string Name { get; }

    /// <summary>Whether the rule applies to <paramref name="tool"/>.</summary>
    public abstract bool AppliesTo(Auth0ToolDescriptor tool);

    /// <summary>Checks validated <paramref name="arguments"/>; returns why the rule refuses them, or null when they pass.</summary>
    public abstract string? Check(IReadOnlyDictionary<string, JsonElement> arguments);

    /// <summary>The rule in words (e.g. <c>/per_page max 50</c>, or the C# condition).</summary>
    public abstract override string ToString();
}

/// <summary>
/// A rule written in C#: <paramref name="allow"/> gets the call's arguments read into the tool's generated record and
/// says whether the call may go on. Arguments that do not read as the record refuse the call (fail closed).
/// </summary>
internal sealed class TypedArgumentRule<TArguments>(string name, TypedTool<TArguments> tool, Func<TArguments, bool> allow, string condition) : ArgumentRule, ITypedArgumentRule
    where TArguments : class
{
    public override string Name { get; } = name;

    public string Tool => tool.Name;

    public override bool AppliesTo(Auth0ToolDescriptor descriptor) => descriptor.Name == tool.Name;

    public override string? Check(IReadOnlyDictionary<string, JsonElement> arguments)
    {
        TArguments typed;
        try
        {
            typed = tool.Read(arguments);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or OverflowException or InvalidOperationException or NotSupportedException)
        {
            return $"the arguments do not read as {typeof(TArguments).Name}: {ex.GetType().Name}";
        }

        return allow(typed) ? null : $"{condition} is false";
    }

    public override string ToString() => condition;
}

/// <summary>A typed rule, whatever its arguments type: the one tool it names.</summary>
internal interface ITypedArgumentRule
{
    /// <summary>The tool's name.</summary>
    string Tool { get; }
}

/// <summary>
/// Collects argument rules for <see cref="ToolGovernanceOptionsPolicyExtensions.AddArgumentPolicies(ToolGovernanceOptions, Action{ArgumentPolicyBuilder})"/>:
/// settings-style <see cref="ArgumentPolicy"/> rules, and typed rules on the generated arguments records, e.g.
/// <c>policies.For(ManagementTools.UsersUpdate, a =&gt; a.Body?.Blocked is not true, "no-blocking")</c>.
/// </summary>
public sealed class ArgumentPolicyBuilder
{
    internal List<ArgumentRule> Rules { get; } = [];

    /// <summary>
    /// Adds a typed rule: calls of <paramref name="tool"/> whose arguments make <paramref name="allow"/> false are
    /// refused as <c>policy-denied: NAME</c>. The tool must be in the governed catalogue (checked at start).
    /// </summary>
    /// <param name="tool">The tool's generated handle, e.g. <c>ManagementTools.UsersUpdate</c>.</param>
    /// <param name="allow">True when the call may go on.</param>
    /// <param name="name">The rule's name.</param>
    /// <param name="condition">The condition's text, shown in refusals and on the console (the compiler fills it in).</param>
    public ArgumentPolicyBuilder For<TArguments>(TypedTool<TArguments> tool, Func<TArguments, bool> allow, string name, [CallerArgumentExpression(nameof(allow))] string condition = "")
        where TArguments : class
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(allow);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Rules.Add(new TypedArgumentRule<TArguments>(name, tool, allow, string.IsNullOrWhiteSpace(condition) ? "the rule" : condition));
        return this;
    }

    /// <summary>Adds settings-style rules (JSON pointer and operator).</summary>
    public ArgumentPolicyBuilder Add(params IEnumerable<ArgumentPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        Rules.AddRange(policies);
        return this;
    }
}
