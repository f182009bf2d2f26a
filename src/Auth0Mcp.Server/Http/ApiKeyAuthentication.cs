using Auth0Mcp.Sdk.Governance;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Server.Http;

/// <summary>Options of the static API key scheme.</summary>
internal sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    private IReadOnlyList<ApiKeyEntry> _keys = [];

    /// <summary>The keys; setting them computes their SHA-256 digests once (<see cref="Digests"/>).</summary>
    public IReadOnlyList<ApiKeyEntry> Keys
    {
        get => _keys;
        set
        {
            _keys = value;
            Digests = [.. value.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k.Key)))];
        }
    }

    /// <summary>The SHA-256 digest of each of <see cref="Keys"/>, in order.</summary>
    internal byte[][] Digests { get; private set; } = [];

    /// <summary>The claim types governance reads the subject and the groups from (the JWT's, so one pair serves every scheme).</summary>
    public (string Subject, string Groups) ClaimTypes { get; set; } = ("sub", "groups");

    /// <summary>The wrong keys presented, per peer address, for the rate-limited warning (<see cref="SignInRefusals"/>).</summary>
    internal SignInRefusals Refusals { get; } = new();
}

/// <summary>
/// Warns on stderr of sign-ins refused for a wrong API key or a rejected JWT (one instance for each), so that a
/// key-guessing attack or a client with a stale token is seen without filling the audit with anonymous traffic
/// (nothing is recorded there): at most one line per peer address per <see cref="Interval"/>, with the count of
/// refusals since that peer's last line and why the last one was refused. Never the key or token presented.
/// </summary>
internal sealed partial class SignInRefusals
{
    // One line per peer a minute; at most 10,000 peers tracked (past it, those not refused within the minute are
    // forgotten: WindowedAdmission).
    private WindowedAdmission<string> _lines = Lines(TimeProvider.System);

    /// <summary>The shortest time between two lines about one peer (one minute).</summary>
    public TimeSpan Interval => _lines.Window;

    /// <summary>The clock (tests replace it before the first refusal).</summary>
    public TimeProvider Time
    {
        get => _lines.Time;
        set => _lines = Lines(value);
    }

    /// <summary>
    /// Counts one refusal from <paramref name="peer"/> of <paramref name="what"/> (the credential and why, e.g.
    /// <c>a wrong API key</c>), and warns when that peer's last line is older than <see cref="Interval"/>.
    /// </summary>
    public void Refused(ILogger logger, string peer, string what)
    {
        if (_lines.TryAdmit(peer, out var unsaid))
        {
            LogRefused(logger, what, peer, unsaid + 1, (int)Interval.TotalSeconds);
        }
    }

    private static WindowedAdmission<string> Lines(TimeProvider time) => new(1, TimeSpan.FromMinutes(1), time, comparer: StringComparer.Ordinal);

    [LoggerMessage(2, LogLevel.Warning, "Refused a sign-in with {What} from {Peer} ({Count} from that address since its last such line; at most one line per address every {Seconds} s)")]
    private static partial void LogRefused(ILogger logger, string what, string peer, int count, int seconds);
}

/// <summary>
/// Authenticates a request carrying one of the configured static keys, in <c>X-API-Key</c> or as
/// <c>Authorization: Bearer KEY</c>: the principal has the key's user and groups as the claims governance reads
/// (the JWT's subject and groups claims, <c>sub</c> and <c>groups</c> by default). Keys are compared as SHA-256 digests in fixed time.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<ApiKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-API-Key";

    /// <summary>The key presented by <paramref name="request"/>, if any.</summary>
    public static string? PresentedKey(Microsoft.AspNetCore.Http.HttpRequest request)
    {
        if (request.Headers[HeaderName] is { Count: > 0 } header && !string.IsNullOrWhiteSpace(header[0]))
        {
            return header[0]!.Trim();
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey(Request);
        if (string.IsNullOrEmpty(presented))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKeyEntry? match = null;
        var digests = Options.Digests;
        for (var i = 0; i < digests.Length; i++)
        {
            // Every key is compared, match or not: the time taken says nothing about which key is close.
            if (CryptographicOperations.FixedTimeEquals(digest, digests[i]))
            {
                match = Options.Keys[i];
            }
        }

        if (match is null)
        {
            Options.Refusals.Refused(Logger, Context.Connection.RemoteIpAddress?.ToString() ?? "(unknown peer)", "a wrong API key");
            return Task.FromResult(AuthenticateResult.Fail("invalid API key"));
        }

        return Task.FromResult(Success(match.User, match.Groups, Options.ClaimTypes, SchemeName, Scheme.Name, Credential(digest)));
    }

    /// <summary>
    /// What the audit records of a caller who signed in with the key whose SHA-256 is <paramref name="digest"/>:
    /// <c>api-key</c> and the first 8 hex digits of that digest, which an operator computes from a key with
    /// <c>printf %s "$KEY" | sha256sum | cut -c1-8</c> (and the <c>server.started</c> record lists per user).
    /// </summary>
    internal static string Credential(byte[] digest) => "api-key " + Fingerprint(digest);

    /// <summary>The first 8 hex digits of <paramref name="digest"/> (a key's SHA-256): names a key, never reveals it.</summary>
    internal static string Fingerprint(byte[] digest) => ApiKeyFingerprint.Of(digest);

    /// <summary>The fingerprint of <paramref name="key"/> (<see cref="Fingerprint(byte[])"/> of its SHA-256).</summary>
    internal static string Fingerprint(string key) => ApiKeyFingerprint.Of(key);

    /// <summary>
    /// The ticket of <paramref name="user"/> in <paramref name="groups"/>, under the claim types governance reads (and
    /// <c>sub</c>, which the MCP SDK binds a session to): what the API key and the local user schemes issue.
    /// </summary>
    internal static AuthenticateResult Success(string user, IEnumerable<string> groups, (string Subject, string Groups) types, string authenticationType, string scheme, string credential)
    {
        var claims = new List<Claim> { new(types.Subject, user), new(Sdk.Governance.CallerIdentity.CredentialClaimType, credential) };
        if (types.Subject != "sub")
        {
            claims.Add(new("sub", user));
        }

        claims.AddRange(groups.Select(g => new Claim(types.Groups, g)));
        var identity = new ClaimsIdentity(claims, authenticationType, types.Subject, types.Groups);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), scheme));
    }
}

