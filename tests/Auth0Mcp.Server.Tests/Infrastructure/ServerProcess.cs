using ModelContextProtocol.Client;

namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>Starts the real <c>auth0-mcp serve</c> over stdio and connects the MCP C# SDK client to it.</summary>
internal static class ServerProcess
{
    public static async Task<McpClient> ConnectAsync(IDictionary<string, string?> environment, CancellationToken cancellationToken = default) =>
        await ConnectAsync(environment, null, cancellationToken);

    /// <summary>Connects with <paramref name="clientOptions"/> (e.g. an elicitation handler, which declares the capability).</summary>
    public static async Task<McpClient> ConnectAsync(IDictionary<string, string?> environment, McpClientOptions? clientOptions, CancellationToken cancellationToken = default)
    {
        var options = new StdioClientTransportOptions
        {
            Name = "auth0-mcp",
            Command = Repo.ServerFile,
            Arguments = Repo.ServerArgs("serve"),
            EnvironmentVariables = new Dictionary<string, string?>(environment),
        };
        return await McpClient.CreateAsync(new StdioClientTransport(options), clientOptions, cancellationToken: cancellationToken);
    }
}
