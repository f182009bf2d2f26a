using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Binding;

/// <summary>
/// Renders a schema as self-contained JSON Schema text for a tool's input: every <c>$ref</c> inlined, multi-member
/// <c>allOf</c> merged, recursion cut with a described placeholder, keywords that validate kept.
/// </summary>
internal sealed class SchemaRenderer(SchemaResolver resolver)
{
    private const int MaxDepth = 12;
    private const int MaxInlineDepth = 32;
    private const int MaxNestedDescription = 300;

    // The deepest JSON an input schema may nest (objects and arrays, the whole input schema's object being 1): the
    // tools parse it with System.Text.Json's default MaxDepth of 64, and tools/list wraps it in 4 more levels. A schema
    // object is rendered whole at most 2 levels above this (its properties map and their values stay inside); deeper
    // it is the placeholder, and an enum, const or default that would nest past it is left out.
    internal const int MaxJsonDepth = 48;

    // A parameter's or the body's schema in {"type":"object","properties":{"name": here}}.
    private const int ArgumentLevel = 3;
    private int _jsonCuts;
    private int _deepestLevel;

    // A tool's input schema past this many characters stops inlining referenced schemas (a few huge specs,
    // Microsoft Graph's say, would otherwise inline gigabytes); the Auth0 spec's largest (clients_create) has 47 KB.
    private const int MaxSchemaChars = 64 * 1024;
    private int _limit = int.MaxValue;

    // A referenced schema is rendered once per context and then copied (Microsoft Graph renders its entities tens of
    // thousands of times). Its text depends on the context only through the cuts: a rendering without depth or size
    // cuts is reused where the depth and size limits leave it room and the schemas on the stack now are exactly those
    // of the enclosing stack that cut it short (recursion), found among the names it reached.
    private readonly Dictionary<(string Name, string? Description), List<Rendered>> _rendered = new();
    private readonly Dictionary<(string? Text, int MaxLength), string> _descriptions = new();
    private readonly List<string> _visits = new();
    private readonly List<(int StackIndex, string Name)> _recursionCuts = new();
    private int _cuts;
    private int _deepest;
    private int _deepestRef;

    private sealed record Rendered(string Json, int Depth, int RefDepth, int JsonDepth, HashSet<string> Reached, HashSet<string> CutBy);

    private readonly StringBuilder _scratch = new();
    private readonly HashSet<string> _reached = new(StringComparer.Ordinal);

    /// <summary>Starts one tool's input schema in an empty builder (reused from tool to tool); the size budget counts from here.</summary>
    public StringBuilder BeginInputSchema()
    {
        _scratch.Clear();
        _visits.Clear();
        _recursionCuts.Clear();
        _limit = MaxSchemaChars;
        _jsonCuts = 0;
        return _scratch;
    }

    /// <summary>How many places of the input schema begun last were cut or left out because its JSON would nest past <see cref="MaxJsonDepth"/>.</summary>
    public int JsonDepthCuts => _jsonCuts;

    public void Render(StringBuilder sb, SchemaNode schema, string? descriptionOverride = null) =>
        Render(sb, schema, descriptionOverride, new List<string>(), 0, ArgumentLevel);

