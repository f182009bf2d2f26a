using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Emitting;

/// <summary>Emits the list of the spec's secret properties and registers it with the runtime redactor when the assembly loads.</summary>
internal static class SecretFieldsEmitter
{
    /// <summary>The generated class's name, in the root namespace.</summary>
    public const string ClassName = "Auth0SecretFields";

    /// <summary>The generated file's name.</summary>
    public const string FileName = ClassName + ".g.cs";

    /// <summary>The redactor's registration method.</summary>
    private const string Register = "global::Auth0Mcp.Sdk.Governance.JsonRedactor.RegisterSecretNames";

    public static string Emit(string ns, string apiTitle, EquatableArray<string> names)
    {
        using var w = new SourceWriter().Header(apiTitle);
        w.Line($"namespace {ns};").Line();
        w.Line($"/// <summary>The {names.Count} properties the spec marks as secrets (format password, writeOnly, or a secret name pattern; docs/security.md).</summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"public static partial class {ClassName}");
        w.Line("/// <summary>The names, sorted; <c>parent.name</c> where the name is a secret only inside that parent.</summary>");
        w.Line("public static global::System.Collections.Generic.IReadOnlyList<string> Names { get; } = new string[]");
        w.Line("{");
        w.Indent();
        foreach (var name in names)
        {
            w.Line(CSharp.Literal(name) + ",");
        }

        w.Outdent();
        w.Line("};");
        w.Line();
        // Masking must not depend on a host remembering to register the list: it is registered when this assembly loads.
        w.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
        w.Line($"internal static void RegisterWithRedactor() => {Register}(Names);");
        w.Close();
        return w.ToString();
    }
}
