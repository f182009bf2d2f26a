using System.Text.Json;
using System.Text.Json.Nodes;

namespace Auth0Mcp.Generators.Tests.Infrastructure;

/// <summary>
/// Makes hostile variants of a spec for the fuzz test: deleted, duplicated and retyped nodes, broken <c>$ref</c>s,
/// <c>$ref</c> cycles and huge strings, a few at a time, reproducibly from a seed.
/// </summary>
internal sealed class SpecMutator
{
    public static readonly string[] Kinds = ["delete", "duplicate", "retype", "break-ref", "cycle", "huge-string"];

    private readonly JsonNode _original;
    private readonly Random _random;

    public SpecMutator(string specText, int seed)
    {
        _original = JsonNode.Parse(specText, documentOptions: new JsonDocumentOptions { MaxDepth = 512 })!;
        _random = new Random(seed);
    }

    /// <summary>The next mutant: its text and a description of what was done.</summary>
    public (string Text, string What) Next()
    {
        var root = _original.DeepClone();
        var count = 1 + _random.Next(4);
        var what = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var kind = Kinds[_random.Next(Kinds.Length)];
            what.Add(kind + " " + Apply(root, kind));
        }

        return (root.ToJsonString(), string.Join("; ", what));
    }

    private string Apply(JsonNode root, string kind)
    {
        switch (kind)
        {
            case "delete":
            {
                var (parent, key, _) = PickChild(root);
                Remove(parent, key);
                return key;
            }

            case "duplicate":
            {
                var (parent, key, node) = PickChild(root);
                var copy = node?.DeepClone();
                if (parent is JsonObject obj)
                {
                    obj[key + "_dup"] = copy;
                }
                else if (parent is JsonArray array)
                {
                    array.Add(copy);
                }

                return key;
            }

            case "retype":
            {
                var (parent, key, node) = PickChild(root);
                JsonNode? replacement = node switch
                {
                    JsonObject => new JsonArray(1, "x", null),
                    JsonArray => JsonValue.Create("not an array"),
                    JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonValue.Create(12345),
                    _ => new JsonObject { ["type"] = "object" },
                };
                Set(parent, key, replacement);
                return key;
            }

            case "break-ref":
            {
                var refs = Refs(root);
                if (refs.Count == 0)
                {
                    return "(no $ref)";
                }

                var target = refs[_random.Next(refs.Count)];
                string[] broken = ["#/components/schemas/DoesNotExist", "#/nowhere", "", "http://example.com/x.json#/a", "#/components/schemas/"];
                target["$ref"] = _random.Next(5) == 0 ? JsonValue.Create(42) : JsonValue.Create(broken[_random.Next(broken.Length)]);
                return "$ref";
            }

            case "cycle":
            {
                // An earlier mutation may have retyped components: index it only as an object.
                if (root["components"] is not JsonObject components || components["schemas"] is not JsonObject schemas || schemas.Count < 2)
                {
                    return "(no schemas)";
                }

                var names = schemas.Select(p => p.Key).ToList();
                var a = names[_random.Next(names.Count)];
                var b = names[_random.Next(names.Count)];
                schemas[a] = _random.Next(3) switch
                {
                    0 => new JsonObject { ["$ref"] = "#/components/schemas/" + a },
                    1 => new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + b }) },
                    _ => new JsonObject { ["$ref"] = "#/components/schemas/" + b },
                };
                if (schemas[b] is JsonObject)
                {
                    schemas[b] = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + a }) };
                }

                return a + "<->" + b;
            }

            default:
            {
                var (parent, key, _) = PickChild(root);
                Set(parent, key, new string('x', 1 + _random.Next(2_000_000)) + "\u2028\"\\\0{");
                return key;
            }
        }
    }

    // A random descendant: walk down from the root, stopping at each level with some chance.
    private (JsonNode Parent, string Key, JsonNode? Node) PickChild(JsonNode root)
    {
        var parent = root;
        while (true)
        {
            var children = Children(parent);
            if (children.Count == 0)
            {
                return (root, "openapi", root["openapi"]);
            }

            var (key, child) = children[_random.Next(children.Count)];
            if (child is JsonObject or JsonArray && Children(child).Count > 0 && _random.Next(10) < 8)
            {
                parent = child;
                continue;
            }

            return (parent, key, child);
        }
    }

    private static List<(string Key, JsonNode? Node)> Children(JsonNode node) => node switch
    {
        JsonObject obj => obj.Select(p => (p.Key, p.Value)).ToList(),
        JsonArray array => array.Select((n, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), n)).ToList(),
        _ => [],
    };

    private static void Remove(JsonNode parent, string key)
    {
        if (parent is JsonObject obj)
        {
            obj.Remove(key);
        }
        else if (parent is JsonArray array)
        {
            array.RemoveAt(int.Parse(key, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static void Set(JsonNode parent, string key, JsonNode? value)
    {
        if (parent is JsonObject obj)
        {
            obj[key] = value;
        }
        else if (parent is JsonArray array)
        {
            array[int.Parse(key, System.Globalization.CultureInfo.InvariantCulture)] = value;
        }
    }

    private static List<JsonObject> Refs(JsonNode root)
    {
        var found = new List<JsonObject>();
        var pending = new Stack<JsonNode?>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case JsonObject obj:
                    if (obj.ContainsKey("$ref"))
                    {
                        found.Add(obj);
                    }

                    foreach (var p in obj)
                    {
                        pending.Push(p.Value);
                    }

                    break;
                case JsonArray array:
                    foreach (var n in array)
                    {
                        pending.Push(n);
                    }

                    break;
            }
        }

        return found;
    }
}
