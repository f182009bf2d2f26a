using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Server;

/// <summary>
/// The Auth0 credential as the host uses it: the settings' <c>Auth0</c> values (<see cref="HostSettings"/>: file,
/// environment), then the credentials file written by <c>auth0-mcp credentials rotate</c>
/// (<c>Auth0:CredentialsFile</c> or <c>AUTH0_MCP_CREDENTIALS_FILE</c>, default <c>~/.config/auth0-mcp/credentials.json</c>),
/// a configuration source that wins and is read again when the file changes (<see cref="CredentialsFileCheck"/>, at
/// each call), so a rotation applies to the next call of a running server without a restart. The file gives the
/// credential only (<see cref="CredentialsFileSource"/>): any other key is an error at start and ignored after.
/// </summary>
internal static class CredentialSettings
{
    public const string Section = "Auth0";

    /// <summary>The credentials file <paramref name="settings"/> name, or the default.</summary>
    public static string CredentialsFile(Auth0Settings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.CredentialsFile is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "auth0-mcp", "credentials.json");
    }

    /// <summary>The credential configuration: <paramref name="settings"/>' Auth0 values, then the credentials file.</summary>
    public static IConfigurationRoot Build(HostSettings settings) => Build(settings, out _);

    /// <summary>As <see cref="Build(HostSettings)"/>; <paramref name="file"/> is the credentials file it reads (null when its folder cannot be created).</summary>
    private static IConfigurationRoot Build(HostSettings settings, out string? file)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var configuration = new ConfigurationBuilder();
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        void Map(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                values[$"{Section}:{key}"] = value;
            }
        }

        var auth0 = settings.Auth0;
        // The credentials file may override these, so the connection may never see them: they are masked all the same.
        JsonRedactor.RegisterSecretValues([.. new[] { auth0.Token, auth0.ClientSecret }.OfType<string>()]);
        Map(nameof(Auth0ConnectionOptions.Domain), auth0.Domain);
        Map(nameof(Auth0ConnectionOptions.Token), auth0.Token);
        Map(nameof(Auth0ConnectionOptions.ClientId), auth0.ClientId);
        Map(nameof(Auth0ConnectionOptions.ClientSecret), auth0.ClientSecret);
        Map(nameof(Auth0ConnectionOptions.BaseUrl), auth0.BaseUrl);
        configuration.AddInMemoryCollection(values);
        file = CredentialsFile(auth0);
        var folder = Path.GetDirectoryName(file)!;
        string? why = null;
        try
        {
            PrivateFiles.CreateDirectory(folder); // owner-only when made here: ~/.config/auth0-mcp holds secrets
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            why = $"the credentials file's folder '{folder}' cannot be created ({(ex is UnauthorizedAccessException ? "permission denied" : ex.Message)})";
        }

        // The default path a folder (a path given in the settings is refused as one with the other settings).
        why ??= Directory.Exists(file) ? $"the credentials file '{file}' is a folder" : null;
        if (why is not null)
        {
            // A folder named in the settings must work; the default one (under the home folder, which a hardened
            // container may make read-only) only costs the rotation without a restart, so the server still starts.
            if (auth0.CredentialsFile is { Length: > 0 })
            {
                throw UsageException.InvalidSettings([$"Auth0:CredentialsFile (AUTH0_MCP_CREDENTIALS_FILE): {why}"]);
            }

            Console.Error.WriteLine($"auth0-mcp: warning: {why}; `auth0-mcp credentials rotate` cannot reach this server. Set AUTH0_MCP_CREDENTIALS_FILE to a writable place to turn it on.");
            file = null;
            return configuration.Build();
        }

        // Read again by CredentialsFileCheck when the file changes, not watched: a watcher is a thread blocked on the
        // folder with a pinned buffer, which kept the start-up trim from compacting megabytes in front of it, and
        // polling allocates every few seconds in an idle server (docs/benchmarks-server.md, session 15).
        configuration.Add(new CredentialsFileSource
        {
            FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(folder),
            Path = Path.GetFileName(file),
            Optional = true,
            ReloadOnChange = false,
        });
        IConfigurationRoot root;
        try
        {
            root = configuration.Build();
        }
        catch (InvalidDataException)
        {
            throw UsageException.InvalidSettings([Unreadable(file)]);
        }

        // A token no bearer header can carry ("Bearer …", a line break): an error at start, as it is in the settings.
        if (RejectedToken(root) is { } rejected)
        {
            throw UsageException.InvalidSettings([BadToken(file, rejected)]);
        }

        // Keys other than the credential's: an error at start (what the file meant to change would silently not change).
        if (IgnoredKeys(root) is { Count: > 0 } ignored)
        {
            throw UsageException.InvalidSettings([OtherKeys(file, ignored)]);
        }

        return root;
    }

    /// <summary>The keys the credentials file set that are not the credential's (dropped, never applied).</summary>
    internal static IReadOnlyList<string> IgnoredKeys(IConfigurationRoot configuration) =>
        configuration.Providers.OfType<CredentialsFileProvider>().FirstOrDefault()?.Ignored ?? [];

    /// <summary>Why the credentials file's last read was not applied (its token's shape), or null.</summary>
    internal static string? RejectedToken(IConfigurationRoot configuration) =>
        configuration.Providers.OfType<CredentialsFileProvider>().FirstOrDefault()?.RejectedToken;

    /// <summary>What is said of a credentials file whose token fails the shape check (<paramref name="problem"/>; never the token).</summary>
    internal static string BadToken(string file, string problem) =>
        $"the credentials file '{file}': its Auth0:Token {problem}: fix it, or remove it and write it again with 'auth0-mcp credentials rotate'";

    /// <summary>What is said of a credentials file that sets <paramref name="keys"/> besides the credential (their names, never a value).</summary>
    internal static string OtherKeys(string file, IReadOnlyList<string> keys)
    {
        const int Shown = 5;
        var names = string.Join(", ", keys.Take(Shown).Select(k => TerminalText.Escape(k.Length > 64 ? k[..64] + "…" : k)));
        var more = keys.Count > Shown ? $" and {keys.Count - Shown} more" : "";
        return $"the credentials file '{file}' sets {names}{more}: it may set only Auth0:Token, Auth0:ClientId and Auth0:ClientSecret. "
            + "Set the tenant, the base URL and the rest in the settings (AUTH0_DOMAIN, AUTH0_MCP_BASE_URL, --config), and remove these keys from the file";
    }

    /// <summary>How the credentials file is read, as the configuration's JSON provider reads it (comments, trailing commas).</summary>
    private static readonly JsonDocumentOptions FileJson = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>What is said of a credentials file that is not a JSON object (never its content: it holds secrets).</summary>
    internal static string Unreadable(string file) => Directory.Exists(file)
        ? $"the credentials file '{file}' is a folder: remove it, or set AUTH0_MCP_CREDENTIALS_FILE to a file's path, and write it again with 'auth0-mcp credentials rotate'"
        : $"the credentials file '{file}' is not a valid JSON settings file: fix it, or remove it and write it again with 'auth0-mcp credentials rotate'";

    /// <summary>Whether <paramref name="file"/> parses as a JSON object (a missing file counts as one: there is nothing to read).</summary>
    internal static bool IsReadable(string file)
    {
        try
        {
            using var document = JsonDocument.Parse(Utf8Bom.Skip(File.ReadAllBytes(file).AsMemory()), FileJson);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return true;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Binds <see cref="Auth0ConnectionOptions"/> to <see cref="Build(HostSettings)"/> (registered after the host's own
    /// settings, so a rotated credential in the file wins) and registers the <see cref="CredentialsFileCheck"/> that
    /// reads the file again when it changes. A server (<c>serve</c>) gives <paramref name="startupWarnings"/>: the
    /// <see cref="StartupWarning"/> about the credential it starts with goes there.
    /// </summary>
    public static void AddRotatableCredentials(IServiceCollection services, HostSettings settings, TextWriter? startupWarnings = null)
    {
        var configuration = Build(settings, out var file);
        var origin = new CredentialOrigin(configuration, file);
        services.Configure<Auth0ConnectionOptions>(configuration.GetSection(Section));
        services.AddSingleton(new CredentialsFileCheck(configuration, file));
        services.AddSingleton<Auth0Mcp.Sdk.Auth.IAuth0CredentialOrigin>(origin);
        if (startupWarnings is not null)
        {
            foreach (var warning in StartupWarnings(configuration, origin, DateTimeOffset.UtcNow))
            {
                startupWarnings.WriteLine("auth0-mcp: warning: " + warning);
            }
        }
    }

    /// <summary>How soon before a static token's expiry the server warns at start that it expires (24 h).</summary>
    internal static readonly TimeSpan ExpiryNotice = TimeSpan.FromHours(24);

    /// <summary>
    /// What a server says on stderr at start about its credential, a line each: what is wrong with it
    /// (<see cref="StartupWarning"/>), then, when the credentials file supplies it, the settings' credential values it
    /// leaves unused (<see cref="UnusedSettings"/>). Never a token or a secret.
    /// </summary>
    internal static IEnumerable<string> StartupWarnings(IConfigurationRoot configuration, CredentialOrigin origin, DateTimeOffset now)
    {
        if (StartupWarning(configuration, origin, now) is { } warning)
        {
            yield return warning;
        }

        if (UnusedSettings(configuration, origin) is { } unused)
        {
            yield return unused;
        }
    }

    /// <summary>
    /// When the credentials file (<c>credentials rotate</c> wrote it) supplies the credential in effect while the settings
    /// (the environment, the settings file) set one too, which of the settings' values are not used: the file wins, so
    /// an <c>AUTH0_TOKEN</c> set later would be ignored without a word. Null when nothing of the settings is unused.
    /// </summary>
    internal static string? UnusedSettings(IConfigurationRoot configuration, CredentialOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(origin);
        if (origin.File is not { } file)
        {
            return null;
        }

        static bool IsSet(string? value) => value is not null && Auth0Mcp.Sdk.Auth.Auth0CredentialSnapshot.IsSet(value);
        string[] keys = [nameof(Auth0ConnectionOptions.Token), nameof(Auth0ConnectionOptions.ClientId), nameof(Auth0ConnectionOptions.ClientSecret)];
        // The credential in effect: a token wins over client credentials.
        // The settings' values unused because of the file: one it sets too (even empty: a token cleared when client
        // credentials were rotated in), and, when the file gives the credential in effect, the other kind's.
        var used = IsSet(configuration[$"{Section}:{keys[0]}"]) ? keys[..1] : keys[1..];
        var fileSupplies = used.Any(origin.FromFile);
        var settings = configuration.Providers.Where(p => p is not CredentialsFileProvider).ToList();
        var unused = keys
            .Where(k => settings.Exists(p => p.TryGet($"{Section}:{k}", out var value) && IsSet(value)) && (origin.FromFile(k) || (fileSupplies && !used.Contains(k))))
            .Select(k => $"{SettingsCatalog.Find($"{Section}:{k}")?.Variable} (the settings' {Section}:{k})")
            .ToList();
        return unused.Count == 0
            ? null
            : $"the credentials file {file} supplies the Auth0 credential; {(unused.Count == 1 ? unused[0] : $"{string.Join(", ", unused[..^1])} and {unused[^1]}")} {(unused.Count == 1 ? "is" : "are")} not used "
                + "(remove the file, or run `auth0-mcp credentials rotate` to change it)";
    }

    /// <summary>
    /// What is wrong, at <paramref name="now"/>, with the credential a server starts with (the settings', or the
    /// credentials file's, which wins): none configured, or a static token whose JWT <c>exp</c> has passed or comes
    /// within <see cref="ExpiryNotice"/>; null when nothing is known to be wrong. Read from the configuration alone:
    /// nothing is sent (discovery works without a credential, and the first call proves it). Never the token.
    /// </summary>
    internal static string? StartupWarning(IConfiguration configuration, CredentialOrigin origin, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(origin);
        string? Value(string key) => configuration[$"{Section}:{key}"] is { } value && Auth0Mcp.Sdk.Auth.Auth0CredentialSnapshot.IsSet(value) ? value.Trim() : null;
        const string Until = "every call will fail until AUTH0_TOKEN / AUTH0_CLIENT_ID+SECRET is set or `auth0-mcp credentials rotate` supplies one";
        var token = Value(nameof(Auth0ConnectionOptions.Token));
        if (token is null)
        {
            var id = Value(nameof(Auth0ConnectionOptions.ClientId)) is not null;
            var secret = Value(nameof(Auth0ConnectionOptions.ClientSecret)) is not null;
            var half = id == secret ? "" : id ? " (AUTH0_CLIENT_ID is set, AUTH0_CLIENT_SECRET is not)" : " (AUTH0_CLIENT_SECRET is set, AUTH0_CLIENT_ID is not)";
            return id && secret ? null : $"no Auth0 credential configured{half}: tools are listed, {Until}";
        }

        // Client credentials renew themselves; a token used as it is ends at its exp (an opaque token: not known here).
        if (Auth0Mcp.Sdk.Auth.Auth0TokenClaims.Read(token)?.ExpiresAt is not { } expires || expires - now > ExpiryNotice)
        {
            return null;
        }

        var at = expires.ToString("u", System.Globalization.CultureInfo.InvariantCulture);
        var from = origin.From(nameof(Auth0ConnectionOptions.Token));
        const string Renew = "set a new token (AUTH0_TOKEN, or `auth0-mcp credentials rotate`), or client credentials (AUTH0_CLIENT_ID+SECRET), which renew themselves";
        if (expires <= now)
        {
            return $"the Auth0 token from {from} expired at {at}: tools are listed, every call will fail until you {Renew}";
        }

        var left = expires - now;
        var within = left.TotalHours >= 1
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(int)left.TotalHours} h {left.Minutes} min")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Math.Max(1, (int)Math.Ceiling(left.TotalMinutes))} min");
        return $"the Auth0 token from {from} expires at {at} (in {within}): every call will fail from then until you {Renew}";
    }

    /// <summary>
    /// Writes a rotated credential into <paramref name="file"/> (<see cref="PrepareCredentials"/>, then
    /// <see cref="CredentialsUpdate.Write"/>); returns what changed.
    /// </summary>
    public static IReadOnlyList<string> WriteCredentials(string file, string? token, string? clientId, string? clientSecret, bool clearToken = false)
    {
        var update = PrepareCredentials(file, token, clientId, clientSecret, clearToken);
        update.Write();
        return update.Changed;
    }

    /// <summary>
    /// What writing a rotated credential into <paramref name="file"/> changes, and the file's new content, without
    /// writing it (<c>credentials rotate</c> records the rotation first). <paramref name="clearToken"/> empties the file's
    /// token, which would otherwise win over the client credentials being written (and hides a token the settings give).
    /// </summary>
    /// <exception cref="UsageException">The file exists and is not a JSON object.</exception>
    public static CredentialsUpdate PrepareCredentials(string file, string? token, string? clientId, string? clientSecret, bool clearToken = false)
    {
        if (!IsReadable(file))
        {
            throw new UsageException("credentials rotate: " + Unreadable(file));
        }

        if (Auth0Mcp.Sdk.Auth.Auth0TokenProvider.TokenShapeProblem(token) is { } problem)
        {
            // A running server would not apply it (CredentialsFileCheck): refused before anything is recorded or written.
            throw new UsageException($"credentials rotate: the new token {problem} (nothing was written)");
        }

        var root = File.Exists(file) ? JsonNode.Parse(File.ReadAllText(file), documentOptions: FileJson) as JsonObject ?? new JsonObject() : new JsonObject();
        var section = root[Section] as JsonObject ?? new JsonObject();
        root[Section] = section;
        var changed = new List<string>();
        void Set(string key, string? value, string? name = null)
        {
            if (value is null)
            {
                return;
            }

            section[key] = value;
            changed.Add(name ?? key);
        }

        Set(nameof(Auth0ConnectionOptions.Token), token ?? (clearToken ? "" : null), token is null ? "Token (cleared)" : null);
        Set(nameof(Auth0ConnectionOptions.ClientId), clientId);
        Set(nameof(Auth0ConnectionOptions.ClientSecret), clientSecret);
        return new CredentialsUpdate(file, changed, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}

/// <summary>A rotated credential ready to be written to <see cref="File"/> (<see cref="CredentialSettings.PrepareCredentials"/>).</summary>
internal sealed class CredentialsUpdate(string file, IReadOnlyList<string> changed, string content)
{
    /// <summary>The credentials file.</summary>
    public string File { get; } = file;

    /// <summary>What changes: <c>Token</c>, <c>Token (cleared)</c>, <c>ClientId</c>, <c>ClientSecret</c>.</summary>
    public IReadOnlyList<string> Changed { get; } = changed;

    /// <summary>Writes the file: owner-only permissions from the moment it exists, then moved into place.</summary>
    public void Write()
    {
        PrivateFiles.CreateDirectory(Path.GetDirectoryName(File)!);

        // A name of its own (two rotations at once do not share one), created owner-only: the secret is never
        // readable by others, not even between the write and a chmod.
        var temp = $"{File}.{Guid.NewGuid():N}.tmp";
        var options = PrivateFiles.Options(FileMode.CreateNew, FileAccess.Write, FileShare.None);
        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(System.Text.Encoding.UTF8.GetBytes(content));
                stream.Flush(flushToDisk: true);
            }

            System.IO.File.Move(temp, File, overwrite: true);
        }
        catch
        {
            System.IO.File.Delete(temp);
            throw;
        }
    }
}

