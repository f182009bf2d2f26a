using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Tests.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Tests.Governance;

public sealed class GovernanceRegistrationTests
{
    [Fact]
    public async Task WithToolGovernance_Registered_ReturnsBuilderAndDefaultSeams()
    {
        var services = new ServiceCollection();
        var builder = services.AddMcpServer();

        var returned = builder.WithToolGovernance(o => o.UseSqlite(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".db")));
        await using var provider = services.BuildServiceProvider();

        Assert.Same(builder, returned);
        Assert.IsType<SqliteGovernanceStore>(provider.GetRequiredService<IGovernanceStore>());
        Assert.IsType<ClaimsCallerIdentityResolver>(provider.GetRequiredService<ICallerIdentityResolver>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.NotNull(provider.GetRequiredService<ToolGovernance>());
    }

    [Fact]
    public async Task WithToolGovernance_NoStoreChosen_TheStoreCannotBeResolvedAndTheMessageSaysHowToChoose()
    {
        var services = new ServiceCollection();
        services.AddMcpServer().WithToolGovernance(o => o.StdioIdentity = new CallerIdentity("alice", []));
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IGovernanceStore>());

        Assert.Contains("UseSqlite(path)", error.Message, StringComparison.Ordinal);
        Assert.Contains("UsePostgres(connectionString)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_HostedServicesStarted_SyncsCatalogueBeforeAnyRequest()
    {
        using var directory = new TestDirectory("auth0mcp-gov-");
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMcpServer().WithTools([new FakeTool(Descriptors.UsersList)]).WithToolGovernance(o => o.UseSqlite(directory.File("gov.db")));
        await using var provider = services.BuildServiceProvider();

        foreach (var hosted in provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        var state = await provider.GetRequiredService<ToolGovernance>().GetStateAsync();
        Assert.Equal(ToolState.PendingReview, Assert.Single(state.Tools).State);
    }

    [Fact]
    public async Task HostStart_StoreAlreadySynced_LoadsTheWritersKeyAtStart_AndAMissingKeyStopsIt()
    {
        // The server writes the audit, so it loads its key at start even when the catalogue sync writes nothing: a key
        // it cannot have stops it there, not at its first call. A chain already sealed gets no new key (it would verify
        // none of it). (Commands that only read never create one.)
        using var directory = new TestDirectory("auth0mcp-gov-");
        var path = directory.File("gov.db");
        var setupKey = directory.File("setup.key");
        await using (var setup = new SqliteGovernanceStore(path, new AuditSealOptions { KeyFile = setupKey }))
        {
            await setup.InitializeAsync();
            await new ToolGovernance(setup).SyncCatalogAsync([Descriptors.UsersList], "setup");
        }

        async Task StartAsync(string keyFile, Func<ToolGovernance, Task> then)
        {
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddMcpServer().WithTools([new FakeTool(Descriptors.UsersList)]).WithToolGovernance(o => o.UseSqlite(path, new AuditSealOptions { KeyFile = keyFile }));
            await using var provider = services.BuildServiceProvider();
            foreach (var hosted in provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>())
            {
                await hosted.StartAsync(CancellationToken.None);
            }

            await then(provider.GetRequiredService<ToolGovernance>());
        }

        var head = (0L, "");
        await using (var reader = new SqliteGovernanceStore(path, new AuditSealOptions { KeyFile = setupKey }))
        {
            head = await reader.GetAuditHeadAsync();
        }

        await StartAsync(setupKey, async governance => Assert.Equal(head, await governance.Store.GetAuditHeadAsync())); // the start wrote nothing

        var missing = directory.File("server.key");
        var refused = await Assert.ThrowsAsync<GovernanceStoreException>(() => StartAsync(missing, _ => Task.CompletedTask));
        Assert.Contains($"the audit key file {missing} does not exist, but the newest audit record ({head.Item1})", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(missing), "the start made a new key file for a chain sealed with another key");
    }

    [Theory]
    [InlineData(60, 1)]
    [InlineData(1, 60)]
    public void WithToolGovernance_ATimeoutPastATimersLimit_FailsValidationNamingIt(int hookDays, int refreshDays)
    {
        // Before: 60 days passed, then arming the timer threw and every call failed closed as "hook failed".
        var services = new ServiceCollection();
        services.AddMcpServer().WithToolGovernance(o =>
        {
            o.HookTimeout = TimeSpan.FromDays(hookDays);
            o.RefreshInterval = TimeSpan.FromDays(refreshDays);
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ToolGovernanceOptions>>().Value);

        Assert.Contains(hookDays > 49 ? "HookTimeout must be positive and at most about 49.7 days" : "RefreshInterval must be positive and at most about 49.7 days", error.Message, StringComparison.Ordinal);
        Assert.Single(error.Failures);
    }

    [Fact]
    public void WithToolGovernance_InvalidOptions_FailValidation()
    {
        var services = new ServiceCollection();
        services.AddMcpServer().WithToolGovernance(o =>
        {
            o.HookTimeout = TimeSpan.Zero;
            o.PagingCaps["per_page"] = 0;
            o.WriteAuthorization = new WriteAuthorizationHook { OnlyOutside = new BusinessHours { StartHour = 18, EndHour = 9 } };
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ToolGovernanceOptions>>().Value);

        // Each problem is named, not "see Validate".
        Assert.Contains("tool governance: HookTimeout must be positive", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.Contains("per_page", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallTool_ToolThrows_RecordedAsErrorAndCallerGetsErrorResult()
    {
        var tool = new FakeTool(Descriptors.UsersList, _ => throw new InvalidOperationException("database on fire"));
        await using var h = await GovernanceHarness.StartAsync([tool]);
        await h.AllowAsync(["alice"], "auth0_users_list");
        var client = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["id"] = "1" });

        Assert.True(result.IsError);
        var record = Assert.Single(await h.CallRecordsAsync());
        Assert.Equal(AuditOutcomes.Error, record.Outcome);
        Assert.Contains("database on fire", record.Reason);
    }

    [Fact]
    public async Task CustomIdentityResolver_Registered_ReplacesDefault()
    {
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            services: s => s.AddSingleton<ICallerIdentityResolver>(new FixedResolver(new CallerIdentity("svc-account", ["robots"]))));
        await h.ApproveAsync("auth0_users_list");
        await h.Governance.CreateProfileAsync("robots", [Toolset.ReadOnly], [], ["robots"], AccessPolicy.AutoApprove, null, "admin");
        var client = await h.ConnectAsync(user: null);

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["id"] = "1" });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("svc-account", Assert.Single(await h.CallRecordsAsync()).User);
    }

    [Fact]
    public void ClaimsResolver_PrincipalWithSubAndGroups_ReadsThem()
    {
        var resolver = new ClaimsCallerIdentityResolver(new ToolGovernanceOptions { StdioIdentity = new CallerIdentity("stdio-user", []) });
        var principal = GovernanceHarness.User("auth0|123", "admins", "ops");

        Assert.Equal(new CallerIdentity("auth0|123", ["admins", "ops"]).User, resolver.Resolve(principal)!.User);
        Assert.Equal(["admins", "ops"], resolver.Resolve(principal)!.Groups);
        Assert.Equal("stdio-user", resolver.Resolve(null)!.User);
        Assert.Null(resolver.Resolve(new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity())));
    }

    [Fact]
    public void ClaimsResolver_GroupValues_ACommaIsPartOfTheNameAJsonArrayIsItsItems()
    {
        var resolver = new ClaimsCallerIdentityResolver(new ToolGovernanceOptions());
        var principal = GovernanceHarness.User("auth0|123", "Support, mcp-admins", "CN=ops,OU=groups,DC=example", "[\"a\",\"b\"]", "[not json");

        Assert.Equal(["Support, mcp-admins", "CN=ops,OU=groups,DC=example", "a", "b", "[not json"], resolver.Resolve(principal)!.Groups);
    }

    [Fact]
    public void CallerIdentity_FromUserAndGroups_SplitsCommaList()
    {
        Assert.Equal(["a", "b"], CallerIdentity.From("u", " a, b ,")!.Groups);
        Assert.Null(CallerIdentity.From("  ", "a"));
    }

    private sealed class FixedResolver(CallerIdentity identity) : ICallerIdentityResolver
    {
        public ValueTask<CallerIdentity?> ResolveAsync(ModelContextProtocol.Server.MessageContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult<CallerIdentity?>(identity);
    }

    [Fact]
    public void WithToolsMode_CalledTwice_ThrowsNamingIt()
    {
        var builder = new ServiceCollection().AddMcpServer().WithToolsMode(o => o.PageSize = 50);

        var error = Assert.Throws<InvalidOperationException>(() => builder.WithToolsMode());

        Assert.Contains("WithToolsMode was already called", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hook_InTheOptionsAndRegisteredAsAService_RunsOncePerCall()
    {
        var hook = new CountingHook();
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Descriptors.UsersList)],
            o => o.Hooks.Add(hook),
            s => s.AddSingleton<IToolCallHook>(hook));
        await h.AllowAsync(["alice"], "auth0_users_list");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var result = await alice.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());

        Assert.True(result.IsError is not true, ResultText.Of(result));
        Assert.Equal(1, hook.Before);
    }

