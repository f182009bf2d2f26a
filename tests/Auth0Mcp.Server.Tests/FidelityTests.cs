using System.Net;
using System.Text;
using System.Text.Json;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Http;
using Auth0Mcp.Sdk.Tools;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using Xunit.Abstractions;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// Every generated tool, called with arguments synthesised from its own input schema (required fields only, then
/// all fields), must send a request that Prism — validating against the real spec — accepts.
/// </summary>
[Collection(PrismCollection.Name)]
public sealed class FidelityTests(PrismFixture prism, ITestOutputHelper output)
{
    /// <summary>
    /// Operations whose request Prism rejects for a reason outside the generated code, each with the reason.
    /// </summary>
    private static readonly Dictionary<string, string> KnownDefects = new(StringComparer.Ordinal)
    {
        // IP allow-lists are a oneOf of ipv4 / ipv6 / "cidr" / "ipv6_cidr" strings. "cidr" and "ipv6_cidr" are not
        // JSON Schema formats, so validators accept any string for them and no IP address can match exactly one branch.
        ["auth0_attack_protection_bot_detection_update"] = "spec: oneOf over unknown formats (cidr) is ambiguous for every IP address",
        ["auth0_clients_create"] = "spec: token_vault_privileged_access.ip_allowlist oneOf over unknown formats (cidr) is ambiguous",
        ["auth0_clients_update"] = "spec: token_vault_privileged_access.ip_allowlist oneOf over unknown formats (cidr) is ambiguous",

        // GET /events is a text/event-stream: Prism cannot mock it (its generated events violate the spec's own
        // event schemas, so it answers 500 "Too many violations" after validating the request).
        ["auth0_events_subscribe"] = "Prism: cannot generate a valid text/event-stream response for this spec",
    };

    [Fact]
    public async Task EveryTool_SynthesisedArguments_AreAcceptedByPrism()
    {
        var services = new ServiceCollection();
        services.AddAuth0Connection(o =>
        {
            o.BaseUrl = prism.BaseUrl;
            o.Token = "fidelity-token";
            // Judge each request once: a retry would only hide (and slow down) what Prism said.
            o.MaxRetryAttempts = 0;
        });
        services.AddTransient<ViolationRecorder>();
        services.AddHttpClient(Auth0ConnectionServiceCollectionExtensions.HttpClientName).AddHttpMessageHandler<ViolationRecorder>();
        await using var provider = services.BuildServiceProvider();

        // AUTH0_MCP_FIDELITY_ONLY=<regex> narrows the run to matching tool names when investigating a rejection.
        var only = Environment.GetEnvironmentVariable("AUTH0_MCP_FIDELITY_ONLY");
        var tools = Auth0ToolCatalog.CreateTools()
            .Where(t => string.IsNullOrEmpty(only) || System.Text.RegularExpressions.Regex.IsMatch(t.Descriptor.Name, only))
            .ToList();
        var outcomes = new List<(string Tool, string Mode, int Status, string Detail)>();
        using var gate = new SemaphoreSlim(4);
        var tasks = new List<Task<(string, string, int, string)>>();
        foreach (var tool in tools)
        {
            foreach (var all in new[] { false, true })
            {
                tasks.Add(CallAsync(tool, all, provider, gate));
            }
        }

        outcomes.AddRange(await Task.WhenAll(tasks));
        var rejected = outcomes.Where(o => o.Status is < 200 or >= 300).ToList();
        var acceptedTools = tools.Count(t => outcomes.Where(o => o.Tool == t.Descriptor.Name).All(o => o.Status is >= 200 and < 300));
        output.WriteLine($"{acceptedTools}/{tools.Count} accepted (both argument sets); {outcomes.Count - rejected.Count}/{outcomes.Count} calls accepted");
        foreach (var r in rejected.OrderBy(r => r.Tool, StringComparer.Ordinal))
        {
            var known = KnownDefects.TryGetValue(r.Tool, out var reason) ? $" [known: {reason}]" : "";
            output.WriteLine($"REJECTED {r.Tool} ({r.Mode}) {r.Status}: {r.Detail}{known}");
        }

        using (var probe = new HttpClient())
        {
            // Prism must still be alive at the end, or the rejections above say nothing about our requests.
            var alive = await probe.GetAsync(new Uri(prism.BaseUrl, "/users"));
            Assert.True(alive.StatusCode != HttpStatusCode.ServiceUnavailable, "Prism stopped answering during the run; see " + prism.LogPath);
        }

        var unexplained = rejected.Where(r => !KnownDefects.ContainsKey(r.Tool)).Select(r => $"{r.Tool} ({r.Mode}) {r.Status}: {r.Detail}").ToList();
        Assert.True(unexplained.Count == 0, $"{unexplained.Count} unexplained rejections:\n" + string.Join("\n", unexplained.Take(60)));

        // Two-way: a listed defect that no longer shows is a stale entry (the spec or the generator was fixed).
        var ran = tools.Select(t => t.Descriptor.Name).ToHashSet(StringComparer.Ordinal);
        var stale = KnownDefects.Keys.Where(ran.Contains).Where(name => !rejected.Any(r => r.Tool == name)).ToList();
        Assert.True(stale.Count == 0, $"listed as known defects but now accepted (remove them from KnownDefects): {string.Join(", ", stale)}");
    }

