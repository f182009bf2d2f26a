using System.Globalization;
using System.Text.Json;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Http;
using Auth0Mcp.Sdk.Progressive;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Server;

/// <summary>One static API key and the caller it stands for.</summary>
/// <param name="Key">The key as the client sends it (<c>X-API-Key</c>, or <c>Authorization: Bearer KEY</c>).</param>
/// <param name="User">The caller's user (the governance subject).</param>
/// <param name="Groups">The caller's groups.</param>
internal sealed record ApiKeyEntry(string Key, string User, IReadOnlyList<string> Groups);

/// <summary>
/// The settings of <c>auth0-mcp serve</c>, from (lowest to highest precedence) a JSON file (<c>--config FILE</c> or
/// <c>AUTH0_MCP_CONFIG</c>), environment variables, and command-line options. <see cref="Load"/> validates them
/// and reports every problem at once.
/// </summary>
internal sealed class HostSettings
{
    /// <summary>The environment variables this host reads, with what they mean (for --help and the docs).</summary>
    public static readonly IReadOnlyList<(string Name, string Key, string Meaning)> Variables =
    [
        ("AUTH0_DOMAIN", "Auth0:Domain", "Tenant domain, e.g. your-tenant.us.auth0.com"),
        ("AUTH0_TOKEN", "Auth0:Token", "Management API bearer token"),
        ("AUTH0_CLIENT_ID", "Auth0:ClientId", "M2M application client id (with AUTH0_CLIENT_SECRET)"),
        ("AUTH0_CLIENT_SECRET", "Auth0:ClientSecret", "M2M application client secret"),
        ("AUTH0_MCP_BASE_URL", "Auth0:BaseUrl", "Override the API base URL (e.g. a local mock; no /api/v2 is added)"),
        ("AUTH0_MCP_CONFIG", "", "A JSON settings file (same as --config)"),
        ("AUTH0_MCP_HTTP", "Server:Http", "Serve Streamable HTTP at this URL instead of stdio (same as --http)"),
        ("AUTH0_MCP_TOOLS_MODE", "Server:ToolsMode", "full (default) or progressive (same as --tools-mode)"),
        ("AUTH0_MCP_PAGE_SIZE", "Server:PageSize", "tools/list page size in full mode (default 100; 0: one page)"),
        ("AUTH0_MCP_GOVERNANCE", "Governance:Enabled", "on (default) or off: approvals, profiles, hooks and audit"),
        ("AUTH0_MCP_STORE", "Governance:Store", "Governance store: a SQLite file path or a PostgreSQL connection string"),
        ("AUTH0_MCP_USER", "Governance:User", "The caller's identity over stdio"),
        ("AUTH0_MCP_GROUPS", "Governance:Groups", "The caller's groups over stdio (comma-separated)"),
        ("AUTH0_MCP_MAX_OUTPUT_BYTES", "Governance:MaxOutputBytes", "Results above this size are truncated with paging advice (default 1048576)"),
        ("AUTH0_MCP_OIDC_AUTHORITY", "Authentication:Jwt:Authority", "HTTP: OIDC issuer whose JWTs are accepted, e.g. https://login.example.com/"),
        ("AUTH0_MCP_OIDC_AUDIENCE", "Authentication:Jwt:Audience", "HTTP: the audience those JWTs must carry"),
        ("AUTH0_MCP_API_KEYS", "Authentication:ApiKeys", "HTTP: static keys, KEY=user[:group1,group2];KEY2=user2 (at least 16 characters each)"),
        ("AUTH0_MCP_HTTP_LOCAL_USER", "Authentication:LocalUser", "HTTP on a loopback address only: on = requests without credentials act as AUTH0_MCP_USER (local tools, test suites)"),
        ("AUTH0_MCP_ADMIN", "Admin:Enabled", "HTTP: on = serve the admin console under /admin (auth0-mcp admin serves it alone)"),
        ("AUTH0_MCP_ADMIN_GROUPS", "Admin:Groups", "The groups or roles (comma-separated) whose members administer the console"),
        ("AUTH0_MCP_ADMIN_CLIENT_ID", "Admin:ClientId", "The console's OIDC client id at AUTH0_MCP_OIDC_AUTHORITY (authorization code + PKCE)"),
        ("AUTH0_MCP_ADMIN_CLIENT_SECRET", "Admin:ClientSecret", "The console's OIDC client secret, if the client has one"),
    ];

