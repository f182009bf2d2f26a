using System.Diagnostics;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Sdk.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The run-time side of governance in one MCP host: starts the store, syncs the catalogue, enforces every
/// <c>tools/list</c> and <c>tools/call</c>, runs the hooks, writes the call records, and tells connected
/// sessions when their tools changed. Registered by <c>WithToolGovernance</c>.
/// </summary>
public sealed partial class GovernanceRuntime : IAsyncDisposable
{
    private readonly ToolGovernanceOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private readonly ConcurrentDictionary<string, SessionView> _sessions = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _notifyLock = new(1, 1);
    private IReadOnlyList<IToolCallHook> _hooks = [];
    private IReadOnlyDictionary<string, Auth0ToolDescriptor> _catalog = new Dictionary<string, Auth0ToolDescriptor>();
    private ITimer? _timer;
    private volatile bool _initialized;

    /// <summary>Creates the runtime (done by dependency injection).</summary>
    public GovernanceRuntime(ToolGovernance governance, ICallerIdentityResolver identity, IOptions<ToolGovernanceOptions> options, IServiceProvider services, ILogger<GovernanceRuntime>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(governance);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(options);
        Governance = governance;
        Identity = identity;
        _options = options.Value;
        _services = services;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Governance.StateChanged += (_, _) => _ = NotifySessionsAsync();
    }

    /// <summary>The governance decisions and changes.</summary>
    public ToolGovernance Governance { get; }

    /// <summary>The caller identity resolver.</summary>
    public ICallerIdentityResolver Identity { get; }

    /// <summary>The governed catalogue, by tool name (after initialization).</summary>
    public IReadOnlyDictionary<string, Auth0ToolDescriptor> Catalog => _catalog;

    /// <summary>The hooks in the order they run.</summary>
    public IReadOnlyList<IToolCallHook> Hooks => _hooks;

    /// <summary>
    /// Validates the options, creates the store schema, and syncs the catalogue (new tools get the default state,
    /// vanished ones become Removed, changed ones go back to review). Runs once; the filters call it on first use.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_initialized)
        {
            return;
        }

        await _initLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            var errors = _options.Validate();
            if (errors.Count > 0)
            {
                throw new OptionsValidationException(nameof(ToolGovernanceOptions), typeof(ToolGovernanceOptions), errors);
            }

