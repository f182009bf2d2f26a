using System.ComponentModel.DataAnnotations;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Http;
using Auth0Mcp.Sdk.Progressive;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Server;

/// <summary>What is being started: the settings each needs are checked (<see cref="HostSettings.Validate"/>).</summary>
internal enum HostRole
{
    /// <summary><c>serve</c>: MCP over stdio or HTTP.</summary>
    Serve,

    /// <summary><c>admin</c>: the admin console alone.</summary>
    Admin,

    /// <summary>The admin commands (<c>tools</c>, <c>doctor</c>, …): no serving checks.</summary>
    Commands,
}

/// <summary>
/// The settings of <c>auth0-mcp</c>, bound (by the configuration binding source generator) from a JSON file, the
/// environment and the command line (<see cref="HostConfiguration"/>) and checked by the source-generated
/// <see cref="HostSettingsValidator"/>. Each section is one object of the file; <see cref="SettingsCatalog"/> names
/// every key and its environment variable.
/// </summary>
internal sealed class HostSettings : IValidatableObject
{
    /// <summary>The Auth0 tenant and credential.</summary>
    [ValidateObjectMembers]
    public Auth0Settings Auth0 { get; set; } = new();

    /// <summary>The MCP server.</summary>
    [ValidateObjectMembers]
    public ServerSettings Server { get; set; } = new();

    /// <summary>Governance: store, audit seal, caller over stdio, rules.</summary>
    [ValidateObjectMembers]
    public GovernanceSettings Governance { get; set; } = new();

    /// <summary>How HTTP callers authenticate.</summary>
    [ValidateObjectMembers]
    public AuthenticationSettings Authentication { get; set; } = new();

    /// <summary>The admin console (checked across settings, <see cref="Validate"/>).</summary>
    public AdminSettings Admin { get; set; } = new();

    /// <summary>What is being started (not a setting).</summary>
    internal HostRole Role { get; set; }

    /// <summary><c>auth0-mcp admin</c>: the console alone, no MCP endpoint.</summary>
    internal bool AdminOnly => Role == HostRole.Admin;

    /// <summary>Whether the admin console is served (under /admin, or alone by <c>auth0-mcp admin</c>).</summary>
    internal bool AdminEnabled => Admin.Enabled || AdminOnly;

    /// <summary>
    /// The origins the Origin guard accepts besides the server's own: <c>Server:AllowedOrigins</c>, and the console's
    /// public origin (<c>Admin:PublicUrl</c>) when the console is served, so that its forms work through the proxy.
    /// </summary>
    internal IReadOnlyCollection<string> AllowedOrigins =>
        AdminEnabled && Admin.PublicUrl is { Length: > 0 } publicUrl ? [.. Server.AllowedOrigins, publicUrl] : Server.AllowedOrigins;

    /// <summary>The URL to serve Streamable HTTP at; null: stdio.</summary>
    internal Uri? HttpUrl => Server.Http is { Length: > 0 } http && Uri.TryCreate(http, UriKind.Absolute, out var uri) ? uri : null;

    /// <summary>The MCP endpoint path of <see cref="HttpUrl"/> ("/" when it has none).</summary>
    internal string HttpPath => HttpUrl is null ? "/" : (HttpUrl.AbsolutePath.TrimEnd('/') is { Length: > 0 } p ? p : "/");

    /// <summary>The checks across settings, for <see cref="Role"/> (each message names the settings to change).</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Role == HostRole.Commands)
        {
            yield break;
        }

        if (Auth0CredentialSnapshot.IsSet(Auth0.Token) && Auth0CredentialSnapshot.IsSet(Auth0.ClientId) && Auth0CredentialSnapshot.IsSet(Auth0.ClientSecret))
        {
            // Two whole credentials, and a token wins over client credentials: one would be ignored without a word.
            yield return new("Auth0: " + Auth0CredentialSnapshot.BothCredentials);
        }

