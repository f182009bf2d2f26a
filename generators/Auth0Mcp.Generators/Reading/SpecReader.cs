using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Reading;

/// <summary>Stage 1: spec text → <see cref="SpecDocument"/> + diagnostics. Never throws on bad input.</summary>
internal static class SpecReader
{
    private const string SchemaRefPrefix = "#/components/schemas/";
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options"];

    public static (SpecDocument? Document, EquatableArray<DiagnosticInfo> Diagnostics) Read(string text)
    {
        var diagnostics = new List<DiagnosticInfo>();
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0) + 1;
            var column = (int)(ex.BytePositionInLine ?? 0) + 1;
            diagnostics.Add(new DiagnosticInfo(DiagnosticIds.InvalidJson, Severity.Error, $"The spec is not valid JSON: {FirstSentence(ex.Message)}", null, line, column));
            return (null, diagnostics.ToEquatableArray());
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("paths", out var paths) || paths.ValueKind != JsonValueKind.Object)
            {
                diagnostics.Add(new DiagnosticInfo(DiagnosticIds.NotOpenApi, Severity.Error, "The spec has no 'paths' object; it is not an OpenAPI 3 document.", null, 1, 1));
                return (null, diagnostics.ToEquatableArray());
            }

            var title = "";
            var version = "";
            if (root.TryGetProperty("info", out var info) && info.ValueKind == JsonValueKind.Object)
            {
                title = GetString(info, "title") ?? "";
                version = GetString(info, "version") ?? "";
            }

            var operations = new List<OperationNode>();
            foreach (var path in paths.EnumerateObject())
            {
                if (path.Value.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var shared = path.Value.TryGetProperty("parameters", out var sp) ? ReadParameters(sp) : new List<ParameterNode>();
                foreach (var item in path.Value.EnumerateObject())
                {
                    var method = item.Name.ToLowerInvariant();
                    if (Array.IndexOf(Methods, method) < 0 || item.Value.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    operations.Add(ReadOperation(path.Name, method, item.Value, shared));
                }
            }

            var schemas = new List<NamedSchema>();
            if (root.TryGetProperty("components", out var components) && components.ValueKind == JsonValueKind.Object
                && components.TryGetProperty("schemas", out var schemaMap) && schemaMap.ValueKind == JsonValueKind.Object)
            {
                foreach (var schema in schemaMap.EnumerateObject())
                {
                    schemas.Add(new NamedSchema(schema.Name, ReadSchema(schema.Value)));
                }
            }

            return (new SpecDocument(title, version, operations.ToEquatableArray(), schemas.ToEquatableArray()), diagnostics.ToEquatableArray());
        }
    }

    private static OperationNode ReadOperation(string path, string method, JsonElement op, List<ParameterNode> shared)
    {
        var parameters = new List<ParameterNode>(shared);
        if (op.TryGetProperty("parameters", out var ps))
        {
            foreach (var p in ReadParameters(ps))
            {
                parameters.RemoveAll(x => x.Name == p.Name && x.In == p.In);
                parameters.Add(p);
            }
        }

        RequestBodyNode? body = null;
        if (op.TryGetProperty("requestBody", out var rb) && rb.ValueKind == JsonValueKind.Object
            && rb.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object)
        {
            // Prefer JSON; the form-encoded alternative carries the same schema.
            JsonProperty? chosen = null;
            foreach (var media in content.EnumerateObject())
            {
                if (chosen is null || media.Name == "application/json")
                {
                    chosen = media;
                }
            }

            if (chosen is { } c)
            {
                var schema = c.Value.ValueKind == JsonValueKind.Object && c.Value.TryGetProperty("schema", out var s) ? ReadSchema(s) : SchemaNode.Any;
                body = new RequestBodyNode(GetBool(rb, "required"), c.Name, GetString(rb, "description"), schema);
            }
        }

        ResponseNode? success = null;
        if (op.TryGetProperty("responses", out var responses) && responses.ValueKind == JsonValueKind.Object)
        {
            foreach (var response in responses.EnumerateObject().OrderBy(r => r.Name, StringComparer.Ordinal))
            {
                if (!response.Name.StartsWith("2", StringComparison.Ordinal) || response.Value.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                string? mediaType = null;
                SchemaNode? schema = null;
                if (response.Value.TryGetProperty("content", out var rc) && rc.ValueKind == JsonValueKind.Object)
                {
                    foreach (var media in rc.EnumerateObject())
                    {
                        if (mediaType is null || media.Name == "application/json")
                        {
                            mediaType = media.Name;
                            schema = media.Value.ValueKind == JsonValueKind.Object && media.Value.TryGetProperty("schema", out var s) ? ReadSchema(s) : null;
                        }
                    }
                }

                success = new ResponseNode(response.Name, mediaType, schema);
                break;
            }
        }

        var group = new List<string>();
        if (op.TryGetProperty("x-operation-group", out var g))
        {
            if (g.ValueKind == JsonValueKind.String)
            {
                group.Add(g.GetString()!);
            }
            else if (g.ValueKind == JsonValueKind.Array)
            {
                group.AddRange(g.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!));
            }
        }

        var scopes = new SortedSet<string>(StringComparer.Ordinal);
        if (op.TryGetProperty("security", out var security) && security.ValueKind == JsonValueKind.Array)
        {
            foreach (var requirement in security.EnumerateArray())
            {
                if (requirement.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                foreach (var scheme in requirement.EnumerateObject())
                {
                    if (scheme.Value.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var scope in scheme.Value.EnumerateArray())
                        {
                            if (scope.ValueKind == JsonValueKind.String)
                            {
                                scopes.Add(scope.GetString()!);
                            }
                        }
                    }
                }
            }
        }

        return new OperationNode(
            path,
            method,
            GetString(op, "operationId"),
            GetString(op, "summary"),
            GetString(op, "description"),
            group.ToEquatableArray(),
            GetString(op, "x-operation-name"),
            GetString(op, "x-release-lifecycle"),
            parameters.ToEquatableArray(),
            body,
            success,
            scopes.ToEquatableArray());
    }

    private static List<ParameterNode> ReadParameters(JsonElement ps)
    {
        var list = new List<ParameterNode>();
        if (ps.ValueKind != JsonValueKind.Array)
        {
            return list;
        }

        foreach (var p in ps.EnumerateArray())
        {
            if (p.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var name = GetString(p, "name");
            var location = GetString(p, "in");
            if (name is null || location is null || location == "cookie")
            {
                continue;
            }

            var schema = p.TryGetProperty("schema", out var s) ? ReadSchema(s) : new SchemaNode { Types = new EquatableArray<string>(["string"]) };
            list.Add(new ParameterNode(name, location, location == "path" || GetBool(p, "required"), GetString(p, "description"), schema));
        }

        return list;
    }

    /// <summary>Reads one schema. Boolean schemas: <c>true</c> is "anything", <c>false</c> is kept as a closed object.</summary>
    public static SchemaNode ReadSchema(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return SchemaNode.Any;
        }

        string? reference = null;
        if (GetString(e, "$ref") is { } r)
        {
            reference = r.StartsWith(SchemaRefPrefix, StringComparison.Ordinal) ? Unescape(r.Substring(SchemaRefPrefix.Length)) : r;
        }

        var types = EquatableArray<string>.Empty;
        if (e.TryGetProperty("type", out var t))
        {
            if (t.ValueKind == JsonValueKind.String)
            {
                types = new EquatableArray<string>([t.GetString()!]);
            }
            else if (t.ValueKind == JsonValueKind.Array)
            {
                types = t.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToEquatableArray();
            }
        }

        // OpenAPI 3.0 style "nullable: true" becomes a "null" type.
        if (GetBool(e, "nullable") && !types.IsEmpty && !types.Contains("null"))
        {
            types = types.Concat(["null"]).ToEquatableArray();
        }

        var properties = EquatableArray<PropertyNode>.Empty;
        if (e.TryGetProperty("properties", out var props) && props.ValueKind == JsonValueKind.Object)
        {
            properties = props.EnumerateObject().Select(p => new PropertyNode(p.Name, ReadSchema(p.Value))).ToEquatableArray();
        }

        var additional = AdditionalKind.Unspecified;
        SchemaNode? additionalSchema = null;
        if (e.TryGetProperty("additionalProperties", out var ap))
        {
            switch (ap.ValueKind)
            {
                case JsonValueKind.True:
                    additional = AdditionalKind.True;
                    break;
                case JsonValueKind.False:
                    additional = AdditionalKind.False;
                    break;
                case JsonValueKind.Object:
                    additional = AdditionalKind.Schema;
                    additionalSchema = ReadSchema(ap);
                    break;
            }
        }

        return new SchemaNode
        {
            Ref = reference,
            Types = types,
            Format = GetString(e, "format"),
            Description = GetString(e, "description"),
            Pattern = GetString(e, "pattern"),
            ContentMediaType = GetString(e, "contentMediaType"),
            EnumJson = e.TryGetProperty("enum", out var en) && en.ValueKind == JsonValueKind.Array ? Compact(en) : null,
            ConstJson = e.TryGetProperty("const", out var c) ? Compact(c) : null,
            DefaultJson = e.TryGetProperty("default", out var d) ? Compact(d) : null,
            Minimum = Number(e, "minimum"),
            Maximum = Number(e, "maximum"),
            ExclusiveMinimum = Number(e, "exclusiveMinimum"),
            ExclusiveMaximum = Number(e, "exclusiveMaximum"),
            MinLength = Number(e, "minLength"),
            MaxLength = Number(e, "maxLength"),
            MinItems = Number(e, "minItems"),
            MaxItems = Number(e, "maxItems"),
            MinProperties = Number(e, "minProperties"),
            MaxProperties = Number(e, "maxProperties"),
            Properties = properties,
            Required = e.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.Array
                ? req.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToEquatableArray()
                : EquatableArray<string>.Empty,
            Items = e.TryGetProperty("items", out var items) ? ReadSchema(items) : null,
            Additional = additional,
            AdditionalSchema = additionalSchema,
            AllOf = ReadList(e, "allOf"),
            AnyOf = ReadList(e, "anyOf"),
            OneOf = ReadList(e, "oneOf"),
        };
    }

    private static EquatableArray<SchemaNode> ReadList(JsonElement e, string name) =>
        e.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(ReadSchema).ToEquatableArray()
            : EquatableArray<SchemaNode>.Empty;

    private static string? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetRawText() : null;

    /// <summary>Re-serializes a value without insignificant whitespace, so formatting never changes the model.</summary>
    private static string Compact(JsonElement e)
    {
        using var stream = new System.IO.MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            e.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string? GetString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool GetBool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static string Unescape(string pointer) => pointer.Replace("~1", "/").Replace("~0", "~");

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(" Path:", StringComparison.Ordinal);
        return i > 0 ? message.Substring(0, i) : message;
    }
}
