using System.Globalization;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Governance over one store: the decisions (who may call what) and every administrative change (approve,
/// disable, classify, toolsets, profiles, grants, kill switches, defaults, re-sync), each written atomically
/// with its audit record. Used by the MCP filters at run time, the admin console and the <c>auth0-mcp</c> commands.
/// </summary>
/// <remarks>Thread-safe. Changes made by other instances sharing the store are seen on the next read.</remarks>
public sealed partial class ToolGovernance
{
    private const int MaxAttempts = 20;
    private readonly object _cacheLock = new();
    private readonly SemaphoreSlim _mutateLock = new(1, 1);
    private GovernanceState? _cached;
    private ArgumentsDigest? _argumentsDigest;

    /// <summary>Creates governance over <paramref name="store"/> (already initialized or not: see <see cref="IGovernanceStore.InitializeAsync"/>).</summary>
    public ToolGovernance(IGovernanceStore store, TimeProvider? timeProvider = null, string? serverName = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
        Time = timeProvider ?? TimeProvider.System;
        ServerName = serverName ?? Environment.MachineName;
    }

    /// <summary>The store.</summary>
    public IGovernanceStore Store { get; }

    /// <summary>The clock (audit times, just-in-time expiry, business hours).</summary>
    public TimeProvider Time { get; }

    /// <summary>The name of this server instance, written into audit records.</summary>
    public string ServerName { get; }

    /// <summary>Raised after this instance saved a change, or noticed one made elsewhere.</summary>
    public event EventHandler? StateChanged;

    /// <summary>A fresh copy of the stored state.</summary>
    public Task<GovernanceState> GetStateAsync(CancellationToken cancellationToken = default) => Store.LoadStateAsync(cancellationToken);

    /// <summary>
    /// The current state, shared and read-only (do not change it): re-read whenever the stored state is not the one held,
    /// by its revision and its tag (<see cref="IGovernanceStore.GetStateVersionAsync"/>), whichever way it moved: a stored
    /// state that went back (a failover, a restore, a row edited by hand) is the state, not an old copy to ignore.
    /// </summary>
    /// <exception cref="GovernanceStoreException">
    /// The store holds no state any more, after this instance read one (the row was deleted, or the store was replaced):
    /// nothing can be decided with an empty state or with the one held, so every decision fails closed until it is back.
    /// </exception>
    internal async Task<GovernanceState> GetCurrentAsync(CancellationToken cancellationToken = default)
    {
        var (revision, etag) = await Store.GetStateVersionAsync(cancellationToken).ConfigureAwait(false);
        var cached = Volatile.Read(ref _cached);
        if (cached is not null && cached.Revision == revision && string.Equals(cached.ETag, etag, StringComparison.Ordinal))
        {
            return cached;
        }

        var state = await Store.LoadStateAsync(cancellationToken).ConfigureAwait(false);
        bool changed;
        long held;
        lock (_cacheLock)
        {
            held = _cached?.Revision ?? 0;
            if (state.Revision == 0 && held > 0)
            {
                changed = false; // the state held is kept, for nothing: every decision is refused below until one is stored again
            }
            else
            {
                // What was loaded, whichever is newer by number: a revision lower than the one held is the store's state now.
                changed = _cached is not null && !(_cached.Revision == state.Revision && string.Equals(_cached.ETag, state.ETag, StringComparison.Ordinal));
                _cached = state;
            }
        }

        if (state.Revision == 0 && held > 0)
        {
            throw new GovernanceStoreException(Store.Description,
                $"the governance state is gone: this server read revision {held}, and the store now holds no state (its row was deleted, or the store was replaced or restored without it), so nothing is decided until it is restored (docs/reliability.md, \"Backup and restore\")");
        }

        if (changed)
        {
            StateChanged?.Invoke(this, EventArgs.Empty);
        }

        return state;
    }

    // ---------------------------------------------------------------- decisions

    /// <summary>
    /// The one access decision: whether <paramref name="caller"/> may call <paramref name="toolName"/> at
    /// <paramref name="now"/>. The tool is in the catalogue, callable (<see cref="Callable"/>: not killed, approved at
    /// its current content hash), the token grants its scopes (when <paramref name="grantedScopes"/> is known), and it
    /// is in a toolset of a profile that is active for the caller. <c>tools/list</c>, <c>tools/call</c>, toolsets and
    /// progressive search all ask this. Hooks are not part of it.
    /// </summary>
    public static AccessDecision Evaluate(GovernanceState state, IReadOnlyDictionary<string, Auth0ToolDescriptor> catalog, CallerIdentity? caller, string toolName, DateTimeOffset now, IReadOnlySet<string>? grantedScopes = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(catalog);
        if (caller is null)
        {
            return AccessDecision.Deny(DenialCodes.NoIdentity, "no caller identity: authenticate over HTTP, or give the stdio caller one (ToolGovernanceOptions.StdioIdentity; the auth0-mcp server sets it from AUTH0_MCP_USER)");
        }

        var tool = string.IsNullOrEmpty(toolName) ? null : state.FindTool(toolName);
        if (tool is null)
        {
            return AccessDecision.UnknownTool(toolName);
        }

        var access = CallerAccess.Of(state, caller, now, manyTools: false);
        var decision = Decide(state, catalog, access, tool, grantedScopes);
        return decision.Allowed || IsDisclosed(catalog, access, tool, decision.Code) ? decision : decision with { Disclosed = false };
    }

    /// <summary>
    /// Whether a denial may tell the caller its reason. Only about a tool the caller is entitled to (approved at the
    /// catalogue's hash, in a toolset of a profile bound to the caller), and only for what concerns the caller's access:
    /// a kill switch, or a profile that is not active yet. A tool's review state (pending, disabled, removed), the
    /// server token's missing scopes and any tool outside the caller's profiles read as an unknown tool.
    /// </summary>
    private static bool IsDisclosed(IReadOnlyDictionary<string, Auth0ToolDescriptor> catalog, CallerAccess access, GovernedTool tool, string? code) => code switch
    {
        DenialCodes.UnknownTool or DenialCodes.ProfileNotActive => true,
        DenialCodes.KillSwitch => IsEntitled(catalog, access, tool),
        _ => false,
    };

    private static bool IsEntitled(IReadOnlyDictionary<string, Auth0ToolDescriptor> catalog, CallerAccess access, GovernedTool tool) =>
        catalog.TryGetValue(tool.Name, out var descriptor)
        && Unapproved(tool, descriptor.ContentHash, RiskNow(tool, descriptor)) is null
        && access.Bound.Exists(b => b.Contains(tool));

    /// <summary>
    /// The names of the tools <paramref name="caller"/> may call at <paramref name="now"/>: exactly the tools for which
    /// <see cref="Evaluate"/> allows (the same decision is taken for each, with the caller's profiles worked out once).
    /// </summary>
    public static IReadOnlySet<string> VisibleTools(GovernanceState state, IReadOnlyDictionary<string, Auth0ToolDescriptor> catalog, CallerIdentity? caller, DateTimeOffset now, IReadOnlySet<string>? grantedScopes = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(catalog);
        var visible = new HashSet<string>(StringComparer.Ordinal);
        if (caller is null || state.GlobalKillSwitch)
        {
            return visible;
        }

        var access = CallerAccess.Of(state, caller, now, manyTools: true);
        foreach (var tool in state.Tools)
        {
            if (Decide(state, catalog, access, tool, grantedScopes).Allowed)
            {
                visible.Add(tool.Name);
            }
        }

        return visible;
    }

    private static AccessDecision Decide(GovernanceState state, IReadOnlyDictionary<string, Auth0ToolDescriptor> catalog, CallerAccess access, GovernedTool tool, IReadOnlySet<string>? grantedScopes)
    {
        if (!catalog.TryGetValue(tool.Name, out var descriptor))
        {
            return AccessDecision.UnknownTool(tool.Name, tool);
        }

        if (Callable(state.GlobalKillSwitch, tool, descriptor.ContentHash, RiskNow(tool, descriptor)) is { } notCallable)
        {
            return notCallable;
        }

        if (grantedScopes is not null && Auth0Mcp.Sdk.Auth.Auth0ScopePlanner.Missing(descriptor, grantedScopes) is { Count: > 0 } missing)
        {
            return AccessDecision.Deny(
                DenialCodes.MissingScopes,
                missing.Count == 1
                    ? $"the Auth0 token lacks the scope {missing[0]} that {descriptor.Method} {descriptor.Path} requires: grant it to the application (Auth0 Dashboard > Applications > APIs > Auth0 Management API) or use a token that has it; no request was sent to Auth0"
                    : $"the Auth0 token has none of the scopes {descriptor.Method} {descriptor.Path} accepts, and needs one of {string.Join(", ", missing)} (any one will do, the first is the usual grant): grant one to the application (Auth0 Dashboard > Applications > APIs > Auth0 Management API) or use a token that has one; no request was sent to Auth0",
                tool);
        }

        // The caller's bound profiles, in the state's order: the first inactive one that holds the tool is the one named.
        string? inactive = null;
        foreach (var bound in access.Bound)
        {
            if (!bound.Contains(tool))
            {
                continue;
            }

            if (bound.Active)
            {
                return AccessDecision.Allow(tool);
            }

            var profile = bound.Profile;
            inactive ??= profile.Policy switch
            {
                AccessPolicy.JustInTime => $"access profile '{profile.Name}' is not active: request just-in-time access (profiles request {profile.Name})",
                _ => $"access profile '{profile.Name}' needs an approved request (profiles request {profile.Name}, then an admin grants it)",
            };
        }

        return inactive is not null
            ? AccessDecision.Deny(DenialCodes.ProfileNotActive, inactive, tool)
            : AccessDecision.Deny(DenialCodes.NotInProfile, "tool not in your access profile", tool);
    }

    /// <summary>
    /// The risk of <paramref name="tool"/> as this build sees it: the class an administrator set, else the default risk
    /// of this build's descriptor. Another build sharing the store may have synced a lower default risk into the
    /// stored one; the decision never takes that for this build's.
    /// </summary>
    internal static ToolRisk RiskNow(GovernedTool tool, Auth0ToolDescriptor descriptor) =>
        tool.RiskOverridden ? tool.Risk : RiskClassifier.Of(descriptor);

    /// <summary>
    /// The "callable" rule, in one place: no kill switch (global or the tool's), approved (not removed, disabled or
    /// pending), and approved at <paramref name="contentHash"/> (the catalogue's current hash) and at a risk not below
    /// <paramref name="risk"/>. Null when callable.
    /// </summary>
    private static AccessDecision? Callable(bool globalKillSwitch, GovernedTool tool, string contentHash, ToolRisk risk)
    {
        if (globalKillSwitch)
        {
            return AccessDecision.Deny(DenialCodes.KillSwitch, "kill switch active (all tools)", tool);
        }

        if (tool.Killed)
        {
            return AccessDecision.Deny(DenialCodes.KillSwitch, $"kill switch active for {tool.Name}", tool);
        }

        return Unapproved(tool, contentHash, risk);
    }

    /// <summary>
    /// The review half of the callable rule: approved (not removed, disabled or pending) at <paramref name="contentHash"/>,
    /// and at a risk not below <paramref name="risk"/> (an approval that recorded no risk predates risks in approvals).
    /// Null when approved; kill switches aside.
    /// </summary>
    private static AccessDecision? Unapproved(GovernedTool tool, string contentHash, ToolRisk risk)
    {
        switch (tool.State)
        {
            case ToolState.Removed:
                return AccessDecision.Deny(DenialCodes.Removed, "tool removed from the catalogue", tool);
            case ToolState.Disabled:
                return AccessDecision.Deny(DenialCodes.Disabled, "tool disabled", tool);
            case ToolState.PendingReview:
                return AccessDecision.Deny(DenialCodes.PendingReview, "tool pending review", tool);
        }

        if (!string.Equals(tool.ApprovedHash, contentHash, StringComparison.Ordinal))
        {
            return AccessDecision.Deny(DenialCodes.PendingReview, "tool pending review (it changed since it was approved)", tool);
        }

        // An approval from before approvals recorded their risk counts as given at the stored risk (as a sync reads it).
        return (tool.ApprovedRisk ?? tool.Risk) is var approvedRisk && risk > approvedRisk
            ? AccessDecision.Deny(DenialCodes.PendingReview, $"tool pending review (its risk, {risk}, is above the {approvedRisk} it was approved at: approve it with this build's auth0-mcp or console, whose catalogue sync records that risk)", tool)
            : null;
    }

    /// <summary>The tools a toolset reaches now: approved, live tools only (the automatic sets included).</summary>
    public static IReadOnlyList<string> ResolveToolset(GovernanceState state, string toolset)
    {
        ArgumentNullException.ThrowIfNull(state);
        IEnumerable<GovernedTool> tools = toolset switch
        {
            Toolset.AllApproved => state.Tools,
            Toolset.ReadOnly => state.Tools.Where(t => t.Action == Auth0ToolAction.Read),
            _ => state.FindToolset(toolset)?.Tools.Select(state.FindTool).OfType<GovernedTool>() ?? [],
        };
        return tools.Where(IsLive).Select(t => t.Name).ToList();
    }

    /// <summary>The toolsets (automatic and named) that contain <paramref name="tool"/>.</summary>
    public static IReadOnlyList<string> ToolsetsOf(GovernanceState state, GovernedTool tool)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(tool);
        var result = new List<string>();
        if (IsLive(tool))
        {
            result.Add(Toolset.AllApproved);
            if (tool.Action == Auth0ToolAction.Read)
            {
                result.Add(Toolset.ReadOnly);
            }
        }

        result.AddRange(state.Toolsets.Where(s => s.Tools.Contains(tool.Name, StringComparer.Ordinal)).Select(s => s.Name));
        return result;
    }

    // Without a caller and a catalogue at hand (the CLI), the stored content hash is the catalogue's as of the last sync;
    // the global kill switch is not a property of a toolset's membership.
    private static bool IsLive(GovernedTool tool) =>
        Callable(globalKillSwitch: false, tool, tool.ContentHash, tool.Risk) is null;

    internal static bool IsBound(AccessProfile profile, CallerIdentity caller) =>
        IsBound(profile, caller.User, g => caller.Groups.Contains(g, StringComparer.Ordinal));

    /// <summary>The one binding rule: the profile names the user, or one of the groups <paramref name="inGroup"/> holds (ordinal names).</summary>
    private static bool IsBound(AccessProfile profile, string user, Predicate<string> inGroup) =>
        profile.Users.Contains(user, StringComparer.Ordinal) || profile.Groups.Exists(inGroup);

    /// <summary>
    /// The caller's side of one decision, worked out once for all the tools it covers: the profiles bound to the caller
    /// (its user, or one of its groups, compared ordinally as <see cref="IsBound(AccessProfile, CallerIdentity)"/> does), in the state's order, each with
    /// whether it is active (automatic, or a grant to the caller's user active at the decision's instant) and the tools
    /// its toolsets reach. A tool is then tested against those profiles only (by hash lookups when the decision covers
    /// many tools, a listing's): the decision costs the profiles and grants once, not once per tool.
    /// </summary>
    private sealed class CallerAccess
    {
        private CallerAccess(List<BoundProfile> bound) => Bound = bound;

        public List<BoundProfile> Bound { get; }

        public static CallerAccess Of(GovernanceState state, CallerIdentity caller, DateTimeOffset now, bool manyTools)
        {
            var groups = new HashSet<string>(caller.Groups, StringComparer.Ordinal);
            var bound = new List<BoundProfile>();
            HashSet<string>? granted = null;
            Dictionary<string, Toolset>? toolsets = null;
            foreach (var profile in state.Profiles)
            {
                if (!IsBound(profile, caller.User, groups.Contains))
                {
                    continue;
                }

                // The profiles granted to the caller's user now, read off the grants once.
                var active = profile.Policy == AccessPolicy.AutoApprove
                    || (granted ??= new HashSet<string>(state.Grants.Where(g => string.Equals(g.User, caller.User, StringComparison.Ordinal) && g.IsActive(now)).Select(g => g.Profile), StringComparer.Ordinal)).Contains(profile.Name);
                bool all = false, reads = false;
                List<Toolset>? sets = null;
                HashSet<string>? named = null;
                foreach (var name in profile.Toolsets)
                {
                    switch (name)
                    {
                        case Toolset.AllApproved:
                            all = true;
                            break;
                        case Toolset.ReadOnly:
                            reads = true;
                            break;
                        case var _ when !manyTools:
                            if (state.FindToolset(name) is { } one)
                            {
                                (sets ??= []).Add(one);
                            }

                            break;
                        default:
                            // As FindToolset: the first toolset of that name.
                            if (toolsets is null)
                            {
                                toolsets = new Dictionary<string, Toolset>(StringComparer.Ordinal);
                                foreach (var set in state.Toolsets)
                                {
                                    toolsets.TryAdd(set.Name, set);
                                }
                            }

                            if (toolsets.TryGetValue(name, out var toolset))
                            {
                                (named ??= new HashSet<string>(StringComparer.Ordinal)).UnionWith(toolset.Tools);
                            }

                            break;
                    }
                }

                bound.Add(new BoundProfile(profile, active, all, reads, sets, named));
            }

            return new CallerAccess(bound);
        }
    }

    /// <summary>
    /// Until when every decision taken at <paramref name="now"/> on <paramref name="state"/> stays the same: the earliest
    /// expiry of a grant active at <paramref name="now"/> (the only thing in a decision that changes with the clock); null
    /// when no active grant expires. A change of the state is a new revision.
    /// </summary>
    internal static DateTimeOffset? DecisionHoldsUntil(GovernanceState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        DateTimeOffset? until = null;
        foreach (var grant in state.Grants)
        {
            if (grant.IsActive(now) && grant.ExpiresAt is { } expires && (until is null || expires < until))
            {
                until = expires;
            }
        }

        return until;
    }

    /// <summary>A profile bound to the caller: whether it is active, and what its toolsets reach.</summary>
    /// <remarks>Its named toolsets' tools are in <paramref name="Named"/>, one hash set, for a listing; as the toolsets in <paramref name="Sets"/> for one tool.</remarks>
    private sealed record BoundProfile(AccessProfile Profile, bool Active, bool All, bool Reads, List<Toolset>? Sets, HashSet<string>? Named)
    {
        public bool Contains(GovernedTool tool) =>
            All
            || (Reads && tool.Action == Auth0ToolAction.Read)
            || Named?.Contains(tool.Name) == true
            || Sets?.Exists(set => set.Tools.Contains(tool.Name, StringComparer.Ordinal)) == true;
    }

    // ---------------------------------------------------------------- catalogue

    /// <summary>
    /// <paramref name="catalog"/>'s descriptor of <paramref name="tool"/> when it is the version the store governs (the
    /// same content hash), else null; <paramref name="other"/> is the catalogue's version when it is another (a store
    /// another catalogue synced: an approval binds to the store's version, which this catalogue does not describe).
    /// What a tool's description is shown from, by the command line and the console alike.
    /// </summary>
    internal static Auth0ToolDescriptor? GovernedVersion(IReadOnlyDictionary<string, Auth0ToolDescriptor> catalog, GovernedTool tool, out Auth0ToolDescriptor? other)
    {
        catalog.TryGetValue(tool.Name, out var known);
        var same = known is not null && string.Equals(known.ContentHash, tool.ContentHash, StringComparison.Ordinal);
        other = same ? null : known;
        return same ? known : null;
    }

    /// <summary>
    /// The catalogue rule of a tool that administers a store some server serves (the command line, the console run on
    /// its own), the one place for it: <paramref name="catalog"/> is synced into a store no catalogue has synced yet (no
    /// catalogue hash and no tool: a new store), so that its tools can be approved before the first server starts. A
    /// store already synced by this catalogue needs nothing. A store some other catalogue synced (a host that governs
    /// its own generated tools, or a server of another build or spec) is left as it is: a sync here would remove that
    /// catalogue's tools, or send its changed ones back to review, under the server that serves them, which syncs the
    /// store with its own catalogue when it starts. Returns null, or for that last case the note to show (naming both
    /// catalogues).
    /// </summary>
    internal async Task<string?> SyncCatalogIfNewOrOwnAsync(IReadOnlyList<Auth0ToolDescriptor> catalog, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var state = await GetStateAsync(cancellationToken).ConfigureAwait(false);
        var own = CatalogHash(catalog);
        if (string.Equals(state.CatalogHash, own, StringComparison.Ordinal))
        {
            return null;
        }

        if (state.CatalogHash is null && state.Tools.Count == 0)
        {
            await SyncCatalogAsync(catalog, actor, null, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var live = state.Tools.Count(t => t.State != ToolState.Removed);
        var theirs = state.CatalogHash is { } hash ? "catalogue " + hash[..Math.Min(12, hash.Length)] : "no catalogue hash recorded";
        return $"the store's tools come from another catalogue than this one ({live} tool(s), {theirs}; this one: {catalog.Count} tool(s), catalogue {own[..12]}): "
            + "working on the store's tools as they are, none added, changed or removed (the server that serves the store syncs its catalogue when it starts)";
    }

    /// <summary>
    /// Brings the stored tools in line with <paramref name="catalog"/>: new tools take the default state, vanished
    /// tools become <see cref="ToolState.Removed"/>, and a tool whose content hash changed, or whose default risk rose
    /// (an operation id, or a classifier rule, can raise it without a content change), returns to review (its
    /// approval was bound to the old hash and risk), with the change recorded. A class an administrator set stays.
    /// </summary>
    public Task<CatalogSyncResult> SyncCatalogAsync(IReadOnlyList<Auth0ToolDescriptor> catalog, string actor, GovernanceDefaults? initialDefaults = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return MutateAsync(actor, (state, log) =>
        {
            if (state.Revision == 0 && initialDefaults is not null)
            {
                state.Defaults = new GovernanceDefaults { NewToolState = initialDefaults.NewToolState, RequireApproval = initialDefaults.RequireApproval };
                log.Add("defaults.set", details: $"new_tool_state={state.Defaults.NewToolState} require_approval={state.Defaults.RequireApproval} (initial)");
            }

            // An approval an older build gave (before approvals recorded their risk) and that still holds is given the
            // risk it holds at, before anything moves: so that a later removal or change, undone, restores it as it
            // restores any other. A tool back in review with no recorded risk stays there (its risk may have risen).
            foreach (var tool in state.Tools)
            {
                if (tool.State == ToolState.Approved && tool.ApprovedRisk is null
                    && string.Equals(tool.ApprovedHash, tool.ContentHash, StringComparison.Ordinal))
                {
                    tool.ApprovedRisk = tool.Risk;
                }
            }

            List<string> added = [], removed = [], changed = [], restored = [];
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var descriptor in catalog)
            {
                names.Add(descriptor.Name);
                var tool = state.FindTool(descriptor.Name);
                if (tool is null)
                {
                    tool = new GovernedTool
                    {
                        Name = descriptor.Name,
                        Action = descriptor.Action,
                        Risk = RiskClassifier.Classify(descriptor),
                        ContentHash = descriptor.ContentHash,
                    };
                    SetNewState(state, tool, log, "discovered");
                    state.Tools.Add(tool);
                    added.Add(tool.Name);
                    continue;
                }

                tool.Action = descriptor.Action;
                // The default risk follows the descriptor (an operation id or a classifier rule can move it without a
                // content change); a class an administrator set stays.
                string? riskNote = null;
                var riskRose = false;
                if (!tool.RiskOverridden && RiskClassifier.Classify(descriptor) is var risk && risk != tool.Risk)
                {
                    riskNote = $"default risk {tool.Risk} -> {risk}";
                    riskRose = risk > (tool.ApprovedRisk ?? tool.Risk); // above the risk the approval was given at
                    tool.Risk = risk;
                }

                var contentChanged = !string.Equals(tool.ContentHash, descriptor.ContentHash, StringComparison.Ordinal);
                if (tool.State == ToolState.Removed)
                {
                    tool.ContentHash = descriptor.ContentHash;
                    if (tool.RemovedFrom == ToolState.Disabled)
                    {
                        // An administrator disabled it before it left: it comes back disabled, whatever new tools get.
                        tool.State = ToolState.Disabled;
                        Touch(tool, log, "back in the catalogue: Disabled, as an administrator left it");
                        log.Add("tool.discovered", tool.Name, "back in the catalogue; state Disabled, as an administrator left it before it was removed");
                    }
                    else if (ApprovalHolds(tool))
                    {
                        // Back with the content and risk it was approved at (a build with an older catalogue synced
                        // the same store, or an operation came back): the approval given to that content holds.
                        tool.State = ToolState.Approved;
                        Touch(tool, log, $"back in the catalogue at the content it was approved at ({Short(tool.ContentHash)}): Approved");
                        log.Add("tool.restored", tool.Name, $"back in the catalogue at the approved content {Short(tool.ContentHash)}; state Approved");
                    }
                    else
                    {
                        // What it was approved at stays on record (as for a changed tool), so that a later return to
                        // that content restores the approval.
                        var (approvedHash, approvedRisk) = (tool.ApprovedHash, tool.ApprovedRisk);
                        SetNewState(state, tool, log, "back in the catalogue");
                        if (tool.State == ToolState.PendingReview)
                        {
                            (tool.ApprovedHash, tool.ApprovedRisk) = (approvedHash, approvedRisk);
                        }
                    }

                    tool.RemovedFrom = null;
                    restored.Add(tool.Name);
                }
                else if (contentChanged || riskNote is not null)
                {
                    // An approval holds for the content and the risk it was given at: new content, or a higher risk,
                    // returns the tool to review (ApprovedHash and ApprovedRisk stay, to say what it was approved at).
                    var note = string.Join("; ", new[] { contentChanged ? $"content changed: {Short(tool.ContentHash)} -> {Short(descriptor.ContentHash)}" : null, riskNote }.OfType<string>());
                    tool.ContentHash = descriptor.ContentHash;
                    if (tool.State == ToolState.Approved && (contentChanged || riskRose))
                    {
                        if (!state.Defaults.RequireApproval && state.Defaults.NewToolState == ToolState.Approved)
                        {
                            tool.ApprovedHash = descriptor.ContentHash;
                            tool.ApprovedRisk = tool.Risk;
                            note += "; re-approved by default (require-approval is off)";
                        }
                        else
                        {
                            tool.State = ToolState.PendingReview;
                            note += "; approval withdrawn, pending review";
                        }
                    }
                    else if (tool.State == ToolState.PendingReview && ApprovalHolds(tool))
                    {
                        // Back at the content and risk an approval was given to (its withdrawal was a change undone).
                        tool.State = ToolState.Approved;
                        note += "; back at the approved content, approval holds";
                    }

                    Touch(tool, log, note);
                    log.Add("tool.changed", tool.Name, note);
                    changed.Add(tool.Name);
                }
            }

            foreach (var tool in state.Tools)
            {
                if (!names.Contains(tool.Name) && tool.State != ToolState.Removed)
                {
                    tool.RemovedFrom = tool.State == ToolState.Disabled ? ToolState.Disabled : null;
                    tool.State = ToolState.Removed;
                    Touch(tool, log, "removed from the catalogue");
                    log.Add("tool.removed", tool.Name, "removed from the catalogue");
                    removed.Add(tool.Name);
                }
            }

            state.Tools.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            var result = new CatalogSyncResult(added, removed, changed, restored);
            var hash = CatalogHash(catalog);
            if (result.HasChanges || !string.Equals(state.CatalogHash, hash, StringComparison.Ordinal))
            {
                state.CatalogHash = hash;
                log.Add("catalog.resync", details: $"added={added.Count} removed={removed.Count} changed={changed.Count} restored={restored.Count} total={catalog.Count} hash={Short(hash)}"
                    + (changed.Count > 0 ? "; changed: " + string.Join(", ", changed) : "")
                    + (removed.Count > 0 ? "; removed: " + string.Join(", ", removed) : ""));
            }

            return result;
        }, cancellationToken);
    }

    /// <summary>Whether the tool's approval covers it as it is: its content is the approved content, its risk not above the approved one.</summary>
    private static bool ApprovalHolds(GovernedTool tool) =>
        tool.ApprovedHash is { } approved && string.Equals(approved, tool.ContentHash, StringComparison.Ordinal)
        && tool.ApprovedRisk is { } approvedRisk && tool.Risk <= approvedRisk; // an approval that recorded no risk is not restored

    /// <summary>A sha256 (hex) of a catalogue: every tool's name, action, default risk and content hash, in name order.</summary>
    public static string CatalogHash(IEnumerable<Auth0ToolDescriptor> catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        // The sha256 of the lines joined with '\n' in UTF-8, hashed line by line (taken at every start-up).
        using var hash = new Sha256Utf8();
        return hash.AppendJoined((byte)'\n', catalog.OrderBy(d => d.Name, StringComparer.Ordinal),
            static (h, d) => h.Append(d.Name).Append((byte)' ').Append(d.Action.ToString()).Append((byte)' ').Append(RiskClassifier.Classify(d).ToString()).Append((byte)' ').Append(d.ContentHash)).ToHex();
    }

    private void SetNewState(GovernanceState state, GovernedTool tool, MutationLog log, string why)
    {
        var target = state.Defaults.NewToolState;
        if (target == ToolState.Removed || (target == ToolState.Approved && state.Defaults.RequireApproval))
        {
            target = ToolState.PendingReview;
        }

        tool.State = target;
        tool.ApprovedHash = target == ToolState.Approved ? tool.ContentHash : null;
        tool.ApprovedRisk = target == ToolState.Approved ? tool.Risk : null;
        Touch(tool, log, $"{why}: {target}");
        log.Add("tool.discovered", tool.Name, $"{why}; state {target}; risk {tool.Risk}");
    }

    // ---------------------------------------------------------------- tools

    /// <summary>Approves the named tools (names or globs) at their current content hash.</summary>
    public Task<IReadOnlyList<string>> ApproveAsync(IEnumerable<string> namesOrGlobs, string actor, CancellationToken cancellationToken = default) =>
        ChangeToolsAsync(namesOrGlobs, actor, "tool.approved", (tool, log) =>
        {
            if (tool.State == ToolState.Removed)
            {
                throw new GovernanceException($"{tool.Name} was removed from the catalogue and cannot be approved");
            }

            if (tool.State == ToolState.Approved && tool.ApprovedHash == tool.ContentHash)
            {
                return false;
            }

            tool.State = ToolState.Approved;
            tool.ApprovedHash = tool.ContentHash;
            tool.ApprovedRisk = tool.Risk;
            Touch(tool, log, $"approved at {Short(tool.ContentHash)}");
            return true;
        }, cancellationToken);

    /// <summary>Disables the named tools (names or globs).</summary>
    public Task<IReadOnlyList<string>> DisableAsync(IEnumerable<string> namesOrGlobs, string actor, CancellationToken cancellationToken = default) =>
        ChangeToolsAsync(namesOrGlobs, actor, "tool.disabled", (tool, log) =>
        {
            if (tool.State is ToolState.Disabled or ToolState.Removed)
            {
                // Already out of reach; what it was once approved at is forgotten all the same, so that no later
                // return to that content restores an approval an administrator has taken back.
                var forgot = tool.ApprovedHash is not null;
                (tool.ApprovedHash, tool.ApprovedRisk) = (null, null);
                return forgot;
            }

            tool.State = ToolState.Disabled;
            tool.ApprovedHash = null;
            tool.ApprovedRisk = null;
            Touch(tool, log, "disabled");
            return true;
        }, cancellationToken);

    /// <summary>Sets the risk of the named tools (names or globs); it then survives re-syncs.</summary>
    public Task<IReadOnlyList<string>> ClassifyAsync(IEnumerable<string> namesOrGlobs, ToolRisk risk, string actor, CancellationToken cancellationToken = default) =>
        ChangeToolsAsync(namesOrGlobs, actor, "tool.reclassified", (tool, log) =>
        {
            if (tool.Risk == risk && tool.RiskOverridden)
            {
                return false;
            }

            var old = tool.Risk;
            tool.Risk = risk;
            tool.RiskOverridden = true;
            if (tool.State == ToolState.Approved)
            {
                tool.ApprovedRisk = risk; // an administrator's class of an approved tool is what it is approved at
            }

            Touch(tool, log, $"risk {old} -> {risk}");
            return true;
        }, cancellationToken);

    /// <summary>Turns the global kill switch (<paramref name="tool"/> null) or one tool's kill switch on or off.</summary>
    public Task SetKillSwitchAsync(bool on, string? tool, string actor, CancellationToken cancellationToken = default)
    {
        if (tool is not null)
        {
            return ChangeToolsAsync([tool], actor, on ? "killswitch.on" : "killswitch.off", (t, log) =>
            {
                if (t.Killed == on)
                {
                    return false;
                }

                t.Killed = on;
                Touch(t, log, on ? "kill switch on" : "kill switch off");
                return true;
            }, cancellationToken);
        }

        return MutateAsync(actor, (state, log) =>
        {
            if (state.GlobalKillSwitch != on)
            {
                state.GlobalKillSwitch = on;
                log.Add(on ? "killswitch.on" : "killswitch.off", details: "global");
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>Changes the defaults for new tools (null leaves a value as it is).</summary>
    public Task SetDefaultsAsync(ToolState? newToolState, bool? requireApproval, string actor, CancellationToken cancellationToken = default)
    {
        if (newToolState == ToolState.Removed)
        {
            throw new GovernanceException("the default state must be PendingReview, Approved or Disabled");
        }

        return MutateAsync(actor, (state, log) =>
        {
            var before = $"new_tool_state={state.Defaults.NewToolState} require_approval={state.Defaults.RequireApproval}";
            state.Defaults.NewToolState = newToolState ?? state.Defaults.NewToolState;
            state.Defaults.RequireApproval = requireApproval ?? state.Defaults.RequireApproval;
            var after = $"new_tool_state={state.Defaults.NewToolState} require_approval={state.Defaults.RequireApproval}";
            if (before != after)
            {
                log.Add("defaults.set", details: $"{before} -> {after}");
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>Records that the Auth0 credential was rotated (for the connection code to call). Never pass the secret itself.</summary>
    public Task RecordCredentialRotationAsync(string actor, string details, CancellationToken cancellationToken = default) =>
        Store.AppendAuditAsync(NewAdminRecord(actor, "credential.rotated", null, details ?? ""), cancellationToken);

    /// <summary>
    /// Appends an administrative event that changes no state (e.g. a console sign-in, or a refused attempt to
    /// administer), with <paramref name="actor"/> as its user. Free text is masked like every admin record's details.
    /// </summary>
    public Task RecordAdminEventAsync(string actor, string eventName, string? tool, string? details, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        return Store.AppendAuditAsync(NewAdminRecord(actor, eventName, tool, details), cancellationToken);
    }

    /// <summary>
    /// Records what each of <paramref name="tools"/> looks like (<c>tool.content</c> events: its catalogue JSON with
    /// <c>contentHash</c> first), in one transaction, so that a tool which later returns to review can be compared
    /// with the version that was approved. The state itself does not change.
    /// </summary>
    public Task RecordToolContentAsync(IEnumerable<Auth0ToolDescriptor> tools, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var list = tools.ToList();
        return MutateAsync(actor, (_, log) =>
        {
            foreach (var descriptor in list)
            {
                using var buffer = new MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    writer.WriteString("contentHash", descriptor.ContentHash);
                    Auth0ToolDescriptorJson.WriteProperties(writer, descriptor);
                    writer.WriteEndObject();
                }

                log.Add(ToolContentEvent, descriptor.Name, System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>The audit event of <see cref="RecordToolContentAsync"/>.</summary>
    public const string ToolContentEvent = "tool.content";

    /// <summary>Appends a call record to the audit chain (durable when the task completes).</summary>
    public Task AppendCallRecordAsync(AuditRecord record, CancellationToken cancellationToken = default) => Store.AppendAuditAsync(record, cancellationToken);

    /// <summary>
    /// The digest of call arguments this instance stores and shows (<see cref="ArgumentsDigest"/>): keyed from the
    /// store's current audit key, loaded as the writer loads it (the server's start loaded it already); a store without a
    /// key ring gets this process's random key. Kept for the life of this instance, as the store keeps its keys.
    /// </summary>
    internal async ValueTask<ArgumentsDigest> GetArgumentsDigestAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _argumentsDigest) is { } digest)
        {
            return digest;
        }

        digest = Store is DbGovernanceStore store
            ? ArgumentsDigest.For(await store.GetWriterKeysAsync(cancellationToken).ConfigureAwait(false))
            : ArgumentsDigest.Ephemeral;
        Volatile.Write(ref _argumentsDigest, digest);
        return digest;
    }

    // ---------------------------------------------------------------- toolsets

    /// <summary>Creates a toolset of the named tools (names or globs, expanded now).</summary>
    public Task CreateToolsetAsync(string name, IEnumerable<string> tools, string? description, string actor, CancellationToken cancellationToken = default)
    {
        ValidateName(name, "toolset");
        var patterns = tools.ToList();
        return MutateAsync(actor, (state, log) =>
        {
            if (Toolset.IsAutomatic(name) || state.FindToolset(name) is not null)
            {
                throw new GovernanceException($"toolset '{name}' already exists");
            }

            var names = patterns.Count == 0 ? [] : ResolveTools(state, patterns).Select(t => t.Name).ToList();
            state.Toolsets.Add(new Toolset { Name = name, Description = description, Tools = names });
            log.Add("toolset.created", details: $"{name}: {string.Join(", ", names)}");
            return true;
        }, cancellationToken);
    }

    /// <summary>Adds tools (names or globs) to a toolset.</summary>
    public Task AddToToolsetAsync(string name, IEnumerable<string> tools, string actor, CancellationToken cancellationToken = default)
    {
        var patterns = tools.ToList();
        return MutateAsync(actor, (state, log) =>
        {
            var set = RequireToolset(state, name);
            var added = ResolveTools(state, patterns).Select(t => t.Name).Where(n => !set.Tools.Contains(n, StringComparer.Ordinal)).ToList();
            if (added.Count > 0)
            {
                set.Tools.AddRange(added);
                log.Add("toolset.changed", details: $"{name}: added {string.Join(", ", added)}");
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>Removes tools (names or globs) from a toolset.</summary>
    public Task RemoveFromToolsetAsync(string name, IEnumerable<string> tools, string actor, CancellationToken cancellationToken = default)
    {
        var patterns = tools.ToList();
        return MutateAsync(actor, (state, log) =>
        {
            var set = RequireToolset(state, name);
            var matched = new List<string>();
            foreach (var pattern in patterns)
            {
                var hits = set.Tools.Where(t => Glob.IsMatch(pattern, t)).ToList();
                if (hits.Count == 0)
                {
                    throw new GovernanceException($"toolset '{name}' has no tool matching '{pattern}'");
                }

                matched.AddRange(hits);
            }

            set.Tools.RemoveAll(matched.Contains);
            log.Add("toolset.changed", details: $"{name}: removed {string.Join(", ", matched.Distinct())}");
            return true;
        }, cancellationToken);
    }

    /// <summary>Deletes a toolset (it must not be used by a profile).</summary>
    public Task DeleteToolsetAsync(string name, string actor, CancellationToken cancellationToken = default) =>
        MutateAsync(actor, (state, log) =>
        {
            var set = RequireToolset(state, name);
            var users = state.Profiles.Where(p => p.Toolsets.Contains(name, StringComparer.Ordinal)).Select(p => p.Name).ToList();
            if (users.Count > 0)
            {
                throw new GovernanceException($"toolset '{name}' is used by profile(s) {string.Join(", ", users)}: unbind it first");
            }

            state.Toolsets.Remove(set);
            log.Add("toolset.deleted", details: name);
            return true;
        }, cancellationToken);

    // ---------------------------------------------------------------- profiles

    /// <summary>Creates an access profile.</summary>
    public Task CreateProfileAsync(string name, IEnumerable<string> toolsets, IEnumerable<string> users, IEnumerable<string> groups, AccessPolicy policy, TimeSpan? expiry, string actor, CancellationToken cancellationToken = default)
    {
        ValidateName(name, "profile");
        if (policy == AccessPolicy.JustInTime && expiry is null)
        {
            throw new GovernanceException("a just-in-time profile needs an expiry (--expires, e.g. 2h)");
        }

        if (policy == AccessPolicy.AutoApprove && expiry is not null)
        {
            // The expiry is a grant's lifetime, and an auto profile grants nothing: it is in force until it is deleted.
            throw new GovernanceException("an auto profile does not expire (--expires applies to the grants of a jit or approval profile); delete the profile to end its access");
        }

        if (expiry is { } e)
        {
            GovernanceNames.RequireDuration(e, "the expiry");
        }

        var sets = toolsets.ToList();
        var userList = users.ToList();
        var groupList = groups.ToList();
        ValidateMembers(userList, "user");
        ValidateMembers(groupList, "group");
        return MutateAsync(actor, (state, log) =>
        {
            if (state.FindProfile(name) is not null)
            {
                throw new GovernanceException($"profile '{name}' already exists");
            }

            foreach (var set in sets)
            {
                RequireToolsetName(state, set);
            }

            state.Profiles.Add(new AccessProfile
            {
                Name = name,
                Toolsets = sets.Distinct().ToList(),
                Users = userList.Distinct().ToList(),
                Groups = groupList.Distinct().ToList(),
                Policy = policy,
                Expiry = expiry,
            });
            log.Add("profile.created", details: $"{name}: policy={policy}{(expiry is null ? "" : $" expiry={expiry}")} toolsets=[{string.Join(", ", sets)}] users=[{string.Join(", ", userList)}] groups=[{string.Join(", ", groupList)}]");
            return true;
        }, cancellationToken);
    }

    /// <summary>Binds users, groups and toolsets to a profile (bind) or unbinds them (unbind).</summary>
    public Task BindProfileAsync(string name, bool bind, IEnumerable<string> toolsets, IEnumerable<string> users, IEnumerable<string> groups, string actor, CancellationToken cancellationToken = default)
    {
        var sets = toolsets.ToList();
        var userList = users.ToList();
        var groupList = groups.ToList();
        if (sets.Count + userList.Count + groupList.Count == 0)
        {
            throw new GovernanceException("nothing to " + (bind ? "bind" : "unbind") + ": give --toolsets, --users or --groups");
        }

        if (bind)
        {
            // Unbinding takes any stored value, so that one bound before these checks can be removed.
            ValidateMembers(userList, "user");
            ValidateMembers(groupList, "group");
        }

        return MutateAsync(actor, (state, log) =>
        {
            var profile = state.FindProfile(name) ?? throw new GovernanceException($"unknown profile '{name}'");
            if (bind)
            {
                foreach (var set in sets)
                {
                    RequireToolsetName(state, set);
                }

                AddMissing(profile.Toolsets, sets);
                AddMissing(profile.Users, userList);
                AddMissing(profile.Groups, groupList);
            }
            var withdrawn = 0;
            if (!bind)
            {
                RemoveExisting(profile.Toolsets, sets, "toolset", name);
                RemoveExisting(profile.Users, userList, "user", name);
                RemoveExisting(profile.Groups, groupList, "group", name);
                // An unbinding ends the grants it reaches: a user bound again, or back in a group, asks again. Grants do
                // not say through which group a user came, so unbinding a group ends those of every user not bound
                // by name.
                withdrawn = state.Grants.RemoveAll(g => string.Equals(g.Profile, name, StringComparison.Ordinal)
                    && (userList.Contains(g.User, StringComparer.Ordinal)
                        || (groupList.Count > 0 && !profile.Users.Contains(g.User, StringComparer.Ordinal))));
            }

            log.Add(bind ? "profile.bound" : "profile.unbound", details: $"{name}: toolsets=[{string.Join(", ", sets)}] users=[{string.Join(", ", userList)}] groups=[{string.Join(", ", groupList)}]"
                + (withdrawn > 0 ? $"; {withdrawn} grant(s) withdrawn" : ""));
            return true;
        }, cancellationToken);
    }

    /// <summary>Deletes a profile and its grants.</summary>
    public Task DeleteProfileAsync(string name, string actor, CancellationToken cancellationToken = default) =>
        MutateAsync(actor, (state, log) =>
        {
            var profile = state.FindProfile(name) ?? throw new GovernanceException($"unknown profile '{name}'");
            state.Profiles.Remove(profile);
            state.Grants.RemoveAll(g => g.Profile == name);
            log.Add("profile.deleted", details: name);
            return true;
        }, cancellationToken);

    /// <summary>
    /// How many closed grants (denied, or granted and expired) the state document keeps, the most recently closed
    /// first: every saved change drops the older ones (<see cref="PruneGrants"/>; the audit keeps their events), so
    /// just-in-time requests do not grow the one shared document without bound.
    /// </summary>
    internal const int ClosedGrantsKept = 1000;

    /// <summary>
    /// A user's request for a profile. Just in time: active at once until the expiry; a user who already holds an
    /// active grant of the profile gets that grant back, renewed (its expiry moved to the new one when that is later),
    /// not a second grant. Approval required: waits for <see cref="DecideAsync"/>; a user who already has a pending
    /// request for the profile gets that request back, not a second one. The user must be bound to the profile
    /// (directly or by a group).
    /// </summary>
    public Task<AccessGrant> RequestAccessAsync(string profile, CallerIdentity user, string? reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return MutateAsync(user.User, (state, log) =>
        {
            var p = state.FindProfile(profile) ?? throw new GovernanceException($"unknown profile '{profile}'");
            if (!IsBound(p, user))
            {
                throw new GovernanceException($"user '{user.User}' is not bound to profile '{profile}'");
            }

            var now = Time.GetUtcNow();
            if (p.Policy == AccessPolicy.JustInTime
                && state.Grants.FindLast(g => g.Profile == profile && g.User == user.User && g.IsActive(now)) is { } active)
            {
                var until = GovernanceNames.After(now, p.Expiry!.Value, $"the expiry of profile '{profile}'");
                if (active.ExpiresAt is { } current && current < until)
                {
                    active.ExpiresAt = until;
                    active.Reason = reason ?? active.Reason;
                    log.Add("grant.activated", details: $"{profile} for {user.User} until {until:O} (just in time, renewed) id={active.Id}");
                }

                return active;
            }

            if (p.Policy == AccessPolicy.ApprovalRequired
                && state.Grants.FindLast(g => g.Profile == profile && g.User == user.User && g.Status == GrantStatus.Requested) is { } pending)
            {
                return pending;
            }

            var grant = new AccessGrant
            {
                Id = NewId(),
                Profile = profile,
                User = user.User,
                Reason = reason,
                RequestedAt = now,
            };
            switch (p.Policy)
            {
                case AccessPolicy.AutoApprove:
                    throw new GovernanceException($"profile '{profile}' is auto-approved: no request is needed");
                case AccessPolicy.JustInTime:
                    grant.Status = GrantStatus.Granted;
                    grant.DecidedAt = now;
                    grant.DecidedBy = user.User;
                    grant.ExpiresAt = GovernanceNames.After(now, p.Expiry!.Value, $"the expiry of profile '{profile}'");
                    log.Add("grant.activated", details: $"{profile} for {user.User} until {grant.ExpiresAt:O} (just in time) id={grant.Id}");
                    break;
                default:
                    grant.Status = GrantStatus.Requested;
                    log.Add("grant.requested", details: $"{profile} for {user.User} id={grant.Id}{(reason is null ? "" : $" reason: {reason}")}");
                    break;
            }

            state.Grants.Add(grant);
            return grant;
        }, cancellationToken);
    }

    /// <summary>
    /// Grants or denies a pending request, found by id, or by profile and user (the latest pending one). The user who
    /// made the request cannot decide it, grant or deny (<paramref name="actor"/> equal to its user, ignoring case and
    /// surrounding spaces): another person does, as for call approvals.
    /// </summary>
    public Task<AccessGrant> DecideAsync(string idOrProfile, string? user, bool grant, TimeSpan? expiry, string actor, CancellationToken cancellationToken = default)
    {
        if (grant && expiry is { } e)
        {
            GovernanceNames.RequireDuration(e, "the expiry");
        }

        return MutateAsync(actor, (state, log) =>
        {
            var request = state.Grants.Find(g => g.Id == idOrProfile && g.Status == GrantStatus.Requested)
                ?? state.Grants.LastOrDefault(g => g.Profile == idOrProfile && g.User == user && g.Status == GrantStatus.Requested)
                ?? throw new GovernanceException(user is null
                    ? $"no pending request '{idOrProfile}'"
                    : $"no pending request of '{user}' for profile '{idOrProfile}'");
            RequireAnotherDecider($"access request {request.Id}", request.User, actor);
            var profile = state.FindProfile(request.Profile) ?? throw new GovernanceException($"unknown profile '{request.Profile}'");
            var now = Time.GetUtcNow();
            request.Status = grant ? GrantStatus.Granted : GrantStatus.Denied;
            request.DecidedAt = now;
            request.DecidedBy = actor;
            var until = expiry ?? profile.Expiry;
            request.ExpiresAt = grant && until is { } u ? GovernanceNames.After(now, u, $"the expiry of profile '{profile.Name}'") : null;
            log.Add(grant ? "grant.granted" : "grant.denied", details: $"{request.Profile} for {request.User} id={request.Id}{(request.ExpiresAt is null ? "" : $" until {request.ExpiresAt:O}")}");
            return request;
        }, cancellationToken);
    }

    /// <summary>
    /// Keeps the newest <see cref="ClosedGrantsKept"/> closed grants (denied, or granted and expired at
    /// <paramref name="now"/>), ordered by when they closed, and drops the rest; pending requests and active grants are
    /// always kept. Run on every saved change.
    /// </summary>
    internal static void PruneGrants(GovernanceState state, DateTimeOffset now)
    {
        static bool Closed(AccessGrant g, DateTimeOffset now) =>
            g.Status == GrantStatus.Denied || (g.Status == GrantStatus.Granted && !g.IsActive(now));

        var closed = state.Grants.Count(g => Closed(g, now));
        if (closed <= ClosedGrantsKept)
        {
            return;
        }

        var surplus = state.Grants.Where(g => Closed(g, now))
            .OrderByDescending(g => g.Status == GrantStatus.Denied ? g.DecidedAt ?? g.RequestedAt : g.ExpiresAt ?? g.RequestedAt)
            .ThenByDescending(g => g.RequestedAt)
            .Skip(ClosedGrantsKept)
            .ToHashSet();
        state.Grants.RemoveAll(surplus.Contains);
    }

    // ---------------------------------------------------------------- plumbing

    /// <summary>The tools named by <paramref name="patterns"/> (exact names or globs); throws if one matches nothing.</summary>
    public static IReadOnlyList<GovernedTool> ResolveTools(GovernanceState state, IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(patterns);
        var result = new List<GovernedTool>();
        foreach (var pattern in patterns)
        {
            if (Glob.HasWildcard(pattern))
            {
                var hits = state.Tools.Where(t => t.State != ToolState.Removed && Glob.IsMatch(pattern, t.Name)).ToList();
                if (hits.Count == 0)
                {
                    throw new GovernanceException($"no tool matches '{pattern}'");
                }

                result.AddRange(hits.Where(h => !result.Contains(h)));
            }
            else
            {
                var tool = state.RequireTool(pattern);
                if (!result.Contains(tool))
                {
                    result.Add(tool);
                }
            }
        }

        if (result.Count == 0)
        {
            throw new GovernanceException("no tools given");
        }

        return result;
    }

    private Task<IReadOnlyList<string>> ChangeToolsAsync(IEnumerable<string> patterns, string actor, string eventName, Func<GovernedTool, MutationLog, bool> change, CancellationToken cancellationToken)
    {
        var list = patterns.ToList();
        return MutateAsync<IReadOnlyList<string>>(actor, (state, log) =>
        {
            var changed = new List<string>();
            foreach (var tool in ResolveTools(state, list))
            {
                if (change(tool, log))
                {
                    log.Add(eventName, tool.Name, tool.LastChange);
                    changed.Add(tool.Name);
                }
            }

            return changed;
        }, cancellationToken);
    }

    private async Task<T> MutateAsync<T>(string actor, Func<GovernanceState, MutationLog, T> change, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        // One change at a time per instance: optimistic conflicts then arise only between instances, so the
        // retries below converge however many changes one instance is asked to make at once.
        await _mutateLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        (T Result, bool Saved) outcome;
        try
        {
            outcome = await MutateSerializedAsync(actor, change, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _mutateLock.Release();
        }

        if (outcome.Saved)
        {
            StateChanged?.Invoke(this, EventArgs.Empty);
        }

        return outcome.Result;
    }

    private async Task<(T Result, bool Saved)> MutateSerializedAsync<T>(string actor, Func<GovernanceState, MutationLog, T> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var state = await Store.LoadStateAsync(cancellationToken).ConfigureAwait(false);
            var expected = state.Revision;
            var log = new MutationLog(this, actor);
            var result = change(state, log);
            if (log.Events.Count == 0)
            {
                return (result, false);
            }

            PruneGrants(state, log.Now);

            if (await Store.TrySaveStateAsync(state, expected, log.Events, cancellationToken).ConfigureAwait(false))
            {
                state.Revision = expected + 1;
                lock (_cacheLock)
                {
                    // What was saved is the stored state now (by revision and tag); should another instance have saved
                    // after it, the next read sees a different version and loads that.
                    _cached = state;
                }

                return (result, true);
            }

            // Another instance changed the state first: re-read and re-apply.
            await Task.Delay(Random.Shared.Next(1, 10 + attempt * 10), cancellationToken).ConfigureAwait(false);
        }

        throw new GovernanceException("the governance state kept changing concurrently; try again");
    }

    private AuditRecord NewAdminRecord(string actor, string eventName, string? tool, string? details) => new()
    {
        Time = Time.GetUtcNow(),
        Kind = AuditKinds.Admin,
        Event = eventName,
        User = actor,
        Server = ServerName,
        Tool = tool,
        // Free text from administrators (reasons, CLI input) may carry a token by mistake: mask JWT-shaped runs.
        Details = details is null ? null : JsonRedactor.Secrets.RedactText(details, out _),
    };

    private static void Touch(GovernedTool tool, MutationLog log, string change)
    {
        tool.LastChange = change;
        tool.UpdatedAt = log.Now;
        tool.UpdatedBy = log.Actor;
    }

    private static Toolset RequireToolset(GovernanceState state, string name)
    {
        if (Toolset.IsAutomatic(name))
        {
            throw new GovernanceException($"toolset '{name}' is automatic and cannot be changed");
        }

        return state.FindToolset(name) ?? throw state.UnknownToolset(name);
    }

    private static void RequireToolsetName(GovernanceState state, string name)
    {
        if (!Toolset.IsAutomatic(name) && state.FindToolset(name) is null)
        {
            throw state.UnknownToolset(name);
        }
    }

    private static void AddMissing(List<string> target, IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            if (!target.Contains(value, StringComparer.Ordinal))
            {
                target.Add(value);
            }
        }
    }

    private static void RemoveExisting(List<string> target, IEnumerable<string> values, string what, string profile)
    {
        foreach (var value in values)
        {
            if (!target.Remove(value))
            {
                throw new GovernanceException($"{what} '{value}' is not bound to profile '{profile}'");
            }
        }
    }

    private static void ValidateName(string name, string what)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(c => char.IsWhiteSpace(c) || c is '*' or '?' or ',') || TerminalText.HasUnprintable(name))
        {
            throw new GovernanceException($"invalid {what} name '{TerminalText.Escape(name)}': no spaces, commas, wildcards or control characters");
        }
    }

    /// <summary>Users and groups bound to a profile: <see cref="MemberProblem"/>.</summary>
    private static void ValidateMembers(IEnumerable<string> values, string what)
    {
        foreach (var value in values)
        {
            if (MemberProblem(value) is { } problem)
            {
                throw new GovernanceException($"invalid {what} '{TerminalText.Escape(value)}': {problem}");
            }
        }
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot be a user or group name governance compares (a profile's members, an API
    /// key's user and groups), or null: not blank, no control or format characters (listings print them), no spaces at
    /// either end, well-formed
    /// UTF-16, and in Unicode normalization form C. Names are compared ordinally, so <c>jose</c> + U+0301 (NFD) never
    /// matches a caller <c>jos</c> + U+00E9 (NFC), though both print <c>josé</c>; NFC is the form identity providers and
    /// keyboards give.
    /// </summary>
    internal static string? MemberProblem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (string.IsNullOrWhiteSpace(name) || TerminalText.HasUnprintable(name))
        {
            return "not blank, and no control characters";
        }

        if (name.Trim().Length != name.Length)
        {
            // The command line trims what it is given; through the library a padded name was bound that no caller matches
            // (an API key's user and a token's groups are trimmed) and that listings print as the name without its spaces.
            return $"no spaces at either end: write it as '{TerminalText.Escape(name.Trim())}'";
        }

        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(name[i]))
            {
                // A lone surrogate is no character at all (and string.IsNormalized throws on it).
                return "not valid Unicode (a lone surrogate)";
            }
        }

        return name.IsNormalized(NormalizationForm.FormC)
            ? null
            : $"not in Unicode normalization form C (a letter and a combining mark where one character is usual), so a caller whose name looks the same would not match it: write it as '{TerminalText.Escape(name.Normalize(NormalizationForm.FormC))}' (NFC)";
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    /// <summary>
    /// Refuses a decision on a request by the person who made it (the names compared ignoring case and surrounding
    /// spaces): another person decides it. Nothing is recorded: the refusal changes nothing.
    /// </summary>
    private static void RequireAnotherDecider(string request, string requester, string actor)
    {
        if (string.Equals(requester.Trim(), actor.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw new GovernanceException($"{request} was made by {requester}: another person decides it");
        }
    }

    private static string NewId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..12];

    private sealed class MutationLog(ToolGovernance owner, string actor)
    {
        public string Actor { get; } = actor;

        public DateTimeOffset Now { get; } = owner.Time.GetUtcNow();

        public List<AuditRecord> Events { get; } = [];

        public void Add(string eventName, string? tool = null, string? details = null) =>
            Events.Add(owner.NewAdminRecord(Actor, eventName, tool, details));
    }
}
