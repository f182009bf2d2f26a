using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Progressive.Search;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Progressive;

/// <summary>
/// The three tools of progressive mode. Search and describe see only the caller's entitled tools (what its
/// <c>tools/list</c> would show in full mode); call re-dispatches <c>tools/call</c> under the real tool's name
/// through the same filter pipeline as a direct call, so governance, hooks, audit and rate limits apply unchanged.
/// </summary>
internal static class ProgressiveTools
{
    /// <summary>The search tool's name.</summary>
    public const string SearchName = "auth0_search_tools";

    /// <summary>The describe tool's name.</summary>
    public const string DescribeName = "auth0_describe_tool";

    /// <summary>The call tool's name.</summary>
    public const string CallName = "auth0_call_tool";

    /// <summary>Whether <paramref name="name"/> is one of the three.</summary>
    public static bool IsProgressiveTool(string? name) => name is SearchName or DescribeName or CallName;

    /// <summary>Creates the three tools.</summary>
    public static IReadOnlyList<McpServerTool> Create() => [new SearchTool(), new DescribeTool(), new CallTool()];

    /// <summary>The tools the caller of <paramref name="context"/> may call now, as descriptors (all of them without governance).</summary>
    public static async ValueTask<IReadOnlyList<Auth0ToolDescriptor>> EntitledAsync(MessageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = context.Services ?? throw new InvalidOperationException("The MCP request has no service provider.");
        var all = GovernanceRuntime.DescriptorsOf(GovernanceRuntime.RegisteredTools(services));
        if (services.GetService<GovernanceRuntime>() is { } governance)
        {
            var visible = await governance.VisibleToolsAsync(context, cancellationToken).ConfigureAwait(false);
            return all.Where(d => visible.Contains(d.Name)).ToList();
        }

        return all;
    }

    /// <summary>
    /// Each tool's risk as governance holds it (an administrator's class included); without governance, the default
    /// of <see cref="RiskClassifier"/>.
    /// </summary>
    private static async ValueTask<Func<Auth0ToolDescriptor, ToolRisk>> RisksAsync(MessageContext context, CancellationToken cancellationToken)
    {
        if (context.Services?.GetService<GovernanceRuntime>() is not { } governance)
        {
            return RiskClassifier.Classify;
        }

        var state = await governance.Governance.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
        return tool => state.FindTool(tool.Name) is { } governed ? ToolGovernance.RiskNow(governed, tool) : RiskClassifier.Of(tool);
    }

    /// <summary>Whether governance has every call stopped (the global kill switch), which a call's own refusal also says.</summary>
    private static async ValueTask<bool> KillSwitchOnAsync(MessageContext context, CancellationToken cancellationToken) =>
        context.Services?.GetService<GovernanceRuntime>() is { } governance
        && (await governance.Governance.GetCurrentAsync(cancellationToken).ConfigureAwait(false)).GlobalKillSwitch;

