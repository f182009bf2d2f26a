// The Prism sweep of one corpus document (build/corpus-prism.sh compiles this into a package consumer of that
// document, beside tests/Auth0Mcp.Server.Tests/Infrastructure/SchemaSampler.cs):
//   sweep BASE_URL SPEC
// Every generated tool is called twice through the runtime, with arguments synthesised from its own input schema
// (required fields only, then all fields), against a Prism mock of SPEC that validates each request. A call is
// rejected when Prism answers 4xx (its verdict on the request), reports request violations, or nothing was sent; a
// 5xx without violations is Prism failing to mock the answer to a valid request (say, no serializer for `*/*`),
// printed as UNMOCKED. A tool is accepted when
// neither call was rejected. One rejection is Prism's, not the request's, and is listed as PRISM instead: a form
// body's one-item array goes out as `name=value` (form style, explode: the only way to send it), which Prism reads
// as a string ("must be array"). Prints one line per rejected, unmocked or Prism-limited call with Prism's
// reason, then `tools <accepted>/<total> unmocked <calls> prism <calls>`.
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Sdk.Http;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

var baseUrl = new Uri(args[0]);
using var spec = JsonDocument.Parse(File.ReadAllText(args[1]));

var services = new ServiceCollection();
services.AddAuth0Connection(o =>
{
    o.BaseUrl = baseUrl;
    o.Token = "corpus-sweep";
    o.MaxRetryAttempts = 0; // each request is judged once
});
services.AddSingleton(new Credentials(spec.RootElement));
services.AddTransient<Judge>();
// Prism (Node) closes an idle keep-alive connection after 5 s; a pooled connection reused at that moment fails
// with "connection reset", which a sweep without retries would count against the tool. Idle connections go sooner.
services.AddHttpClient(Auth0ConnectionServiceCollectionExtensions.HttpClientName)
    .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(1) })
    .AddHttpMessageHandler<Judge>();
await using var provider = services.BuildServiceProvider();

var tools = Corpus.Consumer.Auth0ToolCatalog.CreateTools();
var verdicts = new ConcurrentBag<(string Tool, string Mode, int Status, bool Violations, string Reason)>();
await Parallel.ForEachAsync(
    tools.SelectMany(t => new[] { (Tool: t, All: false), (Tool: t, All: true) }),
    new ParallelOptions { MaxDegreeOfParallelism = 4 },
    async (call, _) =>
    {
        using var schema = JsonDocument.Parse(call.Tool.Descriptor.InputSchema);
        var sample = SchemaSampler.Sample(schema.RootElement, call.All).ToJsonString();
        var arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(sample)!;
        var verdict = Judge.Begin();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string text;
        try
        {
            var result = await call.Tool.InvokeAsync(arguments, provider, timeout.Token);
            text = string.Concat(result.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Select(b => b.Text));
        }
        catch (OperationCanceledException)
        {
            text = "timed out";
        }

        var reason = verdict.Status == 0 ? "not sent: " + Cut(text) : verdict.Reason ?? "";
        verdicts.Add((call.Tool.Descriptor.Name, call.All ? "all" : "required", verdict.Status, verdict.Violations, reason + (verdict.Status is >= 200 and < 400 ? "" : " args=" + Cut(sample))));
    });

var ordered = verdicts.OrderBy(v => v.Tool, StringComparer.Ordinal).ThenBy(v => v.Mode, StringComparer.Ordinal).ToList();
var formTools = tools.Where(t => t.Descriptor.Request.MediaType == "application/x-www-form-urlencoded").Select(t => t.Descriptor.Name).ToHashSet(StringComparer.Ordinal);
var prismLimited = ordered.Where(v => v.Status == 422 && formTools.Contains(v.Tool) && OnlyArrayViolations(v.Reason)).ToList();
var rejected = ordered.Where(v => v.Status is < 200 or (>= 400 and < 500) || (v.Status >= 500 && v.Violations)).Except(prismLimited).ToList();
var unmocked = ordered.Where(v => v.Status >= 500 && !v.Violations).ToList();
foreach (var r in rejected)
{
    Console.WriteLine($"REJECTED {r.Tool} ({r.Mode}) {r.Status}: {r.Reason}");
}

