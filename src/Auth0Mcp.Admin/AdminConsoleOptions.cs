using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Admin;

/// <summary>A static key that signs an administrator in to the console (loopback connections only).</summary>
/// <param name="Key">The key (at least 16 characters).</param>
/// <param name="User">The administrator it stands for (written into audit records).</param>
/// <param name="Groups">The user's groups: the key signs in only if one of them is an admin group.</param>
public sealed record AdminApiKey(string Key, string User, IReadOnlyList<string> Groups);

/// <summary>OpenID Connect sign-in for the console: authorization code with PKCE, then a cookie session.</summary>
public sealed class AdminOidcOptions
{
    /// <summary>The issuer, e.g. <c>https://your-tenant.us.auth0.com/</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The console's client id at the authority.</summary>
    public string? ClientId { get; set; }

    /// <summary>The client secret (optional: PKCE suffices for a public client).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The claim naming the user (default <c>sub</c>).</summary>
    public string SubjectClaim { get; set; } = "sub";

    /// <summary>The claim carrying the user's groups or roles (default <c>groups</c>).</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>Scopes asked for besides <c>openid</c> and <c>profile</c>.</summary>
    public IList<string> Scopes { get; } = [];

    /// <summary>Whether the authority and client id are set.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}

/// <summary>Options of the admin console (<c>AddAuth0McpAdmin</c>); validated when the host starts.</summary>
public sealed class AdminConsoleOptions
{
    /// <summary>The groups (or roles) whose members are administrators. Required.</summary>
    public IList<string> AdminGroups { get; } = [];

    /// <summary>Static sign-in keys for loopback/test use.</summary>
    public IList<AdminApiKey> ApiKeys { get; } = [];

    /// <summary>OpenID Connect sign-in.</summary>
    public AdminOidcOptions Oidc { get; } = new();

    /// <summary>
    /// The origin browsers reach the console at, e.g. <c>https://console.example.com</c> (its pages under <c>/admin</c>),
    /// when TLS ends at a reverse proxy: the OIDC <c>redirect_uri</c> is built from it rather than from the plain-http
    /// request the proxy forwards, and with <c>https</c> every console cookie is <c>Secure</c>. An <c>https</c> origin, or
    /// plain <c>http</c> only to a loopback address. Null: taken from each request (a browser on the listener's own
    /// loopback address).
    /// </summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>
    /// How long a session lasts from its sign-in, however active it is (default 8 hours; 5 minutes to 24 hours). An
    /// OIDC session keeps the groups of its sign-in, so this is also how long an administrator removed at the identity
    /// provider keeps the console: a security team that wants that shorter sets it shorter.
    /// </summary>
    public TimeSpan SessionLifetime { get; set; } = DefaultSessionLifetime;

    /// <summary>The default <see cref="SessionLifetime"/>: 8 hours.</summary>
    public static readonly TimeSpan DefaultSessionLifetime = TimeSpan.FromHours(8);

    /// <summary>The tool catalogue the console governs (the host's generated tools).</summary>
    public IReadOnlyList<Auth0ToolDescriptor> Catalog { get; set; } = [];

    /// <summary>
    /// Creates the governance store when the host has none registered (e.g. <c>_ =&gt; new SqliteGovernanceStore(path)</c>
    /// from the package Auth0Mcp.Governance.Sqlite).
    /// </summary>
    public Func<IServiceProvider, IGovernanceStore>? StoreFactory { get; set; }

    /// <summary>The scopes of the configured Management API token, when they can be read (credential health).</summary>
    public Func<IReadOnlySet<string>?>? GrantedScopes { get; set; }

    /// <summary>Rows per page on the Tools and Audit pages (default 100 and 50).</summary>
    public int ToolsPageSize { get; set; } = 100;

    /// <summary>Rows per page on the Audit page.</summary>
    public int AuditPageSize { get; set; } = 50;

    /// <summary>
    /// The argument rules in force, shown on each tool's page. Null: those of the host's governance (the console
    /// inside <c>serve --http</c>: settings-file and typed rules alike), else none.
    /// </summary>
    public IReadOnlyList<ArgumentRule>? ArgumentRules { get; set; }

    /// <summary>The per-call approval settings in force, shown on each tool's page. Null: the host's, else none.</summary>
    public CallApprovalOptions? CallApprovals { get; set; }

    /// <summary>Every problem with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!AdminGroups.Any(g => !string.IsNullOrWhiteSpace(g)))
        {
            errors.Add("the admin console needs the groups whose members are administrators (AUTH0_MCP_ADMIN_GROUPS, or Admin:Groups in the settings file)");
        }

        if (ApiKeys.Count == 0 && !Oidc.IsConfigured)
        {
            errors.Add("the admin console needs a sign-in: OIDC (AUTH0_MCP_OIDC_AUTHORITY and AUTH0_MCP_ADMIN_CLIENT_ID) or API keys (AUTH0_MCP_API_KEYS, loopback only)");
        }

        if (!string.IsNullOrWhiteSpace(Oidc.Authority) && string.IsNullOrWhiteSpace(Oidc.ClientId))
        {
            errors.Add("OIDC sign-in to the admin console needs a client id (AUTH0_MCP_ADMIN_CLIENT_ID)");
        }

        if (PublicUrlProblem(PublicUrl?.OriginalString) is { } publicUrl)
        {
            errors.Add(publicUrl);
        }

        if (SessionLifetimeProblem(SessionLifetime) is { } lifetime)
        {
            errors.Add(lifetime);
        }

        if (ApiKeys.Any(k => k.Key.Length < 16))
        {
            errors.Add("admin API keys must have at least 16 characters");
        }

        if (Catalog.Count == 0)
        {
            errors.Add("the admin console needs the tool catalogue (AdminConsoleOptions.Catalog)");
        }

        if (ToolsPageSize < 1 || AuditPageSize < 1)
        {
            errors.Add("page sizes must be positive");
        }

        return errors;
    }

    /// <summary>
    /// What is wrong with <paramref name="lifetime"/> as <see cref="SessionLifetime"/>, or null when it is valid (the
    /// server's settings check <c>Admin:SessionMinutes</c> with it too).
    /// </summary>
    internal static string? SessionLifetimeProblem(TimeSpan lifetime) =>
        lifetime < TimeSpan.FromMinutes(5) || lifetime > TimeSpan.FromHours(24)
            ? "the admin console's session lifetime (AUTH0_MCP_ADMIN_SESSION_MINUTES, or Admin:SessionMinutes) must be between 5 minutes and 24 hours (1440 minutes)"
            : null;

    /// <summary>
    /// What is wrong with <paramref name="text"/> as <see cref="PublicUrl"/>, or null when it is unset or valid (the one
    /// rule: the server's settings check <c>Admin:PublicUrl</c> with it too).
    /// </summary>
    internal static string? PublicUrlProblem(string? text) =>
        string.IsNullOrEmpty(text) ? null
        : !Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.AbsolutePath != "/" || url.Query.Length > 0 || url.Fragment.Length > 0 || url.UserInfo.Length > 0
            ? "the admin console's public URL (AUTH0_MCP_ADMIN_URL, or Admin:PublicUrl) must be an origin such as https://console.example.com: scheme, host and port, no path (the console is under /admin of it)"
        : Auth0Mcp.Sdk.Http.LoopbackAddress.IsPlainHttpOffLoopback(url)
            ? "the admin console's public URL (AUTH0_MCP_ADMIN_URL, or Admin:PublicUrl) must be https (" + Auth0Mcp.Sdk.Http.LoopbackAddress.PlainHttpRule + "): the session cookie and the identity provider's redirect go there"
        : null;
}
