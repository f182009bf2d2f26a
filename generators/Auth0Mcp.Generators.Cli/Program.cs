using System.Diagnostics;
using System.Text;
using Auth0Mcp.Generators;
using Auth0Mcp.Generators.Binding;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Emitting;
using Auth0Mcp.Generators.Model;
using Auth0Mcp.Generators.Reading;

return Cli.Run(args, Console.Out, Console.Error);

/// <summary>
/// <c>auth0-mcp-gen clients --spec FILE --out DIR [--namespace NS] [--groups a;b]</c>: the pre-compile step.
/// Files are rewritten only when their text changes and stale ones are deleted, so an unchanged spec leaves
/// CoreCompile with nothing to do. Diagnostics print in MSBuild's canonical form.
/// </summary>
internal static class Cli
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            stdout.WriteLine("usage: auth0-mcp-gen clients --spec FILE --out DIR [--namespace NS] [--groups a;b] [--timings] [--repeat N]");
            return args.Length == 0 ? 2 : 0;
        }

        if (args[0] != "clients")
        {
            stderr.WriteLine($"auth0-mcp-gen: unknown command '{args[0]}'. Try --help.");
            return 2;
        }

        string? spec = null, output = null, ns = null, groups = null;
        var timings = false;
        var repeat = 1;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--spec" when i + 1 < args.Length: spec = args[++i]; break;
                case "--out" when i + 1 < args.Length: output = args[++i]; break;
                case "--namespace" when i + 1 < args.Length: ns = args[++i]; break;
                case "--groups" when i + 1 < args.Length: groups = args[++i]; break;
                case "--timings": timings = true; break;
                case "--repeat" when i + 1 < args.Length && int.TryParse(args[i + 1], out repeat) && repeat > 0: i++; timings = true; break;
                default:
                    stderr.WriteLine($"auth0-mcp-gen: unexpected argument '{args[i]}'. Try --help.");
                    return 2;
            }
        }

        if (spec is null || output is null)
        {
            stderr.WriteLine("auth0-mcp-gen: --spec and --out are required.");
            return 2;
        }

        if (!File.Exists(spec))
        {
            stderr.WriteLine($"{spec}: error {DiagnosticIds.NoSpec}: The OpenAPI spec '{spec}' does not exist.");
            return 1;
        }

        if (repeat > 1)
        {
            Benchmark(spec, ns, groups, repeat, stdout);
        }

        var clock = Stopwatch.StartNew();
        // A JSON spec is parsed from its bytes; text is made only for YAML (or a diagnostic that needs a search).
        var source = SpecSource.FromFile(File.ReadAllBytes(spec));
        var isYaml = YamlSpec.IsYaml(spec, source);
        string? yamlAsJson = null;
        if (isYaml)
        {
            if (YamlSpec.ToJson(source.Text, out var yamlError) is not { } json)
            {
                Print([yamlError!], spec, source, isYaml, stdout);
                return 1;
            }

            yamlAsJson = json;
        }

        var readTime = clock.Elapsed;
        var (document, readDiagnostics) = SpecReader.Read(yamlAsJson is null ? source : SpecSource.FromText(yamlAsJson));
        var parseTime = clock.Elapsed;
        if (document is null)
        {
            Print(readDiagnostics, spec, source, isYaml, stdout);
            return 1;
        }

        // This step emits clients only: the tools' input schemas (the Roslyn front end's) are walked for diagnostics, not rendered.
        var (model, bindDiagnostics) = SpecBinder.Bind(document, new BindOptions(ns ?? GeneratorOptions.DefaultNamespace, GeneratorOptions.ParseGroups(groups)) { InputSchemas = false });
        var bindTime = clock.Elapsed;

        // Every spec diagnostic is reported here, once: the build tells the Roslyn front end not to repeat them.
        var errors = Print(readDiagnostics.Concat(bindDiagnostics).ToList(), spec, source, isYaml, stdout);
        if (errors > 0)
        {
            return 1;
        }

        var files = ClientEmitter.EmitAll(model).ToList();
        if (yamlAsJson is not null)
        {
            // The Roslyn front end reads the spec from AdditionalFiles: it gets this JSON form of the YAML.
            files.Add((SpecJsonFileName, yamlAsJson));
        }

        var emitTime = clock.Elapsed;
        var written = WriteFiles(output, files);
        stdout.WriteLine($"auth0-mcp-gen: {model.Tools.Count} operations, {model.Clients.Count} clients, {model.Dtos.Count} models; {written} of {files.Count} files written to {output}");
        if (timings)
        {
            stdout.WriteLine($"timings-ms load={readTime.TotalMilliseconds:F1} read={(parseTime - readTime).TotalMilliseconds:F1} bind={(bindTime - parseTime).TotalMilliseconds:F1} emit={(emitTime - bindTime).TotalMilliseconds:F1} total={clock.Elapsed.TotalMilliseconds:F1}");
        }

        return 0;
    }

    /// <summary>Runs every stage <paramref name="repeat"/> times in this process and prints the median of each.</summary>
    private static void Benchmark(string spec, string? ns, string? groups, int repeat, TextWriter stdout)
    {
        var stages = new Dictionary<string, List<double>>(StringComparer.Ordinal)
        {
            ["load"] = [], ["read"] = [], ["bind"] = [], ["emit-clients"] = [], ["emit-tools"] = [], ["total"] = [],
        };
        var options = new BindOptions(ns ?? GeneratorOptions.DefaultNamespace, GeneratorOptions.ParseGroups(groups));
        for (var run = 0; run < repeat + 1; run++)
        {
            var clock = Stopwatch.StartNew();
            var source = SpecSource.FromFile(File.ReadAllBytes(spec));
            var t0 = clock.Elapsed.TotalMilliseconds;
            var (document, _) = SpecReader.Read(source);
            var t1 = clock.Elapsed.TotalMilliseconds;
            var (model, _) = SpecBinder.Bind(document!, options);
            var t2 = clock.Elapsed.TotalMilliseconds;
            var clientChars = ClientEmitter.EmitAll(model).Sum(f => f.Text.Length);
            var t3 = clock.Elapsed.TotalMilliseconds;
            var toolChars = SpecBinder.SplitTools(model).Sum(g => ToolEmitter.EmitGroup(g).Length) + ToolEmitter.EmitCatalog(CatalogModel.From(model)).Length + ToolEmitter.EmitRegistration(CatalogModel.From(model)).Length;
            var t4 = clock.Elapsed.TotalMilliseconds;
            GC.KeepAlive(clientChars + toolChars);
            if (run == 0)
            {
                continue; // warm-up (JIT)
            }

            stages["load"].Add(t0);
            stages["read"].Add(t1 - t0);
            stages["bind"].Add(t2 - t1);
            stages["emit-clients"].Add(t3 - t2);
            stages["emit-tools"].Add(t4 - t3);
            stages["total"].Add(t4);
        }

        stdout.WriteLine($"median-ms over {repeat} runs (after 1 warm-up): " + string.Join(" ", stages.Select(s => $"{s.Key}={Median(s.Value):F1}")));
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    private static int WriteFiles(string output, List<(string FileName, string Text)> files)
    {
        Directory.CreateDirectory(output);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        var written = 0;
        foreach (var (name, content) in files)
        {
            var path = Path.GetFullPath(Path.Combine(output, name));
            keep.Add(path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = Encoding.UTF8.GetBytes(content);
            if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
            {
                continue;
            }

            File.WriteAllBytes(path, bytes);
            written++;
        }

        foreach (var stale in Directory.EnumerateFiles(output, "*.g.cs", SearchOption.AllDirectories).Append(Path.Combine(output, SpecJsonFileName)).Where(File.Exists))
        {
            if (!keep.Contains(Path.GetFullPath(stale)))
            {
                File.Delete(stale);
            }
        }

        return written;
    }

    /// <summary>The JSON form of a YAML spec, written beside the generated code for the Roslyn front end.</summary>
    public const string SpecJsonFileName = "openapi.json";

    /// <summary>
    /// Prints diagnostics in MSBuild's canonical form (errors and warnings become build errors and warnings; the
    /// rest are messages), placed on the spec's own lines, YAML included. Returns the number of errors.
    /// </summary>
    private static int Print(IReadOnlyList<DiagnosticInfo> diagnostics, string path, SpecSource source, bool isYaml, TextWriter stdout)
    {
        IReadOnlyList<DiagnosticInfo> located;
        if (isYaml)
        {
            var pointers = new HashSet<string>(diagnostics.Where(d => d.Line == 0 && d.Pointer is not null).Select(d => d.Pointer!), StringComparer.Ordinal);
            var found = pointers.Count > 0 ? YamlSpec.FindPointers(source.Text, pointers) : [];
            located = SpecLocator.LocateAll(
                diagnostics.Select(d => d.Line == 0 && d.Pointer is { } p && found.TryGetValue(p, out var at) ? d.WithPosition(at.Line, at.Column) : d).ToList(),
                source);
        }
        else
        {
            located = SpecLocator.LocateAll(diagnostics, source);
        }

        var errors = 0;
        foreach (var d in located)
        {
            var severity = d.Severity switch
            {
                Severity.Error => "error",
                Severity.Warning => "warning",
                _ => "message",
            };
            if (severity == "error")
            {
                errors++;
            }

            stdout.WriteLine(severity == "message"
                ? $"{path}({d.Line},{d.Column}): info {d.Id}: {d.Message}"
                : $"{path}({d.Line},{d.Column}): {severity} {d.Id}: {d.Message}");
        }

        return errors;
    }
}