foreach (var u in unmocked)
{
    Console.WriteLine($"UNMOCKED {u.Tool} ({u.Mode}) {u.Status}: {u.Reason}");
}

foreach (var p in prismLimited)
{
    Console.WriteLine($"PRISM {p.Tool} ({p.Mode}) {p.Status}: a one-item array in a form body is read as a string: {p.Reason}");
}

var accepted = tools.Count(t => !rejected.Any(r => r.Tool == t.Descriptor.Name));
Console.WriteLine($"tools {accepted}/{tools.Count} unmocked {unmocked.Count} prism {prismLimited.Count}");
return 0;

static string Cut(string s) => s.Length > 300 ? s[..300] + "…" : s;

// Every violation Prism lists is "<body property> must be array" (its problem body's validation messages).
static bool OnlyArrayViolations(string reason)
{
    var messages = System.Text.RegularExpressions.Regex.Matches(reason, "\"message\":\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
    return messages.Count > 0 && messages.All(m => m.EndsWith("must be array", StringComparison.Ordinal));
}

/// <summary>
/// What the document's security schemes ask for, as a test client would send it: the runtime itself sends a bearer
/// token only, so for Basic or API-key schemes the sweep adds a made-up credential of the right shape.
/// </summary>
internal sealed class Credentials
{
    private readonly List<(string In, string Name)> _apiKeys = [];
    private readonly bool _basic;

    public Credentials(JsonElement root)
    {
        if (!root.TryGetProperty("components", out var components) || !components.TryGetProperty("securitySchemes", out var schemes) || schemes.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var scheme in schemes.EnumerateObject().Select(s => s.Value).Where(s => s.ValueKind == JsonValueKind.Object))
        {
            var type = scheme.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type == "http" && scheme.TryGetProperty("scheme", out var s) && string.Equals(s.GetString(), "basic", StringComparison.OrdinalIgnoreCase))
            {
                _basic = true;
            }
            else if (type == "apiKey" && scheme.TryGetProperty("in", out var location) && scheme.TryGetProperty("name", out var name))
            {
                _apiKeys.Add((location.GetString() ?? "", name.GetString() ?? ""));
            }
        }
    }

    public void Apply(HttpRequestMessage request)
    {
        if (_basic)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("corpus:sweep")));
        }

        foreach (var (location, name) in _apiKeys.Where(k => k.Name.Length > 0))
        {
            switch (location)
            {
                case "header" when !request.Headers.Contains(name):
                    request.Headers.TryAddWithoutValidation(name, "corpus-sweep");
                    break;
                case "query" when request.RequestUri is { } uri:
                    var separator = uri.Query.Length > 0 ? "&" : "?";
                    request.RequestUri = new Uri(uri + separator + Uri.EscapeDataString(name) + "=corpus-sweep");
                    break;
                case "cookie":
                    request.Headers.TryAddWithoutValidation("Cookie", name + "=corpus-sweep");
                    break;
            }
        }
    }
}

/// <summary>Adds the credential and records Prism's status and reason (its <c>sl-violations</c> header, else its problem body).</summary>
internal sealed class Judge(Credentials credentials) : DelegatingHandler
{
    private static readonly AsyncLocal<Verdict?> Current = new();

    public static Verdict Begin() => Current.Value = new Verdict();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        credentials.Apply(request);
        var response = await base.SendAsync(request, cancellationToken);
        if (Current.Value is { } verdict)
        {
            verdict.Status = (int)response.StatusCode;
            if (verdict.Status >= 400)
            {
                var violations = response.Headers.TryGetValues("sl-violations", out var v) ? string.Join(" ", v) : null;
                verdict.Violations = violations is not null;
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                verdict.Reason = $"{request.Method} {request.RequestUri?.PathAndQuery} " + (violations ?? (body.Length > 2000 ? body[..2000] : body));
            }
        }

        return response;
    }

    public sealed class Verdict
    {
        public int Status { get; set; }

        public string? Reason { get; set; }

        public bool Violations { get; set; }
    }
}
