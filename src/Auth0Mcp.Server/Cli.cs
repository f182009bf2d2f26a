using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Server;

/// <summary>
/// The <c>auth0-mcp</c> command line, one System.CommandLine tree: <c>serve</c> (the default), <c>admin</c>,
/// <c>catalog</c>, the governance commands (<see cref="GovernanceCli"/>), <c>doctor</c> and <c>credentials</c>.
/// Exit codes: <see cref="Ok"/>, <see cref="Failed"/>, <see cref="Usage"/>.
/// </summary>
internal static class Cli
{
    /// <summary>Exit code: done.</summary>
    public const int Ok = 0;

    /// <summary>Exit code: a check failed (<c>audit verify</c> found tampering, <c>doctor</c> found a problem), or an unexpected error.</summary>
    public const int Failed = 1;

    /// <summary>Exit code: bad usage, an unknown name, invalid settings, an unusable store or an address the server cannot listen on; nothing was changed.</summary>
    public const int Usage = 2;

    /// <summary>What <c>auth0-mcp --help</c> adds after the commands: the settings and how HTTP callers authenticate.</summary>
    public static string Environment { get; } = "Settings (lowest to highest precedence: --config FILE (any command) or AUTH0_MCP_CONFIG, the environment, options):\n"
        + SettingsLayout() + """


        Environment (each sets the [key] after it; every setting: docs/cli.md):
          AUTH0_MCP_CONFIG              A JSON settings file (same as --config)
          AUTH0_MCP_SPEC                Build time: the OpenAPI spec to generate from (path or URL)
        """ + "\n" + string.Join('\n', SettingsCatalog.All.Where(s => s.Variable is not null).Select(s => $"  {s.Variable,-29} {s.Meaning} [{s.Key}]")) + """


        HTTP callers: Authorization: Bearer <JWT from AUTH0_MCP_OIDC_AUTHORITY for AUTH0_MCP_OIDC_AUDIENCE>,
        or X-API-Key: <key> (or Authorization: Bearer <key>). The JWT's sub and groups claims (the API key's user
        and groups) are the governance identity. Unauthenticated requests get 401 with
        WWW-Authenticate: Bearer resource_metadata=".../.well-known/oauth-protected-resource/...".

        Exit codes: 0 done, 1 a check failed (audit verify, doctor) or an unexpected error, 2 bad usage, invalid settings,
        a store error or an address the server cannot listen on.
        Tab completion: dotnet tool install -g dotnet-suggest, then see docs/cli.md.
        """;

    /// <summary>
    /// The settings file's layout, every key of <see cref="SettingsCatalog"/> in its section (so it cannot leave one out):
    /// <c>{"Auth0": {"Domain", …}, …}</c>, a list as <c>[...]</c>, a structured setting with the shape its meaning gives.
    /// </summary>
    internal static string SettingsLayout(int width = 120)
    {
        const string Indent = "  ";
        var lines = new List<string>();
        var sections = SettingsCatalog.All.GroupBy(s => s.Key.Split(':')[0]).ToList();
        for (var i = 0; i < sections.Count; i++)
        {
            // A key one level deeper (Authentication:Jwt:Authority) is a member of an object of its own.
            var members = sections[i].GroupBy(s => s.Key.Split(':') is { Length: > 2 } parts ? parts[1] : s.Key)
                .Select(g => g.First().Key.Split(':').Length > 2 ? $"\"{g.Key}\": {{{string.Join(", ", g.Select(Member))}}}" : Member(g.Single()))
                .ToList();
            var head = $"{Indent}{(i == 0 ? "{" : " ")}\"{sections[i].Key}\": {{";
            var line = head;
            for (var m = 0; m < members.Count; m++)
            {
                var piece = members[m] + (m < members.Count - 1 ? "," : "}" + (i < sections.Count - 1 ? "," : "}"));
                if (line.Length > head.Length && line.Length + 1 + piece.Length > width)
                {
                    lines.Add(line);
                    line = new string(' ', head.Length) + piece;
                }
                else
                {
                    line += (line.Length > head.Length ? " " : "") + piece;
                }
            }

            lines.Add(line);
        }

        return string.Join('\n', lines);

        static string Member(Setting setting)
        {
            var name = $"\"{setting.Key.Split(':')[^1]}\"";
            return setting.Kind switch
            {
                SettingKind.List => name + ": [...]",
                SettingKind.ApiKeys => name + ": [{\"Key\", \"User\", \"Groups\": [...]}]",
                SettingKind.Json when setting.Meaning.IndexOfAny(['[', '{']) is >= 0 and var shape => name + ": " + setting.Meaning[shape..],
                _ => name,
            };
        }
    }

    /// <summary>Runs the command line with the process's console and the settings from the environment.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, new CliContext { Out = stdout, Error = stderr }, cancellationToken);

    /// <summary>Parses <paramref name="args"/> against the tree and runs the command; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = Build(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
        {
            // Once each: two missing arguments give System.CommandLine's one message twice.
            foreach (var message in CliSymbols.ErrorMessages(parse).Distinct(StringComparer.Ordinal))
            {
                await ErrorAsync(context, parse, message).ConfigureAwait(false);
            }

            await context.Error.WriteLineAsync($"Run '{string.Join(' ', ["auth0-mcp", .. CommandPath(parse)])} --help' for usage.").ConfigureAwait(false);
            return Usage;
        }

        // No termination handler: the servers' hosts handle SIGINT/SIGTERM themselves and shut down gracefully (the audit
        // is flushed); the one-shot commands have nothing to hand back on a signal.
        context.ConfigFile = parse.GetValue<string>("--config");
        var invocation = new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            await context.Error.WriteLineAsync($"auth0-mcp: {ex.Message}").ConfigureAwait(false);
            return Usage;
        }
        catch (Exception ex) when (GovernanceStoreException.Find(ex) is { } store)
        {
            // The governance store cannot be used (full, locked, unreadable, read-only, corrupt): name it, exit 2.
            await context.Error.WriteLineAsync($"auth0-mcp: {store.Message}").ConfigureAwait(false);
            return Usage;
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The last resort: a failure no command expected ends the process with one line (the exception's type and
            // message, on one line), not the runtime's abort with the stack trace. The messages that reach here are the
            // runtime's and the libraries' (a file, an address, a parse position), not a setting's value.
            await context.Error.WriteLineAsync($"auth0-mcp: unexpected error: {TerminalText.Escape($"{ex.GetType().FullName}: {ex.Message}")}").ConfigureAwait(false);
            return Failed;
        }
    }

