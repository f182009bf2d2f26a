using System.Diagnostics;
using System.Globalization;
using System.Net;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Sdk.Auth;

/// <summary>
/// Proves the credentials, CLI-agnostic (the host wires it into <c>auth0-mcp doctor</c>): which credential kind is
/// in use, that a token can be had, when it expires, which scopes it grants, that the tenant answers, and which
/// approved tools a missing scope would refuse. The report never contains a token or a secret. Where the credential
/// comes from is said as the host's <see cref="IAuth0CredentialOrigin"/> tells it (the credentials file, the settings),
/// or, without one, as the options or the in-process rotation that set it.
/// </summary>
public sealed class Auth0Doctor(
    Auth0CredentialStore credentials,
    IAuth0TokenProvider tokens,
    IAuth0HttpClientSource http,
    IOptionsMonitor<Auth0ConnectionOptions> options,
    TimeProvider time,
    IAuth0CredentialOrigin? origin = null)
{
    // Cheap read endpoints to prove the tenant answers; the first whose scope the token grants is used.
    private static readonly (string Scope, string Path)[] Probes =
    [
        ("read:tenant_settings", "/tenants/settings?fields=friendly_name&include_fields=true"),
        ("read:clients", "/clients?per_page=1&fields=client_id&include_fields=true"),
        ("read:connections", "/connections?per_page=1&fields=id&include_fields=true"),
        ("read:users", "/users?per_page=1&fields=user_id&include_fields=true"),
        ("read:roles", "/roles?per_page=1"),
    ];

    /// <summary>Runs every check.</summary>
    /// <param name="approvedTools">The approved tools, to list those a missing scope would refuse; null to skip.</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    public async Task<Auth0DoctorReport> RunAsync(IEnumerable<Auth0ToolDescriptor>? approvedTools = null, CancellationToken cancellationToken = default)
    {
        var checks = new List<Auth0DoctorCheck>();
        var credential = credentials.Current;
        var o = options.CurrentValue;
        var report = new Auth0DoctorReport { CredentialKind = credential.Kind, ClientId = credential.ClientId, CredentialOrigin = Origin(credential), CheckedAt = time.GetUtcNow() };

        Uri? baseAddress = null;
        try
        {
            baseAddress = o.GetBaseAddress();
            report.Tenant = baseAddress.GetLeftPart(UriPartial.Path);
            checks.Add(Auth0DoctorCheck.Ok("tenant", $"Management API at {report.Tenant}"));
        }
        catch (InvalidOperationException ex)
        {
            checks.Add(Auth0DoctorCheck.Fail("tenant", ex.Message));
        }

        checks.Add(credential.Kind switch
        {
            Auth0CredentialKind.StaticToken => Auth0DoctorCheck.Ok("credential", $"a Management API token from {report.CredentialOrigin}; it is not renewed: rotate it before it expires"),
            Auth0CredentialKind.ClientCredentials => Auth0DoctorCheck.Ok("credential", $"client credentials of the M2M application {credential.ClientId} from {report.CredentialOrigin}; tokens are obtained and renewed automatically"),
            _ => Auth0DoctorCheck.Fail("credential", "no credential: set AUTH0_TOKEN, or AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET"),
        });
        if (credential.Kind == Auth0CredentialKind.StaticToken && credential.ClientId is not null && credential.ClientSecret is not null)
        {
            checks.Add(Auth0DoctorCheck.Warn("credential", $"{Auth0CredentialSnapshot.BothCredentials}: the token is used, the client credentials of {credential.ClientId} are ignored (auth0-mcp serve refuses the two at start)"));
        }

        Auth0AccessToken? token = null;
        if (credential.Kind != Auth0CredentialKind.None)
        {
            try
            {
                token = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
                checks.Add(Auth0DoctorCheck.Ok("token", credential.Kind == Auth0CredentialKind.ClientCredentials ? $"obtained from {SafeEndpoint(o)}" : "present"));
            }
            catch (Auth0CredentialException ex)
            {
                checks.Add(Auth0DoctorCheck.Fail("token", ex.Message));
            }
        }

        if (token is not null)
        {
            DescribeToken(token, o, report, checks);
        }

        if (token is not null && baseAddress is not null)
        {
            await ProbeAsync(baseAddress, token, report, checks, cancellationToken).ConfigureAwait(false);
        }

        if (approvedTools is not null)
        {
            var tools = approvedTools.ToList();
            report.ApprovedToolCount = tools.Count;
            if (token?.Scopes is { } granted)
            {
                report.RefusedTools = Auth0ScopePlanner.Refused(tools, granted);
                // A refused tool has none of its scopes, any one of which would do: the least to grant covers them all.
                var refusedNames = report.RefusedTools.Select(g => g.Tool).ToHashSet(StringComparer.Ordinal);
                var missing = Auth0ScopePlanner.MinimalScopes(tools.Where(t => refusedNames.Contains(t.Name)));
                checks.Add(report.RefusedTools.Count == 0
                    ? Auth0DoctorCheck.Ok("tools", $"all {tools.Count} approved tools have a scope they accept")
                    : Auth0DoctorCheck.Warn("tools", $"{report.RefusedTools.Count} of {tools.Count} approved tools would be refused (each needs one of its scopes); grant: {string.Join(' ', missing)}"));
            }
            else if (token is not null)
            {
                checks.Add(Auth0DoctorCheck.Warn("tools", "the token's scopes cannot be read (not a JWT with scope/permissions): Auth0 decides per call"));
            }
        }

        report.Checks = checks;
        return report;
    }

    /// <summary>
    /// Where the credential in effect comes from: an in-process rotation (<see cref="Auth0CredentialStore.Rotate"/>)
    /// wins over the options; the options' origin is the host's to say (<see cref="IAuth0CredentialOrigin"/>), else
    /// the options are named. Null when there is no credential.
    /// </summary>
    private string? Origin(Auth0CredentialSnapshot credential)
    {
        if (credential.Kind == Auth0CredentialKind.None)
        {
            return null;
        }

        if (credential.Source is not (Auth0CredentialStore.FromConfiguration or Auth0CredentialStore.FromConfigurationReload))
        {
            return $"a rotation by {credential.Source} at {credential.Since.ToString("u", CultureInfo.InvariantCulture)}";
        }

        return origin?.Describe(credential) is { Length: > 0 } said ? said
            : credential.Kind == Auth0CredentialKind.StaticToken ? $"{nameof(Auth0ConnectionOptions)}.{nameof(Auth0ConnectionOptions.Token)}"
            : $"{nameof(Auth0ConnectionOptions)}.{nameof(Auth0ConnectionOptions.ClientId)} and {nameof(Auth0ConnectionOptions.ClientSecret)}";
    }

    private void DescribeToken(Auth0AccessToken token, Auth0ConnectionOptions o, Auth0DoctorReport report, List<Auth0DoctorCheck> checks)
    {
        var now = time.GetUtcNow();
        report.TokenExpiresAt = token.ExpiresAt;
        report.Subject = token.Claims?.Subject;
        report.GrantedScopes = token.Scopes is { } s ? [.. s.Order(StringComparer.Ordinal)] : null;
        if (token.ExpiresAt is { } expires)
        {
            var left = expires - now;
            var when = expires.ToString("u", CultureInfo.InvariantCulture);
            checks.Add(left <= TimeSpan.Zero ? Auth0DoctorCheck.Fail("expiry", $"expired at {when}")
                : left < TimeSpan.FromHours(1) && token.Kind == Auth0CredentialKind.StaticToken ? Auth0DoctorCheck.Warn("expiry", $"expires at {when} (in {Format(left)})")
                : Auth0DoctorCheck.Ok("expiry", $"expires at {when} (in {Format(left)})"));
        }
        else
        {
            checks.Add(Auth0DoctorCheck.Warn("expiry", "unknown (the token is not a JWT with exp)"));
        }

        checks.Add(report.GrantedScopes is { } scopes
            ? Auth0DoctorCheck.Ok("scopes", scopes.Count == 0 ? "none granted" : $"{scopes.Count} granted: {string.Join(' ', scopes)}")
            : Auth0DoctorCheck.Warn("scopes", "cannot be read from the token; Auth0 decides per call"));

        if (token.Claims is { Audiences.Count: > 0 } claims && !string.IsNullOrWhiteSpace(o.Domain))
        {
            string expected;
            try
            {
                expected = o.GetAudience();
            }
            catch (InvalidOperationException)
            {
                return;
            }

            if (!claims.Audiences.Any(a => string.Equals(a.TrimEnd('/'), expected.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)))
            {
                checks.Add(Auth0DoctorCheck.Warn("audience", $"the token is for {string.Join(", ", claims.Audiences)}, not {expected}"));
            }
        }
    }

    private async Task ProbeAsync(Uri baseAddress, Auth0AccessToken token, Auth0DoctorReport report, List<Auth0DoctorCheck> checks, CancellationToken cancellationToken)
    {
        var path = Probes.FirstOrDefault(p => token.Scopes?.Contains(p.Scope) == true).Path ?? Probes[0].Path;
        report.ProbePath = path.Split('?')[0];
        var url = new Uri(baseAddress.ToString().TrimEnd('/') + path);
        var started = time.GetTimestamp();
        try
        {
            using var request = new Auth0CallState("doctor").AttachTo(new HttpRequestMessage(HttpMethod.Get, url));
            using var response = await http.CreateClient().SendAsync(request, cancellationToken).ConfigureAwait(false);
            report.ProbeStatus = (int)response.StatusCode;
            report.ProbeMilliseconds = (long)time.GetElapsedTime(started).TotalMilliseconds;
            var status = $"{(int)response.StatusCode} {response.StatusCode}";
            checks.Add(response.StatusCode switch
            {
                _ when response.IsSuccessStatusCode => Auth0DoctorCheck.Ok("reach", $"GET {report.ProbePath} answered {status} in {report.ProbeMilliseconds} ms"),
                HttpStatusCode.Unauthorized => Auth0DoctorCheck.Fail("reach", $"the tenant answered {status}: it does not accept this token (wrong tenant, audience, or a revoked/expired token)"),
                HttpStatusCode.Forbidden => Auth0DoctorCheck.Warn("reach", $"the tenant accepted the token but GET {report.ProbePath} answered {status} (no scope for the probe)"),
                HttpStatusCode.TooManyRequests => Auth0DoctorCheck.Warn("reach", $"the tenant answered {status}: rate-limited"),
                _ => Auth0DoctorCheck.Warn("reach", $"GET {report.ProbePath} answered {status}"),
            });
        }
        catch (Exception ex) when (ex is Auth0HttpException or HttpRequestException or Auth0CredentialException)
        {
            checks.Add(Auth0DoctorCheck.Fail("reach", ex.Message));
        }
    }

    private static string SafeEndpoint(Auth0ConnectionOptions o)
    {
        try
        {
            return o.GetTokenEndpoint().GetLeftPart(UriPartial.Path);
        }
        catch (InvalidOperationException)
        {
            return "the token endpoint";
        }
    }

    private static string Format(TimeSpan t) =>
        t.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalDays:0.#} d")
        : t.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalHours:0.#} h")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, t.TotalMinutes):0} min");
}

/// <summary>The severity of one doctor check.</summary>
public enum Auth0DoctorStatus
{
    /// <summary>Fine.</summary>
    Ok,

    /// <summary>Works, but worth attention.</summary>
    Warn,

    /// <summary>Calls will fail until fixed.</summary>
    Fail,
}

/// <summary>One line of the doctor's report.</summary>
/// <param name="Name">What was checked: tenant, credential, token, expiry, scopes, audience, reach, tools.</param>
/// <param name="Status">The outcome.</param>
/// <param name="Message">A human sentence; never a secret.</param>
public sealed record Auth0DoctorCheck(string Name, Auth0DoctorStatus Status, string Message)
{
    internal static Auth0DoctorCheck Ok(string name, string message) => new(name, Auth0DoctorStatus.Ok, Auth0Redaction.Redact(message));

    internal static Auth0DoctorCheck Warn(string name, string message) => new(name, Auth0DoctorStatus.Warn, Auth0Redaction.Redact(message));

    internal static Auth0DoctorCheck Fail(string name, string message) => new(name, Auth0DoctorStatus.Fail, Auth0Redaction.Redact(message));
}
