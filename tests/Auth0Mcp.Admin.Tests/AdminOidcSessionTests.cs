using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Server;
using Auth0Mcp.Server.Tests.Http;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// The console's OIDC sign-in and session end to end over plain HTTP, with a fake identity provider (<see cref="FakeIdp"/>:
/// the token endpoint through the handler's back-channel, RS256 ID tokens, PKCE and the redirect URI checked, single-use
/// codes) and a browser's cookie jar by hand (<see cref="Jar"/>): behind a TLS-terminating proxy, the configured groups
/// claim, sign-out, the audit of failed callbacks, and a change of identity provider.
/// </summary>
public sealed partial class AdminOidcSessionTests
{
    private const string Issuer = "https://idp.test.invalid/";
    private const string PublicUrl = "https://console.example.com";

    [Fact]
    public async Task BehindTlsProxy_RedirectUriIsThePublicUrl_AndTheSessionCookieIsSecure()
    {
        using var governance = new TempGovernance();
        var idp = new FakeIdp();
        await using var app = await StartAsync(governance.Store, idp, new() { ["AUTH0_MCP_ADMIN_URL"] = PublicUrl });
        using var jar = new Jar();

        // What a TLS-terminating proxy in front of the loopback listener forwards: plain http, the listener's own Host.
        var (location, _) = await jar.ChallengeAsync(app.Admin);
        var callback = await jar.CallbackAsync(app.Admin, idp, location, new[] { "admins" });

        Assert.Equal(PublicUrl + "/admin/signin-oidc", QueryHelpers.ParseQuery(location.Query)["redirect_uri"].ToString());
        Assert.Equal(PublicUrl + "/admin/signin-oidc", idp.LastRedirectUri); // the code is redeemed with the same one
        var session = Assert.Single(callback.SetCookies, c => c.StartsWith("auth0-mcp-admin=", StringComparison.Ordinal));
        Assert.Contains("; secure", session, StringComparison.OrdinalIgnoreCase);
        using var tools = await jar.GetAsync(app.Admin + "/tools");
        Assert.Equal(HttpStatusCode.OK, tools.StatusCode);

        // The console's forms, posted from the public origin through the proxy, pass the Origin guard.
        using var form = await jar.GetAsync(app.Admin + "/settings");
        using var signedOut = await jar.PostFormAsync(app.Admin + "/signout", await form.Content.ReadAsStringAsync(), [], new() { ["Origin"] = PublicUrl });
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
    }

