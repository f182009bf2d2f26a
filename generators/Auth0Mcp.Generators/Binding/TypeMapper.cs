using System.Collections.Generic;
using System.Linq;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Binding;

/// <summary>
/// Maps schemas to C# types and collects the DTOs and JSON type-info names that are reachable from operations.
/// Strings stay strings (enums included: an unknown value must never break a response), one-of unions and
/// free-form objects become <c>JsonElement</c>, every DTO keeps unlisted fields in extension data. A DTO has the
/// properties of its direction: a request's leave <c>readOnly</c> out, a response's <c>writeOnly</c>; a schema
/// <see cref="SchemaFlows"/> splits maps to <c>X</c> in responses and <c>XWritable</c> in requests.
/// </summary>
internal sealed class TypeMapper(SchemaResolver resolver, SchemaFlows flows, string modelsNamespace)
{
    /// <summary>The suffix of a split schema's request DTO.</summary>
    public const string WritableSuffix = "Writable";

    public const string JsonElement = "global::System.Text.Json.JsonElement";
    public const string Stream = "global::System.IO.Stream";
    public const string ListPrefix = "global::System.Collections.Generic.List<";
    public const string DictionaryPrefix = "global::System.Collections.Generic.Dictionary<string, ";

    private readonly Dictionary<string, string> _componentTypes = new(System.StringComparer.Ordinal);
    // A DTO's name is also its property on the JSON context, beside the scalars' and the context's own members (and
    // object's, which a property of that name would hide: CS0108); and it must not be the context's own name, nor the
    // converters' namespace beside it.
    private readonly HashSet<string> _dtoNames = new(ObjectMembers, System.StringComparer.Ordinal)
    {
        "String", "Int32", "Int64", "Double", "Boolean", "JsonElement", "Default", "DefaultOptions", "Options", "GeneratedSerializerOptions", "GetTypeInfo",
        Names.JsonContextClass, Names.ConvertersNamespace,
    };

    /// <summary>The members every DTO has from <c>object</c>: a property so named would hide one (CS0108, an error under TreatWarningsAsErrors).</summary>
    private static readonly string[] ObjectMembers = ["Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone", "ReferenceEquals", "Finalize"];
    private readonly List<DtoModel> _dtos = new();
    private readonly Dictionary<string, string> _jsonTypes = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> _jsonTypeNames = new(System.StringComparer.Ordinal);
    private readonly Queue<(string Name, SchemaNode Schema, Flow Flow, string? WritableOf)> _pending = new();

    public IReadOnlyList<DtoModel> Dtos => _dtos;

    /// <summary>Registers the scalar types and the extension-data map, which every DTO set uses.</summary>
    public void RegisterScalars()
    {
        foreach (var scalar in new[] { "string", "int", "long", "double", "bool", JsonElement, DictionaryPrefix + JsonElement + ">" })
        {
            RegisterRoot(scalar);
        }
    }

    /// <summary>
    /// The C# type for <paramref name="schema"/> travelling in <paramref name="flow"/> (no nullable marker);
    /// <paramref name="suggestedName"/> names inline objects.
    /// </summary>
    public string Map(SchemaNode schema, string suggestedName, Flow flow)
    {
        var type = MapCore(schema, suggestedName, 0, flow);
        Drain();
        return type;
    }

    /// <summary>Registers a type that a client method sends or returns, and returns its JSON type-info name.</summary>
    public string RegisterRoot(string csType)
    {
        var dtoPrefix = "global::" + modelsNamespace + ".";
        if (csType.StartsWith(dtoPrefix, System.StringComparison.Ordinal))
        {
            return csType.Substring(dtoPrefix.Length);
        }

        if (_jsonTypes.TryGetValue(csType, out var name))
        {
            return name;
        }

        // DTO names are PascalCase without '_' and never a scalar's name; generic info names contain '_', so none collide.
        // Names.Unique records the name it picks in the set of those taken.
        name = Names.Unique(InfoName(csType), _jsonTypeNames);
        _jsonTypes[csType] = name;
        return name;
    }

