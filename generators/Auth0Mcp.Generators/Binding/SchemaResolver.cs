using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Binding;

/// <summary>Looks up component schemas, follows <c>$ref</c> chains, merges <c>allOf</c>, and records dangling refs and cycles once each.</summary>
internal sealed class SchemaResolver
{
    private readonly Dictionary<string, SchemaNode> _components = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(System.StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _allowsNull = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> _nullVisited = new(System.StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _objectLike = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> _objectVisiting = new(System.StringComparer.Ordinal);
    private readonly Dictionary<(string Name, int Depth), SchemaNode> _merged = new();

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
    /// <remarks>
    /// With <paramref name="keepConstraints"/>, a member that only constrains (<c>{"maxLength":5}</c>, a pattern, a
    /// bound, a format) does not count as an annotation: an input schema must keep what it validates, so that
    /// <c>allOf</c> is merged instead (<see cref="MergeAllOf"/>). C# types ignore constraints and take the member.
    /// </remarks>
    public static SchemaNode? SoleStructuralMember(SchemaNode schema, bool keepConstraints = false)
    {
        if (schema.AllOf.IsEmpty || !schema.Properties.IsEmpty)
        {
            return null;
        }

        SchemaNode? structural = null;
        foreach (var member in schema.AllOf)
        {
            if (IsAnnotationOnly(member) && !(keepConstraints && HasConstraints(member)))
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

    /// <summary>Whether the schema carries a keyword that validates a value beside its type: bounds, lengths, counts, a pattern or a format.</summary>
    private static bool HasConstraints(SchemaNode s) =>
        s.Format is not null || s.Pattern is not null || s.ContentMediaType is not null || s.Minimum is not null || s.Maximum is not null
        || s.ExclusiveMinimum is not null || s.ExclusiveMaximum is not null || s.MinLength is not null || s.MaxLength is not null
        || s.MinItems is not null || s.MaxItems is not null || s.MinProperties is not null || s.MaxProperties is not null;

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

    /// <summary>
    /// True when the schema, or what it refers to, allows <c>null</c>: a <c>"null"</c> type (the reader turns OpenAPI
    /// 3.0's <c>nullable: true</c> into one), an <c>anyOf</c> or <c>oneOf</c> member that allows it, or an <c>allOf</c>
    /// whose members all do (their types intersected, as <see cref="MergeAllOf"/> merges them).
    /// </summary>
    /// <remarks>
    /// A search over the schema graph: each component schema is entered once per question (a schema that loops back
    /// on itself through its members adds nothing), so the walk is linear in the schemas it reaches. Before, every
    /// member was followed to depth 16 with no memory: <c>Loop = {"anyOf": [Loop, Loop, Loop]}</c> took 3^16 steps.
    /// The answer for a component is kept (it does not depend on where the question came from).
    /// </remarks>
    public bool AllowsNull(SchemaNode schema)
    {
        if (schema.Ref is { } name && _allowsNull.TryGetValue(name, out var known))
        {
            return known;
        }

        _nullVisited.Clear();
        var result = AllowsNullWalk(schema);
        if (schema.Ref is { } root)
        {
            _allowsNull[root] = result;
        }

        return result;
    }

    /// <summary>How many schemas <see cref="AllowsNull"/> has looked at (for the tests: linear, not exponential).</summary>
    internal long AllowsNullSteps { get; private set; }

    private bool AllowsNullWalk(SchemaNode schema)
    {
        if (schema.Ref is { } name)
        {
            if (_allowsNull.TryGetValue(name, out var known))
            {
                return known;
            }

            if (!_nullVisited.Add(name))
            {
                // Already asked in this walk: its answer comes from where it was first reached.
                return false;
            }
        }

        AllowsNullSteps++;
        var s = Deref(schema, out _);
        if (s.HasType("null"))
        {
            return true;
        }

        foreach (var member in s.AnyOf)
        {
            if (AllowsNullWalk(member))
            {
                return true;
            }
        }

        foreach (var member in s.OneOf)
        {
            if (AllowsNullWalk(member))
            {
                return true;
            }
        }

        if (SoleStructuralMember(s) is { } sole)
        {
            return AllowsNullWalk(sole);
        }

        return !s.AllOf.IsEmpty && MergeAllOf(s).HasType("null");
    }

    /// <summary>True when the schema (after deref) describes an object with named properties.</summary>
    /// <remarks>
    /// An <c>allOf</c> of more than one member counts when all its members do; one that loops back on itself (through
    /// refs) does not. Each component's answer is kept: a chain of <c>allOf</c>s of K members each was K^16 steps.
    /// </remarks>
    public bool IsObjectLike(SchemaNode schema)
    {
        var name = schema.Ref;
        if (name is not null)
        {
            if (_objectLike.TryGetValue(name, out var known))
            {
                return known;
            }

            if (!_objectVisiting.Add(name))
            {
                // Asked again while its own answer is pending: an allOf cycle, which counts as no object.
                return false;
            }
        }

        var s = Deref(schema, out _);
        var result = !s.Properties.IsEmpty || (s.AllOf.Count > 1 && s.AllOf.All(IsObjectLike));
        if (name is not null)
        {
            // Exact even when a pending schema answered false: every schema between it and here is on its cycle.
            _objectVisiting.Remove(name);
            _objectLike[name] = result;
        }

        return result;
    }

    /// <summary>
    /// Merges a multi-member <c>allOf</c> into one schema. The members' types are intersected (a contradiction, such
    /// as a string and <c>null</c>, is read as either: what the authors of such specs mean); no member that says a
    /// type reads as an object, as before. An object merge unites the members' properties and <c>required</c>; any
    /// other type (<c>[{"$ref": a string}, {"maxLength": 5}]</c>) stays that type with every member's keywords
    /// (<see cref="MergeValue"/>): merged as an object it refused every valid value.
    /// </summary>
    public SchemaNode MergeAllOf(SchemaNode schema, int depth = 0)
    {
        if (schema.AllOf.IsEmpty || depth > 16)
        {
            return schema;
        }

        var members = new List<SchemaNode>(schema.AllOf.Count);
        foreach (var member in schema.AllOf)
        {
            // A referenced member is merged once per depth (an allOf of many refs to itself was (members)^4 merges).
            var target = Deref(member, out var name);
            if (name is null)
            {
                members.Add(MergeAllOf(target, depth + 4));
            }
            else if (_merged.TryGetValue((name, depth + 4), out var merged))
            {
                members.Add(merged);
            }
            else
            {
                merged = MergeAllOf(target, depth + 4);
                _merged[(name, depth + 4)] = merged;
                members.Add(merged);
            }
        }

        var types = MergedTypes(schema, members);
        if (types is not null && !types.Contains("object"))
        {
            return MergeValue(schema, members, types);
        }

        var properties = new List<PropertyNode>(schema.Properties);
        var required = new List<string>(schema.Required);
        var additional = schema.Additional;
        SchemaNode? additionalSchema = schema.AdditionalSchema;
        foreach (var m in members)
        {
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
            Types = !schema.Types.IsEmpty ? schema.Types : types is null ? new EquatableArray<string>(["object"]) : types.ToEquatableArray(),
            Properties = properties.ToEquatableArray(),
            Required = required.ToEquatableArray(),
            Additional = additional,
            AdditionalSchema = additionalSchema,
        };
    }

    /// <summary>
    /// The types an <c>allOf</c> allows: the intersection of the type lists of the schema and its (resolved) members,
    /// their union when the intersection is empty; null when none of them says a type.
    /// </summary>
    private static List<string>? MergedTypes(SchemaNode schema, List<SchemaNode> members)
    {
        List<string>? intersection = null;
        var union = new List<string>();
        foreach (var s in members.Prepend(schema))
        {
            if (s.Types.IsEmpty)
            {
                continue;
            }

            intersection = intersection is null ? s.Types.ToList() : intersection.Where(s.HasType).ToList();
            union.AddRange(s.Types.Where(t => !union.Contains(t)));
        }

        return intersection is null ? null : intersection.Count > 0 ? intersection : union;
    }

    /// <summary>
    /// An <c>allOf</c> of values that are not objects, as one schema of <paramref name="types"/>: each keyword from the
    /// schema itself, else from the first member that has it; of two numeric bounds, lengths or counts the stricter.
    /// </summary>
    private static SchemaNode MergeValue(SchemaNode schema, List<SchemaNode> members, List<string> types)
    {
        var merged = schema with { AllOf = EquatableArray<SchemaNode>.Empty, Types = types.ToEquatableArray() };
        foreach (var m in members)
        {
            merged = merged with
            {
                Description = merged.Description ?? m.Description,
                Format = merged.Format ?? m.Format,
                Pattern = merged.Pattern ?? m.Pattern,
                ContentMediaType = merged.ContentMediaType ?? m.ContentMediaType,
                EnumJson = merged.EnumJson ?? m.EnumJson,
                ConstJson = merged.ConstJson ?? m.ConstJson,
                DefaultJson = merged.DefaultJson ?? m.DefaultJson,
                Items = merged.Items ?? m.Items,
                Minimum = Stricter(merged.Minimum, m.Minimum, lower: true),
                Maximum = Stricter(merged.Maximum, m.Maximum, lower: false),
                ExclusiveMinimum = Stricter(merged.ExclusiveMinimum, m.ExclusiveMinimum, lower: true),
                ExclusiveMaximum = Stricter(merged.ExclusiveMaximum, m.ExclusiveMaximum, lower: false),
                MinLength = Stricter(merged.MinLength, m.MinLength, lower: true),
                MaxLength = Stricter(merged.MaxLength, m.MaxLength, lower: false),
                MinItems = Stricter(merged.MinItems, m.MinItems, lower: true),
                MaxItems = Stricter(merged.MaxItems, m.MaxItems, lower: false),
                Deprecated = merged.Deprecated || m.Deprecated,
            };
        }

        return merged;
    }

    /// <summary>Of two bounds (JSON numbers as text), the stricter: the greater lower bound, the smaller upper bound.</summary>
    private static string? Stricter(string? a, string? b, bool lower)
    {
        if (a is null || b is null)
        {
            return a ?? b;
        }

        if (!double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
        {
            return a;
        }

        return lower ? (y > x ? b : a) : (y < x ? b : a);
    }

    private void Report(string id, Severity severity, string message, string name)
    {
        if (_reported.Add(id + ":" + name))
        {
            Diagnostics.Add(new DiagnosticInfo(id, severity, message, "#/components/schemas/" + name + "\""));
        }
    }
}