    /// <param name="level">The JSON nesting of the object rendered here (the input schema's own object is 1).</param>
    private void Render(StringBuilder sb, SchemaNode schema, string? description, List<string> stack, int depth, int level)
    {
        _deepest = depth > _deepest ? depth : _deepest;
        if (depth > MaxInlineDepth || level > MaxJsonDepth - 2)
        {
            // Inline nesting (allOf merges inline what refs would have cut) ends here too, and so does JSON that
            // would nest too deep to parse (each property is 2 levels, each composition member 2, whatever the refs).
            _cuts++;
            if (depth <= MaxInlineDepth)
            {
                _jsonCuts++;
            }

            sb.Append("{\"description\":\"A nested value (too deep to describe here; see the API documentation).\"}");
            return;
        }

        if (SchemaResolver.SoleStructuralMember(schema, keepConstraints: true) is { } sole)
        {
            Render(sb, sole, description ?? schema.Description ?? FirstMemberDescription(schema), stack, depth, level);
            return;
        }

        if (schema.Ref is { } name)
        {
            _deepestRef = depth > _deepestRef ? depth : _deepestRef;
            var recursive = stack.Contains(name);
            if (recursive || depth > MaxDepth || sb.Length > _limit)
            {
                var target = resolver.Deref(schema, out _);
                if (!recursive && IsLeaf(target))
                {
                    // A value that does not nest (a string, a number, an enum) costs nothing to describe whole, and a
                    // placeholder would refuse it: only what nests is cut.
                    RenderReference(sb, schema, name, description ?? schema.Description, stack, depth, level);
                    return;
                }

                if (stack.IndexOf(name) is var at and >= 0)
                {
                    _visits.Add(name);
                    _recursionCuts.Add((at, name));
                }
                else
                {
                    _cuts++;
                }

                // The placeholder keeps the target's type only when it is plainly an object or an array: any other
                // type claimed here would refuse values the schema allows.
                var kind = target.Types.Count == 1 && target.Types[0] is "object" or "array" ? target.Types[0] : null;
                sb.Append('{');
                if (kind is not null)
                {
                    sb.Append("\"type\":\"").Append(kind).Append("\",");
                }

                sb.Append("\"description\":");
                var noun = kind ?? "value";
                Json.AppendQuoted(sb, recursive
                    ? $"A nested {name} {noun} (recursive; see the API documentation)."
                    : depth > MaxDepth
                        ? $"A nested {name} {noun} (too deep to describe here; see the API documentation)."
                        : $"A nested {name} {noun} (not expanded here: the schema is too large; see the API documentation).");
                sb.Append('}');
                return;
            }

            RenderReference(sb, schema, name, description ?? schema.Description, stack, depth, level);
            return;
        }

        if (!schema.AllOf.IsEmpty)
        {
            if (schema.AllOf.Count == 1 && schema.Properties.IsEmpty)
            {
                Render(sb, schema.AllOf[0], description ?? schema.Description, stack, depth, level);
                return;
            }

            schema = resolver.MergeAllOf(schema);
        }

        // This object's keywords (a type list, required, properties) nest one level more.
        _deepestLevel = Math.Max(_deepestLevel, level + 1);
        var first = true;
        sb.Append('{');
        var types = schema.Types;
        if (types.IsEmpty && !schema.Properties.IsEmpty)
        {
            types = new EquatableArray<string>(["object"]);
        }

        if (types.Count == 1)
        {
            Key(sb, ref first, "type");
            Json.AppendQuoted(sb, types[0]);
        }
        else if (types.Count > 1)
        {
            Key(sb, ref first, "type");
            QuotedList(sb, types);
        }

        var text = CleanDescription(description ?? schema.Description, depth == 0 ? 600 : MaxNestedDescription);
        if (schema.Deprecated)
        {
            text = text.Length > 0 ? "Deprecated. " + text : "Deprecated.";
        }
        if (text.Length > 0)
        {
            Key(sb, ref first, "description");
            Json.AppendQuoted(sb, text);
        }

        Raw(sb, ref first, "enum", schema.EnumJson, level);
        Raw(sb, ref first, "const", schema.ConstJson, level);
        if (schema.Format is { } format)
        {
            Key(sb, ref first, "format");
            Json.AppendQuoted(sb, format);
        }

        if (schema.Pattern is { } pattern)
        {
            Key(sb, ref first, "pattern");
            Json.AppendQuoted(sb, pattern);
        }

        Raw(sb, ref first, "minimum", schema.Minimum, level);
        Raw(sb, ref first, "maximum", schema.Maximum, level);
        Raw(sb, ref first, "exclusiveMinimum", schema.ExclusiveMinimum, level);
        Raw(sb, ref first, "exclusiveMaximum", schema.ExclusiveMaximum, level);
        Raw(sb, ref first, "minLength", schema.MinLength, level);
        Raw(sb, ref first, "maxLength", schema.MaxLength, level);
        Raw(sb, ref first, "minItems", schema.MinItems, level);
        Raw(sb, ref first, "maxItems", schema.MaxItems, level);
        Raw(sb, ref first, "minProperties", schema.MinProperties, level);
        Raw(sb, ref first, "maxProperties", schema.MaxProperties, level);
        Raw(sb, ref first, "default", schema.DefaultJson, level);

        if (schema.Items is { } items)
        {
            Key(sb, ref first, "items");
            Render(sb, items, null, stack, depth + 1, level + 1);
        }

        if (!schema.Properties.IsEmpty)
        {
            Key(sb, ref first, "properties");
            sb.Append('{');
            var firstProperty = true;
            foreach (var property in schema.Properties)
            {
                // Input schemas describe requests: read-only properties are the server's to set.
                if (resolver.IsReadOnly(property.Schema))
                {
                    continue;
                }

                if (!firstProperty)
                {
                    sb.Append(',');
                }

                firstProperty = false;
                Json.AppendQuoted(sb, property.Name);
                sb.Append(':');
                Render(sb, property.Schema, null, stack, depth + 1, level + 2);
            }

            sb.Append('}');
        }

        if (!schema.Required.IsEmpty)
        {
            RenderRequired(sb, ref first, schema);
        }

        if (schema.Additional == AdditionalKind.False)
        {
            Key(sb, ref first, "additionalProperties");
            sb.Append("false");
        }
        else if (schema.Additional == AdditionalKind.Schema && schema.AdditionalSchema is { } additional)
        {
            Key(sb, ref first, "additionalProperties");
            Render(sb, additional, null, stack, depth + 1, level + 1);
        }

        Alternatives(sb, ref first, "anyOf", schema.AnyOf, stack, depth, level);
        Alternatives(sb, ref first, "oneOf", schema.OneOf, stack, depth, level);
        sb.Append('}');
    }

