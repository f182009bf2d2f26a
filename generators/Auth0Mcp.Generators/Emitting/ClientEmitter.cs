using System.Collections.Generic;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Emitting;

/// <summary>Emits the Refit interfaces (one per operation group), the DTOs and (through <see cref="JsonEmitter"/>) their JSON: plain source for Refit's generator.</summary>
internal static class ClientEmitter
{
    public static IEnumerable<(string FileName, string Text)> EmitAll(ApiModel model)
    {
        foreach (var client in model.Clients)
        {
            yield return ($"Clients/{client.InterfaceName}.g.cs", EmitInterface(model.Namespace, client, model.Info.Title));
        }

        yield return ("Models/Models.g.cs", EmitModels(model));
        yield return ("Models/Converters.g.cs", JsonEmitter.EmitConverters(model));
        yield return ("Models/" + KnownTypes.JsonContextName + ".g.cs", JsonEmitter.EmitContext(model));
        yield return ("Clients/" + KnownTypes.RefitHolderName + ".g.cs", EmitRefitHolder(model.Namespace, model.Info));
    }

    public static string EmitInterface(string ns, ClientGroupModel client, string apiTitle)
    {
        using var w = new SourceWriter().Header(apiTitle);
        w.Line($"namespace {ns}.Clients;").Line();
        w.Line($"/// <summary>Typed Refit client for the {CSharp.Doc(apiTitle)} operations of the <c>{CSharp.Doc(client.GroupKey)}</c> group.</summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"public partial interface {client.InterfaceName}");
        var first = true;
        foreach (var method in client.Methods)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            WriteMethod(w, method);
        }

        w.Close();
        return w.ToString();
    }

    private static void WriteMethod(SourceWriter w, ClientMethodModel method)
    {
        // Deprecation is said, not [Obsolete]: generated tools call every method, and must compile without warnings.
        var summary = method.Summary.Length > 0 ? method.Summary : method.HttpMethod.ToUpperInvariant() + " " + method.Path;
        w.Line($"/// <summary>{(method.Deprecated ? "Deprecated. " : "")}{CSharp.Doc(summary)}</summary>");
        w.Line($"/// <remarks><c>{method.HttpMethod.ToUpperInvariant()} {CSharp.Doc(method.Path)}</c>{Remarks(method)}</remarks>");
        if (method.Multipart)
        {
            w.Line("[global::Refit.Multipart]");
        }

        // Bodies that are not JSON name their own media type (Refit sends strings and streams as they are).
        if (method.BodyEncoding is BodyEncoding.Text or BodyEncoding.Binary && method.BodyMediaType is { } mediaType)
        {
            w.Line($"[global::Refit.Headers({CSharp.Literal("Content-Type: " + mediaType)})]");
        }

        w.Line($"[global::Refit.{method.HttpMethod}({CSharp.Literal(method.Path)})]");
        var returnType = method.ResponseType is null
            ? $"{KnownTypes.Task}<global::Refit.IApiResponse>"
            : $"{KnownTypes.Task}<global::Refit.IApiResponse<{method.ResponseType}>>";
        w.Line($"{returnType} {method.MethodName}(");
        w.Indent();
        foreach (var p in method.Parameters)
        {
            w.Line(Parameter(p, method.BodyEncoding) + ",");
        }

        w.Line($"{KnownTypes.CancellationToken} cancellationToken = default);");
        w.Outdent();
    }

    private static string Remarks(ClientMethodModel method)
    {
        if (method.Redirect)
        {
            return $"; answers {CSharp.Doc(method.SuccessStatus)} with a <c>Location</c> to follow yourself";
        }

        if (method.ResponseMediaType is null)
        {
            return $"; answers {CSharp.Doc(method.SuccessStatus)} without content";
        }

        return method.ResponseEncoding == BodyEncoding.Json ? "" : $"; answers {CSharp.Doc(method.SuccessStatus)} with <c>{CSharp.Doc(method.ResponseMediaType)}</c> content";
    }

