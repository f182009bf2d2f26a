using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Auth0Mcp.Generators.Binding;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Emitting;
using Auth0Mcp.Generators.Model;
using Auth0Mcp.Generators.Reading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Auth0Mcp.Generators;

/// <summary>
/// Front end 2: reads the OpenAPI spec from <c>AdditionalFiles</c> (item metadata <c>Auth0McpSpec="true"</c>) and
/// emits the MCP tools' descriptors (one file per operation group) and the tool catalogue. The Refit interfaces, DTOs and
/// JSON context come from the pre-compile step, because other generators must see them.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class Auth0ToolGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var options = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => GeneratorOptions.From(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.Options);

        var spec = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Where(static pair => GeneratorOptions.IsSpec(pair.Right.GetOptions(pair.Left)))
            .Select(static (pair, ct) => new SpecText(pair.Left.Path, pair.Left.GetText(ct)?.ToString() ?? ""))
            .Collect()
            .Select(static (all, _) => all.OrderBy(s => s.Path, StringComparer.Ordinal).FirstOrDefault())
            .WithTrackingName(TrackingNames.SpecText);

        var read = spec
            .Select(static (s, _) => s is null ? null : ReadResult.From(SpecReader.Read(s.Text)))
            .WithTrackingName(TrackingNames.Read);

        var bound = read
            .Select(static (r, _) => r?.Document)
            .WithTrackingName(TrackingNames.Document)
            .Combine(options)
            .Select(static (pair, _) => pair.Left is null ? null : BindResult.From(SpecBinder.Bind(pair.Left, pair.Right)))
            .WithTrackingName(TrackingNames.Bind);

        var groups = bound
            .SelectMany(static (b, _) => b is null ? ImmutableArray<ToolGroupModel>.Empty : SpecBinder.SplitTools(b.Model).ToImmutableArray())
            .WithTrackingName(TrackingNames.ToolGroups);

        var catalog = bound
            .Select(static (b, _) => b is null ? null : CatalogModel.From(b.Model))
            .WithTrackingName(TrackingNames.Catalog);

        // Typed arguments records and handles (Auth0McpTypedArguments, on unless set to false): only names and types, so
        // that editing a description leaves them cached.
        var typedArguments = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => GeneratorOptions.EmitsTypedArguments(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.TypedArgumentsOption);

        var argumentGroups = bound
            .Combine(typedArguments)
            .SelectMany(static (pair, _) => pair.Left is null || !pair.Right ? ImmutableArray<ArgumentsGroupModel>.Empty : ArgumentsModel.Split(pair.Left.Model).ToImmutableArray())
            .WithTrackingName(TrackingNames.ArgumentGroups);

        var handles = bound
            .Combine(typedArguments)
            .Select(static (pair, _) => pair.Left is null || !pair.Right ? null : ArgumentsModel.Handles(pair.Left.Model))
            .WithTrackingName(TrackingNames.ToolHandles);

        // Only for a spec that reads (a broken one emits nothing, as for the tools).
        var secretFields = spec
            .Combine(read)
            .Combine(options)
            .Select(static (pair, _) => pair.Left.Left is null || pair.Left.Right?.Document is null ? null : new SecretFieldsModel(pair.Right.Namespace, SpecBinder.ApiTitle(pair.Left.Right.Document), SecretFields.Collect(pair.Left.Left.Text)))
            .WithTrackingName(TrackingNames.SecretFields);

        // The pre-compile step reports spec diagnostics when the build runs it (Auth0McpSpecDiagnostics=cli):
        // then this front end stays silent, so that each problem is reported once.
        var reportHere = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => GeneratorOptions.ReportsSpecDiagnostics(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.ReportHere);

        var diagnostics = read
            .Combine(bound)
            .Select(static (pair, _) => (pair.Left?.Diagnostics ?? EquatableArray<DiagnosticInfo>.Empty).Concat(pair.Right?.Diagnostics ?? EquatableArray<DiagnosticInfo>.Empty).ToEquatableArray())
            .WithTrackingName(TrackingNames.Diagnostics)
            .Combine(reportHere)
            .Select(static (pair, _) => pair.Right ? pair.Left : EquatableArray<DiagnosticInfo>.Empty)
            .Combine(spec);

        context.RegisterSourceOutput(groups, static (spc, group) => spc.AddSource(group.FileName, ToolEmitter.EmitGroup(group)));
        context.RegisterSourceOutput(catalog, static (spc, c) =>
        {
            if (c is not null)
            {
                spc.AddSource(KnownTypes.CatalogName + ".g.cs", ToolEmitter.EmitCatalog(c));
                spc.AddSource(KnownTypes.RegistrationFileName, ToolEmitter.EmitRegistration(c));
            }
        });
        context.RegisterSourceOutput(argumentGroups, static (spc, group) => spc.AddSource(group.FileName, ArgumentsEmitter.EmitGroup(group)));
        context.RegisterSourceOutput(handles, static (spc, h) =>
        {
            if (h is not null)
            {
                spc.AddSource(h.FileName, ArgumentsEmitter.EmitHandles(h));
            }
        });
        context.RegisterSourceOutput(secretFields, static (spc, m) =>
        {
            if (m is not null)
            {
                spc.AddSource(SecretFieldsEmitter.FileName, SecretFieldsEmitter.Emit(m.Namespace, m.ApiTitle, m.Names));
            }
        });
        context.RegisterSourceOutput(diagnostics, static (spc, pair) => Report(spc, pair.Left, pair.Right));
    }

    private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics, SpecText? spec)
    {
        if (spec is null)
        {
            return;
        }

        if (diagnostics.IsEmpty)
        {
            return;
        }

        var text = SourceText.From(spec.Text);
        foreach (var positioned in SpecLocator.LocateAll(diagnostics.ToList(), spec.Text))
        {
            var line = Math.Max(0, positioned.Line - 1);
            var column = Math.Max(0, positioned.Column - 1);
            var linePosition = new LinePosition(line, column);
            var span = line < text.Lines.Count ? new TextSpan(text.Lines[line].Start + Math.Min(column, text.Lines[line].Span.Length), 0) : new TextSpan(0, 0);
            var location = Location.Create(spec.Path, span, new LinePositionSpan(linePosition, linePosition));
            var descriptor = DiagnosticDescriptors.Get(positioned.Id);
            var severity = positioned.Severity switch
            {
                Severity.Error => DiagnosticSeverity.Error,
                Severity.Warning => DiagnosticSeverity.Warning,
                _ => DiagnosticSeverity.Info,
            };

            // The descriptor's default severity, or a milder one for this instance (an optional cookie parameter, say).
            context.ReportDiagnostic(severity == descriptor.DefaultSeverity
                ? Diagnostic.Create(descriptor, location, positioned.Message)
                : Diagnostic.Create(descriptor.Id, descriptor.Category, positioned.Message, severity, descriptor.DefaultSeverity, true, severity == DiagnosticSeverity.Error ? 0 : 1, descriptor.Title, location: location));
        }
    }
}

