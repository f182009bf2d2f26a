using System.Text.Json;
using System.Text.Json.Serialization;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Everything governance decides with, stored as one document: tools, toolsets, profiles, grants, kill
/// switches and defaults. Every change is a new <see cref="Revision"/>, written atomically with its audit
/// records, so several server instances sharing a store always agree.
/// </summary>
/// <remarks>Instances handed out are copies: change state through <see cref="ToolGovernance"/>.</remarks>
public sealed class GovernanceState
{
    /// <summary>The revision this copy was read at; 0 before the first save.</summary>
    public long Revision { get; set; }

    /// <summary>
    /// The random tag the store wrote with this revision (null before the first save, and for a state an older build
    /// saved last): with <see cref="Revision"/> it identifies what was read, so a stored state whose revision went back
    /// (a failover, a restore) and then moved on to a revision already seen is still told apart
    /// (<see cref="IGovernanceStore.GetStateVersionAsync"/>). The store's, not part of the document.
    /// </summary>
    [JsonIgnore]
    public string? ETag { get; set; }

    /// <summary>Defaults for newly discovered tools.</summary>
    public GovernanceDefaults Defaults { get; set; } = new();

    /// <summary>The global kill switch: when on, every call is denied.</summary>
    public bool GlobalKillSwitch { get; set; }

    /// <summary>Every tool ever seen, by name (ordinal).</summary>
    public List<GovernedTool> Tools { get; set; } = [];

    /// <summary>Named toolsets (the automatic ones are not stored).</summary>
    public List<Toolset> Toolsets { get; set; } = [];

    /// <summary>Access profiles.</summary>
    public List<AccessProfile> Profiles { get; set; } = [];

    /// <summary>Access requests and grants (for just-in-time and approval-required profiles).</summary>
    public List<AccessGrant> Grants { get; set; } = [];

    /// <summary>Requests to run one exact call, and their decisions (see <see cref="CallApprovalHook"/>).</summary>
    public List<CallApproval> CallApprovals { get; set; } = [];

    /// <summary>
    /// The hash of the tool catalogue this state was last synced with (<see cref="ToolGovernance.CatalogHash"/>; null
    /// before the first sync that set it): start-up skips the sync when the catalogue's hash equals it. Stored in its
    /// own column too, so <see cref="IGovernanceStore.GetCatalogHashAsync"/> reads it without loading the state.
    /// </summary>
    public string? CatalogHash { get; set; }

    /// <summary>
    /// Members of the stored document that this build does not know (added by a newer build), kept as they were read so
    /// that saving a change does not erase them; null when there are none. Not for governance decisions.
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>Finds a tool by exact name.</summary>
    public GovernedTool? FindTool(string name) => Tools.Find(t => string.Equals(t.Name, name, StringComparison.Ordinal));

    /// <summary>
    /// The tool named <paramref name="name"/>; when there is none, throws a <see cref="GovernanceException"/> that names
    /// the closest tools (a missing <c>auth0_</c> prefix, a typo), for administrative commands and consoles.
    /// </summary>
    public GovernedTool RequireTool(string name) =>
        FindTool(name) ?? throw new GovernanceException($"unknown tool '{name}'{NameSuggestions.Hint(name, Tools.Where(t => t.State != ToolState.Removed).Select(t => t.Name))}");

    /// <summary>An unknown toolset's error, naming the closest named or automatic toolsets.</summary>
    internal GovernanceException UnknownToolset(string name) =>
        new($"unknown toolset '{name}'{NameSuggestions.Hint(name, Toolsets.Select(t => t.Name).Append(Toolset.AllApproved).Append(Toolset.ReadOnly))}");

    /// <summary>Finds a named toolset by exact name.</summary>
    public Toolset? FindToolset(string name) => Toolsets.Find(t => string.Equals(t.Name, name, StringComparison.Ordinal));

    /// <summary>Finds a profile by exact name.</summary>
    public AccessProfile? FindProfile(string name) => Profiles.Find(p => string.Equals(p.Name, name, StringComparison.Ordinal));
}

/// <summary>Defaults that apply to tools governance has not seen before.</summary>
public sealed class GovernanceDefaults
{
    /// <summary>The state a newly discovered tool takes (<see cref="ToolState.PendingReview"/> by default).</summary>
    public ToolState NewToolState { get; set; } = ToolState.PendingReview;

    /// <summary>
    /// When on (the default), no tool becomes callable without an explicit approval: a new tool whose default
    /// state would be <see cref="ToolState.Approved"/> is put in <see cref="ToolState.PendingReview"/> instead,
    /// and a changed tool always returns to review.
    /// </summary>
    public bool RequireApproval { get; set; } = true;

    /// <summary>
    /// Members of the stored defaults that this build does not know (added by a newer build), kept as they were read so
    /// that saving a change does not erase them; null when there are none. Not for governance decisions.
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>Governance's record of one tool.</summary>
public sealed class GovernedTool
{
    /// <summary>The tool name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The review state.</summary>
    public ToolState State { get; set; }

    /// <summary>Read, Write or Delete (from the descriptor).</summary>
    public Auth0ToolAction Action { get; set; }