    private static string Parameter(ClientParamModel p, BodyEncoding bodyEncoding)
    {
        var alias = p.CsName.TrimStart('@') != p.WireName ? $"[global::Refit.AliasAs({CSharp.Literal(p.WireName)})] " : "";
        var type = p.Required ? p.CsType : p.CsType + "?";
        var tail = p.Required ? "" : " = default";
        return p.Kind switch
        {
            ParamKind.Path => $"{alias}string {p.CsName}",
            ParamKind.Query => $"[global::Refit.Query] {alias}{type} {p.CsName}{tail}",
            ParamKind.QueryMulti => $"[global::Refit.Query(global::Refit.CollectionFormat.Multi)] {alias}{type} {p.CsName}{tail}",
            ParamKind.QueryCsv => $"[global::Refit.Query(global::Refit.CollectionFormat.Csv)] {alias}{type} {p.CsName}{tail}",
            ParamKind.Body when bodyEncoding == BodyEncoding.Form => $"[global::Refit.Body(global::Refit.BodySerializationMethod.UrlEncoded)] {type} {p.CsName}{tail}",
            ParamKind.Header => $"[global::Refit.Header({CSharp.Literal(p.WireName)})] string? {p.CsName}{tail}",
            ParamKind.Body => $"[global::Refit.Body] {type} {p.CsName}{tail}",
            ParamKind.FilePart => $"[global::Refit.AliasAs({CSharp.Literal(p.WireName)})] {type} {p.CsName}{tail}",
            _ => $"[global::Refit.AliasAs({CSharp.Literal(p.WireName)})] string? {p.CsName}{tail}",
        };
    }

    public static string EmitModels(ApiModel model)
    {
        using var w = new SourceWriter().Header(model.Info.Title);
        w.Line($"namespace {model.Namespace}.Models;");
        foreach (var dto in model.Dtos)
        {
            w.Line();
            w.Line($"/// <summary>{CSharp.Doc(dto.Description ?? dto.Name)}</summary>");
            w.Line(KnownTypes.GeneratedCode);
            w.Line($"[global::System.Text.Json.Serialization.JsonConverter(typeof({JsonEmitter.ConverterType(model.Namespace + ".Models", dto.Name)}))]");
            w.Open($"public sealed partial class {dto.Name}");
            foreach (var property in dto.Properties)
            {
                if (property.Description is { } description)
                {
                    w.Line($"/// <summary>{CSharp.Doc(description)}</summary>");
                }

                if (property.AllowsNull)
                {
                    w.Line("/// <remarks>The schema allows <c>null</c> here: set to null (or read as null), it is written as <c>null</c>, which in a request clears the field; never set, it is left out.</remarks>");
                }

                w.Line($"[global::System.Text.Json.Serialization.JsonPropertyName({CSharp.Literal(property.JsonName)})]");
                if (property.AllowsNull)
                {
                    // The setter records that the property was set, so that a null set (or read) is sent as null.
                    w.Line($"public {property.CsType}? {property.CsName} {{ get => {property.BackingField}; set {{ {property.BackingField} = value; {property.SetFlag} = true; }} }}");
                    w.Line();
                    w.Line($"private {property.CsType}? {property.BackingField};");
                    w.Line();
                    w.Line($"internal bool {property.SetFlag};");
                }
                else
                {
                    w.Line($"public {property.CsType}? {property.CsName} {{ get; set; }}");
                }

                w.Line();
            }

            w.Line("/// <summary>Fields the spec does not list, kept as they came so that nothing is lost.</summary>");
            w.Line("[global::System.Text.Json.Serialization.JsonExtensionData]");
            w.Line($"public global::System.Collections.Generic.Dictionary<string, global::System.Text.Json.JsonElement>? {dto.ExtensionDataName} {{ get; set; }}");
            w.Close();
        }

        return w.ToString();
    }

    public static string EmitRefitHolder(string ns, ApiInfoModel info)
    {
        using var w = new SourceWriter().Header(info.Title);
        w.Line($"namespace {ns}.Clients;").Line();
        w.Line($"/// <summary>What every generated {CSharp.Doc(info.Title)} client shares: the API's identity, its default base URL, the Refit settings.</summary>");
        w.Line(KnownTypes.GeneratedCode);
        w.Open($"public static class {KnownTypes.RefitHolderName}");
        w.Line("/// <summary>The API's title, from the spec's <c>info</c>.</summary>");
        w.Line($"public const string ApiTitle = {CSharp.Literal(info.Title)};");
        w.Line();
        w.Line("/// <summary>The API's version, from the spec's <c>info</c>.</summary>");
        w.Line($"public const string ApiVersion = {CSharp.Literal(info.Version)};");
        w.Line();
        w.Line("/// <summary>The first of the spec's <c>servers</c> (variables at their defaults); empty when it names none. Override it at run time.</summary>");
        w.Line($"public const string DefaultBaseUrl = {CSharp.Literal(info.BaseUrl)};");
        w.Line();
        w.Line("/// <summary>The shared settings.</summary>");
        w.Line($"public static global::Refit.RefitSettings Settings {{ get; }} = {KnownTypes.RefitSettingsFactory}.CreateSettings(global::{ns}.Models.{KnownTypes.JsonContextName}.Default);");
        w.Close();
        return w.ToString();
    }
}
