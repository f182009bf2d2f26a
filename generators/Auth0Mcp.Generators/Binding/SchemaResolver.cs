using System.Collections.Generic;
using System.Linq;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Binding;

/// <summary>Looks up component schemas, follows <c>$ref</c> chains, merges <c>allOf</c>, and records dangling refs and cycles once each.</summary>
internal sealed class SchemaResolver
{
    private readonly Dictionary<string, SchemaNode> _components = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(System.StringComparer.Ordinal);

    public SchemaResolver(SpecDocument document, List<DiagnosticInfo> diagnostics)
    {
        foreach (var schema in document.Schemas)
        {
            _components[schema.Name] = schema.Schema;
        }

        Diagnostics = diagnostics;
    }

    public List<DiagnosticInfo> Diagnostics { get; }

    public bool TryGet(string name, out SchemaNode schema) => _components.TryGetValue(name, out schema!);

    /// <summary>
    /// Follows a schema that is only a <c>$ref</c> (possibly with a description beside it) to the schema it names.
    /// Returns <see cref="SchemaNode.Any"/> for a dangling ref or an alias cycle (and reports it).
    /// </summary>
    public SchemaNode Deref(SchemaNode schema, out string? componentName)
    {
        componentName = null;
        // The names followed so far; a list only from the second hop on (almost every ref is a single hop).
        string? firstName = null;
        List<string>? seen = null;
        while (schema.Ref is { } name)
        {
            if (firstName is null)
            {
                firstName = name;
            }
            else
            {
                seen ??= new List<string> { firstName };
                if (seen.Contains(name))
                {
                    Report(DiagnosticIds.RefCycle, Severity.Error, $"The $ref chain {string.Join(" → ", seen.Concat([name]))} refers to itself.", name);
                    return SchemaNode.Any;
                }

                seen.Add(name);
            }

            if (!_components.TryGetValue(name, out var target))
            {
                Report(DiagnosticIds.DanglingRef, Severity.Error, $"The $ref '#/components/schemas/{name}' points at a schema that does not exist.", name);
                return SchemaNode.Any;
            }

            componentName = name;
            schema = target;
        }

        return schema;
    }

    /// <summary>
    /// The one member of an <c>allOf</c> that carries structure when every other member only annotates
    /// (<c>{"allOf":[{"$ref":"#/…/X"},{"description":"…"}]}</c>, common in generated specs): that member; else null.
    /// </summary>
    public static SchemaNode? SoleStructuralMember(SchemaNode schema)
    {
        if (schema.AllOf.IsEmpty || !schema.Properties.IsEmpty)
        {
            return null;
        }

        SchemaNode? structural = null;
        foreach (var member in schema.AllOf)
        {
            if (IsAnnotationOnly(member))
            {
                continue;
            }

            if (structural is not null)
            {
                return null;
            }

            structural = member;
        }

        return structural;
    }

    private static bool IsAnnotationOnly(SchemaNode s) =>
        s.Ref is null && s.Types.IsEmpty && s.Properties.IsEmpty && s.Items is null && s.AllOf.IsEmpty && s.AnyOf.IsEmpty
        && s.OneOf.IsEmpty && s.EnumJson is null && s.ConstJson is null && s.Additional == AdditionalKind.Unspecified && s.Required.IsEmpty;

    /// <summary>True when the schema, or what it refers to, is <c>readOnly</c> (server-set: never in a request).</summary>
    public bool IsReadOnly(SchemaNode schema) =>
        schema.ReadOnly || (schema.Ref is not null && Deref(schema, out _).ReadOnly)
        || (schema.AllOf.Count == 1 && schema.Properties.IsEmpty && IsReadOnly(schema.AllOf[0]));

    /// <summary>True when the schema, or what it refers to, is <c>writeOnly</c> (client-sent: never in a response).</summary>
    public bool IsWriteOnly(SchemaNode schema) =>
        schema.WriteOnly || (schema.Ref is not null && Deref(schema, out _).WriteOnly)
        || (schema.AllOf.Count == 1 && schema.Properties.IsEmpty && IsWriteOnly(schema.AllOf[0]));

    /// <summary>True when the schema (after deref) describes an object with named properties.</summary>
    public bool IsObjectLike(SchemaNode schema) => IsObjectLike(schema, 0);

    private bool IsObjectLike(SchemaNode schema, int depth)
    {
        var s = Deref(schema, out _);
        if (!s.Properties.IsEmpty)
        {
            return true;
        }

        // allOf chains that loop back through refs end here (and count as not an object).
        return depth < 16 && s.AllOf.Count > 1 && s.AllOf.All(m => IsObjectLike(m, depth + 1));
    }

    /// <summary>Merges a multi-member <c>allOf</c> of object schemas into one object schema.</summary>
    public SchemaNode MergeAllOf(SchemaNode schema, int depth = 0)
    {
        if (schema.AllOf.IsEmpty || depth > 16)
        {
            return schema;
        }

        var properties = new List<PropertyNode>(schema.Properties);
        var required = new List<string>(schema.Required);
        var additional = schema.Additional;
        SchemaNode? additionalSchema = schema.AdditionalSchema;
        foreach (var member in schema.AllOf)
        {
            var m = MergeAllOf(Deref(member, out _), depth + 4);
            foreach (var p in m.Properties)
            {
                // A later member's property replaces an earlier one of that name.
                for (var i = properties.Count - 1; i >= 0; i--)
                {
                    if (properties[i].Name == p.Name)
                    {
                        properties.RemoveAt(i);
                    }
                }

                properties.Add(p);
            }

            foreach (var r in m.Required)
            {
                if (!required.Contains(r))
                {
                    required.Add(r);
                }
            }

            if (m.Additional == AdditionalKind.False)
            {
                // allOf with a closed member would reject the other members' properties: keep it open.
                continue;
            }
        }

        return schema with
        {
            AllOf = EquatableArray<SchemaNode>.Empty,
            Types = schema.Types.IsEmpty ? new EquatableArray<string>(["object"]) : schema.Types,
            Properties = properties.ToEquatableArray(),
            Required = required.ToEquatableArray(),
            Additional = additional,
            AdditionalSchema = additionalSchema,
        };
    }

    private void Report(string id, Severity severity, string message, string name)
    {
        if (_reported.Add(id + ":" + name))
        {
            Diagnostics.Add(new DiagnosticInfo(id, severity, message, "#/components/schemas/" + name + "\""));
        }
    }
}
