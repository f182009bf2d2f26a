using Auth0Mcp.Generators.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// The short forms of the corpus consumer runs (docs/generator.md has the full ones): real documents generated and
/// compiled through the package's targets as a consumer would, and one swept through Prism.
/// </summary>
public sealed class CorpusConsumerTests(ITestOutputHelper output)
{
    /// <summary>
    /// Operations without operationId, refs to parameters, request bodies and responses (Authentiq); readOnly
    /// properties and refs to request bodies (AIception): 0 errors, only listed warnings, tools == operations.
    /// </summary>
    [Fact]
    public async Task CorpusCompile_ShortForm_CompilesWithoutErrors()
    {
        var (code, text) = await RunAsync("corpus-compile.sh", "6-dot-authentiqio.appspot.com.json", "aiception.com.json");

        Assert.True(code == 0, text);
        Assert.Contains("2 documents, 0 failed", text, StringComparison.Ordinal);
    }

    /// <summary>Up's API (operations without operationId, path parameters, query filters) against Prism: at least 95% of its tools accepted.</summary>
    [Fact]
    public async Task CorpusPrism_ShortForm_AcceptsTheTools()
    {
        var (code, text) = await RunAsync("corpus-prism.sh", "up.com.au.json");

        Assert.True(code == 0, text);
        Assert.Contains("1 documents, 0 failed", text, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output)> RunAsync(string script, params string[] documents)
    {
        var (code, stdout, stderr) = await ChildProcess.RunAsync("bash", [Path.Combine(TestPaths.RepoRoot, "build", script), .. documents], timeout: TimeSpan.FromMinutes(15));
        var text = stdout + stderr;
        output.WriteLine(text);
        return (code, text);
    }
}
