using System.Globalization;
using System.Text.Json;
using Auth0Mcp.Sdk;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Server;

/// <summary>How a setting's text is read, in the environment and for the type check before binding.</summary>
internal enum SettingKind
{
    /// <summary>Any text.</summary>
    Text,

    /// <summary>A whole number.</summary>
    Number,

    /// <summary>On or off (the environment also takes true/false, yes/no, 1/0).</summary>
    Switch,

    /// <summary>A list: a JSON array in the file, comma-separated in the environment.</summary>
    List,

    /// <summary><c>KEY=user[:group1,group2];…</c> in the environment, an array of <c>{"Key", "User", "Groups"}</c> in the file.</summary>
    ApiKeys,

    /// <summary>Structured JSON, in the file only (its JSON types matter: the operands of argument rules).</summary>
    Json,
}

/// <summary>One setting: its configuration key, its environment variable (if any), default and what it means.</summary>
/// <param name="Key">The configuration key, e.g. <c>Server:PageSize</c> (the file's <c>{"Server": {"PageSize": …}}</c>).</param>
/// <param name="Variable">The environment variable, or null for a file-only setting.</param>
/// <param name="Default">The default, in words.</param>
/// <param name="Meaning">What it does.</param>
/// <param name="Kind">How its text is read.</param>
internal sealed record Setting(string Key, string? Variable, string Default, string Meaning, SettingKind Kind = SettingKind.Text)
{
    /// <summary>How messages name it: <c>Server:PageSize (AUTH0_MCP_PAGE_SIZE)</c>.</summary>
    public string Label => Variable is null ? Key : $"{Key} ({Variable})";
}

/// <summary>Every setting of <see cref="HostSettings"/>: the one table the environment, the checks, --help and the docs use.</summary>
internal static class SettingsCatalog
{
    /// <summary>The environment variable naming the settings file (same as <c>--config</c>).</summary>
    public const string ConfigVariable = "AUTH0_MCP_CONFIG";