/// <summary>
/// The credentials file as a configuration source that gives only the credential: <c>Auth0:Token</c>,
/// <c>Auth0:ClientId</c> and <c>Auth0:ClientSecret</c>. Any other key (<c>Auth0:Domain</c>, <c>Auth0:BaseUrl</c>,
/// <c>Auth0:TokenEndpoint</c>, …) is dropped when the file is read, never applied, and named in
/// <see cref="CredentialsFileProvider.Ignored"/>: whoever can write the file can change the credential, not where the
/// credential is sent.
/// </summary>
internal sealed class CredentialsFileSource : Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
{
    /// <inheritdoc />
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new CredentialsFileProvider(this);
    }
}

/// <summary>
/// Reads <see cref="CredentialsFileSource"/>: the JSON file, then only the credential's keys. A file whose token a
/// bearer header cannot carry (<see cref="Auth0Mcp.Sdk.Auth.Auth0TokenProvider.TokenShapeProblem"/>) is not applied:
/// the values read before stay, and <see cref="RejectedToken"/> says why.
/// </summary>
internal sealed class CredentialsFileProvider(CredentialsFileSource source) : Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider(source)
{
    private static readonly string[] CredentialKeys =
    [
        $"{CredentialSettings.Section}:{nameof(Auth0ConnectionOptions.Token)}",
        $"{CredentialSettings.Section}:{nameof(Auth0ConnectionOptions.ClientId)}",
        $"{CredentialSettings.Section}:{nameof(Auth0ConnectionOptions.ClientSecret)}",
    ];

