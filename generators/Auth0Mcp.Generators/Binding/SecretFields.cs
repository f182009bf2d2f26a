using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Binding;

/// <summary>
/// Which properties of the spec hold secrets: every property (of a component schema, a request body, a parameter
/// or a response, at any depth) that is <c>format: password</c>, <c>writeOnly</c> (or refers to a write-only
/// schema), or whose name matches the documented patterns (docs/security.md) and whose type can hold a string:
/// <list type="bullet">
/// <item>any word is <c>secret</c> (<c>client_secret</c>, <c>secretAccessKey</c>, <c>aws_secret_access_key</c>);</item>
/// <item>the last word is <c>password</c>, <c>passwd</c>, <c>pass</c>, <c>token</c>, <c>pem</c>, <c>skey</c>,
/// <c>masterkey</c>, <c>authorization</c> or <c>credentials</c>;</item>
/// <item>the last word is <c>key</c>, not after <c>public</c>, <c>site</c> or <c>header</c> (public keys, captcha site
/// keys and header names are not secrets);</item>
/// <item>a property named just <c>key</c> inside a property whose last word is <c>key</c> (<c>signingKey.key</c>),
/// emitted qualified, because a bare <c>key</c> is also a rules-config or form-field name;</item>
/// <item>a property named just <c>value</c> inside a property whose last word is <c>secret</c> or <c>secrets</c>
/// (an action's <c>secrets[].value</c>), emitted qualified (<c>secrets.value</c>), because a bare <c>value</c> is
/// everywhere.</item>
/// </list>
/// Reads the spec text itself (it needs <c>writeOnly</c>, which the Reader does not keep) and never throws: a
/// malformed spec yields what could be read.
/// </summary>
internal static class SecretFields
{
    private const string SchemaRefPrefix = "#/components/schemas/";
    private const int MaxDepth = 64;
    private const int MaxRefHops = 32;

    private static readonly HashSet<string> LastWords = new(StringComparer.Ordinal)
    {
        "password", "passwd", "pass", "token", "pem", "skey", "masterkey", "authorization", "credentials",
    };

    private static readonly HashSet<string> NotSecretKeyPrefixes = new(StringComparer.Ordinal) { "public", "site", "header" };

    /// <summary>The secret property names, sorted; <c>parent.name</c> where the name is only secret inside that parent.</summary>
    public static EquatableArray<string> Collect(string specText)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(specText, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        }
        catch (JsonException)
        {
            return EquatableArray<string>.Empty;
        }