    public static readonly IReadOnlyList<Setting> All =
    [
        new("Auth0:Domain", "AUTH0_DOMAIN", "", "Tenant domain, e.g. your-tenant.us.auth0.com"),
        new("Auth0:Token", "AUTH0_TOKEN", "", "Management API bearer token"),
        new("Auth0:ClientId", "AUTH0_CLIENT_ID", "", "M2M application client id (with AUTH0_CLIENT_SECRET)"),
        new("Auth0:ClientSecret", "AUTH0_CLIENT_SECRET", "", "M2M application client secret"),
        new("Auth0:BaseUrl", "AUTH0_MCP_BASE_URL", "https://DOMAIN/api/v2", "Override the API base URL (e.g. a local mock; no /api/v2 is added)"),
        new("Auth0:CredentialsFile", "AUTH0_MCP_CREDENTIALS_FILE", "~/.config/auth0-mcp/credentials.json", "The file 'credentials rotate' writes; its credential wins, read again at the next call when it changes"),
        new("Server:Http", "AUTH0_MCP_HTTP", "(stdio)", "Serve Streamable HTTP at this URL instead of stdio (same as --http); its host is an IP address or localhost (0.0.0.0: every interface)"),
        new("Server:ToolsMode", "AUTH0_MCP_TOOLS_MODE", "full", "full or progressive (same as --tools-mode)"),
        new("Server:PageSize", "AUTH0_MCP_PAGE_SIZE", "100", "tools/list page size in full mode (0: one page)", SettingKind.Number),
        new("Server:MaxRequestBytes", "AUTH0_MCP_MAX_REQUEST_BYTES", "4194304", "The largest JSON-RPC message accepted (at least 1024)", SettingKind.Number),
        new("Server:MaxConcurrentRequestsPerCaller", "AUTH0_MCP_CALLER_CONCURRENCY", "8", "HTTP: requests one caller may have running at once; as many more wait, the rest get 429 (at least 1)", SettingKind.Number),
        new("Server:MaxSessionsPerCaller", "AUTH0_MCP_CALLER_SESSIONS", "32", "HTTP: MCP sessions one caller may have open at once; an initialize beyond them gets 429 (at least 1)", SettingKind.Number),
        new("Server:SessionIdleMinutes", "AUTH0_MCP_SESSION_IDLE_MINUTES", "30", "HTTP: minutes an MCP session may go without a request before it ends (at least 1)", SettingKind.Number),
        new("Server:MaxIdleSessions", "AUTH0_MCP_MAX_IDLE_SESSIONS", "10000", "HTTP: the most idle MCP sessions kept, all callers' together; past it the least recently used end (at least 1)", SettingKind.Number),
        new("Server:AllowedOrigins", "AUTH0_MCP_ALLOWED_ORIGINS", "(its own)", "HTTP: browser origins besides the server's own that may call it (comma-separated), e.g. https://app.example.com", SettingKind.List),
        new("Server:LogLevel", "AUTH0_MCP_LOG_LEVEL", "Warning", "The least level logged to stderr: Trace, Debug, Information, Warning, Error or Critical"),
        new("Server:LogFormat", "AUTH0_MCP_LOG_FORMAT", "text", "The log's format on stderr: text, or json (one object per line, with its UTC time)"),
        new("Governance:Enabled", "AUTH0_MCP_GOVERNANCE", "on", "on or off: approvals, profiles, hooks and audit", SettingKind.Switch),
        new("Governance:Store", "AUTH0_MCP_STORE", "LOCALAPPDATA/auth0-mcp/governance.db", "Governance store: a SQLite file path or a PostgreSQL connection string"),
        new("Governance:AuditKey", "AUTH0_MCP_AUDIT_KEY", "(key file)", "Audit keys inline (base64, at least 32 bytes, comma separated, the last seals new records)"),
        new("Governance:AuditKeyFile", "AUTH0_MCP_AUDIT_KEY_FILE", "STORE.audit-key", "The audit key file (created 0600)"),
        new("Governance:AuditCheckpoints", "AUTH0_MCP_AUDIT_CHECKPOINTS", "STORE.audit-checkpoints", "The signed checkpoint file"),
        new("Governance:User", "AUTH0_MCP_USER", "", "The caller's identity over stdio"),
        new("Governance:Groups", "AUTH0_MCP_GROUPS", "", "The caller's groups over stdio (comma-separated)", SettingKind.List),
        new("Governance:MaxOutputBytes", "AUTH0_MCP_MAX_OUTPUT_BYTES", "262144", "Results above this size are truncated with paging advice (at least 1024)", SettingKind.Number),
        new("Governance:ArgumentPolicies", null, "", "Typed rules on tools' arguments: [{\"Name\", \"Tools\", \"Path\", \"Max\": 50}]", SettingKind.Json),
        new("Governance:CallApproval", null, "(off)", "Per-call approval: {\"Default\", \"Expiry\", \"ElicitationTimeout\", \"MaxOpenRequestsPerCaller\", \"MaxOpenRequests\", \"MaxClosedRequestsKept\", \"Rules\"}", SettingKind.Json),
        new("Authentication:Jwt:Authority", "AUTH0_MCP_OIDC_AUTHORITY", "", "HTTP: OIDC issuer whose JWTs are accepted, e.g. https://login.example.com/"),
        new("Authentication:Jwt:Audience", "AUTH0_MCP_OIDC_AUDIENCE", "", "HTTP: the audience those JWTs must carry"),
        new("Authentication:Jwt:SubjectClaim", null, "sub", "The JWT claim naming the caller"),
        new("Authentication:Jwt:GroupsClaim", null, "groups", "The JWT claim listing the caller's groups"),
        new("Authentication:ApiKeys", "AUTH0_MCP_API_KEYS", "", "HTTP: static keys, KEY=user[:group1,group2];KEY2=user2 (at least 16 characters each)", SettingKind.ApiKeys),
        new("Authentication:LocalUser", "AUTH0_MCP_HTTP_LOCAL_USER", "off", "HTTP on a loopback address only: on = requests without credentials act as AUTH0_MCP_USER", SettingKind.Switch),
        new("Admin:Enabled", "AUTH0_MCP_ADMIN", "off", "HTTP: on = serve the admin console under /admin (auth0-mcp admin serves it alone)", SettingKind.Switch),
        new("Admin:Groups", "AUTH0_MCP_ADMIN_GROUPS", "", "The groups or roles (comma-separated) whose members administer the console", SettingKind.List),
        new("Admin:ClientId", "AUTH0_MCP_ADMIN_CLIENT_ID", "", "The console's OIDC client id at AUTH0_MCP_OIDC_AUTHORITY (authorization code + PKCE)"),
        new("Admin:ClientSecret", "AUTH0_MCP_ADMIN_CLIENT_SECRET", "", "The console's OIDC client secret, if the client has one"),
        new("Admin:SessionMinutes", "AUTH0_MCP_ADMIN_SESSION_MINUTES", "480", "How long a console session lasts from its sign-in, however active (5 to 1440 minutes); an OIDC session keeps its sign-in's groups that long", SettingKind.Number),
        new("Admin:PublicUrl", "AUTH0_MCP_ADMIN_URL", "(the request's)", "The console's public https origin behind a TLS-terminating proxy, e.g. https://console.example.com (OIDC redirect URI, Secure cookies)"),
    ];

