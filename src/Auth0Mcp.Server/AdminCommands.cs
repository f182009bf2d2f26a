using System.CommandLine;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Server;

/// <summary>
/// The commands beside governance that need the Auth0 credential or the catalogue's scopes: <c>toolsets grants</c>,
/// <c>doctor</c> and <c>credentials rotate</c>.
/// </summary>
internal static class AdminCommands
{
    public static IReadOnlyList<Auth0ToolDescriptor> Catalog => Auth0ToolCatalog.Descriptors;

    /// <summary>The scopes of the configured Management API token (settings or rotated file), when it is a JWT.</summary>
    internal static IReadOnlySet<string>? GrantedScopes(HostSettings settings)
    {
        var token = CredentialSettings.Build(settings)[$"{CredentialSettings.Section}:{nameof(Auth0ConnectionOptions.Token)}"];
        return Auth0TokenClaims.Read(token)?.Scopes;
    }

    /// <summary><c>toolsets grants NAME</c>: a minimal set of Management API scopes that lets every tool of the toolset run (one of each tool's scopes).</summary>
    public static Command Grants(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The toolset (all-approved and read-only included)." };
        var command = new Command("grants", "Print a minimal set of Management API scopes that lets every tool of a toolset run.") { name };
        command.SetAction((parse, ct) => GrantsAsync(parse.GetRequiredValue(name), parse, context, ct));
        return command.RefusingUnknownOptions();
    }

    private static Task<int> GrantsAsync(string toolset, ParseResult parse, CliContext context, CancellationToken cancellationToken) =>
        context.WithGovernanceAsync("cli", async governance =>
        {
            var state = await governance.GetStateAsync(cancellationToken).ConfigureAwait(false);
            var names = ToolGovernance.ResolveToolset(state, toolset);
            if (names.Count == 0 && !state.Toolsets.Any(t => string.Equals(t.Name, toolset, StringComparison.Ordinal)) && toolset is not (Toolset.AllApproved or Toolset.ReadOnly))
            {
                await Cli.ErrorAsync(context, parse, $"unknown toolset '{TerminalText.Escape(toolset)}' (see 'auth0-mcp toolsets list')").ConfigureAwait(false);
                return Cli.Usage;
            }

            var byName = context.Catalog.ToDictionary(d => d.Name, StringComparer.Ordinal);
            var tools = names.Where(byName.ContainsKey).Select(n => byName[n]).ToList();
            var scopes = Auth0ScopePlanner.MinimalScopes(tools);
            await context.Out.WriteLineAsync($"# {tools.Count} tools in '{toolset}' can all run with these {scopes.Count} Management API scopes (a tool needs any one of the scopes it lists; each is given its primary one unless another scope here covers it):").ConfigureAwait(false);
            foreach (var scope in scopes)
            {
                await context.Out.WriteLineAsync(scope).ConfigureAwait(false);
            }

            return Cli.Ok;
        }, cancellationToken);

    /// <summary><c>doctor [--json]</c>: proves the credential and lists the approved tools its scopes would refuse; exit 1 when unhealthy.</summary>
    public static Command Doctor(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("doctor", "Prove the Auth0 credential: tenant, kind, expiry, scopes, refused tools (exit 1 when a check fails).") { json };
        command.SetAction((parse, ct) => DoctorAsync(parse.GetValue(json), context, ct));
        return command;
    }

