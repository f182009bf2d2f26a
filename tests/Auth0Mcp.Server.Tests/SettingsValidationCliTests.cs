namespace Auth0Mcp.Server.Tests;

/// <summary>
/// Each validation of the settings reaches the user through the real command line: <c>auth0-mcp serve</c> (in process,
/// with its own environment) exits 2 with one line naming the setting's key and environment variable.
/// </summary>
public sealed class SettingsValidationCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("auth0mcp-validation-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string, string> Invalid => new()
    {
        { "AUTH0_MCP_PAGE_SIZE", "-1", "Server:PageSize (AUTH0_MCP_PAGE_SIZE) must be 0 or positive" },
        { "AUTH0_MCP_PAGE_SIZE", "ten", "Server:PageSize (AUTH0_MCP_PAGE_SIZE): expected a whole number, got 'ten'" },
        { "AUTH0_MCP_MAX_REQUEST_BYTES", "100", "Server:MaxRequestBytes (AUTH0_MCP_MAX_REQUEST_BYTES) must be at least 1024" },
        { "AUTH0_MCP_CALLER_CONCURRENCY", "0", "Server:MaxConcurrentRequestsPerCaller (AUTH0_MCP_CALLER_CONCURRENCY) must be at least 1" },
        { "AUTH0_MCP_CALLER_SESSIONS", "0", "Server:MaxSessionsPerCaller (AUTH0_MCP_CALLER_SESSIONS) must be at least 1" },
        { "AUTH0_MCP_SESSION_IDLE_MINUTES", "0", "Server:SessionIdleMinutes (AUTH0_MCP_SESSION_IDLE_MINUTES) must be at least 1" },
        { "AUTH0_MCP_MAX_IDLE_SESSIONS", "0", "Server:MaxIdleSessions (AUTH0_MCP_MAX_IDLE_SESSIONS) must be at least 1" },
        { "AUTH0_MCP_MAX_OUTPUT_BYTES", "10", "Governance:MaxOutputBytes (AUTH0_MCP_MAX_OUTPUT_BYTES) must be at least 1024" },
        { "AUTH0_MCP_BASE_URL", "not a url", "Auth0:BaseUrl (AUTH0_MCP_BASE_URL) is not an absolute http(s) URL" },
        { "AUTH0_MCP_HTTP", "ftp://127.0.0.1/", "Server:Http (AUTH0_MCP_HTTP, --http): expected an http(s) URL" },
        { "AUTH0_MCP_TOOLS_MODE", "some", "Server:ToolsMode (AUTH0_MCP_TOOLS_MODE, --tools-mode): expected full or progressive" },
        { "AUTH0_MCP_OIDC_AUTHORITY", "ftp://idp.example/", "Authentication:Jwt:Authority (AUTH0_MCP_OIDC_AUTHORITY) is not an absolute http(s) URL" },
        { "AUTH0_MCP_GOVERNANCE", "maybe", "Governance:Enabled (AUTH0_MCP_GOVERNANCE): expected on or off, got 'maybe'" },
        { "AUTH0_MCP_API_KEYS", "no-equals-sign", "AUTH0_MCP_API_KEYS: entry #1 is not KEY=user[:group1,group2]" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Serve_InvalidEnvironmentValue_ExitsTwoNamingTheSetting(string variable, string value, string message)
    {
        var (code, stdout, stderr) = await RunAsync(new() { [variable] = value }, "serve");

        Assert.True(code == Cli.Usage, $"exit {code}: {stderr}");
        Assert.Empty(stdout);
        Assert.StartsWith("auth0-mcp: invalid settings:", stderr, StringComparison.Ordinal);
        Assert.Contains("\n  - " + message, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("x.example.invalid:99999")]
    [InlineData("x.example.invalid:0")]
    [InlineData("x.example.invalid/path")]
    [InlineData("https://x.example.invalid/path")]
    [InlineData("http://x.example.invalid")]
    [InlineData("user@x.example.invalid")]
    [InlineData("x.example.invalid?q=1")]
    [InlineData("-x.example.invalid")]
    [InlineData("x..example")]
    public async Task Commands_InvalidAuth0Domain_ExitTwoNamingTheKeyAndVariable(string domain)
    {
        var store = Path.Combine(_dir, "governance.db");

        foreach (var command in new[] { new[] { "doctor" }, ["serve"], ["tools", "list"] })
        {
            var (code, stdout, stderr) = await RunAsync(new() { ["AUTH0_DOMAIN"] = domain, ["AUTH0_TOKEN"] = "t", ["AUTH0_MCP_STORE"] = store }, command);

            Assert.True(code == Cli.Usage, $"{command[0]}: exit {code}: {stderr}");
            Assert.Empty(stdout);
            Assert.Equal(
                $"auth0-mcp: invalid settings:\n  - Auth0:Domain (AUTH0_DOMAIN): expected a host name with an optional port (1-65535), optionally after https://, e.g. your-tenant.us.auth0.com, got '{domain}'",
                stderr.TrimEnd());
            Assert.False(File.Exists(store));
        }
    }

    [Theory]
    [InlineData("your-tenant.us.auth0.com")]
    [InlineData("https://your-tenant.us.auth0.com/")]
    [InlineData("login.example.com:8443")]
    [InlineData("127.0.0.1:65535")]
    public async Task Commands_ValidAuth0Domain_Accepted(string domain)
    {
        // A command that opens (and so creates) the store: the audit commands would stop at a store that is not there.
        var (code, _, stderr) = await RunAsync(new() { ["AUTH0_DOMAIN"] = domain, ["AUTH0_MCP_STORE"] = Path.Combine(_dir, "governance.db") }, "kill-switch", "status");

        Assert.True(code == Cli.Ok, $"exit {code}: {stderr}");
    }

    [Fact]
    public async Task Serve_InvalidValueInTheSettingsFile_ExitsTwoNamingTheKey()
    {
        var file = Path.Combine(_dir, "settings.json");
        await File.WriteAllTextAsync(file, """{ "Authentication": { "Jwt": { "SubjectClaim": "" } }, "Server": { "PageSize": -5 } }""");

        var (code, _, stderr) = await RunAsync([], "serve", "--config", file);

        Assert.True(code == Cli.Usage, $"exit {code}: {stderr}");
        Assert.Contains("Authentication:Jwt:SubjectClaim must not be empty", stderr, StringComparison.Ordinal);
        Assert.Contains("Server:PageSize (AUTH0_MCP_PAGE_SIZE) must be 0 or positive", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("99999999d")]
    [InlineData("Infinitys")]
    [InlineData("367d")]
    public async Task Commands_CallApprovalExpiryTooLongInTheSettingsFile_ExitTwoNamingTheKey(string expiry)
    {
        var file = Path.Combine(_dir, "settings.json");
        await File.WriteAllTextAsync(file, $$"""{ "Governance": { "CallApproval": { "Expiry": "{{expiry}}" } } }""");
        var store = Path.Combine(_dir, "governance.db");

        var (code, stdout, stderr) = await RunAsync(new() { ["AUTH0_MCP_CONFIG"] = file, ["AUTH0_MCP_STORE"] = store }, "audit", "verify");

        Assert.True(code == Cli.Usage, $"exit {code}: {stderr}");
        Assert.Empty(stdout);
        Assert.Equal(
            $"auth0-mcp: invalid settings:\n  - Governance: CallApproval:Expiry: duration '{expiry}' is too long: at most 366d (366 days)",
            stderr.TrimEnd());
        Assert.False(File.Exists(store));
    }

    [Theory]
    [InlineData("tools", "show", "auth0_users_update")]
    [InlineData("serve")]
    public async Task Commands_CallApprovalRuleNamingAToolInAnotherCase_ExitTwoNamingTheRuleAndThePattern(params string[] command)
    {
        // Tool names compare exactly: the rule would cover no call, while the server.started record listed it.
        var file = Path.Combine(_dir, "settings.json");
        await File.WriteAllTextAsync(file, """{ "Governance": { "CallApproval": { "Rules": [ { "Tools": ["auth0_Users_update"], "Mode": "admin" } ] } } }""");

        var (code, stdout, stderr) = await RunAsync(new() { ["AUTH0_MCP_CONFIG"] = file, ["AUTH0_MCP_STORE"] = Path.Combine(_dir, "governance.db") }, command);

        Assert.True(code == Cli.Usage, $"exit {code}: {stderr}");
        Assert.Empty(stdout);
        Assert.StartsWith("auth0-mcp: invalid settings:", stderr, StringComparison.Ordinal);
        Assert.True(stderr.Contains("\n  - Governance: call approval rule #1 (tools=auth0_Users_update -> admin): no tool matches 'auth0_Users_update'; did you mean 'auth0_users_update'", StringComparison.Ordinal), stderr);
    }

    [Fact]
    public async Task AuditVerify_ConfigOption_TheStoreOfThatFileIsTheOneLookedFor()
    {
        var file = Path.Combine(_dir, "settings.json");
        var store = Path.Combine(_dir, "from-config.db");
        await File.WriteAllTextAsync(file, new System.Text.Json.Nodes.JsonObject { ["Governance"] = new System.Text.Json.Nodes.JsonObject { ["Store"] = store } }.ToJsonString());

        // A command that only reads creates no store: that it names this one shows the file's setting was used.
        var (code, _, stderr) = await RunAsync([], "audit", "verify", "--config", file);

        Assert.True(code == Cli.Usage, $"exit {code}: {stderr}");
        Assert.Contains($"no governance store at {store}", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(store));
    }

    [Theory]
    [InlineData("--config", "FILE", "tools", "approve", "auth0_users_list")]
    [InlineData("kill-switch", "status", "--config=FILE")]
    [InlineData("toolsets", "grants", "all-approved", "--config", "FILE")]
    public async Task Commands_ConfigOption_TheStoreOfThatFileIsUsed(params string[] args)
    {
        var file = Path.Combine(_dir, "settings.json");
        var store = Path.Combine(_dir, "from-config.db");
        await File.WriteAllTextAsync(file, new System.Text.Json.Nodes.JsonObject { ["Governance"] = new System.Text.Json.Nodes.JsonObject { ["Store"] = store } }.ToJsonString());

        var (code, _, stderr) = await RunAsync([], [.. args.Select(a => a.Replace("FILE", file, StringComparison.Ordinal))]);

        Assert.True(code == Cli.Ok, $"exit {code}: {stderr}");
        Assert.True(File.Exists(store));
    }

    [Fact]
    public async Task Commands_ConfigOptionWithAnInvalidValue_ExitTwoNamingTheKey()
    {
        var file = Path.Combine(_dir, "settings.json");
        await File.WriteAllTextAsync(file, """{ "Governance": { "Store": "unused.db" }, "Server": { "PageSize": -5 } }""");

        var (code, stdout, stderr) = await RunAsync([], "audit", "verify", "--config", file);

        Assert.True(code == Cli.Usage, $"exit {code}: {stderr}");
        Assert.Empty(stdout);
        Assert.Equal("auth0-mcp: invalid settings:\n  - Server:PageSize (AUTH0_MCP_PAGE_SIZE) must be 0 or positive", stderr.TrimEnd());
    }

    [Fact]
    public async Task Serve_InvalidCommandLineValue_ExitsTwoNamingTheOption()
    {
        var (code, _, stderr) = await RunAsync([], "serve", "--tools-mode=some", "--http", "http://127.0.0.1:0/mcp?x=1");

        Assert.True(code == Cli.Usage, $"exit {code}: {stderr}");
        Assert.Contains("--tools-mode): expected full or progressive", stderr, StringComparison.Ordinal);
        Assert.Contains("--http): expected an http(s) URL", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_InvalidSetting_ExitTwoBeforeTouchingTheStore()
    {
        var store = Path.Combine(_dir, "governance.db");

        var (code, _, stderr) = await RunAsync(new() { ["AUTH0_MCP_STORE"] = store, ["AUTH0_MCP_MAX_OUTPUT_BYTES"] = "1" }, "tools", "approve", "auth0_users_list");

        Assert.True(code == Cli.Usage, $"exit {code}: {stderr}");
        Assert.Contains("Governance:MaxOutputBytes (AUTH0_MCP_MAX_OUTPUT_BYTES) must be at least 1024", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(store));
    }

    [Fact]
    public async Task Serve_CredentialsFileWhoseFolderCannotBeCreated_ExitsTwoNamingTheSetting()
    {
        // A regular file where a folder should be: no folder can be created under it, whoever runs the test.
        var notAFolder = Path.Combine(_dir, "plain-file");
        await File.WriteAllTextAsync(notAFolder, "x");

        var (code, stdout, stderr) = await RunAsync(new()
        {
            ["AUTH0_MCP_STORE"] = Path.Combine(_dir, "governance.db"),
            ["AUTH0_MCP_CREDENTIALS_FILE"] = Path.Combine(notAFolder, "auth0-mcp", "credentials.json"),
        }, "serve");

        Assert.True(code == Cli.Usage, $"exit {code}: {stderr}");
        Assert.Empty(stdout);
        Assert.StartsWith("auth0-mcp: invalid settings:\n  - Auth0:CredentialsFile (AUTH0_MCP_CREDENTIALS_FILE): the credentials file's folder", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=localhost;Port=abc;Username=u;Password=SecretPw1", "not a valid PostgreSQL connection string (the value of 'port' is not valid)")]
    [InlineData("Host=localhost;Username=u;Passwrd=SecretPw1", "not a valid PostgreSQL connection string ('passwrd' is not a keyword Npgsql knows)")]
    [InlineData("Username=u;Passwrd=SecretPw1;Database=d", "not a valid PostgreSQL connection string ('passwrd' is not a keyword Npgsql knows)")]
    [InlineData("Database=d;Username=u;Password=SecretPw1", "not a valid PostgreSQL connection string (it has no 'Host')")]
    [InlineData("postgresql://u:SecretPw1@localhost:5999/db", "a postgres:// URL is not accepted: write the PostgreSQL store as a connection string of keywords")]
    public async Task Commands_StoreThatIsNeitherAConnectionStringNorAPath_ExitTwoWithoutTheValue(string location, string message)
    {
        // Each used to crash (an unhandled ArgumentException: SIGABRT, a core dump holding the credentials) or, for a
        // mistyped keyword, make a SQLite file named after the connection string, password and all.
        var cwd = Directory.EnumerateFileSystemEntries(Environment.CurrentDirectory).ToHashSet();
        foreach (var command in new[] { new[] { "doctor" }, ["serve"], ["tools", "list"], ["audit", "verify"], ["kill-switch", "status"] })
        {
            var (code, stdout, stderr) = await RunAsync(new() { ["AUTH0_DOMAIN"] = "t.example.auth0.com", ["AUTH0_TOKEN"] = "t", ["AUTH0_MCP_STORE"] = location }, command);

            Assert.True(code == Cli.Usage, $"{command[0]}: exit {code}: {stderr}");
            Assert.Empty(stdout);
            Assert.StartsWith("auth0-mcp: invalid settings:\n  - Governance:Store (AUTH0_MCP_STORE): " + message, stderr, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SecretPw1", stderr, StringComparison.Ordinal);
        }

        Assert.Equal(cwd, Directory.EnumerateFileSystemEntries(Environment.CurrentDirectory).ToHashSet());
    }

    [Theory]
    [InlineData("Bearer SecretTok_Pp9Oo8", "Auth0:Token (AUTH0_TOKEN) is the token itself, without the \"Bearer \" prefix (it is added when the token is sent)")]
    [InlineData("bearer\tSecretTok_Pp9Oo8", "Auth0:Token (AUTH0_TOKEN) is the token itself, without the \"Bearer \" prefix")]
    [InlineData("SecretTok_Pp9Oo8\nX-Injected: 1", "Auth0:Token (AUTH0_TOKEN) has characters a bearer token cannot carry")]
    [InlineData("SecretTok_Pp9Oo8 xyz", "Auth0:Token (AUTH0_TOKEN) has characters a bearer token cannot carry")]
    [InlineData("SecretTok_Pp9Oo8\u0001", "Auth0:Token (AUTH0_TOKEN) has characters a bearer token cannot carry")]
    public async Task Commands_TokenABearerHeaderCannotCarry_ExitTwoWithoutTheValue(string token, string message)
    {
        var store = Path.Combine(_dir, "governance.db");

        // serve and doctor used to abort (an unhandled OptionsValidationException or FormatException: exit 134).
        foreach (var command in new[] { new[] { "doctor" }, ["serve"], ["tools", "list"] })
        {
            var (code, stdout, stderr) = await RunAsync(new() { ["AUTH0_DOMAIN"] = "t.example.auth0.com", ["AUTH0_TOKEN"] = token, ["AUTH0_MCP_STORE"] = store }, command);

            Assert.True(code == Cli.Usage, $"{command[0]}: exit {code}: {stderr}");
            Assert.Empty(stdout);
            Assert.StartsWith("auth0-mcp: invalid settings:\n  - " + message, stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("SecretTok", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(store));
        }
    }

    [Theory]
    [InlineData("  eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln  ")]
    [InlineData("abc-._~+/==")]
    [InlineData("Bearer")]
    [InlineData("BearerToken123")]
    public async Task Commands_TokenABearerHeaderCarries_Accepted(string token)
    {
        var (code, _, stderr) = await RunAsync(new() { ["AUTH0_TOKEN"] = token, ["AUTH0_MCP_STORE"] = Path.Combine(_dir, "governance.db") }, "kill-switch", "status");

        Assert.True(code == Cli.Ok, $"exit {code}: {stderr}");
    }

    [PostgresFact]
    public async Task Commands_PostgresConnectionStringWithSpaces_OpensTheSharedPostgresStoreNotAFile()
    {
        var admin = new Npgsql.NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable));
        var database = "spc_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(admin.ConnectionString, $"CREATE DATABASE {database}");
        try
        {
            var cwd = Directory.EnumerateFileSystemEntries(Environment.CurrentDirectory).ToHashSet();
            var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            Dictionary<string, string?> Env(string store) => new()
            {
                ["AUTH0_MCP_STORE"] = store,
                ["AUTH0_MCP_AUDIT_KEY"] = key,
                ["AUTH0_MCP_AUDIT_CHECKPOINTS"] = Path.Combine(_dir, "checkpoints.log"),
            };

            // Written with spaces around '=' and ';' (valid for Npgsql, and once a SQLite file named after it, password and all).
            var spaced = $"Host = {admin.Host}; Port = {admin.Port}; Username = {admin.Username}; Password = {admin.Password}; Database = {database}";
            var (code, _, stderr) = await RunAsync(Env(spaced), "kill-switch", "on");
            Assert.True(code == Cli.Ok, $"exit {code}: {stderr}");

            // One store, whichever way it is written: another instance with the canonical form sees the switch on.
            var canonical = new Npgsql.NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = database }.ConnectionString;
            foreach (var store in new[] { canonical, spaced })
            {
                var (statusCode, stdout, statusError) = await RunAsync(Env(store), "kill-switch", "status");
                Assert.True(statusCode == Cli.Ok, $"exit {statusCode}: {statusError}");
                Assert.Contains("global: on", stdout, StringComparison.Ordinal);
            }

            Assert.Equal(cwd, Directory.EnumerateFileSystemEntries(Environment.CurrentDirectory).ToHashSet());
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin.ConnectionString, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(Dictionary<string, string?> env, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var context = new CliContext { Out = stdout, Error = stderr, Environment = name => env.GetValueOrDefault(name) };
        var code = await Cli.RunAsync(args, context, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString().ReplaceLineEndings("\n"));
    }
}