        if (AdminEnabled && !Http.AdminConsole.Available)
        {
            // `auth0-mcp admin` is the console itself: turning it off is no advice there.
            yield return new(AdminOnly ? Http.AdminConsole.MissingForAdminCommand : Http.AdminConsole.Missing);
        }
        else if (AdminEnabled)
        {
            foreach (var problem in ValidateAdmin())
            {
                yield return new(problem);
            }
        }

        if (HttpUrl is not { } url)
        {
            yield break;
        }

        if (url.Scheme == "https")
        {
            yield return new("Server:Http (AUTH0_MCP_HTTP, --http): serve plain http on a loopback or private address and terminate TLS in a reverse proxy (https listening is not built in)");
        }

        if (url.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6) && !string.Equals(url.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Kestrel binds a host name other than localhost to every interface, whatever it resolves to.
            yield return new($"Server:Http (AUTH0_MCP_HTTP, --http): listen on an IP address or localhost, not the host name '{TerminalText.Escape(url.Host)}' "
                + "(the server would listen on every interface): give the interface's address, e.g. http://10.0.0.5:8080/mcp, or http://0.0.0.0:8080/mcp (or [::]) if every interface is meant");
        }

        var jwt = Authentication.Jwt;
        if (jwt.Authority is { } authority && Uri.TryCreate(authority, UriKind.Absolute, out var authorityUrl)
            && LoopbackAddress.IsPlainHttpOffLoopback(authorityUrl))
        {
            // The signing keys are fetched from the authority: over plain http anyone on the path could hand over a key
            // and sign tokens for any caller.
            yield return new("Authentication:Jwt:Authority (AUTH0_MCP_OIDC_AUTHORITY) must be https (" + LoopbackAddress.PlainHttpRule + ", for a local test issuer)");
        }

        if (!AdminOnly && (jwt.Authority is null) != (jwt.Audience is null))
        {
            yield return new("JWT authentication needs both AUTH0_MCP_OIDC_AUTHORITY and AUTH0_MCP_OIDC_AUDIENCE (Authentication:Jwt:Authority and :Audience)");
        }

        if (Authentication.LocalUser && !LoopbackAddress.IsLoopbackHost(url.Host))
        {
            yield return new($"AUTH0_MCP_HTTP_LOCAL_USER (Authentication:LocalUser: requests without credentials act as the local user) is only allowed on a loopback address, not {url.Host}");
        }

        if (Authentication.LocalUser && !OperatingSystem.IsLinux())
        {
            // A loopback port is open to every account on the machine: the server gives the local user only to its own
            // account's connections, which it can tell only on Linux (Http/LoopbackPeer.cs).
            yield return new("AUTH0_MCP_HTTP_LOCAL_USER (Authentication:LocalUser) is only available on Linux, where the server can check that a loopback connection comes from its own OS account; on this OS use stdio, or an API key (AUTH0_MCP_API_KEYS)");
        }

        if (Authentication.LocalUser && string.IsNullOrWhiteSpace(Governance.User))
        {
            yield return new("AUTH0_MCP_HTTP_LOCAL_USER needs AUTH0_MCP_USER (Governance:User): the identity that requests without credentials act as");
        }

