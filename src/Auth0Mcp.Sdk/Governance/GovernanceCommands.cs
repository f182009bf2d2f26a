using System.Globalization;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The governance host commands, independent of any command-line library: <c>tools</c>, <c>toolsets</c>,
/// <c>profiles</c>, <c>kill-switch</c>, <c>audit</c> and <c>defaults</c>. Each run initializes the store and
/// re-syncs the catalogue first. Bad input gives a clear message on stderr, exit code 2, and changes nothing.
/// </summary>
public sealed class GovernanceCommands
{
    /// <summary>Exit code: done.</summary>
    public const int Ok = 0;

    /// <summary>Exit code: a check failed (e.g. <c>audit verify</c> found tampering).</summary>
    public const int Failed = 1;

    /// <summary>Exit code: bad usage or unknown names; nothing was changed.</summary>
    public const int Usage = 2;

    private const string Help = """
        usage:
          tools list [PATTERN...] [--state STATE] [--json]
          tools show NAME [--json]
          tools approve|disable NAME|GLOB...
          tools classify NAME|GLOB... --risk none|sensitive|dangerous
          toolsets list [--json]
          toolsets create NAME [--tools NAME|GLOB,...] [--description TEXT]
          toolsets add|remove NAME TOOL|GLOB...
          toolsets delete NAME
          profiles list [--json]
          profiles create NAME --toolsets A,B [--users U,...] [--groups G,...] --policy auto|jit|approval [--expires 2h]
          profiles bind|unbind NAME [--toolsets A,...] [--users U,...] [--groups G,...]
          profiles delete NAME
          profiles request NAME --user U [--groups G,...] [--reason TEXT]
          profiles grant|deny ID|NAME [--user U] [--expires 2h]
          kill-switch on|off [TOOL]
          kill-switch status
          audit tail [-n N] [--json]
          audit export [--output FILE]
          audit verify
          defaults show
          defaults set [--state pending-review|approved|disabled] [--require-approval on|off]
          approvals list [--all] [--json]
          approvals show ID
          approvals grant ID [--expires 10m] [--reason TEXT]
          approvals deny ID [--reason TEXT]
        options: --actor NAME (who is making the change; default AUTH0_MCP_USER or the OS user)
        """;

    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ToolGovernance _governance;

    /// <summary>Who acts when <c>--actor</c> is not given (the server passes <c>AUTH0_MCP_USER</c>); null: the OS user.</summary>
    public string? DefaultActor { get; init; }
    private readonly IReadOnlyList<Auth0ToolDescriptor> _catalog;
    private readonly Dictionary<string, Auth0ToolDescriptor> _byName;

    /// <summary>Creates the commands over <paramref name="store"/> for <paramref name="catalog"/>.</summary>
    public GovernanceCommands(IGovernanceStore store, IReadOnlyList<Auth0ToolDescriptor> catalog, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(catalog);
        _governance = new ToolGovernance(store, timeProvider, "cli:" + Environment.MachineName);
        _catalog = catalog;
        _byName = catalog.ToDictionary(d => d.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// The argument rules in force, shown by <c>tools show</c> and <c>tools list --json</c> (the host passes its
    /// settings' policies, and a C# host its typed rules too).
    /// </summary>
    public IReadOnlyList<ArgumentRule> ArgumentPolicies { get; init; } = [];

    /// <summary>The per-call approval settings in force, shown by <c>tools show</c> (null: per-call approval is off).</summary>
    public CallApprovalOptions? CallApprovals { get; init; }

    /// <summary>Runs one command; returns the exit code.</summary>
    public async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            await stdout.WriteLineAsync(Help).ConfigureAwait(false);
            return args.Length == 0 ? Usage : Ok;
        }

        try
        {
            var parsed = Arguments.Parse(args.Skip(1));
            var actor = parsed.Single("actor") ?? DefaultActor ?? Environment.UserName;
            await _governance.Store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            await _governance.SyncCatalogAsync(_catalog, actor, null, cancellationToken).ConfigureAwait(false);
            var group = args[0];
            var verb = parsed.Positional.Count > 0 ? parsed.Positional[0] : "";
            var rest = parsed.Positional.Skip(1).ToList();
            var context = new Run(this, parsed, rest, actor, stdout, stderr, cancellationToken);
            return group switch
            {
                "tools" => await context.ToolsAsync(verb).ConfigureAwait(false),
                "toolsets" => await context.ToolsetsAsync(verb).ConfigureAwait(false),
                "profiles" => await context.ProfilesAsync(verb).ConfigureAwait(false),
                "kill-switch" => await context.KillSwitchAsync(verb).ConfigureAwait(false),
                "audit" => await context.AuditAsync(verb).ConfigureAwait(false),
                "defaults" => await context.DefaultsAsync(verb).ConfigureAwait(false),
                "approvals" => await context.ApprovalsAsync(verb).ConfigureAwait(false),
                _ => throw new GovernanceException($"unknown command '{group}'"),
            };
        }
        catch (GovernanceException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return Usage;
        }
        catch (GovernanceStoreException ex)
        {
            // The store cannot be used (full, locked, unreadable, ...): the message names it; nothing was changed.
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return Usage;
        }
    }

