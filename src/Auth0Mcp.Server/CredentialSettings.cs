using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.Configuration;

namespace Auth0Mcp.Server;

/// <summary>
/// Where the host's settings come from: the environment (<c>AUTH0_*</c>), then the credentials file written by
/// <c>auth0-mcp credentials rotate</c> (<c>AUTH0_MCP_CREDENTIALS_FILE</c>, default
/// <c>~/.config/auth0-mcp/credentials.json</c>), which wins and is watched, so a rotation applies to the next call
/// of a running server without a restart.
/// </summary>
internal static class CredentialSettings
{
    public const string Section = "Auth0";

    public static string CredentialsFile =>
        Environment.GetEnvironmentVariable("AUTH0_MCP_CREDENTIALS_FILE") is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "auth0-mcp", "credentials.json");

    public static string? Store => Environment.GetEnvironmentVariable("AUTH0_MCP_STORE") is { Length: > 0 } store ? store : null;

    /// <summary>Adds the environment's Auth0 settings and the watched credentials file to <paramref name="configuration"/>.</summary>
    public static void AddSources(IConfigurationBuilder configuration)
    {
        var fromEnvironment = new Dictionary<string, string?>(StringComparer.Ordinal);
        void Map(string variable, string key)
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                fromEnvironment[$"{Section}:{key}"] = value;
            }
        }

        Map("AUTH0_DOMAIN", nameof(Auth0ConnectionOptions.Domain));
        Map("AUTH0_TOKEN", nameof(Auth0ConnectionOptions.Token));
        Map("AUTH0_CLIENT_ID", nameof(Auth0ConnectionOptions.ClientId));
        Map("AUTH0_CLIENT_SECRET", nameof(Auth0ConnectionOptions.ClientSecret));
        Map("AUTH0_MCP_BASE_URL", nameof(Auth0ConnectionOptions.BaseUrl));
        if (Environment.GetEnvironmentVariable("AUTH0_MCP_BASE_URL") is { Length: > 0 } baseUrl && !Uri.TryCreate(baseUrl, UriKind.Absolute, out _))
        {
            throw new UsageException($"AUTH0_MCP_BASE_URL is not an absolute URL: '{baseUrl}'.");
        }

        configuration.AddInMemoryCollection(fromEnvironment);
        var file = CredentialsFile;
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        configuration.AddJsonFile(new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetDirectoryName(file)!), Path.GetFileName(file), optional: true, reloadOnChange: true);
    }

    /// <summary>
    /// Binds <see cref="Auth0ConnectionOptions"/> to the environment and the watched credentials file (registered after
    /// the host's own settings, so a rotated credential in the file wins), and audits every rotation.
    /// </summary>
    public static void AddRotatableCredentials(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
    {
        var configuration = new ConfigurationBuilder();
        AddSources(configuration);
        var root = configuration.Build();
        Microsoft.Extensions.DependencyInjection.OptionsConfigurationServiceCollectionExtensions.Configure<Auth0ConnectionOptions>(services, root.GetSection(Section));
    }

    /// <summary>Writes a rotated credential into the credentials file (owner-only permissions); returns what changed.</summary>
    public static IReadOnlyList<string> WriteCredentials(string? token, string? clientId, string? clientSecret)
    {
        var file = CredentialsFile;
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