    /// <summary>The risk class in force (derived, or set by an administrator).</summary>
    public ToolRisk Risk { get; set; }

    /// <summary>Whether an administrator set <see cref="Risk"/> (re-sync then keeps it).</summary>
    public bool RiskOverridden { get; set; }

    /// <summary>The catalogue's current content hash of the tool.</summary>
    public string ContentHash { get; set; } = "";

    /// <summary>The content hash that was approved; an approval holds only while it equals <see cref="ContentHash"/>.</summary>
    public string? ApprovedHash { get; set; }

    /// <summary>
    /// The risk in force when the tool was approved: a re-sync whose derived risk rises above it withdraws the approval.
    /// Null when not approved, or approved before the risk was recorded (the risk before the re-sync stands in).
    /// </summary>
    public ToolRisk? ApprovedRisk { get; set; }

    /// <summary>The per-tool kill switch.</summary>
    public bool Killed { get; set; }

    /// <summary>
    /// For a tool that left the catalogue (<see cref="ToolState.Removed"/>) while an administrator had it
    /// <see cref="ToolState.Disabled"/>: <see cref="ToolState.Disabled"/>, so that it comes back disabled, not in the
    /// state new tools get. Null otherwise.
    /// </summary>
    public ToolState? RemovedFrom { get; set; }

    /// <summary>The last change to the tool's state, in words (e.g. "content changed: ...").</summary>
    public string? LastChange { get; set; }

    /// <summary>When the record last changed.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Who last changed the record.</summary>
    public string? UpdatedBy { get; set; }

    /// <summary>
    /// Members of the stored tool that this build does not know (added by a newer build), kept as they were read so
    /// that saving a change does not erase them; null when there are none. Not for governance decisions.
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>Whether the tool was approved and has changed since: new content, or a risk above the one approved.</summary>
    internal bool ChangedSinceApproval() => ApprovedHash is not null && (ApprovedHash != ContentHash || RiskRoseSinceApproval());

    /// <summary>Whether the tool's risk is above the one it was approved at.</summary>
    internal bool RiskRoseSinceApproval() => ApprovedRisk is { } approved && Risk > approved;
}

/// <summary>A named bundle of tools.</summary>
public sealed class Toolset
{
    /// <summary>The automatic toolset of every approved tool.</summary>
    public const string AllApproved = "all-approved";

    /// <summary>The automatic toolset of every approved tool whose action is Read.</summary>
    public const string ReadOnly = "read-only";

    /// <summary>The toolset name.</summary>
    public string Name { get; set; } = "";

    /// <summary>An optional description.</summary>
    public string? Description { get; set; }

    /// <summary>The tool names in the set (only approved, live ones are reachable through it).</summary>
    public List<string> Tools { get; set; } = [];

    /// <summary>
    /// Members of the stored toolset that this build does not know (added by a newer build), kept as they were read so
    /// that saving a change does not erase them; null when there are none. Not for governance decisions.
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>Whether <paramref name="name"/> is one of the automatic toolsets.</summary>
    public static bool IsAutomatic(string name) => name is AllApproved or ReadOnly;
}

/// <summary>Binds toolsets to users and groups under an <see cref="AccessPolicy"/>.</summary>
public sealed class AccessProfile
{
    /// <summary>The profile name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The toolsets the profile gives access to.</summary>
    public List<string> Toolsets { get; set; } = [];

    /// <summary>The users (subjects) bound to it.</summary>
    public List<string> Users { get; set; } = [];

    /// <summary>The groups bound to it.</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>How the profile becomes active.</summary>
    public AccessPolicy Policy { get; set; }

    /// <summary>How long a just-in-time activation (or a grant) lasts; null means until revoked (not allowed for just-in-time).</summary>
    public TimeSpan? Expiry { get; set; }

    /// <summary>
    /// Members of the stored profile that this build does not know (added by a newer build), kept as they were read so
    /// that saving a change does not erase them; null when there are none. Not for governance decisions.
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>One user's request for, and grant of, a profile.</summary>
public sealed class AccessGrant
{
    /// <summary>A unique id (used by <c>profiles grant|deny</c>).</summary>
    public string Id { get; set; } = "";

    /// <summary>The profile.</summary>
    public string Profile { get; set; } = "";

    /// <summary>The user it is for.</summary>
    public string User { get; set; } = "";

    /// <summary>The state of the request.</summary>
    public GrantStatus Status { get; set; }

    /// <summary>Why it was requested.</summary>
    public string? Reason { get; set; }

    /// <summary>When it was requested.</summary>
    public DateTimeOffset RequestedAt { get; set; }

    /// <summary>When it was granted or denied.</summary>
    public DateTimeOffset? DecidedAt { get; set; }

    /// <summary>Who granted or denied it.</summary>
    public string? DecidedBy { get; set; }

    /// <summary>When an active grant ends; null means until revoked.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>
    /// Members of the stored grant that this build does not know (added by a newer build), kept as they were read so
    /// that saving a change does not erase them; null when there are none. Not for governance decisions.
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>Whether the grant is active at <paramref name="now"/>.</summary>
    public bool IsActive(DateTimeOffset now) => Status == GrantStatus.Granted && (ExpiresAt is null || ExpiresAt > now);
}
