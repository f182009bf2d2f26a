using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.Configuration;

namespace Auth0Mcp.Server;

/// <summary>
/// The Auth0 credential as the host uses it: the settings' <c>Auth0</c> values (<see cref="HostSettings"/>: file,
/// environment), then the credentials file written by <c>auth0-mcp credentials rotate</c>
/// (<c>Auth0:CredentialsFile</c> or <c>AUTH0_MCP_CREDENTIALS_FILE</c>, default <c>~/.config/auth0-mcp/credentials.json</c>),
/// a reloading configuration source that wins, so a rotation applies to the next call of a running server without a restart.
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

    /// <summary>The credential configuration: <paramref name="settings"/>' Auth0 values, then the watched credentials file.</summary>
    public static IConfigurationRoot Build(HostSettings settings)
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
        Map(nameof(Auth0ConnectionOptions.Domain), auth0.Domain);
        Map(nameof(Auth0ConnectionOptions.Token), auth0.Token);
        Map(nameof(Auth0ConnectionOptions.ClientId), auth0.ClientId);
        Map(nameof(Auth0ConnectionOptions.ClientSecret), auth0.ClientSecret);
        Map(nameof(Auth0ConnectionOptions.BaseUrl), auth0.BaseUrl);
        configuration.AddInMemoryCollection(values);
        var file = CredentialsFile(auth0);
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
            return configuration.Build();
        }

        configuration.AddJsonFile(new Microsoft.Extensions.FileProviders.PhysicalFileProvider(folder), Path.GetFileName(file), optional: true, reloadOnChange: true);
        return configuration.Build();
    }

    /// <summary>
    /// Binds <see cref="Auth0ConnectionOptions"/> to <see cref="Build"/> (registered after the host's own settings, so a
    /// rotated credential in the file wins), and audits every rotation.
    /// </summary>
    public static void AddRotatableCredentials(Microsoft.Extensions.DependencyInjection.IServiceCollection services, HostSettings settings) =>
        Microsoft.Extensions.DependencyInjection.OptionsConfigurationServiceCollectionExtensions.Configure<Auth0ConnectionOptions>(services, Build(settings).GetSection(Section));

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
