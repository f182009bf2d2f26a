using System.Text.Json;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Auth0Mcp.Server.Tests;

/// <summary>The governance commands of <c>auth0-mcp</c> (tools, toolsets, profiles, kill-switch, audit, defaults) through the command tree.</summary>
public sealed class GovernanceCliTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "auth0mcp-cli-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero));
    private IReadOnlyList<Auth0ToolDescriptor> _catalog = Tools("auth0_users_list", "auth0_clients_get", "auth0_users_delete", "auth0_roles_create");
    private IGovernanceStore _store = null!;
    private TimeSpan _progressInterval = TimeSpan.FromSeconds(2); // the clock is fake: no progress unless zero
    private CallApprovalOptions? _callApprovals; // the settings file's call approval (null: the environment's)

    private string DbPath => Path.Combine(_directory, "gov.db");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _store = OpenStore(DbPath);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, true);
    }

    private static IReadOnlyList<Auth0ToolDescriptor> Tools(params string[] names) =>
        names.Select(n => Auth0ToolCatalog.Descriptors.Single(d => d.Name == n)).ToList();

    private IGovernanceStore OpenStore(string path) =>
        new SqliteGovernanceStore(path, new AuditSealOptions { KeyFile = Path.Combine(_directory, "audit.key"), CheckpointFile = Path.Combine(_directory, "audit.checkpoints") });

    /// <summary>Runs the command line as given (no actor added).</summary>
    private async Task<(int Code, string Out, string Err)> RunExactAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext
        {
            Out = stdout,
            Error = stderr,
            Catalog = _catalog,
            OpenStore = () => _store,
            OwnsStores = false,
            Time = _clock,
            DefaultActor = "default-admin",
            GrantedScopes = () => null,
            ProgressInterval = _progressInterval,
            CallApprovals = _callApprovals,
        };
        var code = await Cli.RunAsync(args, context, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunExactAsync([.. args, "--actor", "admin"]);

    /// <summary>
    /// A server of a build with <paramref name="catalog"/> starts on the store (it syncs it, as GovernanceRuntime does),
    /// and the command line is of the same build: the command line syncs only a new store (CliCatalogSyncTests).
    /// </summary>
    private async Task ServerStartsWithAsync(IReadOnlyList<Auth0ToolDescriptor> catalog)
    {
        await new ToolGovernance(_store, _clock, "server").SyncCatalogAsync(catalog, "system:server");
        _catalog = catalog;
    }

    [Fact]
    public async Task ToolsListJson_NewCatalogue_GivesDescriptorFieldsStateRiskAndToolsets()
    {
        await RunAsync("tools", "approve", "auth0_users_list");

        var (code, output, _) = await RunAsync("tools", "list", "--json");

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var tools = doc.RootElement.EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(4, tools.Count);
        var users = tools["auth0_users_list"];
        foreach (var field in new[] { "title", "description", "method", "path", "operationId", "group", "scopes", "action", "lifecycle", "annotations", "inputSchema", "state", "risk", "toolsets" })
        {
            Assert.True(users.TryGetProperty(field, out _), field);
        }

        Assert.Equal("approved", users.GetProperty("state").GetString());
        Assert.Equal("Sensitive", users.GetProperty("risk").GetString());
        Assert.Equal(["all-approved", "read-only"], users.GetProperty("toolsets").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("object", users.GetProperty("inputSchema").GetProperty("type").GetString());
        Assert.True(users.GetProperty("annotations").GetProperty("readOnlyHint").GetBoolean());
        Assert.Equal("pending-review", tools["auth0_users_delete"].GetProperty("state").GetString());
        Assert.Equal("Dangerous", tools["auth0_users_delete"].GetProperty("risk").GetString());
    }

    [Fact]
    public async Task ToolsApprove_GlobBulk_ApprovesAllMatches()
    {
        var (code, output, _) = await RunAsync("tools", "approve", "auth0_users_*");

        Assert.Equal(0, code);
        Assert.Contains("approved 2 tool(s)", output);
        var state = await _store.LoadStateAsync();
        Assert.Equal(ToolState.Approved, state.FindTool("auth0_users_delete")!.State);
        Assert.Equal(ToolState.PendingReview, state.FindTool("auth0_clients_get")!.State);
    }

    [Theory]
    [InlineData("tools", "approve", "auth0_users_list", "auth0_nope")]
    [InlineData("tools", "approve", "auth0_zzz_*")]
    [InlineData("tools", "classify", "auth0_users_list", "--risk", "extreme")]
    [InlineData("toolsets", "create", "ops", "--tools", "auth0_users_list,auth0_nope")]
    [InlineData("toolsets", "add", "missing-set", "auth0_users_list")]
    [InlineData("profiles", "create", "p", "--toolsets", "nope", "--policy", "auto")]
    [InlineData("profiles", "create", "p", "--toolsets", "all-approved", "--policy", "sometimes")]
    [InlineData("profiles", "create", "p", "--toolsets", "all-approved", "--policy", "jit")]
    [InlineData("profiles", "create", "p", "--toolsets", "all-approved", "--policy", "jit", "--expires", "soon")]
    [InlineData("kill-switch", "on", "auth0_nope")]
    [InlineData("kill-switch", "maybe")]
    [InlineData("defaults", "set", "--state", "removed")]
    [InlineData("defaults", "set", "--require-approval", "perhaps")]
    [InlineData("audit", "tail", "-n", "zero")]
    [InlineData("frobnicate")]
    [InlineData("tools", "approve", "auth0_users_list", "--tool", "x")]
    [InlineData("profiles", "create", "p", "--toolsets", "all-approved", "--policy", "auto", "--expires")]
    [InlineData("profiles", "request", "p", "--user", "alice")]
    [InlineData("profiles", "grant", "no-such-request")]
    [InlineData("profiles", "create", "p", "--toolsets", "all-approved", "--policy", "auto", "--expires", "2h")]
    [InlineData("profiles", "create", "p", "--toolsets", "all-approved", "--groups", " ")]
    [InlineData("profiles", "create", "p", "--toolsets", "all-approved", "--users", "alice,,bob")]
    [InlineData("profiles", "create", "p", "--toolsets", "all-approved", "--groups", "CN=mcp-admins,DC=corp,")]
    [InlineData("toolsets", "remove", "ops")]
    public async Task Command_BadInputOrUnknownName_ClearErrorNonzeroAndNoChange(params string[] args)
    {
        await RunAsync("tools", "list"); // the first run syncs the catalogue
        var revision = await _store.GetRevisionAsync();
        var head = await _store.GetAuditHeadAsync();

        var (code, _, err) = await RunAsync(args);

        Assert.Equal(Cli.Usage, code);
        Assert.StartsWith("auth0-mcp: ", err);
        Assert.Equal(revision, await _store.GetRevisionAsync());
        Assert.Equal(head, await _store.GetAuditHeadAsync());
        Assert.Equal(ToolState.PendingReview, (await _store.LoadStateAsync()).FindTool("auth0_users_list")!.State);
    }

    [Fact]
    public async Task ProfilesCreate_AGroupThatIsADistinguishedName_IsOneGroup_ListedWithoutAmbiguity()
    {
        var (code, _, err) = await RunAsync("profiles", "create", "admins", "--toolsets", "all-approved", "--groups", "CN=mcp-admins,OU=Groups,DC=corp,DC=example", "--groups", "ops,dev", "--users", "alice,bXl1c2Vy==");

        Assert.True(code == Cli.Ok, err);
        Assert.Equal(["CN=mcp-admins,OU=Groups,DC=corp,DC=example", "ops", "dev"], (await _store.LoadStateAsync()).FindProfile("admins")!.Groups);
        Assert.Equal(["alice", "bXl1c2Vy=="], (await _store.LoadStateAsync()).FindProfile("admins")!.Users);
        var (_, listing, _) = await RunAsync("profiles", "list");
        Assert.Contains("groups=[\"CN=mcp-admins,OU=Groups,DC=corp,DC=example\",ops,dev]", listing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultsSet_ApprovedWhileApprovalIsRequired_SaysNewToolsStillStartPending()
    {
        var (code, _, err) = await RunAsync("defaults", "set", "--state", "approved");
        var (_, shown, _) = await RunAsync("defaults", "show");

        Assert.Equal(Cli.Ok, code);
        Assert.Contains("new tools still start pending review", err, StringComparison.Ordinal);
        Assert.Contains("new tool state: approved (new tools start pending review while require approval is on)", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsShow_CallApprovalRulesNamingAToolsetAndAProfileInAnotherCase_SayTheyNameUnknownOnes()
    {
        // Names compare exactly: "Ops" is not the toolset "ops", so the rules cover nothing and the tool needs no approval.
        await RunAsync("tools", "approve", "auth0_users_list");
        var governance = new ToolGovernance(_store, _clock);
        await governance.CreateToolsetAsync("ops", ["auth0_users_list"], null, "admin");
        await governance.CreateProfileAsync("ops-writers", ["ops"], ["alice"], [], AccessPolicy.AutoApprove, null, "admin");
        _callApprovals = new CallApprovalOptions();
        _callApprovals.Rules.Add(new CallApprovalRule { Toolsets = { "Ops" }, Mode = CallApprovalMode.Admin });
        _callApprovals.Rules.Add(new CallApprovalRule { Profiles = { "Ops-Writers" }, Mode = CallApprovalMode.Admin });

        var (code, output, err) = await RunAsync("tools", "show", "auth0_users_list");

        Assert.True(code == 0, err);
        var approval = JsonDocument.Parse(output).RootElement.GetProperty("callApproval");
        Assert.Equal("none", approval.GetProperty("mode").GetString());
        Assert.Equal(
            "no rule; call approval rule #1 (toolsets=Ops -> admin) names toolset 'Ops', which the governance state does not hold (did you mean 'ops'?); "
            + "call approval rule #2 (profiles=Ops-Writers -> admin) names profile 'Ops-Writers', which the governance state does not hold (did you mean 'ops-writers'?)",
            approval.GetProperty("rule").GetString());
    }

    [Theory]
    [InlineData("auth0_users_lst", "unknown tool 'auth0_users_lst'; did you mean 'auth0_users_list'?", "tools", "approve")]
    [InlineData("users_list", "unknown tool 'users_list'; did you mean 'auth0_users_list'?", "tools", "show")]
    [InlineData("auth0_clients_gte", "unknown tool 'auth0_clients_gte'; did you mean 'auth0_clients_get'?", "kill-switch", "on")]
    [InlineData("read-onyl", "unknown toolset 'read-onyl'; did you mean 'read-only'?", "profiles", "create", "p", "--policy", "auto", "--toolsets")]
    [InlineData("auth0_nothing_like_it", "unknown tool 'auth0_nothing_like_it'", "tools", "approve")]
    public async Task Command_MistypedName_NamesTheClosestKnownNames(string name, string expected, params string[] command)
    {
        await RunAsync("tools", "list");

        var (code, _, err) = await RunAsync([.. command, name]);

        Assert.Equal(Cli.Usage, code);
        Assert.EndsWith(expected, err.TrimEnd());
        Assert.Equal(expected.Contains("did you mean", StringComparison.Ordinal), err.Contains("did you mean", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ToolsetsAndProfiles_CreateBindRequestGrant_WorkEndToEnd()
    {
        Assert.Equal(0, (await RunAsync("tools", "approve", "auth0_users_list", "auth0_roles_create")).Code);
        Assert.Equal(0, (await RunAsync("toolsets", "create", "ops", "--tools", "auth0_users_list")).Code);
        Assert.Equal(0, (await RunAsync("toolsets", "add", "ops", "auth0_roles_create")).Code);
        Assert.Equal(0, (await RunAsync("profiles", "create", "ops-readers", "--toolsets", "ops", "--users", "alice", "--groups", "g1", "--policy", "approval")).Code);
        Assert.Equal(0, (await RunAsync("profiles", "bind", "ops-readers", "--users", "bob")).Code);
        var (requestCode, requestOut, _) = await RunAsync("profiles", "request", "ops-readers", "--user", "bob");
        var (grantCode, grantOut, _) = await RunAsync("profiles", "grant", "ops-readers", "--user", "bob", "--expires", "2h");

        var state = await _store.LoadStateAsync();
        var (listCode, listOut, _) = await RunAsync("toolsets", "list");
        Assert.Equal(0, requestCode);
        Assert.Contains("waits for an admin", requestOut);
        Assert.Equal(0, grantCode);
        Assert.Contains("granted ops-readers for bob", grantOut);
        Assert.Equal(["auth0_users_list", "auth0_roles_create"], state.FindToolset("ops")!.Tools);
        Assert.Equal(["alice", "bob"], state.FindProfile("ops-readers")!.Users);
        var grant = Assert.Single(state.Grants);
        Assert.Equal(GrantStatus.Granted, grant.Status);
        Assert.Equal(_clock.GetUtcNow().AddHours(2), grant.ExpiresAt);
        Assert.True(ToolGovernance.Evaluate(state, _catalog.ToDictionary(d => d.Name), new CallerIdentity("bob", []), "auth0_roles_create", _clock.GetUtcNow()).Allowed);
        Assert.Equal(0, listCode);
        Assert.Contains("ops: 2 callable of 2", listOut);
    }

    [Fact]
    public async Task Toolsets_DeleteUsedByProfile_RefusedThenAllowedAfterUnbind()
    {
        await RunAsync("toolsets", "create", "ops", "--tools", "auth0_users_list");
        await RunAsync("profiles", "create", "p", "--toolsets", "ops", "--users", "alice", "--policy", "auto");

        var refused = await RunAsync("toolsets", "delete", "ops");
        var unbind = await RunAsync("profiles", "unbind", "p", "--toolsets", "ops");
        var deleted = await RunAsync("toolsets", "delete", "ops");

        Assert.Equal(Cli.Usage, refused.Code);
        Assert.Contains("used by profile", refused.Err);
        Assert.Equal(0, unbind.Code);
        Assert.Equal(0, deleted.Code);
        Assert.Empty((await _store.LoadStateAsync()).Toolsets);
    }

    [Fact]
    public async Task KillSwitchAndDefaults_OnOffShowSet_ChangeStateAndAudit()
    {
        Assert.Equal(0, (await RunAsync("kill-switch", "on")).Code);
        Assert.Equal(0, (await RunAsync("kill-switch", "on", "auth0_users_delete")).Code);
        var status = await RunAsync("kill-switch", "status");
        Assert.Equal(0, (await RunAsync("defaults", "set", "--state", "disabled", "--require-approval", "off")).Code);
        var defaults = await RunAsync("defaults", "show");

        Assert.Contains("global: on", status.Out);
        Assert.Contains("auth0_users_delete: on", status.Out);
        Assert.Contains("new tool state: disabled", defaults.Out);
        Assert.Contains("require approval: off", defaults.Out);
        var tail = await RunAsync("audit", "tail", "-n", "5");
        Assert.Contains("killswitch.on", tail.Out);
        Assert.Contains("defaults.set", tail.Out);
    }

    [Fact]
    public async Task KillSwitchOff_Global_SaysWhichToolSwitchesAreStillOn()
    {
        await RunAsync("kill-switch", "on");
        await RunAsync("kill-switch", "on", "auth0_users_delete");

        var (code, output, err) = await RunAsync("kill-switch", "off");
        var state = await _store.LoadStateAsync();
        var clear = await RunAsync("kill-switch", "off", "auth0_users_delete");
        var none = await RunAsync("kill-switch", "off");

        Assert.True(code == 0, err);
        Assert.Equal("global kill switch off; 1 tool switch(es) still on: auth0_users_delete (kill-switch off TOOL)", output.TrimEnd());
        Assert.False(state.GlobalKillSwitch);
        Assert.True(state.FindTool("auth0_users_delete")!.Killed);
        Assert.Equal("kill switch off for 1 tool(s): auth0_users_delete", clear.Out.TrimEnd());
        Assert.Equal("global kill switch off; no tool switch is on", none.Out.TrimEnd());
    }

    [Fact]
    public async Task KillSwitchOn_Glob_SwitchesAndNamesEachMatchingTool()
    {
        var help = await RunExactAsync("kill-switch", "on", "--help");

        var (code, output, err) = await RunAsync("kill-switch", "on", "auth0_users_*");

        Assert.True(code == 0, err);
        Assert.Equal("kill switch on for 2 tool(s): auth0_users_delete, auth0_users_list", output.TrimEnd());
        var state = await _store.LoadStateAsync();
        Assert.Equal(["auth0_users_delete", "auth0_users_list"], state.Tools.Where(t => t.Killed).Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Contains("A tool name or glob", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsetsGrants_ToolsListingSeveralScopes_OneScopePerToolItsPrimary()
    {
        // The spec lists GET /users/{id}: read:users, read:current_user, read:user_idp_tokens; GET /clients: read:clients,
        // read:client_keys, read:client_credentials, read:client_summary; Auth0 accepts any one. Auth0's own MCP server
        // asks for exactly these four for the same tools.
        _catalog = Tools("auth0_users_get", "auth0_users_list", "auth0_users_update", "auth0_logs_list", "auth0_clients_list");
        Assert.Contains(_catalog, d => d.Scopes.Count > 1);
        Assert.Equal(0, (await RunAsync("tools", "approve", "auth0_*")).Code);
        Assert.Equal(0, (await RunAsync("toolsets", "create", "support", "--tools", "auth0_users_get,auth0_users_list,auth0_users_update,auth0_logs_list,auth0_clients_list")).Code);

        var (code, output, err) = await RunExactAsync("toolsets", "grants", "support");

        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["read:clients", "read:logs", "read:users", "update:users"], lines[1..]);
        Assert.StartsWith("# 5 tools in 'support' can all run with these 4 Management API scopes", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsetsGrants_UnknownToolset_OneLineWithTheCommandName()
    {
        var (code, output, err) = await RunExactAsync("toolsets", "grants", "nosuch");

        Assert.Equal(Cli.Usage, code);
        Assert.Empty(output);
        Assert.Equal("auth0-mcp: toolsets grants: unknown toolset 'nosuch' (see 'auth0-mcp toolsets list')", err.TrimEnd());
    }

    [Theory]
    [InlineData(TokenRefused, "--token", "abcdefgh12345678")]
    [InlineData(TokenRefused, "--token=abcdefgh12345678")]
    [InlineData(TokenRefused, "--token")]
    [InlineData(TokenRefused, "--token", "abcdefgh12345678", "--token-stdin")]
    [InlineData(SecretRefused, "--client-id", "id", "--client-secret", "s3cret-value")]
    [InlineData(SecretRefused, "--client-id", "id", "--client-secret-stdin", "--client-secret", "s3cret-value")]
    public async Task CredentialsRotate_SecretOnTheCommandLine_RefusedNamingTheStandardInputForm_ExitTwoAndNothingWritten(string expected, params string[] options)
    {
        // Its own settings and input: whatever happens, the user's credentials file is not touched.
        var file = Path.Combine(_directory, "credentials.json");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext
        {
            Out = stdout,
            Error = stderr,
            In = new StringReader("from-standard-input-1234\n"),
            Environment = name => name == "AUTH0_MCP_CREDENTIALS_FILE" ? file : null,
            Catalog = _catalog,
            OpenStore = () => _store,
            OwnsStores = false,
            Time = _clock,
            GrantedScopes = () => null,
        };

        var code = await Cli.RunAsync(["credentials", "rotate", .. options], context, CancellationToken.None);

        Assert.Equal(Cli.Usage, code);
        Assert.Empty(stdout.ToString());
        Assert.False(File.Exists(file));
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"auth0-mcp: credentials rotate: {expected}", lines[0]);
        Assert.Equal("Run 'auth0-mcp credentials rotate --help' for usage.", lines[^1]);
    }

    private const string TokenRefused = "--token takes no value on the command line, where other local users can read it: use --token-stdin (echo \"$NEW_TOKEN\" | auth0-mcp credentials rotate --token-stdin)";
    private const string SecretRefused = "--client-secret takes no value on the command line, where other local users can read it: use --client-secret-stdin (echo \"$NEW_SECRET\" | auth0-mcp credentials rotate --client-id ID --client-secret-stdin)";

    [Fact]
    public async Task ToolsClassify_Override_SurvivesResync()
    {
        await RunAsync("tools", "classify", "auth0_roles_create", "--risk", "dangerous");
        await ServerStartsWithAsync([.. _catalog, .. Tools("auth0_roles_list")]);

        await RunAsync("tools", "list");

        var state = await _store.LoadStateAsync();
        Assert.Equal(ToolRisk.Dangerous, state.FindTool("auth0_roles_create")!.Risk);
        Assert.True(state.FindTool("auth0_roles_create")!.RiskOverridden);
        Assert.Equal(ToolState.PendingReview, state.FindTool("auth0_roles_list")!.State);
    }

    [Fact]
    public async Task Resync_ToolVanishes_BecomesRemovedAndAudited()
    {
        await RunAsync("tools", "approve", "auth0_clients_get");
        await ServerStartsWithAsync(_catalog.Where(d => d.Name != "auth0_clients_get").ToList());

        var (_, output, _) = await RunAsync("tools", "list", "--state", "removed");

        Assert.Contains("auth0_clients_get", output);
        Assert.Contains("1 tool(s)", output);
        Assert.Contains("catalog.resync", (await RunAsync("audit", "tail")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerifyAndExport_LongChain_ProgressOnStandardErrorResultOnStandardOutput()
    {
        await RunAsync("tools", "list"); // the catalogue's records
        await Task.WhenAll(Enumerable.Range(0, 9000).Select(i => Task.Run(() => _store.AppendAuditAsync(new AuditRecord
        {
            Time = _clock.GetUtcNow(),
            Kind = AuditKinds.Call,
            Event = "tool.call",
            User = "u" + i,
            Tool = "auth0_users_list",
            Outcome = "ok",
        }))));
        var total = (await _store.GetAuditHeadAsync()).Sequence;
        static string Line(long n, long of) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"audit verify: {n:N0} of {of:N0} record(s) checked ({n * 100 / of} %)");
        _progressInterval = TimeSpan.Zero;

        var (code, output, err) = await RunAsync("audit", "verify");

        Assert.Equal(Cli.Ok, code);
        Assert.StartsWith($"audit chain intact: {total} record(s)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("audit verify:", output, StringComparison.Ordinal);
        Assert.Equal([Line(4096, total), Line(8192, total), Line(total, total)], err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var file = Path.Combine(_directory, "audit.jsonl");
        var export = await RunAsync("audit", "export", "--output", file);
        Assert.Equal($"exported {total} record(s) to {file}", export.Out.Trim());
        Assert.Equal(
            [Line(4096, total), Line(8192, total), Line(total, total)],
            export.Err.Replace("audit export:", "audit verify:", StringComparison.Ordinal).Replace("written", "checked", StringComparison.Ordinal)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(total, File.ReadLines(file).LongCount());
    }

    [Fact]
    public async Task ReadOnlyCommands_KeyFileMissing_CreateNoKeyAndVerifyExits1SayingTheSealsWereNotChecked()
    {
        await RunAsync("tools", "approve", "auth0_users_list"); // a writer: its records are sealed with audit.key
        var head = await _store.GetAuditHeadAsync();
        await _store.DisposeAsync();
        // The same store opened with another key path (the command line run without the server's key setting).
        var elsewhere = Path.Combine(_directory, "cli", "audit.key");
        _store = new SqliteGovernanceStore(DbPath, new AuditSealOptions { KeyFile = elsewhere, CheckpointFile = Path.Combine(_directory, "audit.checkpoints") });
        var file = Path.Combine(_directory, "audit.jsonl");

        var list = await RunAsync("tools", "list");
        var export = await RunAsync("audit", "export", "--output", file);
        var tail = await RunAsync("audit", "tail");
        var verify = await RunAsync("audit", "verify");

        Assert.False(File.Exists(elsewhere), "a read-only command created an audit key file");
        Assert.Equal([0, 0, 0], new[] { list.Code, export.Code, tail.Code });
        Assert.Equal(head, await _store.GetAuditHeadAsync()); // nothing was written
        Assert.Equal(Cli.Failed, verify.Code);
        Assert.StartsWith($"audit chain NOT VERIFIED: {head.Sequence} record(s) linked without a gap, but the seals and checkpoints were not checked", verify.Out, StringComparison.Ordinal);
        Assert.Contains($"not checked: the {head.Sequence} keyed seal(s) and the checkpoint file", verify.Err, StringComparison.Ordinal);
        Assert.Contains($"the audit key file {elsewhere} is missing", verify.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("tampered", verify.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_NewStore_IntactWithoutWritingOrCreatingAKey()
    {
        await _store.InitializeAsync(); // the schema, as the server's first start makes it (a store that is not there: ReadOnlyAuditCommandTests)

        var (code, output, err) = await RunAsync("audit", "verify");

        Assert.True(code == Cli.Ok, err);
        Assert.StartsWith("audit chain intact: 0 record(s)", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "audit.key")));
        Assert.Equal(0, (await _store.GetAuditHeadAsync()).Sequence); // the audit commands do not sync the catalogue
    }

    [Fact]
    public async Task AuditExportAndVerify_IntactThenEdited_VerifyFailsWithNonzeroExit()
    {
        await RunAsync("tools", "approve", "auth0_users_list");
        var file = Path.Combine(_directory, "audit.jsonl");

        var export = await RunAsync("audit", "export", "--output", file);
        var intact = await RunAsync("audit", "verify");
        await using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE audit_log SET body = REPLACE(body, 'admin', 'mallory') WHERE seq = 2";
            await command.ExecuteNonQueryAsync();
        }

        var broken = await RunAsync("audit", "verify");

        Assert.Equal(0, export.Code);
        var lines = await File.ReadAllLinesAsync(file);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches("^hmac-sha256:[0-9a-f]{16}:[0-9a-f]{64}$", JsonDocument.Parse(l).RootElement.GetProperty("hash").GetString()!));
        Assert.Equal(0, intact.Code);
        Assert.Contains("audit chain intact", intact.Out);
        Assert.Contains("checked:", intact.Out);
        Assert.Contains("sealed with HMAC-SHA256", intact.Out);
        Assert.Contains("cannot prove:", intact.Out);
        Assert.Equal(Cli.Failed, broken.Code);
        Assert.Contains("record 2", broken.Err);
    }

    [Fact]
    public async Task AuditVerify_KeyIdsWithEscapesInASealAndACheckpoint_MalformedAndNoControlCharacterReachesTheTerminal()
    {
        // Whoever can write the store or the checkpoint file writes a key id that moves the cursor up, erases the
        // verdict and prints another: it must be reported as malformed, and no line of verify may carry it raw.
        await RunAsync("tools", "approve", "auth0_users_list");
        const string Forged = "\u001b[1A\u001b[2K\raudit chain intact: 2 record(s)\n";
        await using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE audit_log SET hash = 'hmac-sha256:' || $key || ':' || substr(hash, 30) WHERE seq = 2";
            command.Parameters.AddWithValue("$key", Forged);
            await command.ExecuteNonQueryAsync();
        }

        var checkpoints = Path.Combine(_directory, "audit.checkpoints");
        var line = JsonSerializer.Serialize(new { seq = 1, hash = "x", time = "2026-11-02T10:00:00.0000000Z", key = Forged, mac = "00" });
        await File.AppendAllTextAsync(checkpoints, line + "\n");
        var number = File.ReadAllLines(checkpoints).Length;

        var verify = await RunAsync("audit", "verify");

        Assert.Equal(Cli.Failed, verify.Code);
        Assert.Contains("tampered: record 2: malformed seal", verify.Err, StringComparison.Ordinal);
        Assert.Contains($"tampered: checkpoint line {number} is unreadable", verify.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(verify.Err + verify.Out, c => c != '\n' && TerminalText.IsUnprintable(c));
        Assert.StartsWith("audit chain BROKEN", verify.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_KeyFileFromBeforeARotation_PrintsTheFirstProblemsThenHowManyMoreOfWhichKind()
    {
        // An operator restores a key file from before a rotation: every record is a problem. verify printed one line for
        // each (3M records: 398 MB on stderr, 993 MB held until the end); it prints the first and one line for the rest.
        await _store.InitializeAsync();
        await Task.WhenAll(Enumerable.Range(0, AuditChain.ProblemLinesKept + 50).Select(i => Task.Run(() => _store.AppendAuditAsync(new AuditRecord
        {
            Time = _clock.GetUtcNow(),
            Kind = AuditKinds.Call,
            Event = "tool.call",
            User = "u" + i,
            Tool = "auth0_users_list",
            Outcome = "ok",
        }))));
        var records = (await _store.GetAuditHeadAsync()).Sequence;
        var sealedWith = AuditKeyRing.OpenFile(Path.Combine(_directory, "audit.key")).CurrentKeyId;
        await _store.DisposeAsync();
        var checkpoints = Path.Combine(_directory, "audit.checkpoints");
        var checkpointLines = File.ReadLines(checkpoints).Count(l => l.Length > 0); // each signed with the key not restored
        var restored = Path.Combine(_directory, "restored.key");
        AuditKeyRing.OpenFile(restored); // another key
        _store = new SqliteGovernanceStore(DbPath, new AuditSealOptions { KeyFile = restored, CheckpointFile = checkpoints });

        var (code, output, err) = await RunAsync("audit", "verify");

        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Cli.Failed, code); // the exit code as before
        Assert.StartsWith($"audit chain BROKEN: {records + checkpointLines} problem(s) in {records} record(s)", output, StringComparison.Ordinal);
        Assert.Equal(AuditChain.ProblemLinesKept + 1, lines.Length);
        Assert.All(lines[..^1], l => Assert.Matches($"^tampered: record [0-9]+: sealed with key {sealedWith}, which is not in the key ring", l));
        Assert.Equal(
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"tampered: and {records + checkpointLines - AuditChain.ProblemLinesKept:N0} more: ")
                + $"{records - AuditChain.ProblemLinesKept} record(s) sealed with key {sealedWith}, which is not in the key ring; {checkpointLines} problem(s) in the checkpoint file",
            lines[^1]);
    }

    [Fact]
    public async Task AuditTailJsonAndExport_RowWithRawControlCharacters_JsonEscapedOneObjectPerLine()
    {
        await RunAsync("tools", "approve", "auth0_users_list");
        await using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE audit_log SET body = REPLACE(body, '\"admin\"', '\"ad' || char(27) || '[2K' || char(13) || char(10) || 'min\"'), hash = hash || char(7) WHERE seq = 2";
            await command.ExecuteNonQueryAsync();
        }

        var tail = await RunAsync("audit", "tail", "--json");
        var export = await RunAsync("audit", "export");
        var file = Path.Combine(_directory, "audit.jsonl");
        await RunAsync("audit", "export", "--output", file);

        foreach (var output in new[] { tail.Out, export.Out })
        {
            Assert.DoesNotContain(output, c => c != '\n' && TerminalText.IsUnprintable(c));
            var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var edited = Assert.Single(rows, r => r.GetProperty("sequence").GetInt64() == 2);
            Assert.Equal("ad\u001b[2K\r\nmin", edited.GetProperty("user").GetString());
            Assert.EndsWith("\u0007", edited.GetProperty("hash").GetString(), StringComparison.Ordinal);
        }

        // The file holds the same values, one JSON object per line: the control characters put in by hand are written
        // as their JSON escapes (raw, the line broke in two and neither half was JSON).
        var lines = (await File.ReadAllTextAsync(file)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(lines, l => l.Contains('\r', StringComparison.Ordinal) || l.Contains('\u001b', StringComparison.Ordinal));
        var inFile = Assert.Single(lines.Select(l => JsonDocument.Parse(l).RootElement), r => r.GetProperty("sequence").GetInt64() == 2);
        Assert.Equal("ad\u001b[2K\r\nmin", inFile.GetProperty("user").GetString());
    }

    [Fact]
    public async Task AuditTail_CallRecord_ShowsItsMaskedArgumentsCutShortAndEscapedOnItsOneLine()
    {
        await _store.InitializeAsync();
        var arguments = "{\"id\":\"auth0|1\u202e\",\"password\":\"***\",\"pad\":\"" + new string('x', 300) + "\"}";
        await _store.AppendAuditAsync(new AuditRecord
        {
            Time = _clock.GetUtcNow(), Kind = AuditKinds.Call, Event = "tool.call", User = "alice", Tool = "auth0_users_update",
            Arguments = arguments, Outcome = AuditOutcomes.Denied, DenialCode = "kill-switch", Reason = "stopped",
        });
        await _store.AppendAuditAsync(new AuditRecord { Time = _clock.GetUtcNow(), Kind = AuditKinds.Call, Event = "tool.call", User = "bob", Tool = "auth0_users_list", Outcome = AuditOutcomes.Success });

        var (code, output, _) = await RunAsync("audit", "tail", "-n", "2");

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var shown = TerminalText.Escape(arguments[..120] + "…"); // GovernanceCli.TailArgumentsLength
        Assert.EndsWith($" call alice denied (kill-switch) auth0_users_update args={shown}: stopped", lines[0], StringComparison.Ordinal);
        Assert.Contains("\\u202e", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', 300), output, StringComparison.Ordinal);
        Assert.EndsWith(" call bob success auth0_users_list", lines[1], StringComparison.Ordinal); // no arguments stored, none shown
    }

    [Fact]
    public async Task AuditTailAndExport_UnreadableBodies_EachShownAsAnUnreadableRecordAndTheRestStillShown()
    {
        // One record emptied, one made "not json" and one an escape sequence, by hand: tail and export show every other
        // record and name these, escaped, where they crashed (export: an index out of range, tail: a JSON exception).
        await RunAsync("tools", "approve", "auth0_users_list");
        await RunAsync("kill-switch", "on");
        var total = (await _store.GetAuditHeadAsync()).Sequence;
        Assert.True(total >= 4, $"only {total} record(s)");
        await using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE audit_log SET body = '' WHERE seq = 1; UPDATE audit_log SET body = 'not json' WHERE seq = 2; "
                + "UPDATE audit_log SET body = char(27) || '[2J' || char(10) || '#9 forged' WHERE seq = 3";
            await command.ExecuteNonQueryAsync();
        }

        var tail = await RunAsync("audit", "tail", "-n", "1000");
        var json = await RunAsync("audit", "tail", "-n", "1000", "--json");
        var stdout = await RunAsync("audit", "export");
        var file = Path.Combine(_directory, "audit.jsonl");
        var export = await RunAsync("audit", "export", "--output", file);
        var verify = await RunAsync("audit", "verify");

        Assert.Equal([0, 0, 0, 0], new[] { tail.Code, json.Code, stdout.Code, export.Code });
        var lines = tail.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(total, lines.Length);
        Assert.StartsWith("#1 unreadable record 1: its body is not a readable audit record", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("#2 unreadable record 2: ", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("stored body: not json)", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("stored body: \\u001b[2J\\n#9 forged)", lines[2], StringComparison.Ordinal);
        Assert.Contains("killswitch.on", lines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(tail.Out, c => c != '\n' && TerminalText.IsUnprintable(c));
        foreach (var output in new[] { json.Out, stdout.Out, await File.ReadAllTextAsync(file) })
        {
            var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(total, rows.Count);
            Assert.Equal(["", "not json", "\u001b[2J\n#9 forged"], rows.Take(3).Select(r => r.GetProperty("unreadable_body").GetString()));
            Assert.Equal([1L, 2, 3], rows.Take(3).Select(r => r.GetProperty("sequence").GetInt64()));
            Assert.All(rows.Skip(3), r => Assert.False(r.TryGetProperty("unreadable_body", out _)));
        }

        Assert.Equal(Cli.Failed, verify.Code);
        Assert.Contains("tampered: record 1: body is not a readable record", verify.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditExport_OutputInAMissingFolder_ExitTwoNamingThePathAndNoFile()
    {
        await _store.InitializeAsync(); // a store to export (the audit commands open only one that exists)
        var folder = Path.Combine(_directory, "no", "such", "dir");
        var file = Path.Combine(folder, "x.jsonl");

        var (code, output, err) = await RunAsync("audit", "export", "--output", file);

        Assert.Equal(Cli.Usage, code);
        Assert.Empty(output);
        Assert.Equal($"auth0-mcp: audit export: --output '{file}': the folder '{folder}' does not exist", err.TrimEnd());
        Assert.False(Directory.Exists(Path.Combine(_directory, "no")));
    }

    [Fact]
    public async Task AuditExport_OutputIsAFolder_ExitTwoNamingThePathAndTheFolderUntouched()
    {
        await _store.InitializeAsync(); // a store to export (the audit commands open only one that exists)
        var folder = Path.Combine(_directory, "exports");
        Directory.CreateDirectory(folder);

        var (code, output, err) = await RunAsync("audit", "export", "--output", folder);

        Assert.Equal(Cli.Usage, code);
        Assert.Empty(output);
        Assert.Equal($"auth0-mcp: audit export: --output '{folder}' is a folder; give a file name", err.TrimEnd());
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        Assert.Empty(Directory.EnumerateFiles(_directory, "*.tmp"));
    }

    [Fact]
    public async Task AuditExport_ExistingFile_ReplacedWholeAndNoTemporaryFileLeft()
    {
        await _store.InitializeAsync(); // a store to export (the audit commands open only one that exists)
        var file = Path.Combine(_directory, "audit.jsonl");
        await File.WriteAllTextAsync(file, "old content that is longer than nothing\n");

        var (code, output, err) = await RunAsync("audit", "export", "--output", file);

        Assert.True(code == 0, err);
        Assert.StartsWith("exported ", output, StringComparison.Ordinal);
        Assert.All(await File.ReadAllLinesAsync(file), l => Assert.StartsWith("{", l, StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(_directory, "*.tmp"));
    }

    /// <summary>
    /// The export holds call arguments: a new file is owner-only, and an existing file keeps its mode (an owner-only
    /// one never becomes readable by others), whatever the umask would have made the new file beside it.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)]
    public async Task AuditExport_NewFileOwnerOnly_AnExistingFileKeepsItsMode(UnixFileMode? existing)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await _store.InitializeAsync();
        var file = Path.Combine(_directory, "audit.jsonl");
        if (existing is { } mode)
        {
            await File.WriteAllTextAsync(file, "old\n");
            File.SetUnixFileMode(file, mode);
        }

        var (code, _, err) = await RunAsync("audit", "export", "--output", file);

        Assert.True(code == 0, err);
        Assert.Equal(existing ?? (UnixFileMode.UserRead | UnixFileMode.UserWrite), File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task CredentialRotation_Recorded_WithoutTheSecret()
    {
        var governance = new ToolGovernance(_store, _clock);
        await _store.InitializeAsync();

        await governance.RecordCredentialRotationAsync("ops", "rotated client credentials; new client_secret=abcd1234 eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2ln");

        var export = (await RunAsync("audit", "export")).Out;
        Assert.Contains("credential.rotated", export);
        Assert.DoesNotContain("eyJhbGciOiJIUzI1NiJ9", export);
        Assert.DoesNotContain("abcd1234", export);
        Assert.Contains("rotated client credentials", export);
    }

    [Fact]
    public async Task ToolsList_StateWithEqualsThenJson_FiltersAndPrintsJson()
    {
        // The hand-written parser took '--state=approved' and then the next token ('--json') as its value.
        await RunAsync("tools", "approve", "auth0_users_list");

        var (code, output, err) = await RunAsync("tools", "list", "--state=approved", "--json");

        Assert.True(code == 0, err);
        var names = JsonDocument.Parse(output).RootElement.EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Equal(["auth0_users_list"], names);
    }

    [Fact]
    public async Task Options_EqualsAndSpaceForms_GiveTheSameResult()
    {
        var spaced = await RunExactAsync("toolsets", "create", "a", "--tools", "auth0_users_list,auth0_clients_get", "--description", "first", "--actor", "alice");
        var joined = await RunExactAsync("toolsets", "create", "b", "--tools=auth0_users_list", "--tools=auth0_clients_get", "--description=first", "--actor=alice");

        Assert.Equal(0, spaced.Code);
        Assert.Equal(0, joined.Code);
        var state = await _store.LoadStateAsync();
        Assert.Equal(state.FindToolset("a")!.Tools, state.FindToolset("b")!.Tools);
        Assert.Equal(state.FindToolset("a")!.Description, state.FindToolset("b")!.Description);
        var audit = (await RunAsync("audit", "export")).Out;
        Assert.Equal(2, audit.Split('\n').Count(l => l.Contains("toolset.create", StringComparison.Ordinal) && l.Contains("\"alice\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Actor_NotGiven_IsTheDefaultActor()
    {
        await RunExactAsync("tools", "approve", "auth0_users_list");

        var tail = (await RunExactAsync("audit", "tail", "-n", "1", "--json")).Out;
        Assert.Equal("default-admin", JsonDocument.Parse(tail).RootElement.GetProperty("user").GetString());
    }

    [Theory]
    [InlineData("", "--actor needs a name", "tools", "disable", "auth0_users_list", "--actor")]
    [InlineData("   ", "--actor needs a name", "tools", "disable", "auth0_users_list", "--actor")]
    [InlineData("", "--user needs a user", "profiles", "request", "p", "--actor", "admin", "--user")]
    [InlineData(" ", "--user needs a user", "profiles", "grant", "p", "--actor", "admin", "--user")]
    public async Task Actor_EmptyOrBlank_ExitTwoNamingTheOption(string value, string expected, params string[] command)
    {
        await RunAsync("tools", "list");
        var head = await _store.GetAuditHeadAsync();

        var (code, output, err) = await RunExactAsync([.. command, value]);

        Assert.Equal(Cli.Usage, code);
        Assert.Empty(output);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"auth0-mcp: {command[0]} {command[1]}: {expected}, not an empty or blank value", lines[0]);
        Assert.Equal($"Run 'auth0-mcp {command[0]} {command[1]} --help' for usage.", lines[^1]);
        Assert.Equal(head, await _store.GetAuditHeadAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Actor_BlankAuth0McpUser_FallsBackToTheOsUser(string user)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext
        {
            Out = stdout,
            Error = stderr,
            Environment = name => name == "AUTH0_MCP_USER" ? user : null,
            Catalog = _catalog,
            OpenStore = () => _store,
            OwnsStores = false,
            Time = _clock,
            GrantedScopes = () => null,
        };

        var code = await Cli.RunAsync(["tools", "approve", "auth0_users_list"], context, CancellationToken.None);

        Assert.True(code == 0, stderr.ToString());
        var tail = (await RunExactAsync("audit", "tail", "-n", "1", "--json")).Out;
        Assert.Equal(Environment.UserName, JsonDocument.Parse(tail).RootElement.GetProperty("user").GetString());
    }

    [Theory]
    [InlineData("tools", "approve")]
    [InlineData("audit", "verify")]
    [InlineData("profiles", "create")]
    public async Task Help_OfOneCommand_DescribesItsArgumentsAndOptionsAndExitsZero(string group, string verb)
    {
        var (code, output, _) = await RunExactAsync(group, verb, "--help");

        Assert.Equal(0, code);
        Assert.Matches($"Usage:\\s+\\S+ {group} {verb}", output);
        Assert.Contains("--actor", output, StringComparison.Ordinal);
        Assert.Contains("--config <FILE>", output, StringComparison.Ordinal);
        Assert.False(File.Exists(DbPath)); // help opens no store
    }

    [Fact]
    public async Task Help_OfTheRoot_ListsEveryCommandAndTheEnvironment()
    {
        var (code, output, _) = await RunExactAsync("--help");

        Assert.Equal(0, code);
        foreach (var command in new[] { "serve", "admin", "catalog", "tools", "toolsets", "profiles", "kill-switch", "audit", "defaults", "approvals", "doctor", "credentials" })
        {
            Assert.Matches($"(?m)^  {command}\\b", output);
        }

        Assert.Contains("AUTH0_MCP_STORE", output, StringComparison.Ordinal);
        Assert.Contains("Exit codes:", output, StringComparison.Ordinal);
        Assert.Contains("--config", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuggestDirective_PartialVerb_CompletesIt()
    {
        var (code, output, _) = await RunExactAsync("[suggest:11]", "tools appro");

        Assert.Equal(0, code);
        Assert.Equal(["approve"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task SuggestDirective_ToolName_CompletesFromTheCatalogue()
    {
        var (code, output, _) = await RunExactAsync("[suggest:31]", "tools approve auth0_users_roles_");

        Assert.Equal(0, code);
        var suggestions = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("auth0_users_roles_assign", suggestions);
        Assert.All(suggestions, s => Assert.StartsWith("auth0_users_roles_", s, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("tools")]
    [InlineData("tools", "show")]
    [InlineData("tools", "list", "--state")]
    [InlineData("approvals", "deny", "x", "--expires", "10m")]
    public async Task Usage_Bad_ExitTwoWithTheErrorAndWhereToLook(params string[] args)
    {
        var (code, output, err) = await RunExactAsync(args);

        Assert.Equal(Cli.Usage, code);
        Assert.Empty(output);
        Assert.StartsWith("auth0-mcp: ", err, StringComparison.Ordinal);
        Assert.Contains("--help' for usage.", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoArgumentsMissing_TheMessageIsSaidOnce()
    {
        var (code, _, err) = await RunExactAsync("catalog", "diff");

        Assert.Equal(Cli.Usage, code);
        Assert.Equal(
            ["auth0-mcp: catalog diff: Required argument missing for command: 'diff'.", "Run 'auth0-mcp catalog diff --help' for usage."],
            err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Theory]
    [InlineData("unknown option '--jsn'; did you mean '--json'?", "tools", "list", "--jsn")]
    [InlineData("unknown option '--bogus'", "tools", "approve", "--bogus", "auth0_users_list")]
    [InlineData("unknown option '--tolls'; did you mean '--tools'?", "toolsets", "create", "zz", "--tolls", "x")]
    [InlineData("unknown option '--stat'; did you mean '--state'?", "tools", "list", "auth0_users_*", "--stat")]
    [InlineData("unknown option '-x'", "kill-switch", "on", "-x")]
    [InlineData("unknown option '--forse'", "profiles", "delete", "--forse")]
    [InlineData("unknown option '--jsn'", "toolsets", "grants", "--jsn")]
    public async Task UnknownOption_WhereNamesAreTaken_ExitTwoNamingTheOption(string expected, params string[] args)
    {
        await RunAsync("tools", "list");
        var revision = await _store.GetRevisionAsync();
        var head = await _store.GetAuditHeadAsync();

        var (code, output, err) = await RunExactAsync(args);

        Assert.Equal(Cli.Usage, code);
        Assert.Empty(output);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"auth0-mcp: {args[0]} {args[1]}: {expected}", lines[0]);
        Assert.Equal($"Run 'auth0-mcp {args[0]} {args[1]} --help' for usage.", lines[^1]);
        Assert.Equal(revision, await _store.GetRevisionAsync());
        Assert.Equal(head, await _store.GetAuditHeadAsync());
    }

    [Fact]
    public async Task AuditTail_ToolNameWithNewlineFakeRecordAndAnsi_OneEscapedLinePerRecord()
    {
        const string Fake = "#999 2026-11-02T10:00:00.0000000+00:00 call admin success auth0_users_delete";
        await _store.InitializeAsync();
        await _store.AppendAuditAsync(new AuditRecord
        {
            Time = _clock.GetUtcNow(),
            Kind = AuditKinds.Call,
            Event = "tool.call",
            User = "mallory\u001b[2K\r",
            Tool = "auth0_x\n" + Fake,
            Outcome = AuditOutcomes.Denied,
            DenialCode = "unknown-tool",
            Reason = "no such tool \u001b[31mred\u001b[0m\u0085\u2028\u202e",
        });

        var (code, output, _) = await RunAsync("audit", "tail");

        Assert.Equal(0, code);
        // Other records (e.g. the catalogue sync of the command itself) may stand beside it: the forged line must not.
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(lines, l => l.StartsWith("#999", StringComparison.Ordinal));
        var line = Assert.Single(lines, l => l.Contains("mallory", StringComparison.Ordinal));
        Assert.DoesNotContain(line, c => c < 0x20 || (c >= 0x7f && c <= 0x9f) || c is '\u2028' or '\u202e');
        Assert.Contains("auth0_x\\n" + Fake, line, StringComparison.Ordinal);
        Assert.Contains("mallory\\u001b[2K\\r", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("99999999d", "duration '99999999d' is too long: at most 366d")]
    [InlineData("Infinitys", "duration 'Infinitys' is too long: at most 366d")]
    [InlineData("9999999d", "duration '9999999d' is too long: at most 366d")]
    [InlineData("367d", "duration '367d' is too long: at most 366d")]
    [InlineData("400.00:00:00", "duration '400.00:00:00' is too long: at most 366d")]
    public async Task ProfilesCreate_ExpiryTooLongOrOverflowing_ExitTwoNamingTheMaximum(string expires, string expected)
    {
        await RunAsync("tools", "list");
        var revision = await _store.GetRevisionAsync();

        var (code, _, err) = await RunAsync("profiles", "create", "p1", "--toolsets", "all-approved", "--users", "alice", "--policy", "jit", "--expires", expires);

        Assert.Equal(Cli.Usage, code);
        Assert.Equal($"auth0-mcp: profiles create: {expected} (366 days)", err.TrimEnd());
        Assert.Equal(revision, await _store.GetRevisionAsync());
    }

    [Fact]
    public async Task ProfilesCreate_ExpiryAtTheMaximum_IsAccepted()
    {
        var (code, _, err) = await RunAsync("profiles", "create", "p1", "--toolsets", "all-approved", "--users", "alice", "--policy", "jit", "--expires", "366d");

        Assert.True(code == 0, err);
        Assert.Equal(TimeSpan.FromDays(366), (await _store.LoadStateAsync()).FindProfile("p1")!.Expiry);
    }

    /// <summary>alice's pending request to call auth0_users_delete, for an hour.</summary>
    private async Task<CallApproval> PendingCallApprovalAsync()
    {
        await _store.InitializeAsync();
        return await new ToolGovernance(_store, _clock).RequestCallApprovalAsync("alice", "auth0_users_delete", "hash", "{}", TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task ApprovalsGrant_ExpiryPastTheLastDate_ExitTwoAndTheRequestStaysPending()
    {
        var request = await PendingCallApprovalAsync();

        var (code, _, err) = await RunAsync("approvals", "grant", request.Id, "--expires", "9999999d");

        Assert.Equal(Cli.Usage, code);
        Assert.Equal("auth0-mcp: approvals grant: duration '9999999d' is too long: at most 366d (366 days)", err.TrimEnd());
        Assert.Equal(CallApprovalStatus.Pending, (await _store.LoadStateAsync()).CallApprovals.Single(a => a.Id == request.Id).Status);
    }

    [Fact]
    public async Task ApprovalsGrant_ByTheCallerWhoMadeTheRequest_ExitTwoAndTheRequestStaysPending()
    {
        var request = await PendingCallApprovalAsync();

        var (code, _, err) = await RunExactAsync("approvals", "grant", request.Id, "--actor", "alice");

        Assert.Equal(Cli.Usage, code);
        Assert.Equal($"auth0-mcp: approvals grant: approval request {request.Id} was made by alice: another person decides it", err.TrimEnd());
        Assert.Equal(CallApprovalStatus.Pending, (await _store.LoadStateAsync()).CallApprovals.Single(a => a.Id == request.Id).Status);
        Assert.Equal(0, (await RunAsync("approvals", "grant", request.Id)).Code);
    }

    [Theory]
    [InlineData("grant", "bob")]
    [InlineData("grant", "BOB")]
    [InlineData("deny", "bob")]
    public async Task ProfilesGrantOrDeny_ByTheUserWhoMadeTheRequest_ExitTwoAndTheRequestStaysPending(string verb, string actor)
    {
        Assert.Equal(0, (await RunAsync("profiles", "create", "breakglass", "--toolsets", "all-approved", "--users", "bob", "--policy", "approval", "--expires", "1h")).Code);
        Assert.Equal(0, (await RunExactAsync("profiles", "request", "breakglass", "--user", "bob", "--actor", "bob")).Code);
        var id = (await _store.LoadStateAsync()).Grants.Single().Id;
        var head = await _store.GetAuditHeadAsync();

        var (code, output, err) = await RunExactAsync("profiles", verb, id, "--actor", actor);
        var (byNameCode, _, byNameErr) = await RunExactAsync("profiles", verb, "breakglass", "--user", "bob", "--actor", actor);

        Assert.Equal(Cli.Usage, code);
        Assert.Equal("", output);
        Assert.Equal($"auth0-mcp: profiles {verb}: access request {id} was made by bob: another person decides it", err.TrimEnd());
        Assert.Equal(Cli.Usage, byNameCode);
        Assert.Equal($"auth0-mcp: profiles {verb}: access request {id} was made by bob: another person decides it", byNameErr.TrimEnd());
        Assert.Equal(GrantStatus.Requested, (await _store.LoadStateAsync()).Grants.Single().Status);
        Assert.Equal(head, await _store.GetAuditHeadAsync()); // refused: nothing written, as for call approvals
        Assert.Equal(0, (await RunAsync("profiles", verb, id)).Code);
        Assert.Equal("admin", (await _store.LoadStateAsync()).Grants.Single().DecidedBy);
    }

    [Fact]
    public async Task ProfilesRequest_StoredExpiryPastTheLastDate_ExitTwoNamingTheProfile()
    {
        // A store written before durations were bounded: the profile's expiry does not fit a date from now.
        await RunAsync("profiles", "create", "p1", "--toolsets", "all-approved", "--users", "alice", "--policy", "jit", "--expires", "2h");
        var state = await _store.LoadStateAsync();
        state.FindProfile("p1")!.Expiry = TimeSpan.FromDays(9999999);
        Assert.True(await _store.TrySaveStateAsync(state, await _store.GetRevisionAsync(), []));

        var (code, _, err) = await RunAsync("profiles", "request", "p1", "--user", "alice");

        Assert.Equal(Cli.Usage, code);
        Assert.Equal("auth0-mcp: profiles request: the expiry of profile 'p1' (9999999 days) is longer than the maximum, 366d", err.TrimEnd());
        Assert.Empty((await _store.LoadStateAsync()).Grants);
    }

    [Theory]
    [InlineData("invalid toolset name 'ops\\u001b[31m': no spaces, commas, wildcards or control characters", "toolsets", "create", "ops\u001b[31m", "--tools", "auth0_users_list")]
    [InlineData("invalid profile name 'p\\u202eevil': no spaces, commas, wildcards or control characters", "profiles", "create", "p\u202eevil", "--toolsets", "all-approved", "--users", "alice")]
    [InlineData("invalid profile name 'p\\u0000': no spaces, commas, wildcards or control characters", "profiles", "create", "p\u0000", "--toolsets", "all-approved", "--users", "alice")]
    [InlineData("invalid user 'alice\\u001b[2J': not blank, and no control characters", "profiles", "create", "p", "--toolsets", "all-approved", "--users", "alice\u001b[2J")]
    [InlineData("invalid group 'g\\u0007': not blank, and no control characters", "profiles", "create", "p", "--toolsets", "all-approved", "--groups", "g\u0007")]
    [InlineData("invalid user 'bob\\u200b': not blank, and no control characters", "profiles", "bind", "base", "--users", "bob\u200b")]
    [InlineData("invalid user 'bob\\udb40\\udc41': not blank, and no control characters", "profiles", "bind", "base", "--users", "bob\U000E0041")] // a tag character: invisible text past the BMP
    [InlineData("invalid toolset name 'ops\\udb40\\udc41': no spaces, commas, wildcards or control characters", "toolsets", "create", "ops\U000E0041", "--tools", "auth0_users_list")]
    public async Task Names_WithControlOrFormatCharacters_ExitTwoAndTheEscapedNameNamed(string expected, params string[] args)
    {
        await RunAsync("profiles", "create", "base", "--toolsets", "all-approved", "--users", "alice");
        var revision = await _store.GetRevisionAsync();

        var (code, _, err) = await RunAsync(args);

        Assert.Equal(Cli.Usage, code);
        Assert.Equal($"auth0-mcp: {args[0]} {args[1]}: {expected}", err.TrimEnd());
        Assert.Equal(revision, await _store.GetRevisionAsync());
    }

    [Fact]
    public async Task Listings_StoredNamesWithTerminalEscapes_PrintedEscaped()
    {
        // A store written before names were checked (or by another tool): every listing prints one escaped line per entry.
        await RunAsync("profiles", "create", "p", "--toolsets", "all-approved", "--users", "alice");
        var state = await _store.LoadStateAsync();
        state.Toolsets.Add(new Toolset { Name = "evil\u001b[31m", Description = "\u001b]0;title\u0007", Tools = ["auth0_users_list\n#fake"] });
        state.FindProfile("p")!.Users.Add("mallory\u001b[2K\r");
        state.FindProfile("p")!.Groups.Add("g\u202e");
        Assert.True(await _store.TrySaveStateAsync(state, await _store.GetRevisionAsync(), []));
        var governance = new ToolGovernance(_store, _clock);
        await governance.RequestCallApprovalAsync("eve\u001b[8m", "auth0_users_delete", "hash", "{\"id\":\"\u001b[2J\"}", TimeSpan.FromHours(1));

        var toolsets = await RunAsync("toolsets", "list");
        var profiles = await RunAsync("profiles", "list");
        var approvals = await RunAsync("approvals", "list");

        foreach (var (code, output, _) in new[] { toolsets, profiles, approvals })
        {
            Assert.Equal(0, code);
            Assert.DoesNotContain(output.TrimEnd('\n'), c => (c < 0x20 && c != '\n') || c is '\u007f' or '\u202e');
        }

        Assert.Contains("evil\\u001b[31m: 0 callable of 1: auth0_users_list\\n#fake", toolsets.Out, StringComparison.Ordinal);
        Assert.Contains("users=[alice,mallory\\u001b[2K\\r] groups=[g\\u202e]", profiles.Out, StringComparison.Ordinal);
        Assert.Contains("for eve\\u001b[8m", approvals.Out, StringComparison.Ordinal);
        Assert.Contains("arguments {\"id\":\"\\u001b[2J\"}", approvals.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_CorruptStore_ExitCode2AndTheMessageNamesTheStore()
    {
        var path = Path.Combine(_directory, "corrupt.db");
        await File.WriteAllTextAsync(path, new string('#', 8192));
        await _store.DisposeAsync();
        _store = OpenStore(path);

        var (code, _, err) = await RunAsync("audit", "verify");

        Assert.Equal(Cli.Usage, code);
        Assert.Contains($"auth0-mcp: governance store SQLite {path}", err, StringComparison.Ordinal);
    }
}
