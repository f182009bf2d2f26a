using System;

namespace Auth0Mcp.Generators.Model;

// What the Reader keeps of the spec: a faithful, immutable, equatable copy of the parts we use.
// Nothing here carries a line number, so a whitespace-only edit yields an equal document.

/// <summary>The spec as read: operations in document order and the component schemas.</summary>
internal sealed record SpecDocument(
    string Title,
    string Version,
    EquatableArray<OperationNode> Operations,
    EquatableArray<NamedSchema> Schemas);

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
    EquatableArray<string> Scopes);

internal sealed record ParameterNode(string Name, string In, bool Required, string? Description, SchemaNode Schema);

internal sealed record RequestBodyNode(bool Required, string MediaType, string? Description, SchemaNode Schema);

internal sealed record ResponseNode(string Status, string? MediaType, SchemaNode? Schema);

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