    private static async Task<(string, string, int, string)> CallAsync(Auth0ApiTool tool, bool all, IServiceProvider provider, SemaphoreSlim gate)
    {
        await gate.WaitAsync();
        try
        {
            using var schema = JsonDocument.Parse(tool.Descriptor.InputSchema);
            var sample = SchemaSampler.Sample(schema.RootElement, all);
            var args = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(sample.ToJsonString())!;
            ViolationRecorder.Record record;
            CallToolResult result;
            var attempt = 0;
            while (true)
            {
                attempt++;
                record = ViolationRecorder.Begin();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    result = await tool.InvokeAsync(args, provider, cts.Token);
                }
                catch (OperationCanceledException)
                {
                    return (tool.Descriptor.Name, all ? "all" : "required", 0, "timed out");
                }

                // A connection Prism reset before answering (a pooled keep-alive connection it closed as the request
                // went out) is no verdict on the request: send it again, at most twice. Any answer Prism gives is judged.
                if (record.Status != 0 || !record.TransportFailed || attempt == 3)
                {
                    break;
                }
            }

            var text = string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));
            if (record.Status == 0)
            {
                return (tool.Descriptor.Name, all ? "all" : "required", 0, "no response: " + Shorten(text) + " " + record.Violations + " args=" + Shorten(sample.ToJsonString()));
            }

            return (tool.Descriptor.Name, all ? "all" : "required", record.Status, (record.Violations ?? Shorten(text)) + " args=" + Shorten(sample.ToJsonString()));
        }
        finally
        {
            gate.Release();
        }
    }

    private static string Shorten(string s) => s.Length > 400 ? s[..400] + "…" : s;

    /// <summary>Records the status and Prism's <c>sl-violations</c> header of the current call's response.</summary>
    private sealed class ViolationRecorder : DelegatingHandler
    {
        private static readonly AsyncLocal<Record?> Current = new();

        public static Record Begin() => Current.Value = new Record();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken);
            }
            catch (Exception ex) when (Current.Value is { } failed)
            {
                failed.TransportFailed = ex is HttpRequestException;
                failed.Violations = $"{ex.GetType().Name}: {ex.Message} {ex.InnerException?.GetType().Name}: {ex.InnerException?.Message}";
                throw;
            }

            if (Current.Value is { } record)
            {
                record.Status = (int)response.StatusCode;
                record.Violations = response.Headers.TryGetValues("sl-violations", out var v) ? string.Join(" ", v) : null;
                if (record.Status >= 400 && record.Violations is null)
                {
                    record.Violations = $"{request.Method} {request.RequestUri?.PathAndQuery}";
                }
            }

            return response;
        }

        public sealed class Record
        {
            public int Status { get; set; }

            public string? Violations { get; set; }

            public bool TransportFailed { get; set; }
        }
    }
}