        using (doc)
        {
            var walker = new Walker(doc.RootElement);
            try
            {
                walker.Run();
            }
            catch (InvalidOperationException)
            {
                // A name or value that is no text ("\ud800", half a surrogate pair): the reader reports it (A0MG001)
                // and nothing is generated; what was found before it is kept.
            }

            return walker.Found.OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray();
        }
    }

    /// <summary>Whether a property name matches the documented patterns (ignoring its type).</summary>
    public static bool NameLooksSecret(string name)
    {
        var words = Words(name);
        if (words.Count == 0)
        {
            return false;
        }

        var last = words[words.Count - 1];
        if (words.Contains("secret") || LastWords.Contains(last))
        {
            return true;
        }

        return last == "key" && words.Count > 1 && !NotSecretKeyPrefixes.Contains(words[words.Count - 2]);
    }

    private static List<string> Words(string name) => Names.Words(name).Select(w => w.ToLowerInvariant()).ToList();

    private sealed class Walker
    {
        private readonly JsonElement _root;
        private readonly Dictionary<string, JsonElement> _components = new(StringComparer.Ordinal);
        private readonly HashSet<string> _visited = new(StringComparer.Ordinal);
        private readonly Dictionary<string, bool> _admitsString = new(StringComparer.Ordinal);
        private readonly HashSet<string> _stringVisited = new(StringComparer.Ordinal);

        public Walker(JsonElement root)
        {
            _root = root;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("components", out var components) && components.ValueKind == JsonValueKind.Object
                && components.TryGetProperty("schemas", out var schemas) && schemas.ValueKind == JsonValueKind.Object)
            {
                foreach (var schema in schemas.EnumerateObject())
                {
                    _components[schema.Name] = schema.Value;
                }
            }
        }

        public HashSet<string> Found { get; } = new(StringComparer.Ordinal);

        public void Run()
        {
            if (_root.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            // Operations first, so that a component reached through a property knows that property's name.
            if (_root.TryGetProperty("paths", out var paths) && paths.ValueKind == JsonValueKind.Object)
            {
                foreach (var path in paths.EnumerateObject())
                {
                    if (path.Value.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    foreach (var operation in path.Value.EnumerateObject())
                    {
                        WalkOperation(operation.Value);
                    }
                }
            }

            foreach (var component in _components)
            {
                WalkSchema(component.Value, null, 0);
            }
        }

        private void WalkOperation(JsonElement operation)
        {
            if (operation.ValueKind == JsonValueKind.Array)
            {
                // path-level "parameters"
                WalkParameters(operation);
                return;
            }

            if (operation.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (operation.TryGetProperty("parameters", out var parameters))
            {
                WalkParameters(parameters);
            }

            if (operation.TryGetProperty("requestBody", out var body))
            {
                WalkContent(body);
            }

            if (operation.TryGetProperty("responses", out var responses) && responses.ValueKind == JsonValueKind.Object)
            {
                foreach (var response in responses.EnumerateObject())
                {
                    WalkContent(response.Value);
                }
            }
        }

        private void WalkParameters(JsonElement parameters)
        {
            if (parameters.ValueKind != JsonValueKind.Array)
            {
                return;
            }

            foreach (var parameter in parameters.EnumerateArray())
            {
                if (parameter.ValueKind == JsonValueKind.Object && parameter.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                    && parameter.TryGetProperty("schema", out var schema))
                {
                    Consider(null, name.GetString()!, schema, parameter);
                    WalkSchema(schema, name.GetString(), 1);
                }
            }
        }

        private void WalkContent(JsonElement holder)
        {
            if (holder.ValueKind == JsonValueKind.Object && holder.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object)
            {
                foreach (var media in content.EnumerateObject())
                {
                    if (media.Value.ValueKind == JsonValueKind.Object && media.Value.TryGetProperty("schema", out var schema))
                    {
                        WalkSchema(schema, null, 0);
                    }
                }
            }
        }

        private void WalkSchema(JsonElement schema, string? owner, int depth)
        {
            if (schema.ValueKind != JsonValueKind.Object || depth > MaxDepth)
            {
                return;
            }

            if (RefName(schema) is { } refName)
            {
                // A component is walked once per owner name: cycles end, qualified names still appear.
                if (_components.TryGetValue(refName, out var target) && _visited.Add(refName + "\u0000" + owner))
                {
                    WalkSchema(target, owner, depth + 1);
                }

                return;
            }

            if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in properties.EnumerateObject())
                {
                    Consider(owner, property.Name, property.Value, property.Value);
                    WalkSchema(property.Value, property.Name, depth + 1);
                }
            }

            foreach (var keyword in new[] { "items", "additionalProperties", "not" })
            {
                if (schema.TryGetProperty(keyword, out var child))
                {
                    WalkSchema(child, owner, depth + 1);
                }
            }

            foreach (var keyword in new[] { "allOf", "anyOf", "oneOf", "prefixItems" })
            {
                if (schema.TryGetProperty(keyword, out var members) && members.ValueKind == JsonValueKind.Array)
                {
                    foreach (var member in members.EnumerateArray())
                    {
                        WalkSchema(member, owner, depth + 1);
                    }
                }
            }
        }

        private void Consider(string? owner, string name, JsonElement schema, JsonElement holder)
        {
            var resolved = Resolve(schema);
            if (IsTrue(holder, "writeOnly") || IsTrue(resolved, "writeOnly") || IsFormat(resolved, "password") || IsFormat(schema, "password"))
            {
                Found.Add(name);
                return;
            }

            if (!AdmitsString(schema))
            {
                return;
            }

            if (NameLooksSecret(name))
            {
                Found.Add(name);
            }
            else if (owner is not null && Words(name) is { Count: 1 } only && Words(owner) is { Count: > 0 } ownerWords
                && ((only[0] == "key" && ownerWords[ownerWords.Count - 1] == "key")
                    || (only[0] == "value" && ownerWords[ownerWords.Count - 1] is "secret" or "secrets")))
            {
                Found.Add(owner + "." + name);
            }
        }

        private JsonElement Resolve(JsonElement schema)
        {
            for (var hops = 0; hops < MaxRefHops && RefName(schema) is { } name && _components.TryGetValue(name, out var target); hops++)
            {
                schema = target;
            }

            return schema;
        }

        /// <summary>
        /// Whether the schema can hold a string: its type says so, or (without a type) a member of its composition
        /// can, or it says nothing that rules one out. A search over the schema graph: each component is entered once
        /// per question (a member that loops back adds nothing), and a component's answer is kept. Before, each member
        /// was followed to depth 8 with no memory: ten components of K <c>oneOf</c> members each took K^9 steps.
        /// </summary>
        private bool AdmitsString(JsonElement schema)
        {
            var root = RefName(schema);
            if (root is not null && _admitsString.TryGetValue(root, out var known))
            {
                return known;
            }

            _stringVisited.Clear();
            var result = AdmitsStringWalk(schema);
            if (root is not null)
            {
                _admitsString[root] = result;
            }

            return result;
        }

        /// <summary>How many schemas <see cref="AdmitsString"/> has looked at (for the tests: linear, not exponential).</summary>
        public long AdmitsStringSteps { get; private set; }

        private bool AdmitsStringWalk(JsonElement schema)
        {
            for (var hops = 0; hops < MaxRefHops && RefName(schema) is { } name && _components.TryGetValue(name, out var target); hops++)
            {
                if (_admitsString.TryGetValue(name, out var known))
                {
                    return known;
                }

                if (!_stringVisited.Add(name))
                {
                    // Already asked in this walk: its answer comes from where it was first reached.
                    return false;
                }

                schema = target;
            }

            AdmitsStringSteps++;
            if (schema.ValueKind != JsonValueKind.Object)
            {
                return schema.ValueKind == JsonValueKind.True;
            }

            if (schema.TryGetProperty("type", out var type))
            {
                return type.ValueKind switch
                {
                    JsonValueKind.String => type.ValueEquals("string"),
                    JsonValueKind.Array => type.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && t.ValueEquals("string")),
                    _ => false,
                };
            }

            var any = false;
            foreach (var keyword in new[] { "oneOf", "anyOf", "allOf" })
            {
                if (schema.TryGetProperty(keyword, out var members) && members.ValueKind == JsonValueKind.Array)
                {
                    any = true;
                    foreach (var member in members.EnumerateArray())
                    {
                        if (AdmitsStringWalk(member))
                        {
                            return true;
                        }
                    }
                }
            }

            // No type and no composition: anything, a string included (unless it is plainly an object or array).
            return !any && !schema.TryGetProperty("properties", out _) && !schema.TryGetProperty("items", out _);
        }

        private static string? RefName(JsonElement schema) =>
            schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var r) && r.ValueKind == JsonValueKind.String
            && r.GetString() is { } text && text.StartsWith(SchemaRefPrefix, StringComparison.Ordinal)
                ? text.Substring(SchemaRefPrefix.Length)
                : null;

        private static bool IsTrue(JsonElement schema, string keyword) =>
            schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty(keyword, out var v) && v.ValueKind == JsonValueKind.True;

        private static bool IsFormat(JsonElement schema, string format) =>
            schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("format", out var v) && v.ValueKind == JsonValueKind.String && v.ValueEquals(format);
    }
}
