using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.Time.Testing;

namespace Auth0Mcp.Sdk.Tests.Governance;

public sealed class ToolGovernanceDecisionTests
{
    [Fact]
    public void VisibleTools_RandomStates_EqualsToolsEvaluateAllows()
    {
        var random = new Random(1234);
        var now = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);
        for (var round = 0; round < 200; round++)
        {
            var descriptors = Enumerable.Range(0, 30).Select(i => Descriptors.Make($"auth0_t{i}", (Auth0ToolAction)random.Next(3))).ToList();
            var catalog = descriptors.Where(_ => random.Next(10) > 0).ToDictionary(d => d.Name);
            var state = new GovernanceState
            {
                GlobalKillSwitch = random.Next(20) == 0,
                Tools = descriptors.Select(d => new GovernedTool
                {
                    Name = d.Name,
                    Action = d.Action,
                    State = (ToolState)random.Next(4),
                    Killed = random.Next(10) == 0,
                    ContentHash = d.ContentHash,
                    ApprovedHash = random.Next(8) == 0 ? "stale" : d.ContentHash,
                }).ToList(),
                Toolsets = Enumerable.Range(0, 4).Select(s => new Toolset { Name = "s" + s, Tools = descriptors.Where(_ => random.Next(3) == 0).Select(d => d.Name).ToList() }).ToList(),
            };
            string[] sets = ["s0", "s1", "s2", "s3", Toolset.AllApproved, Toolset.ReadOnly, "missing"];
            state.Profiles = Enumerable.Range(0, 4).Select(p => new AccessProfile
            {
                Name = "p" + p,
                Toolsets = [sets[random.Next(sets.Length)], sets[random.Next(sets.Length)]],
                Users = random.Next(2) == 0 ? ["alice"] : ["bob"],
                Groups = random.Next(2) == 0 ? ["g1"] : [],
                Policy = (AccessPolicy)random.Next(3),
                Expiry = TimeSpan.FromHours(1),
            }).ToList();
            state.Grants = state.Profiles.Where(_ => random.Next(2) == 0).Select(p => new AccessGrant
            {
                Id = "g" + p.Name,
                Profile = p.Name,
                User = "alice",
                Status = (GrantStatus)random.Next(3),
                ExpiresAt = now.AddMinutes(random.Next(-30, 30)),
            }).ToList();
            var caller = new CallerIdentity("alice", random.Next(2) == 0 ? ["g1"] : []);

            var visible = ToolGovernance.VisibleTools(state, catalog, caller, now);
            var expected = state.Tools.Where(t => ToolGovernance.Evaluate(state, catalog, caller, t.Name, now).Allowed).Select(t => t.Name);

            Assert.Equal(expected.Order(), visible.Order());
        }
    }

    [Theory]
    [InlineData("auth0_users_delete", "DELETE", "/users/{id}", "delete:users", ToolRisk.Dangerous)]
    [InlineData("auth0_users_roles_delete", "DELETE", "/users/{id}/roles", "delete:role_members", ToolRisk.Sensitive)]
    [InlineData("auth0_clients_rotate_secret", "POST", "/clients/{id}/rotate-secret", "update:client_keys", ToolRisk.Dangerous)]
    [InlineData("auth0_tenants_settings_update", "PATCH", "/tenants/settings", "update:tenant_settings", ToolRisk.Dangerous)]
    [InlineData("auth0_keys_signing_list", "GET", "/keys/signing", "read:signing_keys", ToolRisk.Sensitive)]
    [InlineData("auth0_users_list", "GET", "/users", "read:users", ToolRisk.Sensitive)]
    [InlineData("auth0_actions_deploy", "POST", "/actions/actions/{id}/deploy", "create:actions", ToolRisk.Dangerous)] // the code at every login
    [InlineData("auth0_actions_modules_rollback", "POST", "/actions/modules/{id}/rollback", "update:actions_modules", ToolRisk.Dangerous)]
    [InlineData("auth0_actions_create", "POST", "/actions/actions", "create:actions", ToolRisk.None)]
    [InlineData("auth0_roles_create", "POST", "/roles", "create:roles", ToolRisk.None)]
    [InlineData("auth0_stats_daily", "GET", "/stats/daily", "read:stats", ToolRisk.None)]
    [InlineData("auth0_branding_get", "GET", "/branding", "read:branding", ToolRisk.None)]
    public void RiskClassifier_Descriptor_DerivesDefaultRisk(string name, string method, string path, string scope, ToolRisk expected)
    {
        var action = method switch { "GET" => Auth0ToolAction.Read, "DELETE" => Auth0ToolAction.Delete, _ => Auth0ToolAction.Write };
        var descriptor = new Auth0ToolDescriptor(name, "t", "d", method, path, name, ["x"], [scope], action, "GA", """{"type":"object"}""", action == Auth0ToolAction.Read, action == Auth0ToolAction.Delete, false);

        Assert.Equal(expected, RiskClassifier.Classify(descriptor));
    }

    [Theory]
    [InlineData("auth0_users_*", "auth0_users_list", true)]
    [InlineData("auth0_users_*", "auth0_clients_get", false)]
    [InlineData("*_delete", "auth0_users_delete", true)]
    [InlineData("auth0_?sers_list", "auth0_users_list", true)]
    [InlineData("auth0_users_list", "auth0_users_list", true)]
    [InlineData("auth0_users_list", "auth0_users_list_all", false)]
    [InlineData("*", "", true)]
    public void Glob_PatternAndName_MatchesWholeName(string pattern, string name, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(pattern, name));

    /// <summary>
    /// Two builds share a store: the newer one synced
    /// (its content, never approved, goes to review), then the older one synced again (its content is the approved
    /// one: Approved again). The newer build, still running, must not call the content nobody approved.
    /// </summary>
    [Fact]
    public async Task TwoBuildsShareAStore_TheNewerBuildsUnapprovedContentIsRefused()
    {
        var dir = Path.Combine(Path.GetTempPath(), "auth0mcp-twobuilds-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero));
            await using var store = new SqliteGovernanceStore(Path.Combine(dir, "governance.db"));
            await store.InitializeAsync();
            var governance = new ToolGovernance(store, clock);
            var older = Things("Updates a thing.");
            var newer = Things("Updates a thing. Now also deletes its owner."); // another content hash
            Assert.NotEqual(older.ContentHash, newer.ContentHash);

            await governance.SyncCatalogAsync([older], "system:old");
            await governance.ApproveAsync([older.Name], "admin");
            await governance.CreateProfileAsync("p", [Toolset.AllApproved], ["alice"], [], AccessPolicy.AutoApprove, null, "admin");
            await governance.SyncCatalogAsync([newer], "system:new"); // back to review
            await governance.SyncCatalogAsync([older], "system:old"); // the old build restores its approval

            var state = await governance.GetStateAsync();
            Assert.Equal(ToolState.Approved, state.FindTool(older.Name)!.State);
            var alice = new CallerIdentity("alice", []);
            var asNewer = ToolGovernance.Evaluate(state, new Dictionary<string, Auth0ToolDescriptor> { [newer.Name] = newer }, alice, newer.Name, clock.GetUtcNow());
            var asOlder = ToolGovernance.Evaluate(state, new Dictionary<string, Auth0ToolDescriptor> { [older.Name] = older }, alice, older.Name, clock.GetUtcNow());

            Assert.True(asOlder.Allowed);
            Assert.False(asNewer.Allowed);
            Assert.Equal(DenialCodes.PendingReview, asNewer.Code);
            Assert.Empty(ToolGovernance.VisibleTools(state, new Dictionary<string, Auth0ToolDescriptor> { [newer.Name] = newer }, alice, clock.GetUtcNow()));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Auth0ToolDescriptor Things(string description) => new(
        "auth0_things_update", "things update", description, "PATCH", "/things/{id}", "patch_things_by_id", ["things"], ["update:things"],
        Auth0ToolAction.Write, "GA", Descriptors.Schema, false, false, false);
}
