using System;

namespace Auth0Mcp.Generators.Model;

// What the Reader keeps of the spec: a faithful, immutable, equatable copy of the parts we use.
// Nothing here carries a line number, so a whitespace-only edit yields an equal document.

/// <summary>
/// The spec as read: its <c>info</c>, the default base URL from <c>servers</c> (variables replaced by their
/// defaults; empty when the spec has none), operations in document order and the component schemas (plus the
/// schemas that <c>$ref</c>s reach outside <c>#/components/schemas</c>, under names of their own).
/// </summary>
internal sealed record SpecDocument(
    string Title,
    string Version,
    EquatableArray<OperationNode> Operations,
    EquatableArray<NamedSchema> Schemas)
{
    public string Description { get; init; } = "";

    public string BaseUrl { get; init; } = "";
}

internal sealed record NamedSchema(string Name, SchemaNode Schema);

internal sealed record OperationNode(
    string Path,
    string Method,
    string? OperationId,
    string? Summary,
    string? Description,
    EquatableArray<string> Group,
    string? OperationName,
    string? Lifecycle,
    EquatableArray<ParameterNode> Parameters,
    RequestBodyNode? Body,
    ResponseNode? Success,
    EquatableArray<string> Scopes)
{
    /// <summary>The JSON pointer of the operation (<c>/paths/~1users/get</c>): where its diagnostics point.</summary>
    public string Pointer { get; init; } = "";

    public EquatableArray<string> Tags { get; init; } = EquatableArray<string>.Empty;

    public bool Deprecated { get; init; }
}

/// <summary>
/// A parameter after <c>$ref</c> resolution and the path-item merge. <see cref="Explode"/> is the OpenAPI
/// <c>explode</c> (default true for <c>form</c>, the query default; false for the others, <c>simple</c>, the path and
/// header default, included); <see cref="Style"/> is null for the location's default, and for a style OpenAPI does not
/// allow in the location (reported, A0MG021).
/// </summary>
internal sealed record ParameterNode(string Name, string In, bool Required, string? Description, SchemaNode Schema)
{
    public bool Explode { get; init; } = true;

    public string? Style { get; init; }

    public bool Deprecated { get; init; }
}

/// <summary>How a request body goes on the wire, chosen from the media types the spec offers (see <c>MediaTypes</c>).</summary>
internal enum BodyEncoding
{
    None,
    Json,
    Form,
    Multipart,
    Text,
    Binary,
}

internal sealed record RequestBodyNode(bool Required, string MediaType, string? Description, SchemaNode Schema)
{
    public BodyEncoding Encoding { get; init; } = BodyEncoding.Json;
}

/// <summary>
/// The response a tool reports: the lowest 2xx (else the lowest 3xx, a redirect). <see cref="MediaType"/> is null
/// when it has no content (204, or a redirect); <see cref="Encoding"/> says how its body reads.
/// </summary>
internal sealed record ResponseNode(string Status, string? MediaType, SchemaNode? Schema)
{
    public BodyEncoding Encoding { get; init; }

    public bool IsRedirect => Status.Length == 3 && Status[0] == '3';
}

internal enum AdditionalKind
{
    Unspecified,
    True,
    False,
    Schema,
}

internal sealed record PropertyNode(string Name, SchemaNode Schema);

/// <summary>A JSON Schema as the spec writes it; <see cref="Ref"/> names a component schema.</summary>
internal sealed record SchemaNode
{
    public static readonly SchemaNode Any = new();

    public string? Ref { get; init; }

    public EquatableArray<string> Types { get; init; } = EquatableArray<string>.Empty;

    public string? Format { get; init; }

    public string? Description { get; init; }

    public string? Pattern { get; init; }

    public string? ContentMediaType { get; init; }

    /// <summary>The <c>enum</c> array as JSON text.</summary>
    public string? EnumJson { get; init; }

    /// <summary>The <c>const</c> value as JSON text.</summary>
    public string? ConstJson { get; init; }

    public string? DefaultJson { get; init; }

    public string? Minimum { get; init; }

    public string? Maximum { get; init; }

    public string? ExclusiveMinimum { get; init; }

    public string? ExclusiveMaximum { get; init; }

    public string? MinLength { get; init; }

    public string? MaxLength { get; init; }

    public string? MinItems { get; init; }

    public string? MaxItems { get; init; }

    public string? MinProperties { get; init; }

    public string? MaxProperties { get; init; }

    public EquatableArray<PropertyNode> Properties { get; init; } = EquatableArray<PropertyNode>.Empty;

    public EquatableArray<string> Required { get; init; } = EquatableArray<string>.Empty;

    public SchemaNode? Items { get; init; }

    public AdditionalKind Additional { get; init; }

    public SchemaNode? AdditionalSchema { get; init; }

    public EquatableArray<SchemaNode> AllOf { get; init; } = EquatableArray<SchemaNode>.Empty;

    public EquatableArray<SchemaNode> AnyOf { get; init; } = EquatableArray<SchemaNode>.Empty;

    public EquatableArray<SchemaNode> OneOf { get; init; } = EquatableArray<SchemaNode>.Empty;

    /// <summary><c>readOnly</c>: sent by the server only, so never part of a request (tool input) schema.</summary>
    public bool ReadOnly { get; init; }

    /// <summary><c>writeOnly</c>: sent by the client only, so never part of a response type.</summary>
    public bool WriteOnly { get; init; }

    public bool Deprecated { get; init; }

    public bool HasType(string type)
    {
        foreach (var t in Types)
        {
            if (string.Equals(t, type, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
