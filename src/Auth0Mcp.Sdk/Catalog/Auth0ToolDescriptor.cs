using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Auth0Mcp.Sdk.Catalog;

/// <summary>
/// Everything the runtime knows about one generated Auth0 Management API tool: its MCP surface
/// (name, title, description, input schema, annotations) and the metadata governance needs
/// (operation, method, path, group, required scopes, lifecycle, action).
/// </summary>
/// <remarks>Instances are created by generated code; they are immutable.</remarks>
public sealed class Auth0ToolDescriptor
{
    private string? _contentHash;
    private StrongBox<JsonElement>? _inputSchemaElement;

    /// <summary>Creates a descriptor. Called by generated code.</summary>
    /// <remarks>
    /// <paramref name="contentHash"/> is <see cref="ContentHash"/> as the generator took it at build time (so that no
    /// start-up hashes every tool); null: it is taken from the other values when first read. It must be that value:
    /// governance binds approvals to it (CatalogHashTests checks every generated tool).
    /// <paramref name="fullDescription"/> is the whole description where <paramref name="description"/> is cut (the
    /// generator cuts long ones for tools/list); null when nothing was cut.
    /// </remarks>
    public Auth0ToolDescriptor(
        string name,
        string title,
        string description,
        string method,
        string path,
        string operationId,
        IReadOnlyList<string> group,
        IReadOnlyList<string> scopes,
        Auth0ToolAction action,
        string lifecycle,
        string inputSchema,
        bool readOnly,
        bool destructive,
        bool idempotent,
        Auth0RequestPlan? request = null,
        string? contentHash = null,
        string? fullDescription = null)
    {
        Name = name;
        Title = title;
        Description = description;
        FullDescription = fullDescription ?? description;
        Method = method;
        Path = path;
        OperationId = operationId;
        Group = group;
        Scopes = scopes;
        Action = action;
        Lifecycle = lifecycle;
        InputSchema = inputSchema;
        ReadOnly = readOnly;
        Destructive = destructive;
        Idempotent = idempotent;
        Request = request ?? Auth0RequestPlan.Empty;
        _contentHash = contentHash;
    }

    /// <summary>The MCP tool name, e.g. <c>auth0_users_list</c> (at most 64 characters).</summary>
    public string Name { get; }

    /// <summary>A short human title (the spec's summary).</summary>
    public string Title { get; }

    /// <summary>The description shown to a model in tools/list (long ones cut, ending " …").</summary>
    public string Description { get; }

    /// <summary>
    /// The whole description, which <c>auth0_describe_tool</c> shows: <see cref="Description"/> itself unless that was cut.
    /// Not part of <see cref="ContentHash"/> (an approval holds for what tools/list shows; see docs/discovery.md).
    /// </summary>
    public string FullDescription { get; }

    /// <summary>The HTTP method in upper case (<c>GET</c>, <c>POST</c>, ...).</summary>
    public string Method { get; }

    /// <summary>The path template relative to <c>/api/v2</c>, e.g. <c>/users/{id}</c>.</summary>
    public string Path { get; }

    /// <summary>The spec's operationId.</summary>
    public string OperationId { get; }

    /// <summary>The operation group segments (<c>x-operation-group</c>), e.g. <c>["users", "roles"]</c>.</summary>
    public IReadOnlyList<string> Group { get; }

    /// <summary>The group segments joined with '.', e.g. <c>users.roles</c>.</summary>
    public string GroupName => string.Join('.', Group);

    /// <summary>The Management API scopes the operation requires (all of them).</summary>
    public IReadOnlyList<string> Scopes { get; }

    /// <summary>Read, Write or Delete.</summary>
    public Auth0ToolAction Action { get; }

    /// <summary>The release lifecycle (<c>GA</c>, <c>EA</c>, <c>beta</c>; <c>GA</c> when the spec says nothing).</summary>
    public string Lifecycle { get; }

    /// <summary>The JSON Schema of the tool's arguments, always <c>"type": "object"</c>.</summary>
    public string InputSchema { get; }

    /// <summary>
    /// <see cref="InputSchema"/> parsed, once, into an element that owns its exact-size UTF-8 copy: the tool's listed
    /// schema, its argument validator and progressive search all read this one. Safe to read from any thread; every
    /// reader gets the same element.
    /// </summary>
    public JsonElement InputSchemaElement => (Volatile.Read(ref _inputSchemaElement) ?? ParseInputSchema()).Value;

    /// <summary>MCP readOnlyHint: the tool changes nothing.</summary>
    public bool ReadOnly { get; }

    /// <summary>MCP destructiveHint: the tool may change or remove existing data.</summary>
    public bool Destructive { get; }

    /// <summary>MCP idempotentHint: calling twice with the same arguments has no further effect.</summary>
    public bool Idempotent { get; }

    /// <summary>How the validated arguments become the HTTP request (argument locations, body media type).</summary>
    public Auth0RequestPlan Request { get; }

    /// <summary>MCP openWorldHint: always true, the tool reaches an external system (Auth0).</summary>
    public bool OpenWorld => true;

    /// <summary>
    /// A sha256 (hex) of what a reviewer approves: name, title, description, method, path, scopes and
    /// input schema. Governance binds an approval to it, so a changed tool returns to review.
    /// </summary>
    public string ContentHash => _contentHash ??= ComputeContentHash();

    // Two threads may parse at once; the first to finish is kept, so every reader sees the same element.
    private StrongBox<JsonElement> ParseInputSchema()
    {
        var parsed = new StrongBox<JsonElement>(JsonElement.Parse(InputSchema));
        return Interlocked.CompareExchange(ref _inputSchemaElement, parsed, null) ?? parsed;
    }

    // The sha256 of string.Join('\n', Name, Title, Description, Method, Path, string.Join(' ', Scopes), InputSchema) in
    // UTF-8, hashed piece by piece (every start-up takes it for every tool).
    private string ComputeContentHash()
    {
        using var hash = new Sha256Utf8();
        foreach (var part in (ReadOnlySpan<string>)[Name, Title, Description, Method, Path])
        {
            hash.Append(part).Append((byte)'\n');
        }

        return hash.AppendJoined((byte)' ', Scopes).Append((byte)'\n').Append(InputSchema).ToHex();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Method} {Path})";
}
