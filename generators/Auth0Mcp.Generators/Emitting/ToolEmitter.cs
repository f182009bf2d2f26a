using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Auth0Mcp.Generators.Binding;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Emitting;

/// <summary>
/// Emits each operation group's tool descriptors as a method of the catalogue, and the catalogue of all tools. A tool is
/// data (its descriptor); every tool is an <c>Auth0ApiTool</c> made from one, so no per-tool type or code is emitted.
/// </summary>
internal static class ToolEmitter
{
    public static string EmitGroup(ToolGroupModel group)
    {
        using var w = new SourceWriter(EstimatedLength(group)).Header(group.ApiTitle);
        w.Line($"namespace {group.Namespace};").Line();
        w.Open($"public static partial class {KnownTypes.CatalogName}");
        w.Line($"/// <summary>The descriptors of the <c>{CSharp.Doc(group.GroupKey)}</c> tools ({group.Tools.Count}), sorted by name.</summary>");
        w.Line($"private static {KnownTypes.Descriptor}[] {group.MethodName}() => new {KnownTypes.Descriptor}[]");
        w.Line("{");
        w.Indent();
        for (var i = 0; i < group.Tools.Count; i++)
        {
            if (i > 0)
            {
                w.Line();
            }

            WriteDescriptor(w, group.Tools[i]);
        }

        w.Outdent();
        w.Line("};");
        w.Close();
        return w.ToString();
    }

    /// <summary>About the emitted text's length (escapes make literals a little longer than their text), so that one buffer holds it.</summary>
    private static int EstimatedLength(ToolGroupModel group)
    {
        long length = 1024;
        foreach (var tool in group.Tools)
        {
            length += 1536 + (tool.InputSchema.Length * 3 / 2) + (2 * (tool.Description.Length + tool.Title.Length + (tool.FullDescription?.Length ?? 0)));
        }

        return (int)Math.Min(length, int.MaxValue / 2);
    }

    // The descriptor: the tool's MCP surface and the metadata governance uses, with a literal input schema.
    private static void WriteDescriptor(SourceWriter w, ToolModel tool)
    {
        w.Line($"// {tool.Name}: {CSharp.Comment(tool.Title)} ({tool.Method} {CSharp.Comment(tool.Path)})");
        w.Line("new(");
        w.Indent();
        w.Line($"name: {CSharp.Literal(tool.Name)},");
        w.LineWithLiteral("title: ", tool.Title, ",");
        w.LineWithLiteral("description: ", tool.Description, ",");
        if (tool.FullDescription is { } fullDescription)
        {
            // Only where tools/list's description was cut: auth0_describe_tool shows the whole text.
            w.LineWithLiteral("fullDescription: ", fullDescription, ",");
        }

        w.Line($"method: {CSharp.Literal(tool.Method)},");
        w.Line($"path: {CSharp.Literal(tool.Path)},");
        w.Line($"operationId: {CSharp.Literal(tool.OperationId)},");
        w.Line($"group: new string[] {{ {string.Join(", ", tool.Group.Select(CSharp.Literal))} }},");
        w.Line(tool.Scopes.IsEmpty ? "scopes: global::System.Array.Empty<string>()," : $"scopes: new string[] {{ {string.Join(", ", tool.Scopes.Select(CSharp.Literal))} }},");
        w.Line($"action: {KnownTypes.ToolAction}.{tool.Action},");
        w.Line($"lifecycle: {CSharp.Literal(tool.Lifecycle)},");
        w.LineWithLiteral("inputSchema: ", tool.InputSchema, ",");
        w.Line($"readOnly: {Bool(tool.ReadOnly)},");
        w.Line($"destructive: {Bool(tool.Destructive)},");
        w.Line($"idempotent: {Bool(tool.Idempotent)},");
        w.Line($"contentHash: {CSharp.Literal(ContentHash(tool))},");
        WriteRequestPlan(w, tool.Request);
        w.Outdent();
    }

    // The request plan: where each argument goes and how the body is encoded; the runtime's one request builder
    // turns the validated arguments into the HTTP request from it.
    private static void WriteRequestPlan(SourceWriter w, RequestPlanModel plan)
    {
        var arguments = plan.Arguments.IsEmpty
            ? $"global::System.Array.Empty<{KnownTypes.RequestArgument}>()"
            : $"new {KnownTypes.RequestArgument}[] {{ {string.Join(", ", plan.Arguments.Select(a => $"new({CSharp.Literal(a.Name)}, {KnownTypes.RequestLocation}.{a.Location}){(a.WireName == a.Name ? "" : $" {{ WireName = {CSharp.Literal(a.WireName)} }}")}"))} }}";
        if (plan.BodyArgument is null)
        {
            w.Line($"request: new {KnownTypes.RequestPlan}({arguments})),");
            return;
        }

        var files = plan.FileParts.IsEmpty ? "" : $", fileParts: new string[] {{ {string.Join(", ", plan.FileParts.Select(CSharp.Literal))} }}";
        w.Line($"request: new {KnownTypes.RequestPlan}({arguments}, body: {CSharp.Literal(plan.BodyArgument)}, mediaType: {CSharp.Literal(plan.BodyMediaType ?? "application/json")}{files})),");
    }

    private static string Bool(bool value) => value ? "true" : "false";

