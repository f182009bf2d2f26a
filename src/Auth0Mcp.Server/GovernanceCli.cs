using System.CommandLine;
using System.CommandLine.Completions;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Server;

/// <summary>
/// The governance commands of <c>auth0-mcp</c>: <c>tools</c>, <c>toolsets</c>, <c>profiles</c>, <c>kill-switch</c>,
/// <c>audit</c>, <c>defaults</c> and <c>approvals</c>, over the store the settings name. Each run initializes the store
/// and syncs the built-in catalogue into a new one first (not the <c>audit</c> commands, which only read; the rule:
/// <see cref="CliContext.WithGovernanceAsync"/>); the store operations are <see cref="ToolGovernance"/>'s. Bad input gives
/// <c>auth0-mcp: COMMAND: message</c> on stderr, exit code 2, and changes nothing.
/// </summary>
internal static class GovernanceCli
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The command groups, each added to the root command.</summary>
    public static IEnumerable<Command> Commands(CliContext context)
    {
        yield return Tools(context);
        yield return Toolsets(context);
        yield return Profiles(context);
        yield return KillSwitch(context);
        yield return Audit(context);
        yield return Defaults(context);
        yield return Approvals(context);
    }

    private static Command Tools(CliContext context) => Group("tools", "Review tools: state, risk, toolsets (governance store).",
        Verb(context, "list", "List the tools with their state, action, risk and toolsets.", ListToolsAsync,
            ToolNames("pattern", "Tool names or globs to show (default: all).", ArgumentArity.ZeroOrMore),
            Choice("--state", "Only tools in this state.", "STATE", "pending-review", "approved", "disabled", "removed"), Json()),
        Verb(context, "show", "Show one tool as JSON: its schema, state, toolsets, argument rules and call approval.", ShowToolAsync,
            ToolNames("name", "The tool.", ArgumentArity.ExactlyOne), Json()),
        Verb(context, "approve", "Approve tools (names or globs, e.g. 'auth0_users_*').", (r, p) => ChangeToolsAsync(r, p, approve: true),
            ToolNames("names", "Tool names or globs.", ArgumentArity.OneOrMore)),
        Verb(context, "disable", "Disable tools (names or globs).", (r, p) => ChangeToolsAsync(r, p, approve: false),
            ToolNames("names", "Tool names or globs.", ArgumentArity.OneOrMore)),
        Verb(context, "classify", "Set the risk of tools (names or globs); the override survives catalogue syncs.", ClassifyAsync,
            ToolNames("names", "Tool names or globs.", ArgumentArity.OneOrMore),
            Choice("--risk", "The risk to set.", "RISK", "none", "sensitive", "dangerous").Also(o => o.Required = true)));

    private static Command Toolsets(CliContext context) => Group("toolsets", "Named sets of tools that profiles grant.",
        Verb(context, "list", "List the toolsets (all-approved and read-only are automatic) and how many of their tools are callable.", ListToolsetsAsync, Json()),
        Verb(context, "create", "Create a toolset.", CreateToolsetAsync,
            Name("name", "The toolset."), ToolNames("tools", "Tool names or globs to put in it.", ArgumentArity.ZeroOrMore),
            Many("--tools", "Tool names or globs (comma-separated or repeated).", "TOOLS"), Text("--description", "What the toolset is for.", "TEXT")),
        Verb(context, "add", "Add tools to a toolset.", (r, p) => ChangeToolsetAsync(r, p, add: true),
            Name("name", "The toolset."), ToolNames("tools", "Tool names or globs.", ArgumentArity.ZeroOrMore), Many("--tools", "Tool names or globs.", "TOOLS")),
        Verb(context, "remove", "Remove tools from a toolset.", (r, p) => ChangeToolsetAsync(r, p, add: false),
            Name("name", "The toolset."), ToolNames("tools", "Tool names or globs.", ArgumentArity.ZeroOrMore), Many("--tools", "Tool names or globs.", "TOOLS")),
        Verb(context, "delete", "Delete a toolset no profile uses.", Delete("toolset", (g, n, a, ct) => g.DeleteToolsetAsync(n, a, ct)), Name("name", "The toolset.")),
        AdminCommands.Grants(context));

    private static Command Profiles(CliContext context) => Group("profiles", "Access profiles: who may call which toolsets, and how access is granted.",
        Verb(context, "list", "List the profiles and their access requests.", ListProfilesAsync, Json()),
        Verb(context, "create", "Create a profile.", CreateProfileAsync,
            Name("name", "The profile."), Many("--toolsets", "The toolsets it grants (comma-separated or repeated).", "TOOLSETS").Also(o => o.Required = true),
            Many("--users", "Users it applies to.", "USERS"), Many("--groups", "Groups it applies to.", "GROUPS"),
            Choice("--policy", "auto: active at once; jit: requested, active for --expires; approval: requested, granted by an admin.", "POLICY", "auto", "jit", "approval"),
            Text("--expires", "How long a granted request lasts, e.g. 2h.", "DURATION")),
        Verb(context, "bind", "Add toolsets, users or groups to a profile.", (r, p) => BindAsync(r, p, bind: true),
            Name("name", "The profile."), Many("--toolsets", "Toolsets.", "TOOLSETS"), Many("--users", "Users.", "USERS"), Many("--groups", "Groups.", "GROUPS")),
        Verb(context, "unbind", "Remove toolsets, users or groups from a profile.", (r, p) => BindAsync(r, p, bind: false),
            Name("name", "The profile."), Many("--toolsets", "Toolsets.", "TOOLSETS"), Many("--users", "Users.", "USERS"), Many("--groups", "Groups.", "GROUPS")),
        Verb(context, "delete", "Delete a profile.", Delete("profile", (g, n, a, ct) => g.DeleteProfileAsync(n, a, ct)), Name("name", "The profile.")),
        Verb(context, "request", "Request access to a profile for a user.", RequestAsync,
            Name("name", "The profile."), NotBlank(Text("--user", "The user (default: the actor).", "USER"), "a user"), Many("--groups", "The user's groups.", "GROUPS"),
            Text("--reason", "Why access is needed.", "TEXT")),
        Verb(context, "grant", "Grant an access request (by id, or by profile name with --user).", (r, p) => DecideAsync(r, p, grant: true),
            Name("id", "The request id or profile name."), NotBlank(Text("--user", "The user, when a profile name is given.", "USER"), "a user"),
            Text("--expires", "How long the access lasts, e.g. 2h.", "DURATION")),
        Verb(context, "deny", "Deny an access request.", (r, p) => DecideAsync(r, p, grant: false),
            Name("id", "The request id or profile name."), NotBlank(Text("--user", "The user, when a profile name is given.", "USER"), "a user"),
            Text("--expires", "Ignored for deny.", "DURATION")));

    private static Command KillSwitch(CliContext context) => Group("kill-switch", "Stop every call, or calls of one tool, at once.",
        Verb(context, "on", "Turn the global kill switch on (every call refused), or the switches of the tools a name or glob matches.", (r, p) => SetKillSwitchAsync(r, p, on: true),
            ToolNames("tool", "A tool name or glob, e.g. 'auth0_users_*' (default: the global switch).", ArgumentArity.ZeroOrOne)),
        Verb(context, "off", "Turn the global kill switch off (tool switches stay as they are), or the switches of the tools a name or glob matches.", (r, p) => SetKillSwitchAsync(r, p, on: false),
            ToolNames("tool", "A tool name or glob, e.g. 'auth0_users_*' (default: the global switch).", ArgumentArity.ZeroOrOne)),
        Verb(context, "status", "Show the global and per-tool kill switches.", KillSwitchStatusAsync));

    private static Command Audit(CliContext context) => Group("audit", "The hash-chained audit log.",
        AuditVerb(context, "tail", "Print the last records, one escaped line each.", TailAsync,
            new Option<int>("-n") { Description = "How many records.", HelpName = "N", DefaultValueFactory = _ => 20 },
            Json()),
        AuditVerb(context, "export", "Export every record as JSON lines (with hashes).", ExportAsync, Text("--output", "Write to this file instead of stdout.", "FILE")),
        AuditVerb(context, "verify", "Check the chain and its seals; exit 1 when it is broken or its seals could not be checked.", VerifyAsync));

    private static Command Defaults(CliContext context) => Group("defaults", "The state new tools get and whether approval is required.",
        Verb(context, "show", "Show the defaults and the global kill switch.", ShowDefaultsAsync),
        Verb(context, "set", "Change the defaults.", SetDefaultsAsync,
            Choice("--state", "The state of tools new to the catalogue.", "STATE", "pending-review", "approved", "disabled"),
            Choice("--require-approval", "Whether tools must be approved to be called.", "on|off", "on", "off")));

    private static Command Approvals(CliContext context) => Group("approvals", "Per-call approval requests: grant one exact call.",
        Verb(context, "list", "List the open requests.", ListApprovalsAsync, Flag("--all", "Also decided and expired requests."), Json()),
        Verb(context, "show", "Show one request as JSON.", ShowApprovalAsync, Name("id", "The request id."), Json()),
        Verb(context, "grant", "Let the call run once with the same arguments.", (r, p) => DecideCallAsync(r, p, grant: true),
            Name("id", "The request id."), Text("--expires", "How long the grant holds, e.g. 10m.", "DURATION"), Text("--reason", "Why.", "TEXT")),
        Verb(context, "deny", "Refuse the call.", (r, p) => DecideCallAsync(r, p, grant: false),
            Name("id", "The request id."), Text("--reason", "Why.", "TEXT")));

    private static Command Group(string name, string description, params Command[] verbs)
    {
        var group = new Command(name, description);
        foreach (var verb in verbs)
        {
            group.Add(verb);
        }

        return group;
    }

    /// <summary>One governance command: opens the store, syncs the catalogue into a new one, runs <paramref name="run"/>, closes the store.</summary>
    private static Command Verb(CliContext context, string name, string description, Func<Run, ParseResult, Task<int>> run, params Symbol[] symbols) =>
        Verb(context, name, description, run, syncCatalog: true, symbols);

    /// <summary>
    /// A command that only reads the audit chain: opens the store read-only (<see cref="IGovernanceStore.OpenReadOnlyAsync"/>),
    /// runs <paramref name="run"/>, closes the store, without the catalogue sync (which writes records when the catalogue
    /// changed, and a writer creates the audit key): what it reads is the chain as the server left it; it never creates
    /// a store, a schema or key material, never upgrades a schema, and works on a copy it may only read.
    /// </summary>
    private static Command AuditVerb(CliContext context, string name, string description, Func<Run, ParseResult, Task<int>> run, params Symbol[] symbols) =>
        Verb(context, name, description, run, syncCatalog: false, symbols, readOnly: true);

    private static Command Verb(CliContext context, string name, string description, Func<Run, ParseResult, Task<int>> run, bool syncCatalog, Symbol[] symbols, bool readOnly = false)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Option option: command.Add(option); break;
                case Argument argument: command.Add(argument); break;
            }
        }

        command.Add(ActorOption());
        command.SetAction(async (parse, ct) =>
        {
            var actor = ActorOf(parse, context);
            try
            {
                return await context.WithGovernanceAsync(actor, governance => run(new Run(context, governance, actor, ct), parse), ct, syncCatalog, readOnly).ConfigureAwait(false);
            }
            catch (GovernanceException ex)
            {
                await Cli.ErrorAsync(context, parse, ex.Message).ConfigureAwait(false);
                return Cli.Usage;
            }
        });
        return command.RefusingUnknownOptions();
    }

    private static async Task<int> ListToolsAsync(Run r, ParseResult p)
    {
        var state = await r.Gov.GetStateAsync(r.Ct).ConfigureAwait(false);
        var patterns = p.GetValue<string[]>("pattern") ?? [];
        ToolState? filter = p.GetValue<string>("--state") is { } s ? GovernanceNames.ParseState(s) : null;
        var tools = state.Tools.Where(t => (filter is null || t.State == filter) && (patterns.Length == 0 || patterns.Any(g => System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(g, t.Name, ignoreCase: false)))).ToList();
        // When the configured token's scopes can be read, each tool also says which required scopes the token lacks.
        var granted = r.Context.GrantedScopes();
        if (p.GetValue<bool>("--json"))
        {
            await r.WriteJsonAsync(w =>
            {
                w.WriteStartArray();
                foreach (var tool in tools)
                {
                    r.WriteTool(w, state, tool, granted);
                }

                w.WriteEndArray();
            }).ConfigureAwait(false);
            return Cli.Ok;
        }

        await r.Out.WriteLineAsync($"{"NAME",-48} {"STATE",-14} {"ACTION",-7} {"RISK",-10} TOOLSETS").ConfigureAwait(false);
        foreach (var tool in tools)
        {
            var kill = tool.Killed ? " [killed]" : "";
            await r.Out.WriteLineAsync($"{E(tool.Name),-48} {tool.State,-14} {tool.Action,-7} {tool.Risk,-10} {Es(ToolGovernance.ToolsetsOf(state, tool))}{kill}").ConfigureAwait(false);
        }

        await r.Out.WriteLineAsync($"{tools.Count} tool(s)").ConfigureAwait(false);
        if (granted is not null)
        {
            // The approved tools the credential's scopes would refuse, so an admin sees it before any call.
            var approved = ToolGovernance.ResolveToolset(state, Toolset.AllApproved).Where(r.ByName.ContainsKey).Select(n => r.ByName[n]);
            var refused = Auth0ScopePlanner.Refused(approved, granted);
            await r.Out.WriteLineAsync(refused.Count == 0
                ? "# the token grants a scope each approved tool accepts"
                : $"# {refused.Count} approved tool(s) would be refused: the token has none of the scopes each accepts (any one would do):").ConfigureAwait(false);
            foreach (var gap in refused)
            {
                await r.Out.WriteLineAsync($"#   {gap.Tool}: needs {Auth0ScopePlanner.Describe(gap.Missing)}").ConfigureAwait(false);
            }
        }

        return Cli.Ok;
    }

    private static async Task<int> ShowToolAsync(Run r, ParseResult p)
    {
        var name = Required(p.GetValue<string>("name"), "a tool name");
        var state = await r.Gov.GetStateAsync(r.Ct).ConfigureAwait(false);
        var tool = state.RequireTool(name);
        await r.WriteJsonAsync(w => r.WriteTool(w, state, tool, null)).ConfigureAwait(false);
        return Cli.Ok;
    }

    private static async Task<int> ChangeToolsAsync(Run r, ParseResult p, bool approve)
    {
        var names = RequiredList(p.GetValue<string[]>("names"), "tool names or globs");
        var changed = approve
            ? await r.Gov.ApproveAsync(names, r.Actor, r.Ct).ConfigureAwait(false)
            : await r.Gov.DisableAsync(names, r.Actor, r.Ct).ConfigureAwait(false);
        await r.Out.WriteLineAsync($"{(approve ? "approved" : "disabled")} {changed.Count} tool(s){(changed.Count > 0 ? ": " + string.Join(", ", changed) : "")}").ConfigureAwait(false);
        return Cli.Ok;
    }

    private static async Task<int> ClassifyAsync(Run r, ParseResult p)
    {
        var names = RequiredList(p.GetValue<string[]>("names"), "tool names or globs");
        var risk = GovernanceNames.ParseRisk(p.GetValue<string>("--risk")!);
        var changed = await r.Gov.ClassifyAsync(names, risk, r.Actor, r.Ct).ConfigureAwait(false);
        await r.Out.WriteLineAsync($"classified {changed.Count} tool(s) as {risk}").ConfigureAwait(false);
        return Cli.Ok;
    }

    private static async Task<int> ListToolsetsAsync(Run r, ParseResult p)
    {
        var state = await r.Gov.GetStateAsync(r.Ct).ConfigureAwait(false);
        var sets = new List<(string Name, string? Description, bool Automatic, IReadOnlyList<string> Tools, IReadOnlyList<string> Live)>
        {
            (Toolset.AllApproved, "every approved tool", true, [], ToolGovernance.ResolveToolset(state, Toolset.AllApproved)),
            (Toolset.ReadOnly, "every approved tool whose action is Read", true, [], ToolGovernance.ResolveToolset(state, Toolset.ReadOnly)),
        };
        sets.AddRange(state.Toolsets.Select(s => (s.Name, s.Description, false, (IReadOnlyList<string>)s.Tools, ToolGovernance.ResolveToolset(state, s.Name))));
        if (p.GetValue<bool>("--json"))
        {
            await r.WriteJsonAsync(w =>
            {
                w.WriteStartArray();
                foreach (var set in sets)
                {
                    w.WriteStartObject();
                    w.WriteString("name", set.Name);
                    w.WriteString("description", set.Description);
                    w.WriteBoolean("automatic", set.Automatic);
                    WriteStrings(w, "tools", set.Automatic ? set.Live : set.Tools);
                    WriteStrings(w, "callable", set.Live);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }).ConfigureAwait(false);
            return Cli.Ok;
        }

        foreach (var set in sets)
        {
            await r.Out.WriteLineAsync($"{E(set.Name)}{(set.Automatic ? " (automatic)" : "")}: {set.Live.Count} callable of {(set.Automatic ? set.Live.Count : set.Tools.Count)}{(set.Automatic ? "" : ": " + Es(set.Tools, ", "))}").ConfigureAwait(false);
        }

        return Cli.Ok;
    }

    private static async Task<int> CreateToolsetAsync(Run r, ParseResult p)
    {
        var name = Required(p.GetValue<string>("name"), "a toolset name");
        var tools = Split(p.GetValue<string[]>("--tools")).Concat(p.GetValue<string[]>("tools") ?? []).ToList();
        await r.Gov.CreateToolsetAsync(name, tools, p.GetValue<string>("--description"), r.Actor, r.Ct).ConfigureAwait(false);
        await r.Out.WriteLineAsync($"created toolset {name}").ConfigureAwait(false);
        return Cli.Ok;
    }

    private static async Task<int> ChangeToolsetAsync(Run r, ParseResult p, bool add)
    {
        var name = Required(p.GetValue<string>("name"), "a toolset name");
        var tools = RequiredList([.. p.GetValue<string[]>("tools") ?? [], .. p.GetValue<string[]>("--tools") ?? []], "tool names or globs");
        if (add)
        {
            await r.Gov.AddToToolsetAsync(name, tools, r.Actor, r.Ct).ConfigureAwait(false);
        }
        else
        {
            await r.Gov.RemoveFromToolsetAsync(name, tools, r.Actor, r.Ct).ConfigureAwait(false);
        }

        await r.Out.WriteLineAsync($"{(add ? "added to" : "removed from")} toolset {name}").ConfigureAwait(false);
        return Cli.Ok;
    }

    /// <summary>Deletes the <paramref name="what"/> the <c>name</c> argument names.</summary>
    private static Func<Run, ParseResult, Task<int>> Delete(string what, Func<ToolGovernance, string, string, CancellationToken, Task> delete) => async (r, p) =>
    {
        var name = Required(p.GetValue<string>("name"), $"a {what} name");
        await delete(r.Gov, name, r.Actor, r.Ct).ConfigureAwait(false);
        await r.Out.WriteLineAsync($"deleted {what} {name}").ConfigureAwait(false);
        return Cli.Ok;
    };

    private static async Task<int> ListProfilesAsync(Run r, ParseResult p)
    {
        var state = await r.Gov.GetStateAsync(r.Ct).ConfigureAwait(false);
        var now = r.Gov.Time.GetUtcNow();
        if (p.GetValue<bool>("--json"))
        {
            await r.WriteJsonAsync(w =>
            {
                w.WriteStartArray();
                foreach (var profile in state.Profiles)
                {
                    w.WriteStartObject();
                    w.WriteString("name", profile.Name);
                    w.WriteString("policy", GovernanceNames.Name(profile.Policy));
                    if (profile.Expiry is { } e)
                    {
                        w.WriteString("expires", e.ToString("c", CultureInfo.InvariantCulture));
                    }

                    WriteStrings(w, "toolsets", profile.Toolsets);
                    WriteStrings(w, "users", profile.Users);
                    WriteStrings(w, "groups", profile.Groups);
                    w.WriteStartArray("grants");
                    foreach (var g in state.Grants.Where(g => g.Profile == profile.Name))
                    {
                        w.WriteStartObject();
                        w.WriteString("id", g.Id);
                        w.WriteString("user", g.User);
                        w.WriteString("status", g.Status.ToString());
                        w.WriteBoolean("active", g.IsActive(now));
                        if (g.ExpiresAt is { } x)
                        {
                            w.WriteString("expires_at", x);
                        }

                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }).ConfigureAwait(false);
            return Cli.Ok;
        }

        foreach (var profile in state.Profiles)
        {
            await r.Out.WriteLineAsync($"{E(profile.Name)}: policy={GovernanceNames.Name(profile.Policy)}{(profile.Expiry is null ? "" : $" expires={profile.Expiry}")} toolsets=[{Es(profile.Toolsets)}] users=[{MemberList(profile.Users)}] groups=[{MemberList(profile.Groups)}]").ConfigureAwait(false);
            foreach (var g in state.Grants.Where(g => g.Profile == profile.Name))
            {
                await r.Out.WriteLineAsync($"  request {E(g.Id)} {E(g.User)}: {g.Status}{(g.IsActive(now) ? " (active)" : "")}{(g.ExpiresAt is null ? "" : $" until {g.ExpiresAt:O}")}").ConfigureAwait(false);
            }
        }

        return Cli.Ok;
    }

    private static async Task<int> CreateProfileAsync(Run r, ParseResult p)
    {
        var name = Required(p.GetValue<string>("name"), "a profile name");
        // Auto-approve unless told otherwise: the profile is active as soon as it exists.
        var policy = GovernanceNames.ParsePolicy(p.GetValue<string>("--policy") ?? "auto");
        var expiry = Duration(p, "--expires");
        var toolsets = Split(p.GetValue<string[]>("--toolsets"));
        if (toolsets.Count == 0)
        {
            throw new GovernanceException("--toolsets is required");
        }

        await r.Gov.CreateProfileAsync(name, toolsets, Members(p.GetValue<string[]>("--users"), "user"), Members(p.GetValue<string[]>("--groups"), "group"), policy, expiry, r.Actor, r.Ct).ConfigureAwait(false);
        await r.Out.WriteLineAsync($"created profile {name}").ConfigureAwait(false);
        return Cli.Ok;
    }

    private static async Task<int> BindAsync(Run r, ParseResult p, bool bind)
    {
        var name = Required(p.GetValue<string>("name"), "a profile name");
        await r.Gov.BindProfileAsync(name, bind, Split(p.GetValue<string[]>("--toolsets")), Members(p.GetValue<string[]>("--users"), "user"), Members(p.GetValue<string[]>("--groups"), "group"), r.Actor, r.Ct).ConfigureAwait(false);
        await r.Out.WriteLineAsync($"{(bind ? "bind" : "unbind")}ed profile {name}").ConfigureAwait(false);
        return Cli.Ok;
    }

    private static async Task<int> RequestAsync(Run r, ParseResult p)
    {
        var name = Required(p.GetValue<string>("name"), "a profile name");
        var user = p.GetValue<string>("--user")?.Trim() ?? r.Actor;
        var grant = await r.Gov.RequestAccessAsync(name, new CallerIdentity(user, Members(p.GetValue<string[]>("--groups"), "group")), p.GetValue<string>("--reason"), r.Ct).ConfigureAwait(false);
        await r.Out.WriteLineAsync(grant.Status == GrantStatus.Granted
            ? $"access to {name} active for {user} until {grant.ExpiresAt:O} (request {grant.Id})"
            : $"requested {name} for {user}: request {grant.Id} waits for an admin (profiles grant {grant.Id})").ConfigureAwait(false);
        return Cli.Ok;
    }

    private static async Task<int> DecideAsync(Run r, ParseResult p, bool grant)
    {
        var id = Required(p.GetValue<string>("id"), "a request id or profile name");
        var decided = await r.Gov.DecideAsync(id, p.GetValue<string>("--user")?.Trim(), grant, Duration(p, "--expires"), r.Actor, r.Ct).ConfigureAwait(false);
        await r.Out.WriteLineAsync($"{(grant ? "granted" : "denied")} {E(decided.Profile)} for {E(decided.User)} (request {decided.Id}){(decided.ExpiresAt is null ? "" : $" until {decided.ExpiresAt:O}")}").ConfigureAwait(false);
        return Cli.Ok;
    }

    private static async Task<int> KillSwitchStatusAsync(Run r, ParseResult p)
    {
        var state = await r.Gov.GetStateAsync(r.Ct).ConfigureAwait(false);
        await r.Out.WriteLineAsync($"global: {(state.GlobalKillSwitch ? "on" : "off")}").ConfigureAwait(false);
        foreach (var tool in state.Tools.Where(t => t.Killed))
        {
            await r.Out.WriteLineAsync($"{E(tool.Name)}: on").ConfigureAwait(false);
        }

        return Cli.Ok;
    }

    private static async Task<int> SetKillSwitchAsync(Run r, ParseResult p, bool on)
    {
        var tool = p.GetValue<string>("tool");
        await r.Gov.SetKillSwitchAsync(on, tool, r.Actor, r.Ct).ConfigureAwait(false);
        var state = await r.Gov.GetStateAsync(r.Ct).ConfigureAwait(false);
        if (tool is not null)
        {
            // A glob may match several tools: name each one switched.
            var tools = ToolGovernance.ResolveTools(state, [tool]).Select(t => t.Name).ToList();
            await r.Out.WriteLineAsync($"kill switch {(on ? "on" : "off")} for {tools.Count} tool(s): {Es(tools, ", ")}").ConfigureAwait(false);
            return Cli.Ok;
        }

        // The global switch only: the per-tool switches stay as they are, and are named so nobody thinks all is clear.
        var killed = state.Tools.Where(t => t.Killed).Select(t => t.Name).ToList();
        await r.Out.WriteLineAsync(on
            ? "global kill switch on: every tool call is refused"
            : killed.Count == 0
                ? "global kill switch off; no tool switch is on"
                : $"global kill switch off; {killed.Count} tool switch(es) still on: {Es(killed, ", ")} (kill-switch off TOOL)").ConfigureAwait(false);
        return Cli.Ok;
    }

    private static async Task<int> TailAsync(Run r, ParseResult p)
    {
        var n = p.GetValue<int>("-n");
        if (n <= 0)
        {
            throw new GovernanceException($"-n needs a positive number (got '{n}')");
        }

        var json = p.GetValue<bool>("--json");
        var head = await r.Gov.Store.GetAuditHeadAsync(r.Ct).ConfigureAwait(false);
        await foreach (var row in r.Gov.Store.ReadAuditAsync(Math.Max(0, head.Sequence - n), r.Ct).ConfigureAwait(false))
        {
            if (json)
            {
                await r.Out.WriteLineAsync(AuditExport.ToTerminalJsonLine(row)).ConfigureAwait(false);
                continue;
            }

            // Every stored value is escaped: one record is one line, whatever a caller put in a tool name or reason.
            if (!AuditChain.TryRead(row, out var a))
            {
                // Edited or emptied by hand: said so on its line, the rest of the tail still shown.
                await r.Out.WriteLineAsync($"#{row.Sequence} unreadable record {row.Sequence}: its body is not a readable audit record (run 'auth0-mcp audit verify'; stored body: {TerminalText.Escape(Shortened(row.Body))})").ConfigureAwait(false);
                continue;
            }

            // A call's arguments as stored (secrets masked), cut short: the whole record is in tail --json and export.
            var what = a.Kind == AuditKinds.Call
                ? $"{a.Outcome}{(a.DenialCode is null ? "" : $" ({a.DenialCode})")} {a.Tool}{(a.Arguments is null ? "" : $" args={Shortened(a.Arguments, TailArgumentsLength)}")}{(a.Reason is null ? "" : $": {a.Reason}")}"
                : $"{a.Event}{(a.Tool is null ? "" : $" {a.Tool}")}{(a.Details is null ? "" : $": {a.Details}")}";
            await r.Out.WriteLineAsync($"#{a.Sequence} {a.Time:O} {TerminalText.Escape(a.Kind)} {TerminalText.Escape(a.User) ?? "-"} {TerminalText.Escape(what)}").ConfigureAwait(false);
        }

        return Cli.Ok;
    }

    /// <summary>How many characters of a call's arguments a line of <c>audit tail</c> shows.</summary>
    private const int TailArgumentsLength = 120;

    /// <summary>At most the first <paramref name="length"/> characters of <paramref name="text"/> (an unreadable body can be any length), marked when cut.</summary>
    private static string Shortened(string text, int length = 200) =>
        text.Length <= length ? text : string.Concat(text.AsSpan(0, char.IsHighSurrogate(text[length - 1]) ? length - 1 : length), "…");

    private static async Task<int> ExportAsync(Run r, ParseResult p)
    {
        var output = p.GetValue<string>("--output");
        if (output is null)
        {
            // To stdout (a terminal, often): no raw control character from a tampered row; a file gets the stored bytes.
            await WriteAuditAsync(r, r.Out, AuditExport.ToTerminalJsonLine).ConfigureAwait(false);
            return Cli.Ok;
        }

        // Written to a new file beside the target and moved over it when complete: a failed export leaves no partial file.
        // The new file has the target's mode, or owner-only (the audit holds call arguments), from the moment it exists:
        // an owner-only target never becomes readable by others, not even for the moment of the export.
        var target = ExportTarget(output);
        var temp = $"{target}.{Guid.NewGuid():N}.tmp";
        long count;
        try
        {
            var writer = new StreamWriter(PrivateFiles.CreateReplacement(temp, target), new UTF8Encoding(false));
            await using (writer.ConfigureAwait(false))
            {
                count = await WriteAuditAsync(r, writer, AuditExport.ToJsonLine).ConfigureAwait(false);
            }

            File.Move(temp, target, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new GovernanceException($"--output '{output}': cannot write it ({(ex is UnauthorizedAccessException ? "permission denied" : ex.Message)})");
        }
        finally
        {
            TryDelete(temp);
        }

        await r.Out.WriteLineAsync($"exported {count} record(s) to {output}").ConfigureAwait(false);
        return Cli.Ok;
    }

    /// <summary>The full path of the <c>audit export --output</c> file; a folder, or a file in a missing folder, is refused.</summary>
    private static string ExportTarget(string output)
    {
        string full;
        try
        {
            full = Path.GetFullPath(Required(output, "a file name for --output"));
        }
        catch (ArgumentException)
        {
            throw new GovernanceException($"--output '{output}' is not a valid file name");
        }

        if (Directory.Exists(full))
        {
            throw new GovernanceException($"--output '{output}' is a folder; give a file name");
        }

        var folder = Path.GetDirectoryName(full);
        return folder is null || Directory.Exists(folder) ? full : throw new GovernanceException($"--output '{output}': the folder '{folder}' does not exist");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the export already failed or succeeded; a stray temporary file is named by its .tmp suffix.
        }
    }

    /// <summary>Writes every audit record as a JSON line (<paramref name="line"/>), reporting progress; returns how many.</summary>
    private static async Task<long> WriteAuditAsync(Run r, TextWriter writer, Func<AuditRow, string> line)
    {
        var (total, _) = await r.Gov.Store.GetAuditHeadAsync(r.Ct).ConfigureAwait(false);
        var progress = new CountProgress(r.Context, "audit export", "written", total);
        long count = 0;
        await foreach (var row in r.Gov.Store.ReadAuditAsync(0, r.Ct).ConfigureAwait(false))
        {
            await writer.WriteAsync(line(row)).ConfigureAwait(false);
            await writer.WriteAsync('\n').ConfigureAwait(false);
            if (++count % 4096 == 0)
            {
                progress.Report(count);
            }
        }

        progress.Report(count);
        return count;
    }

    private static async Task<int> VerifyAsync(Run r, ParseResult p)
    {
        var (total, _) = await r.Gov.Store.GetAuditHeadAsync(r.Ct).ConfigureAwait(false);
        var result = await r.Gov.Store.VerifyAuditAsync(new CountProgress(r.Context, "audit verify", "checked", total), r.Ct).ConfigureAwait(false);
        // A missing key file is not tampering: the seals were not checked (this command never creates the key).
        // Every line escaped: a problem can quote the store or the checkpoint file (a key id), whose writer must not
        // be able to add lines to the verdict, or erase one.
        foreach (var problem in result.Tampered)
        {
            await r.Context.Error.WriteLineAsync("tampered: " + E(problem)).ConfigureAwait(false);
        }

        // Only the first problems are kept as lines (AuditChain.ProblemLinesKept): the rest, counted by kind, in one line.
        if (result.MoreThan(result.Problems.Count) is { } more)
        {
            await r.Context.Error.WriteLineAsync("tampered: " + E(more)).ConfigureAwait(false);
        }

        if (result.SealsNotChecked is { } notChecked)
        {
            await r.Context.Error.WriteLineAsync("not checked: " + E(notChecked)).ConfigureAwait(false);
        }

        await r.Out.WriteLineAsync(result.Verdict).ConfigureAwait(false);
        foreach (var (title, items) in new[] { ("checked:", result.Checked), ("cannot prove:", result.CannotProve) })
        {
            await r.Out.WriteLineAsync(title).ConfigureAwait(false);
            foreach (var item in items)
            {
                await r.Out.WriteLineAsync("  - " + E(item)).ConfigureAwait(false);
            }
        }

        return result.IsValid ? Cli.Ok : Cli.Failed;
    }

    private static async Task<int> ShowDefaultsAsync(Run r, ParseResult p)
    {
        var state = await r.Gov.GetStateAsync(r.Ct).ConfigureAwait(false);
        await r.Out.WriteLineAsync($"new tool state: {GovernanceNames.Name(state.Defaults.NewToolState)}"
            + (state.Defaults.NewToolState == ToolState.Approved && state.Defaults.RequireApproval ? " (new tools start pending review while require approval is on)" : "")).ConfigureAwait(false);
        await r.Out.WriteLineAsync($"require approval: {(state.Defaults.RequireApproval ? "on" : "off")}").ConfigureAwait(false);
        await r.Out.WriteLineAsync($"global kill switch: {(state.GlobalKillSwitch ? "on" : "off")}").ConfigureAwait(false);
        return Cli.Ok;
    }

    private static async Task<int> SetDefaultsAsync(Run r, ParseResult p)
    {
        ToolState? newState = p.GetValue<string>("--state") is { } s ? GovernanceNames.ParseState(s) : null;
        bool? require = p.GetValue<string>("--require-approval") switch
        {
            null => null,
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            var other => throw new GovernanceException($"--require-approval needs on or off (got '{other}')"),
        };
        if (newState is null && require is null)
        {
            throw new GovernanceException("defaults set needs --state and/or --require-approval");
        }

        await r.Gov.SetDefaultsAsync(newState, require, r.Actor, r.Ct).ConfigureAwait(false);
        await r.Out.WriteLineAsync("defaults updated").ConfigureAwait(false);
        var defaults = (await r.Gov.GetStateAsync(r.Ct).ConfigureAwait(false)).Defaults;
        if (defaults.NewToolState == ToolState.Approved && defaults.RequireApproval)
        {
            await r.Error.WriteLineAsync("note: require approval is on, so new tools still start pending review (defaults set --require-approval off lets them start approved)").ConfigureAwait(false);
        }
        return Cli.Ok;
    }

    private static async Task<int> ListApprovalsAsync(Run r, ParseResult p)
    {
        var state = await r.Gov.GetStateAsync(r.Ct).ConfigureAwait(false);
        var now = r.Gov.Time.GetUtcNow();
        var all = p.GetValue<bool>("--all");
        var approvals = state.CallApprovals.Where(a => all || a.IsOpen(now)).OrderBy(a => a.RequestedAt).ToList();
        if (p.GetValue<bool>("--json"))
        {
            await r.WriteJsonAsync(w =>
            {
                w.WriteStartArray();
                foreach (var approval in approvals)
                {
                    WriteApproval(w, approval, now);
                }

                w.WriteEndArray();
            }).ConfigureAwait(false);
            return Cli.Ok;
        }

        foreach (var a in approvals)
        {
            await r.Out.WriteLineAsync($"{E(a.Id)} {ApprovalStatus(a, now),-8} {E(a.Tool)} for {E(a.User)}{(a.Channel == CallApproval.ElicitationChannel ? " (a confirmation the caller answers in the client, not granted here)" : "")} requested {a.RequestedAt:O} expires {a.ExpiresAt:O}{(a.DecidedBy is null ? "" : $" decided by {E(a.DecidedBy)}")}{(a.Reason is null ? "" : $" reason: {E(a.Reason)}")}").ConfigureAwait(false);
            await r.Out.WriteLineAsync($"    arguments {E(a.Arguments)} (digest {E(a.ArgumentsHash)})").ConfigureAwait(false);
        }

        await r.Out.WriteLineAsync($"{approvals.Count} approval request(s){(all ? "" : " open (--all shows decided and expired ones)")}").ConfigureAwait(false);
        return Cli.Ok;
    }

    private static async Task<int> ShowApprovalAsync(Run r, ParseResult p)
    {
        var id = Required(p.GetValue<string>("id"), "an approval request id");
        var state = await r.Gov.GetStateAsync(r.Ct).ConfigureAwait(false);
        var approval = state.CallApprovals.Find(a => a.Id == id) ?? throw new GovernanceException($"unknown approval request '{id}'");
        await r.WriteJsonAsync(w => WriteApproval(w, approval, r.Gov.Time.GetUtcNow())).ConfigureAwait(false);
        return Cli.Ok;
    }

    private static async Task<int> DecideCallAsync(Run r, ParseResult p, bool grant)
    {
        var id = Required(p.GetValue<string>("id"), "an approval request id");
        var expiry = grant ? Duration(p, "--expires") : null;
        var approval = await r.Gov.DecideCallApprovalAsync(id, grant, expiry, p.GetValue<string>("--reason"), r.Actor, r.Ct).ConfigureAwait(false);
        await r.Out.WriteLineAsync(grant
            ? $"granted {approval.Id}: {E(approval.Tool)} for {E(approval.User)} may run once with the same arguments until {approval.ExpiresAt:O}"
            : $"denied {approval.Id}: {E(approval.Tool)} for {E(approval.User)}").ConfigureAwait(false);
        return Cli.Ok;
    }

    private static string ApprovalStatus(CallApproval approval, DateTimeOffset now) =>
        approval.Status is CallApprovalStatus.Pending or CallApprovalStatus.Granted && !approval.IsOpen(now) ? "expired" : approval.Status.ToString().ToLowerInvariant();

    private static void WriteApproval(Utf8JsonWriter w, CallApproval a, DateTimeOffset now)
    {
        w.WriteStartObject();
        w.WriteString("id", a.Id);
        w.WriteString("status", ApprovalStatus(a, now));
        w.WriteString("tool", a.Tool);
        w.WriteString("user", a.User);
        w.WriteString("channel", a.Channel);
        // The name stays for scripts that read it; the value is the keyed digest (HMAC-SHA256, ArgumentsDigest), not a plain SHA-256.
        w.WriteString("argumentsSha256", a.ArgumentsHash);
        w.WriteString("arguments", a.Arguments);
        w.WriteString("requestedAt", a.RequestedAt);
        w.WriteString("expiresAt", a.ExpiresAt);
        if (a.DecidedAt is { } decided)
        {
            w.WriteString("decidedAt", decided);
            w.WriteString("decidedBy", a.DecidedBy);
        }

        if (a.Reason is not null)
        {
            w.WriteString("reason", a.Reason);
        }

        if (a.UsedAt is { } used)
        {
            w.WriteString("usedAt", used);
        }

        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    /// <summary>Stored text made safe for one terminal line (control characters, bidi overrides escaped): old stores, callers' values.</summary>
    private static string? E(string? text) => TerminalText.Escape(text);

    /// <summary><see cref="E"/> of each value, joined.</summary>
    private static string Es(IEnumerable<string> values, string separator = ",") => string.Join(separator, values.Select(v => TerminalText.Escape(v)));

    private static TimeSpan? Duration(ParseResult p, string option) => p.GetValue<string>(option) is { } text ? GovernanceNames.ParseDuration(text) : null;

    private static string Required(string? value, string what) =>
        !string.IsNullOrWhiteSpace(value) ? value : throw new GovernanceException($"missing {what}");

    private static List<string> RequiredList(IEnumerable<string>? values, string what)
    {
        var list = Split(values);
        return list.Count > 0 ? list : throw new GovernanceException($"missing {what}");
    }

    /// <summary>
    /// User or group names given comma-separated, repeated, or both; a value whose every comma-separated part holds
    /// <c>=</c> is one name (an LDAP distinguished name such as <c>CN=mcp-admins,OU=Groups,DC=corp</c>: GroupNames).
    /// A blank name is refused (it would bind nobody).
    /// </summary>
    private static List<string> Members(IEnumerable<string>? values, string what)
    {
        var names = new List<string>();
        foreach (var value in values ?? [])
        {
            var parts = GroupNames.Split(value);
            if (parts.Any(part => part.Length == 0))
            {
                throw new GovernanceException($"a blank {what} name in '{TerminalText.Escape(value)}'");
            }

            names.AddRange(parts);
        }

        return names;
    }

    /// <summary>Names for a listing: one holding a comma (a distinguished name) in quotes, so that where it ends is plain.</summary>
    private static string MemberList(IEnumerable<string> names) =>
        string.Join(",", names.Select(n => n.Contains(',', StringComparison.Ordinal) ? "\"" + TerminalText.Escape(n) + "\"" : TerminalText.Escape(n)));

    /// <summary>Values given comma-separated, repeated, or both.</summary>
    private static List<string> Split(IEnumerable<string>? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

    private static Option<bool> Json() => Flag("--json", "Print JSON.");

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    private static Option<string> Text(string name, string description, string helpName) => new(name) { Description = description, HelpName = helpName };

    private static Option<string[]> Many(string name, string description, string helpName) => new(name) { Description = description, HelpName = helpName };

    /// <summary>An option whose values complete from <paramref name="values"/> (parsing stays lenient: case, dashes, aliases).</summary>
    private static Option<string> Choice(string name, string description, string helpName, params string[] values)
    {
        return Text(name, description, helpName).WithCompletions(values);
    }

    /// <summary>An option naming a person: given, it must not be empty or blank (a parse error, exit 2).</summary>
    /// <summary>The <c>--actor NAME</c> option every command that changes governance or the credential takes.</summary>
    internal static Option<string> ActorOption() =>
        NotBlank(new Option<string>("--actor") { Description = "Who is making the change (default: AUTH0_MCP_USER or the OS user).", HelpName = "NAME" }, "a name");

    /// <summary>Who acts: <c>--actor</c>, else <c>AUTH0_MCP_USER</c>, else the OS user.</summary>
    internal static string ActorOf(ParseResult parse, CliContext context) =>
        parse.GetValue<string>("--actor")?.Trim() ?? context.DefaultActor ?? Environment.UserName;

    private static Option<string> NotBlank(Option<string> option, string what)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value)))
            {
                result.AddError($"{option.Name} needs {what}, not an empty or blank value");
            }
        });
        return option;
    }

    private static Argument<string> Name(string name, string description) => new(name) { Description = description };

    /// <summary>Tool-name arguments, completed from the catalogue.</summary>
    private static Argument ToolNames(string name, string description, ArgumentArity arity)
    {
        Argument argument = arity.MaximumNumberOfValues == 1
            ? new Argument<string>(name) { Description = description, Arity = arity, HelpName = name.ToUpperInvariant() }
            : new Argument<string[]>(name) { Description = description, Arity = arity, HelpName = "NAME|GLOB" };
        argument.CompletionSources.Add(context => Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors
            .Where(d => d.Name.StartsWith(context.WordToComplete, StringComparison.Ordinal))
            .Select(d => new CompletionItem(d.Name)));
        return argument;
    }

    /// <summary>One run of a governance command: the store, the actor, the output.</summary>
    private sealed class Run(CliContext context, ToolGovernance governance, string actor, CancellationToken ct)
    {
        private readonly Lazy<Dictionary<string, Auth0ToolDescriptor>> _byName = new(() => context.Catalog.ToDictionary(d => d.Name, StringComparer.Ordinal));

        public CliContext Context => context;

        public ToolGovernance Gov => governance;

        public string Actor => actor;

        public CancellationToken Ct => ct;

        public TextWriter Out => context.Out;

        public TextWriter Error => context.Error;

        public Dictionary<string, Auth0ToolDescriptor> ByName => _byName.Value;

        public void WriteTool(Utf8JsonWriter w, GovernanceState state, GovernedTool tool, IReadOnlySet<string>? granted)
        {
            // This build's description of the tool only when it is the version the store governs: on a store another
            // catalogue synced (a host's own tools, a server of another spec, before it restarts), an approval binds
            // to the store's version, which this build may not know.
            var d = ToolGovernance.GovernedVersion(ByName, tool, out var other);
            w.WriteStartObject();
            if (d is not null)
            {
                Auth0ToolDescriptorJson.WriteProperties(w, d);
            }
            else
            {
                w.WriteString("name", tool.Name);
                w.WriteString("action", tool.Action.ToString());
                if (other is not null)
                {
                    w.WriteString("catalogueContent", $"this auth0-mcp has another version of this tool ({other.ContentHash[..12]}); the version the store governs ({tool.ContentHash[..Math.Min(12, tool.ContentHash.Length)]}) is the serving server's catalogue's, not shown here");
                }
            }

            w.WriteString("state", GovernanceNames.Name(tool.State));
            w.WriteString("risk", tool.Risk.ToString());
            w.WriteBoolean("riskOverridden", tool.RiskOverridden);
            w.WriteBoolean("killed", tool.Killed);
            w.WriteString("contentHash", tool.ContentHash);
            w.WriteString("approvedHash", tool.ApprovedHash);
            if (tool.ApprovedRisk is { } approvedRisk)
            {
                w.WriteString("approvedRisk", approvedRisk.ToString());
            }
            w.WriteString("lastChange", tool.LastChange);
            WriteStrings(w, "toolsets", ToolGovernance.ToolsetsOf(state, tool));
            w.WriteStartArray("argumentPolicies");
            foreach (var rule in d is null ? Enumerable.Empty<ArgumentRule>() : context.ArgumentPolicies.Where(p => p.AppliesTo(d)))
            {
                w.WriteStartObject();
                w.WriteString("name", rule.Name);
                if (rule is ArgumentPolicy policy)
                {
                    w.WriteString("path", policy.Path);
                    w.WriteString("operator", policy.OperatorName);
                    if (policy.Operand is { } operand)
                    {
                        w.WritePropertyName("value");
                        operand.WriteTo(w);
                    }
                }
                else
                {
                    // A typed rule written in C#: its condition is the rule.
                    w.WriteString("operator", "code");
                }

                w.WriteString("rule", rule.ToString());
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (context.CallApprovals is { } approvals)
            {
                var (mode, rule) = approvals.Describe(state, tool);
                w.WriteStartObject("callApproval");
                w.WriteString("mode", mode.ToString().ToLowerInvariant());
                w.WriteString("rule", rule);
                w.WriteEndObject();
            }

            if (granted is not null && d is not null)
            {
                WriteStrings(w, "missingScopes", Auth0ScopePlanner.Missing(d, granted));
            }

            w.WriteEndObject();
        }

        public async Task WriteJsonAsync(Action<Utf8JsonWriter> write)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Indented))
            {
                write(writer);
            }

            await context.Out.WriteLineAsync(Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Progress of a command over the audit log (<c>audit verify</c>, <c>audit export</c>) on standard error, so that
    /// standard output keeps only the result: a line such as <c>audit verify: 1,200,000 of 6,000,000 record(s) checked
    /// (20 %)</c> once the command has run for <see cref="CliContext.ProgressInterval"/>, then at most once per
    /// interval; a short run prints none.
    /// </summary>
    private sealed class CountProgress(CliContext context, string command, string done, long total) : IProgress<long>
    {
        private long _last = context.Time.GetTimestamp(); // the start, then the last line printed

        public void Report(long value)
        {
            var now = context.Time.GetTimestamp();
            if (context.Time.GetElapsedTime(_last, now) < context.ProgressInterval)
            {
                return;
            }

            _last = now;
            var percent = total > 0 ? Math.Min(100, value * 100 / total) : 100;
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{command}: {value:N0} of {total:N0} record(s) {done} ({percent} %)"));
        }
    }
}