    /// <summary>The members of an API key in the file: <c>{"Key", "User", "Groups": [...]}</c>.</summary>
    private static readonly string[] ApiKeyMembers = [nameof(ApiKeyEntry.Key), nameof(ApiKeyEntry.User), nameof(ApiKeyEntry.Groups)];

    /// <summary>The setting <paramref name="key"/> is, or is inside (a list item, an API key's field); null: unknown.</summary>
    /// <remarks>Whether <paramref name="key"/> is a place inside it that holds a value is <see cref="ShapeProblem"/>'s question.</remarks>
    public static Setting? Find(string key) =>
        All.FirstOrDefault(s => string.Equals(key, s.Key, StringComparison.OrdinalIgnoreCase)
            || (s.Kind is SettingKind.List or SettingKind.ApiKeys && key.StartsWith(s.Key + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// Why <paramref name="key"/>, inside the list or API keys <paramref name="setting"/> (<see cref="Find"/>), is no place
    /// of theirs, or null. A list's items are <c>KEY:N</c>, text; the API keys are an array of objects whose members are
    /// <c>Key</c>, <c>User</c> (text) and <c>Groups</c> (a list of text): <c>KEY:N:Key</c>, <c>KEY:N:User</c>,
    /// <c>KEY:N:Groups:M</c>. <paramref name="hasValue"/>: a value is set at <paramref name="key"/> (not an object or
    /// array holding others). Never quotes a value (an API key is a secret).
    /// </summary>
    public static string? ShapeProblem(Setting setting, string key, bool hasValue)
    {
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(key);
        var inner = key.Length <= setting.Key.Length ? [] : key[(setting.Key.Length + 1)..].Split(ConfigurationPath.KeyDelimiter);
        const string Text = "expected a list of text (a JSON array of strings, or one comma-separated string)";
        switch (setting.Kind)
        {
            case SettingKind.List:
                return inner.Length == 0 || (inner.Length == 1 && IsIndex(inner[0])) ? null : Text;
            case SettingKind.ApiKeys:
                const string Keys = "expected an array of API keys, [{\"Key\": …, \"User\": …, \"Groups\": [...]}] (KEY=user[:groups];… is the environment's form)";
                if (inner.Length == 0)
                {
                    return hasValue ? Keys : null;
                }

                if (!IsIndex(inner[0]))
                {
                    return Keys;
                }

                var label = $"API key #{int.Parse(inner[0], CultureInfo.InvariantCulture) + 1}";
                if (inner.Length == 1)
                {
                    return hasValue ? $"{label} is not an object {{\"Key\", \"User\", \"Groups\"}}" : null;
                }

                var member = ApiKeyMembers.FirstOrDefault(m => string.Equals(m, inner[1], StringComparison.OrdinalIgnoreCase));
                return member switch
                {
                    null => $"{label} has an unknown member '{TerminalText.Escape(inner[1])}' (members: {string.Join(", ", ApiKeyMembers)})",
                    nameof(ApiKeyEntry.Groups) when inner.Length == 2 || (inner.Length == 3 && IsIndex(inner[2])) => null,
                    nameof(ApiKeyEntry.Groups) => $"{label}'s Groups: {Text}",
                    _ when inner.Length == 2 => null,
                    _ => $"{label}'s {member}: expected text",
                };
            default:
                return null;
        }

        static bool IsIndex(string part) => part.Length is > 0 and < 10 && part.All(char.IsAsciiDigit);
    }

    /// <summary>A switch's text: on/off, true/false, yes/no or 1/0 (any case); null: none of these. The file and the environment read switches alike.</summary>
    public static bool? ParseSwitch(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "yes" or "1" => true,
        "off" or "false" or "no" or "0" => false,
        _ => null,
    };

    /// <summary>The configuration text of a switch <see cref="ParseSwitch"/> reads (what the binder takes), or <paramref name="text"/> unchanged.</summary>
    public static string SwitchValue(string text) => ParseSwitch(text) is { } on ? (on ? "true" : "false") : text;

    /// <summary>
    /// Sets the list <paramref name="key"/> to the comma-separated <paramref name="text"/> (<c>KEY:0</c>, <c>KEY:1</c>, …;
    /// a text whose every part holds <c>=</c> is one item, an LDAP distinguished name: <c>GroupNames</c>).
    /// </summary>
    public static void SetList(IDictionary<string, string?> data, string key, string text)
    {
        var items = GroupNames.SplitNonBlank(text).ToArray();
        for (var i = 0; i < items.Length; i++)
        {
            data[ConfigurationPath.Combine(key, i.ToString(CultureInfo.InvariantCulture))] = items[i];
        }
    }
}

/// <summary>
/// Builds <see cref="HostSettings"/> on Microsoft.Extensions.Configuration: the JSON settings file (<c>--config FILE</c>
/// or <c>AUTH0_MCP_CONFIG</c>), then the environment variables of <see cref="SettingsCatalog"/>, then the command line
/// (command line wins); bound by the configuration binding source generator, then checked by
/// <see cref="HostSettingsValidator"/>. Every problem is reported at once, naming the setting's key and variable.
/// </summary>
internal static class HostConfiguration
{
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

        return Load(HostArguments.From(parse), environment, adminOnly ? HostRole.Admin : HostRole.Serve);
    }

    /// <summary>Reads, binds and validates the settings for <paramref name="role"/>.</summary>
    /// <param name="cli">The command-line options.</param>
    /// <param name="environment">The environment (tests pass their own).</param>
    /// <param name="role">What is being started: the serving checks apply to <c>serve</c> and <c>admin</c> only.</param>
    /// <exception cref="UsageException">Every problem found, one per line.</exception>
    public static HostSettings Load(HostArguments cli, Func<string, string?>? environment = null, HostRole role = HostRole.Serve)
    {
        ArgumentNullException.ThrowIfNull(cli);
        environment ??= Environment.GetEnvironmentVariable;
        var errors = new List<string>();
        var builder = new ConfigurationBuilder();
        var file = cli.Config ?? (environment(SettingsCatalog.ConfigVariable) is { Length: > 0 } named ? named : null);
        var env = new SettingsEnvironmentSource(environment);
        if (file is not null)
        {
            // A list the environment sets replaces the file's whole list (not its first items, field by field).
            builder.Add(new SettingsFileSource(SettingsFilePath(file, cli.Config is not null ? "--config" : SettingsCatalog.ConfigVariable), env.Lists()));
        }

        builder.Add(env);
        builder.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Server:Http"] = cli.Http,
            ["Server:ToolsMode"] = cli.ToolsMode,
        }.Where(p => p.Value is not null));

        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or FormatException or JsonException)
        {
            throw UsageException.InvalidSettings([$"config file '{file}': {(ex.InnerException ?? ex).Message}"]);
        }

