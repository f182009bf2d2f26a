using System.Security.Claims;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>Settings of <c>WithToolGovernance</c>. Validated when the server starts (see <see cref="Validate"/>).</summary>
public sealed class ToolGovernanceOptions
{
    /// <summary>
    /// Creates the store: set by <c>UseSqlite(path)</c> (package Auth0Mcp.Governance.Sqlite), <c>UsePostgres(connectionString)</c>
    /// (Auth0Mcp.Governance.PostgreSql) or <see cref="UseStore"/>. Not used when an <see cref="IGovernanceStore"/> is registered.
    /// </summary>
    public Func<IServiceProvider, IGovernanceStore>? StoreFactory { get; private set; }

    /// <summary>Uses the store <paramref name="factory"/> creates (once, when governance starts).</summary>
    /// <param name="factory">Creates the store.</param>
    /// <returns>These options.</returns>
    public ToolGovernanceOptions UseStore(Func<IServiceProvider, IGovernanceStore> factory)
    {
        StoreFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>What a host that chose no store is told.</summary>
    internal const string NoStore = "tool governance has no store: call UseSqlite(path) (package Auth0Mcp.Governance.Sqlite) or UsePostgres(connectionString) (package Auth0Mcp.Governance.PostgreSql) in WithToolGovernance, or register an IGovernanceStore";

    /// <summary>This server instance's name in audit records (default: the machine name).</summary>
    public string ServerName { get; set; } = Environment.MachineName;

    /// <summary>
    /// The tool catalogue governed. Null: the <see cref="Auth0ToolDescriptor"/>s found in the metadata of the
    /// server's registered tools. Registered tools outside the catalogue are never callable.
    /// </summary>
    public IReadOnlyList<Auth0ToolDescriptor>? Catalog { get; set; }

    /// <summary>
    /// The caller over stdio; null: nobody (every stdio call is refused as anonymous). Never given to an HTTP caller: an
    /// unauthenticated HTTP request has no identity whatever this says.
    /// </summary>
    public CallerIdentity? StdioIdentity { get; set; }

    /// <summary>Claim types tried in order for the caller's subject over HTTP.</summary>
    public List<string> SubjectClaimTypes { get; } = ["sub", ClaimTypes.NameIdentifier];

    /// <summary>Claim types holding the caller's groups over HTTP.</summary>
    public List<string> GroupClaimTypes { get; } = ["groups", "group"];

    /// <summary>The defaults a new store starts with (null: pending review, require approval on).</summary>
    public GovernanceDefaults? InitialDefaults { get; set; }

    /// <summary>How long one hook may run before it counts as failed (the call is then denied). Default 5 s.</summary>
    public TimeSpan HookTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest a timer waits (about 49.7 days): a longer timeout or interval cannot be armed.</summary>
    internal static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>
    /// How often connected sessions are re-checked for changes made elsewhere (other instances, the CLI,
    /// just-in-time expiry), sending <c>notifications/tools/list_changed</c> when a caller's tools changed. Default 15 s.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Mask secrets in results (on by default).</summary>
    public bool MaskSecrets { get; set; } = true;

    /// <summary>Redact personal data fields in results (off by default).</summary>
    public bool RedactPii { get; set; }

    /// <summary>The personal data fields redacted when <see cref="RedactPii"/> is on.</summary>
    public List<string> PiiFields { get; } = [.. JsonRedactor.DefaultPiiNames];

    /// <summary>Caps on paging arguments (default <c>per_page</c> and <c>take</c> at 100). Empty: no caps.</summary>
    public Dictionary<string, int> PagingCaps { get; } = new(StringComparer.Ordinal) { ["per_page"] = 100, ["take"] = 100 };

    /// <summary>
    /// The host's own settings the <c>server.started</c> audit record names besides governance's (a name and its value
    /// in words, e.g. <c>api_keys</c>: each key's user and fingerprint). Never a secret: the record is read by everyone
    /// who reads the audit.
    /// </summary>
    public Dictionary<string, string> StartSettings { get; } = new(StringComparer.Ordinal);

    /// <summary>Denies chosen action and risk classes, optionally only outside business hours (null: off).</summary>
    public WriteAuthorizationHook? WriteAuthorization { get; set; }

    /// <summary>More hooks (hooks registered as <see cref="IToolCallHook"/> services are added too).</summary>
    public List<IToolCallHook> Hooks { get; } = [];

    /// <summary>The problems with these options; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ServerName))
        {
            errors.Add("ServerName must not be empty");
        }

        if (HookTimeout <= TimeSpan.Zero || HookTimeout > MaxTimer)
        {
            errors.Add($"HookTimeout must be positive and at most about 49.7 days, a timer's limit (is {HookTimeout})");
        }

        if (RefreshInterval <= TimeSpan.Zero || RefreshInterval > MaxTimer)
        {
            errors.Add($"RefreshInterval must be positive and at most about 49.7 days, a timer's limit (is {RefreshInterval})");
        }

        foreach (var (name, cap) in PagingCaps)
        {
            if (cap < 1)
            {
                errors.Add($"PagingCaps[{name}] must be positive");
            }
        }

        if (SubjectClaimTypes.Count == 0)
        {
            errors.Add("SubjectClaimTypes must not be empty");
        }

        if (InitialDefaults?.NewToolState == ToolState.Removed)
        {
            errors.Add("InitialDefaults.NewToolState cannot be Removed");
        }

        if (Catalog is not null && Catalog.GroupBy(d => d.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            errors.Add($"Catalog has two tools named '{duplicate.Key}'");
        }

        if (WriteAuthorization?.OnlyOutside is { } hours)
        {
            if (hours.StartHour is < 0 or > 23 || hours.EndHour is < 1 or > 24 || hours.EndHour <= hours.StartHour)
            {
                errors.Add("business hours must satisfy 0 <= StartHour < EndHour <= 24");
            }

            if (!TimeZoneInfo.TryFindSystemTimeZoneById(hours.TimeZone, out _))
            {
                errors.Add($"unknown time zone '{hours.TimeZone}'");
            }
        }

        foreach (var hook in Hooks)
        {
            errors.AddRange(HookErrors(hook));
        }

        return errors;
    }

    /// <summary>What makes <paramref name="hook"/> unusable (empty when nothing): the rules every hook is held to, whether in <see cref="Hooks"/> or registered as a service.</summary>
    internal static IEnumerable<string> HookErrors(IToolCallHook? hook)
    {
        if (hook is null)
        {
            yield return "a hook is null";
            yield break;
        }

        if (string.IsNullOrWhiteSpace(hook.Name))
        {
            yield return $"every hook needs a name (a {hook.GetType().Name} has none)";
        }

        if (hook.ToolPatterns is null || hook.ToolPatterns.Any(string.IsNullOrWhiteSpace))
        {
            yield return $"hook '{hook.Name}' needs ToolPatterns without blank entries (an empty list: every tool)";
        }

        if (hook is CallApprovalHook approval)
        {
            foreach (var error in approval.Options.Validate())
            {
                yield return error;
            }
        }
    }
}
