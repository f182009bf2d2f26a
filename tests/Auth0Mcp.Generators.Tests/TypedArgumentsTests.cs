using System.Collections.Immutable;
using Auth0Mcp.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// The typed arguments records and tool handles (Emitting/ArgumentsEmitter.cs): a host's rules written against them
/// compile with the generated code, a rule naming a property the record lacks does not, and
/// <c>Auth0McpTypedArguments=false</c> leaves them out.
/// </summary>
public sealed class TypedArgumentsTests
{
    private const string Host = """
        using Auth0Mcp.Sdk.Governance;
        using Fixtures.Operations;

        namespace Host;

        /// <summary>The host's argument rules.</summary>
        public static class Rules
        {
            /// <summary>Adds them to governance.</summary>
            public static void Configure(ToolGovernanceOptions options) =>
                options.AddArgumentPolicies(p => p
                    .For(OperationsTools.OrganizationsMembersList, a => a.Id.StartsWith("org_") && a.Take is null or <= 50 && a.Fields == null, "members-page")
                    .For(OperationsTools.OrganizationsTagsSet, a => a.Body.Count <= 5, "few-tags")
                    .For(OperationsTools.GrantsCreate, a => a.RequestBody == null || a.Namespace != "root", "no-root-grants"));
        }
        """;

    private static GeneratedCompilation.Result CompileWithHost(string host)
    {
        var text = SmallSpecs.Text(SmallSpecs.Operations);
        var core = CoreRun.From(text, SmallSpecs.Namespace(SmallSpecs.Operations));
        return GeneratedCompilation.Compile("TypedHost", core.ClientFiles().Append(("Host.cs", host)), text, SmallSpecs.Namespace(SmallSpecs.Operations));
    }

    [Fact]
    public void HostRules_AgainstTheGeneratedRecords_CompileWithoutProblems()
    {
        var result = CompileWithHost(Host);

        Assert.True(result.Problems.Count == 0, GeneratedCompilation.Result.Format(result.Problems));
        Assert.True(result.Success);
    }

    [Fact]
    public void HostRule_PropertyTheRecordLacks_IsACompileError()
    {
        var result = CompileWithHost(Host.Replace("a.Take is null", "a.PerPage is null", StringComparison.Ordinal));

        Assert.False(result.Success);
        Assert.Contains(result.CompileDiagnostics, d => d.Id == "CS1061" && d.GetMessage().Contains("PerPage", StringComparison.Ordinal));
    }

    [Fact]
    public void TypedArgumentsProperty_False_EmitsNoRecordsOrHandles()
    {
        var spec = ImmutableDictionary<string, string>.Empty.Add(GeneratorHost.SpecMetadataKey, "true");
        var options = new TestOptionsProvider(
            ImmutableDictionary<string, string>.Empty.Add("build_property.Auth0McpNamespace", "Fixtures.Off").Add("build_property.Auth0McpTypedArguments", "false"),
            ImmutableDictionary<string, ImmutableDictionary<string, string>>.Empty.Add(GeneratorHost.SpecPath, spec));
        var driver = GeneratorHost.CreateDriver([new InMemoryAdditionalText(GeneratorHost.SpecPath, SmallSpecs.Text(SmallSpecs.Operations))], options);

        var result = driver.RunGenerators(GeneratorHost.HostCompilation()).GetRunResult().Results.Single();

        Assert.NotEmpty(result.GeneratedSources);
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName.StartsWith("Arguments/", StringComparison.Ordinal) || s.HintName == "OffTools.g.cs");
        Assert.Contains(result.GeneratedSources, s => s.HintName == "EventsTools.g.cs");
    }

    [Fact]
    public void Namespace_NamedAfterAnOperationGroup_GeneratesEveryFile()
    {
        // MyApp.EventsApi: the handles class is EventsTools, like the events group's file (the package README's example
        // MyApp.WidgetsApi for a widgets group): two sources of one name failed the whole generator.
        var (_, result) = GeneratorHost.Run(SmallSpecs.Text(SmallSpecs.Operations), "MyApp.EventsApi");

        Assert.Null(result.Exception);
        Assert.Equal(result.GeneratedSources.Length, result.GeneratedSources.Select(s => s.HintName).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains(result.GeneratedSources, s => s.HintName == "EventsTools.g.cs");
        Assert.Contains(result.GeneratedSources, s => s.SourceText.ToString().Contains("public static partial class EventsTools", StringComparison.Ordinal));
    }
}
