using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Http;
using Auth0Mcp.Server.Tests.Http;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// The credentials file is read again when it changes, found by the check in front of each call (no watcher, no timer):
/// the credential a running server uses is the file's from the next check on, and an unchanged file is not read again.
/// </summary>
public sealed class CredentialsFileCheckTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("auth0-mcp-creds-").FullName;

    [Fact]
    public void Check_FileWrittenThenRemoved_TheCredentialFollowsItAtEachCheckOnly()
    {
        var file = Path.Combine(_folder, "credentials.json");
        using var services = Services(file);
        var options = services.GetRequiredService<IOptionsMonitor<Auth0ConnectionOptions>>();
        var check = services.GetRequiredService<CredentialsFileCheck>();
        var changes = 0;
        using var listening = options.OnChange(_ => changes++);
        Assert.Equal("from-settings", options.CurrentValue.Token);

        CredentialSettings.WriteCredentials(file, "rotated-1", null, null);
        Assert.Equal("from-settings", options.CurrentValue.Token);
        check.Check();
        Assert.Equal("rotated-1", options.CurrentValue.Token);

        // Nothing changed: nothing is read again.
        var seen = changes;
        Assert.True(seen > 0);
        check.Check();
        check.Check();
        Assert.Equal(seen, changes);

        // Rewritten within the same clock tick: the size tells it apart.
        var written = File.GetLastWriteTimeUtc(file);
        CredentialSettings.WriteCredentials(file, "rotated-two", null, null);
        File.SetLastWriteTimeUtc(file, written);
        check.Check();
        Assert.Equal("rotated-two", options.CurrentValue.Token);

        File.Delete(file);
        check.Check();
        Assert.Equal("from-settings", options.CurrentValue.Token);
    }

    [Fact]
    public void Check_ALinkSwappedToANewTarget_LikeAKubernetesSecret_IsRead()
    {
        // The kubelet's layout: credentials.json -> ..data/credentials.json, ..data -> ..v1, swapped atomically to ..v2.
        var v1 = Directory.CreateDirectory(Path.Combine(_folder, "..v1")).FullName;
        File.WriteAllText(Path.Combine(v1, "credentials.json"), """{"Auth0":{"Token":"file-token-one"}}""");
        File.CreateSymbolicLink(Path.Combine(_folder, "..data"), "..v1");
        var file = Path.Combine(_folder, "credentials.json");
        File.CreateSymbolicLink(file, "..data/credentials.json");
        using var services = Services(file);
        var options = services.GetRequiredService<IOptionsMonitor<Auth0ConnectionOptions>>();
        var check = services.GetRequiredService<CredentialsFileCheck>();
        Assert.Equal("file-token-one", options.CurrentValue.Token);

        var v2 = Directory.CreateDirectory(Path.Combine(_folder, "..v2")).FullName;
        File.WriteAllText(Path.Combine(v2, "credentials.json"), """{"Auth0":{"Token":"file-token-two-longer"}}""");
        File.SetLastWriteTimeUtc(Path.Combine(v2, "credentials.json"), DateTime.UtcNow.AddSeconds(5));
        var swap = Path.Combine(_folder, "..data_tmp");
        File.CreateSymbolicLink(swap, "..v2");
        Assert.Equal(0, Rename(swap, Path.Combine(_folder, "..data")));

        check.Check();
        Assert.Equal("file-token-two-longer", options.CurrentValue.Token);
    }

    [Fact]
    public void Check_FileNotValidJson_KeepsTheCredentialAndReadsTheNextValidVersion()
    {
        var file = Path.Combine(_folder, "credentials.json");
        using var services = Services(file);
        var options = services.GetRequiredService<IOptionsMonitor<Auth0ConnectionOptions>>();
        var check = services.GetRequiredService<CredentialsFileCheck>();
        CredentialSettings.WriteCredentials(file, "rotated-1", null, null);
        check.Check();

        File.WriteAllText(file, """{"Auth0":{"Token":"half-writ""");
        check.Check();
        check.Check();
        Assert.Equal("rotated-1", options.CurrentValue.Token);

        File.WriteAllText(file, """{"Auth0":{"Token":"rotated-2"}}""");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
        check.Check();
        Assert.Equal("rotated-2", options.CurrentValue.Token);
    }

    [Fact]
    public void Check_FileRewrittenWithAUtf8ByteOrderMark_TheRotationApplies()
    {
        // A rotation written by an editor or tool that adds a BOM: read at start (the configuration provider skips it),
        // it must be read alike by a running server, or the server keeps the old, perhaps revoked, credential.
        var file = Path.Combine(_folder, "credentials.json");
        using var services = Services(file);
        var options = services.GetRequiredService<IOptionsMonitor<Auth0ConnectionOptions>>();
        var check = services.GetRequiredService<CredentialsFileCheck>();
        CredentialSettings.WriteCredentials(file, "rotated-1", null, null);
        check.Check();

        File.WriteAllText(file, """{"Auth0":{"Token":"rotated-with-bom"}}""", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
        check.Check();

        Assert.Equal("rotated-with-bom", options.CurrentValue.Token);
        Assert.True(CredentialSettings.IsReadable(file));
    }

    [Theory]
    [InlineData("Bearer RotBearer_Pp9Oo8Ii7Uu6")]
    [InlineData("RotBearer_Pp9Oo8Ii7Uu6\r\nX-Injected: 1")]
    public void Check_RotatedTokenABearerHeaderCannotCarry_NotAppliedTheServerKeepsItsCredentialAndGoesOn(string token)
    {
        var file = Path.Combine(_folder, "credentials.json");
        var settings = Settings.Load(new() { ["AUTH0_DOMAIN"] = "t.example.auth0.com", ["AUTH0_TOKEN"] = "from-settings", ["AUTH0_MCP_CREDENTIALS_FILE"] = file });
        var server = new ServiceCollection();
        server.AddLogging();
        AdminCommands.AddConnection(server, settings);
        using var services = server.BuildServiceProvider();
        var credential = services.GetRequiredService<Auth0CredentialStore>();
        var check = services.GetRequiredService<CredentialsFileCheck>();
        CredentialSettings.WriteCredentials(file, "rotated-1", "client-kept", null);
        check.Check();
        var before = credential.Current;
        Assert.Equal("rotated-1", before.Token);

        // Written by hand (credentials rotate refuses it), with a client id that must not apply either.
        File.WriteAllText(file, new System.Text.Json.Nodes.JsonObject { ["Auth0"] = new System.Text.Json.Nodes.JsonObject { ["Token"] = token, ["ClientId"] = "client-new" } }.ToJsonString());
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
        check.Check();
        check.Check();

        // Used to throw out of every later call (OptionsValidationException from the options' change), the old credential lost.
        Assert.Same(before, credential.Current);
        var options = services.GetRequiredService<IOptionsMonitor<Auth0ConnectionOptions>>().CurrentValue;
        Assert.Equal("rotated-1", options.Token);
        Assert.Equal("client-kept", options.ClientId);

        CredentialSettings.WriteCredentials(file, "rotated-2", null, null);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(10));
        check.Check();
        Assert.Equal("rotated-2", credential.Current.Token);
    }

    [Fact]
    public void Start_CredentialsFileTokenWithItsBearerPrefix_IsASettingsErrorNamingTheKeyNotTheValue()
    {
        var file = Path.Combine(_folder, "credentials.json");
        File.WriteAllText(file, """{"Auth0":{"Token":"Bearer secret-in-the-file-0123"}}""");

        var ex = Assert.Throws<UsageException>(() => Services(file));

        Assert.Equal(
            $"invalid settings:\n  - the credentials file '{file}': its Auth0:Token is the token itself, without the \"Bearer \" prefix (it is added when the token is sent): "
            + "fix it, or remove it and write it again with 'auth0-mcp credentials rotate'",
            ex.Message);
        Assert.DoesNotContain("secret-in-the-file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_TokenWithItsBearerPrefix_ExitsTwoAndNothingIsWritten()
    {
        var file = Path.Combine(_folder, "credentials.json");
        var env = new Dictionary<string, string?> { ["AUTH0_MCP_CREDENTIALS_FILE"] = file };

        var (code, output, error) = await RotateAsync(env, "Bearer tok-NEW-fedcba9876543210\n", "credentials", "rotate", "--token-stdin");

        Assert.Equal(Cli.Usage, code);
        Assert.DoesNotContain("Rotated", output, StringComparison.Ordinal);
        Assert.Contains("credentials rotate: the new token is the token itself, without the \"Bearer \" prefix", error, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-NEW", error, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void Start_CredentialsFileNotValidJson_IsASettingsErrorNamingTheFileNotItsContent()
    {
        var file = Path.Combine(_folder, "credentials.json");
        File.WriteAllText(file, """{"Auth0":{"Token":"secret-in-a-broken-fi""");

        var ex = Assert.Throws<UsageException>(() => Services(file));

        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid JSON settings file", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-in-a-broken", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_CredentialsFileSettingMoreThanTheCredential_IsASettingsErrorNamingTheKeysNotTheirValues()
    {
        var file = Path.Combine(_folder, "credentials.json");
        File.WriteAllText(file, """
            {"Auth0":{"Token":"file-token-0123456789","Domain":"evil.example","BaseUrl":"http://evil.example:8080","TokenEndpoint":"http://evil.example/oauth/token"}}
            """);

        var ex = Assert.Throws<UsageException>(() => Services(file));

        Assert.Equal(
            $"invalid settings:\n  - the credentials file '{file}' sets Auth0:BaseUrl, Auth0:Domain, Auth0:TokenEndpoint: it may set only Auth0:Token, Auth0:ClientId and Auth0:ClientSecret. "
            + "Set the tenant, the base URL and the rest in the settings (AUTH0_DOMAIN, AUTH0_MCP_BASE_URL, --config), and remove these keys from the file",
            ex.Message);
        Assert.DoesNotContain("evil.example", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("file-token", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_FileGainsMoreThanTheCredentialWhileRunning_OnlyTheCredentialApplies()
    {
        var file = Path.Combine(_folder, "credentials.json");
        using var services = Services(file);
        var options = services.GetRequiredService<IOptionsMonitor<Auth0ConnectionOptions>>();
        var check = services.GetRequiredService<CredentialsFileCheck>();

        File.WriteAllText(file, """
            {"Auth0":{"Token":"rotated-with-more","Domain":"evil.example","BaseUrl":"https://evil.example/","TokenEndpoint":"https://evil.example/oauth/token","MaxRetryAttempts":9}}
            """);
        check.Check();

        var current = options.CurrentValue;
        Assert.Equal("rotated-with-more", current.Token);
        Assert.Equal("t.example.auth0.com", current.Domain);
        Assert.Null(current.BaseUrl);
        Assert.Null(current.TokenEndpoint);
        Assert.Equal(new Auth0ConnectionOptions().MaxRetryAttempts, current.MaxRetryAttempts);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task WriteCredentials_TheSecretIsNeverInAFileOthersCanRead()
    {
        var file = Path.Combine(_folder, "credentials.json");
        var modes = new System.Collections.Concurrent.ConcurrentBag<UnixFileMode>();
        using var stop = new CancellationTokenSource();
        var looking = new TaskCompletionSource();
        var watcher = Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                looking.TrySetResult();
                foreach (var path in Directory.EnumerateFiles(_folder))
                {
                    try
                    {
                        modes.Add(File.GetUnixFileMode(path));
                    }
                    catch (IOException)
                    {
                        // Moved into place meanwhile.
                    }
                }
            }
        }, TaskCreationOptions.LongRunning);
        await looking.Task;

        // Two rotations at once, many times: each takes a temporary file of its own.
        Parallel.For(0, 400, i => CredentialSettings.WriteCredentials(file, "token-" + new string('x', 4096) + i, null, null));
        await stop.CancelAsync();
        await watcher;

        Assert.NotEmpty(modes);
        Assert.All(modes, m => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, m));
        Assert.Equal([file], Directory.EnumerateFiles(_folder));
    }

    [Fact]
    public async Task Rotate_ClientCredentialsWhileATokenIsSet_TheyTakeEffectAndTheOutputSaysSo()
    {
        var file = Path.Combine(_folder, "credentials.json");
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_DOMAIN"] = "t.example.auth0.com",
            ["AUTH0_TOKEN"] = "env-static-token",
            ["AUTH0_MCP_CREDENTIALS_FILE"] = file,
        };
        var settings = Settings.Load(env);
        var server = new ServiceCollection();
        server.AddLogging();
        AdminCommands.AddConnection(server, settings);
        await using var running = server.BuildServiceProvider();
        var credential = running.GetRequiredService<Auth0CredentialStore>();
        Assert.Equal(Auth0CredentialKind.StaticToken, credential.Current.Kind);

        // Only an id: no secret is configured anywhere, so nothing is written.
        var (code, output, error) = await RotateAsync(env, "", "credentials", "rotate", "--client-id", "new-client");
        Assert.Equal(2, code);
        Assert.Contains("no client secret is configured", error, StringComparison.Ordinal);
        Assert.False(File.Exists(file), output);

        (code, output, error) = await RotateAsync(env, "cs-new-secret\n", "credentials", "rotate", "--client-id", "new-client", "--client-secret-stdin");
        Assert.True(code == 0, error);
        Assert.Contains("Token (cleared)", output, StringComparison.Ordinal);
        Assert.Contains("in effect: client credentials (client id new-client)", output, StringComparison.Ordinal);

        running.GetRequiredService<CredentialsFileCheck>().Check();
        Assert.Equal(Auth0CredentialKind.ClientCredentials, credential.Current.Kind);
        Assert.Equal("new-client", credential.Current.ClientId);

        // A token rotated later wins again.
        (code, output, _) = await RotateAsync(env, "token-three\n", "credentials", "rotate", "--token-stdin");
        Assert.Equal(0, code);
        Assert.Contains("in effect: a static token", output, StringComparison.Ordinal);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
        running.GetRequiredService<CredentialsFileCheck>().Check();
        Assert.Equal(Auth0CredentialKind.StaticToken, credential.Current.Kind);
    }

    [Fact]
    public async Task Doctor_AfterARotation_NamesTheCredentialsFileItsTokenComesFrom()
    {
        await using var auth0 = new RecordingHttpServer();
        var file = Path.Combine(_folder, "credentials.json");
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_TOKEN"] = "opaque-token-one",
            ["AUTH0_MCP_BASE_URL"] = auth0.BaseUrl.ToString().TrimEnd('/'),
            ["AUTH0_MCP_CREDENTIALS_FILE"] = file,
            ["AUTH0_MCP_USER"] = "dave",
        };

        var (beforeCode, before, _) = await RotateAsync(env, "", "doctor");
        var (rotateCode, _, rotateError) = await RotateAsync(env, "opaque-token-two\n", "credentials", "rotate", "--token-stdin");
        var (afterCode, after, _) = await RotateAsync(env, "", "doctor");

        Assert.True(rotateCode == 0, rotateError);
        Assert.Equal([0, 0], new[] { beforeCode, afterCode });
        Assert.Contains("[ok]   credential: a Management API token from the settings' Auth0:Token (AUTH0_TOKEN); it is not renewed", before, StringComparison.Ordinal);
        Assert.Contains($"[ok]   credential: a Management API token from the credentials file {file}; it is not renewed", after, StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH0_TOKEN", after, StringComparison.Ordinal);
        Assert.Contains(auth0.Requests, r => r.Contains("Bearer opaque-token-two", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rotate_WithActor_RecordedUnderTheActorAsTheGovernanceCommandsAre()
    {
        var env = new Dictionary<string, string?> { ["AUTH0_MCP_CREDENTIALS_FILE"] = Path.Combine(_folder, "credentials.json"), ["AUTH0_MCP_USER"] = "someone-else" };

        var (code, output, error) = await RotateAsync(env, "opaque-token-two\n", "credentials", "rotate", "--token-stdin", "--actor", "dave");
        var (blankCode, _, blankError) = await RotateAsync(env, "opaque-token-three\n", "credentials", "rotate", "--token-stdin", "--actor", " ");

        Assert.True(code == 0, error);
        Assert.Contains("in effect: a static token", output, StringComparison.Ordinal);
        Assert.Equal(Cli.Usage, blankCode);
        Assert.Contains("--actor needs a name, not an empty or blank value", blankError, StringComparison.Ordinal);
        // AUTH0_MCP_USER is only the default: the record names the actor given.
        await using var store = Store();
        var users = new List<string?>();
        await foreach (var row in store.ReadAuditAsync(0))
        {
            if (AuditChain.Read(row) is { Event: "credential.rotated" } record)
            {
                users.Add(record.User);
            }
        }

        Assert.Equal(["dave"], users);
    }

    [Fact]
    public async Task Rotate_StoreUnreachable_ExitsTwoAndTheFileIsUnchanged()
    {
        var file = Path.Combine(_folder, "credentials.json");
        const string Before = """{"Auth0": {"Token": "tok-OLD-0123456789abcdef"}}""";
        await File.WriteAllTextAsync(file, Before);
        // A SQLite store under a regular file: it cannot be opened.
        var blocker = Path.Combine(_folder, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "");
        var env = new Dictionary<string, string?> { ["AUTH0_MCP_CREDENTIALS_FILE"] = file };

        var (code, output, error) = await RotateAsync(env, "tok-NEW-fedcba9876543210\n", () => GovernanceStores.Open(Path.Combine(blocker, "gov.db")), "credentials", "rotate", "--token-stdin");

        Assert.Equal(Cli.Usage, code);
        Assert.DoesNotContain("Rotated", output, StringComparison.Ordinal);
        Assert.Contains("governance store", error, StringComparison.OrdinalIgnoreCase);
        // The rotation could not be recorded, so no running server may move to it.
        Assert.Equal(Before, await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Rotate_RecordedButTheFileCannotBeWritten_SaysSoAndTheAuditHasTheRecord()
    {
        // A file in a folder nothing can be created in, even as root (/proc/self): read as missing, never written.
        var file = "/proc/self/auth0-mcp-credentials.json";
        var env = new Dictionary<string, string?> { ["AUTH0_MCP_CREDENTIALS_FILE"] = file };

        var (code, output, error) = await RotateAsync(env, "tok-NEW-fedcba9876543210\n", "credentials", "rotate", "--token-stdin");

        Assert.Equal(Cli.Usage, code);
        Assert.DoesNotContain("Rotated", output, StringComparison.Ordinal);
        Assert.Contains("was recorded in the audit but not written to " + file, error, StringComparison.Ordinal);
        Assert.Contains("running servers keep the credential they have", error, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
        await using var store = Store();
        var rotations = new List<AuditRecord>();
        await foreach (var row in store.ReadAuditAsync(0))
        {
            if (AuditChain.Read(row) is { Event: "credential.rotated" } record)
            {
                rotations.Add(record);
            }
        }

        var details = Assert.Single(rotations).Details;
        Assert.Contains("Token changed in " + file, details, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-NEW", details, StringComparison.Ordinal);
    }

    private SqliteGovernanceStore Store()
    {
        var store = Path.Combine(_folder, "store");
        Directory.CreateDirectory(store);
        return new SqliteGovernanceStore(Path.Combine(store, "gov.db"), new AuditSealOptions { KeyFile = Path.Combine(store, "audit.key"), CheckpointFile = Path.Combine(store, "audit.cp") });
    }

    private Task<(int Code, string Output, string Error)> RotateAsync(Dictionary<string, string?> env, string input, params string[] args) =>
        RotateAsync(env, input, null, args);

    private async Task<(int Code, string Output, string Error)> RotateAsync(Dictionary<string, string?> env, string input, Func<IGovernanceStore>? openStore, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        await using var governance = Store();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            In = new StringReader(input),
            Environment = name => env.TryGetValue(name, out var v) ? v : null,
            Catalog = [],
            OpenStore = openStore ?? (() => governance),
            OwnsStores = openStore is not null,
            GrantedScopes = () => null,
        };
        var code = await Cli.RunAsync(args, context, CancellationToken.None);
        SqliteConnection.ClearAllPools();
        return (code, output.ToString(), error.ToString());
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "rename")]
    private static extern int Rename(string from, string to);

    private static ServiceProvider Services(string file)
    {
        var settings = Settings.Load(new()
        {
            ["AUTH0_DOMAIN"] = "t.example.auth0.com",
            ["AUTH0_TOKEN"] = "from-settings",
            ["AUTH0_MCP_CREDENTIALS_FILE"] = file,
        });
        var services = new ServiceCollection();
        CredentialSettings.AddRotatableCredentials(services, settings);
        return services.BuildServiceProvider();
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
