using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Progressive.Search;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;

namespace Auth0Mcp.Benchmarks;

/// <summary>
/// Progressive discovery over the real generated catalogue (452 tools): one search, for operator requests of the
/// kinds docs/discovery.md measures.
/// </summary>
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MemoryDiagnoser]
[MedianColumn]
public class DiscoverySearchBenchmarks
{
    private ToolSearchIndex _index = null!;

    /// <summary>The request searched for.</summary>
    [Params(
        "block the user jane@example.com",
        "who has the admin role",
        "show failed logins",
        "give the machine-to-machine app access to the Management API")]
    public string Query { get; set; } = "";

    /// <summary>Builds the index once.</summary>
    [GlobalSetup]
    public void Setup() => _index = ToolSearchIndex.Build(Auth0ToolCatalog.Descriptors);

    /// <summary>One search of <see cref="Query"/> over every tool.</summary>
    [Benchmark]
    public int Search() => _index.Search(Query).Count;
}

/// <summary>Building the search index over the real catalogue (452 tools): what the first search of a set of entitled tools pays.</summary>
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MemoryDiagnoser]
[MedianColumn]
public class DiscoveryIndexBenchmarks
{
    private readonly IReadOnlyList<Auth0ToolDescriptor> _tools = Auth0ToolCatalog.Descriptors;

    /// <summary>Builds the index over every tool.</summary>
    [Benchmark]
    public int BuildIndex() => ToolSearchIndex.Build(_tools).Tools.Count;
}
