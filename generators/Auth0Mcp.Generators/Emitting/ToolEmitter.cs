using System.Linq;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Emitting;

/// <summary>Emits the MCP tool classes of one operation group, and the catalogue of all tools.</summary>
internal static class ToolEmitter
{
    public static string EmitGroup(ToolGroupModel group)
    {
        var w = new SourceWriter().Header();
        w.Line($"namespace {group.Namespace}.Tools;");
        foreach (var tool in group.Tools)
        {
            w.Line();
            WriteTool(w, group.Namespace, tool);
        }

        return w.ToString();
    }

    private static void WriteTool(SourceWriter w, string ns, ToolModel tool)
    {
        w.Line($"/// <summary><c>{tool.Name}</c>: {CSharp.Doc(tool.Title)} (<c>{tool.Method} {CSharp.Doc(tool.Path)}</c>).</summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"public sealed class {tool.ClassName} : {KnownTypes.ToolBase}");

        // The descriptor: the tool's MCP surface and the metadata governance uses, with a literal input schema.
        w.Line("/// <summary>What this tool is and does.</summary>");
        w.Line($"public static {KnownTypes.Descriptor} Definition {{ get; }} = new(");
        w.Indent();
        w.Line($"name: {CSharp.Literal(tool.Name)},");
        w.Line($"title: {CSharp.Literal(tool.Title)},");
        w.Line($"description: {CSharp.Literal(tool.Description)},");
        w.Line($"method: {CSharp.Literal(tool.Method)},");
        w.Line($"path: {CSharp.Literal(tool.Path)},");
        w.Line($"operationId: {CSharp.Literal(tool.OperationId)},");
        w.Line($"group: new string[] {{ {string.Join(", ", tool.Group.Select(CSharp.Literal))} }},");
        w.Line(tool.Scopes.IsEmpty ? "scopes: global::System.Array.Empty<string>()," : $"scopes: new string[] {{ {string.Join(", ", tool.Scopes.Select(CSharp.Literal))} }},");
        w.Line($"action: {KnownTypes.ToolAction}.{tool.Action},");
        w.Line($"lifecycle: {CSharp.Literal(tool.Lifecycle)},");
        w.Line($"inputSchema: {CSharp.Literal(tool.InputSchema)},");
        w.Line($"readOnly: {Bool(tool.ReadOnly)},");
        w.Line($"destructive: {Bool(tool.Destructive)},");
        w.Line($"idempotent: {Bool(tool.Idempotent)});");
        w.Outdent();
        w.Line();
        w.Line("/// <summary>Creates the tool.</summary>");
        w.Line($"public {tool.ClassName}() : base(Definition)");
        w.Line("{");
        w.Line("}");
        w.Line();

        // The call: arguments (already validated against the schema) → typed Refit client → Auth0.
        w.Line("/// <inheritdoc />");
        w.Open($"protected override async {KnownTypes.Task} SendAsync({KnownTypes.ToolArguments} arguments, {KnownTypes.HttpClient} http, {KnownTypes.CancellationToken} cancellationToken)");
        w.Line($"var client = global::Refit.RestService.ForGenerated<global::{ns}.Clients.{tool.InterfaceName}>(http, global::{ns}.Clients.{KnownTypes.RefitHolderName}.Settings);");
        if (tool.Call.Multipart)
        {
            w.Line($"var parts = arguments.GetNested({CSharp.Literal(tool.Call.BodyArgument)});");
        }

        w.Line($"var response = await client.{tool.Call.MethodName}(");
        w.Indent();
        foreach (var p in tool.Call.Parameters)
        {
            w.Line(Read(ns, p) + ",");
        }

        w.Line("cancellationToken).ConfigureAwait(false);");
        w.Outdent();
        w.Line($"{KnownTypes.RefitSettingsFactory}.EnsureSent(response);");
        w.Close();
        w.Close();
    }

    private static string Read(string ns, ClientParamModel p)
    {
        var name = CSharp.Literal(p.WireName);
        var bang = p.Required ? "!" : "";
        switch (p.Kind)
        {
            case ParamKind.Body:
                if (p.CsType == "global::System.Text.Json.JsonElement")
                {
                    return $"arguments.GetJsonBody({name})";
                }

                if (p.CsType == "global::System.IO.Stream")
                {
                    // A binary body arrives base64-encoded.
                    return $"arguments.GetString({name}) is {{ }} base64 ? new global::System.IO.MemoryStream(global::System.Convert.FromBase64String(base64)) : null{bang}";
                }

                return $"arguments.GetObject({name}, global::{ns}.Models.{KnownTypes.JsonContextName}.Default.{p.TypeInfoName}){bang}";
            case ParamKind.Part:
                return $"parts.GetString({name})";
            case ParamKind.FilePart:
                return $"parts.GetFilePart({name}){bang}";
        }

        return p.Reader switch
        {
            ArgumentReader.Int32 => $"arguments.GetInt32({name})",
            ArgumentReader.Int64 => $"arguments.GetInt64({name})",
            ArgumentReader.Double => $"arguments.GetDouble({name})",
            ArgumentReader.Boolean => $"arguments.GetBoolean({name})",
            ArgumentReader.StringArray => $"arguments.GetStringArray({name}){bang}",
            _ => $"arguments.GetString({name}){bang}",
        };
    }

    private static string Bool(bool value) => value ? "true" : "false";

    public static string EmitCatalog(string ns, EquatableArray<string> classNames)
    {
        var w = new SourceWriter().Header();
        w.Line($"namespace {ns};").Line();
        w.Line($"/// <summary>Every generated Auth0 Management API tool ({classNames.Count}), sorted by name.</summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"public static partial class {KnownTypes.CatalogName}");
        w.Line("/// <summary>The descriptors of all tools, sorted by name.</summary>");
        w.Line($"public static global::System.Collections.Generic.IReadOnlyList<{KnownTypes.Descriptor}> Descriptors {{ get; }} = new {KnownTypes.Descriptor}[]");
        w.Line("{");
        w.Indent();
        foreach (var className in classNames)
        {
            w.Line($"global::{ns}.Tools.{className}.Definition,");
        }

        w.Outdent();
        w.Line("};");
        w.Line();
        w.Line("/// <summary>Creates one instance of every tool, sorted by name.</summary>");
        w.Open($"public static global::System.Collections.Generic.IReadOnlyList<{KnownTypes.ToolBase}> CreateTools() => new {KnownTypes.ToolBase}[]");
        foreach (var className in classNames)
        {
            w.Line($"new global::{ns}.Tools.{className}(),");
        }

        w.Close(";");
        w.Close();
        return w.ToString();
    }
}
