using Auth0Mcp.Generators.Binding;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Emitting;
using Auth0Mcp.Generators.Model;
using Auth0Mcp.Generators.Reading;

namespace Auth0Mcp.Generators.Tests.Infrastructure;

/// <summary>The generation core as the pre-compile CLI drives it: read → bind → emit, with no Roslyn in between.</summary>
internal sealed record CoreRun(ApiModel? Model, IReadOnlyList<DiagnosticInfo> Diagnostics, string SpecText)
{
    public static CoreRun From(string specText, string ns, string? groups = null)
    {
        var (document, readDiagnostics) = SpecReader.Read(specText);
        if (document is null)
        {
            return new CoreRun(null, Locate(readDiagnostics, specText), specText);
        }

        var (model, bindDiagnostics) = SpecBinder.Bind(document, new BindOptions(ns, GeneratorOptions.ParseGroups(groups)));
        return new CoreRun(model, Locate(readDiagnostics.Concat(bindDiagnostics), specText), specText);
    }

    public ApiModel RequiredModel => Model ?? throw new InvalidOperationException("The spec did not read: " + string.Join("; ", Diagnostics));

    /// <summary>What the CLI writes under obj/: Refit interfaces, DTOs, the JSON context, the Refit settings holder.</summary>
    public IReadOnlyList<(string FileName, string Text)> ClientFiles() => ClientEmitter.EmitAll(RequiredModel).ToList();

    /// <summary>What the Roslyn front end adds, in its order: one file per operation group, the catalogue, the typed arguments and tool handles, the secret fields.</summary>
    public IReadOnlyList<(string FileName, string Text)> ToolFiles()
    {
        var model = RequiredModel;
        var files = SpecBinder.SplitTools(model).Select(g => (g.FileName, ToolEmitter.EmitGroup(g))).ToList();
        files.Add((KnownTypes.CatalogName + ".g.cs", ToolEmitter.EmitCatalog(CatalogModel.From(model))));
        files.Add((KnownTypes.RegistrationFileName, ToolEmitter.EmitRegistration(CatalogModel.From(model))));
        files.AddRange(ArgumentsModel.Split(model).Select(g => (g.FileName, ArgumentsEmitter.EmitGroup(g))));
        var handles = ArgumentsModel.Handles(model);
        files.Add((handles.FileName, ArgumentsEmitter.EmitHandles(handles)));
        files.Add((SecretFieldsEmitter.FileName, SecretFieldsEmitter.Emit(model.Namespace, model.Info.Title, SecretFields.Collect(SpecText))));
        return files;
    }

    private static List<DiagnosticInfo> Locate(IEnumerable<DiagnosticInfo> diagnostics, string text) =>
        diagnostics.Select(d => SpecLocator.Locate(d, text)).ToList();
}
