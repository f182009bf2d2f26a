using System.Collections;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// The access decision works out the caller's profiles once per decision (not per tool × profile). Its results must be
/// those of the per-tool decision it replaced, kept here as <see cref="Reference"/>, for every input.
/// </summary>
public sealed class DecisionReferenceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void EvaluateAndVisibleTools_RandomConfigurations_EqualThePerToolReference()
    {
        var random = new Random(20261206);
        string[] users = ["u0", "u1", "u2", "u3"];
        string[] groups = ["g0", "g1", "g2", "g3", "G0"];
        string[] scopes = ["read:a", "read:b", "update:a"];
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var round = 0; round < 400; round++)
        {
            var descriptors = Enumerable.Range(0, 12)
                .Select(i => Descriptors.Make($"auth0_t{i}", (Auth0ToolAction)random.Next(3), scopes: [scopes[random.Next(scopes.Length)]]))
                .ToList();
            var catalog = descriptors.Where(_ => random.Next(8) > 0).ToDictionary(d => d.Name);
            var state = new GovernanceState
            {
                GlobalKillSwitch = random.Next(25) == 0,
                Tools = descriptors.Select(d => new GovernedTool
                {
                    Name = d.Name,
                    Action = d.Action,
                    State = (ToolState)random.Next(4),
                    Killed = random.Next(10) == 0,
                    Risk = (ToolRisk)random.Next(3),
                    RiskOverridden = random.Next(4) == 0,
                    ApprovedRisk = random.Next(3) == 0 ? null : (ToolRisk)random.Next(3),
                    ContentHash = d.ContentHash,
                    ApprovedHash = random.Next(8) == 0 ? "stale" : d.ContentHash,
                }).ToList(),
            };
            // Toolsets, sometimes two of one name (the first one counts), naming unknown tools too.
            state.Toolsets = Enumerable.Range(0, 5).Select(s => new Toolset
            {
                Name = "s" + (random.Next(6) == 0 ? 0 : s),
                Tools = descriptors.Where(_ => random.Next(3) == 0).Select(d => d.Name).Append("auth0_gone").ToList(),
            }).ToList();
            string[] sets = ["s0", "s1", "s2", "s3", "s4", Toolset.AllApproved, Toolset.ReadOnly, "missing"];
            state.Profiles = Enumerable.Range(0, random.Next(1, 7)).Select(p => new AccessProfile
            {
                Name = "p" + p,
                Toolsets = Enumerable.Range(0, random.Next(0, 4)).Select(_ => sets[random.Next(sets.Length)]).ToList(),
                Users = users.Where(_ => random.Next(3) == 0).ToList(),
                Groups = groups.Where(_ => random.Next(4) == 0).ToList(),
                Policy = (AccessPolicy)random.Next(3),
                Expiry = TimeSpan.FromHours(1),
            }).ToList();
            state.Grants = Enumerable.Range(0, random.Next(0, 10)).Select(i => new AccessGrant
            {
                Id = "r" + i,
                Profile = random.Next(8) == 0 ? "unknown" : "p" + random.Next(state.Profiles.Count),
                User = users[random.Next(users.Length)],
                Status = (GrantStatus)random.Next(3),
                ExpiresAt = random.Next(4) switch { 0 => null, 1 => Now, _ => Now.AddMinutes(random.Next(-30, 30)) },
            }).ToList();
            IReadOnlySet<string>? granted = random.Next(3) == 0 ? null : scopes.Where(_ => random.Next(3) > 0).ToHashSet(StringComparer.Ordinal);

            var callers = users.Append("nobody").Select(u => new CallerIdentity(u, groups.Where(_ => random.Next(3) == 0).ToArray()));
            foreach (var caller in callers)
            {
                Assert.Equal(
                    Reference.VisibleTools(state, catalog, caller, Now, granted).Order(StringComparer.Ordinal),
                    ToolGovernance.VisibleTools(state, catalog, caller, Now, granted).Order(StringComparer.Ordinal));
                foreach (var name in state.Tools.Select(t => t.Name).Append("auth0_unknown"))
                {
                    var decision = ToolGovernance.Evaluate(state, catalog, caller, name, Now, granted);
                    Assert.Equal(Reference.Evaluate(state, catalog, caller, name, Now, granted), decision);
                    var outcome = decision.Allowed ? "allowed" : decision.Code + (decision.Disclosed ? "" : " (undisclosed)");
                    outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                }
            }
        }

        // Every outcome was reached, disclosed or not, many times.
        foreach (var outcome in new[] { "allowed", DenialCodes.ProfileNotActive, DenialCodes.NotInProfile + " (undisclosed)", DenialCodes.KillSwitch, DenialCodes.KillSwitch + " (undisclosed)", DenialCodes.MissingScopes + " (undisclosed)", DenialCodes.PendingReview + " (undisclosed)", DenialCodes.UnknownTool })
        {
            Assert.True(outcomes.GetValueOrDefault(outcome) > 100, $"{outcome}: {outcomes.GetValueOrDefault(outcome)}");
        }
    }

    [Fact]
    public void VisibleTools_LargeConfiguration_ReadsTheCallersGroupsOnceNotPerToolAndProfile()
    {
        // 452 tools, 300 toolsets of 40, 500 profiles of 3 toolsets, 200 users and 20 groups each, 2,000 grants: a
        // caller in 300 groups, bound to none, then to 14 profiles. The per-tool decision read the caller's groups once
        // per tool and profile (tool x profile x groups); one decision reads them once.
        var random = new Random(7);
        var descriptors = Enumerable.Range(0, 452).Select(i => Descriptors.Make($"auth0_t{i}", (Auth0ToolAction)(i % 3))).ToList();
        var catalog = descriptors.ToDictionary(d => d.Name);
        var state = new GovernanceState
        {
            Tools = descriptors.Select(d => new GovernedTool { Name = d.Name, Action = d.Action, State = ToolState.Approved, ContentHash = d.ContentHash, ApprovedHash = d.ContentHash }).ToList(),
            Toolsets = Enumerable.Range(0, 300).Select(s => new Toolset { Name = "set" + s, Tools = Enumerable.Range(0, 40).Select(_ => descriptors[random.Next(452)].Name).ToList() }).ToList(),
            Profiles = Enumerable.Range(0, 500).Select(p => new AccessProfile
            {
                Name = "profile" + p,
                Toolsets = Enumerable.Range(0, 3).Select(_ => "set" + random.Next(300)).ToList(),
                Users = Enumerable.Range(0, 200).Select(u => "user" + random.Next(5000)).ToList(),
                Groups = Enumerable.Range(0, 20).Select(g => "group" + random.Next(2000)).ToList(),
                Policy = (AccessPolicy)(p % 5 == 0 ? 1 : p % 5 == 1 ? 2 : 0),
                Expiry = TimeSpan.FromHours(8),
            }).ToList(),
        };
        state.Grants = Enumerable.Range(0, 2000).Select(i => new AccessGrant { Id = "r" + i, Profile = "profile" + random.Next(500), User = "user" + random.Next(5000), Status = GrantStatus.Granted, ExpiresAt = Now.AddHours(1) }).ToList();
        var bound = state.Profiles.Take(14).Select(p => p.Groups[0]);

        foreach (var memberOf in new[] { Enumerable.Range(0, 300).Select(g => "unbound" + g).ToArray(), [.. Enumerable.Range(0, 286).Select(g => "unbound" + g), .. bound] })
        {
            var groups = new CountingList(memberOf);
            var caller = new CallerIdentity("user-not-listed", groups);

            var visible = ToolGovernance.VisibleTools(state, catalog, caller, Now);
            var listing = groups.Reads;
            ToolGovernance.Evaluate(state, catalog, caller, "auth0_t1", Now);

            Assert.InRange(listing, 1, 2);
            Assert.InRange(groups.Reads - listing, 1, 2);
            Assert.Equal(memberOf[^1].StartsWith("unbound", StringComparison.Ordinal), visible.Count == 0);
        }
    }

    /// <summary>A caller's group list that counts how often it is read (enumerated, or indexed).</summary>
    private sealed class CountingList(string[] items) : IReadOnlyList<string>
    {
        public int Reads { get; private set; }

        public int Count => items.Length;

        public string this[int index]
        {
            get
            {
                Reads++;
                return items[index];
            }
        }

        public IEnumerator<string> GetEnumerator()
        {
            Reads++;
            return ((IEnumerable<string>)items).GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// The per-tool decision as it was before the caller's profiles were worked out once per decision (ToolGovernance.cs
    /// at a296287): each tool against every profile, each profile's binding, toolsets and grants read for each tool.
    /// </summary>
    private static class Reference
    {
        public static AccessDecision Evaluate(GovernanceState state, IReadOnlyDictionary<string, Auth0ToolDescriptor> catalog, CallerIdentity caller, string toolName, DateTimeOffset now, IReadOnlySet<string>? grantedScopes)
        {
            var tool = string.IsNullOrEmpty(toolName) ? null : state.FindTool(toolName);
            if (tool is null)
            {
                return AccessDecision.UnknownTool(toolName);
            }

            var decision = Decide(state, catalog, caller, tool, now, grantedScopes);
            return decision.Allowed || IsDisclosed(state, catalog, caller, tool, decision.Code) ? decision : decision with { Disclosed = false };
        }

        public static IReadOnlySet<string> VisibleTools(GovernanceState state, IReadOnlyDictionary<string, Auth0ToolDescriptor> catalog, CallerIdentity caller, DateTimeOffset now, IReadOnlySet<string>? grantedScopes)
        {
            var visible = new HashSet<string>(StringComparer.Ordinal);
            if (state.GlobalKillSwitch)
            {
                return visible;
            }

            foreach (var tool in state.Tools)
            {
                if (Decide(state, catalog, caller, tool, now, grantedScopes).Allowed)
                {
                    visible.Add(tool.Name);
                }
            }

            return visible;
        }

        private static bool IsDisclosed(GovernanceState state, IReadOnlyDictionary<string, Auth0ToolDescriptor> catalog, CallerIdentity caller, GovernedTool tool, string? code) => code switch
        {
            DenialCodes.UnknownTool or DenialCodes.ProfileNotActive => true,
            DenialCodes.KillSwitch => catalog.TryGetValue(tool.Name, out var descriptor)
                && Unapproved(tool, descriptor.ContentHash, ToolGovernance.RiskNow(tool, descriptor)) is null
                && state.Profiles.Any(p => IsBound(p, caller) && ProfileContains(state, p, tool)),
            _ => false,
        };

        private static AccessDecision Decide(GovernanceState state, IReadOnlyDictionary<string, Auth0ToolDescriptor> catalog, CallerIdentity caller, GovernedTool tool, DateTimeOffset now, IReadOnlySet<string>? grantedScopes)
        {
            if (!catalog.TryGetValue(tool.Name, out var descriptor))
            {
                return AccessDecision.UnknownTool(tool.Name, tool);
            }

            if (state.GlobalKillSwitch)
            {
                return AccessDecision.Deny(DenialCodes.KillSwitch, "kill switch active (all tools)", tool);
            }

            if (tool.Killed)
            {
                return AccessDecision.Deny(DenialCodes.KillSwitch, $"kill switch active for {tool.Name}", tool);
            }

            if (Unapproved(tool, descriptor.ContentHash, ToolGovernance.RiskNow(tool, descriptor)) is { } unapproved)
            {
                return unapproved;
            }

            if (grantedScopes is not null && Auth0ScopePlanner.Missing(descriptor, grantedScopes) is { Count: > 0 } missing)
            {
                return AccessDecision.Deny(
                    DenialCodes.MissingScopes,
                    missing.Count == 1
                        ? $"the Auth0 token lacks the scope {missing[0]} that {descriptor.Method} {descriptor.Path} requires: grant it to the application (Auth0 Dashboard > Applications > APIs > Auth0 Management API) or use a token that has it; no request was sent to Auth0"
                        : $"the Auth0 token has none of the scopes {descriptor.Method} {descriptor.Path} accepts, and needs one of {string.Join(", ", missing)} (any one will do, the first is the usual grant): grant one to the application (Auth0 Dashboard > Applications > APIs > Auth0 Management API) or use a token that has one; no request was sent to Auth0",
                    tool);
            }

            string? inactive = null;
            foreach (var profile in state.Profiles)
            {
                if (!IsBound(profile, caller) || !ProfileContains(state, profile, tool))
                {
                    continue;
                }

                if (IsActive(state, profile, caller, now))
                {
                    return AccessDecision.Allow(tool);
                }

                inactive ??= profile.Policy switch
                {
                    AccessPolicy.JustInTime => $"access profile '{profile.Name}' is not active: request just-in-time access (profiles request {profile.Name})",
                    _ => $"access profile '{profile.Name}' needs an approved request (profiles request {profile.Name}, then an admin grants it)",
                };
            }

            return inactive is not null
                ? AccessDecision.Deny(DenialCodes.ProfileNotActive, inactive, tool)
                : AccessDecision.Deny(DenialCodes.NotInProfile, "tool not in your access profile", tool);
        }

        private static AccessDecision? Unapproved(GovernedTool tool, string contentHash, ToolRisk risk)
        {
            switch (tool.State)
            {
                case ToolState.Removed:
                    return AccessDecision.Deny(DenialCodes.Removed, "tool removed from the catalogue", tool);
                case ToolState.Disabled:
                    return AccessDecision.Deny(DenialCodes.Disabled, "tool disabled", tool);
                case ToolState.PendingReview:
                    return AccessDecision.Deny(DenialCodes.PendingReview, "tool pending review", tool);
            }

            if (!string.Equals(tool.ApprovedHash, contentHash, StringComparison.Ordinal))
            {
                return AccessDecision.Deny(DenialCodes.PendingReview, "tool pending review (it changed since it was approved)", tool);
            }

            return (tool.ApprovedRisk ?? tool.Risk) is var approvedRisk && risk > approvedRisk
                ? AccessDecision.Deny(DenialCodes.PendingReview, $"tool pending review (its risk, {risk}, is above the {approvedRisk} it was approved at: approve it with this build's auth0-mcp or console, whose catalogue sync records that risk)", tool)
                : null;
        }

        private static bool IsBound(AccessProfile profile, CallerIdentity caller) =>
            profile.Users.Contains(caller.User, StringComparer.Ordinal) || profile.Groups.Any(g => caller.Groups.Contains(g, StringComparer.Ordinal));

        private static bool ProfileContains(GovernanceState state, AccessProfile profile, GovernedTool tool) =>
            profile.Toolsets.Any(name => name switch
            {
                Toolset.AllApproved => true,
                Toolset.ReadOnly => tool.Action == Auth0ToolAction.Read,
                _ => state.FindToolset(name)?.Tools.Contains(tool.Name, StringComparer.Ordinal) == true,
            });

        private static bool IsActive(GovernanceState state, AccessProfile profile, CallerIdentity caller, DateTimeOffset now) =>
            profile.Policy == AccessPolicy.AutoApprove
            || state.Grants.Any(g => string.Equals(g.Profile, profile.Name, StringComparison.Ordinal)
                && string.Equals(g.User, caller.User, StringComparison.Ordinal)
                && g.IsActive(now));
    }
}
