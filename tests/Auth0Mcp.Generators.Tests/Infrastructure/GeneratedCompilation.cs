using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Auth0Mcp.Generators.Tests.Infrastructure;

/// <summary>
/// Compiles generated code the way a consuming project does: the pre-compile output as ordinary source, then
/// Auth0ToolGenerator, System.Text.Json's generator (which finds nothing to complete: the JSON context is generated whole) and Refit's stub
/// generator in one driver, against what this test project itself compiles against (see compile-inputs.txt).
/// </summary>
internal static class GeneratedCompilation
{
    // Assemblies the test project needs but a project using the generated code would not reference.
    private static readonly string[] TestOnlyPrefixes =
    [
        "xunit", "Microsoft.CodeAnalysis", "Microsoft.TestPlatform", "Microsoft.VisualStudio", "testhost",
        "Microsoft.NET.Test.Sdk", "Auth0Mcp.Generators", "Newtonsoft.Json", "NuGet.",
    ];

    private static readonly Lazy<(ImmutableArray<MetadataReference> References, ImmutableArray<ISourceGenerator> Generators)> Inputs = new(Load);

    public static ImmutableArray<MetadataReference> References => Inputs.Value.References;

    /// <summary>System.Text.Json's and Refit's generators, as the SDK and the Refit package would add them.</summary>
    public static ImmutableArray<ISourceGenerator> PeerGenerators => Inputs.Value.Generators;

    public static Result Compile(string name, IEnumerable<(string FileName, string Text)> coreFiles, string specText, string ns)
    {
        var compilation = CSharpCompilation.Create(
            name,
            Parse(coreFiles),
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999,
                // The SDK's own defaults (Microsoft.NET.Sdk NoWarn): assembly-version unification notes.
                specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic>
                {
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));

        return Run(GeneratorHost.CreateDriver([new InMemoryAdditionalText(GeneratorHost.SpecPath, specText)], GeneratorHost.Options(ns), [.. PeerGenerators]), compilation);
    }

    /// <summary>
    /// Compiles <paramref name="files"/> (DTOs, converters, a JSON context) with System.Text.Json's generator only, as
    /// the models part of a consumer's build; for tests that compare the DTOs' JSON with that generator's.
    /// </summary>
    public static Result CompileModels(string name, IEnumerable<(string FileName, string Text)> files)
    {
        var compilation = CSharpCompilation.Create(
            name,
            Parse(files),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));
        var json = PeerGenerators.Where(g => g.GetGeneratorType().Name == "JsonSourceGenerator");
        return Run(CSharpGeneratorDriver.Create(json, parseOptions: GeneratorHost.ParseOptions), compilation);
    }

    /// <summary>The generated files as a consuming project's compile sees them (under <c>obj/auth0/</c>).</summary>
    private static List<SyntaxTree> Parse(IEnumerable<(string FileName, string Text)> files) =>
        files.Select(f => CSharpSyntaxTree.ParseText(f.Text, GeneratorHost.ParseOptions, "obj/auth0/" + f.FileName, Encoding.UTF8)).ToList();

    /// <summary>Runs <paramref name="driver"/> over <paramref name="compilation"/> and emits the result.</summary>
    private static Result Run(GeneratorDriver driver, Compilation compilation)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        using var peStream = new MemoryStream();
        var emit = output.Emit(peStream);
        return new Result(driver.GetRunResult(), generatorDiagnostics, emit.Diagnostics, emit.Success) { Image = emit.Success ? peStream.ToArray() : null };
    }

    private static (ImmutableArray<MetadataReference>, ImmutableArray<ISourceGenerator>) Load()
    {
        var listPath = Path.Combine(AppContext.BaseDirectory, "compile-inputs.txt");
        if (!File.Exists(listPath))
        {
            throw new InvalidOperationException($"{listPath} is missing; the test project's Auth0McpWriteCompileInputs target writes it on build.");
        }

        var references = ImmutableArray.CreateBuilder<MetadataReference>();
        var generators = ImmutableArray.CreateBuilder<ISourceGenerator>();
        var loader = new AnalyzerLoader();
        foreach (var line in File.ReadAllLines(listPath))
        {
            var separator = line.IndexOf('|', StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }

            var kind = line[..separator];
            var path = line[(separator + 1)..];
            var fileName = Path.GetFileName(path);
            if (kind == "reference" && !TestOnlyPrefixes.Any(p => fileName.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                references.Add(MetadataReference.CreateFromFile(path));
            }
            else if (kind == "analyzer" && fileName is "System.Text.Json.SourceGeneration.dll" or "InterfaceStubGeneratorV2.dll")
            {
                generators.AddRange(new AnalyzerFileReference(path, loader).GetGenerators(LanguageNames.CSharp));
            }
        }

        var names = generators.Select(g => g.GetGeneratorType().Name).ToList();
        if (!names.Contains("JsonSourceGenerator") || !names.Any(n => n.Contains("InterfaceStubGenerator", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("System.Text.Json's or Refit's source generator was not found in compile-inputs.txt; found: " + string.Join(", ", names));
        }

        return (references.ToImmutable(), generators.ToImmutable());
    }

    private sealed class AnalyzerLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }

    internal sealed record Result(GeneratorDriverRunResult Run, ImmutableArray<Diagnostic> GeneratorDiagnostics, ImmutableArray<Diagnostic> CompileDiagnostics, bool Success)
    {
        /// <summary>The compiled assembly (null when the compile failed), for tests that run the generated code.</summary>
        public byte[]? Image { get; init; }

        /// <summary>Every warning and error: from any generator, from a generator that threw, and from the compiler.</summary>
        public IReadOnlyList<Diagnostic> Problems =>
            GeneratorDiagnostics.Concat(CompileDiagnostics)
                .Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed)
                .ToList();

        public static string Format(IEnumerable<Diagnostic> diagnostics) =>
            string.Join("\n", diagnostics.Select(d => d.ToString()));
    }
}
