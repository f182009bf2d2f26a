using System.Text.Json;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Tools;

/// <summary>
/// The base of every generated Auth0 Management API tool: a reflection-free <see cref="McpServerTool"/> with a
/// literal input schema. A call validates its arguments (no HTTP request when they are wrong), sends one
/// request through the typed Refit client, and returns Auth0's response as it came.
/// </summary>
public abstract class Auth0ApiTool : McpServerTool
{
    private readonly JsonElement _schema;

    /// <summary>Creates the tool from its generated descriptor.</summary>
    protected Auth0ApiTool(Auth0ToolDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        Descriptor = descriptor;
        using (var doc = JsonDocument.Parse(descriptor.InputSchema))
        {
            _schema = doc.RootElement.Clone();
        }

        ProtocolTool = new Tool
        {
            Name = descriptor.Name,
            Title = descriptor.Title,
            Description = descriptor.Description,
            InputSchema = _schema,
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

    /// <inheritdoc />
    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var services = request.Services ?? throw new InvalidOperationException("The MCP request has no service provider.");
        var progress = Auth0McpProgress.For(request.Server, request.Params?.ProgressToken);
        return await InvokeAsync(request.Params?.Arguments, services, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Validates the arguments, calls Auth0 and maps its answer to a tool result.</summary>
    public ValueTask<CallToolResult> InvokeAsync(IDictionary<string, JsonElement>? arguments, IServiceProvider services, CancellationToken cancellationToken = default) =>
        InvokeAsync(arguments, services, null, cancellationToken);

    /// <summary>
    /// Validates the arguments, checks the token's scopes (<see cref="IAuth0ScopeGuard"/>), calls Auth0 and maps its
    /// answer to a tool result; retry waits are reported to <paramref name="progress"/>.
    /// </summary>
    public async ValueTask<CallToolResult> InvokeAsync(IDictionary<string, JsonElement>? arguments, IServiceProvider services, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        var values = arguments is null ? new Dictionary<string, JsonElement>() : new Dictionary<string, JsonElement>(arguments);
        var errors = JsonSchemaValidator.Validate(_schema, ToElement(values));
        if (errors.Count > 0)
        {
            return Auth0ToolResults.InvalidArguments(Descriptor.Name, errors);
        }

        if (services.GetService<IAuth0ScopeGuard>() is { } guard)
        {
            try
            {
                var check = await guard.CheckAsync(Descriptor, cancellationToken).ConfigureAwait(false);
                if (!check.Allowed)
                {
                    return Auth0ToolResults.MissingScopes(Descriptor, check.Missing);
                }
            }
            catch (Auth0CredentialException ex)
            {
                return Auth0ToolResults.Failure(Descriptor, ex);
            }
        }

        using var call = Auth0CallContext.Begin(Descriptor, progress);
        var capture = Auth0ResponseCapture.Begin();
        try
        {
            var http = services.GetRequiredService<IAuth0HttpClientSource>().CreateClient();
            await SendAsync(new Auth0ToolArguments(values), http, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (!capture.HasResponse)
        {
            return Auth0ToolResults.Failure(Descriptor, ex);
        }
        catch (Exception) when (capture.HasResponse)
        {
            // The response arrived but the typed client could not read it (a spec/response mismatch):
            // the raw response below is still the answer.
        }

        return capture.HasResponse
            ? Auth0ToolResults.FromResponse(Descriptor, capture)
            : Auth0ToolResults.Failure(Descriptor, new InvalidOperationException("No response was received from Auth0."));
    }

    /// <summary>Sends the request through the typed Refit client. Generated per operation.</summary>
    protected abstract Task SendAsync(Auth0ToolArguments arguments, HttpClient http, CancellationToken cancellationToken);

    private static JsonElement ToElement(Dictionary<string, JsonElement> values)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in values)
            {
                writer.WritePropertyName(key);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }
}