    private static async Task<int> DoctorAsync(bool json, CliContext context, CancellationToken cancellationToken)
    {
        // The store is only read (nothing created, no catalogue sync, no audit key minted); one that cannot be read
        // costs the approved tools' check only, and the credential is still proved.
        List<Auth0ToolDescriptor>? approved = null;
        string? storeProblem = null;
        try
        {
            approved = await context.WithGovernanceAsync("doctor", async governance =>
            {
                var state = await governance.GetStateAsync(cancellationToken).ConfigureAwait(false);
                var names = ToolGovernance.ResolveToolset(state, Toolset.AllApproved).ToHashSet(StringComparer.Ordinal);
                return context.Catalog.Where(d => names.Contains(d.Name)).ToList();
            }, cancellationToken, syncCatalog: false, readOnly: true).ConfigureAwait(false);
        }
        catch (Exception ex) when (GovernanceStoreException.Find(ex) is { } store)
        {
            storeProblem = NotYetCreated(context.Settings.Governance) is { } path
                ? $"no governance store yet at {path}: the first governance command (auth0-mcp tools approve …) or serve creates it; "
                    + $"if the server uses another one, set {GovernanceStores.Setting} as the server has it"
                : "approved tools unknown: " + store.Message;
        }

        using var provider = BuildConnection(context.Settings);
        var report = await provider.GetRequiredService<Auth0Doctor>().RunAsync(approved, cancellationToken).ConfigureAwait(false);
        if (storeProblem is not null)
        {
            report.Checks = [.. report.Checks, Auth0DoctorCheck.Warn("tools", storeProblem)];
        }

        await context.Out.WriteLineAsync(json ? report.ToJson() : report.ToText()).ConfigureAwait(false);
        return report.Healthy ? Cli.Ok : Cli.Failed;
    }

    /// <summary>
    /// The SQLite file <paramref name="settings"/> name when it does not exist (a fresh install: nothing has created the
    /// store yet), or null (it exists, or the store is PostgreSQL, whose own message says a database without the tables).
    /// </summary>
    private static string? NotYetCreated(GovernanceSettings settings)
    {
        var location = string.IsNullOrWhiteSpace(settings.Store) ? GovernanceStores.DefaultSqlitePath : settings.Store;
        if (GovernanceStores.IsPostgres(location))
        {
            return null;
        }

        var path = Path.GetFullPath(location);
        return File.Exists(path) || Directory.Exists(path) ? null : path;
    }

    /// <summary>
    /// <c>credentials rotate [--token-stdin] [--client-id ID] [--client-secret-stdin] [--actor NAME]</c>: records the rotation in the
    /// audit log (under the actor, as the governance commands do), then writes the new credential to the credentials file (a running server reads it again at its next
    /// call). Secrets come on standard input only: <c>--token T</c> and <c>--client-secret S</c> are refused (exit 2),
    /// since a command line is readable by every local user (<c>/proc/PID/cmdline</c>, <c>ps</c>) and kept in shell history.
    /// </summary>
    public static Command Credentials(CliContext context)
    {
        // Refused, not unknown: the message says why and what to use instead (a hidden option, so help shows only the -stdin forms).
        var token = new Option<string>("--token") { Hidden = true, Arity = ArgumentArity.ZeroOrOne };
        var tokenStdin = new Option<bool>("--token-stdin") { Description = "Read the token from the first line of standard input." };
        var clientId = new Option<string>("--client-id") { Description = "The M2M application's client id.", HelpName = "ID" };
        var secret = new Option<string>("--client-secret") { Hidden = true, Arity = ArgumentArity.ZeroOrOne };
        var secretStdin = new Option<bool>("--client-secret-stdin") { Description = "Read the client secret from a line of standard input." };
        var rotate = new Command("rotate", "Rotate the credential of running servers (no restart): audits it and writes the credentials file, which running servers read again at their next call.")
        {
            token, tokenStdin, clientId, secret, secretStdin, GovernanceCli.ActorOption(),
        };
        // A secret on the command line is readable by every local user while the command runs (/proc/PID/cmdline, ps)
        // and stays in shell history: refused (exit 2, nothing written), naming the standard-input form.
        rotate.Validators.Add(result =>
        {
            foreach (var (text, stdin, what) in new[] { ((Option)token, (Option)tokenStdin, "token"), (secret, secretStdin, "secret") })
            {
                if (result.GetResult(text) is not null)
                {
                    result.AddError($"{text.Name} takes no value on the command line, where other local users can read it: use {stdin.Name} "
                        + $"(echo \"$NEW_{what.ToUpperInvariant()}\" | auth0-mcp credentials rotate {(what == "secret" ? "--client-id ID " : "")}{stdin.Name})");
                }
            }
        });
        rotate.SetAction(async (parse, ct) =>
        {
            // An option that reads standard input and finds nothing there is said as such (nothing written), not as
            // an option missing: `echo "" | auth0-mcp credentials rotate --token-stdin` did give --token-stdin.
            var newToken = parse.GetValue(tokenStdin) ? await ReadSecretAsync(context, tokenStdin.Name, "", ct).ConfigureAwait(false) : null;
            var newSecret = parse.GetValue(secretStdin)
                ? await ReadSecretAsync(context, secretStdin.Name, newToken is null ? "" : " after the token's line (give one line each: the token, then the secret)", ct).ConfigureAwait(false)
                : null;
            return await RotateAsync(newToken, parse.GetValue(clientId), newSecret, GovernanceCli.ActorOf(parse, context), context, ct).ConfigureAwait(false);
        });
        return new Command("credentials", "The Auth0 credential of running servers.") { rotate };
    }