    /// <summary>
    /// The descriptor's content hash, taken here so that no start-up hashes every tool: the sha256 (lower-case hex) of
    /// the UTF-8 of name, title, description, method, path, the scopes joined with ' ' and the input schema, joined with
    /// '\n' (<c>Auth0ToolDescriptor.ContentHash</c>; CatalogHashTests checks every generated tool against it).
    /// </summary>
    internal static string ContentHash(ToolModel tool)
    {
        var text = string.Join("\n", tool.Name, tool.Title, tool.Description, tool.Method, tool.Path, string.Join(" ", tool.Scopes), tool.InputSchema);
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
        var hex = new StringBuilder(hash.Length * 2);
        foreach (var b in hash)
        {
            hex.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return hex.ToString();
    }

    public static string EmitCatalog(CatalogModel catalog)
    {
        var ns = catalog.Namespace;
        using var w = new SourceWriter().Header(catalog.ApiTitle);
        w.Line($"namespace {ns};").Line();
        w.Line($"/// <summary>Every generated {CSharp.Doc(catalog.ApiTitle)} tool ({catalog.Slots.Count}), sorted by name.</summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"public static partial class {KnownTypes.CatalogName}");
        w.Line("/// <summary>The base URL from the spec's <c>servers</c> (variables at their defaults; empty when it has none).</summary>");
        w.Line($"public const string DefaultBaseUrl = {CSharp.Literal(catalog.DefaultBaseUrl)};");
        w.Line();
        w.Line($"private static readonly {KnownTypes.Descriptor}[] s_descriptors = ByName();");
        w.Line();
        w.Line("/// <summary>The descriptors of all tools, sorted by name.</summary>");
        w.Line($"public static global::System.Collections.Generic.IReadOnlyList<{KnownTypes.Descriptor}> Descriptors => s_descriptors;");
        w.Line();
        w.Line("/// <summary>Creates one instance of every tool, sorted by name.</summary>");
        w.Line($"public static global::System.Collections.Generic.IReadOnlyList<{KnownTypes.ToolBase}> CreateTools()");
        w.Line("{");
        w.Indent();
        w.Line($"var tools = new {KnownTypes.ToolBase}[s_descriptors.Length];");
        w.Line("for (var i = 0; i < tools.Length; i++)");
        w.Line("{");
        w.Line($"    tools[i] = new {KnownTypes.ToolBase}(s_descriptors[i]);");
        w.Line("}");
        w.Line();
        w.Line("return tools;");
        w.Outdent();
        w.Line("}");
        w.Line();
        w.Line("// The groups' descriptors merged into name order (the order is the generator's, so nothing sorts at run time).");
        w.Line($"private static {KnownTypes.Descriptor}[] ByName()");
        w.Line("{");
        w.Indent();
        for (var g = 0; g < catalog.GroupMethods.Count; g++)
        {
            w.Line($"var g{g} = {catalog.GroupMethods[g]}();");
        }

        w.Line($"return new {KnownTypes.Descriptor}[]");
        w.Line("{");
        w.Indent();
        foreach (var slot in catalog.Slots)
        {
            w.Line($"g{slot.Group}[{slot.Index}],");
        }

        w.Outdent();
        w.Line("};");
        w.Outdent();
        w.Line("}");
        w.Close();
        return w.ToString();
    }

    /// <summary>The registration's class name: the tools class's name (<c>ManagementTools</c>) plus <c>McpServerBuilderExtensions</c>.</summary>
    public static string RegistrationClassName(string ns) => Names.HandlesClass(ns) + "McpServerBuilderExtensions";

    /// <summary>
    /// The one-call registration, <c>AddMcpServer().With&lt;Name&gt;Tools(o => …)</c>: every tool plus the connection, with
    /// the spec's servers URL as the default base address and token audience (explicit options and a domain still win).
    /// </summary>
    public static string EmitRegistration(CatalogModel catalog)
    {
        var ns = catalog.Namespace;
        var method = "With" + Names.HandlesClass(ns);
        using var w = new SourceWriter().Header(catalog.ApiTitle);
        w.Line("namespace Microsoft.Extensions.DependencyInjection;").Line();
        w.Line($"/// <summary>Registers the tools generated into <c>{CSharp.Doc(ns)}</c> with an MCP server.</summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"public static class {RegistrationClassName(ns)}");
        w.Line("/// <summary>");
        w.Line($"/// Adds every generated tool (<see cref=\"global::{ns}.{KnownTypes.CatalogName}\"/>) and the API connection. The spec's");
        w.Line($"/// servers URL (<see cref=\"global::{ns}.{KnownTypes.CatalogName}.DefaultBaseUrl\"/>) is the base address and token audience");
        w.Line("/// unless <paramref name=\"configure\"/> (or another registration) sets a base URL, a domain or a default base URL of its own.");
        w.Line("/// Without <c>WithToolGovernance</c> every client lists and may call every tool, and the host logs a warning at start");
        w.Line("/// saying so, unless <c>WithoutToolGovernance</c> declares that intended.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"builder\">The MCP server builder.</param>");
        w.Line("/// <param name=\"configure\">Sets the connection options (token or client credentials, base URL, limits).</param>");
        w.Line("/// <returns>The builder, for chaining.</returns>");
        w.Line($"public static {KnownTypes.McpServerBuilder} {method}(this {KnownTypes.McpServerBuilder} builder, global::System.Action<{KnownTypes.ConnectionOptions}>? configure = null)");
        w.Line("{");
        w.Indent();
        w.Line("if (builder is null)");
        w.Line("{");
        w.Line("    throw new global::System.ArgumentNullException(nameof(builder));");
        w.Line("}");
        w.Line();
        w.Line("builder.Services.AddAuth0Connection(options =>");
        w.Line("{");
        w.Line($"    options.DefaultBaseUrl ??= global::{ns}.{KnownTypes.CatalogName}.DefaultBaseUrl;");
        w.Line("    configure?.Invoke(options);");
        w.Line("});");
        w.Line($"return builder.WithSharedTools(global::{ns}.{KnownTypes.CatalogName}.CreateTools());");
        w.Close();
        w.Close();
        return w.ToString();
    }
}
