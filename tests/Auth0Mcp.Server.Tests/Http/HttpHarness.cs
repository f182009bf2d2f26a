using System.Security.Claims;
using System.Security.Cryptography;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server;
using Auth0Mcp.Server.Http;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.Client;

namespace Auth0Mcp.Server.Tests.Http;

/// <summary>
/// A local token issuer for tests: an RSA key the server is told to trust (no network identity provider).
/// </summary>
internal sealed class LocalIssuer : IDisposable
{
    public const string Issuer = "https://idp.test.invalid/";
    public const string Audience = "https://auth0-mcp.test.invalid/";
    private readonly RSA _rsa = RSA.Create(2048);

    public LocalIssuer() => Key = new RsaSecurityKey(_rsa) { KeyId = "test-key-1" };

    public RsaSecurityKey Key { get; }

    /// <summary>A signed JWT with <paramref name="subject"/> (in <paramref name="subjectClaim"/>) and <paramref name="groups"/>.</summary>
    public string Token(string subject, IEnumerable<string> groups, string audience = Audience, string issuer = Issuer, SecurityKey? key = null, DateTime? expires = null, string subjectClaim = "sub")
    {
        var claims = new Dictionary<string, object> { [subjectClaim] = subject, ["groups"] = groups.ToArray() };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = DateTime.UtcNow.AddMinutes(-1),
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = expires ?? DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(key ?? Key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>Makes the server validate tokens with this key instead of fetching the authority's metadata.</summary>
    public void Trust(IServiceCollection services) =>
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
        {
            var configuration = new OpenIdConnectConfiguration { Issuer = Issuer };
            configuration.SigningKeys.Add(Key);
            o.Configuration = configuration;
            o.TokenValidationParameters.ValidIssuer = Issuer;
            o.TokenValidationParameters.IssuerSigningKey = Key;
        });

    public void Dispose() => _rsa.Dispose();
}

/// <summary>A governance store in a temp folder, set up through the same commands an administrator runs.</summary>
internal sealed class TempGovernance : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("auth0mcp-gov-").FullName;

    public string Store => Path.Combine(_dir, "governance.db");

    /// <summary>Runs one admin command (e.g. <c>tools approve *</c>) against the store; throws on failure.</summary>
    public async Task RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync([.. args, "--actor", "test-admin"], Context(stdout, stderr), CancellationToken.None);
        if (code != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', args)}: exit {code}\n{stdout}\n{stderr}");
        }
    }

    /// <summary>The audit trail as JSON lines.</summary>
    public async Task<string> AuditAsync()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        await Cli.RunAsync(["audit", "tail", "-n", "1000", "--json"], Context(stdout, stderr), CancellationToken.None);
        return stdout.ToString();
    }

    /// <summary>
    /// What a <c>request.refused</c> record keeps for a message whose SHA-256 is <paramref name="sha256"/>: the keyed digest
    /// under the store's audit key (its key file beside the store), never the plain hash.
    /// </summary>
    public string RefusedMessageDigest(string sha256) =>
        ArgumentsDigest.For(AuditKeyRing.OpenFile(Store + ".audit-key")).Of("sha256:" + sha256);

    private CliContext Context(TextWriter stdout, TextWriter stderr) =>
        new() { Out = stdout, Error = stderr, OpenStore = () => GovernanceStores.Open(Store), GrantedScopes = () => null };

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The HTTP host in this process on a free loopback port.</summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private InProcessServer(WebApplication app, Uri url)
    {
        App = app;
        Url = url;
    }

    public WebApplication App { get; }

    /// <summary>The MCP endpoint.</summary>
    public Uri Url { get; }

    public static async Task<InProcessServer> StartAsync(HostSettings settings, Action<IServiceCollection>? configure = null)
    {
        var app = HttpServe.Build(settings, configure);
        await app.StartAsync();
        return new InProcessServer(app, new Uri(HttpServe.ListeningUrls(app)[0]));
    }

    public Task<McpClient> ConnectAsync(IDictionary<string, string> headers) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = Url,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        }));

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

internal static class Settings
{
    /// <summary>Settings as the environment would give them (nothing from the developer's shell).</summary>
    public static HostSettings Load(Dictionary<string, string?> env, params string[] args) =>
        HostConfiguration.Load(args, name => env.TryGetValue(name, out var v) ? v : null);

    public static ClaimsPrincipal? None => null;
}