            var catalog = _options.Catalog ?? DiscoverCatalog();
            _catalog = catalog.ToDictionary(d => d.Name, StringComparer.Ordinal);
            _hooks = BuildHooks();
            await Governance.Store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            var sync = await Governance.SyncCatalogAsync(catalog, "system:" + _options.ServerName, _options.InitialDefaults, cancellationToken).ConfigureAwait(false);
            LogSynced(_logger, Governance.Store.Description, catalog.Count, sync.Added.Count, sync.Removed.Count, sync.Changed.Count);
            _timer = Governance.Time.CreateTimer(_ => _ = RefreshAsync(), null, _options.RefreshInterval, _options.RefreshInterval);
            _initialized = true;
        }
        finally
        {
            _initLock.Release();
        }
    }

    /// <summary>Re-reads the state (changes made elsewhere, expiry) and notifies sessions whose tools changed.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await Governance.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
            await NotifySessionsAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRefreshFailed(_logger, ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- tools/list

    internal async ValueTask<ListToolsResult> ListToolsAsync(RequestContext<ListToolsRequestParams> context, McpRequestHandler<ListToolsRequestParams, ListToolsResult> next, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var result = await next(context, cancellationToken).ConfigureAwait(false);
        var caller = await Identity.ResolveAsync(context, cancellationToken).ConfigureAwait(false);
        var state = await Governance.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
        var visible = VisibleFor(state, caller, Governance.Time.GetUtcNow());
        result.Tools = result.Tools.Where(t => visible.Contains(t.Name)).ToList();
        result.CacheScope = CacheScope.Private;
        // One entry per session (stdio has a single session without an id); the latest request's server
        // handle is kept to send notifications to that session later.
        var view = _sessions.GetOrAdd(context.Server.SessionId ?? "", _ => new SessionView());
        lock (view)
        {
            view.Server = context.Server;
            view.Caller = caller;
            view.Visible = visible;
            view.LastSeen = Governance.Time.GetUtcNow();
        }

        return result;
    }

    /// <summary>
    /// The names of the tools the caller of <paramref name="context"/> may call now: exactly what its
    /// <c>tools/list</c> shows (used by the progressive tools to search and describe only entitled tools).
    /// </summary>
    public async ValueTask<IReadOnlySet<string>> VisibleToolsAsync(MessageContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var caller = await Identity.ResolveAsync(context, cancellationToken).ConfigureAwait(false);
        var state = await Governance.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
        return VisibleFor(state, caller, Governance.Time.GetUtcNow());
    }

    // ---------------------------------------------------------------- tools/call

    internal async ValueTask<CallToolResult> CallToolAsync(RequestContext<CallToolRequestParams> context, McpRequestHandler<CallToolRequestParams, CallToolResult> next, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        var now = Governance.Time.GetUtcNow();
        var name = context.Params?.Name ?? "";
        var arguments = context.Params?.Arguments is { } given ? new Dictionary<string, JsonElement>(given, StringComparer.Ordinal) : new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var caller = await Identity.ResolveAsync(context, cancellationToken).ConfigureAwait(false);
        var record = NewCallRecord(context, caller, name, now);
        var hookOutcomes = new List<HookOutcome>();

        var state = await Governance.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
        var decision = ToolGovernance.Evaluate(state, _catalog, caller, name, now);
        if (!decision.Allowed)
        {
            return await DenyAsync(record, arguments, hookOutcomes, decision.Code!, decision.Reason!, started).ConfigureAwait(false);
        }

        var callContext = new ToolCallContext(_catalog[name], Copy(decision.Tool!), caller!, arguments, now, context.Services) { Server = context.Server };
        var hooks = _hooks.Where(h => Glob.MatchesAny(h.ToolPatterns, name)).ToList();
        foreach (var hook in hooks)
        {
            var (denied, code, reason) = await RunHookAsync(hook, "before", callContext, hookOutcomes, cancellationToken).ConfigureAwait(false);
            if (denied)
            {
                return await DenyAsync(record, callContext.Arguments, hookOutcomes, code!, reason!, started).ConfigureAwait(false);
            }
        }

        if (context.Params is not null)
        {
            context.Params.Arguments = callContext.Arguments;
        }

        try
        {
            callContext.Result = await next(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            record.Outcome = AuditOutcomes.Error;
            record.Reason = ex is OperationCanceledException && cancellationToken.IsCancellationRequested
                ? "cancelled"
                : JsonRedactor.Secrets.RedactText($"{ex.GetType().Name}: {ex.Message}", out _);
            await FinishAsync(record, callContext.Arguments, hookOutcomes, started).ConfigureAwait(false);
            throw;
        }

        foreach (var hook in hooks)
        {
            var (denied, code, reason) = await RunHookAsync(hook, "after", callContext, hookOutcomes, cancellationToken).ConfigureAwait(false);
            if (denied)
            {
                return await DenyAsync(record, callContext.Arguments, hookOutcomes, code!, reason! + " (the tool ran; its result was withheld)", started).ConfigureAwait(false);
            }
        }

        var result = callContext.Result ?? new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = "A hook removed the result." }] };
        record.Outcome = result.IsError == true ? AuditOutcomes.Error : AuditOutcomes.Success;
        record.Auth0Status = Auth0StatusOf(result);
        if (result.IsError == true)
        {
            var text = result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text;
            record.Reason = text is null ? null : JsonRedactor.Secrets.RedactText(text.Length > 500 ? text[..500] : text, out _);
        }

        await FinishAsync(record, callContext.Arguments, hookOutcomes, started).ConfigureAwait(false);
        return result;
    }

    private async Task<(bool Denied, string? Code, string? Reason)> RunHookAsync(IToolCallHook hook, string phase, ToolCallContext callContext, List<HookOutcome> outcomes, CancellationToken cancellationToken)
    {
        var timeout = hook is IToolCallHookTimeout own ? own.Timeout : _options.HookTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        HookDecision decision;
        try
        {
            var task = phase == "before" ? hook.BeforeCallAsync(callContext, cts.Token) : hook.AfterCallAsync(callContext, cts.Token);
            decision = await task.AsTask().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var timedOut = ex is TimeoutException or OperationCanceledException;
            var detail = timedOut
                ? $"hook '{hook.Name}' timed out after {timeout.TotalMilliseconds:0} ms"
                : $"hook '{hook.Name}' failed: {ex.GetType().Name}: {ex.Message}";
            outcomes.Add(new HookOutcome { Hook = hook.Name, Phase = phase, Outcome = timedOut ? "timed-out" : "failed", Detail = detail });
            return (true, DenialCodes.HookFailed, detail + " (hooks fail closed)");
        }

        outcomes.Add(new HookOutcome
        {
            Hook = hook.Name,
            Phase = phase,
            Outcome = decision.Denied ? "denied" : decision.Rewritten ? "rewritten" : "allowed",
            Detail = decision.Detail,
        });
        return decision.Denied ? (true, DenialCodes.HookDenied, $"denied by hook '{hook.Name}': {decision.Detail}") : (false, null, null);
    }

    private async Task<CallToolResult> DenyAsync(AuditRecord record, Dictionary<string, JsonElement> arguments, List<HookOutcome> hooks, string code, string reason, long started)
    {
        record.Outcome = AuditOutcomes.Denied;
        record.DenialCode = code;
        record.Reason = reason;
        await FinishAsync(record, arguments, hooks, started).ConfigureAwait(false);
        return new CallToolResult
        {
            IsError = true,
            Content = [new TextContentBlock { Text = $"Denied by governance: {reason} [{code}]" }],
        };
    }

    private async Task FinishAsync(AuditRecord record, Dictionary<string, JsonElement> arguments, List<HookOutcome> hooks, long started)
    {
        var raw = JsonSerializer.Serialize(arguments, GovernanceJsonContext.Default.DictionaryStringJsonElement);
        record.ArgumentsHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw)));
        record.Arguments = JsonRedactor.Secrets.RedactText(raw, out _);
        record.Hooks = hooks.Count == 0 ? null : hooks;
        record.LatencyMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3);
        // Durable before the answer leaves: the caller never sees a result whose record could be lost.
        await Governance.AppendCallRecordAsync(record, CancellationToken.None).ConfigureAwait(false);
    }

    private AuditRecord NewCallRecord(RequestContext<CallToolRequestParams> context, CallerIdentity? caller, string tool, DateTimeOffset now)
    {
        var client = context.JsonRpcRequest.Context?.ClientInfo ?? context.Server.ClientInfo;
        return new AuditRecord
        {
            Time = now,
            Kind = AuditKinds.Call,
            Event = "tool.call",
            User = caller?.User,
            Groups = caller is null ? null : [.. caller.Groups],
            ClientName = client?.Name,
            ClientVersion = client?.Version,
            Session = context.Server.SessionId,
            Server = _options.ServerName,
            Tool = tool,
        };
    }

    private static int? Auth0StatusOf(CallToolResult result)
    {
        var text = result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text;
        if (text is null)
        {
            return null;
        }

        var match = Auth0StatusPattern().Match(text);
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"^(?:[\w.]+ failed: )?Auth0 (?:returned|answered) (\d{3})\b")]
    private static partial Regex Auth0StatusPattern();

    /// <summary>The tools <paramref name="caller"/> may call: the access decision, less what a visibility hook would deny.</summary>
    private IReadOnlySet<string> VisibleFor(GovernanceState state, CallerIdentity? caller, DateTimeOffset now)
    {
        var visible = ToolGovernance.VisibleTools(state, _catalog, caller, now);
        if (caller is null || visible.Count == 0)
        {
            return visible;
        }

        var filtered = new HashSet<string>(visible, StringComparer.Ordinal);
        foreach (var hook in _hooks)
        {
            if (hook is IToolVisibilityHook visibility)
            {
                filtered.RemoveWhere(name => Glob.MatchesAny(hook.ToolPatterns, name)
                    && state.FindTool(name) is { } tool && !visibility.IsVisible(tool, caller, now));
            }
        }

        return filtered;
    }

    // Hooks get their own copy: the state object is shared by concurrent calls.
    private static GovernedTool Copy(GovernedTool tool) => new()
    {
        Name = tool.Name,
        State = tool.State,
        Action = tool.Action,
        Risk = tool.Risk,
        RiskOverridden = tool.RiskOverridden,
        ContentHash = tool.ContentHash,
        ApprovedHash = tool.ApprovedHash,
        Killed = tool.Killed,
        LastChange = tool.LastChange,
        UpdatedAt = tool.UpdatedAt,
        UpdatedBy = tool.UpdatedBy,
    };

    // ---------------------------------------------------------------- list_changed

    private async Task NotifySessionsAsync()
    {
        if (!_initialized)
        {
            return;
        }

        await _notifyLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var state = await Governance.GetCurrentAsync().ConfigureAwait(false);
            var now = Governance.Time.GetUtcNow();
            var subscribersToo = false;
            foreach (var (key, view) in _sessions)
            {
                McpServer? server;
                lock (view)
                {
                    server = view.Server;
                    if (server is null || now - view.LastSeen > SessionIdleLimit)
                    {
                        _sessions.TryRemove(key, out _);
                        continue;
                    }

                    var visible = VisibleFor(state, view.Caller, now);
                    if (view.Visible is not null && view.Visible.SetEquals(visible))
                    {
                        continue;
                    }

                    view.Visible = visible;
                }

                if (IsSubscriptionProtocol(server.NegotiatedProtocolVersion))
                {
                    // 2026-07-28+: list_changed only travels on the client's subscriptions/listen stream, which the
                    // SDK owns; it delivers it when the tool collection reports a change.
                    subscribersToo = true;
                    continue;
                }

                try
                {
                    await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // The session is gone: forget it.
                    LogNotifyFailed(_logger, ex);
                    _sessions.TryRemove(key, out _);
                }
            }

            if (subscribersToo && _services.GetService<IOptions<McpServerOptions>>()?.Value.ToolCollection is GovernedToolCollection tools)
            {
                tools.NotifyChanged();
            }
        }
        catch (Exception ex)
        {
            LogRefreshFailed(_logger, ex);
        }
        finally
        {
            _notifyLock.Release();
        }
    }

    // ---------------------------------------------------------------- setup

    private List<Auth0ToolDescriptor> DiscoverCatalog()
    {
        var tools = _services.GetService<IOptions<McpServerOptions>>()?.Value.ToolCollection;
        return tools is null
            ? []
            : tools.SelectMany(t => t.Metadata.OfType<Auth0ToolDescriptor>().Take(1)).ToList();
    }

    private List<IToolCallHook> BuildHooks()
    {
        var hooks = new List<IToolCallHook>();
        if (_options.MaskSecrets)
        {
            hooks.Add(new SecretMaskingHook());
        }

        if (_options.RedactPii)
        {
            hooks.Add(new PiiRedactionHook(_options.PiiFields));
        }

        if (_options.MaxOutputBytes is { } max)
        {
            hooks.Add(new OutputSizeGuardHook(max));
        }

        if (_options.PagingCaps.Count > 0)
        {
            hooks.Add(new PagingCapHook(new Dictionary<string, int>(_options.PagingCaps, StringComparer.Ordinal)));
        }

        if (_options.WriteAuthorization is { } write)
        {
            hooks.Add(write);
        }

        hooks.AddRange(_options.Hooks);
        hooks.AddRange(_services.GetServices<IToolCallHook>());
        // Stable: equal priorities keep registration order.
        return hooks.Select((h, i) => (h, i)).OrderBy(x => x.h.Priority).ThenBy(x => x.i).Select(x => x.h).ToList();
    }

    [LoggerMessage(1, LogLevel.Information, "Tool governance on {Store}: {Total} tools, {Added} new, {Removed} removed, {Changed} changed")]
    private static partial void LogSynced(ILogger logger, string store, int total, int added, int removed, int changed);

    [LoggerMessage(2, LogLevel.Warning, "Tool governance refresh failed")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(3, LogLevel.Debug, "Could not notify a session of a tool list change")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);

    private static readonly TimeSpan SessionIdleLimit = TimeSpan.FromHours(24);

    private static bool IsSubscriptionProtocol(string? version) =>
        version is null || string.CompareOrdinal(version, "2026-07-28") >= 0;

    private sealed class SessionView
    {
        public McpServer? Server { get; set; }

        public DateTimeOffset LastSeen { get; set; }

        public CallerIdentity? Caller { get; set; }

        public IReadOnlySet<string>? Visible { get; set; }
    }
}
