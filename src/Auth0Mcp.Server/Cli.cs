using Auth0Mcp.ManagementApi;

namespace Auth0Mcp.Server;

/// <summary>The <c>auth0-mcp</c> command line: dispatches to the commands and prints usage.</summary>
internal static class Cli
{
    public static string Usage { get; } = """
        auth0-mcp — a governed MCP server for the Auth0 Management API

        Usage:
          auth0-mcp [serve] [options]       Serve MCP over stdio (the default command).
          auth0-mcp serve --http URL        Serve MCP over Streamable HTTP at URL, e.g. http://127.0.0.1:8080/mcp
                                            (stateful sessions; callers authenticate with a JWT or an API key).
          auth0-mcp tools list [--json]     Print the tool catalogue (no credentials needed).
          auth0-mcp --help                  Show this help.

        Options of serve:
          --http URL                        Streamable HTTP instead of stdio (port 0 picks a free port).
          --tools-mode full|progressive     full: every entitled tool in tools/list (paginated);
                                            progressive: three tools (search, describe, call) under 4 KB.
          --config FILE                     A JSON settings file; the environment and options override it:
                                            {"Auth0": {"Domain", "Token", "ClientId", "ClientSecret", "BaseUrl"},
                                             "Server": {"Http", "ToolsMode", "PageSize"},
                                             "Governance": {"Enabled", "Store", "User", "Groups", "MaxOutputBytes"},
                                             "Authentication": {"Jwt": {"Authority", "Audience", "SubjectClaim", "GroupsClaim"},
                                                                "ApiKeys": [{"Key", "User", "Groups": [...]}]}}

        Environment:

        """ + string.Join('\n', HostSettings.Variables.Select(v => $"  {v.Name,-27} {v.Meaning}")) + """


        HTTP callers: Authorization: Bearer <JWT from AUTH0_MCP_OIDC_AUTHORITY for AUTH0_MCP_OIDC_AUDIENCE>,
        or X-API-Key: <key> (or Authorization: Bearer <key>). The JWT's sub and groups claims (the API key's user
        and groups) are the governance identity. Unauthenticated requests get 401 with
        WWW-Authenticate: Bearer resource_metadata=".../.well-known/oauth-protected-resource/...".
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var command = args.Length == 0 ? "serve" : args[0];
        try
        {
            switch (command)
            {
                case "-h" or "--help" or "help":
                    await stdout.WriteLineAsync(Usage).ConfigureAwait(false);
                    return 0;
                case "serve":
                    return await ServeCommand.RunAsync(args.Skip(1).ToArray(), stderr, cancellationToken).ConfigureAwait(false);
                case "tools" when args.Length >= 2 && args[1] == "list":
                    return ToolsCommand.List(Auth0ToolCatalog.Descriptors, args.Skip(2).ToArray(), stdout, stderr);
                default:
                    await stderr.WriteLineAsync($"auth0-mcp: unknown command '{string.Join(' ', args.Take(2))}'. Run 'auth0-mcp --help'.").ConfigureAwait(false);
                    return 2;
            }
        }
        catch (UsageException ex)
        {
            await stderr.WriteLineAsync($"auth0-mcp: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
    }
}

/// <summary>Bad command-line input; the message says what is wrong.</summary>
internal sealed class UsageException(string message) : Exception(message);