/// <summary>
/// Loopback-only convenience (<c>AUTH0_MCP_HTTP_LOCAL_USER=on</c>): a request without credentials acts as the
/// configured local user, exactly like a stdio client does. Never used for a request that presents credentials, one a
/// proxy forwarded, or a connection whose client socket another local account holds (<see cref="LoopbackPeer"/>: a
/// loopback port is open to every account on the machine).
/// </summary>
internal sealed class LocalUserAuthenticationHandler(IOptionsMonitor<LocalUserAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<LocalUserAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "LocalUser";

    // The peer check's verdict, kept for the life of the connection ("" when it passed): a socket's owner does not change.
    private static readonly object PeerVerdict = new();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Context.Connection.RemoteIpAddress is { } remote && !System.Net.IPAddress.IsLoopback(remote))
        {
            return Task.FromResult(AuthenticateResult.Fail("the local user is only for loopback connections"));
        }

        if (HttpServe.IsForwarded(Request))
        {
            // A reverse proxy on this machine: its loopback connection carries someone else's request.
            return Task.FromResult(AuthenticateResult.Fail("the local user is only for direct loopback connections, not ones a proxy forwarded"));
        }

        var items = Context.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items?.TryGetValue(PeerVerdict, out var kept) != true || kept is not string problem)
        {
            problem = Options.PeerProblem(Context.Connection) ?? "";
            if (items is not null)
            {
                items[PeerVerdict] = problem;
            }

            if (problem.Length > 0)
            {
                // Rate-limited like a wrong API key, keyed by the address and why (the account's uid), not the client's
                // port: another account opening connection after connection gets one line a minute, with the count.
                var address = Context.Connection.RemoteIpAddress;
                var why = address is null ? problem : problem.Replace(new System.Net.IPEndPoint(address, Context.Connection.RemotePort).ToString(), address.ToString(), StringComparison.Ordinal);
                Options.Refusals.Refused(Logger, $"{address?.ToString() ?? "(unknown peer)"}: {why}", "the local user (AUTH0_MCP_HTTP_LOCAL_USER)");
            }
        }

        if (problem.Length > 0)
        {
            // Another account on this machine (or one that cannot be told apart from it): like any caller without credentials.
            return Task.FromResult(AuthenticateResult.Fail("the local user is only for connections from the server's own OS account"));
        }

        return Task.FromResult(ApiKeyAuthenticationHandler.Success(Options.User, Options.Groups, Options.ClaimTypes, SchemeName, Scheme.Name, "local-user"));
    }
}

/// <summary>Options of the local user scheme.</summary>
internal sealed class LocalUserAuthenticationOptions : AuthenticationSchemeOptions
{
    public string User { get; set; } = "";

    public IReadOnlyList<string> Groups { get; set; } = [];

    /// <summary>As <see cref="ApiKeyAuthenticationOptions.ClaimTypes"/>.</summary>
    public (string Subject, string Groups) ClaimTypes { get; set; } = ("sub", "groups");

    /// <summary>The connections refused, per address and why, for the rate-limited warning (<see cref="SignInRefusals"/>).</summary>
    internal SignInRefusals Refusals { get; } = new();

    /// <summary>Why a connection's client is not the server's own OS account, or null (<see cref="LoopbackPeer.Problem"/>; tests replace it).</summary>
    public Func<Microsoft.AspNetCore.Http.ConnectionInfo, string?> PeerProblem { get; set; } = LoopbackPeer.Problem;
}
