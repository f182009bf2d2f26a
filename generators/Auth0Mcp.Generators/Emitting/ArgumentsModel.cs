using System;
using System.Collections.Generic;
using System.Linq;
using Auth0Mcp.Generators.Binding;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Emitting;

/// <summary>How a typed-arguments property reads its value from the validated arguments (a runtime reader method).</summary>
internal enum ArgumentRead
{
    String,
    Int32,
    Int64,
    Double,
    Boolean,
    Strings,
    Element,
    Json,
}

/// <summary>One property of a tool's arguments record: the argument's name (in the input schema), its C# name and type, and how it reads.</summary>
internal sealed record ArgumentFieldModel(string ArgumentName, string PropertyName, string CsType, ArgumentRead Read, bool Required, string? TypeInfo);

/// <summary>One tool's arguments record (<c>UsersUpdateArguments</c>) and its handle's name (<c>UsersUpdate</c>).</summary>
internal sealed record ArgumentsRecordModel(string ToolName, string HandleName, string RecordName, EquatableArray<ArgumentFieldModel> Fields);

/// <summary>The arguments records of one operation group: one emitted file, so an edit re-emits one group.</summary>
internal sealed record ArgumentsGroupModel(string Namespace, string ApiTitle, string FileName, EquatableArray<ArgumentsRecordModel> Records);

/// <summary>One handle of the tools class: names only, so that editing a description leaves the class cached.</summary>
internal sealed record ToolHandleModel(string ToolName, string HandleName, string RecordName);

/// <summary>The static class of typed tool handles (<c>ManagementTools</c> for <c>Auth0Mcp.ManagementApi</c>).</summary>
internal sealed record ToolHandlesModel(string Namespace, string ApiTitle, string ClassName, EquatableArray<ToolHandleModel> Handles)
{
    /// <summary>
    /// The source's name, in a folder of its own: the class is named after the namespace (MyApp.WidgetsApi:
    /// WidgetsTools), and an operation group's file may carry that name too (the widgets group's WidgetsTools.g.cs).
    /// </summary>
    public string FileName => "Handles/" + ClassName + ".g.cs";
}

/// <summary>
/// Reads the typed-arguments models off the bound <see cref="ApiModel"/>: each tool's arguments are the parameters and
/// body of the client method bound for the same operation (method and path), with the C# types the Binder chose.
/// </summary>
internal static class ArgumentsModel
{
    /// <summary>The namespace of the records, under the generated root namespace.</summary>
    public const string SubNamespace = "Arguments";

    // Names the arguments class uses for itself and its reader, or that would hide object members.
    private static readonly string[] ReservedMembers = ["FromArguments", "EqualityContract", "Equals", "GetHashCode", "ToString", "PrintMembers", "Deconstruct", "GetType", "MemberwiseClone"];

    /// <summary>The handles of every tool, sorted by tool name.</summary>
    public static ToolHandlesModel Handles(ApiModel model) =>
        new(model.Namespace, model.Info.Title, Names.HandlesClass(model.Namespace), model.Tools.Select(t => new ToolHandleModel(t.Name, t.HandleName, t.HandleName + "Arguments")).ToEquatableArray());

    /// <summary>The records, one unit per operation group (as the tools' descriptors are split).</summary>
    public static EquatableArray<ArgumentsGroupModel> Split(ApiModel model)
    {
        var methods = new Dictionary<string, ClientMethodModel>(StringComparer.Ordinal);
        foreach (var method in model.Clients.SelectMany(c => c.Methods))
        {
            methods[Key(method.HttpMethod, method.Path)] = method;
        }

        return model.Tools
            .GroupBy(t => t.GroupKey, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ArgumentsGroupModel(
                model.Namespace,
                model.Info.Title,
                SubNamespace + "/" + string.Concat(g.First().Group.Select(Names.Pascal)) + "Arguments.g.cs",
                g.Select(t => Record(model.Namespace, t, methods.TryGetValue(Key(t.Method, t.Path), out var m) ? m : null)).ToEquatableArray()))
            .ToEquatableArray();
    }

    private static string Key(string method, string path) => method.ToUpperInvariant() + " " + path;

    private static ArgumentsRecordModel Record(string ns, ToolModel tool, ClientMethodModel? method)
    {
        var recordName = tool.HandleName + "Arguments";
        var context = $"global::{ns}.Models.{KnownTypes.JsonContextName}.Default.";
        var taken = new HashSet<string>(ReservedMembers, StringComparer.Ordinal) { recordName };
        var fields = new List<ArgumentFieldModel>();
        var bodyDone = false;
        foreach (var p in method?.Parameters ?? EquatableArray<ClientParamModel>.Empty)
        {
            switch (p.Kind)
            {
                case ParamKind.Path or ParamKind.Header:
                    fields.Add(Field(p.ArgumentName, "string", ArgumentRead.String, p.Required, null, taken));
                    break;
                case ParamKind.QueryMulti or ParamKind.QueryCsv:
                    fields.Add(Field(p.ArgumentName, "global::System.Collections.Generic.IReadOnlyList<string>", ArgumentRead.Strings, p.Required, null, taken));
                    break;
                case ParamKind.Query:
                    var (type, read) = p.Reader switch
                    {
                        ArgumentReader.Int32 => ("int", ArgumentRead.Int32),
                        ArgumentReader.Int64 => ("long", ArgumentRead.Int64),
                        ArgumentReader.Double => ("double", ArgumentRead.Double),
                        ArgumentReader.Boolean => ("bool", ArgumentRead.Boolean),
                        _ => ("string", ArgumentRead.String),
                    };
                    fields.Add(Field(p.ArgumentName, type, read, p.Required, null, taken));
                    break;
                case ParamKind.Body when !bodyDone:
                    bodyDone = true;
                    // A JSON (or form) body of a reference type reads through the generated JSON context; others as JSON.
                    fields.Add(p.TypeInfoName is { } info && !TypeMapper.IsValueType(p.CsType)
                        ? Field(method!.BodyArgument, p.CsType, ArgumentRead.Json, p.Required, context + info, taken)
                        : Field(method!.BodyArgument, TypeMapper.JsonElement, ArgumentRead.Element, p.Required, null, taken));
                    break;
                case ParamKind.Part or ParamKind.FilePart when !bodyDone:
                    // Multipart parts are fields of one body object in the tool's input.
                    bodyDone = true;
                    fields.Add(Field(method!.BodyArgument, TypeMapper.JsonElement, ArgumentRead.Element, method.Parameters.Any(q => q.Required && q.Kind is ParamKind.Part or ParamKind.FilePart), null, taken));
                    break;
            }
        }

        return new ArgumentsRecordModel(tool.Name, tool.HandleName, recordName, fields.ToEquatableArray());
    }

    private static ArgumentFieldModel Field(string argumentName, string csType, ArgumentRead read, bool required, string? typeInfo, HashSet<string> taken) =>
        new(argumentName, Names.Unique(Names.Pascal(argumentName), taken), csType, read, required, typeInfo);
}
