using Auth0Mcp.Generators.Emitting;
using Auth0Mcp.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// Both front ends' output for small specs we wrote, against verified files in Snapshots/. Accept a deliberate
/// change with <c>AUTH0_MCP_ACCEPT_SNAPSHOTS=1 dotnet test tests/Auth0Mcp.Generators.Tests</c> and review the git diff.
/// </summary>
public sealed class SnapshotTests
{
    public static TheoryData<string> Specs => [SmallSpecs.Schemas, SmallSpecs.Operations, SmallSpecs.Legacy30, SmallSpecs.Constructs, SmallSpecs.Classification];

    [Theory]
    [MemberData(nameof(Specs))]
    public void CoreEmitter_SmallSpec_MatchesVerifiedFiles(string spec)
    {
        var run = CoreRun.From(SmallSpecs.Text(spec), SmallSpecs.Namespace(spec));

        Snapshot.VerifySet(
            spec + ".Core",
            run.ClientFiles()
                .Select(f => (SmallSpecs.Part(f.FileName), "cs", f.Text))
                .Append(("diagnostics", "txt", string.Concat(run.Diagnostics.Select(d => $"{d.Severity} {d.Id} ({d.Line},{d.Column}): {d.Message}\n")))));
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void ToolGenerator_SmallSpec_MatchesVerifiedFiles(string spec)
    {
        var (_, result) = GeneratorHost.Run(SmallSpecs.Text(spec), SmallSpecs.Namespace(spec));

        Assert.Null(result.Exception);
        Snapshot.VerifySet(
            spec + ".Tools",
            result.GeneratedSources
                .Select(s => (SmallSpecs.Part(s.HintName), "cs", s.SourceText.ToString()))
                .Append(("diagnostics", "txt", string.Concat(result.Diagnostics.Select(d => d + "\n")))));
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void ToolGenerator_SmallSpec_EmitsWhatTheCoreEmits(string spec)
    {
        // One core, two front ends: the Roslyn generator adds exactly the tool files the core's emitter writes.
        var core = CoreRun.From(SmallSpecs.Text(spec), SmallSpecs.Namespace(spec)).ToolFiles();
        var (_, result) = GeneratorHost.Run(SmallSpecs.Text(spec), SmallSpecs.Namespace(spec));

        var generated = result.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())).OrderBy(f => f.HintName, StringComparer.Ordinal);
        Assert.Equal(core.OrderBy(f => f.FileName, StringComparer.Ordinal), generated);
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void GeneratedCode_SmallSpec_CompilesWithoutErrorsOrWarnings(string spec)
    {
        var text = SmallSpecs.Text(spec);
        var ns = SmallSpecs.Namespace(spec);
        var core = CoreRun.From(text, ns);

        var result = GeneratedCompilation.Compile(spec, core.ClientFiles(), text, ns);

        Assert.All(result.Run.Results, r => Assert.Null(r.Exception));
        Assert.True(result.Problems.Count == 0, "The generated code has problems:\n" + GeneratedCompilation.Result.Format(result.Problems));
        Assert.True(result.Success);

        // The peers really ran: Refit stubbed every interface. The JSON context is complete as generated (JsonEmitter), so
        // System.Text.Json's generator, which a consumer's build runs too, finds nothing to add.
        var byGenerator = result.Run.Results.ToDictionary(r => r.Generator.GetGeneratorType().Name, r => r.GeneratedSources.Length);
        Assert.True(byGenerator["Auth0ToolGenerator"] > 1);
        Assert.Equal(0, byGenerator["JsonSourceGenerator"]);
        Assert.True(byGenerator.Single(p => p.Key.Contains("InterfaceStubGenerator", StringComparison.Ordinal)).Value > 0, "Refit's generator produced nothing.");
    }

    [Fact]
    public void GeneratedCode_LineTerminatorsInSummaries_CompilesAndKeepsTheText()
    {
        // C# ends a comment line at CR, LF, U+0085, U+2028 and U+2029; a summary carrying any of them must not spill
        // out of the comments the generator writes around each descriptor.
        const string Title = "Daily\u2028statistics\u0085by\u2029day\r\nand more";
        var spec = System.Text.Json.Nodes.JsonNode.Parse(SmallSpecs.Text(SmallSpecs.Legacy30))!;
        spec["paths"]!["/stats/daily"]!["get"]!["summary"] = Title;
        var text = spec.ToJsonString();
        var ns = SmallSpecs.Namespace(SmallSpecs.Legacy30);

        var result = GeneratedCompilation.Compile("Terminators", CoreRun.From(text, ns).ClientFiles(), text, ns);

        Assert.True(result.Problems.Count == 0, "The generated code has problems:\n" + GeneratedCompilation.Result.Format(result.Problems));
        Assert.True(result.Success);
        var group = result.Run.Results.SelectMany(r => r.GeneratedSources).Select(s => s.SourceText.ToString()).Single(s => s.Contains("StatsDescriptors() =>", StringComparison.Ordinal));
        Assert.Contains("// auth0_get_daily_stats: Daily statistics by day  and more (GET /stats/daily)", group, StringComparison.Ordinal);
    }

    [Fact]
    public void GeneratedCompilation_CodeWithAWarning_ReportsIt()
    {
        // The compile check is not vacuous: a plain compiler warning in "generated" code is a problem.
        var result = GeneratedCompilation.Compile(
            "Broken",
            [("Broken.g.cs", "namespace Broken; public static class C { public static void M() { int unused; } }")],
            SmallSpecs.Text(SmallSpecs.Legacy30),
            "Fixtures.Broken");

        Assert.Contains(result.Problems, d => d.Id == "CS0168");
    }

    [Fact]
    public void ToolGenerator_NoNamespaceProperty_UsesRootNamespace()
    {
        var driver = GeneratorHost.CreateDriver(
            [new InMemoryAdditionalText(GeneratorHost.SpecPath, SmallSpecs.Text(SmallSpecs.Legacy30))],
            GeneratorHost.Options(ns: null, rootNamespace: "My.Project"));

        var result = driver.RunGenerators(GeneratorHost.HostCompilation()).GetRunResult().Results.Single();

        Assert.NotEmpty(result.GeneratedSources);
        // The registration extension lives in Microsoft.Extensions.DependencyInjection (as the MCP SDK's do) and names the catalogue there.
        Assert.All(result.GeneratedSources, s => Assert.Contains(
            s.HintName == KnownTypes.RegistrationFileName ? "global::My.Project.Auth0ToolCatalog" : "namespace My.Project",
            s.SourceText.ToString(),
            StringComparison.Ordinal));
    }

    [Fact]
    public void ToolGenerator_AdditionalFileNotMarkedAsSpec_IsIgnored()
    {
        var driver = GeneratorHost.CreateDriver(
            [new InMemoryAdditionalText("/repo/other.json", SmallSpecs.Text(SmallSpecs.Legacy30))],
            GeneratorHost.Options("Fixtures.Ignored"));

        var result = driver.RunGenerators(GeneratorHost.HostCompilation()).GetRunResult().Results.Single();

        Assert.Empty(result.GeneratedSources);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void ToolGenerator_GroupsProperty_EmitsOnlyThoseGroups()
    {
        var (_, result) = GeneratorHost.Run(SmallSpecs.Text(SmallSpecs.Operations), "Fixtures.Groups", groups: "events; keys");

        var names = result.GeneratedSources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(
            ["Arguments/EventsArguments.g.cs", "Arguments/KeysSigningArguments.g.cs", "Auth0McpServerBuilderExtensions.g.cs", "Auth0SecretFields.g.cs", "Auth0ToolCatalog.g.cs", "EventsTools.g.cs", "Handles/GroupsTools.g.cs", "KeysSigningTools.g.cs"],
            names);
    }
}
