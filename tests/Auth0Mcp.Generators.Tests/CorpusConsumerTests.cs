using System.Diagnostics;
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
    public void CorpusCompile_ShortForm_CompilesWithoutErrors()
    {
        var (code, text) = Run("corpus-compile.sh", "6-dot-authentiqio.appspot.com.json", "aiception.com.json");

        Assert.True(code == 0, text);
        Assert.Contains("2 documents, 0 failed", text, StringComparison.Ordinal);
    }

    /// <summary>Up's API (operations without operationId, path parameters, query filters) against Prism: at least 95% of its tools accepted.</summary>
    [Fact]
    public void CorpusPrism_ShortForm_AcceptsTheTools()
    {
        var (code, text) = Run("corpus-prism.sh", "up.com.au.json");

        Assert.True(code == 0, text);
        Assert.Contains("1 documents, 0 failed", text, StringComparison.Ordinal);
    }

    private (int Code, string Output) Run(string script, params string[] documents)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(TestPaths.RepoRoot, "build", script));
        foreach (var document in documents)
        {
            start.ArgumentList.Add(document);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
        }

        var text = stdout + stderr.GetAwaiter().GetResult();
        output.WriteLine(text);
        return (process.HasExited ? process.ExitCode : -1, text);
    }
}