        errors.AddRange(env.Problems);
        var unbindable = Check(configuration, errors);
        if (unbindable.Count > 0)
        {
            // The binder would stop at the first value it cannot convert: leave those unset so every problem is found.
            configuration = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(unbindable.Select(k => new KeyValuePair<string, string?>(k, null))).Build();
        }

        var settings = new HostSettings { Role = role };
        configuration.Bind(settings);
        ReadRules(settings.Governance, errors);
        CheckAuditKey(settings.Governance, errors);
        var result = new HostSettingsValidator().Validate(null, settings);
        if (result.Failed)
        {
            errors.AddRange(result.Failures);
        }

        if (errors.Count > 0)
        {
            throw UsageException.InvalidSettings(errors);
        }

        return settings;
    }

    /// <summary>
    /// The full path of the settings file <paramref name="path"/> names (given by <paramref name="origin"/>:
    /// <c>--config</c> or <c>AUTH0_MCP_CONFIG</c>); an empty path, a folder or a file that is not there is a settings
    /// error naming <paramref name="origin"/>.
    /// </summary>
    private static string SettingsFilePath(string path, string origin)
    {
        string? problem;
        var full = "";
        if (string.IsNullOrWhiteSpace(path))
        {
            problem = $"{origin}: the settings file's path is empty: name a JSON settings file, or leave {origin} out";
        }
        else
        {
            var named = $"{origin} '{TerminalText.Escape(path)}'";
            try
            {
                full = Path.GetFullPath(path);
                problem = Directory.Exists(full) ? $"{named} is a folder: name a JSON settings file"
                    : File.Exists(full) ? null
                    : $"{named}: no such settings file";
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                problem = $"{named} is not a valid path";
            }
        }

        return problem is null ? full : throw UsageException.InvalidSettings([problem]);
    }

    /// <summary>Names unknown keys and values of the wrong kind; returns the keys the binder could not convert.</summary>
    private static List<string> Check(IConfiguration configuration, List<string> errors)
    {
        var unbindable = new List<string>();
        var sections = SettingsCatalog.All.Select(s => s.Key.Split(':')[0]).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var section in configuration.GetChildren())
        {
            if (!sections.Contains(section.Key))
            {
                errors.Add($"config: unknown section '{section.Key}' (sections: {string.Join(", ", sections)})");
            }
        }

        var shapes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in configuration.AsEnumerable().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!sections.Contains(key.Split(':')[0]))
            {
                continue;
            }

            var setting = SettingsCatalog.Find(key);
            if (setting is null)
            {
                if (value is not null)
                {
                    errors.Add($"config: unknown setting {key}");
                }

                continue;
            }

            // Inside a list or the API keys: only their items and members (a mistyped member is named, not dropped).
            if (SettingsCatalog.ShapeProblem(setting, key, value is not null) is { } shape)
            {
                if (shapes.Add(shape + setting.Key))
                {
                    errors.Add($"{setting.Label}: {shape}");
                }

                unbindable.Add(key);
                continue;
            }

            if (value is null)
            {
                continue;
            }

            var problem = setting.Kind switch
            {
                SettingKind.Number when !int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) => "expected a whole number",
                SettingKind.Switch when SettingsCatalog.ParseSwitch(value) is null => "expected on or off",
                _ => null,
            };
            if (problem is not null)
            {
                errors.Add($"{setting.Label}: {problem}, got '{value}'");
                unbindable.Add(key);
            }
        }

        return unbindable;
    }

    /// <summary>The inline audit keys parse (base64, at least 32 bytes each): checked with the other settings, not when the store opens.</summary>
    private static void CheckAuditKey(GovernanceSettings governance, List<string> errors)
    {
        if (governance.AuditKey is { Length: > 0 } inline)
        {
            try
            {
                _ = AuditKeyRing.Parse(inline, "Governance:AuditKey (AUTH0_MCP_AUDIT_KEY)");
            }
            catch (FormatException ex)
            {
                errors.Add(ex.Message);
            }
        }
    }

    /// <summary>Reads the structured rules (argument policies, call approval) from their JSON; problems named.</summary>
    private static void ReadRules(GovernanceSettings governance, List<string> errors)
    {
        if (Json(governance.ArgumentPolicies, "Governance:ArgumentPolicies", errors) is { } policies)
        {
            var found = new List<string>();
            governance.ArgumentRules = ArgumentPolicy.Parse(policies, found);
            // Each rule against the input schemas of the tools it names: a bad rule stops the server, named.
            found.AddRange(ArgumentPolicy.Validate(governance.ArgumentRules, Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors));
            errors.AddRange(found.Select(e => "Governance:ArgumentPolicies: " + e));
        }

        if (Json(governance.CallApproval, "Governance:CallApproval", errors) is { } approval)
        {
            var found = new List<string>();
            governance.CallApprovals = CallApprovalOptions.Parse(approval, found);
            // A rule's tool name or glob against the catalogue, as an argument policy's: one that matches no tool stops the server, named.
            found.AddRange(governance.CallApprovals.UnmatchedToolPatterns(Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors.Select(d => d.Name)));
            errors.AddRange(found.Select(e => "Governance: " + e));
        }
    }

    private static JsonElement? Json(string? text, string key, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            // The settings file allows comments and trailing commas, inside these sections too.
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            errors.Add($"{key}: not JSON: {ex.Message}");
            return null;
        }
    }

    /// <summary>Sets the Auth0 connection options from <paramref name="settings"/>.</summary>
    public static void ApplyTo(this HostSettings settings, Auth0ConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        var auth0 = settings.Auth0;
        options.Domain = auth0.Domain;
        options.Token = auth0.Token;
        options.ClientId = auth0.ClientId;
        options.ClientSecret = auth0.ClientSecret;
        if (auth0.BaseUrl is { Length: > 0 } baseUrl)
        {
            options.BaseUrl = new Uri(baseUrl);
        }

        options.MaxResponseBytes = settings.Governance.MaxOutputBytes;
    }

    /// <summary>Sets the governance options from <paramref name="settings"/>.</summary>
    public static void ApplyTo(this HostSettings settings, ToolGovernanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        var governance = settings.Governance;
        options.UseStore(_ => GovernanceStores.Open(governance));
        options.StdioIdentity = governance.StdioCaller;
        // Only the configured claims: a token's other claims (a "groups" beside the configured roles claim) grant nothing.
        // The API key and local user schemes issue these same claim types.
        options.SubjectClaimTypes.Clear();
        options.SubjectClaimTypes.Add(settings.Authentication.Jwt.SubjectClaim);
        options.GroupClaimTypes.Clear();
        options.GroupClaimTypes.Add(settings.Authentication.Jwt.GroupsClaim);
        options.AddArgumentPolicies(governance.ArgumentRules);
        if (governance.CallApprovals is { } approvals)
        {
            options.Hooks.Add(new CallApprovalHook(approvals));
        }

        // Who may sign in, for the server.started record (never a key: its fingerprint, as the call records name it).
        if (settings.HttpUrl is not null)
        {
            var auth = settings.Authentication;
            options.StartSettings["transport"] = "http";
            options.StartSettings["api_keys"] = auth.ApiKeys.Count == 0 ? "none" : string.Join(", ",
                auth.ApiKeys.Select(k => $"{k.User} {Http.ApiKeyAuthenticationHandler.Fingerprint(k.Key)}"));
            options.StartSettings["jwt_authority"] = auth.Jwt.Authority ?? "none";
            options.StartSettings["local_user"] = auth.LocalUser ? governance.StdioCaller?.User ?? "" : "off";
        }
        else
        {
            options.StartSettings["transport"] = "stdio";
            options.StartSettings["stdio_user"] = governance.StdioCaller?.User ?? "none";
        }
    }