        if (!AdminOnly && jwt.Authority is null && Authentication.ApiKeys.Count == 0 && !Authentication.LocalUser)
        {
            yield return new("serve --http needs caller authentication: set AUTH0_MCP_OIDC_AUTHORITY and AUTH0_MCP_OIDC_AUDIENCE (JWT bearer tokens), or AUTH0_MCP_API_KEYS (static keys), or the Authentication section of --config");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Authentication.ApiKeys.Count; i++)
        {
            var entry = Authentication.ApiKeys[i];
            var label = string.IsNullOrWhiteSpace(entry.User) ? $"API key #{i + 1}" : $"API key #{i + 1} ({TerminalText.Escape(entry.User)})";
            foreach (var problem in ApiKeyNameProblems(entry))
            {
                yield return new($"Authentication:ApiKeys (AUTH0_MCP_API_KEYS): {label}'s {problem}");
            }

            if (entry.Key.Length < 16)
            {
                yield return new($"{label} is too short: use at least 16 characters (e.g. openssl rand -hex 24)");
            }

            if (string.IsNullOrWhiteSpace(entry.User))
            {
                yield return new($"{label} has no user");
            }

            if (!seen.Add(entry.Key))
            {
                yield return new($"{label} repeats another key");
            }

            if (entry.Key.Count(c => c == '.') == 2)
            {
                yield return new($"{label} has two dots, so 'Authorization: Bearer KEY' would be read as a JWT: use a key without them (e.g. openssl rand -hex 24)");
            }
        }
    }

    /// <summary>
    /// What in an API key's text can never match: a key with spaces at its start or end (a client cannot send them: the
    /// header's value is trimmed), and a user or group that is no name governance compares
    /// (<see cref="ToolGovernance.MemberProblem"/>: blank, control characters, not NFC) or has spaces at its start or end
    /// (the subject is taken as written, and a profile member is bound trimmed). Refused, not trimmed: the settings file's
    /// text is the operator's, and the message says what to write. Never quotes the key.
    /// </summary>
    private static IEnumerable<string> ApiKeyNameProblems(ApiKeyEntry entry)
    {
        const string Spaces = "has spaces at its start or end, so it could never match";
        if (entry.Key.Length > 0 && (char.IsWhiteSpace(entry.Key[0]) || char.IsWhiteSpace(entry.Key[^1])))
        {
            yield return $"Key {Spaces} (a client's key is trimmed): remove them";
        }

        foreach (var (what, name) in new[] { ("User", entry.User) }.Concat(entry.Groups.Select(g => ("group", g))))
        {
            if (what == "User" && string.IsNullOrWhiteSpace(name))
            {
                continue; // named below: "has no user"
            }

            // Spaces at an end included: a caller's name never has them (a token's groups and a key's user are trimmed).
            if (ToolGovernance.MemberProblem(name) is { } problem)
            {
                yield return $"{what} '{TerminalText.Escape(name)}': {problem}";
            }
        }
    }

    private IEnumerable<string> ValidateAdmin()
    {
        if (HttpUrl is null)
        {
            yield return AdminOnly
                ? "admin: give the console's address with --http URL (e.g. http://127.0.0.1:8081)"
                : "the admin console (AUTH0_MCP_ADMIN) is served over HTTP only: add --http URL";
        }

        if (!AdminOnly && !Governance.Enabled)
        {
            yield return "the admin console (AUTH0_MCP_ADMIN) needs governance on (AUTH0_MCP_GOVERNANCE)";
        }

        if (Admin.Groups.Count == 0)
        {
            yield return "the admin console needs AUTH0_MCP_ADMIN_GROUPS (or Admin:Groups): the groups or roles whose members administer it";
        }

        if (Authentication.ApiKeys.Count == 0 && (Authentication.Jwt.Authority is null || Admin.ClientId is null))
        {
            yield return "the admin console needs a sign-in: AUTH0_MCP_OIDC_AUTHORITY with AUTH0_MCP_ADMIN_CLIENT_ID (OIDC), or AUTH0_MCP_API_KEYS (loopback only)";
        }

#if ADMIN_CONSOLE
        if (Auth0Mcp.Admin.AdminConsoleOptions.PublicUrlProblem(Admin.PublicUrl) is { } publicUrl)
        {
            yield return publicUrl;
        }

        if (Auth0Mcp.Admin.AdminConsoleOptions.SessionLifetimeProblem(TimeSpan.FromMinutes(Admin.SessionMinutes)) is { } lifetime)
        {
            yield return lifetime;
        }
#endif

        if (Authentication.Jwt.Authority is not null && Admin.ClientId is not null && string.IsNullOrEmpty(Admin.PublicUrl)
            && HttpUrl is { } url && !LoopbackAddress.IsLoopbackHost(url.Host))
        {
            // Browsers reach a console on such a listener through a TLS-terminating proxy: built from the plain-http
            // request, the redirect URI the identity provider is sent would be http://, and the session cookie not Secure.
            yield return $"the admin console's OIDC sign-in on {url.Host} (not a loopback address) needs the console's public https origin: set AUTH0_MCP_ADMIN_URL (Admin:PublicUrl), e.g. https://console.example.com (the identity provider redirects to it, and the session cookie is Secure)";
        }
    }
}