    [Fact]
    public async Task Start_ARegisteredToolWithoutADescriptor_IsNamedInAWarning()
    {
        var logs = new CapturingLoggerProvider();
        var handWritten = McpServerTool.Create(() => "echo", new McpServerToolCreateOptions { Name = "echo" });
        await using var h = await GovernanceHarness.StartWithToolsAsync(
            [handWritten, new FakeTool(Descriptors.UsersList)],
            services: s => s.AddLogging(b => b.AddProvider(logs)));

        Assert.Contains(logs.Lines, l => l.Contains("hides and refuses 1 registered tools", StringComparison.Ordinal) && l.Contains("echo", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("auth0_users_list", StringComparison.Ordinal) && l.Contains("hides", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_ADescriptorNamingAnotherTool_RefusedNamingBothAndNothingDiscovered()
    {
        using var directory = new TestDirectory("auth0mcp-gov-");
        var other = new Auth0Mcp.Sdk.Catalog.Auth0ToolDescriptor("other", "t", "d", "GET", "/other", "other", ["x"], ["read:other"], Auth0Mcp.Sdk.Catalog.Auth0ToolAction.Read, "GA", """{"type":"object"}""", true, false, true);
        var misnamed = McpServerTool.Create(() => "mine", new McpServerToolCreateOptions { Name = "my_tool", Metadata = [other] });
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMcpServer().WithTools([misnamed, new FakeTool(Descriptors.UsersList)]).WithToolGovernance(o => o.UseSqlite(directory.File("gov.db")));
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            foreach (var hosted in provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>())
            {
                await hosted.StartAsync(CancellationToken.None);
            }
        });

        Assert.Equal("Tool governance cannot start: the tool 'my_tool' carries an Auth0ToolDescriptor named 'other': a tool is governed by its descriptor's name, so the two must be the same", error.Message);
        Assert.False(File.Exists(directory.File("gov.db"))); // refused before the store: no phantom tool.discovered 'other'
    }

    [Fact]
    public async Task Start_NoToolToGovern_IsAWarning()
    {
        var logs = new CapturingLoggerProvider();
        await using var h = await GovernanceHarness.StartWithToolsAsync([], services: s => s.AddLogging(b => b.AddProvider(logs)));

        Assert.Contains(logs.Lines, l => l.Contains("has no tools to govern", StringComparison.Ordinal));
    }

    private sealed class CountingHook : ToolCallHook
    {
        private int _before;

        public int Before => Volatile.Read(ref _before);

        public override string Name => "counting";

        public override ValueTask<HookDecision> BeforeCallAsync(ToolCallContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _before);
            return ValueTask.FromResult(HookDecision.Allow);
        }
    }
}
