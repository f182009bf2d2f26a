using System.Text.Json;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Tools;

/// <summary>What a tool call came to: the MCP result and the outcome of the Auth0 call (null when none was made).</summary>
/// <param name="Result">The tool result (already redacted).</param>
/// <param name="Outcome">Status, Auth0 error code, attempts, size, truncation; null when no request was made.</param>
internal sealed record Auth0ToolCall(CallToolResult Result, Auth0CallOutcome? Outcome);

/// <summary>
/// An Auth0 Management API tool: a reflection-free <see cref="McpServerTool"/> with a literal input schema and a
/// request plan (<see cref="Auth0ToolDescriptor.Request"/>). A call validates its arguments
/// (<see cref="Auth0ArgumentValidator"/>), builds the request straight from them (<see cref="Auth0RequestBuilder"/>),
/// sends it (<see cref="Auth0ApiClient"/>) and maps Auth0's raw answer to a result (<see cref="Auth0ToolResults"/>).
/// A generated catalogue makes one from each descriptor (<c>Auth0ToolCatalog.CreateTools()</c>); there is no per-tool code.
/// </summary>
public class Auth0ApiTool : McpServerTool
{
    private Auth0ArgumentValidator? _validator;

    /// <summary>Creates the tool from its descriptor.</summary>
    public Auth0ApiTool(Auth0ToolDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        Descriptor = descriptor;
        ProtocolTool = new Tool
        {
            Name = descriptor.Name,
            Title = descriptor.Title,
            Description = descriptor.Description,
            InputSchema = descriptor.InputSchemaElement,
            Annotations = new ToolAnnotations
            {
                Title = descriptor.Title,
                ReadOnlyHint = descriptor.ReadOnly,
                DestructiveHint = descriptor.Destructive,
                IdempotentHint = descriptor.Idempotent,
                OpenWorldHint = descriptor.OpenWorld,
            },
        };
        Metadata = [descriptor];
    }

    /// <summary>What the tool is and does.</summary>
    public Auth0ToolDescriptor Descriptor { get; }

    /// <inheritdoc />
    public override Tool ProtocolTool { get; }

    /// <inheritdoc />
    public override IReadOnlyList<object> Metadata { get; }

    /// <summary>Validates arguments against the input schema; each error names the argument (empty when valid).</summary>
    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, JsonElement>? arguments) =>
        (_validator ??= new Auth0ArgumentValidator(Descriptor.InputSchemaElement)).Validate(arguments);

    /// <inheritdoc />
    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var services = request.Services ?? throw new InvalidOperationException("The MCP request has no service provider.");
        var progress = Auth0McpProgress.For(request.Server, request.Params?.ProgressToken);
        return await InvokeAsync(request.Params?.Arguments, services, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Validates the arguments, calls Auth0 and maps its answer to a tool result.</summary>
    public ValueTask<CallToolResult> InvokeAsync(IDictionary<string, JsonElement>? arguments, IServiceProvider services, CancellationToken cancellationToken = default) =>
        InvokeAsync(arguments, services, null, cancellationToken);

    /// <summary>Validates the arguments, calls Auth0 and maps its answer to a tool result; retry waits are reported to <paramref name="progress"/>.</summary>
    internal async ValueTask<CallToolResult> InvokeAsync(IDictionary<string, JsonElement>? arguments, IServiceProvider services, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        var values = ReadOnly(arguments);
        var errors = Validate(values);
        if (errors.Count > 0)
        {
            return Auth0ToolResults.InvalidArguments(Descriptor.Name, errors);
        }

        return (await CallAsync(values, services, progress, cancellationToken).ConfigureAwait(false)).Result;
    }

    /// <summary>
    /// Calls Auth0 with arguments that <see cref="Validate"/> accepted: builds the request from the plan, sends it, reads
    /// the answer up to the output limit, and returns the result with the call's <see cref="Auth0CallOutcome"/>.
    /// </summary>
    internal async ValueTask<Auth0ToolCall> CallAsync(IReadOnlyDictionary<string, JsonElement> arguments, IServiceProvider services, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(services);
        var client = services.GetRequiredService<Auth0ApiClient>();
        HttpRequestMessage request;
        try
        {
            request = Auth0RequestBuilder.Build(Descriptor, arguments, client.BaseAddress);
        }
        catch (Auth0HttpException ex)
        {
            var refused = new Auth0CallOutcome { Failure = ex.Kind, FailureMessage = ex.Message };
            return new Auth0ToolCall(Auth0ToolResults.Failure(Descriptor, refused), refused);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OptionsValidationException)
        {
            // No tenant configured, or the connection's options are invalid: the caller is told which, like a missing credential.
            var refused = new Auth0CallOutcome { Failure = Auth0FailureKind.Configuration, FailureMessage = Auth0Redaction.Redact(ex.Message) };
            return new Auth0ToolCall(Auth0ToolResults.Failure(Descriptor, refused), refused);
        }

        using (request)
        {
            try
            {
                var response = await client.SendAsync(request, new Auth0CallState(Descriptor.Name, Descriptor, progress), cancellationToken).ConfigureAwait(false);
                return new Auth0ToolCall(Auth0ToolResults.FromResponse(Descriptor, response), response.Outcome);
            }
            catch (Auth0CredentialException ex)
            {
                var outcome = new Auth0CallOutcome { Failure = Auth0FailureKind.Credential, FailureMessage = Auth0Redaction.Redact(ex.Message) };
                return new Auth0ToolCall(Auth0ToolResults.Failure(Descriptor, outcome), outcome);
            }
        }
    }

    private static IReadOnlyDictionary<string, JsonElement> ReadOnly(IDictionary<string, JsonElement>? arguments) => arguments switch
    {
        null => new Dictionary<string, JsonElement>(),
        IReadOnlyDictionary<string, JsonElement> dictionary => dictionary,
        _ => new Dictionary<string, JsonElement>(arguments, StringComparer.Ordinal),
    };
}