/// <summary>The <c>Auth0</c> section: the tenant and the credential (the credentials file may override the credential).</summary>
internal sealed class Auth0Settings
{
    /// <summary>Tenant domain (<c>AUTH0_DOMAIN</c>): a host name with an optional port, optionally after <c>https://</c>.</summary>
    [TenantDomain(ErrorMessage = "Auth0:Domain (AUTH0_DOMAIN): " + Auth0Mcp.Sdk.Http.Auth0ConnectionOptions.DomainRule)]
    public string? Domain { get; set; }

    /// <summary>Management API bearer token (<c>AUTH0_TOKEN</c>).</summary>
    [BearerTokenShape]
    public string? Token { get; set; }

    /// <summary>M2M client id (<c>AUTH0_CLIENT_ID</c>).</summary>
    public string? ClientId { get; set; }

    /// <summary>M2M client secret (<c>AUTH0_CLIENT_SECRET</c>).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The API base URL (<c>AUTH0_MCP_BASE_URL</c>): https, or plain http to a loopback address (a local mock).</summary>
    [AbsoluteUrl(HttpOnly = true, ErrorMessage = "Auth0:BaseUrl (AUTH0_MCP_BASE_URL) is not an absolute http(s) URL")]
    [HttpsOffLoopback(ErrorMessage = "Auth0:BaseUrl (AUTH0_MCP_BASE_URL) must be https: the Auth0 token is sent to it, and plain http carries it in clear text (" + LoopbackAddress.PlainHttpRule + ", e.g. a local mock)")]
    public string? BaseUrl { get; set; }

    /// <summary>The file <c>credentials rotate</c> writes, read again at the next call when it changes (<c>AUTH0_MCP_CREDENTIALS_FILE</c>).</summary>
    [NotAFolder(ErrorMessage = "Auth0:CredentialsFile (AUTH0_MCP_CREDENTIALS_FILE) names a folder: give the path of the credentials file 'auth0-mcp credentials rotate' writes")]
    public string? CredentialsFile { get; set; }
}

/// <summary>The <c>Server</c> section: transport, tools mode, limits.</summary>
internal sealed class ServerSettings
{
    /// <summary>Serve Streamable HTTP at this URL (<c>AUTH0_MCP_HTTP</c>, <c>--http</c>); unset: stdio.</summary>
    [ListenUrl(ErrorMessage = "Server:Http (AUTH0_MCP_HTTP, --http): expected an http(s) URL such as http://127.0.0.1:8080 or http://127.0.0.1:8080/mcp")]
    public string? Http { get; set; }

    /// <summary><c>full</c> or <c>progressive</c> (<c>AUTH0_MCP_TOOLS_MODE</c>, <c>--tools-mode</c>).</summary>
    [ToolsModeName(ErrorMessage = "Server:ToolsMode (AUTH0_MCP_TOOLS_MODE, --tools-mode): expected full or progressive")]
    public string? ToolsMode { get; set; }

    /// <summary>tools/list page size in full mode (<c>AUTH0_MCP_PAGE_SIZE</c>; 0: one page).</summary>
    [AtLeast(0, ErrorMessage = "Server:PageSize (AUTH0_MCP_PAGE_SIZE) must be 0 or positive")]
    public int PageSize { get; set; } = 100;

    /// <summary>The largest JSON-RPC message accepted, in bytes (<c>AUTH0_MCP_MAX_REQUEST_BYTES</c>).</summary>
    [AtLeast(1024, ErrorMessage = "Server:MaxRequestBytes (AUTH0_MCP_MAX_REQUEST_BYTES) must be at least 1024")]
    public int MaxRequestBytes { get; set; } = Transport.TransportLimits.DefaultMaxRequestBytes;

    /// <summary>
    /// HTTP: how many POSTs to the MCP endpoint one authenticated caller may have running at once
    /// (<c>AUTH0_MCP_CALLER_CONCURRENCY</c>); as many more wait their turn, and any beyond get 429.
    /// </summary>
    [AtLeast(1, ErrorMessage = "Server:MaxConcurrentRequestsPerCaller (AUTH0_MCP_CALLER_CONCURRENCY) must be at least 1")]
    public int MaxConcurrentRequestsPerCaller { get; set; } = Transport.CallerConcurrency.DefaultLimit;