    /// <summary>A line of standard input for <paramref name="option"/>, trimmed; an end or a blank line is bad usage naming the option.</summary>
    private static async Task<string> ReadSecretAsync(CliContext context, string option, string where, CancellationToken cancellationToken)
    {
        var line = (await context.In.ReadLineAsync(cancellationToken).ConfigureAwait(false))?.Trim();
        return string.IsNullOrEmpty(line)
            ? throw new UsageException($"credentials rotate: {option}: standard input was empty{where} (nothing was written)")
            : line;
    }

    private static async Task<int> RotateAsync(string? token, string? clientId, string? secret, string actor, CliContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(token) && string.IsNullOrWhiteSpace(clientId) && string.IsNullOrWhiteSpace(secret))
        {
            throw new UsageException("credentials rotate: give --token-stdin, or --client-id and/or --client-secret-stdin.");
        }

        token = string.IsNullOrWhiteSpace(token) ? null : token;
        clientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId;
        secret = string.IsNullOrWhiteSpace(secret) ? null : secret;

        // A token wins over client credentials: rotating the client credentials without a token clears the file's
        // token (and hides one the settings give), so the credential rotated is the one in effect.
        var clearToken = token is null;
        var file = CredentialSettings.CredentialsFile(context.Settings.Auth0);
        var current = CredentialSettings.Build(context.Settings);
        string? Current(string key) => current[$"{CredentialSettings.Section}:{key}"] is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) ? value : null;
        string inEffect;
        if (token is not null)
        {
            inEffect = "a static token";
        }
        else
        {
            var id = clientId ?? Current(nameof(Auth0ConnectionOptions.ClientId));
            if (id is null || (secret ?? Current(nameof(Auth0ConnectionOptions.ClientSecret))) is null)
            {
                throw new UsageException($"credentials rotate: client credentials need a client id and a client secret, and no {(id is null ? "client id" : "client secret")} is configured: "
                    + "give --client-id and --client-secret-stdin together (nothing was written)");
            }

            inEffect = $"client credentials (client id {TerminalText.Escape(id)})";
        }

        // Recorded first, then written: a store that cannot take the record leaves the file as it was (exit 2), so no
        // running server moves to a credential the audit does not show.
        var update = CredentialSettings.PrepareCredentials(file, token, clientId, secret, clearToken);
        var changed = update.Changed;
        await context.WithGovernanceAsync(actor, async governance =>
        {
            await governance.RecordCredentialRotationAsync(actor, $"credentials rotate: {string.Join(", ", changed)} changed in {file}", cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken, syncCatalog: false).ConfigureAwait(false);

        try
        {
            update.Write();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"credentials rotate: the rotation ({string.Join(", ", changed)}) was recorded in the audit but not written to {file} "
                + $"({(ex is UnauthorizedAccessException ? "permission denied" : ex.Message)}): running servers keep the credential they have; run the command again once the file can be written");
        }

        await context.Out.WriteLineAsync($"Rotated {string.Join(", ", changed)}; in effect: {inEffect}. A running server uses it on its next call.").ConfigureAwait(false);
        return Cli.Ok;
    }

    private static ServiceProvider BuildConnection(HostSettings settings)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        AddConnection(services, settings);
        return services.BuildServiceProvider();
    }

    /// <summary>The Auth0 connection (and <see cref="Auth0Doctor"/>) on the configured, rotatable credential.</summary>
    internal static void AddConnection(IServiceCollection services, HostSettings settings)
    {
        services.AddAuth0Connection(settings.ApplyTo);
        CredentialSettings.AddRotatableCredentials(services, settings);
    }
}