#if ADMIN_CONSOLE
    /// <summary>Sets the admin console options from <paramref name="settings"/>.</summary>
    /// <summary>The OIDC scope besides <c>openid</c> and <c>profile</c> that carries the standard claim <paramref name="claim"/>, or null.</summary>
    internal static string? StandardClaimScope(string claim) => claim switch
    {
        "email" or "email_verified" => "email",
        "phone_number" or "phone_number_verified" => "phone",
        "address" => "address",
        _ => null,
    };

    public static void ApplyTo(this HostSettings settings, Auth0Mcp.Admin.AdminConsoleOptions options)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var group in settings.Admin.Groups)
        {
            options.AdminGroups.Add(group);
        }

        foreach (var key in settings.Authentication.ApiKeys)
        {
            options.ApiKeys.Add(new Auth0Mcp.Admin.AdminApiKey(key.Key, key.User, key.Groups));
        }

        var jwt = settings.Authentication.Jwt;
        options.Oidc.Authority = jwt.Authority;
        options.Oidc.ClientId = settings.Admin.ClientId;
        options.Oidc.ClientSecret = settings.Admin.ClientSecret;
        options.SessionLifetime = TimeSpan.FromMinutes(settings.Admin.SessionMinutes);
        options.PublicUrl = settings.Admin.PublicUrl is { Length: > 0 } publicUrl ? new Uri(publicUrl, UriKind.RelativeOrAbsolute) : null;
        options.Oidc.SubjectClaim = jwt.SubjectClaim;
        options.Oidc.GroupsClaim = jwt.GroupsClaim;
        // A standard claim outside the profile scope comes in the ID token only when its scope is asked for (OIDC Core
        // 5.4): with SubjectClaim "email" every console sign-in failed for a provider that follows that.
        if (StandardClaimScope(jwt.SubjectClaim) is { } subjectScope)
        {
            options.Oidc.Scopes.Add(subjectScope);
        }
        options.StoreFactory = _ => GovernanceStores.Open(settings.Governance);
        options.Catalog = AdminCommands.Catalog;
        options.GrantedScopes = () => AdminCommands.GrantedScopes(settings);

        // What the tool pages show when the console runs alone against a store (inside 'serve' it reads the server's own).
        options.ArgumentRules = settings.Governance.ArgumentRules;
        options.CallApprovals = settings.Governance.CallApprovals;
    }