    /// <summary>The command tree.</summary>
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("auth0-mcp: a governed MCP server for the Auth0 Management API. Without a command: serve over stdio.");
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new RootHelpAction((HelpAction)help.Action!);
        // --config is every command's: the settings of serve, admin and the commands (CliContext.Settings) come from it.
        var config = HostArguments.ConfigOption();
        config.Recursive = true;
        root.Add(config);
        root.SetAction((parse, ct) => ServeCommand.RunAsync(HostConfiguration.Load(new HostArguments(null, null, parse.GetValue(config)), context.Environment), context.Error, ct));
        root.Add(ServeCommand.Command(context));
        root.Add(ServeCommand.AdminCommand(context));
        root.Add(CatalogCommand.Command(context));
        foreach (var command in GovernanceCli.Commands(context))
        {
            root.Add(command);
        }

        root.Add(AdminCommands.Doctor(context));
        root.Add(AdminCommands.Credentials(context));
        return root;
    }

    /// <summary>Writes <c>auth0-mcp: COMMAND: message</c> to standard error (the one error format of every command).</summary>
    public static Task ErrorAsync(CliContext context, ParseResult parse, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = string.Join(' ', CommandPath(parse));
        return context.Error.WriteLineAsync(path.Length == 0 ? $"auth0-mcp: {message}" : $"auth0-mcp: {path}: {message}");
    }

    /// <summary>The names of the parsed command and its parents, without the root's.</summary>
    private static List<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result.Command is not RootCommand; result = (System.CommandLine.Parsing.CommandResult)result.Parent!)
        {
            names.Insert(0, result.Command.Name);
        }

        return names;
    }

    /// <summary>The default help, and after the root's the settings, the environment and the exit codes.</summary>
    private sealed class RootHelpAction(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            inner.Invoke(parseResult);
            if (parseResult.CommandResult.Command is RootCommand)
            {
                parseResult.InvocationConfiguration.Output.WriteLine(Environment);
            }

            return Ok;
        }
    }
}

/// <summary>What the commands run against: the output, the store, the catalogue, the clock (tests replace them).</summary>
internal sealed class CliContext
{
    private readonly Lazy<HostSettings> _settings;

    /// <summary>Creates a context; the settings are read on first use.</summary>
    public CliContext() => _settings = new(() => HostConfiguration.Load(new HostArguments(null, null, ConfigFile), Environment, HostRole.Commands));

    /// <summary>The settings file the command line names (<c>--config</c>, every command's option); null: <c>AUTH0_MCP_CONFIG</c>.</summary>
    public string? ConfigFile { get; set; }

    /// <summary>The environment the settings are read from (default: the process's; tests pass their own).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>
    /// The settings (file, environment), read once on first use; commands check what they use (the serving checks,
    /// e.g. HTTP authentication, are <c>serve</c>'s).
    /// </summary>
    public HostSettings Settings => _settings.Value;

    /// <summary>Standard output.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Standard error.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>Standard input (secrets for <c>credentials rotate</c>).</summary>
    public TextReader In { get; init; } = Console.In;