    /// <summary>The keys the last read dropped, sorted.</summary>
    public IReadOnlyList<string> Ignored { get; private set; } = [];

    /// <summary>What is wrong with the token of the last read, which was therefore not applied (null: it was).</summary>
    public string? RejectedToken { get; private set; }

    /// <inheritdoc />
    public override void Load()
    {
        // A missing file is not read by Load(Stream): nothing is dropped then.
        Ignored = [];
        RejectedToken = null;
        base.Load();
    }

    /// <inheritdoc />
    public override void Load(Stream stream)
    {
        var before = Data;
        base.Load(stream);
        if (Data.TryGetValue(CredentialKeys[0], out var token) && Auth0Mcp.Sdk.Auth.Auth0TokenProvider.TokenShapeProblem(token) is { } problem)
        {
            // Like a file that is not JSON: nothing of it applies (not even its client id), the credential in effect stays.
            Data = before;
            RejectedToken = problem;
            return;
        }

        // An empty "Auth0": {} is read as the section's own key, without a value: nothing set.
        var ignored = Data
            .Where(p => !CredentialKeys.Contains(p.Key, StringComparer.OrdinalIgnoreCase)
                && !(p.Value is null && string.Equals(p.Key, CredentialSettings.Section, StringComparison.OrdinalIgnoreCase)))
            .Select(p => p.Key)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
        foreach (var key in ignored)
        {
            Data.Remove(key);
        }

        Ignored = ignored;
    }
}

