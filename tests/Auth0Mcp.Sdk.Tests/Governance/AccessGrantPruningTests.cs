using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.Time.Testing;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// Grants do not pile up in the state document: a saved change keeps only the newest
/// <see cref="ToolGovernance.ClosedGrantsKept"/> closed grants (pending and active ones always), and a just-in-time
/// request while the user's grant is active renews that grant instead of adding one.
/// </summary>
public sealed class AccessGrantPruningTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "auth0mcp-grants-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero));
    private SqliteGovernanceStore _store = null!;
    private ToolGovernance _governance = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _store = new SqliteGovernanceStore(Path.Combine(_dir, "governance.db"));
        _governance = new ToolGovernance(_store, _clock);
        return _store.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task JitProfileAsync(string name, TimeSpan expiry, params string[] users)
    {
        await _governance.SyncCatalogAsync([Descriptors.UsersList], "system");
        await _governance.ApproveAsync(["auth0_users_list"], "admin");
        await _governance.CreateProfileAsync(name, [Toolset.AllApproved], users, [], AccessPolicy.JustInTime, expiry, "admin");
    }

    [Fact]
    public async Task RequestAccess_JustInTimeThreeTimesEachAfterTheLastExpired_DocumentKeepsThemUpToTheCap()
    {
        // The reviewer's repro: `--expires 1s`, three requests; each a new grant once the last has expired.
        await JitProfileAsync("oncall", TimeSpan.FromSeconds(1), "bob");
        for (var i = 0; i < 3; i++)
        {
            await _governance.RequestAccessAsync("oncall", new CallerIdentity("bob", []), null);
            _clock.Advance(TimeSpan.FromSeconds(2));
        }

        var grants = (await _governance.GetStateAsync()).Grants;
        Assert.Equal(3, grants.Count);
        Assert.All(grants, g => Assert.False(g.IsActive(_clock.GetUtcNow())));
    }

    [Fact]
    public async Task RequestAccess_JustInTimeWhileActive_RenewsTheActiveGrantInsteadOfAddingOne()
    {
        await JitProfileAsync("oncall", TimeSpan.FromHours(1), "bob");
        var bob = new CallerIdentity("bob", []);
        var first = await _governance.RequestAccessAsync("oncall", bob, "incident 1");
        _clock.Advance(TimeSpan.FromMinutes(20));
        var second = await _governance.RequestAccessAsync("oncall", bob, "incident 2");
        var third = await _governance.RequestAccessAsync("oncall", bob, null);

        var grant = Assert.Single((await _governance.GetStateAsync()).Grants);
        Assert.Equal(first.Id, grant.Id);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.Id, third.Id);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromHours(1), grant.ExpiresAt);
        Assert.Equal("incident 2", grant.Reason);
        var activations = (await AuditEventsAsync()).Where(e => e.Event == "grant.activated").ToList();
        Assert.Equal(2, activations.Count); // the first and the renewal; the third changed nothing
        Assert.Contains("renewed", activations[1].Details);
    }

    [Fact]
    public async Task RequestAccess_ApprovalRequiredWhilePending_ReturnsThePendingRequest()
    {
        await _governance.CreateProfileAsync("sensitive", [Toolset.AllApproved], ["erin"], [], AccessPolicy.ApprovalRequired, null, "admin");
        var erin = new CallerIdentity("erin", []);
        var first = await _governance.RequestAccessAsync("sensitive", erin, "audit");
        var again = await _governance.RequestAccessAsync("sensitive", erin, "audit");

        Assert.Equal(first.Id, again.Id);
        Assert.Single((await _governance.GetStateAsync()).Grants);
    }

    [Fact]
    public async Task SavedChange_MoreClosedGrantsThanKept_KeepsTheNewestClosedAndEveryOpenOne()
    {
        await JitProfileAsync("oncall", TimeSpan.FromHours(1), "bob", "carol");
        var now = _clock.GetUtcNow();
        var extra = 7;
        var state = await _store.LoadStateAsync();
        for (var i = 0; i < ToolGovernance.ClosedGrantsKept + extra; i++)
        {
            // Expired grants, the i-th closed i minutes before now, and some denials among them.
            var closedAt = now - TimeSpan.FromMinutes(i + 1);
            state.Grants.Add(i % 10 == 3
                ? new AccessGrant { Id = $"c{i}", Profile = "oncall", User = "bob", Status = GrantStatus.Denied, RequestedAt = closedAt, DecidedAt = closedAt }
                : new AccessGrant { Id = $"c{i}", Profile = "oncall", User = "bob", Status = GrantStatus.Granted, RequestedAt = closedAt - TimeSpan.FromHours(1), ExpiresAt = closedAt });
        }

        state.Grants.Add(new AccessGrant { Id = "active", Profile = "oncall", User = "bob", Status = GrantStatus.Granted, RequestedAt = now - TimeSpan.FromDays(30), ExpiresAt = now + TimeSpan.FromMinutes(5) });
        state.Grants.Add(new AccessGrant { Id = "forever", Profile = "oncall", User = "bob", Status = GrantStatus.Granted, RequestedAt = now - TimeSpan.FromDays(60) });
        state.Grants.Add(new AccessGrant { Id = "pending", Profile = "oncall", User = "bob", Status = GrantStatus.Requested, RequestedAt = now - TimeSpan.FromDays(90) });
        Assert.True(await _store.TrySaveStateAsync(state, state.Revision, []));

        await _governance.RequestAccessAsync("oncall", new CallerIdentity("carol", []), null); // any saved change

        var ids = (await _governance.GetStateAsync()).Grants.Select(g => g.Id).ToHashSet();
        Assert.Equal(ToolGovernance.ClosedGrantsKept + 4, ids.Count); // the closed ones kept, three open, carol's new one
        Assert.Contains("active", ids);
        Assert.Contains("forever", ids);
        Assert.Contains("pending", ids);
        Assert.Contains($"c{ToolGovernance.ClosedGrantsKept - 1}", ids);
        Assert.All(Enumerable.Range(ToolGovernance.ClosedGrantsKept, extra), i => Assert.DoesNotContain($"c{i}", ids));
    }

    private async Task<List<AuditRecord>> AuditEventsAsync()
    {
        var list = new List<AuditRecord>();
        await foreach (var row in _store.ReadAuditAsync())
        {
            list.Add(AuditChain.Read(row));
        }

        return list;
    }
}