    /// <summary>
    /// HTTP: how many MCP sessions one authenticated caller may have open at once (<c>AUTH0_MCP_CALLER_SESSIONS</c>);
    /// an initialize beyond them gets 429.
    /// </summary>
    [AtLeast(1, ErrorMessage = "Server:MaxSessionsPerCaller (AUTH0_MCP_CALLER_SESSIONS) must be at least 1")]
    public int MaxSessionsPerCaller { get; set; } = Transport.CallerSessions.DefaultLimit;

    /// <summary>HTTP: the minutes an MCP session may go without a request before it ends (<c>AUTH0_MCP_SESSION_IDLE_MINUTES</c>).</summary>
    [AtLeast(1, ErrorMessage = "Server:SessionIdleMinutes (AUTH0_MCP_SESSION_IDLE_MINUTES) must be at least 1")]
    public int SessionIdleMinutes { get; set; } = 30;

    /// <summary>
    /// HTTP: the most idle MCP sessions kept, all callers' together (<c>AUTH0_MCP_MAX_IDLE_SESSIONS</c>); past it the
    /// least recently used end.
    /// </summary>
    [AtLeast(1, ErrorMessage = "Server:MaxIdleSessions (AUTH0_MCP_MAX_IDLE_SESSIONS) must be at least 1")]
    public int MaxIdleSessions { get; set; } = 10_000;

    /// <summary>Browser origins besides the server's own that may call it (<c>AUTH0_MCP_ALLOWED_ORIGINS</c>), e.g. <c>https://inspector.example.com</c>.</summary>
    [Origins(ErrorMessage = "Server:AllowedOrigins (AUTH0_MCP_ALLOWED_ORIGINS): expected origins such as https://app.example.com (scheme, host and port; no path)")]
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>The least level logged to stderr (<c>AUTH0_MCP_LOG_LEVEL</c>): Trace, Debug, Information, Warning (unset), Error or Critical.</summary>
    [LogLevelName(ErrorMessage = "Server:LogLevel (AUTH0_MCP_LOG_LEVEL): expected Trace, Debug, Information, Warning, Error or Critical")]
    public string? LogLevel { get; set; }

    /// <summary>The log's format (<c>AUTH0_MCP_LOG_FORMAT</c>): <c>text</c> (unset) or <c>json</c>, one object per line.</summary>
    [LogFormatName(ErrorMessage = "Server:LogFormat (AUTH0_MCP_LOG_FORMAT): expected text or json")]
    public string? LogFormat { get; set; }

    /// <summary>The tools mode <see cref="ToolsMode"/> names.</summary>
    internal ToolsMode Mode => ToolsModeOptions.TryParseMode(ToolsMode, out var mode) ? mode : Sdk.Progressive.ToolsMode.Full;
}

/// <summary>The <c>Governance</c> section.</summary>
internal sealed class GovernanceSettings
{
    /// <summary>Approvals, profiles, hooks and audit (<c>AUTH0_MCP_GOVERNANCE</c>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A SQLite file path or a PostgreSQL connection string (<c>AUTH0_MCP_STORE</c>).</summary>
    [StoreLocation]
    public string? Store { get; set; }

    /// <summary>Audit keys inline (<c>AUTH0_MCP_AUDIT_KEY</c>).</summary>
    public string? AuditKey { get; set; }

    /// <summary>The audit key file (<c>AUTH0_MCP_AUDIT_KEY_FILE</c>).</summary>
    [NotAFolder(ErrorMessage = "Governance:AuditKeyFile (AUTH0_MCP_AUDIT_KEY_FILE) names a folder: give the path of the audit key file (created 0600 at the first write)")]
    public string? AuditKeyFile { get; set; }

