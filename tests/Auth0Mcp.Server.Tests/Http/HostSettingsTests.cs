using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests.Http;

/// <summary>
/// Settings of <c>serve</c>: file, environment and command line (in that order of precedence), bound and validated at
/// start with every problem named by its key and environment variable.
/// </summary>
public sealed class HostSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("auth0mcp-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Problems(Dictionary<string, string?> env, params string[] args) =>
        Assert.Throws<UsageException>(() => Settings.Load(env, args)).Message;

    private string File(string json)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Http_WithoutAnyCallerAuthentication_IsRefusedWithTheVariablesToSet()
    {
        var message = Problems([], "--http", "http://127.0.0.1:8080");

        Assert.Contains("AUTH0_MCP_OIDC_AUTHORITY", message, StringComparison.Ordinal);
        Assert.Contains("AUTH0_MCP_API_KEYS", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_AreAllReportedAtOnce()
    {
        var message = Problems(new()
        {
            ["AUTH0_MCP_OIDC_AUTHORITY"] = "https://idp.example/",
            ["AUTH0_MCP_API_KEYS"] = "short=alice",
            ["AUTH0_MCP_TOOLS_MODE"] = "some",
            ["AUTH0_MCP_PAGE_SIZE"] = "ten",
            ["AUTH0_MCP_GOVERNANCE"] = "maybe",
        }, "--http", "http://127.0.0.1:8080");

        Assert.Contains("needs both AUTH0_MCP_OIDC_AUTHORITY and AUTH0_MCP_OIDC_AUDIENCE", message, StringComparison.Ordinal);
        Assert.Contains("API key #1 (alice) is too short", message, StringComparison.Ordinal);
        Assert.Contains("Server:ToolsMode (AUTH0_MCP_TOOLS_MODE, --tools-mode): expected full or progressive", message, StringComparison.Ordinal);
        Assert.Contains("Server:PageSize (AUTH0_MCP_PAGE_SIZE): expected a whole number, got 'ten'", message, StringComparison.Ordinal);
        Assert.Contains("Governance:Enabled (AUTH0_MCP_GOVERNANCE): expected on or off, got 'maybe'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://app.example.test/path")]
    [InlineData("app.example.test")]
    [InlineData("ftp://app.example.test")]
    [InlineData("https://app.example.test?x=1")]
    public void AllowedOrigins_NotAnOrigin_IsRefused(string origin)
    {
        var message = Problems(new() { ["AUTH0_MCP_API_KEYS"] = "0123456789abcdef0123=alice", ["AUTH0_MCP_ALLOWED_ORIGINS"] = "https://ok.example.test," + origin }, "--http", "http://0.0.0.0:8080");

        Assert.Contains("Server:AllowedOrigins (AUTH0_MCP_ALLOWED_ORIGINS): expected origins such as https://app.example.com", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c2hvcnQ=", "audit key 1 in Governance:AuditKey (AUTH0_MCP_AUDIT_KEY) is 5 bytes")]
    [InlineData("not base64!", "audit key 1 in Governance:AuditKey (AUTH0_MCP_AUDIT_KEY) is not base64")]
    public void AuditKey_Unusable_IsASettingsProblem(string key, string expected)
    {
        // Checked with the other settings (exit 2, named), not when the store opens (an unhandled exception).
        var message = Problems(new() { ["AUTH0_MCP_AUDIT_KEY"] = key });

        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, message.Replace(expected, "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/relative")]
    [InlineData("ftp://127.0.0.1/")]
    public void BaseUrl_NotAnHttpUrl_IsRefused(string url)
    {
        var message = Problems(new() { ["AUTH0_MCP_BASE_URL"] = url });

        Assert.Contains("Auth0:BaseUrl (AUTH0_MCP_BASE_URL) is not an absolute http(s) URL", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://10.1.2.3:4010", true)]
    [InlineData("http://auth0-mock.internal:4010/api/v2", true)]
    [InlineData("http://127.0.0.1:4010", false)]
    [InlineData("http://127.0.0.2:4010", false)]
    [InlineData("http://localhost:4010", false)]
    [InlineData("http://[::1]:4010", false)]
    [InlineData("https://tenant.example/api/v2", false)]
    public void BaseUrl_PlainHttpOffLoopback_IsRefusedForServeAndTheCommands(string url, bool refused)
    {
        var env = new Dictionary<string, string?> { ["AUTH0_MCP_BASE_URL"] = url, ["AUTH0_TOKEN"] = "tok-0123456789abcdef" };
        const string Message = "Auth0:BaseUrl (AUTH0_MCP_BASE_URL) must be https: the Auth0 token is sent to it, and plain http carries it in clear text (plain http only to a loopback address: 127.0.0.1 (any of 127.0.0.0/8), ::1 or localhost, e.g. a local mock)";
        if (refused)
        {
            Assert.Equal("invalid settings:\n  - " + Message, Problems(env));
            var commands = Assert.Throws<UsageException>(() => HostConfiguration.Load(new HostArguments(null, null, null), name => env.GetValueOrDefault(name), HostRole.Commands));
            Assert.Equal("invalid settings:\n  - " + Message, commands.Message);
        }
        else
        {
            Assert.Equal(url, Settings.Load(env).Auth0.BaseUrl);
            Assert.Equal(url, HostConfiguration.Load(new HostArguments(null, null, null), name => env.GetValueOrDefault(name), HostRole.Commands).Auth0.BaseUrl);
        }
    }

    [Theory]
    [InlineData("CN=mcp-admins,OU=Groups,DC=corp,DC=example", new[] { "CN=mcp-admins,OU=Groups,DC=corp,DC=example" })]
    [InlineData("ops, role=admin", new[] { "ops", "role=admin" })]
    [InlineData("ops,,dev,", new[] { "ops", "dev" })]
    public void StdioGroups_ADistinguishedNameIsOneGroup_AsTheCommandLineBindsIt(string groups, string[] expected)
    {
        var settings = Settings.Load(new() { ["AUTH0_MCP_USER"] = "bob", ["AUTH0_MCP_GROUPS"] = groups });

        Assert.Equal(expected, settings.Governance.StdioCaller!.Groups);
    }

    [Fact]
    public void DocsExample_CallApproval_LoadsWithItsCommentsAndATrailingComma()
    {
        // docs/governance.md's example, comments and all, as a settings file (which allows comments and trailing commas).
        var docs = System.IO.File.ReadAllText(Path.Combine(Repo.Root, "docs", "governance.md"));
        var at = docs.IndexOf("## Approval of one exact call", StringComparison.Ordinal);
        var start = docs.IndexOf("```json\n", at, StringComparison.Ordinal) + "```json\n".Length;
        var example = docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.Contains("//", example, StringComparison.Ordinal);

        var settings = Settings.Load([], "--config", File(example.Replace("\"Mode\": \"none\" }", "\"Mode\": \"none\", }", StringComparison.Ordinal)));

        var approvals = Assert.IsType<CallApprovalOptions>(settings.Governance.CallApprovals);
        Assert.Equal(CallApprovalMode.Elicit, approvals.Default);
        Assert.Equal(TimeSpan.FromMinutes(5), approvals.ElicitationTimeout);
        Assert.Equal(3, approvals.Rules.Count);
    }

    [Fact]
    public void LocalUser_OnANonLoopbackAddress_IsRefused()
    {
        var message = Problems(new() { ["AUTH0_MCP_HTTP_LOCAL_USER"] = "on", ["AUTH0_MCP_USER"] = "me" }, "--http", "http://0.0.0.0:8080");

        Assert.Contains("only allowed on a loopback address", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigFile_IsReadAndEnvironmentAndOptionsOverrideIt()
    {
        var file = File("""
            {
              // comments are allowed
              "Auth0": { "Domain": "tenant.example.auth0.com", "Token": "from-file" },
              "Server": { "Http": "http://127.0.0.1:9000/mcp", "ToolsMode": "full", "PageSize": 50 },
              "Governance": { "Store": "/tmp/x.db", "User": "ops-bot", "Groups": ["ops", "oncall"] },
              "Authentication": { "ApiKeys": [ { "Key": "file-key-0123456789abcdef", "User": "alice", "Groups": ["ops"] } ] },
            }
            """);

        var settings = Settings.Load(new() { ["AUTH0_TOKEN"] = "from-env" }, "--config", file, "--tools-mode", "progressive");

        Assert.Equal("tenant.example.auth0.com", settings.Auth0.Domain);
        Assert.Equal("from-env", settings.Auth0.Token);
        Assert.Equal(Sdk.Progressive.ToolsMode.Progressive, settings.Server.Mode);
        Assert.Equal(50, settings.Server.PageSize);
        Assert.Equal("/mcp", settings.HttpPath);
        Assert.Equal(["ops", "oncall"], settings.Governance.StdioCaller!.Groups);
        var key = Assert.Single(settings.Authentication.ApiKeys);
        Assert.Equal(("alice", "ops"), (key.User, Assert.Single(key.Groups)));
    }

    [Fact]
    public void Precedence_FileThenEnvironmentThenCommandLine_TheLaterWins()
    {
        var file = File("""
            {
              "Server": { "Http": "http://127.0.0.1:9001/file", "ToolsMode": "progressive", "PageSize": 7 },
              "Governance": { "User": "file-user", "Groups": "a, b" },
              "Authentication": { "LocalUser": true }
            }
            """);
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_MCP_CONFIG"] = file,
            ["AUTH0_MCP_HTTP"] = "http://127.0.0.1:9002/env",
            ["AUTH0_MCP_PAGE_SIZE"] = "9",
            ["AUTH0_MCP_USER"] = "env-user",
        };

        var fileAndEnvironment = Settings.Load(env);
        var all = Settings.Load(env, "--http", "http://127.0.0.1:9003/cli", "--tools-mode", "full");

        // file < environment
        Assert.Equal(("/env", 9, "env-user"), (fileAndEnvironment.HttpPath, fileAndEnvironment.Server.PageSize, fileAndEnvironment.Governance.User));
        // what only the file sets stays (a comma-separated list in the file is a list too)
        Assert.Equal((Sdk.Progressive.ToolsMode.Progressive, true), (fileAndEnvironment.Server.Mode, fileAndEnvironment.Authentication.LocalUser));
        Assert.Equal(["a", "b"], fileAndEnvironment.Governance.Groups);
        // environment < command line
        Assert.Equal(("/cli", Sdk.Progressive.ToolsMode.Full), (all.HttpPath, all.Server.Mode));
    }

    [Fact]
    public void Environment_DocumentedNames_ReachTheirSettings()
    {
        var settings = Settings.Load(new()
        {
            ["AUTH0_DOMAIN"] = "t.example.auth0.com",
            ["AUTH0_CLIENT_ID"] = "cid",
            ["AUTH0_CLIENT_SECRET"] = "secret",
            ["AUTH0_MCP_BASE_URL"] = "http://127.0.0.1:4010",
            ["AUTH0_MCP_STORE"] = "/tmp/g.db",
            ["AUTH0_MCP_USER"] = "alice",
            ["AUTH0_MCP_GROUPS"] = "ops, support",
            ["AUTH0_MCP_GOVERNANCE"] = "off",
            ["AUTH0_MCP_MAX_OUTPUT_BYTES"] = "2048",
            ["AUTH0_MCP_MAX_REQUEST_BYTES"] = "4096",
            ["AUTH0_MCP_CALLER_CONCURRENCY"] = "3",
            ["AUTH0_MCP_CREDENTIALS_FILE"] = "/tmp/creds.json",
            ["AUTH0_MCP_AUDIT_KEY_FILE"] = "/tmp/audit.key",
            ["AUTH0_MCP_AUDIT_CHECKPOINTS"] = "/tmp/checkpoints.log",
            ["AUTH0_MCP_API_KEYS"] = "key-0123456789abcdef=bob:ops,dev;key-fedcba9876543210=carol",
        });

        Assert.Equal(("t.example.auth0.com", "cid", "secret", "http://127.0.0.1:4010", "/tmp/creds.json"),
            (settings.Auth0.Domain, settings.Auth0.ClientId, settings.Auth0.ClientSecret, settings.Auth0.BaseUrl, settings.Auth0.CredentialsFile));
        Assert.Equal("tok", Settings.Load(new() { ["AUTH0_TOKEN"] = "tok" }).Auth0.Token);
        Assert.Equal(("/tmp/g.db", "alice", false, 2048), (settings.Governance.Store, settings.Governance.User, settings.Governance.Enabled, settings.Governance.MaxOutputBytes));
        Assert.Equal(["ops", "support"], settings.Governance.Groups);
        Assert.Equal(("/tmp/audit.key", "/tmp/checkpoints.log"), (settings.Governance.AuditKeyFile, settings.Governance.AuditCheckpoints));
        Assert.Equal((4096, 3), (settings.Server.MaxRequestBytes, settings.Server.MaxConcurrentRequestsPerCaller));
        Assert.Equal(8, Settings.Load([]).Server.MaxConcurrentRequestsPerCaller);
        Assert.Equal(["bob:ops,dev", "carol:"], settings.Authentication.ApiKeys.Select(k => $"{k.User}:{string.Join(',', k.Groups)}"));
    }

    [Fact]
    public void TokenAndClientCredentials_BothSet_IsRefusedNamingBoth()
    {
        // A token wins over client credentials: with both, one would be ignored silently.
        var message = Problems(new() { ["AUTH0_TOKEN"] = "tok-1f2e3d", ["AUTH0_CLIENT_ID"] = "cid-7a8b9c", ["AUTH0_CLIENT_SECRET"] = "value-4c5b6a" });

        Assert.Contains("AUTH0_TOKEN and AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET are both set", message, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-1f2e3d", message, StringComparison.Ordinal);
        Assert.DoesNotContain("value-4c5b6a", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tok", "cid", null)] // a client id alone is no credential: the token is the one
    [InlineData(" ", "cid", "secret")] // a blank token is no token: the client credentials are the one
    public void TokenAndClientCredentials_OnlyOneWholeCredential_IsAccepted(string? token, string? clientId, string? secret)
    {
        var settings = Settings.Load(new() { ["AUTH0_TOKEN"] = token, ["AUTH0_CLIENT_ID"] = clientId, ["AUTH0_CLIENT_SECRET"] = secret });

        Assert.Equal(clientId, settings.Auth0.ClientId);
    }

    [Fact]
    public void GroupsAndSubjectClaims_Configured_AreTheOnlyOnesGovernanceReads()
    {
        // A token with the configured roles claim and a "groups" claim beside it: only the configured one counts.
        var settings = Settings.Load([], "--config", File("""{ "Authentication": { "Jwt": { "SubjectClaim": "email", "GroupsClaim": "https://acme/roles" } } }"""));
        var options = new Sdk.Governance.ToolGovernanceOptions();
        settings.ApplyTo(options);
        var principal = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
        [
            new("sub", "auth0|attacker"), new("email", "carol@example.com"),
            new("https://acme/roles", "support"), new("groups", "mcp-admins"), new("group", "mcp-admins"),
        ], "Bearer"));

        var caller = new Sdk.Governance.ClaimsCallerIdentityResolver(options).Resolve(principal)!;

        Assert.Equal("carol@example.com", caller.User);
        Assert.Equal(["support"], caller.Groups);
        Assert.Null(new Sdk.Governance.ClaimsCallerIdentityResolver(options).Resolve(new System.Security.Claims.ClaimsPrincipal(
            new System.Security.Claims.ClaimsIdentity([new("sub", "auth0|no-email")], "Bearer")))); // no fallback to sub
    }

    [Theory]
    [InlineData("http://login.example.com/", true)]
    [InlineData("https://login.example.com/", false)]
    [InlineData("http://127.0.0.1:9000/", false)]
    public void JwtAuthority_PlainHttp_RefusedUnlessLoopback(string authority, bool refused)
    {
        var env = new Dictionary<string, string?> { ["AUTH0_MCP_OIDC_AUTHORITY"] = authority, ["AUTH0_MCP_OIDC_AUDIENCE"] = "https://mcp.example.com/" };
        const string Message = "Authentication:Jwt:Authority (AUTH0_MCP_OIDC_AUTHORITY) must be https";
        if (refused)
        {
            Assert.Contains(Message, Problems(env, "--http", "http://127.0.0.1:8080/mcp"), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(authority, Settings.Load(env, "--http", "http://127.0.0.1:8080/mcp").Authentication.Jwt.Authority);
        }
    }

    [Fact]
    public void ApiKey_ShapedLikeAJwt_IsRefused()
    {
        var message = Problems(new() { ["AUTH0_MCP_API_KEYS"] = "aaaaaaaa.bbbbbbbb.cccccccc=bob" }, "--http", "http://127.0.0.1:8080/mcp");

        Assert.Contains("API key #1 (bob) has two dots", message, StringComparison.Ordinal);
        Assert.DoesNotContain("aaaaaaaa", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cHJvYmUtc2VjcmV0LWtleS0xMjM==alice", "cHJvYmUtc2VjcmV0LWtleS0xMjM=", "alice:")] // base64 of probe-secret-key-123
    [InlineData("c2l4dGVlbi1ieXRlLWtleQ===alice", "c2l4dGVlbi1ieXRlLWtleQ==", "alice:")] // openssl rand -base64 16
    [InlineData("c2l4dGVlbi1ieXRlLWtleQ===alice:ops,dev", "c2l4dGVlbi1ieXRlLWtleQ==", "alice:ops,dev")]
    [InlineData("cHJvYmUtc2VjcmV0LWtleS0xMjM=alice", "cHJvYmUtc2VjcmV0LWtleS0xMjM", "alice:")]
    [InlineData("alicekey0123456789abcdef = alice", "alicekey0123456789abcdef", "alice:")]
    [InlineData("alicekey0123456789abcd== alice : ops", "alicekey0123456789abcd=", "alice:ops")]
    public void EnvironmentApiKeys_TheKeyEndsAtTheLastEqualsOfTheFirstRun_SpacesAroundItAreLayout(string variable, string key, string who)
    {
        var entry = Assert.Single(Settings.Load(new() { ["AUTH0_MCP_API_KEYS"] = variable }, "--http", "http://127.0.0.1:8080/mcp").Authentication.ApiKeys);

        Assert.Equal(key, entry.Key);
        Assert.Equal(who, $"{entry.User}:{string.Join(',', entry.Groups)}");
    }

    [Theory]
    [InlineData("k-0123456789abcdef= =alice", "AUTH0_MCP_API_KEYS: entry #1 has a user starting with '='")]
    [InlineData("k-0123456789abcdef== = alice", "AUTH0_MCP_API_KEYS: entry #1 has a user starting with '='")]
    [InlineData("k-0123456789abcdef==:ops", "AUTH0_MCP_API_KEYS: entry #1 has no user")]
    [InlineData("k-0123456789abcdef==", "AUTH0_MCP_API_KEYS: entry #1 is not KEY=user[:group1,group2]")]
    [InlineData("==alice", "AUTH0_MCP_API_KEYS: entry #1 is not KEY=user[:group1,group2]")]
    public void EnvironmentApiKeys_NoUserOrOneStartingWithEquals_IsRefused(string variable, string expected)
    {
        var message = Problems(new() { ["AUTH0_MCP_API_KEYS"] = variable }, "--http", "http://127.0.0.1:8080/mcp");

        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef", message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileApiKeys_AnyKeyText_IsTheKey()
    {
        // What the environment's form cannot hold (';', '=' inside, ':' and ',') the settings file takes as written.
        const string key = "a;b=c:d,e==0123456789abcdef";
        var file = File($$"""{ "Authentication": { "ApiKeys": [ { "Key": "{{key}}", "User": "alice" } ] } }""");

        Assert.Equal(key, Assert.Single(Settings.Load([], "--config", file, "--http", "http://127.0.0.1:8080/mcp").Authentication.ApiKeys).Key);
    }

    [Fact]
    public void FileApiKeys_SpacesAroundTheKeyUserOrAGroup_AreRefusedNamingTheSetting_NeverTheKey()
    {
        // A client's key is trimmed, so " KEY " never matched; the subject "carol " never matched a profile bound to carol.
        var file = File("""
            { "Authentication": { "ApiKeys": [
                { "Key": "carol-key-0123456789abcdef ", "User": "carol ", "Groups": [" ops", "dev"] },
                { "Key": "dave-key-0123456789abcdef", "User": "dave" } ] } }
            """);

        var message = Problems([], "--config", file, "--http", "http://127.0.0.1:8080/mcp");

        Assert.Contains("Authentication:ApiKeys (AUTH0_MCP_API_KEYS): API key #1 (carol )'s Key has spaces at its start or end, so it could never match (a client's key is trimmed): remove them", message, StringComparison.Ordinal);
        Assert.Contains("Authentication:ApiKeys (AUTH0_MCP_API_KEYS): API key #1 (carol )'s User 'carol ': no spaces at either end: write it as 'carol'", message, StringComparison.Ordinal);
        Assert.Contains("API key #1 (carol )'s group ' ops': no spaces at either end: write it as 'ops'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("'dev'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("API key #2", message, StringComparison.Ordinal);
        Assert.DoesNotContain("key-0123456789", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiKeys_UserOrGroupNotInNormalizationFormC_IsRefusedGivingTheNfcForm()
    {
        // "jose" + U+0301 prints as "josé" but never matches the caller "jos" + U+00E9 a profile is bound to.
        var message = Problems(new() { ["AUTH0_MCP_API_KEYS"] = "jose-key-0123456789abcdef=jose\u0301:cafe\u0301,ops" }, "--http", "http://127.0.0.1:8080/mcp");

        Assert.Contains("Authentication:ApiKeys (AUTH0_MCP_API_KEYS): API key #1 (jose\u0301)'s User 'jose\u0301': not in Unicode normalization form C", message, StringComparison.Ordinal);
        Assert.Contains("write it as 'jos\u00e9' (NFC)", message, StringComparison.Ordinal);
        Assert.Contains("'s group 'cafe\u0301': not in Unicode normalization form C", message, StringComparison.Ordinal);
        Assert.Contains("write it as 'caf\u00e9' (NFC)", message, StringComparison.Ordinal);
        Assert.DoesNotContain("'ops'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigFile_Token_IsBound()
    {
        var settings = Settings.Load([], "--config", File("""{ "Auth0": { "Token": "file-token" } }"""));

        Assert.Equal("file-token", settings.Auth0.Token);
    }

    [Fact]
    public void ConfigFile_SavedWithAUtf8ByteOrderMark_IsReadLikeOneWithout()
    {
        // Notepad and PowerShell's -Encoding utf8 write one; the configuration provider skips it, and so must the
        // server's own parse of the file (the structured settings): it said "'0xEF' is an invalid start of a value".
        var path = Path.Combine(_dir, "bom.json");
        System.IO.File.WriteAllText(path, """{ "Auth0": { "Token": "file-token" }, "Server": { "PageSize": 50 } }""", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Equal(0xEF, System.IO.File.ReadAllBytes(path)[0]);

        var settings = Settings.Load([], "--config", path);

        Assert.Equal("file-token", settings.Auth0.Token);
        Assert.Equal(50, settings.Server.PageSize);
    }

    [Fact]
    public void ConfigFile_UnknownSetting_IsNamed()
    {
        var file = File("""{ "Server": { "Htpp": "http://127.0.0.1:1" }, "Extra": { "A": 1 } }""");

        var message = Problems([], "--config", file);

        Assert.Contains("unknown setting Server:Htpp", message, StringComparison.Ordinal);
        Assert.Contains("unknown section 'Extra'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigFile_NotJson_IsNamed()
    {
        var file = File("""{ "Server": """);

        var message = Problems([], "--config", file);

        Assert.Contains($"config file '{file}'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigFile_ArgumentPoliciesAndCallApproval_KeepTheirJsonTypes()
    {
        var file = File("""
            {
              "Governance": {
                "ArgumentPolicies": [ { "Name": "small-pages", "Tools": "auth0_users_list", "Path": "/per_page", "Max": 50 } ],
                "CallApproval": { "Default": "admin", "Expiry": "2h", "Rules": [ { "Tools": ["auth0_users_delete"], "Mode": "elicit" } ] }
              }
            }
            """);

        var governance = Settings.Load([], "--config", file).Governance;

        var rule = Assert.Single(governance.ArgumentRules);
        Assert.Equal("/per_page max 50", rule.ToString());
        Assert.Equal((Sdk.Governance.CallApprovalMode.Admin, TimeSpan.FromHours(2)), (governance.CallApprovals!.Default, governance.CallApprovals.Expiry));
        Assert.Equal(["auth0_users_delete"], Assert.Single(governance.CallApprovals.Rules).Tools);
    }

    [Fact]
    public void UnknownOption_IsAUsageError()
    {
        var ex = Assert.Throws<UsageException>(() => Settings.Load([], "--htp", "x"));

        Assert.Contains("unexpected argument '--htp'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SettingsCatalog_EveryKey_IsBoundByTheModel()
    {
        // Each documented key set in the file is read without an "unknown setting" problem and lands on the model:
        // the table (environment names, docs, --help) and the bound types cannot drift apart.
        var values = new System.Text.Json.Nodes.JsonObject();
        foreach (var setting in SettingsCatalog.All)
        {
            var node = values;
            var parts = setting.Key.Split(':');
            foreach (var part in parts[..^1])
            {
                node = (System.Text.Json.Nodes.JsonObject)(node[part] ??= new System.Text.Json.Nodes.JsonObject());
            }

            System.Text.Json.Nodes.JsonNode? value = setting.Kind switch
            {
                SettingKind.Number => 2048,
                SettingKind.Switch => false,
                SettingKind.List when setting.Key.EndsWith("Origins", StringComparison.Ordinal) => new System.Text.Json.Nodes.JsonArray("https://app.example.test"),
                SettingKind.List => new System.Text.Json.Nodes.JsonArray("g"),
                SettingKind.ApiKeys => System.Text.Json.Nodes.JsonNode.Parse("""[{"Key": "k-0123456789abcdef", "User": "u"}]"""),
                SettingKind.Json when setting.Key.EndsWith("ArgumentPolicies", StringComparison.Ordinal) => new System.Text.Json.Nodes.JsonArray(),
                SettingKind.Json => new System.Text.Json.Nodes.JsonObject(),
                _ when setting.Key.EndsWith("Url", StringComparison.Ordinal) || setting.Key.EndsWith("Authority", StringComparison.Ordinal) => "http://127.0.0.1:1",
                _ when setting.Key.EndsWith("ToolsMode", StringComparison.Ordinal) => "progressive",
                _ when setting.Key == "Server:LogLevel" => "Debug",
                _ when setting.Key == "Server:LogFormat" => "json",
                _ when setting.Key.EndsWith("AuditKey", StringComparison.Ordinal) => null,
                _ when setting.Key == "Server:Http" => null,
                // A token beside the client credentials is refused (ConfigFile_Token_IsBound binds it from a file).
                _ when setting.Key == "Auth0:Token" => null,
                _ => "x-" + parts[^1],
            };
            if (value is not null)
            {
                node[parts[^1]] = value;
            }
        }

        var settings = Settings.Load([], "--config", File(values.ToJsonString()));

        Assert.Equal("x-Domain", settings.Auth0.Domain);
        Assert.Equal("x-Audience", settings.Authentication.Jwt.Audience);
        Assert.Equal(("x-ClientId", "x-ClientSecret"), (settings.Admin.ClientId, settings.Admin.ClientSecret));
        Assert.Equal(["g"], settings.Admin.Groups);
        Assert.Equal(["https://app.example.test"], settings.Server.AllowedOrigins);
        Assert.Equal((2048, 2048, 2048, 2048), (settings.Server.PageSize, settings.Server.MaxRequestBytes, settings.Server.MaxConcurrentRequestsPerCaller, settings.Governance.MaxOutputBytes));
        Assert.Equal("u", Assert.Single(settings.Authentication.ApiKeys).User);
        Assert.Equal(("Debug", "json"), (settings.Server.LogLevel, settings.Server.LogFormat));
    }

    /// <summary>The log's level and format: names only (no number, no list), a bad one refused at start naming the setting and the value.</summary>
    [Theory]
    [InlineData("AUTH0_MCP_LOG_LEVEL", "verbose", "Server:LogLevel (AUTH0_MCP_LOG_LEVEL): expected Trace, Debug, Information, Warning, Error or Critical, got 'verbose'")]
    [InlineData("AUTH0_MCP_LOG_LEVEL", "3", "Server:LogLevel (AUTH0_MCP_LOG_LEVEL): expected Trace, Debug, Information, Warning, Error or Critical, got '3'")]
    [InlineData("AUTH0_MCP_LOG_LEVEL", "Debug, Error", "Server:LogLevel (AUTH0_MCP_LOG_LEVEL): expected Trace, Debug, Information, Warning, Error or Critical, got 'Debug, Error'")]
    [InlineData("AUTH0_MCP_LOG_LEVEL", "None", "Server:LogLevel (AUTH0_MCP_LOG_LEVEL): expected Trace, Debug, Information, Warning, Error or Critical, got 'None'")]
    [InlineData("AUTH0_MCP_LOG_FORMAT", "xml", "Server:LogFormat (AUTH0_MCP_LOG_FORMAT): expected text or json, got 'xml'")]
    public void LogLevelOrFormat_Unknown_IsRefusedNamingTheSetting(string variable, string value, string problem)
    {
        Assert.Contains(problem, Problems(new() { [variable] = value }), StringComparison.Ordinal);
    }

    [Fact]
    public void LogLevelAndFormat_Names_AreTakenInAnyCase_DefaultWarningText()
    {
        var defaults = Settings.Load(new Dictionary<string, string?>());
        var set = Settings.Load(new Dictionary<string, string?> { ["AUTH0_MCP_LOG_LEVEL"] = "information", ["AUTH0_MCP_LOG_FORMAT"] = "JSON" });

        Assert.True(HostLogging.TryParseLevel(defaults.Server.LogLevel, out var level));
        Assert.True(HostLogging.TryParseFormat(defaults.Server.LogFormat, out var json));
        Assert.Equal((Microsoft.Extensions.Logging.LogLevel.Warning, false), (level, json));
        Assert.True(HostLogging.TryParseLevel(set.Server.LogLevel, out level));
        Assert.True(HostLogging.TryParseFormat(set.Server.LogFormat, out json));
        Assert.Equal((Microsoft.Extensions.Logging.LogLevel.Information, true), (level, json));
    }
}
