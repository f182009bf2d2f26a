using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;

namespace Auth0Mcp.Benchmarks;

/// <summary>
/// The in-memory part of governance at catalogue scale (452 tools, 20 toolsets, 20 profiles): one access
/// decision (every tools/call) and one caller's visible set (every tools/list and change notification).
/// </summary>
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 3, iterationCount: 5)]
[MemoryDiagnoser]
public class DecisionBenchmarks
{
    private GovernanceState _state = null!;
    private Dictionary<string, Auth0ToolDescriptor> _catalog = null!;
    private readonly CallerIdentity _caller = new("user7", ["group3", "group9"]);
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    /// <summary>Builds the state.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var descriptors = Enumerable.Range(0, 452).Select(i => new Auth0ToolDescriptor(
            $"auth0_group{i % 40}_op{i}", "t", "d", i % 3 == 0 ? "GET" : "POST", $"/group{i % 40}/{{id}}", "op" + i, ["g"], ["read:x"],
            i % 3 == 0 ? Auth0ToolAction.Read : Auth0ToolAction.Write, "GA", """{"type":"object"}""", i % 3 == 0, false, true)).ToList();
        _catalog = descriptors.ToDictionary(d => d.Name);
        _state = new GovernanceState
        {
            Tools = descriptors.Select(d => new GovernedTool { Name = d.Name, Action = d.Action, State = ToolState.Approved, ContentHash = d.ContentHash, ApprovedHash = d.ContentHash }).ToList(),
            Toolsets = Enumerable.Range(0, 20).Select(s => new Toolset { Name = "set" + s, Tools = descriptors.Where((_, i) => i % 20 == s).Select(d => d.Name).ToList() }).ToList(),
            Profiles = Enumerable.Range(0, 20).Select(p => new AccessProfile { Name = "p" + p, Toolsets = ["set" + p], Users = ["user" + p], Groups = ["group" + p], Policy = AccessPolicy.AutoApprove }).ToList(),
        };
    }

    /// <summary>One tools/call decision (allowed, found late).</summary>
    [Benchmark]
    public bool Evaluate() => ToolGovernance.Evaluate(_state, _catalog, _caller, "auth0_group9_op449", _now).Allowed;

    /// <summary>One tools/list: the caller's visible set out of 452 tools.</summary>
    [Benchmark]
    public int VisibleTools() => ToolGovernance.VisibleTools(_state, _catalog, _caller, _now).Count;
}
