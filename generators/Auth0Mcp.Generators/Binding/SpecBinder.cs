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
    private static readonly HashSet<string> DestructiveWords = new(StringComparer.Ordinal)
    {
        "rotate", "revoke", "invalidate", "unlink", "delete", "remove", "reset", "clear", "unblock", "block",
        "regenerate", "deactivate", "disable", "revert", "rollback", "unassign", "replace", "overwrite", "purge",
        "unenroll", "unset", "cancel", "expire", "logout", "terminate", "rekey",
    };

    public static (ApiModel Model, EquatableArray<DiagnosticInfo> Diagnostics) Bind(SpecDocument document, BindOptions options)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var resolver = new SchemaResolver(document, diagnostics);
        var renderer = new SchemaRenderer(resolver);
        var types = new TypeMapper(resolver, options.Namespace + ".Models");
        types.RegisterScalars();

        var groups = new HashSet<string>(options.Groups, StringComparer.OrdinalIgnoreCase);
        var toolNames = new HashSet<string>(StringComparer.Ordinal);
        var classNames = new HashSet<string>(StringComparer.Ordinal);
        var interfaces = new SortedDictionary<string, (string GroupKey, List<ClientMethodModel> Methods, HashSet<string> MethodNames)>(StringComparer.Ordinal);
        var tools = new List<ToolModel>();

        foreach (var op in document.Operations)
        {
            var group = op.Group.IsEmpty ? FallbackGroup(op) : op.Group.ToList();
            if (groups.Count > 0 && !groups.Contains(group[0]) && !groups.Contains(string.Join(".", group)))
            {
                continue;
            }

            var name = ToolName(op, group, diagnostics);
            if (name.Length > Names.MaxToolNameLength)
            {
                var shortened = Names.Shorten(name);
                diagnostics.Add(new DiagnosticInfo(DiagnosticIds.NameShortened, Severity.Info, $"The tool name '{name}' has {name.Length} characters; it is shortened to '{shortened}'.", SearchKeyOf(op)));
                name = shortened;
            }

            if (toolNames.Contains(name))
            {
                var unique = Names.Shorten(Names.Unique(name + "_", new HashSet<string>(toolNames)).Replace("__", "_"));
                unique = Names.Unique(unique, new HashSet<string>(toolNames));
                diagnostics.Add(new DiagnosticInfo(DiagnosticIds.NameClash, Severity.Warning, $"{op.Method.ToUpperInvariant()} {op.Path} maps to the tool name '{name}', which another operation already has; it is named '{unique}'.", SearchKeyOf(op)));
                name = unique;
            }

            toolNames.Add(name);
            var groupKey = string.Join(".", group);
            var interfaceName = "I" + string.Concat(group.Select(Names.Pascal)) + "Api";
            if (!interfaces.TryGetValue(interfaceName, out var client))
            {
                client = (groupKey, new List<ClientMethodModel>(), new HashSet<string>(StringComparer.Ordinal));
                interfaces[interfaceName] = client;
            }

            var operationWord = op.OperationName ?? op.OperationId ?? op.Method;
            var methodName = Names.Unique(Names.Pascal(operationWord) + "Async", client.MethodNames);
            var call = BindCall(op, methodName, string.Concat(group.Select(Names.Pascal)) + Names.Pascal(operationWord), types, resolver);
            client.Methods.Add(call);

            var className = Names.Unique(string.Concat(group.Select(Names.Pascal)) + Names.Pascal(operationWord) + "Tool", classNames);
            var method = op.Method.ToUpperInvariant();
            var summary = (op.Summary ?? "").Trim();
            var description = Descriptions.Clean(op.Description, 1200);
            if (description.Length == 0)
            {
                description = summary.Length > 0 ? summary : $"{method} {op.Path}";
            }

            var destructive = method switch
            {
                "DELETE" or "PUT" or "PATCH" => true,
                "POST" => Names.Words(operationWord + " " + op.Path).Any(w => DestructiveWords.Contains(w.ToLowerInvariant())),
                _ => false,
            };

            tools.Add(new ToolModel(
                name,
                className,
                summary.Length > 0 ? summary : name,
                description,
                method,
                op.Path,
                op.OperationId ?? name,
                group.ToEquatableArray(),
                groupKey,
                op.Scopes,
                method switch { "GET" or "HEAD" or "OPTIONS" => "Read", "DELETE" => "Delete", _ => "Write" },
                string.IsNullOrEmpty(op.Lifecycle) ? "GA" : op.Lifecycle!,
                InputSchema(op, call, renderer),
                method is "GET" or "HEAD" or "OPTIONS",
                destructive,
                method is "GET" or "HEAD" or "OPTIONS" or "PUT" or "DELETE",
                RequestPlan(op, call)));
        }

        var clients = interfaces.Select(i => new ClientGroupModel(i.Key, i.Value.GroupKey, i.Value.Methods.ToEquatableArray())).ToEquatableArray();
        var model = new ApiModel(
            options.Namespace,
            tools.OrderBy(t => t.Name, StringComparer.Ordinal).ToEquatableArray(),
            clients,
            types.Dtos.OrderBy(d => d.Name, StringComparer.Ordinal).ToEquatableArray(),
            types.JsonTypes().OrderBy(j => j.InfoName, StringComparer.Ordinal).ToEquatableArray());
        return (model, diagnostics.ToEquatableArray());
    }

    /// <summary>Splits the model into one unit per operation group (stage 3), so an edit re-emits one group's file.</summary>
    public static EquatableArray<ToolGroupModel> SplitTools(ApiModel model) =>
        model.Tools
            .GroupBy(t => t.GroupKey, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ToolGroupModel(model.Namespace, g.Key, string.Concat(g.First().Group.Select(Names.Pascal)) + "Tools.g.cs", g.ToEquatableArray()))
            .ToEquatableArray();

    private static List<string> FallbackGroup(OperationNode op)
    {
        var first = op.Path.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(s => !s.StartsWith("{", StringComparison.Ordinal));
        return new List<string> { first ?? "root" };
    }

    private static string ToolName(OperationNode op, List<string> group, List<DiagnosticInfo> diagnostics)
    {
        if (!op.Group.IsEmpty && op.OperationName is { Length: > 0 } operationName)
        {
            return "auth0_" + string.Join("_", group.Select(Names.Snake)) + "_" + Names.Snake(operationName);
        }

        if (op.OperationId is { Length: > 0 } operationId)
        {
            return "auth0_" + Names.Snake(operationId);
        }

        var fallback = "auth0_" + op.Method + "_" + Names.Snake(op.Path.Replace("{", "by_").Replace("}", ""));
        diagnostics.Add(new DiagnosticInfo(
            DiagnosticIds.MissingOperationName,
            Severity.Warning,
            $"{op.Method.ToUpperInvariant()} {op.Path} has no operationId and no x-operation-group/x-operation-name; it is named '{fallback}'.",
            Json.Quote(op.Path)));
        return fallback;
    }

    private static string SearchKeyOf(OperationNode op) =>
        op.OperationId is { } id ? Json.Quote(id) : Json.Quote(op.Path);

    private static ClientMethodModel BindCall(OperationNode op, string methodName, string typeBaseName, TypeMapper types, SchemaResolver resolver)
    {
        var parameters = new List<ClientParamModel>();
        var used = new HashSet<string>(StringComparer.Ordinal) { "cancellationToken" };
        foreach (var p in op.Parameters)
        {
            var kind = p.In switch
            {
                "path" => ParamKind.Path,
                "header" => ParamKind.Header,
                _ => ParamKind.Query,
            };
            var csType = kind == ParamKind.Query ? types.Map(p.Schema, typeBaseName + Names.Pascal(p.Name)) : "string";
            if (csType.StartsWith("global::System.Collections.Generic.List<", StringComparison.Ordinal))
            {
                kind = ParamKind.QueryMulti;
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
            parameters.Add(new ClientParamModel(id, csType, kind, p.Name, p.Required, ReaderOf(csType, kind), null));
        }

        var bodyArgument = op.Parameters.Any(p => p.Name == "body") ? "request_body" : "body";
        var multipart = false;
        if (op.Body is { } body)
        {
            if (body.MediaType.StartsWith("multipart/", StringComparison.Ordinal))
            {
                multipart = true;
                var schema = body.Schema;
                // Multipart parts are the body schema's properties; files are sent as stream parts.
                var target = resolver.MergeAllOf(resolver.Deref(schema, out _));
                foreach (var part in target.Properties)
                {
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
            else
            {
                var csType = types.Map(body.Schema, typeBaseName + "Body");
                var info = types.RegisterRoot(csType);
                if (!body.Required && TypeMapper.IsValueType(csType))
                {
                    // An optional value-type body is a Nullable<T> parameter: Refit asks the context for that type.
                    types.RegisterRoot(csType + "?");
                }

                parameters.Add(new ClientParamModel(Names.Unique("body", used), csType, ParamKind.Body, bodyArgument, body.Required, ArgumentReader.Object, info));
            }
        }

        string? responseType = null;
        if (op.Success is { Schema: { } responseSchema, MediaType: "application/json" })
        {
            responseType = types.Map(responseSchema, typeBaseName + "Response");
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
            ordered);
    }

    /// <summary>The request plan of a tool: where each argument goes, read off the client method that was bound.</summary>
    private static RequestPlanModel RequestPlan(OperationNode op, ClientMethodModel call)
    {
        var arguments = new List<RequestArgumentModel>();
        foreach (var p in call.Parameters)
        {
            RequestLocation? location = p.Kind switch
            {
                ParamKind.Path => RequestLocation.Path,
                ParamKind.Query => RequestLocation.Query,
                ParamKind.QueryMulti => RequestLocation.QueryMulti,
                ParamKind.Header => RequestLocation.Header,
                _ => null,
            };
            if (location is { } l)
            {
                arguments.Add(new RequestArgumentModel(p.WireName, l));
            }
        }

        var files = call.Parameters.Where(p => p.Kind == ParamKind.FilePart).Select(p => p.WireName).ToEquatableArray();
        return op.Body is { } body
            ? new RequestPlanModel(arguments.ToEquatableArray(), call.BodyArgument, body.MediaType, files)
            : new RequestPlanModel(arguments.ToEquatableArray(), null, null, files);
    }

    private static ArgumentReader ReaderOf(string csType, ParamKind kind) => kind == ParamKind.QueryMulti
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

    private static string InputSchema(OperationNode op, ClientMethodModel call, SchemaRenderer renderer)
    {
        var sb = new StringBuilder();
        sb.Append("{\"type\":\"object\",\"properties\":{");
        var required = new List<string>();
        var first = true;
        foreach (var p in op.Parameters)
        {
            Separator(sb, ref first);
            Json.AppendQuoted(sb, p.Name);
            sb.Append(':');
            renderer.Render(sb, p.Schema, p.Description);
            if (p.Required)
            {
                required.Add(p.Name);
            }
        }

        if (op.Body is { } body)
        {
            Separator(sb, ref first);
            Json.AppendQuoted(sb, call.BodyArgument);
            sb.Append(':');
            renderer.Render(sb, body.Schema, body.Description ?? "The request body.");

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
        return sb.ToString();
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
