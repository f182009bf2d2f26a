using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Http;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the generated Auth0 Management API tools with an MCP server.</summary>
public static class Auth0ManagementMcpBuilderExtensions
{
    /// <summary>
    /// Adds every generated Auth0 Management API tool (<see cref="Auth0ToolCatalog"/>) and the Auth0 connection.
    /// No credential is needed to list the tools; it is used, and proven, on the first call. Without
    /// <c>WithToolGovernance</c> every client lists and may call every tool, deletes included, and the host logs a
    /// warning at start saying so, unless <c>WithoutToolGovernance</c> declares that intended.
    /// </summary>
    public static IMcpServerBuilder WithAuth0ManagementTools(this IMcpServerBuilder builder, Action<Auth0ConnectionOptions>? configure = null)
    {
        // The generated registration: the same tools and connection (the Auth0 spec's servers URL is a template, so
        // AUTH0_DOMAIN or a base URL decides the address, as before).
        return builder.WithManagementTools(configure);
    }
}
