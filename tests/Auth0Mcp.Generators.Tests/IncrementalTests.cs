using System.Collections;
using System.Reflection;
using System.Text.Json;
using Auth0Mcp.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// The Roslyn front end's caching, observed through the driver's step tracking: the spec is re-read only when
/// its text changes, re-bound only when what was read changes, and a group's file re-emitted only when that
/// group's tools change.
/// </summary>
public sealed class IncrementalTests
{
    private static readonly string[] SpecSteps =
    [
        TrackingNames.SpecText, TrackingNames.Read, TrackingNames.Document, TrackingNames.Bind, TrackingNames.ToolGroups, TrackingNames.Catalog,
        TrackingNames.ArgumentGroups, TrackingNames.ToolHandles,
    ];

    private static readonly string[] AllSteps = [TrackingNames.Options, .. SpecSteps, TrackingNames.Diagnostics];

    [Fact]
    public void SecondRun_NothingChanged_EveryStepCachedOrUnchanged()
    {
        var (run, compilation, first) = FirstRun(SmallSpecs.Text(SmallSpecs.Operations));

        var second = run.RunGenerators(compilation).GetRunResult().Results.Single();

        Assert.All(AllSteps, name => Assert.True(second.TrackedSteps.ContainsKey(name), $"The step '{name}' was not tracked."));
        Assert.All(Outputs(second, second.TrackedSteps.Keys), o => AssertCachedOrUnchanged(o.Step, o.Reason));
        Assert.All(OutputSteps(second), o => AssertCachedOrUnchanged("SourceOutput", o.Reason));
        AssertSameSources(first, second);
    }

    [Fact]
    public void SecondRun_UnrelatedCSharpEdit_SpecStepsCached()
    {
        var (run, compilation, first) = FirstRun(SmallSpecs.Text(SmallSpecs.Operations));
        var program = compilation.SyntaxTrees.Single();
        var edited = compilation
            .ReplaceSyntaxTree(program, program.WithChangedText(program.GetText().Replace(0, 0, "// an edit\n")))
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Host; internal static class Added { }", GeneratorHost.ParseOptions, "Added.cs"));

        var second = run.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.All(Outputs(second, SpecSteps), o => Assert.True(o.Reason == IncrementalStepRunReason.Cached, $"{o.Step}: {o.Reason}, expected Cached"));
        Assert.All(OutputSteps(second), o => AssertCachedOrUnchanged("SourceOutput", o.Reason));
        AssertSameSources(first, second);
    }

