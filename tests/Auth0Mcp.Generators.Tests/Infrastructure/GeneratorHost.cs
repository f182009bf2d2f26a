using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Auth0Mcp.Generators.Tests.Infrastructure;

/// <summary>An additional file held in memory, as MSBuild would hand the spec to the compiler.</summary>
internal sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text, Encoding.UTF8);

    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>Analyzer config options from a dictionary (what an .editorconfig / MSBuild's generated config gives).</summary>
internal sealed class DictionaryOptions(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
{
    public static readonly DictionaryOptions Empty = new(ImmutableDictionary<string, string>.Empty);

    public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
}

/// <summary>Global build properties plus per-additional-file item metadata, as MSBuild's CompilerVisible* items produce them.</summary>
internal sealed class TestOptionsProvider(ImmutableDictionary<string, string> global, ImmutableDictionary<string, ImmutableDictionary<string, string>> files)
    : AnalyzerConfigOptionsProvider
{
    public override AnalyzerConfigOptions GlobalOptions { get; } = new DictionaryOptions(global);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => DictionaryOptions.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        files.TryGetValue(textFile.Path, out var options) ? new DictionaryOptions(options) : DictionaryOptions.Empty;
}

/// <summary>Runs <see cref="Auth0ToolGenerator"/> (and, for compile checks, other generators) through Roslyn's driver.</summary>
internal static class GeneratorHost
{
    public const string SpecPath = "/repo/openapi/auth0-spec.json";
    public const string SpecMetadataKey = "build_metadata.AdditionalFiles.Auth0McpSpec";

    public static readonly CSharpParseOptions ParseOptions = new(
        LanguageVersion.CSharp12,
        DocumentationMode.Diagnose,
        // The symbols the .NET SDK defines for net10.0: peers' generated code (Refit's module initializer) depends on them.
        preprocessorSymbols: ["NET", "NET10_0", "NETCOREAPP", "NETCOREAPP1_0_OR_GREATER", "NETCOREAPP1_1_OR_GREATER", "NETCOREAPP2_0_OR_GREATER",
            "NETCOREAPP2_1_OR_GREATER", "NETCOREAPP2_2_OR_GREATER", "NETCOREAPP3_0_OR_GREATER", "NETCOREAPP3_1_OR_GREATER", "NET5_0_OR_GREATER",
            "NET6_0_OR_GREATER", "NET7_0_OR_GREATER", "NET8_0_OR_GREATER", "NET9_0_OR_GREATER", "NET10_0_OR_GREATER"]);

    /// <summary>Options that mark <paramref name="specPaths"/> as the spec and set the generator's build properties.</summary>
    public static TestOptionsProvider Options(string? ns, string? groups = null, string? rootNamespace = null, params string[] specPaths) =>
        Options(ns, groups, rootNamespace, specDiagnostics: null, specPaths);

    /// <summary>As above, with <c>Auth0McpSpecDiagnostics</c> (<c>cli</c>: the pre-compile step reports the spec's diagnostics).</summary>
    public static TestOptionsProvider Options(string? ns, string? groups, string? rootNamespace, string? specDiagnostics, params string[] specPaths)
    {
        var global = ImmutableDictionary.CreateBuilder<string, string>();
        if (specDiagnostics is not null)
        {
            global["build_property.Auth0McpSpecDiagnostics"] = specDiagnostics;
        }

        if (ns is not null)
        {
            global["build_property.Auth0McpNamespace"] = ns;
        }

        if (groups is not null)
        {
            global["build_property.Auth0McpGroups"] = groups;
        }

        if (rootNamespace is not null)
        {
            global["build_property.RootNamespace"] = rootNamespace;
        }

        var spec = ImmutableDictionary<string, string>.Empty.Add(SpecMetadataKey, "true");
        var files = (specPaths.Length == 0 ? [SpecPath] : specPaths).ToImmutableDictionary(p => p, _ => spec);
        return new TestOptionsProvider(global.ToImmutable(), files);
    }

    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> texts, AnalyzerConfigOptionsProvider options, params ISourceGenerator[] others) =>
        CSharpGeneratorDriver.Create(
            [new Auth0ToolGenerator().AsSourceGenerator(), .. others],
            texts,
            ParseOptions,
            options,
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>A compilation with one hand-written file (the generator never looks at code; this is the "project").</summary>
    public static CSharpCompilation HostCompilation(params SyntaxTree[] trees) =>
        CSharpCompilation.Create(
            "Host",
            trees.Length == 0 ? [CSharpSyntaxTree.ParseText("namespace Host; public static class Program { }", ParseOptions, "Program.cs")] : trees,
            [],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

    /// <summary>Runs the tool generator once over a spec text and returns the driver (for a later run) and its result.</summary>
    public static (GeneratorDriver Driver, GeneratorRunResult Result) Run(string specText, string ns, string? groups = null, string? specDiagnostics = null)
    {
        var driver = CreateDriver([new InMemoryAdditionalText(SpecPath, specText)], Options(ns, groups, null, specDiagnostics));
        driver = driver.RunGenerators(HostCompilation());
        return (driver, driver.GetRunResult().Results.Single());
    }
}
