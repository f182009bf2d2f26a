using System.Diagnostics;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Progressive;
using Auth0Mcp.Sdk.Http;
using Auth0Mcp.Sdk.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
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
    private long _sessionDecisions;
    private readonly SemaphoreSlim _notifyLock = new(1, 1);
    private IReadOnlyList<IToolCallHook> _hooks = [];

    // The hooks that apply to each tool, in order (the hooks are fixed once initialised; names are the catalogue's).
    private readonly ConcurrentDictionary<string, IToolCallHook[]> _hooksByTool = new(StringComparer.Ordinal);
    private const string CallEvent = "tool.call";
    private const string IntentEvent = "tool.call.intent";
    private const string DiscoveryEvent = "tool.discovery";
    private readonly ConcurrentDictionary<string, Auth0ArgumentValidator> _validators = new(StringComparer.Ordinal);
    private readonly IAuth0ScopeGuard? _scopes;
    private IReadOnlyDictionary<string, Auth0ToolDescriptor> _catalog = new Dictionary<string, Auth0ToolDescriptor>();
    private IReadOnlyDictionary<string, Auth0ApiTool> _tools = new Dictionary<string, Auth0ApiTool>();
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
        _scopes = services?.GetService<IAuth0ScopeGuard>();
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

    /// <summary>This runtime's log: what it finds at start (<c>GovernanceStartup</c>) is logged under its name, with no logger of its own.</summary>
    internal ILogger Logger => _logger;

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

            var registered = RegisteredTools(_services);
            if (MisnamedDescriptors(registered) is { Count: > 0 } misnamed)
            {
                throw new InvalidOperationException("Tool governance cannot start: " + string.Join("; ", misnamed));
            }

            _tools = registered.OfType<Auth0ApiTool>().ToDictionary(t => t.Descriptor.Name, StringComparer.Ordinal);
            var catalog = _options.Catalog ?? DescriptorsOf(registered);
            _catalog = catalog.ToDictionary(d => d.Name, StringComparer.Ordinal);
            // Governance knows a tool by its Auth0ToolDescriptor: any other is hidden and refused. Say so at start.
            var ungoverned = registered.Select(t => t.ProtocolTool.Name)
                .Where(n => !_catalog.ContainsKey(n) && !ProgressiveTools.IsProgressiveTool(n)).ToList();
            if (ungoverned.Count > 0)
            {
                LogUngoverned(_logger, ungoverned.Count, string.Join(", ", ungoverned.Take(10)) + (ungoverned.Count > 10 ? ", …" : ""));
            }

            if (_catalog.Count == 0)
            {
                LogEmptyCatalog(_logger);
            }

            _hooks = BuildHooks();
            await Governance.Store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            // This host writes the audit (every call is recorded): its key is loaded, or created, now, so that a key
            // file it cannot create, or one missing while the chain needs it, stops it here. Commands that only read the
            // store never create one.
            if (Governance.Store is DbGovernanceStore store)
            {
                await store.PrepareToWriteAsync(cancellationToken).ConfigureAwait(false);
                // What governs this process's calls, recorded with its first record (no write of its own at start).
                store.WriteWithFirstRecord(StartedRecord());
            }
            // The stored state already knows this catalogue: no sync (a read, no write) on an unchanged start.
            var current = await Governance.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
            if (current.Revision > 0 && string.Equals(current.CatalogHash, ToolGovernance.CatalogHash(catalog), StringComparison.Ordinal))
            {
                LogUnchanged(_logger, Governance.Store.Description, catalog.Count);
            }
            else
            {
                var sync = await Governance.SyncCatalogAsync(catalog, "system:" + _options.ServerName, _options.InitialDefaults, cancellationToken).ConfigureAwait(false);
                LogSynced(_logger, Governance.Store.Description, catalog.Count, sync.Added.Count, sync.Removed.Count, sync.Changed.Count);
            }
            _timer = Governance.Time.CreateTimer(_ => _ = RefreshAsync(), null, _options.RefreshInterval, _options.RefreshInterval);
            _initialized = true;
        }
        finally
        {
            _initLock.Release();
        }
    }

    /// <summary>The audit event that records the settings a server process governs its calls with (<see cref="StartedRecord"/>).</summary>
    public const string StartedEvent = "server.started";

    /// <summary>
    /// The <see cref="StartedEvent"/> record: the settings this process governs with, as JSON: the hooks in the order
    /// they run, the call approval (its default for Delete or Dangerous tools and its rules, or <c>off</c>), the argument
    /// policies by name, the tools mode, and the host's own (<see cref="ToolGovernanceOptions.StartSettings"/>). The store
    /// writes it with the process's first record, so a restart with other settings is seen before the calls it governs.
    /// </summary>
    private AuditRecord StartedRecord()
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping: a rule reads "tools=X -> admin" in the record, not "-\u003E" (control characters are still escaped).
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("hooks");
            foreach (var hook in _hooks)
            {
                w.WriteStringValue(hook.Name);
            }

            w.WriteEndArray();
            var approvals = _hooks.OfType<CallApprovalHook>().ToList();
            if (approvals.Count == 0)
            {
                w.WriteString("call_approval", "off");
            }
            else
            {
                w.WriteStartArray("call_approval");
                foreach (var approval in approvals)
                {
                    w.WriteStartObject();
                    w.WriteString("default", ModeName(approval.Options.Default));
                    w.WriteStartArray("rules");
                    foreach (var rule in approval.Options.Rules)
                    {
                        w.WriteStringValue(rule.ToString());
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteStartArray("argument_policies");
            foreach (var rule in _hooks.OfType<ArgumentPolicyHook>().SelectMany(h => h.Rules))
            {
                w.WriteStringValue(rule.Name);
            }

            w.WriteEndArray();
            if (_services?.GetService<IOptions<ToolsModeOptions>>()?.Value is { } tools)
            {
                w.WriteString("tools_mode", tools.Mode.ToString().ToLowerInvariant());
            }

            foreach (var (key, value) in _options.StartSettings.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
        }

        return new AuditRecord
        {
            Time = Governance.Time.GetUtcNow(),
            Kind = AuditKinds.Admin,
            Event = StartedEvent,
            User = "system:" + _options.ServerName,
            Server = _options.ServerName,
            Details = Encoding.UTF8.GetString(buffer.ToArray()),
        };
    }

    /// <summary>A call-approval mode as the settings file names it (<c>none</c>, <c>elicit</c>, <c>admin</c>).</summary>
    internal static string ModeName(CallApprovalMode mode) => mode.ToString().ToLowerInvariant();

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
        var state = await CurrentForListingAsync(cancellationToken).ConfigureAwait(false);
        var scopes = await GrantedScopesAsync(obtainToken: false, cancellationToken).ConfigureAwait(false);
        var now = Governance.Time.GetUtcNow();
        var decided = ToolGovernance.VisibleTools(state, _catalog, caller, now, scopes);
        var visible = WithVisibilityHooks(state, decided, caller, now);
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
            view.Decided = decided;
            view.DecidedAs = DecisionStamp.Of(state, scopes, now);
            view.LastSeen = Governance.Time.GetTimestamp();
        }

        if (caller is not null && _sessions.Count > MaxSessionViewsPerCaller)
        {
            ForgetOldestSessions(caller.User, MaxSessionViewsPerCaller);
        }

        if (_sessions.Count > MaxSessionViews)
        {
            ForgetOldestSessions(null, MaxSessionViews);
        }

        return result;
    }

    /// <summary>
    /// How many sessions' views are kept for list_changed notifications. A host that sees its sessions end (the
    /// <c>auth0-mcp</c> server over HTTP: a client's DELETE, its idle timeout) forgets each one's view then
    /// (<see cref="ForgetSession"/>); this bound is the backstop for hosts that do not (the MCP SDK itself tells no
    /// one), without which every session ever opened would stay in memory with its server. Past it, the least recently
    /// seen are forgotten; such a session gets notifications again after its next <c>tools/list</c>.
    /// </summary>
    internal int MaxSessionViews { get; set; } = 1024;

    /// <summary>
    /// How many of them one caller may hold: past it, that caller's least recently seen go first, so that one caller
    /// opening sessions cannot push the others' out.
    /// </summary>
    internal int MaxSessionViewsPerCaller { get; set; } = 32;

    internal int SessionViewCount => _sessions.Count;

    /// <summary>How many times list_changed passes took a remembered session's access decision again (for tests).</summary>
    internal long SessionDecisions => Interlocked.Read(ref _sessionDecisions);

    /// <summary>Forgets the view of the session <paramref name="sessionId"/>, which has ended: it gets no more notifications.</summary>
    internal void ForgetSession(string sessionId)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        _sessions.TryRemove(sessionId, out _);
    }

    internal IReadOnlyList<string?> SessionViewCallers => _sessions.Values.Select(v => { lock (v) { return v.Caller?.User; } }).ToList();

    /// <summary>Forgets the least recently seen views (of <paramref name="user"/> only, when given) beyond <paramref name="bound"/>.</summary>
    private void ForgetOldestSessions(string? user, int bound)
    {
        var views = _sessions.Select(v => { lock (v.Value) { return (v.Key, v.Value.LastSeen, User: v.Value.Caller?.User); } })
            .Where(v => user is null || string.Equals(v.User, user, StringComparison.Ordinal)).ToList();
        if (views.Count <= bound)
        {
            return;
        }

        // Down to three quarters of the bound at once: the next sessions do not each pay for a scan.
        foreach (var view in views.OrderBy(v => v.LastSeen).Take(views.Count - bound * 3 / 4))
        {
            _sessions.TryRemove(view.Key, out _);
        }
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
        var state = await CurrentForListingAsync(cancellationToken).ConfigureAwait(false);
        var scopes = await GrantedScopesAsync(obtainToken: false, cancellationToken).ConfigureAwait(false);
        return VisibleFor(state, caller, Governance.Time.GetUtcNow(), scopes);
    }

    /// <summary>
    /// The current state for a listing or a search, or an error the client reads (naming the store) when the store
    /// cannot give it: which tools a caller may see cannot be decided without it.
    /// </summary>
    private async Task<GovernanceState> CurrentForListingAsync(CancellationToken cancellationToken) =>
        await TryGetCurrentAsync(cancellationToken).ConfigureAwait(false) is ({ } state, _)
            ? state
            : throw new McpProtocolException(
                $"the governance store {Governance.Store.Description} could not be read, so the tools you may call could not be decided; try again", McpErrorCode.InternalError);

    // ---------------------------------------------------------------- tools/call

    /// <summary>
    /// One governed call, in this order: identity → the access decision → argument validation (refused naming the
    /// field, before any hook) → before-hooks (they may only narrow: the arguments must still validate; after them the
    /// decision is taken again on the state and clock of that moment when a hook waited) → the intent
    /// record, durably (if it cannot be written, nothing is sent; a change another writer committed before it, seen
    /// by one revision read, is decided on again) → the tool (Auth0) → after-hooks → the outcome
    /// record (with Auth0's status and error code) → the answer. Every refusal leaves a record.
    /// </summary>
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
        if (_sessions.TryGetValue(context.Server.SessionId ?? "", out var seen))
        {
            lock (seen)
            {
                seen.LastSeen = Governance.Time.GetTimestamp(); // a session that calls is in use: its view for list_changed is kept
            }
        }

        if (name.Length == 0)
        {
            return await DenyAsync(record, arguments, hookOutcomes, DenialCodes.MalformedRequest, "the request names no tool", started).ConfigureAwait(false);
        }

        // 1. The one access decision.
        var (state, unreadable) = await TryGetCurrentAsync(cancellationToken, record).ConfigureAwait(false);
        if (state is null)
        {
            return await DenyAsync(record, arguments, hookOutcomes, DenialCodes.StoreUnavailable, unreadable!, started).ConfigureAwait(false);
        }

        // Entitlement first, the token's scopes after: only a caller the state allows makes the server obtain or renew
        // the shared token (a name anyone can send must not drive the token endpoint or cost the tenant's M2M quota).
        var decision = ToolGovernance.Evaluate(state, _catalog, caller, name, now);
        IReadOnlySet<string>? scopes = null;
        if (decision.Allowed && _scopes is not null)
        {
            scopes = await GrantedScopesAsync(obtainToken: true, cancellationToken).ConfigureAwait(false);
            decision = ToolGovernance.Evaluate(state, _catalog, caller, name, now, scopes);
        }

        if (decision.Code == DenialCodes.MissingScopes && _scopes is not null
            && await _scopes.RenewedScopesAsync(cancellationToken).ConfigureAwait(false) is { } renewed)
        {
            // The token may predate a scope granted in Auth0 since: a token older than a few minutes is renewed once.
            scopes = renewed;
            decision = ToolGovernance.Evaluate(state, _catalog, caller, name, now, renewed);
        }

        if (!decision.Allowed)
        {
            // A denial outside the caller's entitlement is recorded as it is and answered as an unknown tool's.
            return await DenyAsync(record, arguments, hookOutcomes, decision.Code!, decision.Reason!, started,
                decision.Disclosed ? null : (decision.CallerCode!, decision.CallerReason(name)!)).ConfigureAwait(false);
        }

        // 2. The arguments: within the size limits, then against the tool's schema; hooks only ever see valid arguments.
        if (Limits.CheckArguments(arguments) is { } tooLarge)
        {
            return await DenyAsync(record, arguments, hookOutcomes, DenialCodes.InvalidArguments, "invalid arguments: " + tooLarge, started, argumentsTooLarge: true).ConfigureAwait(false);
        }

        var descriptor = _catalog[name];
        var validator = _validators.GetOrAdd(name, static (_, d) => new Auth0ArgumentValidator(d.InputSchemaElement), descriptor);
        if (validator.Validate(arguments) is { Count: > 0 } invalid)
        {
            return await DenyAsync(record, arguments, hookOutcomes, DenialCodes.InvalidArguments, "invalid arguments (no request was sent to Auth0): " + string.Join("; ", invalid), started).ConfigureAwait(false);
        }

        // 3. Before-hooks: they may deny or narrow; what they leave must still fit the schema.
        var callContext = new ToolCallContext(descriptor, Copy(decision.Tool!, descriptor), caller!, arguments, now, context.Services) { Server = context.Server, InputResponses = context.Params?.InputResponses, RequestState = context.Params?.RequestState };
        var hooks = _hooksByTool.GetOrAdd(name, static (tool, all) => all.Where(h => Glob.MatchesAny(h.ToolPatterns, tool)).ToArray(), _hooks);
        using var deadline = new HookDeadline(cancellationToken);
        (string Hook, string Arguments)? judged = null;
        foreach (var hook in hooks)
        {
            var (denied, code, reason) = await RunHookAsync(hook, "before", callContext, hookOutcomes, deadline).ConfigureAwait(false);
            if (denied)
            {
                return await DenyAsync(record, callContext.Arguments, hookOutcomes, code!, reason!, started).ConfigureAwait(false);
            }

            if (hookOutcomes[^1].Outcome == "rewritten" && validator.Validate(callContext.Arguments) is { Count: > 0 } widened)
            {
                return await DenyAsync(record, callContext.Arguments, hookOutcomes, DenialCodes.HookFailed, $"hook '{hook.Name}' left arguments that do not fit the schema ({string.Join("; ", widened)}); hooks may only narrow", started).ConfigureAwait(false);
            }

            // The argument policies and the call approval judge the arguments they saw: what is sent must be those.
            if (judged is null && hook is ArgumentPolicyHook or CallApprovalHook)
            {
                judged = (hook.Name, CanonicalArguments.Json(callContext.Arguments));
            }
        }

        if (judged is { } judge && CanonicalArguments.Json(callContext.Arguments) != judge.Arguments)
        {
            return await DenyAsync(record, callContext.Arguments, hookOutcomes, DenialCodes.HookFailed,
                $"a before-hook that runs after '{judge.Hook}' changed the arguments it had judged; a hook that rewrites arguments must run before it (a lower priority)", started).ConfigureAwait(false);
        }

        // A hook that changed the arguments without saying so (it allowed the call) is held to the schema too: what is
        // sent always validates, whatever a hook declares.
        if (hooks.Length > 0 && hookOutcomes[^1].Outcome != "rewritten" && validator.Validate(callContext.Arguments) is { Count: > 0 } changed)
        {
            return await DenyAsync(record, callContext.Arguments, hookOutcomes, DenialCodes.HookFailed, $"a before-hook changed the arguments so that they no longer fit the schema ({string.Join("; ", changed)}); hooks may only narrow", started).ConfigureAwait(false);
        }

        // A hook that waited (a call approval waits for a person) gave the state time to move: what changed meanwhile
        // (a kill switch, a profile or a grant withdrawn or expired) stops the call. The same decision, on the state and
        // the clock of now. Hooks that decided synchronously leave no more room than the decision itself did.
        // Not stopped by the call's cancellation: a hook may have spent an approval, and the call must reach its intent,
        // whose outcome records the cancellation (the call itself sees it and sends nothing).
        if (deadline.Waited && await DecideAgainAsync(record, caller, name, scopes, " (changed while the before-hooks ran)", CancellationToken.None).ConfigureAwait(false) is { } changedWhileHooksRan)
        {
            return await DenyAsync(record, callContext.Arguments, hookOutcomes, changedWhileHooksRan.Code!, changedWhileHooksRan.Reason!, started,
                changedWhileHooksRan.Disclosed ? null : (changedWhileHooksRan.CallerCode!, changedWhileHooksRan.CallerReason(name)!)).ConfigureAwait(false);
        }

        // 4. The intent, durably, before anything is sent: no record, no call.
        await FillArgumentsAsync(record, callContext.Arguments, hookOutcomes).ConfigureAwait(false);
        record.Event = IntentEvent;
        record.Outcome = AuditOutcomes.Intent;
        try
        {
            await Governance.AppendCallRecordAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAuditFailed(_logger, record.Event ?? IntentEvent, record.Tool ?? name, LoggedUser(record), Governance.Store.Description, ex);
            return Refused($"{name} was not called: its audit record could not be written to the governance store {Governance.Store.Description} ({Describe(ex)}). Nothing was sent to Auth0.");
        }

        // The intent's commit waited its turn behind every write before it, other processes' included (a kill switch, an
        // unbind, a profile deleted from the CLI): the decision taken again now sees each change the first one did not,
        // and a call such a change refuses is not sent (its intent gets a denied outcome). A change committed after
        // the intent comes after it in the chain too.
        var outcomeRecord = OutcomeRecord(record);
        var changedMeanwhile = await DecideAgainAsync(record, caller, name, scopes, " (changed while the intent was written; nothing was sent to Auth0)", CancellationToken.None).ConfigureAwait(false);
        if (changedMeanwhile is not null)
        {
            outcomeRecord.Outcome = AuditOutcomes.Denied;
            outcomeRecord.DenialCode = changedMeanwhile.Code;
            outcomeRecord.Reason = JsonRedactor.Secrets.RedactText(changedMeanwhile.Reason!, out _);
            var (callerCode, callerReason) = changedMeanwhile.Disclosed ? (changedMeanwhile.Code!, outcomeRecord.Reason) : (changedMeanwhile.CallerCode!, changedMeanwhile.CallerReason(name)!);
            return await CompleteAsync(outcomeRecord, hookOutcomes, started, callerReason, sent: false).ConfigureAwait(false) ?? DenialResult(callerReason, callerCode);
        }

        // 5. The call.
        Auth0CallOutcome? outcome = null;
        var maskedAtSource = false;
        try
        {
            if (_tools.TryGetValue(name, out var apiTool))
            {
                var progress = Auth0McpProgress.For(context.Server, context.Params?.ProgressToken);
                var call = await apiTool.CallAsync(callContext.Arguments, context.Services ?? _services, progress, cancellationToken).ConfigureAwait(false);
                callContext.Result = call.Result;
                outcome = call.Outcome;
                maskedAtSource = true;
            }
            else
            {
                context.Params!.Arguments = callContext.Arguments;
                callContext.Result = await next(context, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // A cancelled Auth0 call says how far it got (before sending, after, or while the answer was read).
            Complete(outcomeRecord, (ex as Auth0CallCancelledException)?.Outcome, null);
            outcomeRecord.Outcome = AuditOutcomes.Error;
            outcomeRecord.Reason = ex is OperationCanceledException && cancellationToken.IsCancellationRequested
                ? (ex as Auth0CallCancelledException)?.Outcome.FailureMessage ?? "cancelled"
                : JsonRedactor.Secrets.RedactText($"{ex.GetType().Name}: {ex.Message}", out _);
            await CompleteAsync(outcomeRecord, hookOutcomes, started).ConfigureAwait(false);
            throw;
        }

        // 6. After-hooks. An Auth0 tool's result was made by the one redactor (Auth0ToolResults), so the built-in
        // secret masking, when it is the first after-hook (nothing has touched the result since), has nothing to do:
        // it is recorded as allowed without a second pass. Another tool's result, or one a hook ran on first, is masked.
        try
        {
            foreach (var hook in hooks)
            {
                if (maskedAtSource && hook is SecretMaskingHook { MasksSecrets: true })
                {
                    hookOutcomes.Add(new HookOutcome { Hook = hook.Name, Phase = "after", Outcome = "allowed", Detail = "masked at the source" });
                    maskedAtSource = false;
                    continue;
                }

                maskedAtSource = false;
                var (denied, code, reason) = await RunHookAsync(hook, "after", callContext, hookOutcomes, deadline).ConfigureAwait(false);
                if (denied)
                {
                    Complete(outcomeRecord, outcome, null);
                    outcomeRecord.Outcome = AuditOutcomes.Denied;
                    outcomeRecord.DenialCode = code;
                    outcomeRecord.Reason = reason + " (the tool ran; its result was withheld)";
                    return await CompleteAsync(outcomeRecord, hookOutcomes, started).ConfigureAwait(false)
                        ?? DenialResult(outcomeRecord.Reason, code!);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            // The call was cancelled while an after-hook ran: Auth0 has answered, so the intent gets its outcome.
            Complete(outcomeRecord, outcome, null);
            outcomeRecord.Outcome = AuditOutcomes.Error;
            outcomeRecord.Reason = "cancelled after the tool ran; its result was withheld";
            await CompleteAsync(outcomeRecord, hookOutcomes, started).ConfigureAwait(false);
            throw;
        }

        // 7. The outcome record, then the answer.
        var result = callContext.Result ?? new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = "A hook removed the result." }] };
        Complete(outcomeRecord, outcome, result);
        return await CompleteAsync(outcomeRecord, hookOutcomes, started).ConfigureAwait(false) ?? result;
    }

    /// <summary>
    /// Records a refusal made outside the governed call (e.g. a malformed progressive call) and returns the denial
    /// result, so that every refusal on every path leaves a record. The arguments' values are not kept, only their
    /// keyed digest and shape: refused before any tool was chosen, they were never masked by a tool's rules (a tool's map of
    /// secrets under names the user chose, <see cref="SecretMaps"/>, which the generic redactor cannot recognize).
    /// </summary>
    public async ValueTask<CallToolResult> RecordRefusalAsync(RequestContext<CallToolRequestParams> context, string tool, string code, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var caller = await Identity.ResolveAsync(context, cancellationToken).ConfigureAwait(false);
        var record = NewCallRecord(context, caller, tool, Governance.Time.GetUtcNow());
        var arguments = context.Params?.Arguments is { } given ? new Dictionary<string, JsonElement>(given, StringComparer.Ordinal) : [];
        return await DenyAsync(record, arguments, [], code, reason, Stopwatch.GetTimestamp(), valuesNotKept: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a discovery call (progressive search or describe: it shows only the caller's entitled tools and never
    /// reaches Auth0) and records it — caller, redacted arguments, outcome — before the answer leaves, so every search
    /// is in the audit. A result whose record cannot be written is withheld.
    /// </summary>
    public async ValueTask<CallToolResult> RunDiscoveryAsync(RequestContext<CallToolRequestParams> context, Func<ValueTask<CallToolResult>> discover, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(discover);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        var caller = await Identity.ResolveAsync(context, cancellationToken).ConfigureAwait(false);
        var record = NewCallRecord(context, caller, context.Params?.Name ?? "", Governance.Time.GetUtcNow());
        record.Event = DiscoveryEvent;
        var arguments = context.Params?.Arguments is { } given ? new Dictionary<string, JsonElement>(given, StringComparer.Ordinal) : [];
        if (Limits.CheckArguments(arguments) is { } tooLarge)
        {
            return await DenyAsync(record, arguments, [], DenialCodes.InvalidArguments, "invalid arguments: " + tooLarge, started, argumentsTooLarge: true).ConfigureAwait(false);
        }

        var result = await discover().ConfigureAwait(false);
        await FillArgumentsAsync(record, arguments, []).ConfigureAwait(false);
        record.Outcome = result.IsError == true ? AuditOutcomes.Error : AuditOutcomes.Success;
        return await CompleteAsync(record, [], started).ConfigureAwait(false) ?? result;
    }

    private async ValueTask<IReadOnlySet<string>?> GrantedScopesAsync(bool obtainToken, CancellationToken cancellationToken) =>
        _scopes is null ? null : await _scopes.GrantedScopesAsync(obtainToken, cancellationToken).ConfigureAwait(false);

    private async Task<(bool Denied, string? Code, string? Reason)> RunHookAsync(IToolCallHook hook, string phase, ToolCallContext callContext, List<HookOutcome> outcomes, HookDeadline deadline)
    {
        var timeout = hook is IToolCallHookTimeout own ? own.Timeout : _options.HookTimeout;
        var cancellationToken = deadline.CallToken;
        HookDecision decision;
        var arguments = callContext.Arguments;
        try
        {
            var token = deadline.Start(timeout);
            var begun = Stopwatch.GetTimestamp();
            var task = phase == "before" ? hook.BeforeCallAsync(callContext, token) : hook.AfterCallAsync(callContext, token);
            // Most hooks decide synchronously: only a pending one needs the timeout's timer. One that blocked its
            // thread past the timeout before returning is as late as one that did not answer.
            deadline.Waited |= !task.IsCompleted;
            // A hook with no timeout (IToolCallHookTimeout: the call approval, whose store write spends a grant) is
            // waited for to its end, even past the call's cancellation, which reaches it through its token: giving up
            // on a write that commits anyway would leave what it spent with no record of the call.
            decision = task.IsCompletedSuccessfully ? task.Result
                : await task.AsTask().WaitAsync(timeout, timeout == Timeout.InfiniteTimeSpan ? CancellationToken.None : cancellationToken).ConfigureAwait(false);
            deadline.Stop();
            if (timeout != Timeout.InfiniteTimeSpan && Stopwatch.GetElapsedTime(begun) > timeout)
            {
                throw new TimeoutException();
            }

            if (callContext.Arguments is null)
            {
                // What the hook left cannot be judged: refused below, on the arguments it was given.
                throw new InvalidOperationException("it set the arguments to null");
            }
        }
        // A before-hook that needs the client's input (a confirmation) ends this round: the SDK answers with an
        // input-required result and the client retries the call with the answers (ToolCallContext.InputResponses).
        // After the tool ran there is no round to end (a retry would call Auth0 again): that is a failed hook.
        catch (Exception ex) when ((ex is not InputRequiredException || phase == "after") && !cancellationToken.IsCancellationRequested)
        {
            // A hook that nulled the arguments (then returned, threw or timed out): refused on the arguments it was given.
            callContext.Arguments ??= arguments;
            var timedOut = ex is TimeoutException or OperationCanceledException;
            var detail = timedOut
                ? timeout == System.Threading.Timeout.InfiniteTimeSpan
                    ? $"hook '{hook.Name}' timed out: {ex.Message}" // its own wait, not the runtime's deadline
                    : $"hook '{hook.Name}' timed out after {timeout.TotalMilliseconds:0} ms"
                : ex is InputRequiredException
                    ? $"hook '{hook.Name}' asked for the client's input after the tool ran"
                    : $"hook '{hook.Name}' failed: {ex.GetType().Name}: {ex.Message}";
            outcomes.Add(new HookOutcome { Hook = hook.Name, Phase = phase, Outcome = timedOut ? "timed-out" : "failed", Detail = AuditDetail(detail) });
            return (true, DenialCodes.HookFailed, detail + " (hooks fail closed)");
        }

        outcomes.Add(new HookOutcome
        {
            Hook = hook.Name,
            Phase = phase,
            Outcome = decision.Denied ? "denied" : decision.Rewritten ? "rewritten" : "allowed",
            Detail = AuditDetail(decision.Detail),
        });
        return decision.Denied ? (true, decision.Code ?? DenialCodes.HookDenied, $"denied by hook '{hook.Name}': {decision.Detail}") : (false, null, null);
    }

    /// <summary>
    /// Records a denial and answers it. <paramref name="answered"/>, when given, is what the caller is told instead of
    /// <paramref name="code"/> and <paramref name="reason"/> (an undisclosed denial: the record notes it).
    /// </summary>
    private async Task<CallToolResult> DenyAsync(AuditRecord record, Dictionary<string, JsonElement> arguments, List<HookOutcome> hooks, string code, string reason, long started, (string Code, string Reason)? answered = null, bool argumentsTooLarge = false, bool valuesNotKept = false)
    {
        await FillArgumentsAsync(record, arguments, hooks, argumentsTooLarge, valuesNotKept).ConfigureAwait(false);
        record.Outcome = AuditOutcomes.Denied;
        record.DenialCode = code;
        // Redacted, then cut: a reason can quote what the caller sent (an unknown argument's name, say).
        record.Reason = JsonRedactor.Secrets.RedactThenCut(answered is { } told ? $"{reason} (answered as {told.Code})" : reason, MaxReasonChars);
        var callerCode = answered?.Code ?? code;
        var callerReason = answered is { } a ? JsonRedactor.Secrets.RedactThenCut(a.Reason, MaxReasonChars) : record.Reason;
        return await CompleteAsync(record, hooks, started, callerReason).ConfigureAwait(false) ?? DenialResult(callerReason, callerCode);
    }

    private static CallToolResult DenialResult(string reason, string code) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"Denied by governance: {reason} [{code}]" }],
    };

    private static CallToolResult Refused(string text) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = JsonRedactor.Secrets.RedactText(text, out _) }],
    };

    /// <summary>
    /// The arguments as the tool gets them: for the record, a tool's maps of secrets (values under names the user chose)
    /// with every value masked (<see cref="SecretMaps"/>), then the arguments' view an approver sees too
    /// (<see cref="JsonRedactor.RedactCallArguments"/>: only values that are secrets masked). The record's
    /// <see cref="AuditRecord.ArgumentsHash"/> is the keyed digest (<see cref="ToolGovernance.GetArgumentsDigestAsync"/>) of the canonical arguments, secrets included:
    /// keyed, so that no guess of a masked value can be tested against it, and equal to the digest a call approval of
    /// the same call is bound to. The values of a call to a tool the catalogue does not hold (a misspelled name: nothing
    /// is sent) are not kept, only each member's kind: without the tool's descriptor its maps of secrets cannot be masked.
    /// </summary>
    private async ValueTask FillArgumentsAsync(AuditRecord record, Dictionary<string, JsonElement> arguments, List<HookOutcome> hooks, bool tooLarge = false, bool valuesNotKept = false)
    {
        record.ArgumentsHash = (await Governance.GetArgumentsDigestAsync(CancellationToken.None).ConfigureAwait(false)).Of(arguments);
        record.Hooks = hooks.Count == 0 ? null : [.. hooks];
        var descriptor = record.Tool is { } tool && _catalog.TryGetValue(tool, out var found) ? found : null;
        if (valuesNotKept || (descriptor is null && record.Event != DiscoveryEvent))
        {
            // Each member's kind, not its value (the digest covers the values); the tool name auth0_call_tool was given is kept.
            var shape = arguments.ToDictionary(
                a => a.Key,
                a => record.Tool == ProgressiveTools.CallName && a.Key == "name" && a.Value.ValueKind == JsonValueKind.String ? a.Value
                    : JsonSerializer.SerializeToElement(string.Create(CultureInfo.InvariantCulture, $"[not kept: {a.Value.ValueKind}]"), GovernanceJsonContext.Default.String),
                StringComparer.Ordinal);
            record.Arguments = Limits.AuditArguments(JsonRedactor.Secrets.RedactCallArguments(JsonSerializer.Serialize(shape, GovernanceJsonContext.Default.DictionaryStringJsonElement), null, out _));
            return;
        }

        var raw = JsonSerializer.SerializeToUtf8Bytes(arguments, GovernanceJsonContext.Default.DictionaryStringJsonElement);
        // Twice the limit: no call the size check allows comes near it (its JSON adds only quotes, colons and commas).
        if (tooLarge || raw.Length > 2 * Limits.DefaultMaxArgumentBytes)
        {
            // Refused for their size (nothing is sent): only their digest is kept, not a view masked at a megabyte's cost.
            record.Arguments = string.Create(CultureInfo.InvariantCulture, $"[not kept: {raw.Length} bytes, over the {Limits.DefaultMaxArgumentBytes}-byte limit]");
            return;
        }

        var shown = descriptor is not null ? SecretMaps.MaskArguments(descriptor, arguments) : arguments;
        var text = ReferenceEquals(shown, arguments) ? Encoding.UTF8.GetString(raw) : JsonSerializer.Serialize(shown, GovernanceJsonContext.Default.DictionaryStringJsonElement);
        record.Arguments = Limits.AuditArguments(JsonRedactor.Secrets.RedactCallArguments(text, descriptor?.Request.Body, out _));
    }

    /// <summary>A hook's detail as the audit keeps it: redacted, then cut to 500 characters (in that order).</summary>
    private static string? AuditDetail(string? detail) => detail is null ? null : JsonRedactor.Secrets.RedactThenCut(detail, 500);

    /// <summary>
    /// The outcome record of a call whose intent was written: the same call, linked to its intent. Its time is when it
    /// is completed (<see cref="CompleteAsync"/> stamps it); the call's start stays in the intent.
    /// </summary>
    private static AuditRecord OutcomeRecord(AuditRecord intent) => new()
    {
        Time = intent.Time,
        Kind = intent.Kind,
        Event = CallEvent,
        User = intent.User,
        Groups = intent.Groups,
        ClientName = intent.ClientName,
        ClientVersion = intent.ClientVersion,
        Session = intent.Session,
        Credential = intent.Credential,
        Server = intent.Server,
        Tool = intent.Tool,
        Arguments = intent.Arguments,
        ArgumentsHash = intent.ArgumentsHash,
        IntentSequence = intent.Sequence,
    };

    /// <summary>Copies the call's outcome value into its record; nothing is read back out of result text.</summary>
    private static void Complete(AuditRecord record, Auth0CallOutcome? outcome, CallToolResult? result)
    {
        if (outcome is not null)
        {
            record.Auth0Status = outcome.Status;
            record.Auth0ErrorCode = outcome.ErrorCode;
            record.Attempts = outcome.Attempts;
            record.Bytes = outcome.Status is null ? null : outcome.Bytes;
            record.Truncated = outcome.Truncated ? true : null;
        }

        if (result is null)
        {
            return;
        }

        record.Outcome = result.IsError == true ? AuditOutcomes.Error : AuditOutcomes.Success;
        if (result.IsError == true)
        {
            var reason = outcome?.ErrorMessage ?? outcome?.FailureMessage ?? result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text;
            // Redacted, then cut: a cut first can leave the start of a secret without the quote that marked it.
            record.Reason = reason is null ? null : JsonRedactor.Secrets.RedactThenCut(reason, 500, ellipsis: "");
        }
    }

    /// <summary>
    /// Writes the record (durable before the answer leaves). Null when written; otherwise the error result that
    /// replaces the answer, naming the store.
    /// </summary>
    private async Task<CallToolResult?> CompleteAsync(AuditRecord record, List<HookOutcome> hooks, long started, string? callerReason = null, bool sent = true)
    {
        record.Hooks = hooks.Count == 0 ? null : hooks;
        record.LatencyMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3);
        if (record.IntentSequence is not null)
        {
            // An outcome happened when the call ended, not when it began: a call that outlived a kill switch comes after it in time too.
            record.Time = Governance.Time.GetUtcNow();
        }

        try
        {
            await Governance.AppendCallRecordAsync(record, CancellationToken.None).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The tool, the user, the intent record and Auth0's status: the line an operator matches with the client's
            // error and the audit (never an argument value).
            if (record.IntentSequence is { } intentSequence)
            {
                LogOutcomeFailed(_logger, record.Tool ?? "", LoggedUser(record), Governance.Store.Description, record.Outcome ?? "", record.Auth0Status?.ToString(CultureInfo.InvariantCulture) ?? "none", intentSequence, ex);
            }
            else
            {
                LogAuditFailed(_logger, record.Event ?? CallEvent, record.Tool ?? "", LoggedUser(record), Governance.Store.Description, ex);
            }

            var what = record.IntentSequence is { } intent
                ? $"{record.Tool} was {(sent ? "sent" : "refused before anything was sent")}{(record.Auth0Status is { } s ? $" (Auth0 answered {s})" : "")}, but its outcome could not be written to the governance store {Governance.Store.Description} ({Describe(ex)}); its intent record #{intent} stands. The result is withheld."
                : record.Event == DiscoveryEvent
                    ? $"{record.Tool} could not be recorded in the governance store {Governance.Store.Description} ({Describe(ex)}); its result is withheld."
                    : $"{record.Tool} was refused ({callerReason ?? record.Reason}), and the refusal could not be written to the governance store {Governance.Store.Description} ({Describe(ex)}).";
            return Refused(what);
        }
    }

    private static string Describe(Exception ex) => $"{ex.GetType().Name}: {ex.Message}";

    /// <summary>The caller a log line names: the record's user, or <c>(anonymous)</c>.</summary>
    private static string LoggedUser(AuditRecord record) => record.User ?? "(anonymous)";

    /// <summary>
    /// The one access decision taken again, on the state and the clock of now: null when the call may still go on,
    /// otherwise its refusal (the reason ends with <paramref name="when"/>). A state the store cannot give refuses it.
    /// <paramref name="record"/>: the call's (its intent, once written), for the log.
    /// </summary>
    private async Task<AccessDecision?> DecideAgainAsync(AuditRecord record, CallerIdentity? caller, string name, IReadOnlySet<string>? scopes, string when, CancellationToken cancellationToken)
    {
        var (latest, unreadable) = await TryGetCurrentAsync(cancellationToken, record).ConfigureAwait(false);
        if (latest is null)
        {
            return AccessDecision.Deny(DenialCodes.StoreUnavailable, unreadable!);
        }

        var again = ToolGovernance.Evaluate(latest, _catalog, caller, name, Governance.Time.GetUtcNow(), scopes);
        return again.Allowed ? null : again with { Reason = again.Reason + when };
    }

    /// <summary>
    /// The current state, or why the store could not give it (the refusal's reason: access cannot be decided without
    /// it, and nothing is sent). <paramref name="call"/>: the record of the call it is read for (none for a listing),
    /// whose tool, user and intent (once written) the log names.
    /// </summary>
    private async Task<(GovernanceState? State, string? Unreadable)> TryGetCurrentAsync(CancellationToken cancellationToken, AuditRecord? call = null)
    {
        try
        {
            return (await Governance.GetCurrentAsync(cancellationToken).ConfigureAwait(false), null);
        }
        catch (GovernanceStoreException ex)
        {
            if (call is null)
            {
                LogStateUnreadable(_logger, Governance.Store.Description, ex);
            }
            else if (call.Outcome == AuditOutcomes.Intent && call.Sequence > 0)
            {
                LogCallStateUnreadableAfterIntent(_logger, Governance.Store.Description, call.Tool ?? "", LoggedUser(call), call.Sequence, ex);
            }
            else
            {
                LogCallStateUnreadable(_logger, Governance.Store.Description, call.Tool ?? "", LoggedUser(call), ex);
            }

            return (null, $"the governance store {Governance.Store.Description} could not be read ({ex.Message}), so access could not be decided; nothing was sent to Auth0");
        }
    }

    private AuditRecord NewCallRecord(RequestContext<CallToolRequestParams> context, CallerIdentity? caller, string tool, DateTimeOffset now)
    {
        var client = context.JsonRpcRequest.Context?.ClientInfo ?? context.Server.ClientInfo;
        return new AuditRecord
        {
            Time = now,
            Kind = AuditKinds.Call,
            Event = CallEvent,
            User = caller?.User,
            Groups = caller is null ? null : [.. caller.Groups],
            ClientName = Limits.AuditName(client?.Name, 256),
            ClientVersion = Limits.AuditName(client?.Version, 256),
            Session = Limits.AuditName(context.Server.SessionId, 256),
            Credential = caller?.Credential,
            Server = _options.ServerName,
            Tool = Limits.AuditName(tool),
        };
    }

    /// <summary>The tools <paramref name="caller"/> may call: the access decision, less what a visibility hook would deny.</summary>
    private IReadOnlySet<string> VisibleFor(GovernanceState state, CallerIdentity? caller, DateTimeOffset now, IReadOnlySet<string>? scopes) =>
        WithVisibilityHooks(state, ToolGovernance.VisibleTools(state, _catalog, caller, now, scopes), caller, now);

    /// <summary>The tools of <paramref name="visible"/> (the access decision) that no visibility hook would deny at <paramref name="now"/>.</summary>
    private IReadOnlySet<string> WithVisibilityHooks(GovernanceState state, IReadOnlySet<string> visible, CallerIdentity? caller, DateTimeOffset now)
    {
        if (caller is null || visible.Count == 0)
        {
            return visible;
        }

        var filtered = new HashSet<string>(visible, StringComparer.Ordinal);
        foreach (var hook in _hooks)
        {
            if (hook is IToolVisibilityHook visibility)
            {
                // A tool whose stored risk is this build's is asked as it is; one another build synced lower is asked as a copy at this build's risk.
                filtered.RemoveWhere(name => Glob.MatchesAny(hook.ToolPatterns, name)
                    && state.FindTool(name) is { } tool
                    && !visibility.IsVisible(_catalog.TryGetValue(name, out var d) && ToolGovernance.RiskNow(tool, d) != tool.Risk ? Copy(tool, d) : tool, caller, now));
            }
        }

        return filtered;
    }

    // Hooks get their own copy (the state object is shared by concurrent calls), with the risk as this build sees it
    // (another build sharing the store may have synced a lower default risk into the stored one).
    private static GovernedTool Copy(GovernedTool tool, Auth0ToolDescriptor descriptor) => new()
    {
        Name = tool.Name,
        State = tool.State,
        Action = tool.Action,
        Risk = ToolGovernance.RiskNow(tool, descriptor),
        RiskOverridden = tool.RiskOverridden,
        ContentHash = tool.ContentHash,
        ApprovedHash = tool.ApprovedHash,
        ApprovedRisk = tool.ApprovedRisk,
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
            var scopes = await GrantedScopesAsync(obtainToken: false, CancellationToken.None).ConfigureAwait(false);
            var now = Governance.Time.GetUtcNow();
            var ticks = Governance.Time.GetTimestamp();
            var subscribersToo = false;
            foreach (var (key, view) in _sessions)
            {
                McpServer? server;
                lock (view)
                {
                    server = view.Server;
                    if (server is null || Governance.Time.GetElapsedTime(view.LastSeen, ticks) > SessionIdleLimit)
                    {
                        _sessions.TryRemove(key, out _);
                        continue;
                    }

                    // The access decision is taken again only when what it was taken on changed: the state, the token's
                    // scopes, or the clock passed a grant's expiry. Visibility hooks (the time of day) are asked each pass.
                    if (view.Decided is null || view.DecidedAs?.Holds(state, scopes, now) != true)
                    {
                        view.Decided = ToolGovernance.VisibleTools(state, _catalog, view.Caller, now, scopes);
                        view.DecidedAs = DecisionStamp.Of(state, scopes, now);
                        Interlocked.Increment(ref _sessionDecisions);
                    }

                    var visible = WithVisibilityHooks(state, view.Decided, view.Caller, now);
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

            if (subscribersToo && _services.GetService<IOptions<McpServerOptions>>()?.Value.ToolCollection is ServerToolCollection tools)
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

    /// <summary>The tools registered with the MCP server (the one place the catalogue is discovered from).</summary>
    internal static IReadOnlyList<McpServerTool> RegisteredTools(IServiceProvider? services) =>
        services?.GetService<IOptions<McpServerOptions>>()?.Value.ToolCollection is { } tools ? [.. tools] : [];

    /// <summary>
    /// A problem per tool of <paramref name="tools"/> whose <see cref="Auth0ToolDescriptor"/> names another tool: governance
    /// knows a tool by its descriptor's name, so it would approve, list and audit a tool no caller sees, and hide and
    /// refuse the one registered. Refused at start, naming both.
    /// </summary>
    internal static List<string> MisnamedDescriptors(IEnumerable<McpServerTool> tools) =>
        tools.Select(t => (Name: t.ProtocolTool.Name, Descriptor: t.Metadata.OfType<Auth0ToolDescriptor>().FirstOrDefault()))
            .Where(t => t.Descriptor is not null && !string.Equals(t.Descriptor.Name, t.Name, StringComparison.Ordinal))
            .Select(t => $"the tool '{t.Name}' carries an Auth0ToolDescriptor named '{t.Descriptor!.Name}': a tool is governed by its descriptor's name, so the two must be the same")
            .ToList();

    /// <summary>The descriptors of <paramref name="tools"/> (those that carry one), in order.</summary>
    internal static List<Auth0ToolDescriptor> DescriptorsOf(IEnumerable<McpServerTool> tools) =>
        tools.SelectMany(t => t.Metadata.OfType<Auth0ToolDescriptor>().Take(1)).ToList();

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

        if (_options.PagingCaps.Count > 0)
        {
            hooks.Add(new PagingCapHook(new Dictionary<string, int>(_options.PagingCaps, StringComparer.Ordinal)));
        }

        if (_options.WriteAuthorization is { } write)
        {
            hooks.Add(write);
        }

        // One hook instance runs once, even when it is both in Hooks and registered as a service. A service-registered
        // hook is held to the rules the options' hooks are validated against: a host with a hook that cannot be
        // matched or named does not start.
        hooks.AddRange(_options.Hooks.Concat(_services.GetServices<IToolCallHook>()).Distinct(ReferenceEqualityComparer.Instance).Cast<IToolCallHook>());
        if (hooks.SelectMany(ToolGovernanceOptions.HookErrors).Distinct(StringComparer.Ordinal).ToList() is { Count: > 0 } errors)
        {
            throw new InvalidOperationException("Tool governance cannot start: " + string.Join("; ", errors));
        }

        // Stable: equal priorities keep registration order.
        return hooks.Select((h, i) => (h, i)).OrderBy(x => x.h.Priority).ThenBy(x => x.i).Select(x => x.h).ToList();
    }

    [LoggerMessage(1, LogLevel.Information, "Tool governance on {Store}: {Total} tools, {Added} new, {Removed} removed, {Changed} changed")]
    private static partial void LogSynced(ILogger logger, string store, int total, int added, int removed, int changed);

    [LoggerMessage(2, LogLevel.Warning, "Tool governance refresh failed")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(3, LogLevel.Debug, "Could not notify a session of a tool list change")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);

    [LoggerMessage(5, LogLevel.Information, "Tool governance on {Store}: {Total} tools, catalogue unchanged since the last sync")]
    private static partial void LogUnchanged(ILogger logger, string store, int total);

    [LoggerMessage(6, LogLevel.Warning, "Tool governance hides and refuses {Count} registered tools that carry no Auth0ToolDescriptor in their metadata: {Names} (docs/packages.md: governing your own tools)")]
    private static partial void LogUngoverned(ILogger logger, int count, string names);

    [LoggerMessage(7, LogLevel.Warning, "Tool governance has no tools to govern: register tools that carry an Auth0ToolDescriptor (e.g. WithAuth0ManagementTools), or set ToolGovernanceOptions.Catalog")]
    private static partial void LogEmptyCatalog(ILogger logger);

    // The store faults name the call (tool, user, intent record, Auth0's status) so that the line meets the client's
    // error and the audit; never an argument value.
    [LoggerMessage(4, LogLevel.Error, "Tool governance could not write the {Event} record of {Tool} for {User} to {Store}")]
    private static partial void LogAuditFailed(ILogger logger, string @event, string tool, string user, string store, Exception exception);

    [LoggerMessage(9, LogLevel.Error, "Tool governance could not write the outcome ({Outcome}, Auth0 status {Auth0Status}) of {Tool} for {User} to {Store}; its intent record #{IntentSequence} stands")]
    private static partial void LogOutcomeFailed(ILogger logger, string tool, string user, string store, string outcome, string auth0Status, long intentSequence, Exception exception);

    [LoggerMessage(8, LogLevel.Error, "Tool governance could not read the state from {Store}; the tools a caller may see could not be decided")]
    private static partial void LogStateUnreadable(ILogger logger, string store, Exception exception);

    [LoggerMessage(10, LogLevel.Error, "Tool governance could not read the state from {Store}; the call of {Tool} for {User} was refused, nothing sent")]
    private static partial void LogCallStateUnreadable(ILogger logger, string store, string tool, string user, Exception exception);

    [LoggerMessage(11, LogLevel.Error, "Tool governance could not read the state from {Store}; the call of {Tool} for {User} was refused, nothing sent; its intent record #{IntentSequence} gets a denied outcome")]
    private static partial void LogCallStateUnreadableAfterIntent(ILogger logger, string store, string tool, string user, long intentSequence, Exception exception);

    private static readonly TimeSpan SessionIdleLimit = TimeSpan.FromHours(24);

    /// <summary>How many characters of a denial's reason the audit and the answer keep (it can quote what the caller sent).</summary>
    private const int MaxReasonChars = 1000;

    private static bool IsSubscriptionProtocol(string? version) =>
        version is null || string.CompareOrdinal(version, "2026-07-28") >= 0;

    private sealed class SessionView
    {
        public McpServer? Server { get; set; }

        /// <summary>
        /// When the session last listed or called, as a <see cref="TimeProvider.GetTimestamp"/> value: idleness and
        /// the least recently seen are measured on the monotonic clock, so a step of the wall clock (an NTP
        /// correction, a VM resumed) neither forgets live sessions nor reorders them.
        /// </summary>
        public long LastSeen { get; set; }

        public CallerIdentity? Caller { get; set; }

        public IReadOnlySet<string>? Visible { get; set; }

        /// <summary>The access decision's tools (before visibility hooks), and what it was taken on.</summary>
        public IReadOnlySet<string>? Decided { get; set; }

        public DecisionStamp? DecidedAs { get; set; }
    }

    /// <summary>
    /// What an access decision of a session's tools was taken on: the state (its revision and tag), the token's scopes,
    /// and the instant; it holds, unchanged, until one of them changes or the clock reaches <paramref name="Until"/>.
    /// </summary>
    private sealed record DecisionStamp(long Revision, string? ETag, IReadOnlySet<string>? Scopes, DateTimeOffset At, DateTimeOffset? Until)
    {
        public static DecisionStamp Of(GovernanceState state, IReadOnlySet<string>? scopes, DateTimeOffset now) =>
            new(state.Revision, state.ETag, scopes, now, ToolGovernance.DecisionHoldsUntil(state, now));

        public bool Holds(GovernanceState state, IReadOnlySet<string>? scopes, DateTimeOffset now) =>
            Revision == state.Revision
            && string.Equals(ETag, state.ETag, StringComparison.Ordinal)
            && (ReferenceEquals(Scopes, scopes) || (Scopes is not null && scopes is not null && Scopes.SetEquals(scopes)))
            && now >= At
            && (Until is null || now < Until);
    }

    /// <summary>
    /// The hooks' deadline for one call: one token source, linked to the call's token, re-armed with each hook's
    /// timeout and disarmed after it, instead of a linked source and a timer per hook. A source whose timer fired
    /// (the hook finished just as it ran out) is replaced, so the next hook never starts cancelled.
    /// </summary>
    private sealed class HookDeadline(CancellationToken callToken) : IDisposable
    {
        private CancellationTokenSource _source = CancellationTokenSource.CreateLinkedTokenSource(callToken);

        public CancellationToken CallToken => callToken;

        /// <summary>Whether a hook of this call waited (did not decide synchronously): the state may have moved meanwhile.</summary>
        public bool Waited { get; set; }

        public CancellationToken Start(TimeSpan timeout)
        {
            if (_source.IsCancellationRequested)
            {
                Renew(); // the previous hook's timer fired as it was reset
            }

            // A hook's own timeout past a timer's limit (about 49.7 days) is as good as none: not an error that
            // fails every call closed.
            _source.CancelAfter(timeout > ToolGovernanceOptions.MaxTimer ? Timeout.InfiniteTimeSpan : timeout);
            return _source.Token;
        }

        public void Stop()
        {
            if (!_source.TryReset())
            {
                Renew();
            }
        }

        private void Renew()
        {
            _source.Dispose();
            _source = CancellationTokenSource.CreateLinkedTokenSource(callToken);
        }

        public void Dispose() => _source.Dispose();
    }
}