    [Fact]
    public void SecondRun_WhitespaceOnlySpecEdit_NothingReEmitted()
    {
        var text = SmallSpecs.Text(SmallSpecs.Operations);
        var (run, compilation, first) = FirstRun(text);
        var reformatted = Reindent(text);
        Assert.NotEqual(text, reformatted);

        var second = Rerun(run, compilation, reformatted);

        Assert.All(Outputs(second, [TrackingNames.SpecText]), o => Assert.Equal(IncrementalStepRunReason.Modified, o.Reason));
        Assert.All(Outputs(second, [TrackingNames.Read]), o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
        Assert.All(
            Outputs(second, [TrackingNames.Document, TrackingNames.Bind, TrackingNames.ToolGroups, TrackingNames.Catalog]),
            o => AssertCachedOrUnchanged(o.Step, o.Reason));
        Assert.All(OutputSteps(second, TrackingNames.ToolGroups, TrackingNames.Catalog), o => AssertCachedOrUnchanged("SourceOutput", o.Reason));
        AssertSameSources(first, second);
    }

    [Fact]
    public void SecondRun_OneOperationDescriptionEdited_OnlyThatGroupReEmitted()
    {
        var text = SmallSpecs.Text(SmallSpecs.Operations);
        const string Before = "Assigns one or more roles to a member of an organization.";
        Assert.Contains(Before, text, StringComparison.Ordinal);
        var (run, compilation, first) = FirstRun(text);

        var second = Rerun(run, compilation, text.Replace(Before, "Gives a member of an organization one or more roles.", StringComparison.Ordinal));

        var groups = Outputs(second, [TrackingNames.ToolGroups]).ToList();
        Assert.Single(groups, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.All(groups.Where(o => o.Reason != IncrementalStepRunReason.Modified), o => AssertCachedOrUnchanged(o.Step, o.Reason));
        var emitted = OutputSteps(second, TrackingNames.ToolGroups, TrackingNames.Catalog).Where(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)).ToList();
        Assert.Single(emitted);

        var changed = first.GeneratedSources.Zip(second.GeneratedSources)
            .Where(p => p.First.SourceText.ToString() != p.Second.SourceText.ToString())
            .Select(p => p.Second.HintName);
        Assert.Equal(["OrganizationsMembersRolesTools.g.cs"], changed);
        Assert.Equal(first.GeneratedSources.Select(s => s.HintName), second.GeneratedSources.Select(s => s.HintName));
    }

    [Fact]
    public void StepOutputs_AnyRun_HoldNoSymbolSyntaxOrCompilation()
    {
        var text = SmallSpecs.Text(SmallSpecs.Operations);
        var (run, compilation, first) = FirstRun(text);
        var second = Rerun(run, compilation, text.Replace("\"summary\": \"List members\"", "\"summary\": \"List the members\"", StringComparison.Ordinal));

        foreach (var result in new[] { first, second })
        {
            foreach (var (step, value) in result.TrackedSteps.Where(s => AllSteps.Contains(s.Key)).SelectMany(s => s.Value.SelectMany(run => run.Outputs.Select(o => (s.Key, o.Value)))))
            {
                var path = ForbiddenReachable(value);
                Assert.True(path is null, $"The output of step '{step}' reaches {path}.");
            }
        }
    }

    [Fact]
    public void ForbiddenReachable_ObjectHoldingASymbol_FindsIt()
    {
        // The walker itself: it must see through records, arrays and private fields.
        var compilation = GeneratorHost.HostCompilation();
        var holder = new { Items = new object[] { "x", new List<object> { compilation.GetTypeByMetadataName("Host.Program")! } } };

        Assert.NotNull(ForbiddenReachable(holder));
        Assert.Null(ForbiddenReachable(new { Text = "x", Items = new[] { 1, 2 } }));
    }

    private static (Run Run, CSharpCompilation Compilation, GeneratorRunResult Result) FirstRun(string specText)
    {
        var compilation = GeneratorHost.HostCompilation();
        var spec = new InMemoryAdditionalText(GeneratorHost.SpecPath, specText);
        var driver = GeneratorHost.CreateDriver([spec], GeneratorHost.Options("Fixtures.Incremental")).RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.NotEmpty(result.GeneratedSources);
        return (new Run(driver, spec), compilation, result);
    }

    private static GeneratorRunResult Rerun(Run run, CSharpCompilation compilation, string newText)
    {
        var driver = run.Driver
            .ReplaceAdditionalText(run.Spec, new InMemoryAdditionalText(GeneratorHost.SpecPath, newText))
            .RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        return result;
    }

    private sealed record Run(GeneratorDriver Driver, AdditionalText Spec)
    {
        public GeneratorDriver RunGenerators(Compilation compilation) => Driver.RunGenerators(compilation);
    }

    private static IEnumerable<(string Step, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, IEnumerable<string> steps) =>
        steps.Where(result.TrackedSteps.ContainsKey)
            .SelectMany(name => result.TrackedSteps[name].SelectMany(run => run.Outputs.Select(o => (name, o.Reason))));

    /// <summary>The outputs of the source-output nodes, optionally only those fed by the named steps.</summary>
    private static IEnumerable<(IncrementalGeneratorRunStep Step, IncrementalStepRunReason Reason)> OutputSteps(GeneratorRunResult result, params string[] fedBy) =>
        result.TrackedOutputSteps.SelectMany(p => p.Value)
            .Where(step => fedBy.Length == 0 || step.Inputs.Any(i => fedBy.Contains(i.Source.Name)))
            .SelectMany(step => step.Outputs.Select(o => (step, o.Reason)));

    private static void AssertCachedOrUnchanged(string step, IncrementalStepRunReason reason) =>
        Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}, expected Cached or Unchanged");

    private static void AssertSameSources(GeneratorRunResult first, GeneratorRunResult second) =>
        Assert.Equal(
            first.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())),
            second.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())));

    /// <summary>The same JSON with every line indented two more spaces, blank lines added and a trailing newline.</summary>
    private static string Reindent(string json)
    {
        using var _ = JsonDocument.Parse(json);
        return "\n" + string.Join("\n", json.Split('\n').Select(line => "  " + line)).Replace("\"paths\":", "\"paths\" :\n\n", StringComparison.Ordinal) + "\n\n";
    }

    /// <summary>A path from <paramref name="root"/> to a symbol, syntax node, tree, compilation, location or JSON DOM, or null.</summary>
    private static string? ForbiddenReachable(object? root)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(object Value, string Path)>();
        if (root is not null)
        {
            stack.Push((root, root.GetType().Name));
        }

        while (stack.Count > 0)
        {
            var (value, path) = stack.Pop();
            var type = value.GetType();
            if (value is ISymbol or SyntaxNode or SyntaxTree or Compilation or SemanticModel or Location or AdditionalText
                || type == typeof(JsonElement) || type == typeof(JsonDocument) || type == typeof(SyntaxToken))
            {
                return $"{path} ({type.FullName})";
            }

            if (type.IsPrimitive || type.IsEnum || value is string || value is Type || value is decimal || !(type.IsValueType || seen.Add(value)))
            {
                continue;
            }

            if (value is IEnumerable sequence && type.IsArray)
            {
                var index = 0;
                foreach (var item in sequence)
                {
                    if (item is not null)
                    {
                        stack.Push((item, $"{path}[{index}]"));
                    }

                    index++;
                }

                continue;
            }

            for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            {
                foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (field.GetValue(value) is { } child)
                    {
                        stack.Push((child, $"{path}.{field.Name}"));
                    }
                }
            }
        }

        return null;
    }
}
