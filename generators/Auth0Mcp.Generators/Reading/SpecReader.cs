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

    public static (SpecDocument? Document, EquatableArray<DiagnosticInfo> Diagnostics) Read(string text) => Read(SpecSource.FromText(text));

    /// <summary>Reads the spec from its UTF-8 form when that is at hand (no text is made), else from its text.</summary>
    public static (SpecDocument? Document, EquatableArray<DiagnosticInfo> Diagnostics) Read(SpecSource source)
    {
        var diagnostics = new List<DiagnosticInfo>();
        JsonDocument doc;
        try
        {
            var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };
            doc = source.HasUtf8 ? JsonDocument.Parse(source.Utf8, options) : JsonDocument.Parse(source.Text, options);
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
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("swagger", out var swagger))
            {
                var version = swagger.ValueKind == JsonValueKind.String ? swagger.GetString() : swagger.GetRawText();
                diagnostics.Add(DiagnosticInfo.At(
                    DiagnosticIds.Swagger2,
                    Severity.Error,
                    $"The document is Swagger {version}, not OpenAPI 3.0/3.1; convert it first (for example with swagger2openapi, or the converter at converter.swagger.io).",
                    "/swagger"));
                return (null, diagnostics.ToEquatableArray());
            }

            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("paths", out var paths) || paths.ValueKind != JsonValueKind.Object)
            {
                diagnostics.Add(new DiagnosticInfo(DiagnosticIds.NotOpenApi, Severity.Error, "The spec has no 'paths' object; it is not an OpenAPI 3 document.", null, 1, 1));
                return (null, diagnostics.ToEquatableArray());
            }

            try
            {
                return (new DocumentReader(root, diagnostics).Read(paths), diagnostics.ToEquatableArray());
            }
            catch (InvalidOperationException) when (LoneSurrogate(source.Utf8.Span) is { } at)
            {
                // System.Text.Json parses "\ud800" but refuses to make a string of it (half a surrogate pair is no
                // character): one error at the escape, as for any other text that is not JSON, and nothing read.
                diagnostics.Clear();
                diagnostics.Add(new DiagnosticInfo(
                    DiagnosticIds.InvalidJson,
                    Severity.Error,
                    $"The spec is not valid JSON: the escape '{at.Escape}' is half of a UTF-16 surrogate pair without its other half, which is no character.",
                    null,
                    at.Line,
                    at.Column));
                return (null, diagnostics.ToEquatableArray());
            }
        }
    }

    /// <summary>
    /// The first <c>\uXXXX</c> escape in the UTF-8 JSON that is a lone surrogate (a high one not followed by a low
    /// one, or a low one on its own), with its 1-based line and column (in bytes, as the locator counts); null if none.
    /// </summary>
    internal static (string Escape, int Line, int Column)? LoneSurrogate(ReadOnlySpan<byte> bytes)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
                continue;
            }

            if (bytes[i] != (byte)'\\' || i + 1 >= bytes.Length)
            {
                continue;
            }

            if (bytes[i + 1] != (byte)'u' || Hex4(bytes, i + 2) is not { } unit)
            {
                // Another escape (\\, \", \n…): its second character is not the start of one.
                i++;
                continue;
            }

            if (unit is >= 0xD800 and <= 0xDBFF && i + 11 < bytes.Length && bytes[i + 6] == (byte)'\\' && bytes[i + 7] == (byte)'u'
                && Hex4(bytes, i + 8) is >= 0xDC00 and <= 0xDFFF)
            {
                i += 11;
                continue;
            }

            if (unit is >= 0xD800 and <= 0xDFFF)
            {
                return (System.Text.Encoding.ASCII.GetString(bytes.Slice(i, 6).ToArray()), line, i - lineStart + 1);
            }

            i += 5;
        }

        return null;
    }

    private static int? Hex4(ReadOnlySpan<byte> bytes, int start)
    {
        if (start + 4 > bytes.Length)
        {
            return null;
        }

        var value = 0;
        for (var i = start; i < start + 4; i++)
        {
            var b = bytes[i];
            var digit = b is >= (byte)'0' and <= (byte)'9' ? b - '0' : b is >= (byte)'a' and <= (byte)'f' ? b - 'a' + 10 : b is >= (byte)'A' and <= (byte)'F' ? b - 'A' + 10 : -1;
            if (digit < 0)
            {
                return null;
            }

            value = (value * 16) + digit;
        }

        return value;
    }

    /// <summary>The state of one read: the document root (for <c>$ref</c>s), diagnostics, and the schemas refs reach.</summary>
    private sealed class DocumentReader(JsonElement root, List<DiagnosticInfo> diagnostics)
    {
        private const int MaxRefHops = 32;
        private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _refSchemaNames = new(StringComparer.Ordinal);
        private readonly Queue<(string Name, string Pointer)> _pendingSchemas = new();
        private readonly HashSet<string> _componentNames = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (ParameterNode? Node, List<DiagnosticInfo> Notes)> _referencedParameters = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ResponseNode> _referencedResponses = new(StringComparer.Ordinal);
        private readonly System.IO.MemoryStream _compactStream = new();
        private Utf8JsonWriter? _compactWriter;

        public SpecDocument Read(JsonElement paths)
        {
            string title = "", version = "", description = "";
            if (root.TryGetProperty("info", out var info) && info.ValueKind == JsonValueKind.Object)
            {
                title = GetString(info, "title") ?? "";
                version = GetString(info, "version") ?? "";
                description = GetString(info, "description") ?? "";
            }

            var baseUrl = root.TryGetProperty("servers", out var servers) ? ServerUrl(servers) ?? "" : "";
            JsonElement schemaMap = default;
            var hasSchemas = root.TryGetProperty("components", out var components) && components.ValueKind == JsonValueKind.Object
                && components.TryGetProperty("schemas", out schemaMap) && schemaMap.ValueKind == JsonValueKind.Object;
            if (hasSchemas)
            {
                foreach (var schema in schemaMap.EnumerateObject())
                {
                    _componentNames.Add(schema.Name);
                }
            }

            var operations = new List<OperationNode>();
            foreach (var path in paths.EnumerateObject())
            {
                var pathPointer = "/paths/" + Escape(path.Name);
                var item = PathItemMembers(path.Name, path.Value, pathPointer);
                var shared = item.TryGetValue("parameters", out var sp) ? ReadParameters(sp.Value, sp.Pointer) : new List<ParameterNode>();
                var pathServers = item.TryGetValue("servers", out var ps) ? ServerUrl(ps.Value) : null;
                foreach (var entry in item)
                {
                    var (value, pointer) = entry.Value;
                    var method = entry.Key.ToLowerInvariant();
                    if (method == "trace" && value.ValueKind == JsonValueKind.Object)
                    {
                        diagnostics.Add(DiagnosticInfo.At(DiagnosticIds.Unsupported, Severity.Warning, $"TRACE {path.Name} is not generated: the HTTP clients have no TRACE method.", pointer));
                        continue;
                    }

                    if (Array.IndexOf(Methods, method) < 0 || value.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    var opServers = value.TryGetProperty("servers", out var os) ? ServerUrl(os) : pathServers;
                    if (opServers is not null && opServers != baseUrl)
                    {
                        diagnostics.Add(DiagnosticInfo.At(
                            DiagnosticIds.ServersIgnored,
                            Severity.Info,
                            $"{method.ToUpperInvariant()} {path.Name} names its own server '{opServers}'; the generated client calls the base URL '{baseUrl}' (override it at run time).",
                            pointer));
                    }

                    operations.Add(ReadOperation(path.Name, method, value, shared, pointer));
                }
            }

            if (root.TryGetProperty("webhooks", out var webhooks) && webhooks.ValueKind == JsonValueKind.Object && webhooks.EnumerateObject().Any())
            {
                diagnostics.Add(DiagnosticInfo.At(DiagnosticIds.CallbacksIgnored, Severity.Info, "The document's webhooks are requests the API sends, not operations: no tools are generated for them.", "/webhooks"));
            }

            var schemas = new List<NamedSchema>();
            if (hasSchemas)
            {
                foreach (var schema in schemaMap.EnumerateObject())
                {
                    schemas.Add(new NamedSchema(schema.Name, ReadSchema(schema.Value)));
                }
            }

            // Schemas that $refs reach outside #/components/schemas, each read once under its own name.
            while (_pendingSchemas.Count > 0)
            {
                var (name, pointer) = _pendingSchemas.Dequeue();
                schemas.Add(new NamedSchema(name, ReadSchema(Resolve(pointer) ?? default)));
            }

            return new SpecDocument(title, version, operations.ToEquatableArray(), schemas.ToEquatableArray())
            {
                Description = description,
                BaseUrl = baseUrl,
            };
        }

        /// <summary>
        /// The members of a path item, each with its JSON pointer, in the order written. A <c>$ref</c> item is the item it
        /// names with the members written beside the <c>$ref</c> added (OpenAPI leaves a member in both undefined: the
        /// one beside the <c>$ref</c> is kept, and reported); a <c>$ref</c> that cannot be followed is reported by
        /// <see cref="Follow"/> and leaves the members beside it. Before, a <c>$ref</c> item dropped those unreported.
        /// </summary>
        private Dictionary<string, (JsonElement Value, string Pointer)> PathItemMembers(string path, JsonElement item, string pathPointer)
        {
            var members = new Dictionary<string, (JsonElement Value, string Pointer)>(StringComparer.Ordinal);
            if (item.ValueKind != JsonValueKind.Object)
            {
                return members;
            }

            if (item.TryGetProperty("$ref", out _) && Follow(item, pathPointer, out var target, out var targetPointer) && target.ValueKind == JsonValueKind.Object)
            {
                foreach (var member in target.EnumerateObject())
                {
                    members[member.Name] = (member.Value, targetPointer + "/" + Escape(member.Name));
                }
            }

            foreach (var member in item.EnumerateObject())
            {
                if (member.NameEquals("$ref"u8))
                {
                    continue;
                }

                var pointer = pathPointer + "/" + Escape(member.Name);
                if (members.TryGetValue(member.Name, out var referenced))
                {
                    diagnostics.Add(DiagnosticInfo.At(
                        DiagnosticIds.Unsupported,
                        Severity.Warning,
                        $"The path item {path} has '{member.Name}' both beside its $ref and in the item it refers to ({referenced.Pointer}); the one beside the $ref is used.",
                        pointer));
                }

                members[member.Name] = (member.Value, pointer);
            }

            return members;
        }

        /// <summary>The first server's URL with its variables replaced by their defaults; null when there is none.</summary>
        private static string? ServerUrl(JsonElement servers)
        {
            if (servers.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            foreach (var server in servers.EnumerateArray())
            {
                if (server.ValueKind != JsonValueKind.Object || GetString(server, "url") is not { } url)
                {
                    continue;
                }

                if (server.TryGetProperty("variables", out var variables) && variables.ValueKind == JsonValueKind.Object)
                {
                    foreach (var variable in variables.EnumerateObject())
                    {
                        var value = variable.Value.ValueKind == JsonValueKind.Object ? GetString(variable.Value, "default") ?? "" : "";
                        url = url.Replace("{" + variable.Name + "}", value);
                    }
                }

                return url;
            }

            return null;
        }

        private OperationNode ReadOperation(string path, string method, JsonElement op, List<ParameterNode> shared, string pointer)
        {
            var parameters = new List<ParameterNode>(shared);
            if (op.TryGetProperty("parameters", out var ps))
            {
                foreach (var p in ReadParameters(ps, pointer + "/parameters"))
                {
                    // An operation's parameter overrides the path item's of the same name and location.
                    for (var i = parameters.Count - 1; i >= 0; i--)
                    {
                        if (parameters[i].Name == p.Name && parameters[i].In == p.In)
                        {
                            parameters.RemoveAt(i);
                        }
                    }

                    parameters.Add(p);
                }
            }

            CheckPlaceholders(path, method, parameters, pointer);
            var body = op.TryGetProperty("requestBody", out var rb) ? ReadBody(rb, pointer + "/requestBody", path, method) : null;
            var success = op.TryGetProperty("responses", out var responses) ? ReadSuccess(responses, pointer + "/responses", path, method) : null;
            if (op.TryGetProperty("callbacks", out var callbacks) && callbacks.ValueKind == JsonValueKind.Object && callbacks.EnumerateObject().Any())
            {
                diagnostics.Add(DiagnosticInfo.At(DiagnosticIds.CallbacksIgnored, Severity.Info, $"The callbacks of {method.ToUpperInvariant()} {path} are requests the API sends: no tools are generated for them.", pointer + "/callbacks"));
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

            var tags = op.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Array
                ? t.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToEquatableArray()
                : EquatableArray<string>.Empty;

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
                Scopes(op))
            {
                Pointer = pointer,
                Tags = tags,
                Deprecated = GetBool(op, "deprecated"),
            };
        }

        private static EquatableArray<string> Scopes(JsonElement op)
        {
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

            return scopes.ToEquatableArray();
        }

        /// <summary>Every <c>{placeholder}</c> needs a path parameter of that name, and every path parameter a placeholder.</summary>
        private void CheckPlaceholders(string path, string method, List<ParameterNode> parameters, string pointer)
        {
            var placeholders = new List<string>();
            for (var i = path.IndexOf('{'); i >= 0; i = path.IndexOf('{', i + 1))
            {
                var close = path.IndexOf('}', i);
                if (close < 0)
                {
                    break;
                }

                placeholders.Add(path.Substring(i + 1, close - i - 1));
            }

            foreach (var placeholder in placeholders)
            {
                if (!HasPathParameter(parameters, placeholder))
                {
                    diagnostics.Add(DiagnosticInfo.At(
                        DiagnosticIds.PathParameterMismatch,
                        Severity.Error,
                        $"{method.ToUpperInvariant()} {path} has the placeholder {{{placeholder}}} but no path parameter named '{placeholder}'" + Candidates(parameters, "path") + "; every call would fail.",
                        pointer));
                }
            }

            foreach (var parameter in parameters)
            {
                if (parameter.In != "path" || placeholders.Contains(parameter.Name))
                {
                    continue;
                }

                diagnostics.Add(DiagnosticInfo.At(
                    DiagnosticIds.PathParameterMismatch,
                    Severity.Error,
                    $"{method.ToUpperInvariant()} {path} has the path parameter '{parameter.Name}' but no placeholder {{{parameter.Name}}} in its path.",
                    pointer));
            }
        }

        private static bool HasPathParameter(List<ParameterNode> parameters, string name)
        {
            foreach (var p in parameters)
            {
                if (p.In == "path" && p.Name == name)
                {
                    return true;
                }
            }

            return false;
        }

        private static string Candidates(List<ParameterNode> parameters, string location)
        {
            var names = parameters.Where(p => p.In == location).Select(p => "'" + p.Name + "'").ToList();
            return names.Count == 0 ? "" : " (its path parameters: " + string.Join(", ", names) + ")";
        }

        private RequestBodyNode? ReadBody(JsonElement element, string pointer, string path, string method)
        {
            if (!Follow(element, pointer, out var rb, out var bodyPointer))
            {
                return null;
            }

            // OpenAPI requires a request body's content, with a media type: without one nothing says what to send.
            RequestBodyNode? NoMediaType(string content)
            {
                diagnostics.Add(DiagnosticInfo.At(
                    DiagnosticIds.Unsupported,
                    Severity.Warning,
                    $"The request body of {method.ToUpperInvariant()} {path} names no media type (its 'content' is {content}); the operation is generated without a body.",
                    bodyPointer));
                return null;
            }

            if (rb.ValueKind != JsonValueKind.Object || !rb.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object)
            {
                return NoMediaType("missing");
            }

            var offered = content.EnumerateObject().Select(m => m.Name).ToList();
            if (MediaTypes.Choose(offered) is not { } chosen)
            {
                return NoMediaType("empty");
            }

            var encoding = MediaTypes.EncodingOf(chosen);
            var others = offered.Where(m => m != chosen && MediaTypes.EncodingOf(m) != encoding).ToList();
            // Choosing JSON loses nothing (the API accepts it); a non-JSON choice among alternatives is worth a note.
            if (others.Count > 0 && encoding != BodyEncoding.Json)
            {
                diagnostics.Add(DiagnosticInfo.At(
                    DiagnosticIds.MediaTypeChosen,
                    Severity.Info,
                    $"The request body of {method.ToUpperInvariant()} {path} is offered as {string.Join(", ", offered)}; it is sent as {chosen}.",
                    bodyPointer + "/content"));
            }

            var media = content.GetProperty(chosen);
            var schema = media.ValueKind == JsonValueKind.Object && media.TryGetProperty("schema", out var s)
                ? ReadSchema(s)
                : encoding is BodyEncoding.Binary or BodyEncoding.Text ? new SchemaNode { Types = new EquatableArray<string>(["string"]) } : SchemaNode.Any;
            return new RequestBodyNode(GetBool(rb, "required"), chosen, GetString(rb, "description"), schema) { Encoding = encoding };
        }

        private ResponseNode? ReadSuccess(JsonElement responses, string pointer, string path, string method)
        {
            if (responses.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            // The lowest 2xx (2XX counts as 200), else the lowest 3xx: a redirect the tool reports, never follows.
            // A key that is neither a status code (100-599, or a range such as 2XX) nor "default" is no response.
            JsonProperty? chosen = null;
            foreach (var response in responses.EnumerateObject().OrderBy(r => r.Name.ToUpperInvariant().Replace('X', '0'), StringComparer.Ordinal))
            {
                if (response.Name.StartsWith("x-", StringComparison.Ordinal))
                {
                    // A specification extension: no response.
                    continue;
                }

                if (!IsStatusKey(response.Name))
                {
                    diagnostics.Add(DiagnosticInfo.At(
                        DiagnosticIds.Unsupported,
                        Severity.Warning,
                        $"The response key {Binding.Json.Quote(response.Name)} of {method.ToUpperInvariant()} {path} is neither an HTTP status code (100 to 599, or a range such as 2XX) nor 'default'; it is ignored.",
                        pointer + "/" + Escape(response.Name)));
                    continue;
                }

                if (response.Name.Length == 3 && (response.Name[0] == '2' || (response.Name[0] == '3' && chosen is null)))
                {
                    if (chosen is null || chosen.Value.Name[0] == '3')
                    {
                        chosen = response;
                    }
                }
            }

            if (chosen is not { } r)
            {
                diagnostics.Add(DiagnosticInfo.At(
                    DiagnosticIds.NoSuccessResponse,
                    Severity.Info,
                    $"{method.ToUpperInvariant()} {path} documents no 2xx or 3xx response; any 2xx answer is reported as it comes.",
                    pointer));
                return null;
            }

            var status = r.Name.ToUpperInvariant().Replace("XX", "00");
            var responsePointer = pointer + "/" + Escape(r.Name);
            if (!Follow(r.Value, responsePointer, out var target, out var targetPointer))
            {
                return new ResponseNode(status, null, null);
            }

            if (targetPointer == responsePointer)
            {
                return ReadResponse(status, target);
            }

            // A shared response (#/components/responses/…) is read once, whatever the number of operations using it.
            if (!_referencedResponses.TryGetValue(targetPointer, out var shared))
            {
                shared = ReadResponse(status, target);
                _referencedResponses[targetPointer] = shared;
            }

            return shared.Status == status ? shared : shared with { Status = status };
        }

        /// <summary>Whether a key of <c>responses</c> is one OpenAPI allows: <c>[1-5][0-9X]{2}</c> (either case of X) or <c>default</c>.</summary>
        private static bool IsStatusKey(string key) =>
            key == "default" || (key.Length == 3 && key[0] is >= '1' and <= '5' && IsDigitOrX(key[1]) && IsDigitOrX(key[2]));

        private static bool IsDigitOrX(char c) => c is (>= '0' and <= '9') or 'X' or 'x';

        private ResponseNode ReadResponse(string status, JsonElement response)
        {
            if (response.ValueKind != JsonValueKind.Object || !response.TryGetProperty("content", out var rc) || rc.ValueKind != JsonValueKind.Object)
            {
                return new ResponseNode(status, null, null);
            }

            var offered = rc.EnumerateObject().Select(m => m.Name).ToList();
            if (MediaTypes.Choose(offered) is not { } mediaType)
            {
                return new ResponseNode(status, null, null);
            }

            var media = rc.GetProperty(mediaType);
            var schema = media.ValueKind == JsonValueKind.Object && media.TryGetProperty("schema", out var s) ? ReadSchema(s) : null;
            return new ResponseNode(status, mediaType, schema) { Encoding = MediaTypes.EncodingOf(mediaType) };
        }

        private List<ParameterNode> ReadParameters(JsonElement ps, string pointer)
        {
            var list = new List<ParameterNode>();
            if (ps.ValueKind != JsonValueKind.Array)
            {
                return list;
            }

            var index = 0;
            foreach (var item in ps.EnumerateArray())
            {
                var itemPointer = pointer + "/" + index++;
                if (!Follow(item, itemPointer, out var p, out var parameterPointer) || p.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                // A shared parameter (#/components/parameters/…) is read once; what it reports is reported at each use, as before.
                ParameterNode? node;
                List<DiagnosticInfo> notes;
                if (parameterPointer == itemPointer)
                {
                    (node, notes) = ReadParameter(p, parameterPointer);
                }
                else if (_referencedParameters.TryGetValue(parameterPointer, out var shared))
                {
                    (node, notes) = shared;
                }
                else
                {
                    (node, notes) = ReadParameter(p, parameterPointer);
                    _referencedParameters[parameterPointer] = (node, notes);
                }

                diagnostics.AddRange(notes);
                if (node is not null)
                {
                    list.Add(node);
                }
            }

            return list;
        }

        /// <summary>One parameter object, and the diagnostics about it (reported by the caller, at each use).</summary>
        private (ParameterNode? Node, List<DiagnosticInfo> Notes) ReadParameter(JsonElement p, string parameterPointer)
        {
            var notes = new List<DiagnosticInfo>();
            var name = GetString(p, "name");
            var location = GetString(p, "in");
            if (name is null || location is not ("path" or "query" or "header" or "cookie"))
            {
                notes.Add(DiagnosticInfo.At(
                    DiagnosticIds.Unsupported,
                    Severity.Warning,
                    $"A parameter without a name or with location '{location}' (not path, query, header or cookie) is skipped.",
                    parameterPointer));
                return (null, notes);
            }

            // OpenAPI: header parameters named Accept, Content-Type or Authorization "SHALL be ignored" (the media types
            // and the security scheme say them); as arguments, a model would be asked for a token that is thrown away.
            if (location == "header" && (string.Equals(name, "Accept", StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, "Authorization", StringComparison.OrdinalIgnoreCase)))
            {
                notes.Add(DiagnosticInfo.At(
                    DiagnosticIds.ParameterNotSent,
                    Severity.Info,
                    $"The header parameter '{name}' is ignored, as OpenAPI says: the request's media types and the connection's credentials set it.",
                    parameterPointer));
                return (null, notes);
            }

            var required = location == "path" || GetBool(p, "required");
            if (location == "cookie")
            {
                notes.Add(DiagnosticInfo.At(
                    DiagnosticIds.ParameterNotSent,
                    required ? Severity.Warning : Severity.Info,
                    $"The {(required ? "required " : "")}cookie parameter '{name}' is not sent: cookies are not part of the generated calls.",
                    parameterPointer));
                return (null, notes);
            }

            SchemaNode schema;
            if (p.TryGetProperty("schema", out var s))
            {
                schema = ReadSchema(s);
            }
            else if (p.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.Object && c.EnumerateObject().FirstOrDefault() is { Value.ValueKind: JsonValueKind.Object } m
                && m.Value.TryGetProperty("schema", out var cs))
            {
                // A parameter with content is serialized as that media type; the value is passed as its JSON text.
                var content = ReadSchema(cs);
                schema = content.HasType("string") ? content : new SchemaNode { Types = new EquatableArray<string>(["string"]), Description = "JSON text." };
            }
            else
            {
                schema = new SchemaNode { Types = new EquatableArray<string>(["string"]) };
            }

            // explode defaults to true for form (the query's default style) and false for every other style, simple (the
            // path's and the header's default) included.
            var style = GetString(p, "style");
            var explode = p.TryGetProperty("explode", out var e) ? e.ValueKind == JsonValueKind.True : style is "form" || (style is null && location == "query");
            if (style is not null && !StyleAllowed(style, location))
            {
                // OpenAPI allows simple, label and matrix in a path, simple in a header, form, spaceDelimited,
                // pipeDelimited and deepObject in the query: any other is the location's default, said and not guessed.
                notes.Add(DiagnosticInfo.At(
                    DiagnosticIds.StyleNotAllowed,
                    Severity.Warning,
                    $"The {location} parameter '{name}' has style '{style}', which OpenAPI does not allow in the {location} ({(location == "path" ? "simple, label or matrix" : location == "header" ? "simple" : "form, spaceDelimited, pipeDelimited or deepObject")}); it is sent in the {location}'s default style ({(location == "query" ? "form" : "simple")}{(explode ? ", exploded" : "")}).",
                    parameterPointer));
                style = null;
            }
            else if (style is "spaceDelimited" or "pipeDelimited")
            {
                notes.Add(DiagnosticInfo.At(
                    DiagnosticIds.ParameterStyle,
                    Severity.Info,
                    $"The {location} parameter '{name}' has style '{style}'; the generated client sends it in the default (form) style.",
                    parameterPointer));
            }
            else if (style is "label" or "matrix")
            {
                // The tools send it in its style; the typed client's parameter is a string that Refit escapes whole.
                notes.Add(DiagnosticInfo.At(
                    DiagnosticIds.ParameterStyle,
                    Severity.Info,
                    $"The path parameter '{name}' has style '{style}': the tools send it in that style, but the typed client takes it as a string and sends it as one escaped segment (the default, simple style; Refit escapes '{(style == "label" ? "," : ";")}' and '='), so a {style} value cannot be written through the typed client.",
                    parameterPointer));
            }

            return (new ParameterNode(name, location, required, GetString(p, "description"), schema)
            {
                Style = style,
                Explode = explode,
                Deprecated = GetBool(p, "deprecated"),
            }, notes);
        }

        /// <summary>Whether OpenAPI allows <paramref name="style"/> for a parameter in <paramref name="location"/> (its table of styles).</summary>
        private static bool StyleAllowed(string style, string location) => style switch
        {
            "simple" => location is "path" or "header",
            "label" or "matrix" => location == "path",
            "form" or "spaceDelimited" or "pipeDelimited" or "deepObject" => location == "query",
            _ => false,
        };

        /// <summary>
        /// Follows a Reference Object (and chains of them) to what it names. False (with a diagnostic, reported once
        /// per place) for a dangling, cyclic or external ref; true with the element itself when it is no ref.
        /// </summary>
        private bool Follow(JsonElement element, string pointer, out JsonElement target, out string targetPointer)
        {
            target = element;
            targetPointer = pointer;
            for (var hops = 0; element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$ref", out var r); hops++)
            {
                if (r.ValueKind != JsonValueKind.String)
                {
                    ReportOnce(DiagnosticIds.Unsupported, Severity.Warning, $"The $ref at {pointer} is not a string ({r.ValueKind}); what it stands for is skipped.", pointer);
                    return false;
                }

                var reference = r.GetString()!;
                if (!reference.StartsWith("#", StringComparison.Ordinal))
                {
                    ReportOnce(DiagnosticIds.ExternalRef, Severity.Warning, $"The $ref '{reference}' points into another document; the generator reads one document, so this is skipped. Bundle the spec first (for example with redocly bundle).", pointer);
                    return false;
                }

                if (hops >= MaxRefHops)
                {
                    ReportOnce(DiagnosticIds.RefCycle, Severity.Error, $"The $ref chain from {pointer} does not end (it loops back on itself).", pointer);
                    return false;
                }

                if (Resolve(reference.Substring(1)) is not { } next)
                {
                    ReportOnce(DiagnosticIds.DanglingRef, Severity.Error, $"The $ref '{reference}' points at nothing; what it stands for is skipped.", pointer);
                    return false;
                }

                element = next;
                target = next;
                targetPointer = reference.Substring(1);
            }

            return true;
        }

        /// <summary>The element at a JSON pointer (RFC 6901; percent-encoded as URI fragments may be), or null.</summary>
        public JsonElement? Resolve(string pointer)
        {
            var current = root;
            if (pointer.Length == 0)
            {
                return current;
            }

            if (pointer[0] != '/')
            {
                return null;
            }

            foreach (var raw in pointer.Substring(1).Split('/'))
            {
                var token = Unescape(raw.IndexOf('%') >= 0 ? SafeUnescapeData(raw) : raw);
                if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(token, out var child))
                {
                    current = child;
                }
                else if (current.ValueKind == JsonValueKind.Array && int.TryParse(token, out var i) && i >= 0 && i < current.GetArrayLength())
                {
                    current = current[i];
                }
                else
                {
                    return null;
                }
            }

            return current;
        }

        private void ReportOnce(string id, Severity severity, string message, string pointer)
        {
            if (_reported.Add(id + pointer))
            {
                diagnostics.Add(DiagnosticInfo.At(id, severity, message, pointer));
            }
        }

        /// <summary>Reads one schema. Boolean schemas: <c>true</c> is "anything", <c>false</c> is kept as a closed object.</summary>
        public SchemaNode ReadSchema(JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                return SchemaNode.Any;
            }

            // One pass over the members instead of a lookup per keyword (Microsoft Graph has millions of schema members).
            var k = default(SchemaKeywords);
            foreach (var member in e.EnumerateObject())
            {
                k.Take(member);
            }

            string? reference = null;
            if (k.Ref.ValueKind == JsonValueKind.String)
            {
                reference = SchemaRef(k.Ref.GetString()!);
                if (reference is null)
                {
                    return SchemaNode.Any;
                }
            }
            else if (k.Ref.ValueKind != JsonValueKind.Undefined)
            {
                // Ignored, as before, but no longer silently: reported once per kind, without a position (schemas carry no
                // pointer). The schema's other keywords still apply, so what it does say is still checked.
                if (_reported.Add(DiagnosticIds.Unsupported + "$ref-kind:" + k.Ref.ValueKind))
                {
                    diagnostics.Add(new DiagnosticInfo(DiagnosticIds.Unsupported, Severity.Warning, $"A schema's $ref is not a string ({k.Ref.ValueKind}); it is ignored, and the schema's other keywords apply as written.", null));
                }
            }

            var types = EquatableArray<string>.Empty;
            if (k.Type.ValueKind == JsonValueKind.String)
            {
                types = new EquatableArray<string>([k.Type.GetString()!]);
            }
            else if (k.Type.ValueKind == JsonValueKind.Array)
            {
                types = k.Type.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToEquatableArray();
            }

            // OpenAPI 3.0 style "nullable: true" becomes a "null" type.
            if (k.Nullable.ValueKind == JsonValueKind.True && !types.IsEmpty && !types.Contains("null"))
            {
                types = types.Concat(["null"]).ToEquatableArray();
            }

            var properties = k.Properties.ValueKind == JsonValueKind.Object
                ? k.Properties.EnumerateObject().Select(p => new PropertyNode(p.Name, ReadSchema(p.Value))).ToEquatableArray()
                : EquatableArray<PropertyNode>.Empty;

            var additional = AdditionalKind.Unspecified;
            SchemaNode? additionalSchema = null;
            switch (k.AdditionalProperties.ValueKind)
            {
                case JsonValueKind.True:
                    additional = AdditionalKind.True;
                    break;
                case JsonValueKind.False:
                    additional = AdditionalKind.False;
                    break;
                case JsonValueKind.Object:
                    additional = AdditionalKind.Schema;
                    additionalSchema = ReadSchema(k.AdditionalProperties);
                    break;
            }

            return new SchemaNode
            {
                Ref = reference,
                Types = types,
                Format = StringOf(k.Format),
                Description = StringOf(k.Description),
                Pattern = StringOf(k.Pattern),
                ContentMediaType = StringOf(k.ContentMediaType),
                EnumJson = k.Enum.ValueKind == JsonValueKind.Array ? Compact(k.Enum) : null,
                ConstJson = k.Const.ValueKind != JsonValueKind.Undefined ? Compact(k.Const) : null,
                DefaultJson = k.Default.ValueKind != JsonValueKind.Undefined ? Compact(k.Default) : null,
                Minimum = NumberOf(k.Minimum),
                Maximum = NumberOf(k.Maximum),
                ExclusiveMinimum = NumberOf(k.ExclusiveMinimum),
                ExclusiveMaximum = NumberOf(k.ExclusiveMaximum),
                MinLength = NumberOf(k.MinLength),
                MaxLength = NumberOf(k.MaxLength),
                MinItems = NumberOf(k.MinItems),
                MaxItems = NumberOf(k.MaxItems),
                MinProperties = NumberOf(k.MinProperties),
                MaxProperties = NumberOf(k.MaxProperties),
                Properties = properties,
                Required = k.Required.ValueKind == JsonValueKind.Array
                    ? k.Required.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToEquatableArray()
                    : EquatableArray<string>.Empty,
                Items = k.Items.ValueKind != JsonValueKind.Undefined ? ReadSchema(k.Items) : null,
                Additional = additional,
                AdditionalSchema = additionalSchema,
                AllOf = ReadList(k.AllOf),
                AnyOf = ReadList(k.AnyOf),
                OneOf = ReadList(k.OneOf),
                ReadOnly = k.ReadOnly.ValueKind == JsonValueKind.True,
                WriteOnly = k.WriteOnly.ValueKind == JsonValueKind.True,
                Deprecated = k.Deprecated.ValueKind == JsonValueKind.True,
            };
        }

        /// <summary>
        /// The schema name a <c>$ref</c> stands for: a component's name, or for any other place in the document a name
        /// of its own (that schema is read once, later); null (reported) when it points nowhere or into another file.
        /// </summary>
        private string? SchemaRef(string reference)
        {
            if (reference.StartsWith(SchemaRefPrefix, StringComparison.Ordinal))
            {
                var name = Unescape(reference.Substring(SchemaRefPrefix.Length));
                if (name.IndexOf('/') < 0 || _componentNames.Contains(name))
                {
                    // A missing component is reported by the binder's resolver, where it is used.
                    return name;
                }
            }

            if (!reference.StartsWith("#", StringComparison.Ordinal))
            {
                ReportSchemaRef(DiagnosticIds.ExternalRef, Severity.Warning, $"The schema $ref '{reference}' points into another document; it is read as any JSON value. Bundle the spec first (for example with redocly bundle).", reference);
                return null;
            }

            var pointer = reference.Substring(1);
            if (_refSchemaNames.TryGetValue(pointer, out var known))
            {
                return known;
            }

            if (Resolve(pointer) is null)
            {
                ReportSchemaRef(DiagnosticIds.DanglingRef, Severity.Error, $"The schema $ref '{reference}' points at nothing; it is read as any JSON value.", reference);
                return null;
            }

            var synthetic = "#" + pointer;
            _refSchemaNames[pointer] = synthetic;
            _pendingSchemas.Enqueue((synthetic, pointer));
            return synthetic;
        }

        /// <summary>Schemas carry no pointer (they are shared): the diagnostic is placed at the ref's first occurrence.</summary>
        private void ReportSchemaRef(string id, Severity severity, string message, string reference)
        {
            if (_reported.Add(id + "$ref:" + reference))
            {
                diagnostics.Add(new DiagnosticInfo(id, severity, message, "\"" + reference + "\""));
            }
        }

        /// <summary>Re-serializes a value without insignificant whitespace, so formatting never changes the model.</summary>
        private string Compact(JsonElement e)
        {
            _compactStream.SetLength(0);
            if (_compactWriter is null)
            {
                _compactWriter = new Utf8JsonWriter(_compactStream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            }
            else
            {
                _compactWriter.Reset(_compactStream);
            }

            e.WriteTo(_compactWriter);
            _compactWriter.Flush();
            return System.Text.Encoding.UTF8.GetString(_compactStream.GetBuffer(), 0, (int)_compactStream.Length);
        }

        private EquatableArray<SchemaNode> ReadList(JsonElement list) =>
            list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(ReadSchema).ToEquatableArray()
                : EquatableArray<SchemaNode>.Empty;
    }

    /// <summary>The keywords of one schema object that the reader uses; a repeated key keeps its last value (as a lookup does).</summary>
    private struct SchemaKeywords
    {
        public JsonElement Ref, Type, Nullable, Properties, AdditionalProperties, Format, Description, Pattern, ContentMediaType;
        public JsonElement Enum, Const, Default, Minimum, Maximum, ExclusiveMinimum, ExclusiveMaximum, MinLength, MaxLength;
        public JsonElement MinItems, MaxItems, MinProperties, MaxProperties, Required, Items, AllOf, AnyOf, OneOf;
        public JsonElement ReadOnly, WriteOnly, Deprecated;

        public void Take(JsonProperty member)
        {
            var value = member.Value;
            if (member.NameEquals("type"u8)) Type = value;
            else if (member.NameEquals("description"u8)) Description = value;
            else if (member.NameEquals("$ref"u8)) Ref = value;
            else if (member.NameEquals("properties"u8)) Properties = value;
            else if (member.NameEquals("items"u8)) Items = value;
            else if (member.NameEquals("format"u8)) Format = value;
            else if (member.NameEquals("enum"u8)) Enum = value;
            else if (member.NameEquals("nullable"u8)) Nullable = value;
            else if (member.NameEquals("required"u8)) Required = value;
            else if (member.NameEquals("allOf"u8)) AllOf = value;
            else if (member.NameEquals("anyOf"u8)) AnyOf = value;
            else if (member.NameEquals("oneOf"u8)) OneOf = value;
            else if (member.NameEquals("additionalProperties"u8)) AdditionalProperties = value;
            else if (member.NameEquals("default"u8)) Default = value;
            else if (member.NameEquals("readOnly"u8)) ReadOnly = value;
            else if (member.NameEquals("writeOnly"u8)) WriteOnly = value;
            else if (member.NameEquals("deprecated"u8)) Deprecated = value;
            else if (member.NameEquals("pattern"u8)) Pattern = value;
            else if (member.NameEquals("const"u8)) Const = value;
            else if (member.NameEquals("contentMediaType"u8)) ContentMediaType = value;
            else if (member.NameEquals("minimum"u8)) Minimum = value;
            else if (member.NameEquals("maximum"u8)) Maximum = value;
            else if (member.NameEquals("exclusiveMinimum"u8)) ExclusiveMinimum = value;
            else if (member.NameEquals("exclusiveMaximum"u8)) ExclusiveMaximum = value;
            else if (member.NameEquals("minLength"u8)) MinLength = value;
            else if (member.NameEquals("maxLength"u8)) MaxLength = value;
            else if (member.NameEquals("minItems"u8)) MinItems = value;
            else if (member.NameEquals("maxItems"u8)) MaxItems = value;
            else if (member.NameEquals("minProperties"u8)) MinProperties = value;
            else if (member.NameEquals("maxProperties"u8)) MaxProperties = value;
        }
    }

    private static string? StringOf(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? NumberOf(JsonElement v) => v.ValueKind == JsonValueKind.Number ? v.GetRawText() : null;


    private static string? GetString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool GetBool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static string Unescape(string pointer) => pointer.Replace("~1", "/").Replace("~0", "~");

    /// <summary>A JSON pointer token for a name: <c>/users/{id}</c> → <c>~1users~1{id}</c>.</summary>
    public static string Escape(string name) => name.Replace("~", "~0").Replace("/", "~1");

    private static string SafeUnescapeData(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            return text;
        }
    }

    /// <summary>
    /// What System.Text.Json says is wrong, without what is not for the spec's author: its position (the diagnostic
    /// carries the line and column), its path, and advice to the program ("Change the reader options.").
    /// </summary>
    private static string FirstSentence(string message)
    {
        foreach (var tail in new[] { " Path:", " LineNumber:" })
        {
            var i = message.IndexOf(tail, StringComparison.Ordinal);
            if (i > 0)
            {
                message = message.Substring(0, i);
            }
        }

        return message.Replace(" Change the reader options.", "").Replace(" which is not supported in this mode", "").TrimEnd();
    }
}