/// <summary>
/// Reads the credentials file again when it has changed (the size and last write time of the file it resolves to,
/// so a symbolic link swapped to a new target, as a Kubernetes Secret volume does, counts as a change), checked before
/// each <c>tools/call</c> and <c>tools/list</c> with one <c>stat</c>: a rotation reaches the very next call, and an idle
/// server does no work for it. The reload reaches <see cref="Auth0ConnectionOptions"/> (and the credential store, which
/// audits the rotation) before the call goes on. A changed file that is not valid JSON (a half-written edit), or whose
/// token a bearer header cannot carry (<c>Bearer …</c>, a line break), is not applied: the server keeps the credential
/// it has, says so once on standard error (naming the key, never the value), and reads the file again when it changes next.
/// </summary>
internal sealed class CredentialsFileCheck(IConfigurationRoot configuration, string? file)
{
    private readonly Lock _lock = new();
    private (string? Target, DateTime Written, long Length) _seen = Stamp(file);

    /// <summary>Reloads the credential configuration when the file differs from when it was last read.</summary>
    public void Check()
    {
        if (file is null)
        {
            return;
        }

        var now = Stamp(file);
        lock (_lock)
        {
            if (now == _seen)
            {
                return;
            }

            _seen = now;
            if (!CredentialSettings.IsReadable(file))
            {
                Console.Error.WriteLine($"auth0-mcp: warning: {CredentialSettings.Unreadable(file)}; the server keeps the credential it has.");
                return;
            }

            try
            {
                configuration.Reload();
            }
            catch (InvalidDataException)
            {
                // Changed again between the check and the read: the options keep the credential they have.
                Console.Error.WriteLine($"auth0-mcp: warning: {CredentialSettings.Unreadable(file)}; the server keeps the credential it has.");
                return;
            }

            if (CredentialSettings.RejectedToken(configuration) is { } rejected)
            {
                Console.Error.WriteLine($"auth0-mcp: warning: {CredentialSettings.BadToken(file, rejected)}; it is not applied: the server keeps the credential it has.");
                return;
            }

            // A running server cannot refuse to start: the other keys are dropped (the credential in the file applies), and it says so.
            if (CredentialSettings.IgnoredKeys(configuration) is { Count: > 0 } ignored)
            {
                Console.Error.WriteLine($"auth0-mcp: warning: {CredentialSettings.OtherKeys(file, ignored)}; they are ignored.");
            }
        }
    }

