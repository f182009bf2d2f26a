using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Binding;

/// <summary>
/// Stage 2: <see cref="SpecDocument"/> → <see cref="ApiModel"/>. Chooses every name once (tool, class, interface,
/// method, parameter, DTO), maps types, renders each tool's input schema, and sorts everything deterministically.
/// </summary>
internal static class SpecBinder
{
    /// <summary>
    /// Words that make a POST destructive (MCP destructiveHint) when its operation name, path or summary has one: it
    /// changes or removes what exists instead of adding. "deploy" replaces what runs in production (Auth0: an action's
    /// live code); "roll back" and "roll-back" count as "rollback" (<see cref="IsDestructivePost"/>).
    /// </summary>
    private static readonly HashSet<string> DestructiveWords = new(StringComparer.Ordinal)
    {
        "rotate", "revoke", "invalidate", "unlink", "delete", "remove", "reset", "clear", "unblock", "block",
        "regenerate", "deactivate", "disable", "revert", "rollback", "unassign", "replace", "overwrite", "purge",
        "unenroll", "unset", "cancel", "expire", "logout", "terminate", "rekey", "deploy",
    };

    /// <summary>The longest description a tool lists (tools/list); a longer one is cut and kept whole for describe.</summary>
    internal const int ListedDescriptionLength = 1200;

    public static (ApiModel Model, EquatableArray<DiagnosticInfo> Diagnostics) Bind(SpecDocument document, BindOptions options)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var resolver = new SchemaResolver(document, diagnostics);
        var renderer = new SchemaRenderer(resolver);
        var types = new TypeMapper(resolver, SchemaFlows.Compute(resolver, document.Operations), options.Namespace + ".Models");
        types.RegisterScalars();

        var groups = new HashSet<string>(options.Groups, StringComparer.OrdinalIgnoreCase);
        var toolNames = new HashSet<string>(StringComparer.Ordinal);
        // A handle is a member of the handles class: never that class's own name (CS0542).
        var handleNames = new HashSet<string>(StringComparer.Ordinal) { Names.HandlesClass(options.Namespace) };
        var interfaces = new SortedDictionary<string, (string GroupKey, List<ClientMethodModel> Methods, HashSet<string> MethodNames)>(StringComparer.Ordinal);
        var tools = new List<ToolModel>();