    /// <summary>The signed checkpoint file (<c>AUTH0_MCP_AUDIT_CHECKPOINTS</c>).</summary>
    [NotAFolder(ErrorMessage = "Governance:AuditCheckpoints (AUTH0_MCP_AUDIT_CHECKPOINTS) names a folder: give the path of the signed checkpoint file (created at the first write)")]
    public string? AuditCheckpoints { get; set; }

    /// <summary>The caller over stdio (<c>AUTH0_MCP_USER</c>).</summary>
    public string? User { get; set; }

    /// <summary>The caller's groups over stdio (<c>AUTH0_MCP_GROUPS</c>, comma-separated).</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>Results above this size are truncated with paging advice (<c>AUTH0_MCP_MAX_OUTPUT_BYTES</c>).</summary>
    [AtLeast(1024, ErrorMessage = "Governance:MaxOutputBytes (AUTH0_MCP_MAX_OUTPUT_BYTES) must be at least 1024")]
    public int MaxOutputBytes { get; set; } = Auth0Mcp.Sdk.Http.Auth0ConnectionOptions.DefaultMaxResponseBytes;

    /// <summary>Typed rules on tools' arguments, as JSON (the file's <c>Governance:ArgumentPolicies</c> array).</summary>
    public string? ArgumentPolicies { get; set; }

    /// <summary>Per-call approval, as JSON (the file's <c>Governance:CallApproval</c> object); unset: off.</summary>
    public string? CallApproval { get; set; }

    /// <summary>The rules <see cref="ArgumentPolicies"/> holds (read by <see cref="HostConfiguration"/>).</summary>
    internal IReadOnlyList<ArgumentPolicy> ArgumentRules { get; set; } = [];

    /// <summary>The options <see cref="CallApproval"/> holds (null: off).</summary>
    internal CallApprovalOptions? CallApprovals { get; set; }

    /// <summary>The caller over stdio, or null without <see cref="User"/>.</summary>
    internal CallerIdentity? StdioCaller => string.IsNullOrWhiteSpace(User)
        ? null
        : new CallerIdentity(User.Trim(), Groups.Select(g => g.Trim()).Where(g => g.Length > 0).ToArray());
}

/// <summary>The <c>Authentication</c> section: how HTTP callers prove who they are.</summary>
internal sealed class AuthenticationSettings
{
    /// <summary>JWT bearer tokens from an OIDC issuer.</summary>
    [ValidateObjectMembers]
    public JwtSettings Jwt { get; set; } = new();

    /// <summary>HTTP on loopback only: requests without credentials act as <c>Governance:User</c> (<c>AUTH0_MCP_HTTP_LOCAL_USER</c>).</summary>
    public bool LocalUser { get; set; }

    /// <summary>Static API keys (<c>AUTH0_MCP_API_KEYS</c>: <c>KEY=user[:group1,group2];…</c>).</summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];
}

/// <summary>The <c>Authentication:Jwt</c> section.</summary>
internal sealed class JwtSettings
{
    /// <summary>The OIDC issuer (<c>AUTH0_MCP_OIDC_AUTHORITY</c>).</summary>
    [AbsoluteUrl(HttpOnly = true, ErrorMessage = "Authentication:Jwt:Authority (AUTH0_MCP_OIDC_AUTHORITY) is not an absolute http(s) URL")]
    public string? Authority { get; set; }

    /// <summary>The audience tokens must carry (<c>AUTH0_MCP_OIDC_AUDIENCE</c>).</summary>
    public string? Audience { get; set; }

    /// <summary>The claim naming the caller.</summary>
    [NotBlank(ErrorMessage = "Authentication:Jwt:SubjectClaim must not be empty")]
    public string SubjectClaim { get; set; } = "sub";

    /// <summary>The claim listing the caller's groups.</summary>
    [NotBlank(ErrorMessage = "Authentication:Jwt:GroupsClaim must not be empty")]
    public string GroupsClaim { get; set; } = "groups";
}

/// <summary>One static API key and the caller it stands for.</summary>
internal sealed class ApiKeyEntry
{
    /// <summary>The key as the client sends it (<c>X-API-Key</c>, or <c>Authorization: Bearer KEY</c>).</summary>
    public string Key { get; set; } = "";

    /// <summary>The caller's user (the governance subject).</summary>
    public string User { get; set; } = "";