    [Fact]
    public async Task ThroughAProxy_WithoutPublicUrl_SignInIsRefusedNamingTheSetting()
    {
        using var governance = new TempGovernance();
        await using var app = await StartAsync(governance.Store, new FakeIdp());
        using var jar = new Jar();

        using var response = await jar.GetAsync(app.Admin + "/signin/oidc", new() { ["X-Forwarded-For"] = "203.0.113.7", ["X-Forwarded-Proto"] = "https" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("AUTH0_MCP_ADMIN_URL", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0", null, "needs the console's public https origin: set AUTH0_MCP_ADMIN_URL (Admin:PublicUrl)")]
    [InlineData("http://10.1.2.3:8081", "http://console.example.com", "must be https (plain http only to a loopback address")]
    [InlineData("http://127.0.0.1:8081", "https://console.example.com/admin", "must be an origin such as https://console.example.com")]
    [InlineData("http://127.0.0.1:8081", "console.example.com", "must be an origin such as https://console.example.com")]
    public void Settings_OidcOffLoopbackWithoutAnHttpsPublicUrl_AreRefusedAtStart(string listener, string? publicUrl, string expected)
    {
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_MCP_STORE"] = "/tmp/unused-admin-oidc.db",
            ["AUTH0_MCP_ADMIN_GROUPS"] = "admins",
            ["AUTH0_MCP_OIDC_AUTHORITY"] = Issuer,
            ["AUTH0_MCP_ADMIN_CLIENT_ID"] = "console-client",
            ["AUTH0_MCP_ADMIN_URL"] = publicUrl,
        };

        var error = Assert.Throws<UsageException>(() => HostConfiguration.Load(["--http", listener], name => env.GetValueOrDefault(name), adminOnly: true));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_OidcOffLoopbackWithAnHttpsPublicUrl_AreAccepted()
    {
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_MCP_STORE"] = "/tmp/unused-admin-oidc.db",
            ["AUTH0_MCP_ADMIN_GROUPS"] = "admins",
            ["AUTH0_MCP_OIDC_AUTHORITY"] = Issuer,
            ["AUTH0_MCP_ADMIN_CLIENT_ID"] = "console-client",
            ["AUTH0_MCP_ADMIN_URL"] = PublicUrl + "/",
        };

        var settings = HostConfiguration.Load(["--http", "http://0.0.0.0:8081"], name => env.GetValueOrDefault(name), adminOnly: true);

        Assert.Contains(PublicUrl + "/", settings.AllowedOrigins);
    }

    [Fact]
    public async Task GroupsClaimConfigured_OnlyThatClaimOfTheIdTokenMakesAnAdministrator()
    {
        // "groups (`groups`, or `GroupsClaim`; with Auth0, add the roles to the ID token in an Action)".
        const string Roles = "https://example.com/roles";
        using var governance = new TempGovernance();
        var config = Path.Combine(Path.GetDirectoryName(governance.Store)!, "auth0-mcp.json");
        await File.WriteAllTextAsync(config, $$"""{ "Authentication": { "Jwt": { "GroupsClaim": "{{Roles}}" } } }""");
        var idp = new FakeIdp();
        await using var app = await StartAsync(governance.Store, idp, new() { ["AUTH0_MCP_CONFIG"] = config });

        // The admin group in the token's "groups", which this console is not set to read: signed in, but no administrator.
        using (var jar = new Jar())
        {
            var (location, _) = await jar.ChallengeAsync(app.Admin);
            await jar.CallbackAsync(app.Admin, idp, location, new[] { "admins" });
            using var tools = await jar.GetAsync(app.Admin + "/tools");
            Assert.Equal(HttpStatusCode.Forbidden, tools.StatusCode);
        }

        idp.GroupsClaim = Roles;
        using (var jar = new Jar())
        {
            var (location, _) = await jar.ChallengeAsync(app.Admin);
            await jar.CallbackAsync(app.Admin, idp, location, new[] { "admins" });
            using var tools = await jar.GetAsync(app.Admin + "/tools");
            Assert.Equal(HttpStatusCode.OK, tools.StatusCode);
        }

        var signIns = (await AuditAsync(governance)).Where(r => Str(r, "event") == "admin.signin").Select(r => Str(r, "details") ?? Str(r, "reason")).ToList();
        Assert.Equal(["oidc iss=https://idp.test.invalid/; groups: ", "oidc iss=https://idp.test.invalid/; groups: admins"], signIns);
    }

    [Theory]
    [InlineData("[\"admins\", \"support\"]", "admins, support")]
    [InlineData(" admins ", "admins")]
    public async Task GroupsClaim_AsAJsonArrayInTextOrPadded_IsReadAsTheMcpEndpointReadsIt(string claim, string recorded)
    {
        // ClaimsCallerIdentityResolver.GroupsOf (docs/clients.md): the MCP endpoint takes such a claim as these groups.
        using var governance = new TempGovernance();
        var idp = new FakeIdp();
        await using var app = await StartAsync(governance.Store, idp);
        using var jar = new Jar();
        var (location, _) = await jar.ChallengeAsync(app.Admin);
        await jar.CallbackAsync(app.Admin, idp, location, claim);

        using var tools = await jar.GetAsync(app.Admin + "/tools");

        Assert.Equal(HttpStatusCode.OK, tools.StatusCode);
        var signIn = Assert.Single(await AuditAsync(governance), r => Str(r, "event") == "admin.signin");
        Assert.Equal($"oidc iss={Issuer}; groups: {recorded}", Str(signIn, "details") ?? Str(signIn, "reason"));
    }

    [Fact]
    public async Task SignIn_WithASessionCookieSomeoneElsePlanted_GetsANewSession_ThePlantedOneEnds()
    {
        // Session fixation through the OIDC callback: mallory (an account at the identity provider, no administrator)
        // plants her session cookie in the administrator's browser, and the administrator signs in.
        using var governance = new TempGovernance();
        var idp = new FakeIdp();
        await using var app = await StartAsync(governance.Store, idp);
        string planted;
        using (var mallory = new Jar())
        {
            idp.Subject = "idp|mallory";
            var (location, _) = await mallory.ChallengeAsync(app.Admin);
            await mallory.CallbackAsync(app.Admin, idp, location, new[] { "support" });
            using var forbidden = await mallory.GetAsync(app.Admin + "/tools");
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            planted = mallory.Cookie(AdminAuthentication.CookieName)!;
        }

        using var admin = new Jar();
        admin.Plant(AdminAuthentication.CookieName, planted);
        idp.Subject = "idp|alice";
        var (authorize, _) = await admin.ChallengeAsync(app.Admin);
        await admin.CallbackAsync(app.Admin, idp, authorize, new[] { "admins" });

        var session = admin.Cookie(AdminAuthentication.CookieName);
        Assert.NotNull(session);
        Assert.NotEqual(planted, session);
        using (var tools = await admin.GetAsync(app.Admin + "/tools"))
        {
            Assert.Equal(HttpStatusCode.OK, tools.StatusCode);
        }

        using var replayed = await SendWithCookieAsync(app.Admin + "/tools", $"{AdminAuthentication.CookieName}={planted}");
        Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode); // to the sign-in page: no session at all, not the administrator's
        Assert.Contains("/admin/signin", replayed.Headers.Location!.ToString(), StringComparison.Ordinal);
        var ended = Assert.Single(await AuditAsync(governance), r => Str(r, "event") == "admin.session.ended");
        Assert.Equal("idp|mallory", Str(ended, "user"));
        Assert.Equal("a new sign-in in the same browser (as idp|alice) replaced it", Str(ended, "details") ?? Str(ended, "reason"));
    }

    [Fact]
    public async Task SignOut_ACopyOfTheCookieTakenBefore_NoLongerOpensTheSession_AndSignOutIsAudited()
    {
        using var governance = new TempGovernance();
        var idp = new FakeIdp();
        await using var app = await StartAsync(governance.Store, idp);
        using var jar = new Jar();
        var (location, _) = await jar.ChallengeAsync(app.Admin);
        await jar.CallbackAsync(app.Admin, idp, location, new[] { "admins" });
        var copy = jar.Header();
        using (var before = await SendWithCookieAsync(app.Admin + "/tools", copy))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var form = await jar.GetAsync(app.Admin + "/signout");
        using var signedOut = await jar.PostFormAsync(app.Admin + "/signout", await form.Content.ReadAsStringAsync(), []);
        using var replayed = await SendWithCookieAsync(app.Admin + "/tools", copy);

        Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode);
        Assert.Contains("/admin/signin", replayed.Headers.Location!.ToString(), StringComparison.Ordinal);
        var audit = await AuditAsync(governance);
        Assert.Contains(audit, r => Str(r, "event") == "admin.signout" && Str(r, "user") == "idp|alice");
        Assert.DoesNotContain(audit, r => Str(r, "event") == "admin.session.ended"); // an unknown session is no event
    }

    [Fact]
    public async Task Callbacks_WithAStateThisConsoleDidNotIssueOrWithoutItsCorrelationCookie_AreRefusedWithoutFillingTheAudit()
    {
        using var governance = new TempGovernance();
        await using var app = await StartAsync(governance.Store, new FakeIdp());
        using var jar = new Jar();
        var before = (await AuditAsync(governance)).Count;

        for (var i = 0; i < 50; i++)
        {
            using var callback = await jar.GetAsync($"{app.Admin}/signin-oidc?code=forged{i}&state=forged{i}");
            Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
            Assert.EndsWith("/admin/signin?failed=oidc", callback.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        // A state this console did issue, sent without the correlation cookie of the browser it was issued to.
        var (location, _) = await jar.ChallengeAsync(app.Admin);
        var state = Uri.EscapeDataString(QueryHelpers.ParseQuery(location.Query)["state"].ToString());
        using (var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }))
        using (var replayed = await anonymous.GetAsync($"{app.Admin}/signin-oidc?code=stolen&state={state}"))
        {
            Assert.EndsWith("/admin/signin?failed=oidc", replayed.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, (await AuditAsync(governance)).Count);
    }

    [Fact]
    public async Task Callbacks_ErrorOfTheAuthority_IsAuditedEscapedAndCut_AtMostTenAMinute_TheRestCounted()
    {
        using var governance = new TempGovernance();
        var time = new ManualTime(DateTimeOffset.UtcNow);
        await using var app = await StartAsync(governance.Store, new FakeIdp(), more: services => services.AddSingleton<TimeProvider>(time));
        using var jar = new Jar();
        var (location, _) = await jar.ChallengeAsync(app.Admin);
        var state = Uri.EscapeDataString(QueryHelpers.ParseQuery(location.Query)["state"].ToString());
        var cookies = jar.Header(); // the correlation and nonce cookies of a sign-in this console started
        var description = Uri.EscapeDataString("bad\n{\"sequence\":1,\"event\":\"tool.approved\"}\u202e" + new string('x', 5000));

        for (var i = 0; i < 30; i++)
        {
            using var callback = await SendWithCookieAsync($"{app.Admin}/signin-oidc?error=invalid_request&error_description={description}&state={state}", cookies);
            Assert.EndsWith("/admin/signin?failed=oidc", callback.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        var failed = (await AuditAsync(governance)).Where(r => Str(r, "event") == "admin.signin.failed").Select(r => Str(r, "details") ?? Str(r, "reason") ?? "").ToList();
        Assert.Equal(10, failed.Count);
        Assert.All(failed, d =>
        {
            Assert.StartsWith("oidc: the authority answered error 'invalid_request', description 'bad\\n{", d, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', d);
            Assert.DoesNotContain('\u202e', d);
            Assert.InRange(d.Length, 1, 400);
        });

        // A minute later the next is recorded again, with the count of those left out.
        time.Advance(TimeSpan.FromSeconds(61));
        using (await SendWithCookieAsync($"{app.Admin}/signin-oidc?error=invalid_request&state={state}", cookies))
        {
        }

        var last = (await AuditAsync(governance)).Last(r => Str(r, "event") == "admin.signin.failed");
        Assert.EndsWith("(20 other failed OIDC sign-ins were not recorded since the last one)", Str(last, "details") ?? Str(last, "reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OidcSession_AfterTheAuthorityOrClientIdChanged_EndsAndIsAudited()
    {
        using var governance = new TempGovernance();
        // One session store for both runs, as one that outlived the restart would be (this one lives in the process).
        var sessions = new AdminSessionStore(TimeProvider.System);
        var idp = new FakeIdp();
        string cookie;
        await using (var before = await StartAsync(governance.Store, idp, more: s => s.AddSingleton(sessions)))
        {
            using var jar = new Jar();
            var (location, _) = await jar.ChallengeAsync(before.Admin);
            await jar.CallbackAsync(before.Admin, idp, location, new[] { "admins" });
            cookie = jar.Header();
            using var ok = await SendWithCookieAsync(before.Admin + "/settings", cookie);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // The operator moves the console to another client (the old one retired, or compromised).
        await using var after = await StartAsync(governance.Store, idp, new() { ["AUTH0_MCP_ADMIN_CLIENT_ID"] = "another-client" }, s => s.AddSingleton(sessions));
        using var response = await SendWithCookieAsync(after.Admin + "/settings", cookie);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var ended = Assert.Single(await AuditAsync(governance), r => Str(r, "event") == "admin.session.ended");
        Assert.Equal("idp|alice", Str(ended, "user"));
        Assert.Contains("another OIDC authority or client id", Str(ended, "details") ?? Str(ended, "reason"), StringComparison.Ordinal);
        Assert.Equal(0, sessions.Count);
    }

    private static async Task<HttpResponseMessage> SendWithCookieAsync(string url, string cookie)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Cookie", cookie);
        return await http.SendAsync(request);
    }

    private static Task<AdminApp> StartAsync(string store, FakeIdp idp, Dictionary<string, string?>? env = null, Action<IServiceCollection>? more = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["AUTH0_MCP_ADMIN_GROUPS"] = "admins",
            ["AUTH0_MCP_OIDC_AUTHORITY"] = Issuer,
            ["AUTH0_MCP_ADMIN_CLIENT_ID"] = "console-client",
            ["AUTH0_MCP_ADMIN_CLIENT_SECRET"] = "client-secret-0123456789",
        };
        foreach (var (k, v) in env ?? [])
        {
            all[k] = v;
        }

        return AdminApp.StartAsync(store, all, services =>
        {
            services.Configure<OpenIdConnectOptions>(AdminAuthentication.OidcScheme, o =>
            {
                o.Configuration = new OpenIdConnectConfiguration { Issuer = Issuer, AuthorizationEndpoint = Issuer + "authorize", TokenEndpoint = Issuer + "oauth/token" };
                o.Configuration.SigningKeys.Add(idp.Key);
                o.Backchannel = new HttpClient(idp);
            });
            more?.Invoke(services);
        });
    }

    private static async Task<List<JsonElement>> AuditAsync(TempGovernance governance) =>
        [.. (await governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private static string? Str(JsonElement record, string name) => record.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }

    /// <summary>The identity provider's token endpoint: one code per sign-in, PKCE and the redirect URI checked, an RS256 ID token.</summary>
    private sealed class FakeIdp : HttpMessageHandler
    {
        private readonly ConcurrentDictionary<string, (string Nonce, string Challenge, string RedirectUri, object Groups)> _codes = new();

        public RsaSecurityKey Key { get; } = new(RSA.Create(2048)) { KeyId = "test-key" };

        /// <summary>The ID token's claim that lists the user's groups.</summary>
        public string GroupsClaim { get; set; } = "groups";

        /// <summary>The ID token's subject.</summary>
        public string Subject { get; set; } = "idp|alice";

        /// <summary>The redirect URI of the last code redemption.</summary>
        public string? LastRedirectUri { get; private set; }

        public string Issue(string nonce, string challenge, string redirectUri, object groups)
        {
            var code = "CODE-" + Guid.NewGuid().ToString("N");
            _codes[code] = (nonce, challenge, redirectUri, groups);
            return code;
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var form = QueryHelpers.ParseQuery(await request.Content!.ReadAsStringAsync(cancellationToken));
            LastRedirectUri = form["redirect_uri"].ToString();
            if (!_codes.TryRemove(form["code"].ToString(), out var grant)
                || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) != grant.Challenge
                || LastRedirectUri != grant.RedirectUri)
            {
                return new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("{\"error\":\"invalid_grant\"}", Encoding.UTF8, "application/json") };
            }

            var now = DateTime.UtcNow;
            var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = Issuer,
                Audience = form["client_id"].ToString(),
                IssuedAt = now,
                NotBefore = now,
                Expires = now.AddMinutes(5),
                Claims = new Dictionary<string, object> { ["sub"] = Subject, ["nonce"] = grant.Nonce, [GroupsClaim] = grant.Groups },
                SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.RsaSha256),
            });
            var body = JsonSerializer.Serialize(new Dictionary<string, object> { ["id_token"] = token, ["access_token"] = "at-" + Guid.NewGuid(), ["token_type"] = "Bearer", ["expires_in"] = 300 });
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }

    /// <summary>A browser's cookie jar by hand (HttpClient's would keep Secure cookies off http://127.0.0.1).</summary>
    private sealed partial class Jar : IDisposable
    {
        private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);
        private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });

        public string Header() => string.Join("; ", _cookies.Select(c => c.Key + "=" + c.Value));

        /// <summary>The value of the cookie <paramref name="name"/> in the jar (null: none).</summary>
        public string? Cookie(string name) => _cookies.GetValueOrDefault(name);

        /// <summary>Puts a cookie in the jar, as a page on another port of the host can.</summary>
        public void Plant(string name, string value) => _cookies[name] = value;

        public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, Dictionary<string, string>? headers = null)
        {
            if (_cookies.Count > 0)
            {
                request.Headers.Add("Cookie", Header());
            }

            foreach (var (k, v) in headers ?? [])
            {
                request.Headers.TryAddWithoutValidation(k, v);
            }

            var response = await _http.SendAsync(request);
            foreach (var set in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
            {
                var pair = set.Split(';')[0];
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var (name, value) = (pair[..eq], pair[(eq + 1)..]);
                if (value.Length == 0 || set.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    _cookies.Remove(name);
                }
                else
                {
                    _cookies[name] = value;
                }
            }

            return response;
        }

        public Task<HttpResponseMessage> GetAsync(string url, Dictionary<string, string>? headers = null) => SendAsync(new HttpRequestMessage(HttpMethod.Get, url), headers);

        public Task<HttpResponseMessage> PostFormAsync(string url, string page, Dictionary<string, string> fields, Dictionary<string, string>? headers = null)
        {
            var match = AntiforgeryField().Match(page);
            Assert.True(match.Success, "no antiforgery token on the page");
            fields["__af"] = WebUtility.HtmlDecode(match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value);
            return SendAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) }, headers);
        }

        /// <summary>Starts an OIDC sign-in: the redirect to the authority.</summary>
        public async Task<(Uri Location, List<string> SetCookies)> ChallengeAsync(string admin)
        {
            using var response = await GetAsync(admin + "/signin/oidc");
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            return (response.Headers.Location!, response.Headers.TryGetValues("Set-Cookie", out var v) ? v.ToList() : []);
        }

        /// <summary>The authority's answer to <paramref name="authorize"/>: a code for a user in <paramref name="groups"/>, back at the callback.</summary>
        public async Task<(HttpResponseMessage Response, List<string> SetCookies)> CallbackAsync(string admin, FakeIdp idp, Uri authorize, object groups)
        {
            var q = QueryHelpers.ParseQuery(authorize.Query);
            var code = idp.Issue(q["nonce"].ToString(), q["code_challenge"].ToString(), q["redirect_uri"].ToString(), groups);
            var response = await GetAsync($"{admin}/signin-oidc?code={code}&state={Uri.EscapeDataString(q["state"].ToString())}");
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.DoesNotContain("failed", response.Headers.Location!.ToString(), StringComparison.Ordinal);
            return (response, response.Headers.TryGetValues("Set-Cookie", out var v) ? v.ToList() : []);
        }

        public void Dispose() => _http.Dispose();

        [GeneratedRegex(@"name=""__af""[^>]*value=""([^""]+)""|value=""([^""]+)""[^>]*name=""__af""")]
        private static partial Regex AntiforgeryField();
    }
}
