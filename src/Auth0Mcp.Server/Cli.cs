using Auth0Mcp.ManagementApi;

namespace Auth0Mcp.Server;

/// <summary>The <c>auth0-mcp</c> command line: dispatches to the commands and prints usage.</summary>
internal static class Cli
{
    public const string Usage = """
        auth0-mcp — a governed MCP server for the Auth0 Management API

        Usage:
          auth0-mcp [serve]                 Serve MCP over stdio (the default command).
          auth0-mcp catalog list [--json]   Print the generated tool catalogue (no store, no credentials).
          auth0-mcp catalog diff OLD_SPEC NEW_SPEC [--json] [--groups a;b] [--fail-on-breaking]
                                            Tools added, removed and changed between two specs (breaking marked).
          auth0-mcp tools list|show|approve|disable|classify ...
                                            Review tools: state, risk, toolsets (governance store).
          auth0-mcp toolsets list|create|add|remove|delete|grants ...
          auth0-mcp profiles list|create|bind|unbind|delete|request|grant|deny ...
          auth0-mcp kill-switch on|off|status [TOOL]
          auth0-mcp audit tail|export|verify
          auth0-mcp defaults show|set
          auth0-mcp doctor [--json]         Prove the Auth0 credential: tenant, kind, expiry, scopes, refused tools.
          auth0-mcp credentials rotate [--token-stdin | --token T] [--client-id ID] [--client-secret-stdin]
                                            Rotate the credential of running servers (no restart).
          auth0-mcp --help                  Show this help.

        Environment:
          AUTH0_DOMAIN          Tenant domain, e.g. your-tenant.us.auth0.com
          AUTH0_TOKEN           Management API bearer token
          AUTH0_CLIENT_ID       M2M application client id (with AUTH0_CLIENT_SECRET)
          AUTH0_CLIENT_SECRET   M2M application client secret
          AUTH0_MCP_BASE_URL    Override the API base URL (e.g. a local mock; no /api/v2 is added)
          AUTH0_MCP_STORE       Governance store: a SQLite file path or a PostgreSQL connection string
          AUTH0_MCP_USER        The caller's identity over stdio
          AUTH0_MCP_GROUPS      The caller's groups over stdio (comma-separated)
          AUTH0_MCP_CREDENTIALS_FILE  The watched file 'credentials rotate' writes (default ~/.config/auth0-mcp/credentials.json)
          AUTH0_MCP_SPEC        Build time: the OpenAPI spec to generate from (path or URL)
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
                case "catalog" when args.Length >= 2 && args[1] == "list":
                    return ToolsCommand.List(Auth0ToolCatalog.Descriptors, args.Skip(2).ToArray(), stdout, stderr);
                case "toolsets" when args.Length >= 2 && args[1] == "grants":
                    return await AdminCommands.GrantsAsync(args.Skip(2).ToArray(), stdout, stderr, cancellationToken).ConfigureAwait(false);
                case "tools" or "toolsets" or "profiles" or "kill-switch" or "audit" or "defaults":
                    return await AdminCommands.GovernanceAsync(args, stdout, stderr, cancellationToken).ConfigureAwait(false);
                case "doctor":
                    return await AdminCommands.DoctorAsync(args.Skip(1).ToArray(), stdout, cancellationToken).ConfigureAwait(false);
                case "credentials" when args.Length >= 2 && args[1] == "rotate":
                    return await AdminCommands.RotateAsync(args.Skip(2).ToArray(), Console.In, stdout, cancellationToken).ConfigureAwait(false);
                case "catalog":
                    return CatalogCommand.Run(args.Skip(1).ToArray(), stdout, stderr);
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