    /// <summary>The caller's groups.</summary>
    public List<string> Groups { get; set; } = [];
}

/// <summary>The <c>Admin</c> section: the admin console.</summary>
internal sealed class AdminSettings
{
    /// <summary>Serve the console under /admin of <c>serve --http</c> (<c>AUTH0_MCP_ADMIN</c>).</summary>
    public bool Enabled { get; set; }

    /// <summary>The groups or roles whose members administer the console (<c>AUTH0_MCP_ADMIN_GROUPS</c>).</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>The console's OIDC client id (<c>AUTH0_MCP_ADMIN_CLIENT_ID</c>).</summary>
    public string? ClientId { get; set; }

    /// <summary>The console's OIDC client secret (<c>AUTH0_MCP_ADMIN_CLIENT_SECRET</c>).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>How long a console session lasts from its sign-in, in minutes (<c>AUTH0_MCP_ADMIN_SESSION_MINUTES</c>).</summary>
    public int SessionMinutes { get; set; } = 480;

    /// <summary>The origin browsers reach the console at, behind a TLS-terminating proxy (<c>AUTH0_MCP_ADMIN_URL</c>).</summary>
    public string? PublicUrl { get; set; }
}

/// <summary>The DataAnnotations checks of <see cref="HostSettings"/>, generated at compile time (no reflection; AOT-safe).</summary>
[OptionsValidator]
internal sealed partial class HostSettingsValidator : IValidateOptions<HostSettings>;

/// <summary>
/// A check of one setting whose message is the whole line the user sees: it names the key and the environment
/// variable itself, so no member name is put in front of it.
/// </summary>
internal abstract class SettingCheckAttribute : ValidationAttribute
{
    /// <summary>Whether <paramref name="value"/> passes.</summary>
    protected abstract bool Passes(object? value);

    /// <inheritdoc />
    public override bool IsValid(object? value) => Passes(value);

    /// <inheritdoc />
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        Passes(value) ? ValidationResult.Success : new ValidationResult(ErrorMessageString);
}

/// <summary>A number at least <see cref="Minimum"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class AtLeastAttribute(int minimum) : SettingCheckAttribute
{
    /// <summary>The smallest valid value.</summary>
    public int Minimum { get; } = minimum;

    /// <inheritdoc />
    protected override bool Passes(object? value) => value is int n && n >= Minimum;
}

/// <summary>Text that is not empty or blank.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class NotBlankAttribute : SettingCheckAttribute
{
    /// <inheritdoc />
    protected override bool Passes(object? value) => value is string text && !string.IsNullOrWhiteSpace(text);
}

/// <summary>Unset, or an absolute URL (with <see cref="HttpOnly"/>, an http or https one).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class AbsoluteUrlAttribute : SettingCheckAttribute
{
    /// <summary>Only http and https URLs are valid.</summary>
    public bool HttpOnly { get; set; }

    /// <inheritdoc />
    protected override bool Passes(object? value) =>
        value is not string { Length: > 0 } text
        || (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (!HttpOnly || uri.Scheme is "http" or "https"));
}

/// <summary>
/// Unset, not an absolute URL (<see cref="AbsoluteUrlAttribute"/> says so), or not plain http to a host other than a
/// loopback one (<see cref="LoopbackAddress"/>, the rule every credential-carrying URL follows).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class HttpsOffLoopbackAttribute : SettingCheckAttribute
{
    /// <inheritdoc />
    protected override bool Passes(object? value) =>
        value is not string { Length: > 0 } text || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || !LoopbackAddress.IsPlainHttpOffLoopback(uri);
}

/// <summary>Unset, or an http(s) URL without query or fragment (the address and MCP path to serve).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ListenUrlAttribute : SettingCheckAttribute
{
    /// <inheritdoc />
    protected override bool Passes(object? value) =>
        value is not string { Length: > 0 } text
        || (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0 && uri.Fragment.Length == 0);
}

