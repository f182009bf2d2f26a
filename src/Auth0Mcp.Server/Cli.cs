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
          auth0-mcp admin --http URL        Serve only the admin console (govern tools in a browser) against the store,
                                            e.g. http://127.0.0.1:8081 (AUTH0_MCP_ADMIN=on serves it under /admin of serve --http).
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
          auth0-mcp approvals list|show|grant|deny [ID]
                                            Per-call approval requests: grant one exact call (--expires 10m).
          auth0-mcp doctor [--json]         Prove the Auth0 credential: tenant, kind, expiry, scopes, refused tools.
          auth0-mcp credentials rotate [--token-stdin | --token T] [--client-id ID] [--client-secret-stdin]
                                            Rotate the credential of running servers (no restart).
          auth0-mcp --help                  Show this help.

        Options of serve:
          --http URL                        Streamable HTTP instead of stdio (port 0 picks a free port).
          --tools-mode full|progressive     full: every entitled tool in tools/list (paginated);
                                            progressive: three tools (search, describe, call) under 4 KB.
          --config FILE                     A JSON settings file; the environment and options override it:
                                            {"Auth0": {"Domain", "Token", "ClientId", "ClientSecret", "BaseUrl"},
                                             "Server": {"Http", "ToolsMode", "PageSize"},
                                             "Governance": {"Enabled", "Store", "User", "Groups", "MaxOutputBytes",
                                                            "ArgumentPolicies": [{"Name", "Tools", "Path", "Max": 50}],
                                                            "CallApproval": {"Default", "Expiry", "Rules"}},
                                             "Authentication": {"Jwt": {"Authority", "Audience", "SubjectClaim", "GroupsClaim"},
                                                                "ApiKeys": [{"Key", "User", "Groups": [...]}]},
                                             "Admin": {"Enabled", "Groups": [...], "ClientId", "ClientSecret"}}

        Environment:
          AUTH0_MCP_CREDENTIALS_FILE  The watched file 'credentials rotate' writes (default ~/.config/auth0-mcp/credentials.json)
          AUTH0_MCP_SPEC        Build time: the OpenAPI spec to generate from (path or URL)

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
                case "admin":
                    return await Http.AdminServe.RunAsync(args.Skip(1).ToArray(), stderr, cancellationToken).ConfigureAwait(false);
                case "catalog" when args.Length >= 2 && args[1] == "list":
                    return ToolsCommand.List(Auth0ToolCatalog.Descriptors, args.Skip(2).ToArray(), stdout, stderr);
                case "toolsets" when args.Length >= 2 && args[1] == "grants":
                    return await AdminCommands.GrantsAsync(args.Skip(2).ToArray(), stdout, stderr, cancellationToken).ConfigureAwait(false);
                case "tools" or "toolsets" or "profiles" or "kill-switch" or "audit" or "defaults" or "approvals":
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
        catch (Exception ex) when (Auth0Mcp.Sdk.Governance.GovernanceStoreException.Find(ex) is { } store)
        {
            // The governance store cannot be used (full, locked, unreadable, read-only, corrupt): name it, exit 2.
            await stderr.WriteLineAsync($"auth0-mcp: {store.Message}").ConfigureAwait(false);
            return 2;
        }
    }
}

/// <summary>Bad command-line input; the message says what is wrong.</summary>
internal sealed class UsageException(string message) : Exception(message);