/// <summary>The names of the pipeline steps, so that tests can assert what was cached.</summary>
internal static class TrackingNames
{
    public const string Options = nameof(Options);
    public const string SpecText = nameof(SpecText);
    public const string Read = nameof(Read);
    public const string Document = nameof(Document);
    public const string Bind = nameof(Bind);
    public const string ToolGroups = nameof(ToolGroups);
    public const string Catalog = nameof(Catalog);
    public const string Diagnostics = nameof(Diagnostics);
    public const string SecretFields = nameof(SecretFields);
    public const string ReportHere = nameof(ReportHere);
    public const string TypedArgumentsOption = nameof(TypedArgumentsOption);
    public const string ArgumentGroups = nameof(ArgumentGroups);
    public const string ToolHandles = nameof(ToolHandles);
}

internal sealed record SpecText(string Path, string Text);

internal sealed record ReadResult(SpecDocument? Document, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public static ReadResult From((SpecDocument? Document, EquatableArray<DiagnosticInfo> Diagnostics) r) => new(r.Document, r.Diagnostics);
}

internal sealed record BindResult(ApiModel Model, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public static BindResult From((ApiModel Model, EquatableArray<DiagnosticInfo> Diagnostics) r) => new(r.Model, r.Diagnostics);
}

/// <summary>The spec's secret property names (Binding/SecretFields.cs), emitted for the runtime redactor.</summary>
internal sealed record SecretFieldsModel(string Namespace, string ApiTitle, EquatableArray<string> Names);

/// <summary>
/// What the catalogue and the registration print: the API's title, the groups' methods, where each tool (in name order)
/// sits in them, and the spec's default base URL, so that editing a tool's description leaves them cached.
/// </summary>
internal sealed record CatalogModel(string Namespace, string ApiTitle, EquatableArray<string> GroupMethods, EquatableArray<CatalogSlot> Slots, string DefaultBaseUrl)
{
    public static CatalogModel From(ApiModel model)
    {
        var groups = SpecBinder.SplitTools(model);
        var position = new Dictionary<string, CatalogSlot>(StringComparer.Ordinal);
        for (var g = 0; g < groups.Count; g++)
        {
            for (var i = 0; i < groups[g].Tools.Count; i++)
            {
                position[groups[g].Tools[i].Name] = new CatalogSlot(g, i);
            }
        }

        return new(
            model.Namespace,
            model.Info.Title,
            groups.Select(g => g.MethodName).ToEquatableArray(),
            model.Tools.Select(t => position[t.Name]).ToEquatableArray(),
            model.Info.BaseUrl);
    }
}

/// <summary>One tool's place in the catalogue's groups: the group's index and the tool's index within it.</summary>
internal readonly record struct CatalogSlot(int Group, int Index);
