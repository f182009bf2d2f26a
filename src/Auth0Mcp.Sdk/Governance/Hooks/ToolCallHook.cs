using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Runs before and after each governed call. Hooks run in <see cref="Priority"/> order (lowest first) for the
/// tools matching <see cref="ToolPatterns"/>; they can rewrite the arguments (before) or the result (after), or
/// deny the call. They fail closed: a hook that throws or exceeds the timeout denies the call.
/// </summary>
public interface IToolCallHook
{
    /// <summary>The name shown in the audit log.</summary>
    string Name { get; }

    /// <summary>The order: lower runs first.</summary>
    int Priority { get; }

    /// <summary>Tool-name glob patterns the hook applies to; empty means every tool.</summary>
    IReadOnlyList<string> ToolPatterns { get; }

    /// <summary>Runs before the tool; may change <see cref="ToolCallContext.Arguments"/> or deny.</summary>
    ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken);

    /// <summary>Runs after the tool; may change <see cref="ToolCallContext.Result"/> or deny (the result is then withheld).</summary>
    ValueTask<HookDecision> AfterCallAsync(ToolCallContext context, CancellationToken cancellationToken);
}

/// <summary>
/// Implemented by a hook whose denial can be told without a call (e.g. by action, risk or time of day): tools it
/// would deny are then left out of <c>tools/list</c> too, so a caller sees exactly what it may call.
/// </summary>
public interface IToolVisibilityHook
{
    /// <summary>Whether the hook would let <paramref name="caller"/> call <paramref name="tool"/> at <paramref name="now"/>.</summary>
    bool IsVisible(GovernedTool tool, CallerIdentity caller, DateTimeOffset now);
}

/// <summary>
/// Implemented by a hook that may wait for a person (e.g. a confirmation in the client), or whose writes must not be
/// abandoned half-way (the call-approval hook, which spends an approval): it runs under its own
/// <see cref="Timeout"/> instead of <see cref="ToolGovernanceOptions.HookTimeout"/>.
/// </summary>
public interface IToolCallHookTimeout
{
    /// <summary>
    /// How long the hook may run before it counts as failed; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>
    /// for no limit: the runtime then waits for the hook to end, even past the call's cancellation (which reaches the
    /// hook through its token), so a store write the hook must not abandon half-way is finished and recorded.
    /// </summary>
    TimeSpan Timeout { get; }
}

/// <summary>A convenient base: both phases allow by default; override the one you need.</summary>
public abstract class ToolCallHook : IToolCallHook
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public virtual int Priority => 0;

    /// <inheritdoc />
    public virtual IReadOnlyList<string> ToolPatterns { get; init; } = [];

    /// <inheritdoc />
    public virtual ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(HookDecision.Allow);

    /// <inheritdoc />
    public virtual ValueTask<HookDecision> AfterCallAsync(ToolCallContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(HookDecision.Allow);
}

/// <summary>What a hook decided.</summary>
/// <param name="Denied">Whether the call is denied.</param>
/// <param name="Rewritten">Whether the hook changed the arguments or the result.</param>
/// <param name="Detail">The reason (for a denial) or a note (for a rewrite).</param>
public readonly record struct HookDecision(bool Denied, bool Rewritten, string? Detail)
{
    /// <summary>The denial code recorded for a denial (<see cref="DenialCodes"/>); null: <see cref="DenialCodes.HookDenied"/>.</summary>
    public string? Code { get; init; }

    /// <summary>Go on unchanged.</summary>
    public static HookDecision Allow => default;

    /// <summary>Deny the call with <paramref name="reason"/>.</summary>
    public static HookDecision Deny(string reason) => new(true, false, reason);

    /// <summary>Deny the call with <paramref name="reason"/> under a denial code of its own (e.g. <see cref="DenialCodes.PolicyDenied"/>).</summary>
    public static HookDecision Deny(string reason, string code) => new(true, false, reason) { Code = code };

    /// <summary>Go on; the hook changed something, described by <paramref name="note"/>.</summary>
    public static HookDecision Rewrite(string note) => new(false, true, note);
}

/// <summary>One governed call as hooks see it.</summary>
public sealed class ToolCallContext
{
    /// <summary>Creates the context.</summary>
    public ToolCallContext(Auth0ToolDescriptor descriptor, GovernedTool tool, CallerIdentity caller, Dictionary<string, JsonElement> arguments, DateTimeOffset now, IServiceProvider? services)
    {
        Descriptor = descriptor;
        Tool = tool;
        Caller = caller;
        Arguments = arguments;
        Now = now;
        Services = services;
    }

    /// <summary>The tool's descriptor.</summary>
    public Auth0ToolDescriptor Descriptor { get; }

    /// <summary>Governance's record of the tool (state, risk).</summary>
    public GovernedTool Tool { get; }

    /// <summary>The caller.</summary>
    public CallerIdentity Caller { get; }

    /// <summary>The arguments; a before-hook may change them.</summary>
    public Dictionary<string, JsonElement> Arguments { get; set; }

    /// <summary>The result (after the tool ran); an after-hook may replace it.</summary>
    public CallToolResult? Result { get; set; }

    /// <summary>The time the call started (from the governance clock).</summary>
    public DateTimeOffset Now { get; }

    /// <summary>The request's services, if any.</summary>
    public IServiceProvider? Services { get; }

    /// <summary>
    /// The request's MCP server (its <see cref="McpServer.ClientCapabilities"/> are the calling client's), for hooks
    /// that ask the client something, e.g. <c>elicitation/create</c>; null outside an MCP request.
    /// </summary>
    public McpServer? Server { get; init; }

    /// <summary>
    /// The client's answers to the input a before-hook asked for by throwing <see cref="InputRequiredException"/>
    /// (multi round-trip requests): the retried call carries them, keyed as the hook keyed its input requests.
    /// </summary>
    public IDictionary<string, InputResponse>? InputResponses { get; init; }

    /// <summary>The request state the hook put in its <see cref="InputRequiredException"/>, echoed by the retried call.</summary>
    public string? RequestState { get; init; }
}