    public IEnumerable<JsonTypeModel> JsonTypes()
    {
        foreach (var dto in _dtos)
        {
            yield return new JsonTypeModel($"global::{modelsNamespace}.{dto.Name}", dto.Name);
        }

        foreach (var pair in _jsonTypes.OrderBy(p => p.Value, System.StringComparer.Ordinal))
        {
            if (!pair.Key.StartsWith("global::" + modelsNamespace + ".", System.StringComparison.Ordinal))
            {
                yield return new JsonTypeModel(pair.Key, pair.Value);
            }
        }
    }

    public static bool IsValueType(string csType) =>
        csType is "int" or "long" or "double" or "bool" or JsonElement;

    private string MapCore(SchemaNode schema, string suggestedName, int depth, Flow flow)
    {
        if (depth > 24)
        {
            return JsonElement;
        }

        if (schema.Ref is { } name)
        {
            // A split schema is cached per direction ('\0' is in no component name); the others once.
            var writable = flow == Flow.Request && flows.Splits(name);
            var cacheKey = writable ? name + "\0" : name;
            if (_componentTypes.TryGetValue(cacheKey, out var known))
            {
                return known;
            }

            var target = resolver.Deref(schema, out var component);
            var key = component ?? name;
            writable = flow == Flow.Request && flows.Splits(key);
            var typeName = Names.Pascal(key) + (writable ? WritableSuffix : "");
            var keyCacheKey = writable ? key + "\0" : key;
            if (_componentTypes.TryGetValue(keyCacheKey, out known))
            {
                _componentTypes[cacheKey] = known;
                return known;
            }

            if (IsDto(target))
            {
                var dto = ReserveDto(typeName, target, flow, writable ? Names.Pascal(key) : null);
                _componentTypes[cacheKey] = dto;
                _componentTypes[keyCacheKey] = dto;
                return dto;
            }

            // Placeholder first so that a self-referencing array or map terminates.
            _componentTypes[keyCacheKey] = JsonElement;
            var mapped = MapCore(target, typeName, depth + 1, flow);
            _componentTypes[keyCacheKey] = mapped;
            _componentTypes[cacheKey] = mapped;
            return mapped;
        }

        if (SchemaResolver.SoleStructuralMember(schema) is { } sole)
        {
            return MapCore(sole, suggestedName, depth + 1, flow);
        }

        if (!schema.AllOf.IsEmpty)
        {
            if (schema.AllOf.Count == 1 && schema.Properties.IsEmpty)
            {
                return MapCore(schema.AllOf[0], suggestedName, depth + 1, flow);
            }

            return IsDto(schema) ? ReserveDto(suggestedName, schema, flow) : JsonElement;
        }

        var alternatives = schema.OneOf.IsEmpty ? schema.AnyOf : schema.OneOf;
        if (!alternatives.IsEmpty)
        {
            // One alternative besides "null" maps as that alternative; more are a union.
            SchemaNode? single = null;
            var count = 0;
            foreach (var a in alternatives)
            {
                if (!(a.Types.Count == 1 && a.Types[0] == "null"))
                {
                    single = a;
                    count++;
                }
            }

            return count == 1 ? MapCore(single!, suggestedName, depth + 1, flow) : JsonElement;
        }

        // The one type besides "null" (several are a union).
        string? type = null;
        foreach (var t in schema.Types)
        {
            if (t == "null")
            {
                continue;
            }

            if (type is not null)
            {
                return JsonElement;
            }

            type = t;
        }

        if (type is null)
        {
            if (!schema.Properties.IsEmpty)
            {
                type = "object";
            }
            else if (schema.ConstJson is { } constant && constant.StartsWith("\"", System.StringComparison.Ordinal))
            {
                return "string";
            }
            else
            {
                return JsonElement;
            }
        }

        switch (type)
        {
            case "string":
                return "string";
            case "integer":
                return schema.Format == "int32" ? "int" : "long";
            case "number":
                return "double";
            case "boolean":
                return "bool";
            case "array":
                var item = MapCore(schema.Items ?? SchemaNode.Any, suggestedName + "Item", depth + 1, flow);
                return Generic(ListPrefix + item + ">");
            case "object":
                if (!schema.Properties.IsEmpty)
                {
                    return ReserveDto(suggestedName, schema, flow);
                }

                if (schema.Additional == AdditionalKind.Schema && schema.AdditionalSchema is { } value)
                {
                    var valueType = MapCore(value, suggestedName + "Value", depth + 1, flow);
                    return Generic(DictionaryPrefix + valueType + ">");
                }

                return JsonElement;
            default:
                return JsonElement;
        }
    }

