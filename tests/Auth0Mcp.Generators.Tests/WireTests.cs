using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Generators.Tests.Infrastructure;
using Auth0Mcp.Sdk.Http;
using Auth0Mcp.Sdk.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// The request on the wire, construct by construct: Fixtures/Constructs.json compiled as a consumer compiles it,
/// registered with its generated <c>AddMcpServer().WithConstructsTools(…)</c>, and each tool called through the runtime
/// (argument validation, the request builder, the connection's handlers) down to a recording primary handler, which
/// sees what the socket handler would send: method, URL (the spec's <c>servers</c> entry as the base), media type and
/// body bytes. That the runtime never follows a redirect is proven over a real socket in the Sdk's RedirectTests.
/// </summary>
public sealed class WireTests
{
    private const string Base = "https://eu.widgets.example/v4";

    [Fact]
    public async Task PathAndQuery_RefAliasedPathParameterAndBothArrayStyles_EncodedAsTheSpecSays()
    {
        using var wire = new Wire();

        var get = await wire.CallAsync("auth0_get_widget", """{"widget_id":"w 1/2","verbose":3,"fields":["name","a,b"]}""");
        var list = await wire.CallAsync("auth0_list_notes", """{"ids":["n1","n,2"]}""");

        Assert.True(get.IsError is not true && list.IsError is not true, Text(get) + Text(list));
        var (widget, notes) = (wire.Seen[0], wire.Seen[1]);
        // The path parameter comes from a $ref to a $ref, escaped as one segment; fields (explode, the default) repeats
        // its name; ids (explode: false) is one comma-separated value whose own commas stay escaped.
        Assert.Equal(("GET", Base + "/widgets/w%201%2F2?verbose=3&fields=name&fields=a%2Cb"), (widget.Method, widget.Url));
        Assert.Equal(("GET", Base + "/v2/notes?ids=n1,n%2C2"), (notes.Method, notes.Url));
        Assert.Null(widget.ContentType);
        Assert.Empty(widget.Body);
    }

    [Fact]
    public async Task FormBody_ChosenOverXml_SentUrlEncoded()
    {
        using var wire = new Wire();

        var result = await wire.CallAsync("auth0_create_widget", """{"body":{"name":"Big & blue","colour":"blue"}}""");

        Assert.True(result.IsError is not true, Text(result));
        var sent = Assert.Single(wire.Seen);
        Assert.Equal(("POST", Base + "/widgets", "application/x-www-form-urlencoded"), (sent.Method, sent.Url, sent.ContentType));
        Assert.Equal("name=Big+%26+blue&colour=blue", Encoding.UTF8.GetString(sent.Body));
    }