    /// <summary>
    /// Resolves, without rendering, every <c>$ref</c> that <see cref="Render(StringBuilder, SchemaNode, string?)"/> would
    /// resolve in <paramref name="schema"/> (each referenced schema once per binder; no depth or size cut, so nothing
    /// rendering reports is missed): the resolver's diagnostics without the text.
    /// </summary>
    public void Reach(SchemaNode schema) => Reach(schema, 0);

    private void Reach(SchemaNode schema, int depth)
    {
        if (depth > MaxInlineDepth)
        {
            return;
        }

        if (SchemaResolver.SoleStructuralMember(schema, keepConstraints: true) is { } sole)
        {
            Reach(sole, depth);
            return;
        }

        if (schema.Ref is { } name)
        {
            if (_reached.Add(name))
            {
                Reach(resolver.Deref(schema, out _), 0);
            }

            return;
        }

        if (!schema.AllOf.IsEmpty)
        {
            if (schema.AllOf.Count == 1 && schema.Properties.IsEmpty)
            {
                Reach(schema.AllOf[0], depth);
                return;
            }

            schema = resolver.MergeAllOf(schema);
        }

        // In the order Render visits them.
        if (schema.Items is { } items)
        {
            Reach(items, depth + 1);
        }

        foreach (var property in schema.Properties)
        {
            if (!resolver.IsReadOnly(property.Schema))
            {
                Reach(property.Schema, depth + 1);
            }
        }

        if (schema.Additional == AdditionalKind.Schema && schema.AdditionalSchema is { } additional)
        {
            Reach(additional, depth + 1);
        }

        foreach (var alternative in schema.AnyOf)
        {
            Reach(alternative, depth + 1);
        }

        foreach (var alternative in schema.OneOf)
        {
            Reach(alternative, depth + 1);
        }
    }

    /// <summary>Whether <paramref name="schema"/> holds no other schema: no properties, items, composition or reference.</summary>
    private static bool IsLeaf(SchemaNode schema) =>
        schema.Ref is null && schema.Properties.IsEmpty && schema.Items is null && schema.AdditionalSchema is null
        && schema.AllOf.IsEmpty && schema.AnyOf.IsEmpty && schema.OneOf.IsEmpty && !schema.HasType("object") && !schema.HasType("array");

    private void RenderReference(StringBuilder sb, SchemaNode schema, string name, string? description, List<string> stack, int depth, int level)
    {
        var key = (name, description);
        if (!_rendered.TryGetValue(key, out var renderings))
        {
            renderings = new List<Rendered>();
            _rendered[key] = renderings;
        }

        foreach (var done in renderings)
        {
            if (depth + done.RefDepth <= MaxDepth
                && depth + done.Depth <= MaxInlineDepth
                && level + done.JsonDepth <= MaxJsonDepth - 1
                && (long)sb.Length + done.Json.Length <= _limit
                && Fits(done, stack))
            {
                sb.Append(done.Json);
                _deepest = Math.Max(_deepest, depth + done.Depth);
                _deepestRef = Math.Max(_deepestRef, depth + done.RefDepth);
                _deepestLevel = Math.Max(_deepestLevel, level + done.JsonDepth);
                _visits.AddRange(done.Reached);
                foreach (var cut in done.CutBy)
                {
                    _recursionCuts.Add((stack.IndexOf(cut), cut));
                }

                return;
            }
        }

        var (cuts, deepest, deepestRef, start, visits, recursionCuts, height) = (_cuts, _deepest, _deepestRef, sb.Length, _visits.Count, _recursionCuts.Count, stack.Count);
        var deepestLevel = _deepestLevel;
        (_deepest, _deepestRef, _deepestLevel) = (depth, depth, level);
        _visits.Add(name);
        var target = resolver.Deref(schema, out _);
        stack.Add(name);
        Render(sb, target, description, stack, depth + 1, level);
        stack.RemoveAt(stack.Count - 1);
        if (_cuts == cuts && renderings.Count < 4)
        {
            var reached = new HashSet<string>(StringComparer.Ordinal);
            for (var i = visits; i < _visits.Count; i++)
            {
                reached.Add(_visits[i]);
            }

            var cutBy = new HashSet<string>(StringComparer.Ordinal);
            for (var i = recursionCuts; i < _recursionCuts.Count; i++)
            {
                if (_recursionCuts[i].StackIndex < height)
                {
                    cutBy.Add(_recursionCuts[i].Name);
                }
            }

            renderings.Add(new Rendered(sb.ToString(start, sb.Length - start), _deepest - depth, _deepestRef - depth, _deepestLevel - level, reached, cutBy));
        }

        _deepest = Math.Max(deepest, _deepest);
        _deepestRef = Math.Max(deepestRef, _deepestRef);
        _deepestLevel = Math.Max(deepestLevel, _deepestLevel);
    }