#endif
}

/// <summary>
/// The settings file: JSON (comments and trailing commas allowed) read by the JSON configuration provider, except the
/// structured settings (<see cref="SettingKind.Json"/>), kept as their JSON text, and lists given as one
/// comma-separated string, which become lists.
/// </summary>
internal sealed class SettingsFileSource : JsonConfigurationSource
{
    /// <param name="path">The settings file.</param>
    /// <param name="replaced">
    /// The lists (and the API keys) set elsewhere (the environment): the file's values of these are left out, so the
    /// list set there replaces the file's whole list instead of only its first items (the configuration layers a list
    /// item by item, an API key member by member).
    /// </param>
    public SettingsFileSource(string path, IReadOnlyCollection<string> replaced)
    {
        var full = System.IO.Path.GetFullPath(path);
        Path = System.IO.Path.GetFileName(full);
        FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(System.IO.Path.GetDirectoryName(full)!);
        Optional = false;
        Replaced = replaced;
    }

    private IReadOnlyCollection<string> Replaced { get; }

    public override IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(this);

    private sealed class Provider(SettingsFileSource source) : JsonConfigurationProvider(source)
    {
        public override void Load(Stream stream)
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            buffer.Position = 0;
            base.Load(buffer);
            using var doc = JsonDocument.Parse(Utf8Bom.Skip(buffer.ToArray().AsMemory()), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            foreach (var setting in SettingsCatalog.All)
            {
                if (setting.Kind == SettingKind.Json && Find(doc.RootElement, setting.Key) is { } json)
                {
                    foreach (var inner in Data.Keys.Where(k => k.StartsWith(setting.Key + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase)).ToList())
                    {
                        Data.Remove(inner);
                    }

                    Data[setting.Key] = json.GetRawText();
                }
                else if (setting.Kind == SettingKind.List && Data.TryGetValue(setting.Key, out var text) && text is not null)
                {
                    Data.Remove(setting.Key);
                    SettingsCatalog.SetList(Data, setting.Key, text);
                }
                else if (setting.Kind == SettingKind.ApiKeys)
                {
                    // An API key's Groups given as one comma-separated string is a list too.
                    var groups = Data.Where(p => p.Value is not null && p.Key.EndsWith(ConfigurationPath.KeyDelimiter + nameof(ApiKeyEntry.Groups), StringComparison.OrdinalIgnoreCase)
                        && p.Key.StartsWith(setting.Key + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase)
                        && p.Key.Split(ConfigurationPath.KeyDelimiter).Length == setting.Key.Split(ConfigurationPath.KeyDelimiter).Length + 2).ToList();
                    foreach (var (key, list) in groups)
                    {
                        Data.Remove(key);
                        SettingsCatalog.SetList(Data, key, list!);
                    }
                }
                else if (setting.Kind == SettingKind.Switch && Data.TryGetValue(setting.Key, out var value) && value is not null)
                {
                    Data[setting.Key] = SettingsCatalog.SwitchValue(value);
                }
            }

            foreach (var key in Data.Keys.Where(k => source.Replaced.Any(r => string.Equals(k, r, StringComparison.OrdinalIgnoreCase)
                || k.StartsWith(r + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase))).ToList())
            {
                Data.Remove(key);
            }
        }

