using System.Text.Json;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Progressive;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses how the server presents its tools: every entitled tool (paginated), or three progressive tools.</summary>
public static class ToolsModeMcpServerBuilderExtensions
{
    /// <summary>
    /// Full mode pages <c>tools/list</c> (<see cref="ToolsModeOptions.PageSize"/>). Progressive mode lists only
    /// <c>auth0_search_tools</c>, <c>auth0_describe_tool</c> and <c>auth0_call_tool</c>; the call tool re-dispatches
    /// under the real tool's name through every other <c>tools/call</c> filter (tool governance included), so a call
    /// made through it is decided, hooked and audited exactly as a direct call. The filters registered here run
    /// outermost whatever the registration order.
    /// </summary>
    /// <param name="builder">The MCP server builder.</param>
    /// <param name="configure">Sets the options; they are validated here (an invalid value throws <see cref="OptionsValidationException"/>).</param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException">Called a second time on the same services (its filters would page twice).</exception>
    public static IMcpServerBuilder WithToolsMode(this IMcpServerBuilder builder, Action<ToolsModeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(ToolsModeMarker)))
        {
            throw new InvalidOperationException("WithToolsMode was already called for this server: call it once, with every option.");
        }

        builder.Services.AddSingleton<ToolsModeMarker>();
        var options = new ToolsModeOptions();
        configure?.Invoke(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(ToolsModeOptions), typeof(ToolsModeOptions), errors);
        }

        builder.Services.AddSingleton(Options.Options.Create(options));
        if (options.Mode == ToolsMode.Progressive)
        {
            builder.WithTools(ProgressiveTools.Create());
        }

        builder.Services.PostConfigure<McpServerOptions>(o =>
        {
            o.Filters.Request.ListToolsFilters.Insert(0, next => (context, cancellationToken) => ListAsync(options, context, next, cancellationToken));
            o.Filters.Request.CallToolFilters.Insert(0, next => (context, cancellationToken) => CallAsync(options, context, next, cancellationToken));
        });
        return builder;
    }

    private static async ValueTask<ListToolsResult> ListAsync(ToolsModeOptions options, RequestContext<ListToolsRequestParams> context, McpRequestHandler<ListToolsRequestParams, ListToolsResult> next, CancellationToken cancellationToken)
    {
        // The SDK lists its tools only for a first page: ask the inner pipeline (governance) for the whole
        // visible list, then cut the page here.
        var cursor = context.Params?.Cursor;
        if (context.Params is not null)
        {
            context.Params.Cursor = null;
        }

        var result = await next(context, cancellationToken).ConfigureAwait(false);
        if (options.Mode == ToolsMode.Progressive)
        {
            // Governance hid the three tools (they are not in its catalogue) but has noted what this session may
            // reach, so tools/list_changed still follows approvals and profile changes.
            var tools = context.Server.ServerOptions.ToolCollection;
            result.Tools = ProgressiveTools.Create().Select(t => tools is not null && tools.TryGetPrimitive(t.ProtocolTool.Name, out var registered) ? registered.ProtocolTool : t.ProtocolTool).ToList();
            result.NextCursor = null;
            return result;
        }

        var (page, nextCursor) = ToolListPaging.Page(result.Tools, cursor, options.PageSize);
        result.Tools = page;
        result.NextCursor = nextCursor;
        return result;
    }

    private static async ValueTask<CallToolResult> CallAsync(ToolsModeOptions options, RequestContext<CallToolRequestParams> context, McpRequestHandler<CallToolRequestParams, CallToolResult> next, CancellationToken cancellationToken)
    {
        var name = context.Params?.Name;
        if (options.Mode != ToolsMode.Progressive || !ProgressiveTools.IsProgressiveTool(name))
        {
            return await next(context, cancellationToken).ConfigureAwait(false);
        }

        var tools = context.Server.ServerOptions.ToolCollection;
        if (name != ProgressiveTools.CallName)
        {
            // Search and describe reveal only what the caller may call (they never reach Auth0): no access decision, but
            // each one is recorded when governance is on.
            if (tools is null || !tools.TryGetPrimitive(name!, out var local))
            {
                return Error($"{name} is not registered.");
            }

            return context.Services?.GetService<GovernanceRuntime>() is { } runtime
                ? await runtime.RunDiscoveryAsync(context, () => local.InvokeAsync(context, cancellationToken), cancellationToken).ConfigureAwait(false)
                : await local.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
        }

        var args = context.Params!.Arguments;
        if (args is null || !args.TryGetValue("name", out var target) || target.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(target.GetString()))
        {
            return await RefuseAsync(context, "auth0_call_tool needs name (a tool name from auth0_search_tools) and arguments (an object).", cancellationToken).ConfigureAwait(false);
        }

        var targetName = target.GetString()!;
        Dictionary<string, JsonElement> inner = new(StringComparer.Ordinal);
        if (args.TryGetValue("arguments", out var given))
        {
            if (given.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in given.EnumerateObject())
                {
                    inner[p.Name] = p.Value.Clone();
                }
            }
            else if (given.ValueKind is not JsonValueKind.Null and not JsonValueKind.Undefined)
            {
                return await RefuseAsync(context, $"auth0_call_tool: arguments must be an object, got {given.ValueKind}.", cancellationToken).ConfigureAwait(false);
            }
        }

        if (ProgressiveTools.IsProgressiveTool(targetName))
        {
            return await RefuseAsync(context, $"auth0_call_tool cannot call {targetName}: call it directly.", cancellationToken).ConfigureAwait(false);
        }

        McpServerTool? real = null;
        var known = tools is not null && tools.TryGetPrimitive(targetName, out real);
        if (!known && context.Services?.GetService<GovernanceRuntime>() is null)
        {
            return Error($"No tool '{targetName}': find names with auth0_search_tools.");
        }

        // Re-dispatch as a direct tools/call of the real tool: the inner filters (governance: decision, hooks,
        // audit) see the real name and arguments, and the SDK invokes the matched tool. The client's answers to an
        // input-required round (a call approval's confirmation) and their request state travel on with the call.
        context.Params = new CallToolRequestParams
        {
            Name = targetName,
            Arguments = inner,
            Meta = context.Params.Meta,
            InputResponses = context.Params.InputResponses,
            RequestState = context.Params.RequestState,
        };
        context.MatchedPrimitive = real;
        return await next(context, cancellationToken).ConfigureAwait(false);
    }

    private static CallToolResult Error(string text) => new() { IsError = true, Content = [new TextContentBlock { Text = text }] };

    /// <summary>A malformed progressive call: refused, and recorded when governance is on (every refusal leaves a record).</summary>
    private static async ValueTask<CallToolResult> RefuseAsync(RequestContext<CallToolRequestParams> context, string reason, CancellationToken cancellationToken) =>
        context.Services?.GetService<GovernanceRuntime>() is { } governance
            ? await governance.RecordRefusalAsync(context, ProgressiveTools.CallName, DenialCodes.MalformedRequest, reason, cancellationToken).ConfigureAwait(false)
            : Error(reason);
}

/// <summary>Marks services that already have <see cref="ToolsModeMcpServerBuilderExtensions.WithToolsMode"/>.</summary>
internal sealed class ToolsModeMarker;
