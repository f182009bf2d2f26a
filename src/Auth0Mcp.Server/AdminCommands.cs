using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Server;

/// <summary>
/// The administration commands: governance (tools, toolsets, profiles, kill-switch, audit, defaults, approvals) over the
/// store in <c>AUTH0_MCP_STORE</c>, plus <c>toolsets grants</c>, <c>doctor</c> and <c>credentials rotate</c>.
/// </summary>
internal static class AdminCommands
{
    public static IReadOnlyList<Auth0ToolDescriptor> Catalog => Auth0ToolCatalog.Descriptors;

    public static async Task<int> GovernanceAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var store = GovernanceStores.Open(CredentialSettings.Store);
        try
        {
            // The settings file of the servers (AUTH0_MCP_CONFIG), when set: 'tools show' then shows its argument policies.
            var settings = Environment.GetEnvironmentVariable("AUTH0_MCP_CONFIG") is { Length: > 0 } ? HostSettings.Load([]) : null;
            var commands = new GovernanceCommands(store, Catalog)
            {
                DefaultActor = Environment.GetEnvironmentVariable("AUTH0_MCP_USER") is { Length: > 0 } user ? user.Trim() : null,
                ArgumentPolicies = settings?.ArgumentPolicies ?? [],
                CallApprovals = settings?.CallApproval,
            };
            if (args is ["tools", "list", ..] && GrantedScopes() is { } granted)
            {
                return await ListWithScopesAsync(commands, store, args, granted, stdout, stderr, cancellationToken).ConfigureAwait(false);
            }

            return await commands.RunAsync(args, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// <c>tools list</c> when the configured token's scopes can be read: each tool also says which required scopes
    /// the token lacks (<c>missingScopes</c> in JSON; a closing section naming the approved tools that would be
    /// refused in text), so an admin sees before any call what the credential cannot do.
    /// </summary>
    private static async Task<int> ListWithScopesAsync(GovernanceCommands commands, IGovernanceStore store, string[] args, IReadOnlySet<string> granted, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var buffer = new StringWriter();
        var code = await commands.RunAsync(args, buffer, stderr, cancellationToken).ConfigureAwait(false);
        var byName = Catalog.ToDictionary(d => d.Name, StringComparer.Ordinal);
        if (code != 0)
        {
            await stdout.WriteAsync(buffer.ToString()).ConfigureAwait(false);
            return code;
        }

        if (args.Contains("--json"))
        {
            var array = System.Text.Json.Nodes.JsonNode.Parse(buffer.ToString())!.AsArray();
            foreach (var item in array)
            {
                if (item?["name"]?.GetValue<string>() is { } name && byName.TryGetValue(name, out var descriptor))
                {
                    var missing = Auth0ScopePlanner.Missing(descriptor, granted);
                    item["missingScopes"] = new System.Text.Json.Nodes.JsonArray(missing.Select(m => (System.Text.Json.Nodes.JsonNode?)m).ToArray());
                }
            }

            await stdout.WriteLineAsync(array.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);
            return 0;
        }

        await stdout.WriteAsync(buffer.ToString()).ConfigureAwait(false);
        var state = await new ToolGovernance(store).GetStateAsync(cancellationToken).ConfigureAwait(false);
        var approved = ToolGovernance.ResolveToolset(state, "all-approved").Where(byName.ContainsKey).Select(n => byName[n]);
        var refused = Auth0ScopePlanner.Refused(approved, granted);
        await stdout.WriteLineAsync(refused.Count == 0
            ? "# the token grants every scope the approved tools need"
            : $"# {refused.Count} approved tool(s) would be refused for missing scopes:").ConfigureAwait(false);
        foreach (var gap in refused)
        {
            await stdout.WriteLineAsync($"#   {gap.Tool}: missing {string.Join(", ", gap.Missing)}").ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>The scopes of the configured Management API token (environment or rotated file), when it is a JWT.</summary>
    internal static IReadOnlySet<string>? GrantedScopes()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder();
        CredentialSettings.AddSources(configuration);
        var token = configuration.Build()[$"{CredentialSettings.Section}:{nameof(Auth0ConnectionOptions.Token)}"];
        return Auth0TokenClaims.Read(token)?.Scopes;
    }

    /// <summary><c>toolsets grants NAME</c>: the minimal Management API scopes the toolset needs.</summary>
    public static async Task<int> GrantsAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Length != 1)
        {
            throw new UsageException("toolsets grants: give exactly one toolset name, e.g. 'auth0-mcp toolsets grants ops'.");
        }

        var store = GovernanceStores.Open(CredentialSettings.Store);
        try
        {
            var governance = new ToolGovernance(store);
            await governance.SyncCatalogAsync(Catalog, "cli", null, cancellationToken).ConfigureAwait(false);
            var state = await governance.GetStateAsync(cancellationToken).ConfigureAwait(false);
            var names = ToolGovernance.ResolveToolset(state, args[0]);
            if (names.Count == 0 && !state.Toolsets.Any(t => string.Equals(t.Name, args[0], StringComparison.Ordinal)) && args[0] is not ("all-approved" or "read-only"))
            {
                await stderr.WriteLineAsync($"auth0-mcp: unknown toolset '{args[0]}'. Run 'auth0-mcp toolsets list'.").ConfigureAwait(false);
                return 2;
            }

            var byName = Catalog.ToDictionary(d => d.Name, StringComparer.Ordinal);
            var tools = names.Where(byName.ContainsKey).Select(n => byName[n]).ToList();
            var scopes = Auth0ScopePlanner.MinimalScopes(tools);
            await stdout.WriteLineAsync($"# {tools.Count} tools in '{args[0]}' need these {scopes.Count} Management API scopes:").ConfigureAwait(false);
            foreach (var scope in scopes)
            {
                await stdout.WriteLineAsync(scope).ConfigureAwait(false);
            }

            return 0;
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    /// <summary><c>doctor [--json]</c>: proves the credential and lists the approved tools its scopes would refuse.</summary>
    public static async Task<int> DoctorAsync(string[] args, TextWriter stdout, CancellationToken cancellationToken)
    {
        var json = args.Contains("--json");
        foreach (var arg in args.Where(a => a != "--json"))
        {
            throw new UsageException($"doctor: unexpected argument '{arg}'.");
        }

        IReadOnlyList<Auth0ToolDescriptor> approved;
        var store = GovernanceStores.Open(CredentialSettings.Store);
        try
        {
            var governance = new ToolGovernance(store);
            await governance.SyncCatalogAsync(Catalog, "doctor", null, cancellationToken).ConfigureAwait(false);
            var state = await governance.GetStateAsync(cancellationToken).ConfigureAwait(false);
            var names = ToolGovernance.ResolveToolset(state, "all-approved").ToHashSet(StringComparer.Ordinal);
            approved = Catalog.Where(d => names.Contains(d.Name)).ToList();
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }

        using var provider = BuildConnection();
        var report = await provider.GetRequiredService<Auth0Doctor>().RunAsync(approved, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync(json ? report.ToJson() : report.ToText()).ConfigureAwait(false);
        return report.Healthy ? 0 : 1;
    }

    /// <summary>
    /// <c>credentials rotate [--token T | --token-stdin] [--client-id ID] [--client-secret S | --client-secret-stdin]</c>:
    /// writes the new credential to the watched credentials file (a running server uses it on its next call) and
    /// records the rotation in the audit log. Secrets are best passed on standard input.
    /// </summary>
    public static async Task<int> RotateAsync(string[] args, TextReader stdin, TextWriter stdout, CancellationToken cancellationToken)
    {
        string? token = null, clientId = null, secret = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--token" when i + 1 < args.Length: token = args[++i]; break;
                case "--token-stdin": token = (await stdin.ReadLineAsync(cancellationToken).ConfigureAwait(false))?.Trim(); break;
                case "--client-id" when i + 1 < args.Length: clientId = args[++i]; break;
                case "--client-secret" when i + 1 < args.Length: secret = args[++i]; break;
                case "--client-secret-stdin": secret = (await stdin.ReadLineAsync(cancellationToken).ConfigureAwait(false))?.Trim(); break;
                default: throw new UsageException($"credentials rotate: unexpected argument '{args[i]}'.");
            }
        }

        if (string.IsNullOrWhiteSpace(token) && string.IsNullOrWhiteSpace(clientId) && string.IsNullOrWhiteSpace(secret))
        {
            throw new UsageException("credentials rotate: give --token (or --token-stdin), or --client-id/--client-secret (or --client-secret-stdin).");
        }

        var changed = CredentialSettings.WriteCredentials(token, clientId, secret);
        var store = GovernanceStores.Open(CredentialSettings.Store);
        try
        {
            var actor = Environment.GetEnvironmentVariable("AUTH0_MCP_USER") is { Length: > 0 } user ? user : Environment.UserName;
            await new ToolGovernance(store).RecordCredentialRotationAsync(actor, $"credentials rotate: {string.Join(", ", changed)} changed in {CredentialSettings.CredentialsFile}", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }

        await stdout.WriteLineAsync($"Rotated {string.Join(", ", changed)}; a running server uses it on its next call.").ConfigureAwait(false);
        return 0;
    }

    private static ServiceProvider BuildConnection()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        AddConnection(services);
        return services.BuildServiceProvider();
    }

    /// <summary>The Auth0 connection (and <see cref="Auth0Doctor"/>) on the configured, rotatable credential.</summary>
    internal static void AddConnection(IServiceCollection services)
    {
        services.AddAuth0Connection();
        CredentialSettings.AddRotatableCredentials(services);
    }
}