        private static JsonElement? Find(JsonElement element, string key)
        {
            foreach (var part in key.Split(':'))
            {
                if (element.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                var next = element.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, part, StringComparison.OrdinalIgnoreCase));
                if (next.Value.ValueKind == JsonValueKind.Undefined)
                {
                    return null;
                }

                element = next.Value;
            }

            return element;
        }
    }
}

/// <summary>The environment variables of <see cref="SettingsCatalog"/>, each set under its key (the documented names, not the <c>__</c> convention).</summary>
internal sealed class SettingsEnvironmentSource(Func<string, string?> environment) : IConfigurationSource
{
    private Func<string, string?> Read { get; } = environment;

    /// <summary>The keys of the lists (and the API keys) the environment sets, not blank: each replaces the settings file's whole list.</summary>
    public IReadOnlyCollection<string> Lists() =>
        SettingsCatalog.All.Where(s => s.Kind is SettingKind.List or SettingKind.ApiKeys && s.Variable is not null && !string.IsNullOrWhiteSpace(Read(s.Variable)))
            .Select(s => s.Key).ToList();

    /// <summary>Values that could not be read (malformed <c>AUTH0_MCP_API_KEYS</c> entries), after <see cref="Build"/>.</summary>
    public List<string> Problems { get; } = [];

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(this);