    private bool IsDto(SchemaNode schema)
    {
        if (!schema.Properties.IsEmpty)
        {
            return schema.OneOf.IsEmpty && schema.AnyOf.IsEmpty;
        }

        return schema.AllOf.Count > 1 && schema.AllOf.All(resolver.IsObjectLike);
    }

    private string Generic(string csType)
    {
        RegisterRoot(csType);
        return csType;
    }

    private string ReserveDto(string baseName, SchemaNode schema, Flow flow, string? writableOf = null)
    {
        var name = Names.Unique(baseName, _dtoNames);
        _pending.Enqueue((name, schema, flow, writableOf));
        return $"global::{modelsNamespace}.{name}";
    }

    private void Drain()
    {
        while (_pending.Count > 0)
        {
            var (name, schema, flow, writableOf) = _pending.Dequeue();
            var merged = resolver.MergeAllOf(schema);
            var usedNames = new HashSet<string>(ObjectMembers, System.StringComparer.Ordinal) { name };
            var properties = new List<DtoPropertyModel>();
            foreach (var property in merged.Properties)
            {
                if (flow == Flow.Request ? resolver.IsReadOnly(property.Schema) : resolver.IsWriteOnly(property.Schema))
                {
                    continue;
                }

                var csName = Names.Unique(Names.Pascal(property.Name), usedNames);
                var type = MapCore(property.Schema, name + Names.Pascal(property.Name), 1, flow);
                var description = resolver.Deref(property.Schema, out _).Description ?? property.Schema.Description;
                properties.Add(new DtoPropertyModel(property.Name, csName, type, FirstLine(description)) { AllowsNull = resolver.AllowsNull(property.Schema) });
            }

            var extension = Names.Unique("AdditionalProperties", usedNames);
            var summary = FirstLine(merged.Description);
            if (writableOf is not null)
            {
                summary = $"{summary ?? writableOf} (as sent: the request shape of {writableOf}, without its readOnly properties)";
            }

            _dtos.Add(new DtoModel(name, summary, properties.ToEquatableArray(), extension));
        }
    }

    private static string? FirstLine(string? text)
    {
        var clean = Descriptions.Clean(text, 200);
        var newline = clean.IndexOf('\n');
        return clean.Length == 0 ? null : newline > 0 ? clean.Substring(0, newline) : clean;
    }

    private string InfoName(string csType)
    {
        if (csType.EndsWith("?", System.StringComparison.Ordinal))
        {
            return "Nullable_" + InfoName(csType.Substring(0, csType.Length - 1));
        }

        if (csType.StartsWith(ListPrefix, System.StringComparison.Ordinal))
        {
            return "ListOf_" + InfoName(csType.Substring(ListPrefix.Length, csType.Length - ListPrefix.Length - 1));
        }

        if (csType.StartsWith(DictionaryPrefix, System.StringComparison.Ordinal))
        {
            return "DictionaryOf_" + InfoName(csType.Substring(DictionaryPrefix.Length, csType.Length - DictionaryPrefix.Length - 1));
        }

        return csType switch
        {
            "string" => "String",
            "int" => "Int32",
            "long" => "Int64",
            "double" => "Double",
            "bool" => "Boolean",
            JsonElement => "JsonElement",
            _ => csType.Substring(csType.LastIndexOf('.') + 1),
        };
    }
}
