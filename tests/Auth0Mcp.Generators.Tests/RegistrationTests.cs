using Auth0Mcp.Generators.Tests.Infrastructure;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// The generated registration, run as a consumer runs it: Fixtures/Constructs.json (servers
/// <c>https://{region}.widgets.example/{basePath}</c>, defaults eu and v4) compiled with both front ends, loaded, and its
/// <c>AddMcpServer().WithConstructsTools(…)</c> called on a real service collection. With no base URL and no domain
/// the spec's servers URL is the base address and the token audience; explicit options still win.
/// </summary>
public sealed class RegistrationTests
{
    private const string SpecServer = "https://eu.widgets.example/v4";
    [Fact]
    public void Registration_NoBaseUrlNorDomain_UsesTheSpecServersUrlForAddressAndAudience()
    {
        using var provider = Build(o => o.Token = "token");

        var options = provider.GetRequiredService<IOptions<Auth0ConnectionOptions>>().Value;
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(Auth0ConnectionServiceCollectionExtensions.HttpClientName);

        Assert.Equal(SpecServer, options.DefaultBaseUrl);
        Assert.Equal(new Uri(SpecServer), client.BaseAddress);
        Assert.Equal(SpecServer, options.GetAudience());
    }

    [Fact]
    public void Registration_NoConfigureAtAll_StillUsesTheSpecServersUrl()
    {
        using var provider = Build(null);

        Assert.Equal(new Uri(SpecServer), provider.GetRequiredService<IOptions<Auth0ConnectionOptions>>().Value.GetBaseAddress());
    }

    [Fact]
    public void Registration_Domain_OverridesTheSpecServersUrl()
    {
        using var provider = Build(o => o.Domain = "tenant.example");

        var options = provider.GetRequiredService<IOptions<Auth0ConnectionOptions>>().Value;

        Assert.Equal(new Uri("https://tenant.example/api/v2"), options.GetBaseAddress());
        Assert.Equal("https://tenant.example/api/v2/", options.GetAudience());
    }

    [Fact]
    public void Registration_BaseUrlOrOwnDefault_OverridesTheSpecServersUrl()
    {
        using var withBaseUrl = Build(o => o.BaseUrl = new Uri("http://127.0.0.1:4010"));
        var services = new ServiceCollection();
        // A host that registered the connection first, with a default base URL of its own: the generated one does not replace it.
        services.AddAuth0Connection(o => o.DefaultBaseUrl = "https://mirror.example/v4");
        using var withOwnDefault = Build(null, services);

        Assert.Equal(new Uri("http://127.0.0.1:4010"), withBaseUrl.GetRequiredService<IOptions<Auth0ConnectionOptions>>().Value.GetBaseAddress());
        Assert.Equal(new Uri("https://mirror.example/v4"), withOwnDefault.GetRequiredService<IOptions<Auth0ConnectionOptions>>().Value.GetBaseAddress());
    }

    [Fact]
    public void Registration_AddsEveryGeneratedTool()
    {
        using var provider = Build(null);

        var names = provider.GetRequiredService<IOptions<McpServerOptions>>().Value.ToolCollection!.Select(t => t.ProtocolTool.Name).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(CoreRun.From(SmallSpecs.Text(SmallSpecs.Constructs), SmallSpecs.Namespace(SmallSpecs.Constructs)).RequiredModel.Tools.Select(t => t.Name), names);
    }

    [Fact]
    public void Registration_OptionsMadePerRequest_ShareOneToolCollection()
    {
        // Streamable HTTP makes new server options for each stateless request (IOptionsFactory.Create): the generated
        // tools must not be copied into a new collection each time. A tool the host registers the usual way joins them.
        var services = new ServiceCollection();
        var host = new HostTool();
        var builder = services.AddMcpServer().WithTools([host]);
        CompiledConstructs.WithConstructsTools(builder, null);
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IOptionsFactory<McpServerOptions>>();

        var first = factory.Create(Options.DefaultName);
        var second = factory.Create(Options.DefaultName);

        Assert.NotSame(first, second);
        Assert.NotNull(first.ToolCollection);
        Assert.Same(first.ToolCollection, second.ToolCollection);
        Assert.Same(first.ToolCollection, provider.GetRequiredService<IOptions<McpServerOptions>>().Value.ToolCollection);
        var expected = CoreRun.From(SmallSpecs.Text(SmallSpecs.Constructs), SmallSpecs.Namespace(SmallSpecs.Constructs)).RequiredModel.Tools.Count + 1;
        Assert.Equal(expected, second.ToolCollection!.Count);
        Assert.True(second.ToolCollection.TryGetPrimitive(HostTool.Name, out var found) && ReferenceEquals(found, host));
    }

    private sealed class HostTool : McpServerTool
    {
        public const string Name = "host_tool";

        public override ModelContextProtocol.Protocol.Tool ProtocolTool { get; } = new() { Name = Name };

        public override IReadOnlyList<object> Metadata => [];

        public override ValueTask<ModelContextProtocol.Protocol.CallToolResult> InvokeAsync(RequestContext<ModelContextProtocol.Protocol.CallToolRequestParams> request, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new ModelContextProtocol.Protocol.CallToolResult());
    }

    private static ServiceProvider Build(Action<Auth0ConnectionOptions>? configure, ServiceCollection? services = null)
    {
        services ??= new ServiceCollection();
        var builder = services.AddMcpServer();
        var returned = CompiledConstructs.WithConstructsTools(builder, configure);
        Assert.Same(builder, returned);
        return services.BuildServiceProvider();
    }
}