    private static (string?, DateTime, long) Stamp(string? file)
    {
        if (file is null)
        {
            return default;
        }

        try
        {
            FileSystemInfo info = new FileInfo(file);
            // The link flag comes with the stat just made; only a link costs a readlink and a second stat.
            if (info.Exists && info.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
            }

            return info is FileInfo { Exists: true } target ? (target.FullName, target.LastWriteTimeUtc, target.Length) : default;
        }
        catch (IOException)
        {
            // A link loop or a target being swapped: no stamp, so the next call looks again.
            return default;
        }
    }
}

/// <summary>
/// Where the credential in effect comes from, for the doctor: the credentials file (which wins) or the settings
/// (<c>Auth0:Token</c>, <c>AUTH0_TOKEN</c>, ...), found as the configuration finds each value: the last source that sets it.
/// A client id and secret from different places name both.
/// </summary>
internal sealed class CredentialOrigin(IConfigurationRoot configuration, string? file) : Auth0Mcp.Sdk.Auth.IAuth0CredentialOrigin
{
    /// <inheritdoc />
    public string? Describe(Auth0Mcp.Sdk.Auth.Auth0CredentialSnapshot credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        switch (credential.Kind)
        {
            case Auth0Mcp.Sdk.Auth.Auth0CredentialKind.StaticToken:
                return From(nameof(Auth0ConnectionOptions.Token));
            case Auth0Mcp.Sdk.Auth.Auth0CredentialKind.ClientCredentials:
                var id = From(nameof(Auth0ConnectionOptions.ClientId));
                var secret = From(nameof(Auth0ConnectionOptions.ClientSecret));
                return id == secret ? id : $"{id} (client id) and {secret} (client secret)";
            default:
                return null;
        }
    }