    public Uri? HttpUrl { get; set; }

    public ToolsMode ToolsMode { get; set; } = ToolsMode.Full;

    public int PageSize { get; set; } = 100;

    public string? Domain { get; set; }

    public string? Token { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    public Uri? BaseUrl { get; set; }

    public bool Governance { get; set; } = true;

    public string? Store { get; set; }

    public string? User { get; set; }

    public string? Groups { get; set; }

    public int MaxOutputBytes { get; set; } = 1024 * 1024;

    public string? JwtAuthority { get; set; }

    public string? JwtAudience { get; set; }

    public string SubjectClaim { get; set; } = "sub";

    public string GroupsClaim { get; set; } = "groups";

    public List<ApiKeyEntry> ApiKeys { get; } = [];

    /// <summary>Typed rules on tools' arguments (<c>Governance:ArgumentPolicies</c>), checked against the catalogue's schemas at load.</summary>
    public List<ArgumentPolicy> ArgumentPolicies { get; } = [];

    /// <summary>Per-call approval (<c>Governance:CallApproval</c>); null: off.</summary>
    public CallApprovalOptions? CallApproval { get; set; }

    /// <summary>HTTP on loopback only: requests without credentials act as <see cref="User"/> (like stdio).</summary>
    public bool LocalUser { get; set; }

    /// <summary>Whether the admin console is served (under /admin, or alone by <c>auth0-mcp admin</c>).</summary>
    public bool AdminEnabled { get; set; }

    /// <summary><c>auth0-mcp admin</c>: the console alone, no MCP endpoint (no caller authentication needed).</summary>
    public bool AdminOnly { get; set; }

    /// <summary>The groups or roles whose members administer the console.</summary>
    public List<string> AdminGroups { get; } = [];

    public string? AdminClientId { get; set; }

    public string? AdminClientSecret { get; set; }

    /// <summary>The MCP endpoint path of <see cref="HttpUrl"/> ("/" when it has none).</summary>
    public string HttpPath => HttpUrl is null ? "/" : (HttpUrl.AbsolutePath.TrimEnd('/') is { Length: > 0 } p ? p : "/");

    /// <summary>
    /// Reads and validates the settings of <c>serve</c> (or <c>admin</c>) from a command line such as
    /// <c>--http URL --config FILE</c>, parsed with the options of <see cref="HostArguments"/>.
    /// </summary>
    /// <exception cref="UsageException">A bad argument, or every problem found, one per line.</exception>
    public static HostSettings Load(string[] args, Func<string, string?>? environment = null, bool adminOnly = false)
    {
        var command = adminOnly ? "admin" : "serve";
        var parse = HostArguments.Options(command, command).Parse(args);
        if (parse.UnmatchedTokens.Count > 0)
        {
            throw new UsageException($"{command}: unexpected argument '{parse.UnmatchedTokens[0]}' (options: --http URL, --tools-mode full|progressive, --config FILE).");
        }

        if (parse.Errors.Count > 0)
        {
            throw new UsageException($"{command}: {parse.Errors[0].Message}");
        }

        return Load(HostArguments.From(parse), environment, adminOnly);
    }

    /// <summary>
    /// Reads and validates the settings of <c>serve</c>: the file (<paramref name="cli"/>'s <c>--config</c> or
    /// <c>AUTH0_MCP_CONFIG</c>), the environment, then <paramref name="cli"/>'s <c>--http</c> and <c>--tools-mode</c>.
    /// </summary>
    /// <param name="cli">The command-line options.</param>
    /// <param name="environment">The environment (tests pass their own).</param>
    /// <param name="adminOnly"><c>auth0-mcp admin</c>: the console alone.</param>
    /// <param name="forCommands">The admin commands' read: the serving checks (HTTP authentication, the console) are skipped.</param>
    /// <exception cref="UsageException">Every problem found, one per line.</exception>
    public static HostSettings Load(HostArguments cli, Func<string, string?>? environment = null, bool adminOnly = false, bool forCommands = false)
    {
        ArgumentNullException.ThrowIfNull(cli);
        environment ??= Environment.GetEnvironmentVariable;
        var errors = new List<string>();
        var settings = new HostSettings { AdminOnly = adminOnly };
        var file = cli.Config ?? environment("AUTH0_MCP_CONFIG");
        if (!string.IsNullOrWhiteSpace(file))
        {
            settings.ReadFile(file, errors);
        }

        settings.ReadEnvironment(environment, errors);
        if (cli.Http is { } http)
        {
            settings.SetHttp(http, "--http", errors);
        }

        if (cli.ToolsMode is { } mode)
        {
            settings.SetMode(mode, "--tools-mode", errors);
        }

        settings.AdminEnabled |= adminOnly;
        settings.Validate(errors, forCommands);
        if (errors.Count > 0)
        {
            throw new UsageException("invalid settings:\n  - " + string.Join("\n  - ", errors));
        }

        return settings;
    }

    /// <summary>Sets the Auth0 connection options from these settings.</summary>
    public void ApplyTo(Auth0ConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Domain = Domain;
        options.Token = Token;
        options.ClientId = ClientId;
        options.ClientSecret = ClientSecret;
        if (BaseUrl is not null)
        {
            options.BaseUrl = BaseUrl;
        }

        options.MaxResponseBytes = MaxOutputBytes;
    }

    /// <summary>Sets the governance options from these settings.</summary>
    public void ApplyTo(ToolGovernanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.UseStore(_ => GovernanceStores.Open(Store));
        options.StdioIdentity = CallerIdentity.From(User, Groups);
        options.SubjectClaimTypes.Insert(0, SubjectClaim);
        options.GroupClaimTypes.Insert(0, GroupsClaim);
        options.AddArgumentPolicies(ArgumentPolicies);
        if (CallApproval is not null)
        {
            options.Hooks.Add(new CallApprovalHook(CallApproval));
        }
    }

    private void ReadEnvironment(Func<string, string?> env, List<string> errors)
    {
        string? Get(string name) => env(name) is { Length: > 0 } v ? v : null;
        Domain = Get("AUTH0_DOMAIN") ?? Domain;
        Token = Get("AUTH0_TOKEN") ?? Token;
        ClientId = Get("AUTH0_CLIENT_ID") ?? ClientId;
        ClientSecret = Get("AUTH0_CLIENT_SECRET") ?? ClientSecret;
        if (Get("AUTH0_MCP_BASE_URL") is { } baseUrl)
        {
            BaseUrl = AbsoluteUrl(baseUrl, "AUTH0_MCP_BASE_URL", errors);
        }

        if (Get("AUTH0_MCP_HTTP") is { } http)
        {
            SetHttp(http, "AUTH0_MCP_HTTP", errors);
        }

        if (Get("AUTH0_MCP_TOOLS_MODE") is { } mode)
        {
            SetMode(mode, "AUTH0_MCP_TOOLS_MODE", errors);
        }

        if (Get("AUTH0_MCP_PAGE_SIZE") is { } size)
        {
            PageSize = Int(size, "AUTH0_MCP_PAGE_SIZE", errors) ?? PageSize;
        }

        if (Get("AUTH0_MCP_GOVERNANCE") is { } governance)
        {
            Governance = Switch(governance, "AUTH0_MCP_GOVERNANCE", errors) ?? Governance;
        }

        Store = Get("AUTH0_MCP_STORE") ?? Store;
        User = Get("AUTH0_MCP_USER") ?? User;
        Groups = Get("AUTH0_MCP_GROUPS") ?? Groups;
        if (Get("AUTH0_MCP_MAX_OUTPUT_BYTES") is { } max)
        {
            MaxOutputBytes = Int(max, "AUTH0_MCP_MAX_OUTPUT_BYTES", errors) ?? MaxOutputBytes;
        }

        if (Get("AUTH0_MCP_HTTP_LOCAL_USER") is { } local)
        {
            LocalUser = Switch(local, "AUTH0_MCP_HTTP_LOCAL_USER", errors) ?? LocalUser;
        }

        if (Get("AUTH0_MCP_ADMIN") is { } admin)
        {
            AdminEnabled = Switch(admin, "AUTH0_MCP_ADMIN", errors) ?? AdminEnabled;
        }

        if (Get("AUTH0_MCP_ADMIN_GROUPS") is { } adminGroups)
        {
            AdminGroups.Clear();
            AdminGroups.AddRange(adminGroups.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        AdminClientId = Get("AUTH0_MCP_ADMIN_CLIENT_ID") ?? AdminClientId;
        AdminClientSecret = Get("AUTH0_MCP_ADMIN_CLIENT_SECRET") ?? AdminClientSecret;
        JwtAuthority = Get("AUTH0_MCP_OIDC_AUTHORITY") ?? JwtAuthority;
        JwtAudience = Get("AUTH0_MCP_OIDC_AUDIENCE") ?? JwtAudience;
        if (Get("AUTH0_MCP_API_KEYS") is { } keys)
        {
            ApiKeys.Clear();
            foreach (var entry in keys.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = entry.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || eq == entry.Length - 1)
                {
                    errors.Add($"AUTH0_MCP_API_KEYS: entry #{ApiKeys.Count + 1} is not KEY=user[:group1,group2]");
                    continue;
                }

                var who = entry[(eq + 1)..];
                var colon = who.IndexOf(':', StringComparison.Ordinal);
                var user = colon < 0 ? who : who[..colon];
                var groups = colon < 0 ? [] : who[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                ApiKeys.Add(new ApiKeyEntry(entry[..eq], user.Trim(), groups));
            }
        }
    }

    private void ReadFile(string path, List<string> errors)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            errors.Add($"config file '{path}': {ex.Message}");
            return;
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"config file '{path}': the root must be an object");
                return;
            }

            foreach (var section in doc.RootElement.EnumerateObject())
            {
                switch (section.Name)
                {
                    case "Auth0":
                        foreach (var p in Properties(section, errors))
                        {
                            switch (p.Name)
                            {
                                case "Domain": Domain = Str(p, errors); break;
                                case "Token": Token = Str(p, errors); break;
                                case "ClientId": ClientId = Str(p, errors); break;
                                case "ClientSecret": ClientSecret = Str(p, errors); break;
                                case "BaseUrl": BaseUrl = Str(p, errors) is { } u ? AbsoluteUrl(u, "Auth0:BaseUrl", errors) : null; break;
                                default: errors.Add($"config: unknown setting Auth0:{p.Name}"); break;
                            }
                        }

                        break;
                    case "Server":
                        foreach (var p in Properties(section, errors))
                        {
                            switch (p.Name)
                            {
                                case "Http": if (Str(p, errors) is { } h) { SetHttp(h, "Server:Http", errors); } break;
                                case "ToolsMode": if (Str(p, errors) is { } m) { SetMode(m, "Server:ToolsMode", errors); } break;
                                case "PageSize": PageSize = Num(p, errors) ?? PageSize; break;
                                default: errors.Add($"config: unknown setting Server:{p.Name}"); break;
                            }
                        }

                        break;
                    case "Governance":
                        foreach (var p in Properties(section, errors))
                        {
                            switch (p.Name)
                            {
                                case "Enabled":
                                    if (p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                                    {
                                        Governance = p.Value.GetBoolean();
                                    }
                                    else
                                    {
                                        errors.Add("config: Governance:Enabled must be true or false");
                                    }

                                    break;
                                case "Store": Store = Str(p, errors); break;
                                case "User": User = Str(p, errors); break;
                                case "Groups": Groups = p.Value.ValueKind == JsonValueKind.Array ? string.Join(',', p.Value.EnumerateArray().Select(g => g.GetString())) : Str(p, errors); break;
                                case "MaxOutputBytes": MaxOutputBytes = Num(p, errors) ?? MaxOutputBytes; break;
                                case "ArgumentPolicies": ArgumentPolicies.AddRange(Prefixed(found => ArgumentPolicy.Parse(p.Value, found), errors, "config: Governance:ArgumentPolicies: ")); break;
                                case "CallApproval": CallApproval = Prefixed(found => CallApprovalOptions.Parse(p.Value, found), errors, "config: Governance:"); break;
                                default: errors.Add($"config: unknown setting Governance:{p.Name}"); break;
                            }
                        }

                        break;
                    case "Authentication":
                        foreach (var p in Properties(section, errors))
                        {
                            switch (p.Name)
                            {
                                case "Jwt":
                                    foreach (var j in Properties(p, errors))
                                    {
                                        switch (j.Name)
                                        {
                                            case "Authority": JwtAuthority = Str(j, errors); break;
                                            case "Audience": JwtAudience = Str(j, errors); break;
                                            case "SubjectClaim": SubjectClaim = Str(j, errors) ?? SubjectClaim; break;
                                            case "GroupsClaim": GroupsClaim = Str(j, errors) ?? GroupsClaim; break;
                                            default: errors.Add($"config: unknown setting Authentication:Jwt:{j.Name}"); break;
                                        }
                                    }

                                    break;
                                case "LocalUser":
                                    LocalUser = p.Value.ValueKind == JsonValueKind.True;
                                    break;
                                case "ApiKeys":
                                    if (p.Value.ValueKind != JsonValueKind.Array)
                                    {
                                        errors.Add("config: Authentication:ApiKeys must be an array of {\"Key\", \"User\", \"Groups\"}");
                                        break;
                                    }

                                    var index = 0;
                                    foreach (var item in p.Value.EnumerateArray())
                                    {
                                        index++;
                                        if (item.ValueKind != JsonValueKind.Object)
                                        {
                                            errors.Add($"config: Authentication:ApiKeys[{index}] must be an object");
                                            continue;
                                        }

                                        string? key = null, user = null;
                                        var groups = new List<string>();
                                        foreach (var k in item.EnumerateObject())
                                        {
                                            switch (k.Name)
                                            {
                                                case "Key": key = Str(k, errors); break;
                                                case "User": user = Str(k, errors); break;
                                                case "Groups" when k.Value.ValueKind == JsonValueKind.Array:
                                                    groups.AddRange(k.Value.EnumerateArray().Where(g => g.ValueKind == JsonValueKind.String).Select(g => g.GetString()!));
                                                    break;
                                                default: errors.Add($"config: unknown or malformed setting Authentication:ApiKeys[{index}]:{k.Name}"); break;
                                            }
                                        }

                                        ApiKeys.Add(new ApiKeyEntry(key ?? "", user ?? "", groups));
                                    }

                                    break;
                                default: errors.Add($"config: unknown setting Authentication:{p.Name}"); break;
                            }
                        }

                        break;
                    case "Admin":
                        foreach (var p in Properties(section, errors))
                        {
                            switch (p.Name)
                            {
                                case "Enabled": AdminEnabled = p.Value.ValueKind == JsonValueKind.True; break;
                                case "Groups":
                                    AdminGroups.Clear();
                                    AdminGroups.AddRange(p.Value.ValueKind == JsonValueKind.Array
                                        ? p.Value.EnumerateArray().Where(g => g.ValueKind == JsonValueKind.String).Select(g => g.GetString()!)
                                        : (Str(p, errors) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                                    break;
                                case "ClientId": AdminClientId = Str(p, errors); break;
                                case "ClientSecret": AdminClientSecret = Str(p, errors); break;
                                default: errors.Add($"config: unknown setting Admin:{p.Name}"); break;
                            }
                        }

                        break;
                    default:
                        errors.Add($"config: unknown section '{section.Name}' (sections: Auth0, Server, Governance, Authentication, Admin)");
                        break;
                }
            }
        }
    }

    private void Validate(List<string> errors, bool forCommands)
    {
        if (PageSize < 0)
        {
            errors.Add("page size (AUTH0_MCP_PAGE_SIZE / Server:PageSize) must be 0 or positive");
        }

        if (MaxOutputBytes < 1024)
        {
            errors.Add("AUTH0_MCP_MAX_OUTPUT_BYTES / Governance:MaxOutputBytes must be at least 1024");
        }

        // Each rule against the input schemas of the tools it names: a bad rule stops the server, named.
        errors.AddRange(ArgumentPolicy.Validate(ArgumentPolicies, Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors).Select(e => "config: Governance:ArgumentPolicies: " + e));
        if (forCommands)
        {
            return;
        }

        if (AdminEnabled && !Http.AdminConsole.Available)
        {
            errors.Add(Http.AdminConsole.Missing);
        }
        else if (AdminEnabled)
        {
            ValidateAdmin(errors);
        }

        if (HttpUrl is null)
        {
            return;
        }

        if (HttpUrl.Scheme == "https")
        {
            errors.Add("--http: serve plain http on a loopback or private address and terminate TLS in a reverse proxy (https listening is not built in)");
        }

        if (!AdminOnly && (JwtAuthority is null) != (JwtAudience is null))
        {
            errors.Add("JWT authentication needs both AUTH0_MCP_OIDC_AUTHORITY and AUTH0_MCP_OIDC_AUDIENCE (Authentication:Jwt:Authority and :Audience)");
        }
        else if (JwtAuthority is not null && !(Uri.TryCreate(JwtAuthority, UriKind.Absolute, out var authority) && authority.Scheme is "https" or "http"))
        {
            errors.Add($"AUTH0_MCP_OIDC_AUTHORITY is not an absolute http(s) URL: '{JwtAuthority}'");
        }

        if (LocalUser && !(HttpUrl.IsLoopback || HttpUrl.Host == "localhost"))
        {
            errors.Add($"AUTH0_MCP_HTTP_LOCAL_USER (requests without credentials act as the local user) is only allowed on a loopback address, not {HttpUrl.Host}");
        }

        if (LocalUser && string.IsNullOrWhiteSpace(User))
        {
            errors.Add("AUTH0_MCP_HTTP_LOCAL_USER needs AUTH0_MCP_USER: the identity that requests without credentials act as");
        }

        if (!AdminOnly && JwtAuthority is null && ApiKeys.Count == 0 && !LocalUser)
        {
            errors.Add("serve --http needs caller authentication: set AUTH0_MCP_OIDC_AUTHORITY and AUTH0_MCP_OIDC_AUDIENCE (JWT bearer tokens), or AUTH0_MCP_API_KEYS (static keys), or the Authentication section of --config");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ApiKeys.Count; i++)
        {
            var entry = ApiKeys[i];
            var label = string.IsNullOrWhiteSpace(entry.User) ? $"API key #{i + 1}" : $"API key #{i + 1} ({entry.User})";
            if (entry.Key.Length < 16)
            {
                errors.Add($"{label} is too short: use at least 16 characters (e.g. openssl rand -hex 24)");
            }

            if (string.IsNullOrWhiteSpace(entry.User))
            {
                errors.Add($"{label} has no user");
            }

            if (!seen.Add(entry.Key))
            {
                errors.Add($"{label} repeats another key");
            }
        }
    }

    private void ValidateAdmin(List<string> errors)
    {
        if (HttpUrl is null)
        {
            errors.Add(AdminOnly
                ? "admin: give the console's address with --http URL (e.g. http://127.0.0.1:8081)"
                : "the admin console (AUTH0_MCP_ADMIN) is served over HTTP only: add --http URL");
        }

        if (!AdminOnly && !Governance)
        {
            errors.Add("the admin console (AUTH0_MCP_ADMIN) needs governance on (AUTH0_MCP_GOVERNANCE)");
        }

        if (AdminGroups.Count == 0)
        {
            errors.Add("the admin console needs AUTH0_MCP_ADMIN_GROUPS (or Admin:Groups): the groups or roles whose members administer it");
        }

        if (ApiKeys.Count == 0 && (JwtAuthority is null || AdminClientId is null))
        {
            errors.Add("the admin console needs a sign-in: AUTH0_MCP_OIDC_AUTHORITY with AUTH0_MCP_ADMIN_CLIENT_ID (OIDC), or AUTH0_MCP_API_KEYS (loopback only)");
        }
    }

#if ADMIN_CONSOLE
    /// <summary>Sets the admin console options from these settings.</summary>
    public void ApplyTo(Auth0Mcp.Admin.AdminConsoleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var group in AdminGroups)
        {
            options.AdminGroups.Add(group);
        }

        foreach (var key in ApiKeys)
        {
            options.ApiKeys.Add(new Auth0Mcp.Admin.AdminApiKey(key.Key, key.User, key.Groups));
        }

        options.Oidc.Authority = JwtAuthority;
        options.Oidc.ClientId = AdminClientId;
        options.Oidc.ClientSecret = AdminClientSecret;
        options.Oidc.SubjectClaim = SubjectClaim;
        options.Oidc.GroupsClaim = GroupsClaim;
        options.StoreFactory = _ => GovernanceStores.Open(Store);
        options.Catalog = AdminCommands.Catalog;
        options.GrantedScopes = () => AdminCommands.GrantedScopes(this);

        // What the tool pages show when the console runs alone against a store (inside 'serve' it reads the server's own).
        options.ArgumentRules = ArgumentPolicies;
        options.CallApprovals = CallApproval;
    }
#endif

    private void SetHttp(string value, string source, List<string> errors)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0 && uri.Fragment.Length == 0)
        {
            HttpUrl = uri;
        }
        else
        {
            errors.Add($"{source}: expected an http(s) URL such as http://127.0.0.1:8080 or http://127.0.0.1:8080/mcp, got '{value}'");
        }
    }

    private void SetMode(string value, string source, List<string> errors)
    {
        if (ToolsModeOptions.TryParseMode(value, out var mode))
        {
            ToolsMode = mode;
        }
        else
        {
            errors.Add($"{source}: expected full or progressive, got '{value}'");
        }
    }

    private static Uri? AbsoluteUrl(string value, string source, List<string> errors)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            return uri;
        }

        errors.Add($"{source} is not an absolute URL: '{value}'");
        return null;
    }

    private static int? Int(string value, string source, List<string> errors)
    {
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }

        errors.Add($"{source}: expected a whole number, got '{value}'");
        return null;
    }

    private static bool? Switch(string value, string source, List<string> errors)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "on" or "true" or "1" or "yes":
                return true;
            case "off" or "false" or "0" or "no":
                return false;
            default:
                errors.Add($"{source}: expected on or off, got '{value}'");
                return null;
        }
    }

    /// <summary>Runs <paramref name="parse"/>, adding its problems to <paramref name="errors"/> after <paramref name="prefix"/>.</summary>
    private static T Prefixed<T>(Func<List<string>, T> parse, List<string> errors, string prefix)
    {
        var found = new List<string>();
        var result = parse(found);
        errors.AddRange(found.Select(e => prefix + e));
        return result;
    }

    private static IEnumerable<JsonProperty> Properties(JsonProperty section, List<string> errors)
    {
        if (section.Value.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"config: {section.Name} must be an object");
            return [];
        }

        return section.Value.EnumerateObject().ToList();
    }

    private static string? Str(JsonProperty p, List<string> errors)
    {
        if (p.Value.ValueKind == JsonValueKind.String)
        {
            return p.Value.GetString();
        }

        if (p.Value.ValueKind != JsonValueKind.Null)
        {
            errors.Add($"config: {p.Name} must be a string");
        }

        return null;
    }

    private static int? Num(JsonProperty p, List<string> errors)
    {
        if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var n))
        {
            return n;
        }

        errors.Add($"config: {p.Name} must be a whole number");
        return null;
    }
}

/// <summary>The MCP server both transports share: the Auth0 tools, the tools mode, and (unless turned off) governance.</summary>
internal static class HostComposition
{
    public static IMcpServerBuilder AddAuth0Mcp(this IServiceCollection services, HostSettings settings)
    {
        var mcp = services
            .AddMcpServer(o => o.ServerInfo = new() { Name = "auth0-mcp", Version = typeof(HostComposition).Assembly.GetName().Version?.ToString(3) ?? "0.1.0" })
            .WithAuth0ManagementTools(settings.ApplyTo)
            .WithToolsMode(o =>
            {
                o.Mode = settings.ToolsMode;
                o.PageSize = settings.PageSize;
            });
        // A credential rotated with `auth0-mcp credentials rotate` reaches the next call without a restart.
        CredentialSettings.AddRotatableCredentials(services, settings);
        if (settings.Governance)
        {
            mcp.WithToolGovernance(settings.ApplyTo);
            services.AddSingleton<Auth0Mcp.Sdk.Auth.IAuth0CredentialEvents, GovernanceCredentialEvents>();
        }

        return mcp;
    }
}