    private sealed class Run(GovernanceCommands owner, Arguments args, List<string> rest, string actor, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        private ToolGovernance Gov => owner._governance;

        public async Task<int> ToolsAsync(string verb)
        {
            switch (verb)
            {
                case "list":
                {
                    var state = await Gov.GetStateAsync(ct).ConfigureAwait(false);
                    ToolState? filter = args.Single("state") is { } s ? ParseState(s) : null;
                    var tools = state.Tools.Where(t => (filter is null || t.State == filter)
                        && (rest.Count == 0 || rest.Any(p => Glob.IsMatch(p, t.Name)))).ToList();
                    if (args.Flag("json"))
                    {
                        await WriteJsonAsync(w =>
                        {
                            w.WriteStartArray();
                            foreach (var tool in tools)
                            {
                                WriteTool(w, state, tool);
                            }

                            w.WriteEndArray();
                        }).ConfigureAwait(false);
                    }
                    else
                    {
                        await stdout.WriteLineAsync($"{"NAME",-48} {"STATE",-14} {"ACTION",-7} {"RISK",-10} TOOLSETS").ConfigureAwait(false);
                        foreach (var tool in tools)
                        {
                            var kill = tool.Killed ? " [killed]" : "";
                            await stdout.WriteLineAsync($"{tool.Name,-48} {tool.State,-14} {tool.Action,-7} {tool.Risk,-10} {string.Join(",", ToolGovernance.ToolsetsOf(state, tool))}{kill}").ConfigureAwait(false);
                        }

                        await stdout.WriteLineAsync($"{tools.Count} tool(s)").ConfigureAwait(false);
                    }

                    return Ok;
                }

                case "show":
                {
                    var name = Required(rest, "a tool name");
                    var state = await Gov.GetStateAsync(ct).ConfigureAwait(false);
                    var tool = state.FindTool(name) ?? throw new GovernanceException($"unknown tool '{name}'");
                    await WriteJsonAsync(w => WriteTool(w, state, tool)).ConfigureAwait(false);
                    return Ok;
                }

                case "approve":
                case "disable":
                {
                    var names = RequiredList(rest, "tool names or globs");
                    var changed = verb == "approve"
                        ? await Gov.ApproveAsync(names, actor, ct).ConfigureAwait(false)
                        : await Gov.DisableAsync(names, actor, ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync($"{(verb == "approve" ? "approved" : "disabled")} {changed.Count} tool(s){(changed.Count > 0 ? ": " + string.Join(", ", changed) : "")}").ConfigureAwait(false);
                    return Ok;
                }

                case "classify":
                {
                    var names = RequiredList(rest, "tool names or globs");
                    var risk = ParseRisk(args.Single("risk") ?? throw new GovernanceException("--risk none|sensitive|dangerous is required"));
                    var changed = await Gov.ClassifyAsync(names, risk, actor, ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync($"classified {changed.Count} tool(s) as {risk}").ConfigureAwait(false);
                    return Ok;
                }

                default:
                    throw new GovernanceException($"unknown tools command '{verb}' (list, show, approve, disable, classify)");
            }
        }

        public async Task<int> ToolsetsAsync(string verb)
        {
            switch (verb)
            {
                case "list":
                {
                    var state = await Gov.GetStateAsync(ct).ConfigureAwait(false);
                    var sets = new List<(string Name, string? Description, bool Automatic, IReadOnlyList<string> Tools, IReadOnlyList<string> Live)>
                    {
                        (Toolset.AllApproved, "every approved tool", true, [], ToolGovernance.ResolveToolset(state, Toolset.AllApproved)),
                        (Toolset.ReadOnly, "every approved tool whose action is Read", true, [], ToolGovernance.ResolveToolset(state, Toolset.ReadOnly)),
                    };
                    sets.AddRange(state.Toolsets.Select(s => (s.Name, s.Description, false, (IReadOnlyList<string>)s.Tools, ToolGovernance.ResolveToolset(state, s.Name))));
                    if (args.Flag("json"))
                    {
                        await WriteJsonAsync(w =>
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
                    }
                    else
                    {
                        foreach (var set in sets)
                        {
                            await stdout.WriteLineAsync($"{set.Name}{(set.Automatic ? " (automatic)" : "")}: {set.Live.Count} callable of {(set.Automatic ? set.Live.Count : set.Tools.Count)}{(set.Automatic ? "" : ": " + string.Join(", ", set.Tools))}").ConfigureAwait(false);
                        }
                    }

                    return Ok;
                }

                case "create":
                {
                    var name = Required(rest, "a toolset name");
                    var tools = args.List("tools").Concat(rest.Skip(1)).ToList();
                    await Gov.CreateToolsetAsync(name, tools, args.Single("description"), actor, ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync($"created toolset {name}").ConfigureAwait(false);
                    return Ok;
                }

                case "add":
                case "remove":
                {
                    var name = Required(rest, "a toolset name");
                    var tools = RequiredList(rest.Skip(1).Concat(args.List("tools")).ToList(), "tool names or globs");
                    if (verb == "add")
                    {
                        await Gov.AddToToolsetAsync(name, tools, actor, ct).ConfigureAwait(false);
                    }
                    else
                    {
                        await Gov.RemoveFromToolsetAsync(name, tools, actor, ct).ConfigureAwait(false);
                    }

                    await stdout.WriteLineAsync($"{(verb == "add" ? "added to" : "removed from")} toolset {name}").ConfigureAwait(false);
                    return Ok;
                }

                case "delete":
                {
                    var name = Required(rest, "a toolset name");
                    await Gov.DeleteToolsetAsync(name, actor, ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync($"deleted toolset {name}").ConfigureAwait(false);
                    return Ok;
                }

                default:
                    throw new GovernanceException($"unknown toolsets command '{verb}' (list, create, add, remove, delete)");
            }
        }

        public async Task<int> ProfilesAsync(string verb)
        {
            switch (verb)
            {
                case "list":
                {
                    var state = await Gov.GetStateAsync(ct).ConfigureAwait(false);
                    var now = Gov.Time.GetUtcNow();
                    if (args.Flag("json"))
                    {
                        await WriteJsonAsync(w =>
                        {
                            w.WriteStartArray();
                            foreach (var p in state.Profiles)
                            {
                                w.WriteStartObject();
                                w.WriteString("name", p.Name);
                                w.WriteString("policy", PolicyName(p.Policy));
                                if (p.Expiry is { } e)
                                {
                                    w.WriteString("expires", e.ToString("c", CultureInfo.InvariantCulture));
                                }

                                WriteStrings(w, "toolsets", p.Toolsets);
                                WriteStrings(w, "users", p.Users);
                                WriteStrings(w, "groups", p.Groups);
                                w.WriteStartArray("grants");
                                foreach (var g in state.Grants.Where(g => g.Profile == p.Name))
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
                    }
                    else
                    {
                        foreach (var p in state.Profiles)
                        {
                            await stdout.WriteLineAsync($"{p.Name}: policy={PolicyName(p.Policy)}{(p.Expiry is null ? "" : $" expires={p.Expiry}")} toolsets=[{string.Join(",", p.Toolsets)}] users=[{string.Join(",", p.Users)}] groups=[{string.Join(",", p.Groups)}]").ConfigureAwait(false);
                            foreach (var g in state.Grants.Where(g => g.Profile == p.Name))
                            {
                                await stdout.WriteLineAsync($"  request {g.Id} {g.User}: {g.Status}{(g.IsActive(now) ? " (active)" : "")}{(g.ExpiresAt is null ? "" : $" until {g.ExpiresAt:O}")}").ConfigureAwait(false);
                            }
                        }
                    }

                    return Ok;
                }

                case "create":
                {
                    var name = Required(rest, "a profile name");
                    // Auto-approve unless told otherwise: the profile is active as soon as it exists.
                    var policy = ParsePolicy(args.Single("policy") ?? "auto");
                    var expiry = args.Single("expires") is { } x ? ParseDuration(x) : (TimeSpan?)null;
                    var toolsets = args.List("toolsets");
                    if (toolsets.Count == 0)
                    {
                        throw new GovernanceException("--toolsets is required");
                    }

                    await Gov.CreateProfileAsync(name, toolsets, args.List("users"), args.List("groups"), policy, expiry, actor, ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync($"created profile {name}").ConfigureAwait(false);
                    return Ok;
                }

                case "bind":
                case "unbind":
                {
                    var name = Required(rest, "a profile name");
                    await Gov.BindProfileAsync(name, verb == "bind", args.List("toolsets"), args.List("users"), args.List("groups"), actor, ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync($"{verb}ed profile {name}").ConfigureAwait(false);
                    return Ok;
                }

                case "delete":
                {
                    var name = Required(rest, "a profile name");
                    await Gov.DeleteProfileAsync(name, actor, ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync($"deleted profile {name}").ConfigureAwait(false);
                    return Ok;
                }

                case "request":
                {
                    var name = Required(rest, "a profile name");
                    var user = args.Single("user") ?? actor;
                    var grant = await Gov.RequestAccessAsync(name, new CallerIdentity(user, args.List("groups")), args.Single("reason"), ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync(grant.Status == GrantStatus.Granted
                        ? $"access to {name} active for {user} until {grant.ExpiresAt:O} (request {grant.Id})"
                        : $"requested {name} for {user}: request {grant.Id} waits for an admin (profiles grant {grant.Id})").ConfigureAwait(false);
                    return Ok;
                }

                case "grant":
                case "deny":
                {
                    var id = Required(rest, "a request id or profile name");
                    var expiry = args.Single("expires") is { } x ? ParseDuration(x) : (TimeSpan?)null;
                    var grant = await Gov.DecideAsync(id, args.Single("user"), verb == "grant", expiry, actor, ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync($"{(verb == "grant" ? "granted" : "denied")} {grant.Profile} for {grant.User} (request {grant.Id}){(grant.ExpiresAt is null ? "" : $" until {grant.ExpiresAt:O}")}").ConfigureAwait(false);
                    return Ok;
                }

                default:
                    throw new GovernanceException($"unknown profiles command '{verb}' (list, create, bind, unbind, delete, request, grant, deny)");
            }
        }

        public async Task<int> KillSwitchAsync(string verb)
        {
            if (verb == "status")
            {
                var state = await Gov.GetStateAsync(ct).ConfigureAwait(false);
                await stdout.WriteLineAsync($"global: {(state.GlobalKillSwitch ? "on" : "off")}").ConfigureAwait(false);
                foreach (var tool in state.Tools.Where(t => t.Killed))
                {
                    await stdout.WriteLineAsync($"{tool.Name}: on").ConfigureAwait(false);
                }

                return Ok;
            }

            if (verb is not ("on" or "off"))
            {
                throw new GovernanceException($"kill-switch needs on, off or status (got '{verb}')");
            }

            var tool0 = rest.Count > 0 ? rest[0] : null;
            if (rest.Count > 1)
            {
                throw new GovernanceException("kill-switch takes at most one tool name");
            }

            await Gov.SetKillSwitchAsync(verb == "on", tool0, actor, ct).ConfigureAwait(false);
            await stdout.WriteLineAsync($"kill switch {verb}{(tool0 is null ? " (all tools)" : $" for {tool0}")}").ConfigureAwait(false);
            return Ok;
        }

        public async Task<int> AuditAsync(string verb)
        {
            switch (verb)
            {
                case "tail":
                {
                    var n = args.Single("n") is { } count
                        ? int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : throw new GovernanceException($"-n needs a positive number (got '{count}')")
                        : 20;
                    var head = await Gov.Store.GetAuditHeadAsync(ct).ConfigureAwait(false);
                    await foreach (var row in Gov.Store.ReadAuditAsync(Math.Max(0, head.Sequence - n), ct).ConfigureAwait(false))
                    {
                        if (args.Flag("json"))
                        {
                            await stdout.WriteLineAsync(WithHash(row)).ConfigureAwait(false);
                            continue;
                        }

                        // Every stored value is escaped: one record is one line, whatever a caller put in a tool name or reason.
                        var r = AuditChain.Read(row);
                        var what = r.Kind == AuditKinds.Call
                            ? $"{r.Outcome}{(r.DenialCode is null ? "" : $" ({r.DenialCode})")} {r.Tool}{(r.Reason is null ? "" : $": {r.Reason}")}"
                            : $"{r.Event}{(r.Tool is null ? "" : $" {r.Tool}")}{(r.Details is null ? "" : $": {r.Details}")}";
                        await stdout.WriteLineAsync($"#{r.Sequence} {r.Time:O} {TerminalText.Escape(r.Kind)} {TerminalText.Escape(r.User) ?? "-"} {TerminalText.Escape(what)}").ConfigureAwait(false);
                    }

                    return Ok;
                }

                case "export":
                {
                    var output = args.Single("output");
                    var writer = output is null ? stdout : new StreamWriter(output, append: false, new UTF8Encoding(false));
                    long count = 0;
                    try
                    {
                        await foreach (var row in Gov.Store.ReadAuditAsync(0, ct).ConfigureAwait(false))
                        {
                            await writer.WriteAsync(WithHash(row)).ConfigureAwait(false);
                            await writer.WriteAsync('\n').ConfigureAwait(false);
                            count++;
                        }
                    }
                    finally
                    {
                        if (output is not null)
                        {
                            await writer.DisposeAsync().ConfigureAwait(false);
                        }
                    }

                    if (output is not null)
                    {
                        await stdout.WriteLineAsync($"exported {count} record(s) to {output}").ConfigureAwait(false);
                    }

                    return Ok;
                }

                case "verify":
                {
                    var result = await Gov.Store.VerifyAuditAsync(ct).ConfigureAwait(false);
                    foreach (var problem in result.Problems)
                    {
                        await stderr.WriteLineAsync("tampered: " + problem).ConfigureAwait(false);
                    }

                    await stdout.WriteLineAsync(result.IsValid
                        ? $"audit chain intact: {result.Count} record(s)"
                        : $"audit chain BROKEN: {result.Problems.Count} problem(s) in {result.Count} record(s)").ConfigureAwait(false);
                    await WriteListAsync("checked:", result.Checked).ConfigureAwait(false);
                    await WriteListAsync("cannot prove:", result.CannotProve).ConfigureAwait(false);
                    return result.IsValid ? Ok : Failed;
                }

                default:
                    throw new GovernanceException($"unknown audit command '{verb}' (tail, export, verify)");
            }
        }

        private async Task WriteListAsync(string title, IReadOnlyList<string> items)
        {
            await stdout.WriteLineAsync(title).ConfigureAwait(false);
            foreach (var item in items)
            {
                await stdout.WriteLineAsync("  - " + item).ConfigureAwait(false);
            }
        }

        public async Task<int> DefaultsAsync(string verb)
        {
            switch (verb)
            {
                case "show":
                {
                    var state = await Gov.GetStateAsync(ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync($"new tool state: {StateName(state.Defaults.NewToolState)}").ConfigureAwait(false);
                    await stdout.WriteLineAsync($"require approval: {(state.Defaults.RequireApproval ? "on" : "off")}").ConfigureAwait(false);
                    await stdout.WriteLineAsync($"global kill switch: {(state.GlobalKillSwitch ? "on" : "off")}").ConfigureAwait(false);
                    return Ok;
                }

                case "set":
                {
                    ToolState? newState = args.Single("state") is { } s ? ParseState(s) : null;
                    bool? require = args.Single("require-approval") switch
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

                    await Gov.SetDefaultsAsync(newState, require, actor, ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync("defaults updated").ConfigureAwait(false);
                    return Ok;
                }

                default:
                    throw new GovernanceException($"unknown defaults command '{verb}' (show, set)");
            }
        }

        public async Task<int> ApprovalsAsync(string verb)
        {
            switch (verb)
            {
                case "list":
                {
                    var state = await Gov.GetStateAsync(ct).ConfigureAwait(false);
                    var now = Gov.Time.GetUtcNow();
                    var all = args.Flag("all");
                    var approvals = state.CallApprovals.Where(a => all || a.IsOpen(now)).OrderBy(a => a.RequestedAt).ToList();
                    if (args.Flag("json"))
                    {
                        await WriteJsonAsync(w =>
                        {
                            w.WriteStartArray();
                            foreach (var approval in approvals)
                            {
                                WriteApproval(w, approval, now);
                            }

                            w.WriteEndArray();
                        }).ConfigureAwait(false);
                        return Ok;
                    }

                    foreach (var a in approvals)
                    {
                        await stdout.WriteLineAsync($"{a.Id} {ApprovalStatus(a, now),-8} {a.Tool} for {a.User} requested {a.RequestedAt:O} expires {a.ExpiresAt:O}{(a.DecidedBy is null ? "" : $" decided by {a.DecidedBy}")}").ConfigureAwait(false);
                        await stdout.WriteLineAsync($"    arguments {a.Arguments} (sha256 {a.ArgumentsHash})").ConfigureAwait(false);
                    }

                    await stdout.WriteLineAsync($"{approvals.Count} approval request(s){(all ? "" : " open (--all shows decided and expired ones)")}").ConfigureAwait(false);
                    return Ok;
                }

                case "show":
                {
                    var id = Required(rest, "an approval request id");
                    var state = await Gov.GetStateAsync(ct).ConfigureAwait(false);
                    var approval = state.CallApprovals.Find(a => a.Id == id) ?? throw new GovernanceException($"unknown approval request '{id}'");
                    await WriteJsonAsync(w => WriteApproval(w, approval, Gov.Time.GetUtcNow())).ConfigureAwait(false);
                    return Ok;
                }

                case "grant":
                case "deny":
                {
                    var id = Required(rest, "an approval request id");
                    var expiry = args.Single("expires") is { } x ? ParseDuration(x) : (TimeSpan?)null;
                    if (verb == "deny" && expiry is not null)
                    {
                        throw new GovernanceException("--expires applies to grant only");
                    }

                    var approval = await Gov.DecideCallApprovalAsync(id, verb == "grant", expiry, args.Single("reason"), actor, ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync(verb == "grant"
                        ? $"granted {approval.Id}: {approval.Tool} for {approval.User} may run once with the same arguments until {approval.ExpiresAt:O}"
                        : $"denied {approval.Id}: {approval.Tool} for {approval.User}").ConfigureAwait(false);
                    return Ok;
                }

                default:
                    throw new GovernanceException($"unknown approvals command '{verb}' (list, show, grant, deny)");
            }
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

        private void WriteTool(Utf8JsonWriter w, GovernanceState state, GovernedTool tool)
        {
            owner._byName.TryGetValue(tool.Name, out var d);
            w.WriteStartObject();
            if (d is not null)
            {
                Auth0ToolDescriptorJson.WriteProperties(w, d);
            }
            else
            {
                w.WriteString("name", tool.Name);
                w.WriteString("action", tool.Action.ToString());
            }

            w.WriteString("state", StateName(tool.State));
            w.WriteString("risk", tool.Risk.ToString());
            w.WriteBoolean("riskOverridden", tool.RiskOverridden);
            w.WriteBoolean("killed", tool.Killed);
            w.WriteString("contentHash", tool.ContentHash);
            w.WriteString("approvedHash", tool.ApprovedHash);
            w.WriteString("lastChange", tool.LastChange);
            WriteStrings(w, "toolsets", ToolGovernance.ToolsetsOf(state, tool));
            w.WriteStartArray("argumentPolicies");
            foreach (var rule in d is null ? Enumerable.Empty<ArgumentRule>() : owner.ArgumentPolicies.Where(p => p.AppliesTo(d)))
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
            if (owner.CallApprovals is { } approvals)
            {
                var (mode, rule) = approvals.Describe(state, tool);
                w.WriteStartObject("callApproval");
                w.WriteString("mode", mode.ToString().ToLowerInvariant());
                w.WriteString("rule", rule);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        private async Task WriteJsonAsync(Action<Utf8JsonWriter> write)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Indented))
            {
                write(writer);
            }

            await stdout.WriteLineAsync(Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
        }
    }

    /// <summary>One audit row as the JSON line that <c>audit export</c> and <c>audit tail --json</c> print (the record with its hash).</summary>
    public static string WithHash(AuditRow row) => row is null ? throw new ArgumentNullException(nameof(row)) : row.Body[..^1] + ",\"hash\":\"" + row.Hash + "\"}";

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    private static string Required(List<string> rest, string what) =>
        rest.Count > 0 && !string.IsNullOrWhiteSpace(rest[0]) ? rest[0] : throw new GovernanceException($"missing {what}");

    private static List<string> RequiredList(List<string> values, string what)
    {
        var list = values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        return list.Count > 0 ? list : throw new GovernanceException($"missing {what}");
    }

    /// <summary>Parses a state name: <c>pending-review</c>, <c>approved</c>, <c>disabled</c>, <c>removed</c> (case and dashes ignored).</summary>
    public static ToolState ParseState(string text) => Normalize(text) switch
    {
        "pendingreview" or "pending" => ToolState.PendingReview,
        "approved" => ToolState.Approved,
        "disabled" => ToolState.Disabled,
        "removed" => ToolState.Removed,
        _ => throw new GovernanceException($"unknown state '{text}' (pending-review, approved, disabled, removed)"),
    };

    /// <summary>Parses a risk: <c>none</c>, <c>sensitive</c>, <c>dangerous</c>.</summary>
    public static ToolRisk ParseRisk(string text) => Normalize(text) switch
    {
        "none" => ToolRisk.None,
        "sensitive" => ToolRisk.Sensitive,
        "dangerous" => ToolRisk.Dangerous,
        _ => throw new GovernanceException($"unknown risk '{text}' (none, sensitive, dangerous)"),
    };

    /// <summary>Parses a policy: <c>auto</c>, <c>jit</c>, <c>approval</c>.</summary>
    public static AccessPolicy ParsePolicy(string text) => Normalize(text) switch
    {
        "auto" or "autoapprove" => AccessPolicy.AutoApprove,
        "jit" or "justintime" => AccessPolicy.JustInTime,
        "approval" or "approvalrequired" => AccessPolicy.ApprovalRequired,
        _ => throw new GovernanceException($"unknown policy '{text}' (auto, jit, approval)"),
    };

    /// <summary>Parses a duration: <c>90s</c>, <c>30m</c>, <c>2h</c>, <c>1d</c>, or <c>hh:mm:ss</c>.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.Length >= 2 && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            TimeSpan? value = char.ToLowerInvariant(t[^1]) switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
            if (value is { } v)
            {
                return v;
            }
        }

        return TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new GovernanceException($"invalid duration '{text}' (e.g. 90s, 30m, 2h, 1d)");
    }

    private static string StateName(ToolState state) => state switch
    {
        ToolState.PendingReview => "pending-review",
        _ => state.ToString().ToLowerInvariant(),
    };

    private static string PolicyName(AccessPolicy policy) => policy switch
    {
        AccessPolicy.AutoApprove => "auto",
        AccessPolicy.JustInTime => "jit",
        _ => "approval",
    };

    /// <summary>A name as users may spell it: dashes and underscores dropped, trimmed, lower case.</summary>
    internal static string Normalize(string text) => text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Trim().ToLowerInvariant();

    private sealed class Arguments
    {
        private static readonly HashSet<string> Flags = ["json", "all"];

        private static readonly HashSet<string> Known =
        [
            "json", "state", "risk", "tools", "description", "toolsets", "users", "groups", "policy", "expires", "user",
            "reason", "n", "output", "require-approval", "actor", "all",
        ];
        private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);

        public List<string> Positional { get; } = [];

        public static Arguments Parse(IEnumerable<string> args)
        {
            var result = new Arguments();
            var list = args.ToList();
            for (var i = 0; i < list.Count; i++)
            {
                var arg = list[i];
                if (arg.StartsWith('-') && arg.Length > 1 && !char.IsDigit(arg[1]))
                {
                    var key = arg.TrimStart('-');
                    string? value = null;
                    var eq = key.IndexOf('=', StringComparison.Ordinal);
                    if (eq >= 0)
                    {
                        value = key[(eq + 1)..];
                        key = key[..eq];
                    }

                    if (!Known.Contains(key))
                    {
                        throw new GovernanceException($"unknown option '{arg}'");
                    }
                    else if (!Flags.Contains(key))
                    {
                        if (i + 1 >= list.Count)
                        {
                            throw new GovernanceException($"option --{key} needs a value");
                        }

                        value = list[++i];
                    }

                    if (!result._options.TryGetValue(key, out var values))
                    {
                        result._options[key] = values = [];
                    }

                    values.Add(value ?? "true");
                }
                else
                {
                    result.Positional.Add(arg);
                }
            }

            return result;
        }

        public bool Flag(string name) => _options.ContainsKey(name);

        public string? Single(string name) => _options.TryGetValue(name, out var values)
            ? values.Count == 1 ? values[0] : throw new GovernanceException($"option --{name} given more than once")
            : null;

        public List<string> List(string name) => _options.TryGetValue(name, out var values)
            ? values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList()
            : [];
    }
}