    /// <summary>The built-in tool catalogue: synced into a new store (<see cref="WithGovernanceAsync"/>), and what the commands describe tools by.</summary>
    public IReadOnlyList<Auth0ToolDescriptor> Catalog { get; init; } = Auth0ToolCatalog.Descriptors;

    /// <summary>Opens the governance store (default: the one the settings name).</summary>
    public Func<IGovernanceStore> OpenStore
    {
        get => field ?? (() => GovernanceStores.Open(Settings.Governance));
        init;
    }

    /// <summary>Whether a command disposes the store it opened (false when a test hands in one store for many runs).</summary>
    public bool OwnsStores { get; init; } = true;

    /// <summary>The clock of the governance commands.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How long a command over the audit log (<c>audit verify</c>, <c>audit export</c>) works before it reports progress on standard error, and between reports.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Who acts when <c>--actor</c> is not given (<c>AUTH0_MCP_USER</c>); null (unset or blank): the OS user.</summary>
    public string? DefaultActor
    {
        get => field ?? (string.IsNullOrWhiteSpace(Settings.Governance.User) ? null : Settings.Governance.User.Trim());
        init;
    }

    /// <summary>The scopes of the configured Management API token, when it is a JWT (<c>tools list</c> shows the gaps).</summary>
    public Func<IReadOnlySet<string>?> GrantedScopes
    {
        get => field ?? (() => AdminCommands.GrantedScopes(Settings));
        init;
    }

