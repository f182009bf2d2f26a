using System.Text.Json;
using System.Text.Json.Nodes;
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
/// each call), so a rotation applies to the next call of a running server without a restart.
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
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A folder named in the settings must work; the default one (under the home folder, which a hardened
            // container may make read-only) only costs the rotation without a restart, so the server still starts.
            var why = $"the credentials file's folder '{folder}' cannot be created ({(ex is UnauthorizedAccessException ? "permission denied" : ex.Message)})";
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
        configuration.AddJsonFile(new Microsoft.Extensions.FileProviders.PhysicalFileProvider(folder), Path.GetFileName(file), optional: true, reloadOnChange: false);
        return configuration.Build();
    }

    /// <summary>
    /// Binds <see cref="Auth0ConnectionOptions"/> to <see cref="Build(HostSettings)"/> (registered after the host's own
    /// settings, so a rotated credential in the file wins) and registers the <see cref="CredentialsFileCheck"/> that
    /// reads the file again when it changes.
    /// </summary>
    public static void AddRotatableCredentials(IServiceCollection services, HostSettings settings)
    {
        var configuration = Build(settings, out var file);
        services.Configure<Auth0ConnectionOptions>(configuration.GetSection(Section));
        services.AddSingleton(new CredentialsFileCheck(configuration, file));
    }

    /// <summary>Writes a rotated credential into <paramref name="file"/> (owner-only permissions); returns what changed.</summary>
    public static IReadOnlyList<string> WriteCredentials(string file, string? token, string? clientId, string? clientSecret)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var root = File.Exists(file) ? JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? new JsonObject() : new JsonObject();
        var section = root[Section] as JsonObject ?? new JsonObject();
        root[Section] = section;
        var changed = new List<string>();
        void Set(string key, string? value)
        {
            if (value is null)
            {
                return;
            }

            section[key] = value;
            changed.Add(key);
        }

        Set(nameof(Auth0ConnectionOptions.Token), token);
        Set(nameof(Auth0ConnectionOptions.ClientId), clientId);
        Set(nameof(Auth0ConnectionOptions.ClientSecret), clientSecret);
        var temp = file + ".tmp";
        File.WriteAllText(temp, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, file, overwrite: true);
        return changed;
    }
}

/// <summary>
/// Reads the credentials file again when it has changed (its size or last write time), checked before each
/// <c>tools/call</c> and <c>tools/list</c> with one <c>stat</c>: a rotation reaches the very next call, and an idle
/// server does no work for it. The reload reaches <see cref="Auth0ConnectionOptions"/> (and the credential store, which
/// audits the rotation) before the call goes on.
/// </summary>
internal sealed class CredentialsFileCheck(IConfigurationRoot configuration, string? file)
{
    private readonly Lock _lock = new();
    private (DateTime Written, long Length) _seen = Stamp(file);

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
            configuration.Reload();
        }
    }

    private static (DateTime, long) Stamp(string? file)
    {
        if (file is null)
        {
            return default;
        }

        var info = new FileInfo(file);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
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