    private sealed class Provider(SettingsEnvironmentSource source) : ConfigurationProvider
    {
        public override void Load()
        {
            source.Problems.Clear();
            foreach (var setting in SettingsCatalog.All)
            {
                if (setting.Variable is null || source.Read(setting.Variable) is not { Length: > 0 } value)
                {
                    continue;
                }

                switch (setting.Kind)
                {
                    case SettingKind.Switch:
                        Data[setting.Key] = SettingsCatalog.SwitchValue(value);
                        break;
                    case SettingKind.List:
                        SettingsCatalog.SetList(Data, setting.Key, value);
                        break;
                    case SettingKind.ApiKeys:
                        ReadApiKeys(setting, value);
                        break;
                    default:
                        Data[setting.Key] = value;
                        break;
                }
            }
        }

        private void ReadApiKeys(Setting setting, string value)
        {
            var index = 0;
            var entries = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            for (var n = 0; n < entries.Length; n++)
            {
                var entry = entries[n];
                if (SplitApiKey(entry) is not (var key, var who) || key.Length == 0 || key[0] == '=' || who.Length == 0)
                {
                    source.Problems.Add($"{setting.Variable}: entry #{n + 1} is not KEY=user[:group1,group2]");
                    continue;
                }

                var colon = who.IndexOf(':', StringComparison.Ordinal);
                var user = (colon < 0 ? who : who[..colon]).Trim();
                if (user.Length == 0 || user[0] == '=')
                {
                    // KEY= =alice: the user never starts with '=' (a key's '=' padding is written against it: KEY==alice).
                    source.Problems.Add($"{setting.Variable}: entry #{n + 1} has " + (user.Length == 0 ? "no user" : "a user starting with '='")
                        + ": write KEY=user[:group1,group2], the key's '=' padding, if any, right before the '=' that starts the user (KEY==user)");
                    continue;
                }

                var item = ConfigurationPath.Combine(setting.Key, index.ToString(CultureInfo.InvariantCulture));
                Data[ConfigurationPath.Combine(item, nameof(ApiKeyEntry.Key))] = key;
                Data[ConfigurationPath.Combine(item, nameof(ApiKeyEntry.User))] = user;
                if (colon >= 0)
                {
                    SettingsCatalog.SetList(Data, ConfigurationPath.Combine(item, nameof(ApiKeyEntry.Groups)), who[(colon + 1)..]);
                }

                index++;
            }
        }
    }

    /// <summary>
    /// One <c>KEY=user[:groups]</c> entry of <c>AUTH0_MCP_API_KEYS</c> cut into the key and what follows it, at the last
    /// <c>=</c> of the entry's first run of <c>=</c>s: a key's base64 padding (<c>openssl rand -base64 16</c> ends in
    /// <c>==</c>) stays with the key, and a user never starts with <c>=</c>. Spaces around that <c>=</c> are the
    /// variable's layout, as around <c>;</c>, <c>:</c> and <c>,</c>, and are dropped (a client cannot send them: the
    /// header's value is trimmed). Null: the entry has no <c>=</c>. So the environment cannot give a key holding
    /// <c>;</c>, or <c>=</c> other than at its end; the settings file takes any key.
    /// </summary>
    private static (string Key, string Who)? SplitApiKey(string entry)
    {
        var first = entry.IndexOf('=', StringComparison.Ordinal);
        if (first < 0)
        {
            return null;
        }

        var last = first;
        while (last + 1 < entry.Length && entry[last + 1] == '=')
        {
            last++;
        }

        // The key is what comes before the run, with all of the run but the '=' that starts the user.
        return (entry[..last].TrimEnd(), entry[(last + 1)..].TrimStart());
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
                o.Mode = settings.Server.Mode;
                o.PageSize = settings.Server.PageSize;
            })
            .WithStartupTrim()
            // A credential rotated with `auth0-mcp credentials rotate` reaches the next call without a restart.
            .WithCredentialsFileCheck();
        // The credential it starts with (none, an expired token) is said on stderr, never checked against Auth0 at start.
        CredentialSettings.AddRotatableCredentials(services, settings, Console.Error);
        if (settings.Governance.Enabled)
        {
            mcp.WithToolGovernance(settings.ApplyTo);
            services.AddSingleton<Auth0Mcp.Sdk.Auth.IAuth0CredentialEvents, GovernanceCredentialEvents>();
        }
        else
        {
            // AUTH0_MCP_GOVERNANCE=off is the operator's explicit choice, not a forgotten line in a host.
            mcp.WithoutToolGovernance();
        }

        return mcp;
    }
}
