using ModelContextProtocol.Client;

namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>Starts the real <c>auth0-mcp serve</c> over stdio and connects the MCP C# SDK client to it.</summary>
internal static class ServerProcess
{
    public static async Task<McpClient> ConnectAsync(IDictionary<string, string?> environment, CancellationToken cancellationToken = default)
    {
        var options = new StdioClientTransportOptions
        {
            Name = "auth0-mcp",
            Command = "dotnet",
            Arguments = [Repo.ServerDll, "serve"],
            EnvironmentVariables = new Dictionary<string, string?>(environment)
            {
                // A server started by a test never sees a real tenant's credentials from the developer's shell.
                ["AUTH0_CLIENT_ID"] = environment.TryGetValue("AUTH0_CLIENT_ID", out var id) ? id : null,
                ["AUTH0_CLIENT_SECRET"] = environment.TryGetValue("AUTH0_CLIENT_SECRET", out var secret) ? secret : null,
                // These tests exercise the tools themselves; governance has its own tests (and Http/ClientPeerTests).
                ["AUTH0_MCP_GOVERNANCE"] = environment.TryGetValue("AUTH0_MCP_GOVERNANCE", out var governance) ? governance : "off",
            },
        };
        return await McpClient.CreateAsync(new StdioClientTransport(options), cancellationToken: cancellationToken);
    }
}