    /// <summary>
    /// Runs <paramref name="run"/> on the governance store: opened, initialized, the catalogue synced as
    /// <paramref name="actor"/> when the store is new (unless <paramref name="syncCatalog"/> is false; the rule:
    /// <see cref="SyncCatalogAsync"/>), and closed after. With
    /// <paramref name="readOnly"/> (a command that only reads) the store is opened read-only instead
    /// (<see cref="IGovernanceStore.OpenReadOnlyAsync"/>): nothing is created or changed, no schema and no catalogue sync,
    /// and a store that is not there is an error (exit 2), not a new empty one.
    /// </summary>
    public async Task<T> WithGovernanceAsync<T>(string actor, Func<ToolGovernance, Task<T>> run, CancellationToken cancellationToken, bool syncCatalog = true, bool readOnly = false)
    {
        ArgumentNullException.ThrowIfNull(run);
        var store = OpenStore();
        try
        {
            var governance = new ToolGovernance(store, Time, "cli:" + System.Environment.MachineName);
            if (readOnly)
            {
                await store.OpenReadOnlyAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            }

            if (syncCatalog && !readOnly)
            {
                await SyncCatalogAsync(governance, actor, cancellationToken).ConfigureAwait(false);
            }

            return await run(governance).ConfigureAwait(false);
        }
        finally
        {
            if (OwnsStores)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The command line's catalogue rule (<see cref="ToolGovernance.SyncCatalogIfNewOrOwnAsync"/>: only a new store is
    /// synced with <see cref="Catalog"/>); its note, for a store another catalogue synced, once on standard error.
    /// </summary>
    private async Task SyncCatalogAsync(ToolGovernance governance, string actor, CancellationToken cancellationToken)
    {
        if (await governance.SyncCatalogIfNewOrOwnAsync(Catalog, actor, cancellationToken).ConfigureAwait(false) is { } note)
        {
            await Error.WriteLineAsync("auth0-mcp: note: " + note).ConfigureAwait(false);
        }
    }

    /// <summary>The argument rules in force (the settings file), shown by <c>tools show</c>.</summary>
    public IReadOnlyList<ArgumentRule> ArgumentPolicies
    {
        get => field ?? Settings.Governance.ArgumentRules;
        init;
    }

    /// <summary>The per-call approval settings in force (null: off), shown by <c>tools show</c>.</summary>
    public CallApprovalOptions? CallApprovals
    {
        get => field ?? Settings.Governance.CallApprovals;
        init;
    }
}

/// <summary>Small helpers for building the command tree.</summary>
internal static class CliSymbols
{
    /// <summary>Runs <paramref name="configure"/> on <paramref name="symbol"/> and returns it (inline configuration).</summary>
    public static T Also<T>(this T symbol, Action<T> configure)
    {
        configure(symbol);
        return symbol;
    }

    /// <summary>
    /// Makes a token that starts with <c>-</c> a parse error in the arguments of <paramref name="command"/>
    /// (<c>unknown option '--jsn'; did you mean '--json'?</c>): System.CommandLine hands a token that is no known option
    /// to an argument that still takes values, so a mistyped option would otherwise become a tool or toolset name.
    /// Call it once the command has all its options.
    /// </summary>
    public static Command RefusingUnknownOptions(this Command command)
    {
        foreach (var argument in command.Arguments)
        {
            argument.Validators.Add(result =>
            {
                foreach (var token in result.Tokens.Where(t => LooksLikeOption(t.Value)))
                {
                    result.AddError(UnknownOption(token.Value, command));
                }
            });
        }

        return command;
    }

    /// <summary>
    /// The parse errors as every command says them: a word starting with <c>-</c> that no option of the command took
    /// (System.CommandLine's <c>Unrecognized command or argument '--jsn'.</c>) is <c>unknown option '--jsn'; did you
    /// mean '--json'?</c>, as <see cref="RefusingUnknownOptions"/> says it where names are taken, and the word right
    /// after it (the value meant for it: <c>serve --tools-mod progressive</c>) is not a second error.
    /// </summary>
    internal static IEnumerable<string> ErrorMessages(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        // Each unmatched word's own message, and what is said instead (null: nothing).
        var replaced = new Dictionary<string, Queue<string?>>(StringComparer.Ordinal);
        var unmatched = parse.UnmatchedTokens;
        var next = 0;
        var afterOption = false;
        foreach (var token in parse.Tokens)
        {
            if (next < unmatched.Count && string.Equals(token.Value, unmatched[next], StringComparison.Ordinal))
            {
                var word = unmatched[next++];
                string? said = LooksLikeOption(word) ? UnknownOption(word, parse.CommandResult.Command) : afterOption ? null : Unrecognized(word);
                if (!replaced.TryGetValue(Unrecognized(word), out var queue))
                {
                    replaced[Unrecognized(word)] = queue = new();
                }

                queue.Enqueue(said);
                afterOption = LooksLikeOption(word) && !word.Contains('=', StringComparison.Ordinal);
            }
            else
            {
                afterOption = false;
            }
        }

        foreach (var error in parse.Errors)
        {
            if (error.SymbolResult is null or System.CommandLine.Parsing.CommandResult && replaced.TryGetValue(error.Message, out var queue) && queue.TryDequeue(out var said))
            {
                if (said is not null)
                {
                    yield return said;
                }
            }
            else
            {
                yield return error.Message;
            }
        }
    }

    /// <summary>Whether a word on the command line is meant as an option (<c>-x</c>, <c>--json</c>; not <c>-</c>).</summary>
    private static bool LooksLikeOption(string word) => word.Length > 1 && word[0] == '-';

    /// <summary><c>unknown option '--jsn'; did you mean '--json'?</c> (of <c>--jsn=x</c>, the name only).</summary>
    private static string UnknownOption(string word, Command command)
    {
        var name = word.StartsWith("--", StringComparison.Ordinal) && word.IndexOf('=', StringComparison.Ordinal) is > 2 and var equals ? word[..equals] : word;
        return $"unknown option '{name}'{OptionHint(name, command)}";
    }

    /// <summary>System.CommandLine's own message for a word no symbol took (its wording, read from a parse, not copied).</summary>
    private static string Unrecognized(string word)
    {
        // Read on the first parse error only: nothing of it on a start without one.
        const string Probe = "auth0-mcp-unmatched-word";
        s_unrecognized ??= new RootCommand().Parse([Probe]).Errors.Single().Message;
        return s_unrecognized.Replace(Probe, word, StringComparison.Ordinal);
    }

    private static string? s_unrecognized;

    /// <summary><c>; did you mean '--json'?</c> for the options of <paramref name="command"/> within two edits, or nothing.</summary>
    private static string OptionHint(string typed, Command command)
    {
        var names = command.Options.Concat(Ancestors(command).SelectMany(p => p.Options.Where(o => o.Recursive)))
            .SelectMany(o => o.Aliases.Prepend(o.Name))
            .Where(n => n.StartsWith("--", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Select(n => (Name: n, Distance: NameSuggestions.Distance(typed, n, 2)))
            .Where(n => n.Distance <= 2)
            .OrderBy(n => n.Distance)
            .ThenBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => $"'{n.Name}'")
            .Take(3)
            .ToList();
        return names.Count == 0 ? "" : $"; did you mean {string.Join(" or ", names)}?";
    }

    private static IEnumerable<Command> Ancestors(Command command) =>
        command.Parents.OfType<Command>().SelectMany(p => Ancestors(p).Prepend(p));

    /// <summary>Tab completion from a fixed list; the parse stays lenient (case, dashes, aliases are the command's to read).</summary>
    public static T WithCompletions<T>(this T option, params string[] values)
        where T : Option
    {
        option.CompletionSources.Add(values);
        return option;
    }
}

/// <summary>Bad command-line input; the message says what is wrong.</summary>
internal sealed class UsageException(string message) : Exception(message)
{
    /// <summary>The one form of a settings error: <c>invalid settings:</c> and a line per problem.</summary>
    public static UsageException InvalidSettings(IEnumerable<string> problems) => new("invalid settings:\n  - " + string.Join("\n  - ", problems));
}