    private static JsonElement Schema(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    private static CallToolResult Text(string text, bool error = false) => new()
    {
        IsError = error ? true : null,
        Content = [new TextContentBlock { Text = text }],
    };

    private static string? StringArg(RequestContext<CallToolRequestParams> request, string name) =>
        request.Params?.Arguments is { } args && args.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? IntArg(RequestContext<CallToolRequestParams> request, string name) =>
        request.Params?.Arguments is { } args && args.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static void WriteRequired(Utf8JsonWriter w, Auth0ToolDescriptor tool)
    {
        w.WriteStartArray("required");
        foreach (var name in ToolSummary.RequiredArguments(tool))
        {
            w.WriteStringValue(name);
        }

        w.WriteEndArray();
    }

    // The action (Read, Write, Delete), the risk governance holds (none, sensitive, dangerous) and the HTTP call.
    private static void WriteActionAndRisk(Utf8JsonWriter w, Auth0ToolDescriptor tool, ToolRisk risk)
    {
        w.WriteString("action", tool.Action.ToString());
        w.WriteString("risk", risk.ToString().ToLowerInvariant());
        w.WriteString("http", tool.Method + " " + tool.Path);
    }

    private static ToolAnnotations ReadOnlyLocal(string title) => new()
    {
        Title = title,
        ReadOnlyHint = true,
        DestructiveHint = false,
        IdempotentHint = true,
        OpenWorldHint = false,
    };

    private const int MaxQueryChars = 500;

    private const int MaxGroupChars = 200;

    private sealed class SearchTool : McpServerTool
    {
        public override Tool ProtocolTool { get; } = new()
        {
            Name = SearchName,
            Title = "Search Auth0 tools",
            Description = "Find the Auth0 tools you may call: say what to do (e.g. \"block the user jane@example.com\") and/or give a group (e.g. users). No arguments: the groups. Then auth0_describe_tool, then auth0_call_tool.",
            InputSchema = Schema("""{"type":"object","properties":{"query":{"type":"string","maxLength":500,"description":"What you want to do, in words"},"group":{"type":"string","maxLength":200,"description":"Operation group or its prefix, e.g. users"},"action":{"enum":["read","write","delete"]},"limit":{"type":"integer","minimum":1,"maximum":50},"offset":{"type":"integer","minimum":0}}}"""),
            Annotations = ReadOnlyLocal("Search Auth0 tools"),
        };

        public override IReadOnlyList<object> Metadata { get; } = [];

        public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(request);
            var options = request.Services?.GetService<IOptions<ToolsModeOptions>>()?.Value ?? new ToolsModeOptions();
            var entitled = await EntitledAsync(request, cancellationToken).ConfigureAwait(false);
            var riskOf = await RisksAsync(request, cancellationToken).ConfigureAwait(false);
            var query = StringArg(request, "query");
            var group = StringArg(request, "group");
            // A search reads every entitled tool's text for each word: its cost grows with the query, so the query is short.
            if (query is { Length: > MaxQueryChars } || group is { Length: > MaxGroupChars })
            {
                return Text(query is { Length: > MaxQueryChars }
                    ? $"query is {query.Length} characters; say what to do in at most {MaxQueryChars}."
                    : $"group is {group!.Length} characters; a group name has at most {MaxGroupChars}.", error: true);
            }

            Auth0ToolAction? action = null;
            if (StringArg(request, "action") is { } actionText)
            {
                // The three names only: Enum.TryParse also took numbers and "read, write" (as one flag: Write).
                action = actionText.Trim().ToLowerInvariant() switch
                {
                    "read" => Auth0ToolAction.Read,
                    "write" => Auth0ToolAction.Write,
                    "delete" => Auth0ToolAction.Delete,
                    _ => null,
                };
                if (action is null)
                {
                    return Text($"action must be read, write or delete, not '{actionText}'.", error: true);
                }
            }

            var limit = Math.Clamp(IntArg(request, "limit") ?? Math.Min(15, options.MaxSearchResults), 1, options.MaxSearchResults);
            var offset = Math.Max(0, IntArg(request, "offset") ?? 0);

            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                if (string.IsNullOrWhiteSpace(query) && string.IsNullOrWhiteSpace(group) && action is null)
                {
                    var groups = ToolSearch.Groups(entitled);
                    w.WriteNumber("tools", entitled.Count);
                    w.WriteStartObject("groups");
                    foreach (var (name, count) in groups)
                    {
                        w.WriteNumber(name, count);
                    }

                    w.WriteEndObject();
                    w.WriteString("next", entitled.Count == 0
                        ? await KillSwitchOnAsync(request, cancellationToken).ConfigureAwait(false)
                            ? "Every tool call is stopped: an administrator turned the kill switch on for all tools."
                            : "You may call no tool yet: ask an administrator to approve tools and bind an access profile to you."
                        : "Search with query and/or group; describe a tool with auth0_describe_tool before calling it.");
                }
                else
                {
                    var hits = ToolSearch.Search(entitled, query, group, action);
                    var page = hits.Skip(offset).Take(limit).ToList();
                    w.WriteNumber("matches", hits.Count);
                    if (hits.Count > 0 && !hits[0].MatchedAll)
                    {
                        w.WriteString("note", "no tool matched every word; these match some of them");
                    }

                    w.WriteStartArray("tools");
                    foreach (var hit in page)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", hit.Tool.Name);
                        w.WriteString("purpose", ToolSummary.Purpose(hit.Tool));
                        WriteRequired(w, hit.Tool);
                        WriteActionAndRisk(w, hit.Tool, riskOf(hit.Tool));
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    if (offset + page.Count < hits.Count)
                    {
                        w.WriteNumber("next_offset", offset + page.Count);
                    }
                }

                w.WriteEndObject();
            }

            return Text(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        }
    }

