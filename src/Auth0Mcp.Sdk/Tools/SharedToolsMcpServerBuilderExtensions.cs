using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Tools;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.Server;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers tools with an MCP server in one collection that all its sessions share.</summary>
public static class SharedToolsMcpServerBuilderExtensions
{
    /// <summary>
    /// Adds <paramref name="tools"/> to the server's one tool collection, which every session and every stateless
    /// Streamable HTTP request uses as it is. <c>WithTools</c> registers each tool in the service collection instead,
    /// and the SDK copies them into new options for every stateless request (each request of a 2026-07-28+ client):
    /// for a catalogue of hundreds of tools that copy is a measurable part of every call. Tools registered either
    /// way are listed and called alike. A name already in the collection keeps its tool: those added here come
    /// first, in the order of the calls, then those registered with <c>WithTools</c>. When the host starts, a server
    /// with tools that carry an <c>Auth0ToolDescriptor</c> and neither <c>WithToolGovernance</c> nor
    /// <c>WithoutToolGovernance</c> logs one warning: every client could list and call all of them.
    /// </summary>
    /// <param name="builder">The MCP server builder.</param>
    /// <param name="tools">The tools, e.g. a generated catalogue's <c>CreateTools()</c>.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IMcpServerBuilder WithSharedTools(this IMcpServerBuilder builder, IEnumerable<McpServerTool> tools)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(tools);
        ServerToolCollection.Register(builder.Services);
        builder.Services.AddSingleton(new ServerToolCollection.SharedTools([.. tools]));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, UngovernedToolsWarning>());
        return builder;
    }
}