        // The groups the spec has (first segments), and the requested ones some operation matched.
        var present = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        var matched = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var op in document.Operations)
        {
            var group = op.Group.IsEmpty ? FallbackGroup(op) : op.Group.ToList();
            present.Add(group[0]);
            if (groups.Count > 0)
            {
                var joined = string.Join(".", group);
                var first = groups.Contains(group[0]);
                var whole = groups.Contains(joined);
                if (!first && !whole)
                {
                    continue;
                }

                if (first)
                {
                    matched.Add(group[0]);
                }

                if (whole)
                {
                    matched.Add(joined);
                }
            }

            var (name, verb) = ToolName(op, group, diagnostics);
            if (name.Length > Names.MaxToolNameLength)
            {
                var shortened = Names.Shorten(name, verb);
                diagnostics.Add(DiagnosticInfo.At(DiagnosticIds.NameShortened, Severity.Info, $"The tool name '{name}' has {name.Length} characters; it is shortened to '{shortened}'.", NamePointer(op)));
                name = shortened;
            }

            if (toolNames.Contains(name))
            {
                var unique = Disambiguate(name, verb, op, toolNames);
                diagnostics.Add(DiagnosticInfo.At(DiagnosticIds.NameClash, Severity.Warning, $"{op.Method.ToUpperInvariant()} {op.Path} maps to the tool name '{name}', which another operation already has; it is named '{unique}'.", NamePointer(op)));
                name = unique;
            }

            toolNames.Add(name);
            var groupKey = string.Join(".", group);
            var groupPascal = string.Concat(group.Select(Names.Pascal));
            var interfaceName = "I" + groupPascal + "Api";
            if (!interfaces.TryGetValue(interfaceName, out var client))
            {
                client = (groupKey, new List<ClientMethodModel>(), new HashSet<string>(StringComparer.Ordinal));
                interfaces[interfaceName] = client;
            }

            var operationWord = op.OperationName ?? op.OperationId ?? op.Method;
            var operationPascal = Names.Pascal(operationWord);
            var methodName = Names.Unique(operationPascal + "Async", client.MethodNames);
            var arguments = ArgumentNames(op, diagnostics);
            var call = BindCall(op, arguments, methodName, groupPascal + operationPascal, types, resolver);
            client.Methods.Add(call);

            var handleName = Names.Unique(groupPascal + operationPascal, handleNames);
            var method = op.Method.ToUpperInvariant();
            var summary = (op.Summary ?? "").Trim();
            // Cleaned once, cut for tools/list; the whole text is kept (for auth0_describe_tool) only when the cut lost some.
            var wholeDescription = Descriptions.Clean(op.Description, int.MaxValue);
            var description = Descriptions.Truncate(wholeDescription, ListedDescriptionLength);
            var fullDescription = description.Length == wholeDescription.Length ? null : wholeDescription;
            if (description.Length == 0)
            {
                description = summary.Length > 0 ? summary : $"{method} {op.Path}";
            }

            if (op.Deprecated)
            {
                description = "Deprecated: " + description;
                fullDescription = fullDescription is null ? null : "Deprecated: " + fullDescription;
            }

            var destructive = method switch
            {
                "DELETE" or "PUT" or "PATCH" => true,
                "POST" => IsDestructivePost(operationWord + " " + op.Path + " " + summary),
                _ => false,
            };

            tools.Add(new ToolModel(
                name,
                handleName,
                summary.Length > 0 ? summary : name,
                description,
                method,
                op.Path,
                op.OperationId ?? name,
                group.ToEquatableArray(),
                groupKey,
                op.Scopes,
                method switch { "GET" or "HEAD" or "OPTIONS" => "Read", "DELETE" => "Delete", _ => "Write" },
                !string.IsNullOrEmpty(op.Lifecycle) ? op.Lifecycle! : op.Deprecated ? "deprecated" : "GA",
                options.InputSchemas ? InputSchema(op, arguments, call, renderer, diagnostics) : ReachInputSchema(op, renderer),
                method is "GET" or "HEAD" or "OPTIONS",
                destructive,
                method is "GET" or "HEAD" or "OPTIONS" or "PUT" or "DELETE",
                RequestPlan(op, arguments, call, resolver))
            {
                FullDescription = fullDescription,
            });
        }

        foreach (var requested in options.Groups)
        {
            if (!matched.Contains(requested))
            {
                // Auth0McpGroups=nosuch built no tools and said nothing.
                var known = string.Join(", ", present.Take(40)) + (present.Count > 40 ? $", … ({present.Count} in all)" : "");
                diagnostics.Add(new DiagnosticInfo(
                    DiagnosticIds.GroupNotFound,
                    Severity.Warning,
                    $"The requested operation group '{requested}' (Auth0McpGroups) matches no operation; no tool is generated for it. The spec's groups: {(known.Length > 0 ? known : "none")}.",
                    null));
            }
        }

        var clients = interfaces.Select(i => new ClientGroupModel(i.Key, i.Value.GroupKey, i.Value.Methods.ToEquatableArray())).ToEquatableArray();
        var model = new ApiModel(
            options.Namespace,
            tools.OrderBy(t => t.Name, StringComparer.Ordinal).ToEquatableArray(),
            clients,
            types.Dtos.OrderBy(d => d.Name, StringComparer.Ordinal).ToEquatableArray(),
            types.JsonTypes().OrderBy(j => j.InfoName, StringComparer.Ordinal).ToEquatableArray())
        {
            Info = new ApiInfoModel(
                ApiTitle(document),
                document.Version,
                Descriptions.Clean(document.Description, 600),
                document.BaseUrl),
        };
        return (model, diagnostics.ToEquatableArray());
    }

    /// <summary>
    /// Whether a POST is destructive: a word of its operation name, path and summary is one of
    /// <see cref="DestructiveWords"/>, or two adjacent words spell "roll back" ("Roll back to a previous action version",
    /// "roll-back"). Words as <see cref="Names.Words"/> cuts them, compared in lower case.
    /// </summary>
    internal static bool IsDestructivePost(string text)
    {
        var words = Names.Words(text);
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i].ToLowerInvariant();
            if (DestructiveWords.Contains(word)
                || (word == "roll" && i + 1 < words.Count && string.Equals(words[i + 1], "back", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The API's name as the spec's <c>info.title</c> gives it ("API" when it has none).</summary>
    public static string ApiTitle(SpecDocument document) =>
        string.IsNullOrWhiteSpace(document.Title) ? "API" : document.Title.Trim();

    /// <summary>Splits the model into one unit per operation group (stage 3), so an edit re-emits one group's file.</summary>
    public static EquatableArray<ToolGroupModel> SplitTools(ApiModel model)
    {
        // Two group keys can spell one Pascal name ("users_roles" and "users.roles"): each group's file and method get a unique one.
        var taken = new HashSet<string>(StringComparer.Ordinal);
        return model.Tools
            .GroupBy(t => t.GroupKey, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var pascal = Names.Unique(string.Concat(g.First().Group.Select(Names.Pascal)), taken);
                return new ToolGroupModel(model.Namespace, model.Info.Title, g.Key, pascal + "Tools.g.cs", pascal + "Descriptors", g.ToEquatableArray());
            })
            .ToEquatableArray();
    }

    /// <summary>Without <c>x-operation-group</c>: the first tag, else the first path segment that is not a version or a placeholder.</summary>
    private static List<string> FallbackGroup(OperationNode op)
    {
        if (FirstTag(op) is { } tag)
        {
            return new List<string> { tag };
        }

        var segments = op.Path.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
        var first = segments.FirstOrDefault(s => !s.StartsWith("{", StringComparison.Ordinal) && !IsVersionSegment(s) && Names.Snake(s).Length > 0);
        return new List<string> { first is null ? "root" : Names.Snake(first) };
    }

    /// <summary>The operation's first tag that has a name in snake_case, in snake_case.</summary>
    private static string? FirstTag(OperationNode op) =>
        op.Tags.Select(Names.Snake).FirstOrDefault(t => t.Length > 0);

    private static bool IsVersionSegment(string segment)
    {
        var s = segment.ToLowerInvariant();
        if (s is "api" or "rest" or "latest")
        {
            return true;
        }

        return s.Length > 1 && s[0] == 'v' && char.IsDigit(s[1]) && s.Substring(1).All(c => char.IsDigit(c) || c == '.' || c == '_' || c == '-' || char.IsLetter(c));
    }

    /// <summary>
    /// The tool name and its verb (the word a shortened name must keep): from x-operation-group/x-operation-name,
    /// else operationId, else the first tag, the method and the path.
    /// </summary>
    private static (string Name, string Verb) ToolName(OperationNode op, List<string> group, List<DiagnosticInfo> diagnostics)
    {
        if (!op.Group.IsEmpty && op.OperationName is { Length: > 0 } operationName && Names.Snake(operationName).Length > 0)
        {
            var snake = Names.Snake(operationName);
            return ("auth0_" + string.Join("_", group.Select(Names.Snake)) + "_" + snake, snake.Split('_')[0]);
        }

        if (op.OperationId is { Length: > 0 } operationId && Names.Snake(operationId).Length > 0)
        {
            var snake = Names.Snake(operationId);
            return ("auth0_" + snake, Verb(snake, op.Method));
        }

        var tag = FirstTag(op) is { } t ? t + "_" : "";
        var path = Names.Snake(op.Path.Replace("{", "by_").Replace("}", ""));
        var fallback = "auth0_" + tag + op.Method + (path.Length > 0 ? "_" + path : "");
        diagnostics.Add(DiagnosticInfo.At(
            DiagnosticIds.MissingOperationName,
            Severity.Info,
            $"{op.Method.ToUpperInvariant()} {op.Path} has no operationId and no x-operation-group/x-operation-name; it is named '{fallback}'.",
            op.Pointer));
        return (fallback, op.Method);
    }

    private static readonly HashSet<string> VerbWords = new(StringComparer.Ordinal)
    {
        "get", "list", "create", "update", "delete", "remove", "add", "set", "put", "post", "patch", "head", "options",
        "search", "find", "query", "read", "write", "replace", "upsert", "retrieve", "fetch", "check", "enable", "disable",
        "start", "stop", "cancel", "send", "upload", "download", "export", "import", "link", "unlink", "assign", "unassign",
        "revoke", "rotate", "reset", "verify", "validate", "test", "run", "invite", "accept", "reject", "approve", "deny",
        "archive", "restore", "move", "copy", "merge", "lock", "unlock", "block", "unblock", "edit", "modify", "new",
    };

    /// <summary>The first word of an operationId that is a verb, else the HTTP method.</summary>
    private static string Verb(string snake, string method) =>
        snake.Split('_').FirstOrDefault(VerbWords.Contains) ?? method;

    /// <summary>
    /// A name another operation already has is told apart by what differs: the HTTP method, else the last literal
    /// path segment, else a number. Shortened again (keeping the verb) if that makes it too long.
    /// </summary>
    private static string Disambiguate(string name, string verb, OperationNode op, HashSet<string> taken)
    {
        var words = name.Split('_');
        var candidates = new List<string>();
        if (!words.Contains(op.Method))
        {
            candidates.Add(name + "_" + op.Method);
        }

        var literal = op.Path.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries).LastOrDefault(s => !s.StartsWith("{", StringComparison.Ordinal));
        if (literal is not null && Names.Snake(literal) is { Length: > 0 } segment && !name.EndsWith("_" + segment, StringComparison.Ordinal))
        {
            candidates.Add(name + "_" + segment);
            candidates.Add(name + "_" + op.Method + "_" + segment);
        }

        if (op.Path.EndsWith("}", StringComparison.Ordinal) && !words.Contains("by"))
        {
            candidates.Add(name + "_by_" + Names.Snake(op.Path.Substring(op.Path.LastIndexOf('{') + 1).TrimEnd('}')));
        }

        foreach (var candidate in candidates.Select(c => Names.Shorten(c, verb)))
        {
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }

        for (var i = 2; ; i++)
        {
            var suffix = "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var candidate = Names.Shorten(name, verb, Names.MaxToolNameLength - suffix.Length) + suffix;
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    private static string NamePointer(OperationNode op) =>
        op.OperationId is not null ? op.Pointer + "/operationId" : op.Pointer;

    /// <summary>The tool's argument names: one per parameter (in <see cref="OperationNode.Parameters"/> order) and the body's.</summary>
    private sealed record ArgumentNaming(List<string> Parameters, string Body);

    private static readonly string[] ArgumentLocations = ["path", "query", "header"];

    /// <summary>
    /// Names each parameter's tool argument, and the body's. A parameter's argument is its name, unless a parameter
    /// of a location before it (path, then query, then header) has that name: the path parameter keeps it, the other
    /// is suffixed by its location (<c>token_query</c>, <c>Last-Event-ID_header</c>) and numbered if that spells
    /// another parameter's name or argument (<c>token_query_2</c>); each rename is reported (A0MG020). The body is
    /// <c>body</c>, else <c>request_body</c>, numbered likewise.
    /// </summary>
    private static ArgumentNaming ArgumentNames(OperationNode op, List<DiagnosticInfo> diagnostics)
    {
        var own = new HashSet<string>(op.Parameters.Select(p => p.Name), StringComparer.Ordinal);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var names = new string[op.Parameters.Count];
        foreach (var location in ArgumentLocations)
        {
            for (var i = 0; i < op.Parameters.Count; i++)
            {
                var p = op.Parameters[i];
                if (p.In != location)
                {
                    continue;
                }

                if (taken.Add(p.Name))
                {
                    names[i] = p.Name;
                    continue;
                }

                // Another location's parameter, or (in a spec that lists one twice) another of this location.
                var other = op.Parameters.FirstOrDefault(q => q.Name == p.Name && q.In != location)?.In;
                names[i] = Unclaimed(p.Name + "_" + location, own, taken);
                diagnostics.Add(DiagnosticInfo.At(
                    DiagnosticIds.ArgumentRenamed,
                    Severity.Info,
                    $"The {location} parameter '{p.Name}' of {op.Method.ToUpperInvariant()} {op.Path} has the name of {(other is null ? "another " + location : "its " + other)} parameter: the tool takes it as the argument '{names[i]}'.",
                    op.Pointer));
            }
        }

        var body = own.Contains("body") ? Unclaimed("request_body", own, taken) : "body";
        return new ArgumentNaming(names.ToList(), body);
    }

    /// <summary><paramref name="name"/>, else it numbered from 2: the first that is neither a parameter's name nor an argument's.</summary>
    private static string Unclaimed(string name, HashSet<string> own, HashSet<string> taken)
    {
        var candidate = name;
        for (var n = 2; own.Contains(candidate) || !taken.Add(candidate); n++)
        {
            candidate = name + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private static ClientMethodModel BindCall(OperationNode op, ArgumentNaming arguments, string methodName, string typeBaseName, TypeMapper types, SchemaResolver resolver)
    {
        var parameters = new List<ClientParamModel>();
        var used = new HashSet<string>(StringComparer.Ordinal) { "cancellationToken" };
        for (var index = 0; index < op.Parameters.Count; index++)
        {
            var p = op.Parameters[index];
            var kind = p.In switch
            {
                "path" => ParamKind.Path,
                "header" => ParamKind.Header,
                _ => ParamKind.Query,
            };
            var csType = kind == ParamKind.Query ? types.Map(p.Schema, typeBaseName + Names.Pascal(p.Name), Flow.Request) : "string";
            if (csType.StartsWith(TypeMapper.ListPrefix, StringComparison.Ordinal))
            {
                // form + explode (the default) repeats the name; explode: false joins the values with commas.
                kind = p.Explode ? ParamKind.QueryMulti : ParamKind.QueryCsv;
                csType = "global::System.Collections.Generic.IEnumerable<string>";
            }
            else if (csType != "string" && !TypeMapper.IsValueType(csType))
            {
                csType = "string";
            }
            else if (csType == TypeMapper.JsonElement)
            {
                csType = "string";
            }

            var id = Names.Identifier(p.Name);
            id = Names.Unique(id, used);
            parameters.Add(new ClientParamModel(id, csType, kind, p.Name, p.Required, ReaderOf(csType, kind), null) { ArgumentName = arguments.Parameters[index] });
        }

        var bodyArgument = arguments.Body;
        var multipart = false;
        if (op.Body is { } body)
        {
            switch (body.Encoding)
            {
                case BodyEncoding.Multipart:
                    multipart = true;
                    AddParts(body, resolver, used, parameters);
                    break;
                case BodyEncoding.Form:
                    // Form fields go as name=value pairs; nested values as their JSON text (a value's ToString()).
                    parameters.Add(new ClientParamModel(Names.Unique("body", used), FormBodyType, ParamKind.Body, bodyArgument, body.Required, ArgumentReader.Object, types.RegisterRoot(FormBodyType)));
                    break;
                case BodyEncoding.Text:
                    parameters.Add(new ClientParamModel(Names.Unique("body", used), "string", ParamKind.Body, bodyArgument, body.Required, ArgumentReader.Object, types.RegisterRoot("string")));
                    break;
                case BodyEncoding.Binary:
                    // Bytes as a stream on the client; a tool takes them base64-encoded.
                    parameters.Add(new ClientParamModel(Names.Unique("body", used), TypeMapper.Stream, ParamKind.Body, bodyArgument, body.Required, ArgumentReader.String, null));
                    break;
                default:
                    var csType = types.Map(body.Schema, typeBaseName + "Body", Flow.Request);
                    var info = types.RegisterRoot(csType);
                    if (!body.Required && TypeMapper.IsValueType(csType))
                    {
                        // An optional value-type body is a Nullable<T> parameter: Refit asks the context for that type.
                        types.RegisterRoot(csType + "?");
                    }

                    parameters.Add(new ClientParamModel(Names.Unique("body", used), csType, ParamKind.Body, bodyArgument, body.Required, ArgumentReader.Object, info));
                    break;
            }
        }

        string? responseType = null;
        if (op.Success is { Schema: { } responseSchema, Encoding: BodyEncoding.Json })
        {
            responseType = types.Map(responseSchema, typeBaseName + "Response", Flow.Response);
            types.RegisterRoot(responseType);
        }

        // Required parameters first (in spec order), then optional ones: C# needs defaults last.
        var ordered = parameters.Where(p => p.Required).Concat(parameters.Where(p => !p.Required)).ToEquatableArray();
        return new ClientMethodModel(
            Capitalize(op.Method),
            op.Path,
            methodName,
            (op.Summary ?? "").Trim(),
            responseType,
            multipart,
            bodyArgument,
            ordered)
        {
            BodyMediaType = op.Body?.MediaType,
            BodyEncoding = op.Body?.Encoding ?? BodyEncoding.None,
            SuccessStatus = op.Success?.Status ?? "200",
            ResponseMediaType = op.Success?.MediaType,
            ResponseEncoding = op.Success is { MediaType: not null } success ? success.Encoding : BodyEncoding.None,
            Redirect = op.Success?.IsRedirect ?? false,
            Deprecated = op.Deprecated,
        };
    }

    /// <summary>The request plan of a tool: where each argument goes, read off the client method that was bound.</summary>
    private static RequestPlanModel RequestPlan(OperationNode op, ArgumentNaming naming, ClientMethodModel call, SchemaResolver resolver)
    {
        var arguments = new List<RequestArgumentModel>();
        foreach (var p in call.Parameters)
        {
            RequestLocation? location = p.Kind switch
            {
                ParamKind.Path => PathLocation(op.Parameters[naming.Parameters.IndexOf(p.ArgumentName)], resolver),
                ParamKind.Query => QueryLocation(op.Parameters[naming.Parameters.IndexOf(p.ArgumentName)], resolver),
                ParamKind.QueryMulti => RequestLocation.QueryMulti,
                ParamKind.QueryCsv => RequestLocation.Query,
                ParamKind.Header => HeaderLocation(op.Parameters[naming.Parameters.IndexOf(p.ArgumentName)], resolver),
                _ => null,
            };
            if (location is { } l)
            {
                arguments.Add(new RequestArgumentModel(p.ArgumentName, l) { WireName = p.WireName });
            }
        }

        var files = call.Parameters.Where(p => p.Kind == ParamKind.FilePart).Select(p => p.WireName).ToEquatableArray();
        return op.Body is { } body
            ? new RequestPlanModel(arguments.ToEquatableArray(), call.BodyArgument, body.MediaType, files)
            : new RequestPlanModel(arguments.ToEquatableArray(), null, null, files);
    }

    /// <summary>
    /// Where a query parameter that is not an array goes: a value that may be an object by its style — <c>deepObject</c>
    /// (<c>name[key]=value</c>), <c>form</c> exploded (the default: each property its own <c>key=value</c>) or not
    /// (<c>name=key,value,…</c>); a string, number or boolean is one <c>name=value</c> whatever its style.
    /// </summary>
    private static RequestLocation QueryLocation(ParameterNode parameter, SchemaResolver resolver)
    {
        if (parameter.Style == "deepObject")
        {
            return RequestLocation.QueryDeepObject;
        }

        return IsScalar(parameter, resolver) || !parameter.Explode ? RequestLocation.Query : RequestLocation.QueryMulti;
    }

    /// <summary>
    /// Where a path parameter goes: by its style, <c>simple</c> (the default: <c>x,1,y,2</c>, exploded <c>x=1,y=2</c>),
    /// <c>label</c> (<c>.x,1,y,2</c>, exploded <c>.x=1.y=2</c>) or <c>matrix</c> (<c>;p=x,1,y,2</c>, exploded
    /// <c>;x=1;y=2</c>). <c>explode</c> changes nothing for a string, number, boolean or enum (nor for a simple array):
    /// such a parameter keeps the location without it.
    /// </summary>
    private static RequestLocation PathLocation(ParameterNode parameter, SchemaResolver resolver)
    {
        var exploded = parameter.Explode && !IsScalar(parameter, resolver);
        return parameter.Style switch
        {
            "label" => exploded ? RequestLocation.PathLabelExploded : RequestLocation.PathLabel,
            "matrix" => exploded ? RequestLocation.PathMatrixExploded : RequestLocation.PathMatrix,
            _ => exploded && MayBeObject(parameter, resolver) ? RequestLocation.PathExploded : RequestLocation.Path,
        };
    }

    /// <summary>Where a header parameter goes: <c>simple</c> style, exploded (<c>x=1,y=2</c>) only for a value that may be an object.</summary>
    private static RequestLocation HeaderLocation(ParameterNode parameter, SchemaResolver resolver) =>
        parameter.Explode && MayBeObject(parameter, resolver) ? RequestLocation.HeaderExploded : RequestLocation.Header;

    /// <summary>Whether a parameter's value is a string, number, boolean or enum: one value whatever its style.</summary>
    private static bool IsScalar(ParameterNode parameter, SchemaResolver resolver)
    {
        var schema = ParameterSchema(parameter, resolver);
        return schema.Properties.IsEmpty && schema.Additional is AdditionalKind.Unspecified or AdditionalKind.False
            && (schema.EnumJson is not null || (!schema.Types.IsEmpty && schema.Types.All(t => t is "string" or "integer" or "number" or "boolean" or "null")));
    }

    /// <summary>Whether a parameter's value may be an object: it is not a scalar, nor only an array (a schema that says no type may be one).</summary>
    private static bool MayBeObject(ParameterNode parameter, SchemaResolver resolver) =>
        !IsScalar(parameter, resolver) && ParameterSchema(parameter, resolver).Types is var types && (types.IsEmpty || !types.All(t => t is "array" or "null"));

    private static SchemaNode ParameterSchema(ParameterNode parameter, SchemaResolver resolver) =>
        resolver.MergeAllOf(resolver.Deref(SchemaResolver.SoleStructuralMember(parameter.Schema) ?? parameter.Schema, out _));

    /// <summary>The C# type of a form-urlencoded body: field name → JSON value.</summary>
    private const string FormBodyType = "global::System.Collections.Generic.Dictionary<string, " + TypeMapper.JsonElement + ">";

    /// <summary>Multipart parts are the body schema's properties (read-only ones excluded); files are sent as stream parts.</summary>
    private static void AddParts(RequestBodyNode body, SchemaResolver resolver, HashSet<string> used, List<ClientParamModel> parameters)
    {
        var target = resolver.MergeAllOf(resolver.Deref(body.Schema, out _));
        foreach (var part in target.Properties)
        {
            if (resolver.IsReadOnly(part.Schema))
            {
                continue;
            }

            var isFile = part.Schema.ContentMediaType is not null || part.Schema.Format is "binary";
            var id = Names.Unique(Names.Identifier(part.Name), used);
            parameters.Add(new ClientParamModel(
                id,
                isFile ? "global::Refit.StreamPart" : "string",
                isFile ? ParamKind.FilePart : ParamKind.Part,
                part.Name,
                target.Required.Contains(part.Name),
                ArgumentReader.String,
                null));
        }
    }

    private static ArgumentReader ReaderOf(string csType, ParamKind kind) => kind is ParamKind.QueryMulti or ParamKind.QueryCsv
        ? ArgumentReader.StringArray
        : csType switch
        {
            "int" => ArgumentReader.Int32,
            "long" => ArgumentReader.Int64,
            "double" => ArgumentReader.Double,
            "bool" => ArgumentReader.Boolean,
            _ => ArgumentReader.String,
        };

    private static string Capitalize(string method) => char.ToUpperInvariant(method[0]) + method.Substring(1).ToLowerInvariant();

    /// <summary>Walks what <see cref="InputSchema"/> would render, for its diagnostics only; the schema text is left empty.</summary>
    private static string ReachInputSchema(OperationNode op, SchemaRenderer renderer)
    {
        foreach (var p in op.Parameters)
        {
            renderer.Reach(p.Schema);
        }

        if (op.Body is { Encoding: not (BodyEncoding.Binary or BodyEncoding.Text) } body)
        {
            renderer.Reach(body.Schema);
        }

        return "";
    }

    private static string InputSchema(OperationNode op, ArgumentNaming arguments, ClientMethodModel call, SchemaRenderer renderer, List<DiagnosticInfo> diagnostics)
    {
        var sb = renderer.BeginInputSchema();
        sb.Append("{\"type\":\"object\",\"properties\":{");
        var required = new List<string>();
        var first = true;
        for (var i = 0; i < op.Parameters.Count; i++)
        {
            var p = op.Parameters[i];
            var name = arguments.Parameters[i];
            Separator(sb, ref first);
            Json.AppendQuoted(sb, name);
            sb.Append(':');
            renderer.Render(sb, p.Schema, name == p.Name ? p.Description : WithLocation(p));
            if (p.Required)
            {
                required.Add(name);
            }
        }

        if (op.Body is { } body)
        {
            Separator(sb, ref first);
            Json.AppendQuoted(sb, call.BodyArgument);
            sb.Append(':');
            if (body.Encoding == BodyEncoding.Binary)
            {
                sb.Append("{\"type\":\"string\",\"contentEncoding\":\"base64\",\"description\":");
                Json.AppendQuoted(sb, Descriptions.Clean(body.Description, 600) is { Length: > 0 } d ? d + $" ({body.MediaType}, base64-encoded)" : $"The request body ({body.MediaType}), base64-encoded.");
                sb.Append('}');
            }
            else if (body.Encoding == BodyEncoding.Text)
            {
                sb.Append("{\"type\":\"string\",\"description\":");
                Json.AppendQuoted(sb, Descriptions.Clean(body.Description, 600) is { Length: > 0 } d ? d + $" ({body.MediaType} text)" : $"The request body as {body.MediaType} text.");
                sb.Append('}');
            }
            else
            {
                renderer.Render(sb, body.Schema, body.Description ?? "The request body.");
            }

            // Multipart parts are separate fields: with a required part, there is no request without a body.
            if (body.Required || call.Parameters.Any(p => p.Required && p.Kind is ParamKind.Part or ParamKind.FilePart))
            {
                required.Add(call.BodyArgument);
            }
        }

        sb.Append('}');
        if (required.Count > 0)
        {
            sb.Append(",\"required\":[").Append(string.Join(",", required.Select(Json.Quote))).Append(']');
        }

        sb.Append(",\"additionalProperties\":false}");
        if (renderer.JsonDepthCuts > 0)
        {
            diagnostics.Add(DiagnosticInfo.At(
                DiagnosticIds.InputSchemaTooDeep,
                Severity.Info,
                $"The input schema of {op.Method.ToUpperInvariant()} {op.Path} would nest deeper than {SchemaRenderer.MaxJsonDepth} JSON levels (a tool could not parse it); {renderer.JsonDepthCuts} deeper place(s) are described by a placeholder that accepts any value, or their enum, const or default is left out.",
                op.Pointer));
        }

        return sb.ToString();
    }

    /// <summary>A renamed argument's description says what it is on the wire: the other argument has the parameter's name.</summary>
    private static string WithLocation(ParameterNode p)
    {
        var where = $"The {p.In} parameter '{p.Name}'.";
        return p.Description is { Length: > 0 } d ? where + " " + d : where;
    }

    private static void Separator(StringBuilder sb, ref bool first)
    {
        if (!first)
        {
            sb.Append(',');
        }

        first = false;
    }
}