    private sealed class DescribeTool : McpServerTool
    {
        public override Tool ProtocolTool { get; } = new()
        {
            Name = DescribeName,
            Title = "Describe an Auth0 tool",
            Description = "Description, input schema and an example argument object of one tool found with auth0_search_tools.",
            InputSchema = Schema("""{"type":"object","properties":{"name":{"type":"string","description":"Tool name, e.g. auth0_users_list"}},"required":["name"]}"""),
            Annotations = ReadOnlyLocal("Describe an Auth0 tool"),
        };

        public override IReadOnlyList<object> Metadata { get; } = [];

        public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(request);
            var name = StringArg(request, "name");
            var entitled = await EntitledAsync(request, cancellationToken).ConfigureAwait(false);
            var tool = entitled.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));
            if (tool is null)
            {
                return Text($"No tool '{name}' that you may call: find names with auth0_search_tools.", error: true);
            }

            var riskOf = await RisksAsync(request, cancellationToken).ConfigureAwait(false);

            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                w.WriteString("name", tool.Name);
                w.WriteString("title", tool.Title);
                w.WriteString("description", tool.FullDescription); // whole: tools/list's may be cut
                WriteActionAndRisk(w, tool, riskOf(tool));
                WriteRequired(w, tool);
                w.WriteStartObject("annotations");
                w.WriteBoolean("readOnlyHint", tool.ReadOnly);
                w.WriteBoolean("destructiveHint", tool.Destructive);
                w.WriteBoolean("idempotentHint", tool.Idempotent);
                w.WriteEndObject();
                w.WritePropertyName("inputSchema");
                tool.InputSchemaElement.WriteTo(w);

                w.WritePropertyName("example");
                w.WriteRawValue(ToolExample.Create(tool.InputSchemaElement));
                w.WriteString("call", $"auth0_call_tool with name=\"{tool.Name}\" and arguments matching inputSchema (example: the shape, with placeholder values)");
                w.WriteEndObject();
            }

            return Text(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        }
    }

    private sealed class CallTool : McpServerTool
    {
        public override Tool ProtocolTool { get; } = new()
        {
            Name = CallName,
            Title = "Call an Auth0 tool",
            Description = "Call one Auth0 tool by name with arguments matching its input schema (see auth0_describe_tool). Governed and audited exactly like a direct call.",
            InputSchema = Schema("""{"type":"object","properties":{"name":{"type":"string","description":"Tool name"},"arguments":{"type":"object","description":"The tool's arguments"}},"required":["name"]}"""),
            Annotations = new ToolAnnotations
            {
                Title = "Call an Auth0 tool",
                ReadOnlyHint = false,
                DestructiveHint = true,
                IdempotentHint = false,
                OpenWorldHint = true,
            },
        };

        public override IReadOnlyList<object> Metadata { get; } = [];

        // The filter registered by WithToolsMode handles this tool; reaching here means it is missing.
        public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Text("auth0_call_tool needs the progressive tools filter (WithToolsMode(ToolsMode.Progressive)).", error: true));
    }
}
