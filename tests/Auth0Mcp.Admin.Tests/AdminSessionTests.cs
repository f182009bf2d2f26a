using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Auth0Mcp.Server;
using Auth0Mcp.Server.Http;
using Auth0Mcp.Server.Tests.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// The console's session over plain HTTP (<c>auth0-mcp admin</c> in this process): it is held to the console as it is
/// configured now (a removed key, its key's groups now, another console's store), a restart ends it, API-key sign-in
/// is refused through a proxy and a wrong key is audited, anyone signed in may sign out and a renewal does not bring a
/// signed-out session back, the audit export is a POST with the antiforgery token, and a forged OIDC callback lands on
/// the sign-in page. (OIDC sessions:
/// <see cref="AdminOidcSessionTests"/>.)
/// </summary>
public sealed class AdminSessionTests
{
    private const string AdminKey = "admin-key-0123456789abcdef";
    private const string RotatedKey = "admin-key-rotated-0123456789";
    private const string BobKey = "bob-key-0123456789abcdef01";

    [Fact]
    public async Task Session_ItsKeyRemovedFromTheConsole_EndsAtOnceAndIsAudited()
    {
        using var governance = new TempGovernance();
        using var browser = new HttpBrowser();
        // One session store for both runs, as one that outlived the restart would be (the console's lives in the process).
        var sessions = new AdminSessionStore(TimeProvider.System);
        await using (var before = await StartAsync(governance.Store, $"{AdminKey}=admin:admins", sessions))
        {
            await browser.SignInAsync(before.Admin, AdminKey);
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(before.Admin + "/tools")).StatusCode);
        }

        // The administrator's key was rotated: the session opened with the old one is over.
        await using var after = await StartAsync(governance.Store, $"{RotatedKey}=admin:admins", sessions);
        using var response = await browser.GetAsync(after.Admin + "/tools");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/admin/signin", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        var ended = Assert.Single(await AuditAsync(governance), r => Str(r, "event") == "admin.session.ended");
        Assert.Equal("admin", Str(ended, "user"));
        Assert.Contains("API key is no longer configured", Str(ended, "details") ?? Str(ended, "reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_ItsKeysGroupsChangedToNoAdminGroup_GoesOnWithThoseGroupsAndGets403()
    {
        // "the user's groups are taken as the key has them now": a key moved out of the admin group no longer opens the
        // pages through a session signed in before the change.
        using var governance = new TempGovernance();
        using var browser = new HttpBrowser();
        var sessions = new AdminSessionStore(TimeProvider.System);
        await using (var before = await StartAsync(governance.Store, $"{AdminKey}=admin:admins", sessions))
        {
            await browser.SignInAsync(before.Admin, AdminKey);
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(before.Admin + "/tools")).StatusCode);
        }

        await using var after = await StartAsync(governance.Store, $"{AdminKey}=admin:support", sessions);
        using var response = await browser.GetAsync(after.Admin + "/tools");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var audit = await AuditAsync(governance);
        var forbidden = Assert.Single(audit, r => Str(r, "event") == "admin.forbidden");
        Assert.Equal("admin", Str(forbidden, "user"));
        Assert.EndsWith("(groups: support)", Str(forbidden, "details") ?? Str(forbidden, "reason"), StringComparison.Ordinal);
        Assert.DoesNotContain(audit, r => Str(r, "event") == "admin.session.ended"); // the key is still configured
    }

    [Fact]
    public async Task Session_PastItsConfiguredLifetime_EndsThoughActiveAndIsAudited()
    {
        using var governance = new TempGovernance();
        using var browser = new HttpBrowser();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await AdminApp.StartAsync(
            governance.Store,
            new() { ["AUTH0_MCP_API_KEYS"] = $"{AdminKey}=admin:admins", ["AUTH0_MCP_ADMIN_GROUPS"] = "admins", ["AUTH0_MCP_ADMIN_SESSION_MINUTES"] = "30" },
            s => s.AddSingleton<TimeProvider>(clock));
        await browser.SignInAsync(app.Admin, AdminKey);

        // Active within the half hour: the cookie slides, the session goes on.
        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(app.Admin + "/tools")).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(11));
        using var response = await browser.GetAsync(app.Admin + "/tools");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/admin/signin", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        var ended = Assert.Single(await AuditAsync(governance), r => Str(r, "event") == "admin.session.ended");
        Assert.Contains("older than 30 minutes", Str(ended, "details") ?? Str(ended, "reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_AfterARestart_IsOverWithoutAnAuditRecord()
    {
        using var governance = new TempGovernance();
        using var browser = new HttpBrowser();
        await using (var before = await StartAsync(governance.Store, $"{AdminKey}=admin:admins"))
        {
            await browser.SignInAsync(before.Admin, AdminKey);
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(before.Admin + "/tools")).StatusCode);
        }

        // The same console started again: its sessions were in the process that ended.
        await using var after = await StartAsync(governance.Store, $"{AdminKey}=admin:admins");
        using var response = await browser.GetAsync(after.Admin + "/tools");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/admin/signin", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await AuditAsync(governance), r => Str(r, "event") == "admin.session.ended");
    }

    [Fact]
    public async Task Session_OpenedOnAnotherConsoleOfTheSameHost_IsNotAccepted()
    {
        using var first = new TempGovernance();
        using var second = new TempGovernance();
        using var browser = new HttpBrowser();
        // Each console keeps its own sessions; shared here, the session must still be refused for its store.
        var sessions = new AdminSessionStore(TimeProvider.System);
        await using var one = await StartAsync(first.Store, $"{AdminKey}=admin:admins", sessions);
        await using var two = await StartAsync(second.Store, $"{AdminKey}=admin:admins", sessions);
        await browser.SignInAsync(one.Admin, AdminKey);

        using var response = await browser.GetAsync(two.Admin + "/settings");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains(await AuditAsync(second), r => Str(r, "event") == "admin.session.ended");
        Assert.DoesNotContain(await AuditAsync(second), r => Str(r, "user") == "admin" && Str(r, "event") != "admin.session.ended");
    }

    [Fact]
    public async Task SignIn_ApiKeyForwardedByALoopbackProxy_IsRefusedAndOpensNoSession()
    {
        // API-key sign-in is for loopback connections only: a reverse proxy on this machine connects from loopback but
        // forwards for someone else.
        using var governance = new TempGovernance();
        using var browser = new HttpBrowser();
        await using var app = await StartAsync(governance.Store, $"{AdminKey}=admin:admins");

        using var form = await browser.GetAsync(app.Admin + "/signin");
        using var posted = await browser.PostAsync(app.Admin + "/signin", await form.Content.ReadAsStringAsync(), new() { ["key"] = AdminKey }, new() { ["X-Forwarded-For"] = "203.0.113.7" });

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode); // the sign-in page again, not the redirect of a sign-in
        Assert.Contains("API-key sign-in is only available on a loopback connection.", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var tools = await browser.GetAsync(app.Admin + "/tools");
        Assert.Equal(HttpStatusCode.Redirect, tools.StatusCode);
        Assert.Contains("/admin/signin", tools.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await AuditAsync(governance), r => Str(r, "event") == "admin.signin");
    }

    [Fact]
    public async Task SignIn_WrongApiKey_IsAuditedAsAFailedSignInWithoutTheKey()
    {
        const string WrongKey = "wrong-key-0123456789abcdef";
        using var governance = new TempGovernance();
        using var browser = new HttpBrowser();
        await using var app = await StartAsync(governance.Store, $"{AdminKey}=admin:admins");

        using var form = await browser.GetAsync(app.Admin + "/signin");
        using var posted = await browser.PostAsync(app.Admin + "/signin", await form.Content.ReadAsStringAsync(), new() { ["key"] = WrongKey });

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Contains("That key is not valid.", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var failed = Assert.Single(await AuditAsync(governance), r => Str(r, "event") == "admin.signin.failed");
        Assert.Equal("anonymous", Str(failed, "user"));
        Assert.Equal("api key: no such key", Str(failed, "details") ?? Str(failed, "reason"));
        Assert.DoesNotContain(WrongKey, await governance.AuditAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionStore_RenewedAfterItsSignOut_StaysRemoved_AnOpenOneIsRenewed()
    {
        // The cookie handler renews a session at the end of a request; a sign-out on another request meanwhile wins.
        var store = new AdminSessionStore(TimeProvider.System);
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity("apikey")), AdminAuthentication.CookieScheme);
        var renewed = new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity("apikey")), AdminAuthentication.CookieScheme);
        var open = await store.StoreAsync(ticket);
        var signedOut = await store.StoreAsync(ticket);

        await store.RemoveAsync(signedOut);
        await store.RenewAsync(signedOut, renewed);
        await store.RenewAsync(open, renewed);

        Assert.Null(await store.RetrieveAsync(signedOut));
        Assert.Same(renewed, await store.RetrieveAsync(open));
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task SignIn_WithASessionCookieSomeoneElsePlanted_GetsANewSession_ThePlantedOneEnds()
    {
        // Session fixation: mallory (any valid key, no administrator) signs in and plants her cookie in the
        // administrator's browser (a page on another port of 127.0.0.1 can set it for /admin); the administrator signs in.
        using var governance = new TempGovernance();
        await using var app = await StartAsync(governance.Store, $"{AdminKey}=admin:admins;{BobKey}=mallory:support");
        using var mallory = new HttpBrowser();
        await mallory.SignInAsync(app.Admin, BobKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await mallory.GetAsync(app.Admin + "/tools")).StatusCode);
        var planted = mallory.Cookie(app.Admin, AdminAuthentication.CookieName)!;
        using var admin = new HttpBrowser();
        admin.PlantCookie(app.Admin, AdminAuthentication.CookieName, planted);

        await admin.SignInAsync(app.Admin, AdminKey);

        var session = admin.Cookie(app.Admin, AdminAuthentication.CookieName);
        Assert.NotNull(session);
        Assert.NotEqual(planted, session);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(app.Admin + "/tools")).StatusCode);
        using var replayed = await mallory.GetAsync(app.Admin + "/tools");
        Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode); // to the sign-in page: no session at all, not the administrator's
        Assert.Contains("/admin/signin", replayed.Headers.Location!.ToString(), StringComparison.Ordinal);
        var ended = Assert.Single(await AuditAsync(governance), r => Str(r, "event") == "admin.session.ended");
        Assert.Equal("mallory", Str(ended, "user"));
        Assert.Equal("a new sign-in in the same browser (as admin) replaced it", Str(ended, "details") ?? Str(ended, "reason"));
    }

    [Fact]
    public async Task SessionStore_RenewedWithAnotherSignInsTicket_DoesNotTakeIt_AndEndsTheSession()
    {
        // The cookie handler renews the session the request carries when it signs in over it: another sign-in's ticket
        // must never land under that id (someone else may hold it). A renewal of the same sign-in (new groups) is kept.
        var store = new AdminSessionStore(TimeProvider.System);
        using var governance = new TempGovernance();
        await using var app = await StartAsync(governance.Store, $"{AdminKey}=admin:admins");
        var tools = app.Services.GetRequiredService<Auth0Mcp.Sdk.Governance.ToolGovernance>();
        var signedIn = DateTimeOffset.UtcNow;
        AuthenticationTicket Ticket(ClaimsPrincipal p) => new(p, AdminAuthentication.CookieScheme);
        var mallory = await store.StoreAsync(Ticket(AdminAuthentication.Principal("mallory", ["support"], "apikey", tools, signedIn, BobKey)));
        var own = await store.StoreAsync(Ticket(AdminAuthentication.Principal("admin", ["admins"], "apikey", tools, signedIn, AdminKey)));
        var regrouped = Ticket(AdminAuthentication.Principal("admin", ["support"], "apikey", tools, signedIn, AdminKey));

        await store.RenewAsync(mallory, Ticket(AdminAuthentication.Principal("admin", ["admins"], "apikey", tools, signedIn, AdminKey)));
        await store.RenewAsync(own, regrouped);

        Assert.Null(await store.RetrieveAsync(mallory));
        Assert.Same(regrouped, await store.RetrieveAsync(own));
    }

    [Fact]
    public async Task SignIn_WrongApiKeys_AtMostTenAMinuteAreAudited_TheRestCountedInTheNext()
    {
        const string WrongKey = "wrong-key-0123456789abcdef";
        using var governance = new TempGovernance();
        using var browser = new HttpBrowser();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await AdminApp.StartAsync(
            governance.Store,
            new() { ["AUTH0_MCP_API_KEYS"] = $"{AdminKey}=admin:admins", ["AUTH0_MCP_ADMIN_GROUPS"] = "admins" },
            s => s.AddSingleton<TimeProvider>(clock));
        var form = await browser.PageAsync(app.Admin + "/signin");

        for (var i = 0; i < 30; i++)
        {
            using var posted = await browser.PostAsync(app.Admin + "/signin", form, new() { ["key"] = WrongKey + i });
            Assert.Contains("That key is not valid.", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var failed = (await AuditAsync(governance)).Where(r => Str(r, "event") == "admin.signin.failed").Select(r => Str(r, "details") ?? Str(r, "reason")).ToList();
        Assert.Equal(Enumerable.Repeat<string?>("api key: no such key", 10), failed);

        // A minute later the next is recorded again, with the count of those left out.
        clock.Advance(TimeSpan.FromSeconds(61));
        using (await browser.PostAsync(app.Admin + "/signin", form, new() { ["key"] = WrongKey }))
        {
        }

        var last = (await AuditAsync(governance)).Last(r => Str(r, "event") == "admin.signin.failed");
        Assert.Equal("api key: no such key (20 other failed API-key sign-ins were not recorded since the last one)", Str(last, "details") ?? Str(last, "reason"));
    }

    [Fact]
    public async Task SignIn_TwoKeysOfOneUser_EachRecordNamesItsKeysFingerprint()
    {
        using var governance = new TempGovernance();
        await using var app = await StartAsync(governance.Store, $"{AdminKey}=admin:admins;{RotatedKey}=admin:admins");
        using (var one = new HttpBrowser())
        {
            await one.SignInAsync(app.Admin, AdminKey);
        }

        using (var two = new HttpBrowser())
        {
            await two.SignInAsync(app.Admin, RotatedKey);
        }

        var signIns = (await AuditAsync(governance)).Where(r => Str(r, "event") == "admin.signin").Select(r => Str(r, "details") ?? Str(r, "reason")).ToList();
        // The MCP endpoint's form (the first 8 hex digits of the key's SHA-256), never the key.
        Assert.Equal(
            [$"api key {ApiKeyAuthenticationHandler.Fingerprint(AdminKey)}; groups: admins", $"api key {ApiKeyAuthenticationHandler.Fingerprint(RotatedKey)}; groups: admins"],
            signIns);
        Assert.Matches("^api key [0-9a-f]{8}; ", signIns[0]);
        Assert.DoesNotContain(AdminKey, await governance.AuditAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignOut_ANonAdministrator_CanEndTheirSession()
    {
        using var governance = new TempGovernance();
        using var browser = new HttpBrowser();
        await using var app = await StartAsync(governance.Store, $"{AdminKey}=admin:admins;{BobKey}=bob:support");
        await browser.SignInAsync(app.Admin, BobKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync(app.Admin + "/tools")).StatusCode);

        using var form = await browser.GetAsync(app.Admin + "/signout");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        using var signedOut = await browser.PostAsync(app.Admin + "/signout", await form.Content.ReadAsStringAsync(), []);

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        using var after = await browser.GetAsync(app.Admin + "/tools");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode); // to the sign-in page: no session, not 403
        Assert.Contains("/admin/signin", after.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditExport_ALinkCannotStartIt_ThePageFormDoes()
    {
        using var governance = new TempGovernance();
        using var browser = new HttpBrowser();
        await using var app = await StartAsync(governance.Store, $"{AdminKey}=admin:admins");
        await browser.SignInAsync(app.Admin, AdminKey);

        // What a link on another site can do: a GET with the session cookie.
        using (var link = await browser.GetAsync(app.Admin + "/audit?handler=Export"))
        {
            Assert.NotEqual("application/x-ndjson", link.Content.Headers.ContentType?.MediaType);
        }

        Assert.DoesNotContain(await AuditAsync(governance), r => Str(r, "event") == "audit.exported");

        using var page = await browser.GetAsync(app.Admin + "/audit");
        using var export = await browser.PostAsync(app.Admin + "/audit?handler=Export", await page.Content.ReadAsStringAsync(), []);
        Assert.Equal("application/x-ndjson", export.Content.Headers.ContentType?.MediaType);
        var lines = (await export.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("\"admin.signin\"", StringComparison.Ordinal));
        Assert.Contains(await AuditAsync(governance), r => Str(r, "event") == "audit.exported" && Str(r, "user") == "admin");
    }

    [Fact]
    public async Task VerifyOnThePage_ARecordEditedInTheDatabase_IsCaughtByItsSealAsTheCliCatchesIt()
    {
        using var governance = new TempGovernance();
        using var browser = new HttpBrowser();
        await using var app = await StartAsync(governance.Store, $"{AdminKey}=admin:admins");
        await browser.SignInAsync(app.Admin, AdminKey);

        // A field that no indexed column mirrors: only the record's seal can show the edit.
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={governance.Store};Pooling=False"))
        {
            await db.OpenAsync();
            using var edit = db.CreateCommand();
            edit.CommandText = "UPDATE audit_log SET body = replace(body, 'groups: admins', 'groups: nobody') WHERE event = 'admin.signin'";
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }

        using var page = await browser.GetAsync(app.Admin + "/audit");
        using var verified = await browser.PostAsync(app.Admin + "/audit?handler=Verify", await page.Content.ReadAsStringAsync(), []);
        var html = WebUtility.HtmlDecode(await verified.Content.ReadAsStringAsync());

        Assert.Contains("audit chain BROKEN", html, StringComparison.Ordinal);
        Assert.Contains("content does not match its seal", html, StringComparison.Ordinal);
        Assert.Contains("sealed with HMAC-SHA256", html, StringComparison.Ordinal); // what was checked, as the CLI says it
    }

    [Fact]
    public async Task OidcSignIn_ForgedCallback_BackToTheSignInPageWithoutAnAuditRecord()
    {
        using var governance = new TempGovernance();
        await using var app = await AdminApp.StartWithOidcAsync(governance.Store);
        using var browser = new HttpBrowser();

        // A callback that no sign-in of this console started (a forged or replayed state): the handler refuses it, and
        // since anyone can send one, it is counted, not audited (AdminOidcSessionTests: those of its own sign-ins are).
        using var callback = await browser.GetAsync(app.Admin + "/signin-oidc?code=forged&state=forged");

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.EndsWith("/admin/signin?failed=oidc", callback.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await AuditAsync(governance), r => Str(r, "event") == "admin.signin.failed");
        using var page = await browser.GetAsync(app.Admin + "/signin?failed=oidc");
        Assert.Contains("Sign-in with the identity provider failed", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Task<AdminApp> StartAsync(string store, string keys, AdminSessionStore? sessions = null) =>
        AdminApp.StartAsync(store, new() { ["AUTH0_MCP_API_KEYS"] = keys, ["AUTH0_MCP_ADMIN_GROUPS"] = "admins" }, sessions is null ? null : s => s.AddSingleton(sessions));

    private static async Task<List<JsonElement>> AuditAsync(TempGovernance governance) =>
        [.. (await governance.AuditAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private static string? Str(JsonElement record, string name) => record.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
