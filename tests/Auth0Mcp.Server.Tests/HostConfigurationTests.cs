using System.Text.Json.Nodes;
using Auth0Mcp.Server.Tests.Http;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// How the settings file and the environment combine (a list set in the environment replaces the file's), what the
/// file may hold (switches, API keys), and the paths the settings name (the settings file itself, files that must not
/// be folders, the address to listen on), in process and through the command line.
/// </summary>
public sealed class HostConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("auth0mcp-hostconfig-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private string File(string json)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    private static string Problems(Dictionary<string, string?> env, params string[] args) =>
        Assert.Throws<UsageException>(() => Settings.Load(env, args)).Message;

    /// <summary>Each list setting's bound value (a list added to the catalogue must be added here).</summary>
    private static readonly Dictionary<string, Func<HostSettings, IReadOnlyList<string>>> Lists = new(StringComparer.Ordinal)
    {
        ["Server:AllowedOrigins"] = s => s.Server.AllowedOrigins,
        ["Governance:Groups"] = s => s.Governance.Groups,
        ["Admin:Groups"] = s => s.Admin.Groups,
    };

    public static TheoryData<string> ListSettings => [.. SettingsCatalog.All.Where(s => s.Kind == SettingKind.List).Select(s => s.Key)];

    [Fact]
    public void ListSettings_EveryOneOfTheCatalogue_IsCovered() =>
        Assert.Equal(SettingsCatalog.All.Where(s => s.Kind == SettingKind.List).Select(s => s.Key).Order(), Lists.Keys.Order());

    [Theory]
    [MemberData(nameof(ListSettings))]
    public void EnvironmentList_ReplacesTheFilesWholeList(string key)
    {
        var setting = SettingsCatalog.All.Single(s => s.Key == key);
        var parts = key.Split(':');
        var file = File(new JsonObject { [parts[0]] = new JsonObject { [parts[1]] = new JsonArray("https://one.example.com", "https://two.example.com", "https://three.example.com") } }.ToJsonString());

        var fromFile = Settings.Load(new() { ["AUTH0_MCP_CONFIG"] = file });
        var replaced = Settings.Load(new() { ["AUTH0_MCP_CONFIG"] = file, [setting.Variable!] = "https://env.example.com" });
        var blank = Settings.Load(new() { ["AUTH0_MCP_CONFIG"] = file, [setting.Variable!] = " " });

        Assert.Equal(3, Lists[key](fromFile).Count);
        Assert.Equal(["https://env.example.com"], Lists[key](replaced));
        // A blank variable sets nothing: the file's list stays.
        Assert.Equal(Lists[key](fromFile), Lists[key](blank));
    }

    [Fact]
    public void EnvironmentApiKeys_ReplaceTheFilesKeys_NotMemberByMember()
    {
        var file = File("""
            { "Authentication": { "ApiKeys": [
                { "Key": "alice-key-0123456789abcdef", "User": "alice", "Groups": ["mcp-admins"] },
                { "Key": "carol-key-0123456789abcdef", "User": "carol" } ] } }
            """);

        var settings = Settings.Load(new() { ["AUTH0_MCP_CONFIG"] = file, ["AUTH0_MCP_API_KEYS"] = "bob-key-0123456789abcdef=bob" });

        var only = Assert.Single(settings.Authentication.ApiKeys);
        Assert.Equal(("bob-key-0123456789abcdef", "bob"), (only.Key, only.User));
        Assert.Empty(only.Groups);
        Assert.Equal(2, Settings.Load(new() { ["AUTH0_MCP_CONFIG"] = file }).Authentication.ApiKeys.Count);
    }

    [Theory]
    [InlineData("\"on\"", true)]
    [InlineData("\"OFF\"", false)]
    [InlineData("\"yes\"", true)]
    [InlineData("\"no\"", false)]
    [InlineData("\"1\"", true)]
    [InlineData("\"0\"", false)]
    [InlineData("\"true\"", true)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public void FileSwitch_ReadAsTheEnvironmentReadsIt(string json, bool expected)
    {
        var file = File($$"""{ "Governance": { "Enabled": {{json}} }, "Authentication": { "LocalUser": {{json}} }, "Admin": { "Enabled": {{json}} } }""");

        var settings = HostConfiguration.Load(new HostArguments(null, null, file), _ => null, HostRole.Commands);

        Assert.Equal((expected, expected, expected), (settings.Governance.Enabled, settings.Authentication.LocalUser, settings.Admin.Enabled));
    }

    [Fact]
    public void FileSwitch_NeitherOnNorOff_IsNamed()
    {
        var message = Problems([], "--config", File("""{ "Governance": { "Enabled": "maybe" } }"""));

        Assert.Contains("Governance:Enabled (AUTH0_MCP_GOVERNANCE): expected on or off, got 'maybe'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileApiKey_UnknownMember_IsNamed()
    {
        var file = File("""{ "Authentication": { "ApiKeys": [ { "Key": "0123456789abcdef0123", "User": "alice", "Gropus": ["admins"] } ] } }""");

        var message = Problems([], "--config", file, "--http", "http://127.0.0.1:8080");

        Assert.Contains("Authentication:ApiKeys (AUTH0_MCP_API_KEYS): API key #1 has an unknown member 'Gropus' (members: Key, User, Groups)", message, StringComparison.Ordinal);
        Assert.Single(message.Split('\n'), l => l.Contains("Gropus", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"KEY-0123456789abcdef=alice\"")]
    [InlineData("{ \"Key\": \"KEY-0123456789abcdef\", \"User\": \"alice\" }")]
    [InlineData("[ \"KEY-0123456789abcdef=alice\" ]")]
    public void FileApiKeys_NotAnArrayOfObjects_IsATypeError_WithoutTheKey(string json)
    {
        var message = Problems([], "--config", File($$"""{ "Authentication": { "ApiKeys": {{json}} } }"""), "--http", "http://127.0.0.1:8080");

        Assert.Contains("Authentication:ApiKeys (AUTH0_MCP_API_KEYS): ", message, StringComparison.Ordinal);
        Assert.DoesNotContain("KEY-0123456789abcdef", message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileApiKey_MembersOfTheWrongShape_AreNamed()
    {
        var file = File("""{ "Authentication": { "ApiKeys": [ { "Key": "0123456789abcdef0123", "User": { "Name": "alice" }, "Groups": [ { "Name": "ops" } ] } ] } }""");

        var message = Problems([], "--config", file);

        Assert.Contains("API key #1's User: expected text", message, StringComparison.Ordinal);
        Assert.Contains("API key #1's Groups: expected a list of text", message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileApiKey_GroupsAsOneCommaSeparatedString_IsAList()
    {
        var file = File("""{ "Authentication": { "ApiKeys": [ { "Key": "0123456789abcdef0123", "User": "alice", "Groups": "ops, dev" } ] } }""");

        var key = Assert.Single(Settings.Load([], "--config", file).Authentication.ApiKeys);

        Assert.Equal(["ops", "dev"], key.Groups);
    }

    public static TheoryData<string, string> FileVariables => new()
    {
        { "AUTH0_MCP_AUDIT_CHECKPOINTS", "Governance:AuditCheckpoints (AUTH0_MCP_AUDIT_CHECKPOINTS) names a folder" },
        { "AUTH0_MCP_AUDIT_KEY_FILE", "Governance:AuditKeyFile (AUTH0_MCP_AUDIT_KEY_FILE) names a folder" },
        { "AUTH0_MCP_CREDENTIALS_FILE", "Auth0:CredentialsFile (AUTH0_MCP_CREDENTIALS_FILE) names a folder" },
    };

    [Theory]
    [MemberData(nameof(FileVariables))]
    public async Task FileSetting_AFolder_IsRefusedBeforeTheStoreIsOpened(string variable, string message)
    {
        var store = Path.Combine(_dir, "governance.db");
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "a-folder")).FullName;

        foreach (var command in new[] { new[] { "serve" }, ["doctor"], ["kill-switch", "status"], ["credentials", "rotate", "--client-id", "cid"] })
        {
            var (code, stdout, stderr) = await RunAsync(new() { ["AUTH0_MCP_STORE"] = store, [variable] = folder }, command);

            Assert.True(code == Cli.Usage, $"{command[0]}: exit {code}: {stderr}");
            Assert.Empty(stdout);
            Assert.StartsWith($"auth0-mcp: invalid settings:\n  - {message}: ", stderr, StringComparison.Ordinal);
            Assert.EndsWith($", got '{folder}'", stderr.TrimEnd(), StringComparison.Ordinal);
            Assert.False(System.IO.File.Exists(store), command[0]);
        }
    }

    [Theory]
    [InlineData("--config", "")]
    [InlineData("--config", " ")]
    [InlineData("--config", "missing-folder/settings.json")]
    [InlineData("--config", "missing.json")]
    [InlineData("--config", ".")]
    [InlineData("AUTH0_MCP_CONFIG", " ")]
    [InlineData("AUTH0_MCP_CONFIG", "missing-folder/settings.json")]
    [InlineData("AUTH0_MCP_CONFIG", ".")]
    public async Task SettingsFile_EmptyMissingOrAFolder_ExitsTwoNamingWhereItWasGiven(string origin, string path)
    {
        var named = path is "" or " " ? path : Path.Combine(_dir, path);
        foreach (var command in new[] { Array.Empty<string>(), ["serve"], ["doctor"], ["tools", "list"], ["audit", "verify"] })
        {
            var env = new Dictionary<string, string?> { ["AUTH0_MCP_STORE"] = Path.Combine(_dir, "governance.db") };
            string[] args = command;
            if (origin == "--config")
            {
                args = [.. command, "--config", named];
            }
            else
            {
                env[origin] = named;
            }

            var (code, stdout, stderr) = await RunAsync(env, args);

            Assert.True(code == Cli.Usage, $"{string.Join(' ', args)}: exit {code}: {stderr}");
            Assert.Empty(stdout);
            Assert.StartsWith($"auth0-mcp: invalid settings:\n  - {origin}", stderr, StringComparison.Ordinal);
            Assert.Contains(path.Trim() switch
            {
                "" => "the settings file's path is empty",
                "." => "is a folder: name a JSON settings file",
                _ => "no such settings file",
            }, stderr, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("http://mcp.internal.example:18950/mcp")]
    [InlineData("http://my-host:8080")]
    public void ListenUrl_AHostNameOtherThanLocalhost_IsRefusedSuggestingAnAddress(string url)
    {
        var message = Problems(new() { ["AUTH0_MCP_API_KEYS"] = "key-0123456789abcdef=bob" }, "--http", url);

        Assert.Contains($"Server:Http (AUTH0_MCP_HTTP, --http): listen on an IP address or localhost, not the host name '{new Uri(url).Host}'", message, StringComparison.Ordinal);
        Assert.Contains("0.0.0.0", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/mcp")]
    [InlineData("http://LocalHost:8080")]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://[::1]:8080")]
    [InlineData("http://10.0.0.5:8080")]
    public void ListenUrl_AnAddressOrLocalhost_IsAccepted(string url) =>
        Assert.Equal(url, Settings.Load(new() { ["AUTH0_MCP_API_KEYS"] = "key-0123456789abcdef=bob" }, "--http", url).Server.Http);

    [Fact]
    public async Task Doctor_ReadsTheStoreOnly_AndAStoreThatIsNotThereIsAWarningWhileTheCredentialIsStillChecked()
    {
        await using var auth0 = new RecordingHttpServer();
        var store = Path.Combine(_dir, "other", "governance.db");
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_TOKEN"] = "doctor-token-1",
            ["AUTH0_MCP_BASE_URL"] = auth0.BaseUrl.ToString().TrimEnd('/'),
            ["AUTH0_MCP_STORE"] = store,
            ["AUTH0_MCP_CREDENTIALS_FILE"] = Path.Combine(_dir, "credentials.json"),
        };

        var (code, stdout, stderr) = await RunAsync(env, "doctor");

        Assert.True(code == Cli.Ok, $"exit {code}: {stdout}{stderr}");
        Assert.Contains("[ok]   token: present", stdout, StringComparison.Ordinal);
        Assert.Contains("[warn] tools: no governance store yet at ", stdout, StringComparison.Ordinal);
        Assert.NotEmpty(auth0.Requests);
        // Nothing created: no store, no audit key, no catalogue sync.
        Assert.False(Directory.Exists(Path.GetDirectoryName(store)), string.Join(", ", Directory.EnumerateFileSystemEntries(_dir)));
    }

    [Fact]
    public async Task Doctor_OnAnExistingStore_WritesNothing()
    {
        await using var auth0 = new RecordingHttpServer();
        var store = Path.Combine(_dir, "governance.db");
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_TOKEN"] = "doctor-token-1",
            ["AUTH0_MCP_BASE_URL"] = auth0.BaseUrl.ToString().TrimEnd('/'),
            ["AUTH0_MCP_STORE"] = store,
            ["AUTH0_MCP_CREDENTIALS_FILE"] = Path.Combine(_dir, "credentials.json"),
        };
        Assert.Equal(Cli.Ok, (await RunAsync(env, "tools", "approve", "auth0_users_list", "--actor", "admin")).Code);
        var (_, before, _) = await RunAsync(env, "audit", "tail", "-n", "10000", "--json");

        var (code, stdout, stderr) = await RunAsync(env, "doctor");
        var (_, after, _) = await RunAsync(env, "audit", "tail", "-n", "10000", "--json");

        Assert.True(code == Cli.Ok, $"exit {code}: {stdout}{stderr}");
        Assert.DoesNotContain("approved tools unknown", stdout, StringComparison.Ordinal);
        Assert.Equal(before, after);
    }

    [Fact]
    public void Help_SettingsLayout_NamesEveryKeyOfTheCatalogueInItsSection()
    {
        // The layout as --help prints it: between the "Settings (…):" line and the blank line before "Environment".
        var help = Cli.Environment.ReplaceLineEndings("\n");
        var layout = help[help.IndexOf("\n", StringComparison.Ordinal)..help.IndexOf("\n\nEnvironment", StringComparison.Ordinal)];
        var sections = SettingsCatalog.All.Select(s => s.Key.Split(':')[0]).Distinct().ToList();
        foreach (var setting in SettingsCatalog.All)
        {
            var parts = setting.Key.Split(':');
            var start = layout.IndexOf($"\"{parts[0]}\": {{", StringComparison.Ordinal);
            Assert.True(start >= 0, setting.Key);
            var next = sections.Select(s => layout.IndexOf($"\"{s}\": {{", StringComparison.Ordinal)).Where(i => i > start).DefaultIfEmpty(layout.Length).Min();
            var section = layout[start..next];
            foreach (var part in parts.Skip(1))
            {
                var at = section.IndexOf($"\"{part}\"", StringComparison.Ordinal);
                Assert.True(at >= 0, $"{setting.Key}: '{part}' is not in {section}");
                section = section[at..];
            }
        }

        Assert.Contains("\"Admin\": {\"Enabled\", \"Groups\": [...], \"ClientId\", \"ClientSecret\", \"SessionMinutes\", \"PublicUrl\"}}", Cli.Environment, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(Dictionary<string, string?> env, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var context = new CliContext { Out = stdout, Error = stderr, Environment = name => env.GetValueOrDefault(name), In = new StringReader("") };
        var code = await Cli.RunAsync(args, context, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString().ReplaceLineEndings("\n"));
    }
}