/// <summary>
/// Unset, or a path that is not an existing folder: the file a setting names, which the server reads or creates there
/// (checked with the other settings, before a store is opened or a record written; the message adds the path).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class NotAFolderAttribute : SettingCheckAttribute
{
    /// <inheritdoc />
    protected override bool Passes(object? value) => value is not string { Length: > 0 } path || !Directory.Exists(path);

    /// <inheritdoc />
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        Passes(value) ? ValidationResult.Success : new ValidationResult($"{ErrorMessageString}, got '{TerminalText.Escape(value as string)}'");
}

/// <summary>Each item an origin: an absolute http(s) URL with no path beyond <c>/</c>, query or fragment.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class OriginsAttribute : SettingCheckAttribute
{
    /// <inheritdoc />
    protected override bool Passes(object? value) =>
        value is not IEnumerable<string> items || items.All(o => Uri.TryCreate(o, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0);
}

/// <summary>Unset, or a tools mode name (<c>full</c>, <c>progressive</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ToolsModeNameAttribute : SettingCheckAttribute
{
    /// <inheritdoc />
    protected override bool Passes(object? value) => value is not string { Length: > 0 } text || ToolsModeOptions.TryParseMode(text, out _);
}

/// <summary>Unset, or a log level name (<see cref="HostLogging.TryParseLevel"/>; the message adds the value).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class LogLevelNameAttribute : SettingCheckAttribute
{
    /// <inheritdoc />
    protected override bool Passes(object? value) => HostLogging.TryParseLevel(value as string, out _);

    /// <inheritdoc />
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        Passes(value) ? ValidationResult.Success : new ValidationResult($"{ErrorMessageString}, got '{TerminalText.Escape(value as string)}'");
}

/// <summary>Unset, or a log format name (<see cref="HostLogging.TryParseFormat"/>; the message adds the value).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class LogFormatNameAttribute : SettingCheckAttribute
{
    /// <inheritdoc />
    protected override bool Passes(object? value) => HostLogging.TryParseFormat(value as string, out _);

    /// <inheritdoc />
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        Passes(value) ? ValidationResult.Success : new ValidationResult($"{ErrorMessageString}, got '{TerminalText.Escape(value as string)}'");
}

/// <summary>Unset, or a tenant domain <see cref="Auth0Mcp.Sdk.Http.Auth0ConnectionOptions"/> can use (the message adds the value).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TenantDomainAttribute : SettingCheckAttribute
{
    /// <inheritdoc />
    protected override bool Passes(object? value) => value is not string text || string.IsNullOrWhiteSpace(text) || Auth0Mcp.Sdk.Http.Auth0ConnectionOptions.IsValidDomain(text);

    /// <inheritdoc />
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        Passes(value) ? ValidationResult.Success : new ValidationResult($"{ErrorMessageString}, got '{TerminalText.Escape(value as string)}'");
}

/// <summary>
/// Unset, or a store <see cref="GovernanceStores.Open(string?, AuditSealOptions?)"/> can open: a PostgreSQL connection
/// string Npgsql reads, or a file path that does not look like one (<see cref="GovernanceStores.Problem"/>; the message
/// names the keyword at fault, never the value, which may carry a password).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class StoreLocationAttribute : ValidationAttribute
{
    /// <inheritdoc />
    public override bool IsValid(object? value) => GovernanceStores.Problem(value as string) is null;

    /// <inheritdoc />
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        GovernanceStores.Problem(value as string) is { } problem ? new ValidationResult(problem) : ValidationResult.Success;
}

/// <summary>
/// Unset, or a token a bearer header can carry (<see cref="Auth0TokenProvider.TokenShapeProblem"/>: no <c>Bearer </c>
/// prefix, no spaces, line breaks or other characters outside RFC 6750's <c>b64token</c>); never quotes the value.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class BearerTokenShapeAttribute : ValidationAttribute
{
    /// <inheritdoc />
    public override bool IsValid(object? value) => Auth0TokenProvider.TokenShapeProblem(value as string) is null;

    /// <inheritdoc />
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        Auth0TokenProvider.TokenShapeProblem(value as string) is { } problem ? new ValidationResult("Auth0:Token (AUTH0_TOKEN) " + problem) : ValidationResult.Success;
}
