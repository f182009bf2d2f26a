using System.Reflection;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit.Sdk;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>Supplies the SQLite store kind to a store contract theory.</summary>
public sealed class SqliteStoreAttribute : DataAttribute
{
    /// <inheritdoc />
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [["sqlite"]];
}

/// <summary>
/// Supplies the PostgreSQL store kind; skipped, with the reason, when <c>AUTH0_MCP_TEST_POSTGRES</c> is unset
/// (run <c>eval "$(bash build/postgres.sh)"</c> to set it).
/// </summary>
public sealed class PostgresStoreAttribute : DataAttribute
{
    /// <summary>The environment variable with the test server's connection string.</summary>
    public const string Variable = "AUTH0_MCP_TEST_POSTGRES";

    /// <summary>Sets <see cref="DataAttribute.Skip"/> when the server is not configured.</summary>
    public PostgresStoreAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"{Variable} is not set: start a server with `eval \"$(bash build/postgres.sh)\"` to run the PostgreSQL store tests";
        }
    }

    /// <inheritdoc />
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [["postgres"]];
}

/// <summary>A store under test plus the means to tamper with its audit rows as an attacker with database access would.</summary>
internal sealed class StoreFixture : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string? _postgresDatabase;
    private readonly string? _adminConnection;

    private StoreFixture(string kind)
    {
        Kind = kind;
        _directory = Path.Combine(Path.GetTempPath(), "auth0mcp-store-" + Guid.NewGuid().ToString("N"));
        KeyFile = Path.Combine(_directory, "audit.key");
        CheckpointFile = Path.Combine(_directory, "audit.checkpoints");
        if (kind == "sqlite")
        {
            Location = Path.Combine(_directory, "gov.db");
        }
        else
        {
            _adminConnection = Environment.GetEnvironmentVariable(PostgresStoreAttribute.Variable)!;
            _postgresDatabase = "gov_" + Guid.NewGuid().ToString("N")[..12];
            Location = new NpgsqlConnectionStringBuilder(_adminConnection) { Database = _postgresDatabase }.ToString();
        }
    }

    public string Kind { get; }

    /// <summary>The AUTH0_MCP_STORE value selecting this store.</summary>
    public string Location { get; }

    /// <summary>The audit key file every instance of this fixture uses (outside the database).</summary>
    public string KeyFile { get; }

    /// <summary>The checkpoint file every instance of this fixture writes.</summary>
    public string CheckpointFile { get; }

    public AuditSealOptions Seal => new() { KeyFile = KeyFile, CheckpointFile = CheckpointFile };

    public static async Task<StoreFixture> CreateAsync(string kind)
    {
        var fixture = new StoreFixture(kind);
        if (kind == "postgres")
        {
            await using var admin = new NpgsqlConnection(fixture._adminConnection);
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {fixture._postgresDatabase}", admin);
            await create.ExecuteNonQueryAsync();
        }

        return fixture;
    }

    /// <summary>Opens a new store over the same data (as another server instance would).</summary>
    public async Task<IGovernanceStore> OpenAsync()
    {
        var store = TestStores.Open(Location, Seal);
        await store.InitializeAsync();
        return store;
    }

    public Task ExecuteAsync(string sql) => Kind == "sqlite" ? SqliteExecuteAsync(sql) : PostgresExecuteAsync(sql);

    public async ValueTask DisposeAsync()
    {
        if (Directory.Exists(_directory))
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, true);
            }
            catch (IOException)
            {
                // best effort
            }
        }

        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(_adminConnection);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresDatabase} WITH (FORCE)", admin);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await drop.ExecuteNonQueryAsync();
                    break;
                }
                catch (PostgresException ex) when (ex.SqlState == "42501" && attempt < 10)
                {
                    // an autovacuum worker (another role) was on the new database: it ends on its own
                    await Task.Delay(300);
                }
            }
        }
    }

    /// <summary>The first column of the first row of <paramref name="sql"/>, as text.</summary>
    public async Task<string?> ScalarAsync(string sql)
    {
        if (Kind == "sqlite")
        {
            await using var connection = new SqliteConnection($"Data Source={Location};Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return (await command.ExecuteScalarAsync())?.ToString();
        }

        await using var pg = new NpgsqlConnection(Location);
        await pg.OpenAsync();
        await using var query = new NpgsqlCommand(sql, pg);
        return (await query.ExecuteScalarAsync())?.ToString();
    }

    private async Task SqliteExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Location};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task PostgresExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Location);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>One contract, run against every store implementation.</summary>
