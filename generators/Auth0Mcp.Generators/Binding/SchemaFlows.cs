using System.Collections.Generic;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Binding;

/// <summary>Which way a type travels. A request leaves <c>readOnly</c> properties out, a response <c>writeOnly</c> ones.</summary>
internal enum Flow
{
    Request,
    Response,
}

/// <summary>
/// Finds the component schemas that need one DTO per direction. A schema needs two when it holds a
/// <c>readOnly</c> or <c>writeOnly</c> property, at any depth, and it is reached both from a request (a body or a
/// parameter) and from a success response. It then becomes <c>X</c> for responses, without its <c>writeOnly</c>
/// properties, and <c>XWritable</c> for requests, without its <c>readOnly</c> ones. Every other schema stays one
/// DTO. A schema reached in one direction only keeps its plain name, and that direction's properties.
/// <para>
/// The walks follow every subschema: properties, items, additional properties and all three combiners. They
/// reach at least what <see cref="TypeMapper"/> maps, so a schema the mapper meets in both directions is always
/// split. They walk all operations, whatever the group filter, so a DTO's name does not depend on the filter. They
/// look components up without <see cref="SchemaResolver.Deref"/>, so they report nothing: a dangling ref is reported
/// where the mapper meets it.
/// </para>
/// </summary>
internal sealed class SchemaFlows
{
    /// <summary>Chains of aliases longer than this are not followed (the resolver reports the cycles).</summary>
    private const int MaxAliasHops = 64;

    private readonly SchemaResolver _resolver;
    private readonly HashSet<string> _split = new(System.StringComparer.Ordinal);

    private SchemaFlows(SchemaResolver resolver) => _resolver = resolver;

    /// <summary>The split components of <paramref name="operations"/>.</summary>
    public static SchemaFlows Compute(SchemaResolver resolver, IEnumerable<OperationNode> operations)
    {
        var flows = new SchemaFlows(resolver);
        var requests = new List<SchemaNode>();
        var responses = new List<SchemaNode>();
        foreach (var op in operations)
        {
            foreach (var p in op.Parameters)
            {
                requests.Add(p.Schema);
            }

            if (op.Body is { } body)
            {
                requests.Add(body.Schema);
            }

            if (op.Success?.Schema is { } success)
            {
                responses.Add(success);
            }
        }

        var fromResponses = flows.Reach(responses);
        if (fromResponses.Count == 0)
        {
            return flows;
        }

        var directional = new Dictionary<string, bool>(System.StringComparer.Ordinal);
        foreach (var component in flows.Reach(requests))
        {
            if (fromResponses.Contains(component) && flows.IsDirectional(component, directional))
            {
                flows._split.Add(component);
            }
        }

        return flows;
    }

    /// <summary>True when <paramref name="component"/> becomes a response DTO and a separate request DTO.</summary>
    public bool Splits(string component) => _split.Contains(component);

    /// <summary>Every component reachable from <paramref name="roots"/>.</summary>
    private HashSet<string> Reach(List<SchemaNode> roots)
    {
        var reached = new HashSet<string>(System.StringComparer.Ordinal);
        var stack = new Stack<SchemaNode>(roots);
        while (stack.Count > 0)
        {
            var schema = stack.Pop();
            if (schema.Ref is not null)
            {
                if (Follow(schema, reached) is { } target)
                {
                    stack.Push(target);
                }

                continue;
            }

            PushChildren(schema, stack);
        }

        return reached;
    }

    /// <summary>
    /// True when a <c>readOnly</c> or <c>writeOnly</c> property is reachable from <paramref name="component"/>. A walk
    /// that finds none proves the same of every component it passed through, so <paramref name="known"/> keeps them.
    /// </summary>
    private bool IsDirectional(string component, Dictionary<string, bool> known)
    {
        if (known.TryGetValue(component, out var answer))
        {
            return answer;
        }

        var visited = new HashSet<string>(System.StringComparer.Ordinal);
        var found = Finds(new SchemaNode { Ref = component }, visited, known);
        if (found)
        {
            known[component] = true;
        }
        else
        {
            foreach (var name in visited)
            {
                known[name] = false;
            }
        }

        return found;
    }

    private bool Finds(SchemaNode root, HashSet<string> visited, Dictionary<string, bool> known)
    {
        var stack = new Stack<SchemaNode>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var schema = stack.Pop();
            if (schema.Ref is not null)
            {
                if (known.TryGetValue(schema.Ref, out var answer))
                {
                    if (answer)
                    {
                        return true;
                    }

                    continue;
                }

                if (Follow(schema, visited) is { } target)
                {
                    stack.Push(target);
                }

                continue;
            }

            foreach (var property in schema.Properties)
            {
                if (IsMarked(property.Schema))
                {
                    return true;
                }
            }

            PushChildren(schema, stack);
        }

        return false;
    }

    /// <summary>
    /// Follows an alias chain to the schema it ends at, adding each name to <paramref name="seen"/>. Null when a name
    /// was seen already (its schema is walked, or being walked) or the chain breaks.
    /// </summary>
    private SchemaNode? Follow(SchemaNode schema, HashSet<string> seen)
    {
        for (var hop = 0; hop < MaxAliasHops && schema.Ref is { } name; hop++)
        {
            if (!seen.Add(name) || !_resolver.TryGet(name, out schema))
            {
                return null;
            }
        }

        return schema.Ref is null ? schema : null;
    }

    /// <summary>
    /// <c>readOnly</c> or <c>writeOnly</c> on the property's schema, on any component its alias chain passes, or under a
    /// lone <c>allOf</c> wrapper: at least what <see cref="SchemaResolver.IsReadOnly"/> and <see cref="SchemaResolver.IsWriteOnly"/> see.
    /// </summary>
    private bool IsMarked(SchemaNode schema)
    {
        for (var hop = 0; hop < MaxAliasHops; hop++)
        {
            if (schema.ReadOnly || schema.WriteOnly)
            {
                return true;
            }

            if (schema.Ref is { } name)
            {
                if (!_resolver.TryGet(name, out schema))
                {
                    return false;
                }
            }
            else if (schema.AllOf.Count == 1 && schema.Properties.IsEmpty)
            {
                schema = schema.AllOf[0];
            }
            else
            {
                return false;
            }
        }

        return false;
    }

    private static void PushChildren(SchemaNode schema, Stack<SchemaNode> stack)
    {
        foreach (var property in schema.Properties)
        {
            stack.Push(property.Schema);
        }

        if (schema.Items is { } items)
        {
            stack.Push(items);
        }

        if (schema.AdditionalSchema is { } additional)
        {
            stack.Push(additional);
        }

        foreach (var member in schema.AllOf)
        {
            stack.Push(member);
        }

        foreach (var member in schema.OneOf)
        {
            stack.Push(member);
        }

        foreach (var member in schema.AnyOf)
        {
            stack.Push(member);
        }
    }
}