    /// <summary>
    /// Whether a rendering fits the stack: every schema that cut it short (recursion) is on the stack, and no schema on
    /// the stack that it reached was left uncut (that one would be cut here).
    /// </summary>
    private static string? FirstMemberDescription(SchemaNode schema)
    {
        foreach (var member in schema.AllOf)
        {
            if (member.Description is not null)
            {
                return member.Description;
            }
        }

        return null;
    }

    private static bool Fits(Rendered done, List<string> stack)
    {
        foreach (var cut in done.CutBy)
        {
            if (!stack.Contains(cut))
            {
                return false;
            }
        }

        foreach (var s in stack)
        {
            if (done.Reached.Contains(s) && !done.CutBy.Contains(s))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>required</c>: each name once, in order, without the read-only properties (left out of the input).</summary>
    private void RenderRequired(StringBuilder sb, ref bool first, SchemaNode schema)
    {
        var any = false;
        for (var i = 0; i < schema.Required.Count; i++)
        {
            var name = schema.Required[i];
            if (IndexOf(schema.Required, name) < i || IsReadOnlyProperty(schema, name))
            {
                continue;
            }

            if (!any)
            {
                Key(sb, ref first, "required");
                sb.Append('[');
                any = true;
            }
            else
            {
                sb.Append(',');
            }

            Json.AppendQuoted(sb, name);
        }

        if (any)
        {
            sb.Append(']');
        }
    }

    private bool IsReadOnlyProperty(SchemaNode schema, string name)
    {
        foreach (var p in schema.Properties)
        {
            if (p.Name == name && resolver.IsReadOnly(p.Schema))
            {
                return true;
            }
        }

        return false;
    }

    private static int IndexOf(EquatableArray<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static void QuotedList(StringBuilder sb, EquatableArray<string> values)
    {
        sb.Append('[');
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            Json.AppendQuoted(sb, values[i]);
        }

        sb.Append(']');
    }

    private string CleanDescription(string? text, int maxLength)
    {
        if (!_descriptions.TryGetValue((text, maxLength), out var clean))
        {
            clean = Descriptions.Clean(text, maxLength);
            _descriptions[(text, maxLength)] = clean;
        }

        return clean;
    }

    private void Alternatives(StringBuilder sb, ref bool first, string keyword, EquatableArray<SchemaNode> list, List<string> stack, int depth, int level)
    {
        if (list.IsEmpty)
        {
            return;
        }

        Key(sb, ref first, keyword);
        sb.Append('[');
        for (var i = 0; i < list.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            Render(sb, list[i], null, stack, depth + 1, level + 2);
        }

        sb.Append(']');
    }

    private static void Key(StringBuilder sb, ref bool first, string name)
    {
        if (!first)
        {
            sb.Append(',');
        }

        first = false;
        sb.Append('"').Append(name).Append("\":");
    }

    /// <summary>A keyword whose value is JSON as the spec wrote it; left out (and counted) when it would nest past <see cref="MaxJsonDepth"/>.</summary>
    private void Raw(StringBuilder sb, ref bool first, string name, string? json, int level)
    {
        if (json is null)
        {
            return;
        }

        var nesting = Nesting(json);
        if (level + nesting > MaxJsonDepth)
        {
            _cuts++;
            _jsonCuts++;
            return;
        }

        _deepestLevel = Math.Max(_deepestLevel, level + nesting);
        Key(sb, ref first, name);
        sb.Append(json);
    }

    /// <summary>How deep compact JSON nests: 0 for a scalar, 1 for <c>[1,2]</c>, 2 for <c>[[1]]</c>.</summary>
    internal static int Nesting(string json)
    {
        int depth = 0, deepest = 0;
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c is '[' or '{')
            {
                deepest = Math.Max(deepest, ++depth);
            }
            else if (c is ']' or '}')
            {
                depth--;
            }
        }

        return deepest;
    }
}