public sealed class GovernanceStoreContractTests
{
    private static AuditRecord Call(string user, string tool = "auth0_users_list") => new()
    {
        Time = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero),
        Kind = AuditKinds.Call,
        Event = "tool.call",
        User = user,
        Tool = tool,
        Outcome = AuditOutcomes.Success,
    };

    private static GovernanceState StateWith(string tool) => new()
    {
        Tools = [new GovernedTool { Name = tool, State = ToolState.Approved, ContentHash = "h", ApprovedHash = "h" }],
    };

    [Theory, SqliteStore, PostgresStore]
    public async Task Append_ToolNameWithNul_IsStoredWithItsBatchAndTheChainVerifies(string kind)
    {
        // A caller can name a tool "x\0y"; PostgreSQL's text cannot hold NUL, and the record shares a batch with
        // others: none of them may fail for it.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        var hostile = new AuditRecord { Time = DateTimeOffset.UtcNow, Kind = AuditKinds.Call, Event = "tool.call", User = "mal\0lory", Tool = "x\0y", Outcome = AuditOutcomes.Denied };
        var ordinary = new AuditRecord { Time = DateTimeOffset.UtcNow, Kind = AuditKinds.Call, Event = "tool.call", User = "alice", Tool = "auth0_users_list", Outcome = AuditOutcomes.Success };

        await Task.WhenAll(store.AppendAuditAsync(hostile), store.AppendAuditAsync(ordinary));

        var records = new List<AuditRecord>();
        await foreach (var row in store.ReadAuditAsync())
        {
            records.Add(AuditChain.Read(row));
        }

        Assert.Contains(records, r => r.Tool == "x\uFFFDy" && r.User == "mal\uFFFDlory");
        Assert.Contains(records, r => r.User == "alice");
        var verification = await store.VerifyAuditAsync();
        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
    }

    [Theory, PostgresStore]
    public async Task Append_CommitFails_ThrowsNamingTheStoreAndTheChainGoesOnFromTheCommittedHead(string kind)
    {
        // A constraint trigger deferred to the commit refuses records of user "doomed": every statement of the
        // append succeeds and the COMMIT itself fails, as a commit that loses its server would, but with a known
        // outcome. Nothing of that batch may stay in the chain, and the next append must link to the committed head,
        // not to the seal of the batch that never landed.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        await store.AppendAuditAsync(Call("alice"));
        await fixture.ExecuteAsync("""
            CREATE FUNCTION refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.user_name = 'doomed' THEN RAISE EXCEPTION 'forced at commit'; END IF; RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER refuse_doomed AFTER INSERT ON audit_log DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW EXECUTE FUNCTION refuse_doomed();
            """);
        var head = await store.GetAuditHeadAsync();

        var ex = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("doomed")));
        var state = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.TrySaveStateAsync(StateWith("t1"), 0, [Call("doomed")]));

        Assert.Contains(store.Description, ex.Message, StringComparison.Ordinal);
        Assert.Contains(store.Description, state.Message, StringComparison.Ordinal);
        Assert.Equal(head, await store.GetAuditHeadAsync());
        Assert.Equal(0, await store.GetRevisionAsync());
        await store.AppendAuditAsync(Call("bob"));
        Assert.True(await store.TrySaveStateAsync(StateWith("t1"), 0, [Call("admin")]));
        var users = new List<string?>();
        await foreach (var row in store.ReadAuditAsync())
        {
            users.Add(AuditChain.Read(row).User);
        }

        Assert.Equal(["alice", "bob", "admin"], users);
        var verification = await store.VerifyAuditAsync();
        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
    }

    [Theory, PostgresStore]
    public async Task Sessions_DatabaseDefaultSynchronousCommitOff_TheStoresRunWithItOn(string kind)
    {
        // "Commits are durable: the store's sessions run with synchronous_commit=on whatever the server default is."
        // With it off, a commit the server acknowledged (an approval, a kill switch, an audit record) can be lost in a crash.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await fixture.ExecuteAsync("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off', current_database()); END $$");
        Assert.Equal("off", await ShowAsync(new NpgsqlConnection(fixture.Location + ";Pooling=false"))); // what any other session gets

        await using var store = (PostgresGovernanceStore)await fixture.OpenAsync();

        Assert.Equal("on", await ShowAsync(await store.DataSource.OpenConnectionAsync()));

        static async Task<string?> ShowAsync(NpgsqlConnection connection)
        {
            await using (connection)
            {
                if (connection.State != System.Data.ConnectionState.Open)
                {
                    await connection.OpenAsync();
                }

                await using var show = new NpgsqlCommand("SHOW synchronous_commit", connection);
                return (string?)await show.ExecuteScalarAsync();
            }
        }
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Store_New_HasEmptyStateAtRevisionZeroAndEmptyChain(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();

        var state = await store.LoadStateAsync();
        var head = await store.GetAuditHeadAsync();

        Assert.Equal(0, state.Revision);
        Assert.Empty(state.Tools);
        Assert.Equal(0, await store.GetRevisionAsync());
        Assert.Equal((0L, AuditChain.Genesis), head);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Reader_KeyFileMissing_CreatesNoKeyAndVerifySaysTheSealsWereNotCheckedNamingIt(string kind)
    {
        // The writer seals three records with its key; a reader pointed at another key path (the CLI run without the
        // server's AUTH0_MCP_AUDIT_KEY_FILE) must not create a key there: a new key would make every seal look forged.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using (var writer = await fixture.OpenAsync())
        {
            Assert.True(await writer.TrySaveStateAsync(StateWith("t1"), 0, [Call("admin")]));
            await writer.AppendAuditAsync(Call("alice"));
            await writer.AppendAuditAsync(Call("bob"));
        }

        var elsewhere = Path.Combine(Path.GetDirectoryName(fixture.KeyFile)!, "elsewhere", "audit.key");
        await using var reader = (DbGovernanceStore)TestStores.Open(fixture.Location, new AuditSealOptions { KeyFile = elsewhere, CheckpointFile = fixture.CheckpointFile });

        await reader.InitializeAsync();
        Assert.Equal("t1", Assert.Single((await reader.LoadStateAsync()).Tools).Name);
        Assert.Equal(3, (await ReadAllAsync(reader)).Count);
        Assert.Equal(("key file " + elsewhere, fixture.CheckpointFile), reader.AuditSealLocation);
        var verification = await reader.VerifyAuditAsync();

        Assert.False(File.Exists(elsewhere), "a reader created an audit key file");
        Assert.False(Directory.Exists(Path.GetDirectoryName(elsewhere)), "a reader created the key file's directory");
        Assert.False(verification.IsValid);
        Assert.Equal(3, verification.Count);
        var notChecked = Assert.Single(verification.Problems); // nothing else is wrong: the links, columns and head were checked
        Assert.Same(notChecked, verification.SealsNotChecked);
        Assert.Contains($"the audit key file {elsewhere} is missing", notChecked, StringComparison.Ordinal);
        Assert.Contains("the 3 keyed seal(s)", notChecked, StringComparison.Ordinal);
        Assert.Contains(verification.CannotProve, l => l.Contains(elsewhere, StringComparison.Ordinal));

        // With the writer's key the same chain verifies intact.
        await using var withKey = await fixture.OpenAsync();
        var intact = await withKey.VerifyAuditAsync();
        Assert.True(intact.IsValid, string.Join("; ", intact.Problems));
        Assert.Null(intact.SealsNotChecked);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Writer_KeyFileLostAfterKeyedRecords_WritesNothingUntilTheKeyIsBack(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using (var writer = await fixture.OpenAsync())
        {
            await writer.AppendAuditAsync(Call("alice"));
        }

        var original = File.ReadAllBytes(fixture.KeyFile);
        File.Delete(fixture.KeyFile);

        // A writer without the key makes no new one (it would verify none of the chain) and writes nothing.
        await using (var lost = await fixture.OpenAsync())
        {
            var refused = await Assert.ThrowsAsync<GovernanceStoreException>(() => lost.AppendAuditAsync(Call("bob")));
            Assert.Contains($"the audit key file {fixture.KeyFile} does not exist, but the newest audit record (1) is sealed with key {AuditKeyRing.Parse(System.Text.Encoding.ASCII.GetString(original), "k").CurrentKeyId}, so nothing is written and no new key is made", refused.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(fixture.KeyFile), "a writer made a new key file for a chain sealed with another key");
            Assert.Single(await ReadAllAsync(lost));
        }

        // A key file that lacks the chain's key (another writer's, a fresh one): refused too.
        AuditKeyRing.RotateFile(fixture.KeyFile);
        await using (var other = await fixture.OpenAsync())
        {
            var refused = await Assert.ThrowsAsync<GovernanceStoreException>(() => other.AppendAuditAsync(Call("bob")));
            Assert.Contains("which the audit keys (key file " + fixture.KeyFile + ") do not hold, so nothing is written", refused.Message, StringComparison.Ordinal);
            Assert.Single(await ReadAllAsync(other));
        }

        // The original key back: the chain goes on and verifies.
        File.WriteAllBytes(fixture.KeyFile, original);
        await using var restored = await fixture.OpenAsync();
        await restored.AppendAuditAsync(Call("carol"));
        Assert.Equal(2, (await ReadAllAsync(restored)).Count);
        var verification = await restored.VerifyAuditAsync();
        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task KeyFile_CreatedByTheFirstWriteNotByInitializeOrVerifyOfAnEmptyChain(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();

        var empty = await store.VerifyAuditAsync();
        Assert.False(File.Exists(fixture.KeyFile), "initialize or verify created the audit key file");
        Assert.True(empty.IsValid, string.Join("; ", empty.Problems)); // no keyed record: nothing left unchecked
        Assert.Null(empty.SealsNotChecked);

        await store.AppendAuditAsync(Call("alice"));

        Assert.True(File.Exists(fixture.KeyFile));
        var verification = await store.VerifyAuditAsync();
        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Store_InitializeTwice_IsIdempotentAndKeepsData(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        Assert.True(await store.TrySaveStateAsync(StateWith("t1"), 0, []));

        await store.InitializeAsync();

        Assert.Equal("t1", Assert.Single((await store.LoadStateAsync()).Tools).Name);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task LoadState_TextOutsideAscii_ComesBackAsItWasSaved(string kind)
    {
        const string description = "Équipe sécurité — 安全 \"quoted\" \\ <tag> & 🔐";
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        var state = StateWith("t1");
        state.Toolsets.Add(new Toolset { Name = "équipe", Description = description, Tools = ["t1"] });
        state.Profiles.Add(new AccessProfile { Name = "ops", Toolsets = ["équipe"], Users = ["zoë@example.com"] });

        Assert.True(await store.TrySaveStateAsync(state, 0, []));
        var loaded = await store.LoadStateAsync();

        var toolset = Assert.Single(loaded.Toolsets);
        Assert.Equal("équipe", toolset.Name);
        Assert.Equal(description, toolset.Description);
        Assert.Equal(["zoë@example.com"], Assert.Single(loaded.Profiles).Users);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task TrySaveState_ExpectedRevision_SavesAndBumpsRevisionWithEvents(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        var state = StateWith("t1");
        var admin = new AuditRecord { Kind = AuditKinds.Admin, Event = "tool.approved", User = "admin", Tool = "t1", Time = DateTimeOffset.UnixEpoch };

        Assert.True(await store.TrySaveStateAsync(state, 0, [admin]));

        var loaded = await store.LoadStateAsync();
        Assert.Equal(1, loaded.Revision);
        Assert.Equal(1, state.Revision);
        Assert.Equal(ToolState.Approved, loaded.FindTool("t1")!.State);
        Assert.Equal(1, admin.Sequence);
        var row = Assert.Single(await ReadAllAsync(store));
        Assert.Equal("tool.approved", AuditChain.Read(row).Event);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task TrySaveState_StaleRevision_FailsAndWritesNothing(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var a = await fixture.OpenAsync();
        await using var b = await fixture.OpenAsync();
        Assert.True(await a.TrySaveStateAsync(StateWith("from-a"), 0, []));

        var stale = await b.TrySaveStateAsync(StateWith("from-b"), 0, [Call("b")]);

        Assert.False(stale);
        Assert.Equal("from-a", (await b.LoadStateAsync()).Tools[0].Name);
        Assert.Empty(await ReadAllAsync(b));
        Assert.True(await b.TrySaveStateAsync(StateWith("from-b"), 1, []));
        Assert.Equal(2, await a.GetRevisionAsync());
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task AppendAudit_Records_ChainedInOrderAndVerify(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.AppendAuditAsync(Call("u" + i));
        }

        var rows = await ReadAllAsync(store);
        var verification = await store.VerifyAuditAsync();

        Assert.Equal([1L, 2, 3, 4, 5], rows.Select(r => r.Sequence));
        Assert.Equal(AuditChain.Genesis, rows[0].PreviousHash);
        Assert.All(rows.Skip(1), (r, i) => Assert.Equal(rows[i].Hash, r.PreviousHash));
        Assert.Equal(["u0", "u1", "u2", "u3", "u4"], rows.Select(r => AuditChain.Read(r).User));
        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
        Assert.Equal(5, verification.Count);
        Assert.Equal(2, (await ReadAllAsync(store, 3)).Count);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task AuditVerify_RecordAltered_DetectsEdit(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        for (var i = 0; i < 4; i++)
        {
            await store.AppendAuditAsync(Call("u" + i));
        }

        await fixture.ExecuteAsync("UPDATE audit_log SET body = REPLACE(body, '\"u2\"', '\"mallory\"') WHERE seq = 3");

        var verification = await store.VerifyAuditAsync();
        Assert.False(verification.IsValid);
        Assert.Contains(verification.Problems, p => p.Contains("record 3", StringComparison.Ordinal) && p.Contains("edited", StringComparison.Ordinal));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task AuditVerify_RecordDeleted_DetectsGap(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        for (var i = 0; i < 4; i++)
        {
            await store.AppendAuditAsync(Call("u" + i));
        }

        await fixture.ExecuteAsync("DELETE FROM audit_log WHERE seq = 2");

        var verification = await store.VerifyAuditAsync();
        Assert.False(verification.IsValid);
        Assert.Contains(verification.Problems, p => p.Contains("record 2 is missing", StringComparison.Ordinal));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task AuditVerify_LastRecordDeleted_DetectsTruncation(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        for (var i = 0; i < 3; i++)
        {
            await store.AppendAuditAsync(Call("u" + i));
        }

        await fixture.ExecuteAsync("DELETE FROM audit_log WHERE seq = 3");

        var verification = await store.VerifyAuditAsync();
        Assert.False(verification.IsValid);
        Assert.Contains(verification.Problems, p => p.Contains("head says 3", StringComparison.Ordinal));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task AppendAudit_ConcurrentWritersOnTwoInstances_LoseNothingAndStayLinear(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var a = await fixture.OpenAsync();
        await using var b = await fixture.OpenAsync();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? a : b).AppendAuditAsync(Call("u" + i))));

        var rows = await ReadAllAsync(a);
        Assert.Equal(40, rows.Count);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => "u" + i).Order(), rows.Select(r => AuditChain.Read(r).User!).Order());
        Assert.True((await a.VerifyAuditAsync()).IsValid);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Governance_ConcurrentChangesFromTwoInstances_AllApplied(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var a = await fixture.OpenAsync();
        await using var b = await fixture.OpenAsync();
        var ga = new ToolGovernance(a);
        var gb = new ToolGovernance(b);
        var catalog = Enumerable.Range(0, 10).Select(i => Descriptors.Make($"auth0_t{i}_get")).ToList();
        await ga.SyncCatalogAsync(catalog, "system");

        await Task.WhenAll(catalog.Select((d, i) => (i % 2 == 0 ? ga : gb).ApproveAsync([d.Name], "admin" + i)));

        var state = await gb.GetStateAsync();
        Assert.All(state.Tools, t => Assert.Equal(ToolState.Approved, t.State));
        Assert.Equal(10, (await ReadAllAsync(a)).Select(AuditChain.Read).Count(r => r.Event == "tool.approved"));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task State_MembersANewerBuildAdded_SurviveAChangeByThisBuild(string kind)
    {
        // A newer build's server saved members this build does not know (as call_approvals once was new); this build
        // loading the document, changing something and saving it must write them back as they were.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        var governance = new ToolGovernance(store);
        await governance.SyncCatalogAsync([Descriptors.Make("auth0_t0_get"), Descriptors.Make("auth0_t1_get")], "system");
        await governance.ApproveAsync(["auth0_t0_get"], "admin");
        await governance.CreateProfileAsync("everyone", [Toolset.AllApproved], ["alice"], [], AccessPolicy.AutoApprove, null, "admin");
        var stored = JsonNode.Parse((await fixture.ScalarAsync("SELECT body FROM governance_state WHERE id = 1"))!)!.AsObject();
        var added = new Dictionary<string, JsonNode>
        {
            ["legal_holds"] = JsonNode.Parse("""[{"user":"mallory","until":"2027-01-01T00:00:00Z","nested":{"n":1.50,"ok":true,"none":null}}]""")!,
            ["policy_version"] = JsonValue.Create(7),
        };
        foreach (var (name, value) in added)
        {
            stored[name] = value.DeepClone();
        }

        var t0 = stored["tools"]!.AsArray().Single(t => (string?)t!["name"] == "auth0_t0_get")!.AsObject();
        t0["approvers_required"] = 2;
        t0["reviewed_by"] = new JsonArray("carol", "dave");
        stored["defaults"]!["new_tool_risk_ceiling"] = "write";
        stored["profiles"]![0]!["mfa_required"] = true;
        await fixture.ExecuteAsync($"UPDATE governance_state SET body = '{stored.ToJsonString().Replace("'", "''", StringComparison.Ordinal)}', revision = revision + 1 WHERE id = 1");

        await governance.ApproveAsync(["auth0_t1_get"], "admin"); // load, change, save

        var after = JsonNode.Parse((await fixture.ScalarAsync("SELECT body FROM governance_state WHERE id = 1"))!)!.AsObject();
        Assert.All(added, a => Assert.True(JsonNode.DeepEquals(a.Value, after[a.Key]), $"{a.Key}: {after[a.Key]?.ToJsonString() ?? "gone"}"));
        var t0After = after["tools"]!.AsArray().Single(t => (string?)t!["name"] == "auth0_t0_get")!;
        Assert.Equal(2, (int?)t0After["approvers_required"]);
        Assert.True(JsonNode.DeepEquals(new JsonArray("carol", "dave"), t0After["reviewed_by"]));
        Assert.Equal("write", (string?)after["defaults"]?["new_tool_risk_ceiling"]);
        Assert.Equal(true, (bool?)after["profiles"]?[0]?["mfa_required"]);
        Assert.Equal("Approved", (string?)after["tools"]!.AsArray().Single(t => (string?)t!["name"] == "auth0_t1_get")!["state"]);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task VerifyAudit_WithProgress_HearsTheRecordsCheckedAsItGoesThenAll(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        var records = Enumerable.Range(0, 9000).Select(i => Call("u" + i)).ToList();
        await Task.WhenAll(records.Select(r => Task.Run(() => store.AppendAuditAsync(r))));
        var heard = new List<long>();

        var verification = await store.VerifyAuditAsync(new ListProgress(heard));

        Assert.True(verification.IsValid);
        Assert.Equal([4096L, 8192L, 9000L], heard);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task AppendAudit_ManyConcurrentCallers_ShareCommitsAndEachTaskEndsDurable(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await fixture.OpenAsync();
        await store.AppendAuditAsync(Call("warm-up"));
        var batchesBefore = (await File.ReadAllLinesAsync(fixture.CheckpointFile)).Length;

        var records = Enumerable.Range(0, 64).Select(i => Call("u" + i)).ToList();
        await Task.WhenAll(records.Select(r => Task.Run(() => store.AppendAuditAsync(r))));

        // Every task ended with its record sealed and readable by another instance (it is committed).
        await using var other = await fixture.OpenAsync();
        var rows = await ReadAllAsync(other);
        Assert.Equal(65, rows.Count);
        Assert.All(records, r => Assert.Contains(rows, row => row.Sequence == r.Sequence && row.Hash == r.Hash));
        var batches = (await File.ReadAllLinesAsync(fixture.CheckpointFile)).Length - batchesBefore;
        Assert.InRange(batches, 1, 63); // one checkpoint per commit: fewer commits than records
        Assert.True((await other.VerifyAuditAsync()).IsValid);
    }

    [Fact]
    public async Task AppendAudit_WhileAnotherProcessHoldsTheLock_CompletesOnlyAfterItsBatchCommits()
    {
        await using var fixture = await StoreFixture.CreateAsync("sqlite");
        await using var store = await fixture.OpenAsync();
        await using var other = new SqliteConnection($"Data Source={fixture.Location};Pooling=False");
        await other.OpenAsync();
        var hold = other.BeginTransaction(deferred: false);
        await using (var write = other.CreateCommand())
        {
            write.Transaction = hold;
            write.CommandText = "UPDATE audit_head SET seq = seq WHERE id = 1";
            await write.ExecuteNonQueryAsync();
        }

        var pending = Enumerable.Range(0, 20).Select(i => store.AppendAuditAsync(Call("u" + i))).ToList();
        await Task.Delay(500);
        var doneWhileLocked = pending.Count(t => t.IsCompleted);
        hold.Rollback();
        hold.Dispose();
        await Task.WhenAll(pending);

        Assert.Equal(0, doneWhileLocked);
        Assert.Equal(20, (await ReadAllAsync(store)).Count);
        Assert.InRange((await File.ReadAllLinesAsync(fixture.CheckpointFile)).Length, 1, 2); // the first record alone, then the rest together
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task CatalogHash_SavedWithState_ReadWithoutLoadingTheStateByAnotherInstance(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var a = await fixture.OpenAsync();
        await using var b = await fixture.OpenAsync();
        Assert.Null(await b.GetCatalogHashAsync());

        var state = StateWith("t1");
        state.CatalogHash = "catalog-v1";
        Assert.True(await a.TrySaveStateAsync(state, 0, []));
        state.CatalogHash = "catalog-v2";
        Assert.True(await a.TrySaveStateAsync(state, 1, []));

        Assert.Equal("catalog-v2", await b.GetCatalogHashAsync());
        Assert.Equal("catalog-v2", (await b.LoadStateAsync()).CatalogHash);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task TwoInstances_KillSwitchAndApprovalThroughOne_SeenByTheOtherOnItsNextRead(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var a = await fixture.OpenAsync();
        await using var b = await fixture.OpenAsync();
        var ga = new ToolGovernance(a);
        var gb = new ToolGovernance(b);
        var tool = Descriptors.Make("auth0_users_get");
        await ga.SyncCatalogAsync([tool], "system");
        Assert.Equal(ToolState.PendingReview, (await gb.GetCurrentAsync()).FindTool(tool.Name)!.State); // b caches this revision

        await ga.ApproveAsync([tool.Name], "admin-a");
        var approved = (await gb.GetCurrentAsync()).FindTool(tool.Name)!.State;
        await ga.SetKillSwitchAsync(true, null, "admin-a");
        var killed = (await gb.GetCurrentAsync()).GlobalKillSwitch;
        await gb.SetKillSwitchAsync(false, null, "admin-b");
        var releasedForA = (await ga.GetCurrentAsync()).GlobalKillSwitch;

        Assert.Equal(ToolState.Approved, approved);
        Assert.True(killed);
        Assert.False(releasedForA);
        var verification = await b.VerifyAuditAsync();
        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task TwoInstances_ManyConcurrentAdminChangesAndCalls_NothingLostAndOneChainVerifies(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var a = await fixture.OpenAsync();
        await using var b = await fixture.OpenAsync();
        var ga = new ToolGovernance(a);
        var gb = new ToolGovernance(b);
        var catalog = Enumerable.Range(0, 24).Select(i => Descriptors.Make($"auth0_c{i}_get")).ToList();
        await ga.SyncCatalogAsync(catalog, "system");

        var changes = catalog.Select((d, i) => (i % 2 == 0 ? ga : gb).ApproveAsync([d.Name], "admin" + i))
            .Concat(Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? gb : ga).CreateToolsetAsync("set" + i, [catalog[i].Name], null, "admin")))
            .Concat(Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? a : b).AppendAuditAsync(Call("caller" + i))));
        await Task.WhenAll(changes);

        var state = await gb.GetStateAsync();
        Assert.All(state.Tools, t => Assert.Equal(ToolState.Approved, t.State));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => "set" + i).Order(), state.Toolsets.Select(t => t.Name).Order());
        var records = (await ReadAllAsync(a)).Select(AuditChain.Read).ToList();
        Assert.Equal(24, records.Count(r => r.Event == "tool.approved"));
        Assert.Equal(40, records.Count(r => r.Kind == AuditKinds.Call));
        var verification = await a.VerifyAuditAsync();
        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
    }

    [Fact]
    public async Task SqliteStore_LegacyUnkeyedChain_UpgradedInPlaceAndStillVerifies()
    {
        await using var fixture = await StoreFixture.CreateAsync("sqlite");
        Directory.CreateDirectory(Path.GetDirectoryName(fixture.Location)!);
        // A store written by the previous version: no catalog_hash column, SHA-256 seals without a key.
        await fixture.ExecuteAsync("""
            CREATE TABLE governance_state (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL, body TEXT NOT NULL);
            CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, user_name TEXT, tool TEXT, outcome TEXT, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
            CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
            INSERT INTO governance_state VALUES (1, 1, '{}');
            """);
        var previous = AuditChain.Genesis;
        for (var seq = 1; seq <= 2; seq++)
        {
            var record = Call("legacy" + seq);
            record.Sequence = seq;
            record.PreviousHash = previous;
            var body = System.Text.Json.JsonSerializer.Serialize(record, GovernanceJsonContext.Default.AuditRecord);
            var hash = AuditChain.ComputeHash(previous, body);
            await fixture.ExecuteAsync($"INSERT INTO audit_log VALUES ({seq}, '{record.Time:O}', 'call', 'tool.call', '{record.User}', '{record.Tool}', 'success', '{body}', '{previous}', '{hash}')");
            previous = hash;
        }

        await fixture.ExecuteAsync($"INSERT INTO audit_head VALUES (1, 2, '{previous}')");

        await using var store = await fixture.OpenAsync();
        await store.AppendAuditAsync(Call("after-upgrade"));
        var verification = await store.VerifyAuditAsync();

        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
        Assert.Equal(3, verification.Count);
        Assert.Null(await store.GetCatalogHashAsync());
        Assert.Contains(verification.CannotProve, c => c.Contains("records 1..2 were sealed without a key", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Database=gov;Maximum Pool Size=1")]
    [InlineData("Host=127.0.0.1;Database=gov;maximum pool size = 1")]
    public void PostgresStore_PoolOfOneConnection_RefusedWhenMadeNamingTheKeyword(string connectionString)
    {
        // The writer keeps one pooled connection for as long as the store is open: with a pool of one, every read of the
        // state (each call) would wait out the pool's timeout and fail.
        var ex = Assert.Throws<ArgumentException>(() => new PostgresGovernanceStore(connectionString));

        Assert.Contains("'Maximum Pool Size' is 1, but the governance store needs at least 2 pooled connections", ex.Message, StringComparison.Ordinal);
        Assert.Equal("connectionString", ex.ParamName);
    }

    [Fact]
    public async Task PostgresStore_PoolOfTwoOrNoPool_Made()
    {
        await using var two = new PostgresGovernanceStore("Host=127.0.0.1;Database=gov;Maximum Pool Size=2");
        await using var unpooled = new PostgresGovernanceStore("Host=127.0.0.1;Database=gov;Pooling=false;Maximum Pool Size=1");
        Assert.Equal("PostgreSQL 127.0.0.1:5432/gov", two.Description);
    }

    [Fact]
    public async Task SqliteStore_Initialized_UsesWriteAheadLog()
    {
        await using var fixture = await StoreFixture.CreateAsync("sqlite");
        await using var store = await fixture.OpenAsync();

        await using var connection = new SqliteConnection($"Data Source={fixture.Location};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    private static async Task<List<AuditRow>> ReadAllAsync(IGovernanceStore store, long after = 0)
    {
        var list = new List<AuditRow>();
        await foreach (var row in store.ReadAuditAsync(after))
        {
            list.Add(row);
        }

        return list;
    }

    /// <summary>Hears progress on the reporting thread, in order (unlike <see cref="Progress{T}"/>, which posts).</summary>
    private sealed class ListProgress(List<long> heard) : IProgress<long>
    {
        public void Report(long value) => heard.Add(value);
    }
}
