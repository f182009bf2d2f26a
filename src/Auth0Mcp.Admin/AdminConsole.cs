using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Admin;

/// <summary>What every page needs: the governance services (the same ones the CLI uses), the catalogue, the audit index.</summary>
internal sealed class AdminConsole(ToolGovernance governance, AuditIndex audit, IOptions<AdminConsoleOptions> options, IServiceProvider services)
{
    /// <summary>Where the console is mounted.</summary>
    public const string PathPrefix = "/admin";

    private Dictionary<string, Auth0ToolDescriptor>? _catalog;

    public ToolGovernance Governance { get; } = governance;

    public AuditIndex Audit { get; } = audit;

    public AdminConsoleOptions Options { get; } = options.Value;

    public IReadOnlyDictionary<string, Auth0ToolDescriptor> Catalog => _catalog ??= Options.Catalog.ToDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>The argument rules in force: the options', else those of the host's governance hooks.</summary>
    public IReadOnlyList<ArgumentRule> ArgumentRules => Options.ArgumentRules ?? HostHooks().OfType<ArgumentPolicyHook>().SelectMany(h => h.Rules).ToList();

    /// <summary>The per-call approval settings in force: the options', else the host's (null: off).</summary>
    public CallApprovalOptions? CallApprovals => Options.CallApprovals ?? HostHooks().OfType<CallApprovalHook>().FirstOrDefault()?.Options;

    /// <summary>The rules that apply to <paramref name="tool"/>.</summary>
    public IReadOnlyList<ArgumentRule> RulesFor(string tool) =>
        Catalog.TryGetValue(tool, out var d) ? ArgumentRules.Where(r => r.AppliesTo(d)).ToList() : [];

    // The hooks of governance in this host (null outside one: the console alone against a store).
    private IReadOnlyList<IToolCallHook> HostHooks() => services.GetService(typeof(GovernanceRuntime)) is GovernanceRuntime runtime ? runtime.Hooks : [];

    /// <summary>The scopes the configured token grants, when readable (null: unknown).</summary>
    public IReadOnlySet<string>? GrantedScopes()
    {
        try
        {
            return Options.GrantedScopes?.Invoke();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>When the token has none of the scopes <paramref name="tool"/> accepts, those scopes, any one of which would do; empty when it has one, lists none, or the token's scopes are unknown.</summary>
    public IReadOnlyList<string> MissingScopes(string tool, IReadOnlySet<string>? granted) =>
        granted is not null && Catalog.TryGetValue(tool, out var d) ? Auth0ScopePlanner.Missing(d, granted) : [];

    /// <summary>The descriptors of the tools a toolset reaches now.</summary>
    public IReadOnlyList<Auth0ToolDescriptor> Descriptors(IEnumerable<string> names) =>
        names.Where(Catalog.ContainsKey).Select(n => Catalog[n]).ToList();

    /// <summary>State names as the CLI writes them.</summary>
    public static string StateName(ToolState state) => state == ToolState.PendingReview ? "pending-review" : state.ToString().ToLowerInvariant();

    /// <summary>Policy names as the CLI writes them.</summary>
    public static string PolicyName(AccessPolicy policy) => policy switch
    {
        AccessPolicy.AutoApprove => "auto",
        AccessPolicy.JustInTime => "jit",
        _ => "approval",
    };

    /// <summary>
    /// Splits a field of user or group names as the command line does (GroupNames): comma-separated, never at a space
    /// (a directory's group names hold spaces); a field whose every comma-separated part holds <c>=</c> is one name,
    /// an LDAP distinguished name (bind it on its own).
    /// </summary>
    public static List<string> Members(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .SelectMany(GroupNames.SplitNonBlank)
                .Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Splits a comma- or whitespace-separated field into values.</summary>
    public static List<string> Split(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
}