    /// <summary>The credentials file read (null when its folder cannot be created).</summary>
    internal string? File => file;

    /// <summary>Where the configuration's <c>Auth0:</c><paramref name="key"/> comes from, e.g. <c>the settings' Auth0:Token (AUTH0_TOKEN)</c>.</summary>
    internal string From(string key) => FromFile(key)
        ? $"the credentials file {file}"
        : $"the settings' {CredentialSettings.Section}:{key} ({SettingsCatalog.Find($"{CredentialSettings.Section}:{key}")?.Variable})";

    /// <summary>Whether the configuration's <c>Auth0:</c><paramref name="key"/> comes from the credentials file (it sets it, even empty: it wins).</summary>
    internal bool FromFile(string key)
    {
        var path = $"{CredentialSettings.Section}:{key}";
        return file is not null && configuration.Providers.LastOrDefault(p => p.TryGet(path, out _)) is CredentialsFileProvider;
    }
}

/// <summary>
/// Runs <see cref="CredentialsFileCheck"/> in front of every <c>tools/call</c> and <c>tools/list</c>: outermost, so that
/// governance decides on the token's scopes and the tool calls with the same, current credential.
/// </summary>
internal static class CredentialsFileCheckExtensions
{
    public static IMcpServerBuilder WithCredentialsFileCheck(this IMcpServerBuilder builder)
    {
        builder.Services.AddOptions<McpServerOptions>().PostConfigure<CredentialsFileCheck>((o, check) =>
        {
            o.Filters.Request.CallToolFilters.Insert(0, next => (context, cancellationToken) =>
            {
                check.Check();
                return next(context, cancellationToken);
            });
            o.Filters.Request.ListToolsFilters.Insert(0, next => (context, cancellationToken) =>
            {
                check.Check();
                return next(context, cancellationToken);
            });
        });
        return builder;
    }
}