    [Fact]
    public async Task JsonBody_SentAsValidated_UnknownArgumentRefusedBeforeSending()
    {
        using var wire = new Wire();

        var replaced = await wire.CallAsync("auth0_replace_widget", """{"widget_id":"w1","body":{"name":"n","secret":"s3"}}""");
        var withId = await wire.CallAsync("auth0_replace_widget", """{"widget_id":"w1","body":{"name":"n"},"id":"x"}""");

        Assert.True(replaced.IsError is not true, Text(replaced));
        var sent = Assert.Single(wire.Seen);
        Assert.Equal(("PUT", Base + "/widgets/w1", "application/json"), (sent.Method, sent.Url, sent.ContentType));
        Assert.Equal("""{"name":"n","secret":"s3"}""", Encoding.UTF8.GetString(sent.Body));
        // Arguments the schema does not have are refused with their name, and nothing is sent.
        Assert.True(withId.IsError);
        Assert.Contains("id: is not a known argument", Text(withId), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TextAndBinaryBodies_SentWithTheirMediaTypes()
    {
        using var wire = new Wire();
        byte[] pdf = [0x25, 0x50, 0x44, 0x46, 0x2D, 0x00, 0xFF, 0x10];

        var note = await wire.CallAsync("auth0_notes_post_v2_notes", """{"body":"remember the milk"}""");
        var manual = await wire.CallAsync("auth0_upload_manual", $$"""{"widget_id":"w1","body":"{{Convert.ToBase64String(pdf)}}"}""");

        Assert.True(note.IsError is not true && manual.IsError is not true, Text(note) + Text(manual));
        var (text, binary) = (wire.Seen[0], wire.Seen[1]);
        Assert.Equal(("POST", Base + "/v2/notes", "text/plain"), (text.Method, text.Url, MediaType(text.ContentType)));
        Assert.Equal("remember the milk", Encoding.UTF8.GetString(text.Body));
        Assert.Equal(("PUT", Base + "/widgets/w1/manual", "application/pdf"), (binary.Method, binary.Url, binary.ContentType));
        Assert.Equal(pdf, binary.Body);
    }

    [Fact]
    public async Task Redirect_TheToolAnswersWithTheStatusAndLocation()
    {
        using var wire = new Wire(_ =>
        {
            var answer = new HttpResponseMessage(HttpStatusCode.Found) { Content = new ByteArrayContent([]) };
            answer.Headers.Location = new Uri("https://files.example/manuals/w1.pdf");
            return answer;
        });

        var result = await wire.CallAsync("auth0_download_manual", """{"widget_id":"w1"}""");

        Assert.True(result.IsError is not true, Text(result));
        Assert.Contains("302", Text(result), StringComparison.Ordinal);
        Assert.Contains("https://files.example/manuals/w1.pdf", Text(result), StringComparison.Ordinal);
        var structured = result.StructuredContent!.Value;
        Assert.Equal(302, structured.GetProperty("status").GetInt32());
        Assert.Equal("https://files.example/manuals/w1.pdf", structured.GetProperty("location").GetString());
        Assert.Equal(("GET", Base + "/widgets/w1/manual"), (wire.Seen[0].Method, wire.Seen[0].Url));
    }

    [Fact]
    public async Task TypedClient_SendsTheRequestShape_ReadsTheResponseShape()
    {
        // Widget has readOnly 'id' and writeOnly 'secret'; the server answers with both, as a careless one might.
        var recorder = new Recorder(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"id":"w1","name":"n","secret":"s3"}""", Encoding.UTF8, "application/json") });
        using var http = new HttpClient(recorder) { BaseAddress = new Uri(Base) };
        var api = CompiledConstructs.Type("Fixtures.Constructs.Clients.IWidgetsApi");
        // Reading the settings runs the module initializer, where Refit registers its generated stubs, as a consumer's first call does.
        var settings = (Refit.RefitSettings)CompiledConstructs.Type("Fixtures.Constructs.Clients.Auth0ApiRefit").GetProperty("Settings")!.GetValue(null)!;
        // As a consumer calls it: RestService.ForGenerated<IWidgetsApi>(http, Auth0ApiRefit.Settings), on Refit's generated stub.
        var client = Refit.RestService.ForGenerated(api, http, settings);
        var writable = Activator.CreateInstance(CompiledConstructs.Type("Fixtures.Constructs.Models.WidgetWritable"))!;
        writable.GetType().GetProperty("Name")!.SetValue(writable, "n");
        writable.GetType().GetProperty("Secret")!.SetValue(writable, "s3");

        await (Task)api.GetMethod("ReplaceWidgetAsync")!.Invoke(client, ["w1", writable, null, CancellationToken.None])!;
        var get = (Task)api.GetMethod("GetWidgetAsync")!.Invoke(client, ["w1", null, null, CancellationToken.None])!;
        await get;

        var sent = recorder.Seen[0];
        Assert.Equal(("PUT", Base + "/widgets/w1"), (sent.Method, sent.Url));
        Assert.Equal("""{"name":"n","secret":"s3"}""", Encoding.UTF8.GetString(sent.Body));
        Assert.Null(writable.GetType().GetProperty("Id"));
        var response = get.GetType().GetProperty("Result")!.GetValue(get)!;
        var widget = response.GetType().GetProperty("Content")!.GetValue(response)!;
        Assert.Equal("w1", widget.GetType().GetProperty("Id")!.GetValue(widget));
        Assert.Null(widget.GetType().GetProperty("Secret"));
    }

    private static string Text(CallToolResult result) => string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text));

    private static string? MediaType(string? contentType) => contentType is null ? null : MediaTypeHeaderValue.Parse(contentType).MediaType;

    /// <summary>What the primary handler received.</summary>
    private sealed record Sent(string Method, string Url, string? ContentType, byte[] Body);

    /// <summary>The compiled fixture's tools on a service provider whose Auth0 connection ends in a recording handler.</summary>
    private sealed class Wire : IDisposable
    {
        private readonly ServiceProvider _services;
        private readonly Recorder _recorder;

        public Wire(Func<HttpRequestMessage, HttpResponseMessage>? answer = null)
        {
            _recorder = new Recorder(answer ?? (_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}", Encoding.UTF8, "application/json") }));
            var services = new ServiceCollection();
            CompiledConstructs.WithConstructsTools(services.AddMcpServer(), o => o.Token = "wire-test-token");
            services.AddHttpClient(Auth0ConnectionServiceCollectionExtensions.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => _recorder);
            _services = services.BuildServiceProvider();
        }

        public IReadOnlyList<Sent> Seen => _recorder.Seen;

        public async Task<CallToolResult> CallAsync(string tool, string arguments)
        {
            var target = _services.GetRequiredService<Microsoft.Extensions.Options.IOptions<McpServerOptions>>().Value.ToolCollection!.OfType<Auth0ApiTool>().Single(t => t.ProtocolTool.Name == tool);
            using var document = JsonDocument.Parse(arguments);
            var args = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
            return await target.InvokeAsync(args, _services);
        }

        public void Dispose() => _services.Dispose();
    }

    private sealed class Recorder(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        private readonly List<Sent> _seen = [];

        public IReadOnlyList<Sent> Seen
        {
            get
            {
                lock (_seen)
                {
                    return [.. _seen];
                }
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            lock (_seen)
            {
                _seen.Add(new Sent(request.Method.Method, request.RequestUri!.AbsoluteUri, request.Content?.Headers.ContentType?.ToString(), body));
            }

            return answer(request);
        }
    }
}
