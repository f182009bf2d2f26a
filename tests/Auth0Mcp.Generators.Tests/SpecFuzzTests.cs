using System.Diagnostics;
using System.Globalization;
using Auth0Mcp.Generators.Binding;
using Auth0Mcp.Generators.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// Issue 11: mutated specs (deleted/duplicated/retyped nodes, broken $refs, cycles, huge strings) from the pinned spec
/// through the generation core (read → bind → emit clients, tools, secret fields): no crash, each within a time bound.
/// The suite runs 100 with a fixed seed; <c>bash build/fuzz-spec.sh</c> runs 1,000 (AUTH0_MCP_FUZZ_SPECS, AUTH0_MCP_FUZZ_SEED).
/// </summary>
public sealed class SpecFuzzTests(FullSpecFixture spec, ITestOutputHelper output) : IClassFixture<FullSpecFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public void GenerationCore_MutatedSpecs_NeverCrashAndEachWithinTheBound()
    {
        var count = Setting("AUTH0_MCP_FUZZ_SPECS", 100);
        var seed = Setting("AUTH0_MCP_FUZZ_SEED", 11);
        var mutator = new SpecMutator(spec.Text, seed);
        var crashes = new List<string>();
        var slowest = TimeSpan.Zero;
        var total = Stopwatch.StartNew();
        var withModel = 0;

        for (var i = 0; i < count; i++)
        {
            var (text, what) = mutator.Next();
            var watch = Stopwatch.StartNew();
            try
            {
                var run = CoreRun.From(text, "Fuzz.Generated");
                _ = SecretFields.Collect(text);
                if (run.Model is not null)
                {
                    withModel++;
                    _ = run.ClientFiles();
                    _ = run.ToolFiles();
                }
            }
            catch (Exception ex)
            {
                crashes.Add($"#{i} (seed {seed}) [{what}]: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }

            watch.Stop();
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            if (watch.Elapsed > Bound)
            {
                crashes.Add($"#{i} (seed {seed}) [{what}]: took {watch.Elapsed.TotalSeconds:0.0} s > {Bound.TotalSeconds} s");
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} mutated specs (seed {seed}): {crashes.Count} failures, {withModel} bound to a model, slowest {slowest.TotalMilliseconds:0} ms, total {total.Elapsed.TotalSeconds:0.0} s"));
        Assert.True(crashes.Count == 0, string.Join("\n\n", crashes.Take(5)));
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
