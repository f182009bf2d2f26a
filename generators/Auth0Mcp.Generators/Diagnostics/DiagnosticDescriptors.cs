using Microsoft.CodeAnalysis;

namespace Auth0Mcp.Generators.Diagnostics;

/// <summary>The Roslyn descriptors for <see cref="DiagnosticIds"/>; the message is the full text of the problem.</summary>
internal static class DiagnosticDescriptors
{
    public static readonly DiagnosticDescriptor InvalidJson = Create(DiagnosticIds.InvalidJson, DiagnosticSeverity.Error);
    public static readonly DiagnosticDescriptor DanglingRef = Create(DiagnosticIds.DanglingRef, DiagnosticSeverity.Error);
    public static readonly DiagnosticDescriptor RefCycle = Create(DiagnosticIds.RefCycle, DiagnosticSeverity.Error);
    public static readonly DiagnosticDescriptor MissingOperationName = Create(DiagnosticIds.MissingOperationName, DiagnosticSeverity.Info);
    public static readonly DiagnosticDescriptor NameClash = Create(DiagnosticIds.NameClash, DiagnosticSeverity.Warning);
    public static readonly DiagnosticDescriptor NameShortened = Create(DiagnosticIds.NameShortened, DiagnosticSeverity.Info);
    public static readonly DiagnosticDescriptor NotOpenApi = Create(DiagnosticIds.NotOpenApi, DiagnosticSeverity.Error);
    public static readonly DiagnosticDescriptor Unsupported = Create(DiagnosticIds.Unsupported, DiagnosticSeverity.Info);
    public static readonly DiagnosticDescriptor NoSpec = Create(DiagnosticIds.NoSpec, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor Swagger2 = Create(DiagnosticIds.Swagger2, DiagnosticSeverity.Error);
    public static readonly DiagnosticDescriptor PathParameterMismatch = Create(DiagnosticIds.PathParameterMismatch, DiagnosticSeverity.Error);
    public static readonly DiagnosticDescriptor ExternalRef = Create(DiagnosticIds.ExternalRef, DiagnosticSeverity.Warning);
    public static readonly DiagnosticDescriptor ParameterNotSent = Create(DiagnosticIds.ParameterNotSent, DiagnosticSeverity.Warning);
    public static readonly DiagnosticDescriptor MediaTypeChosen = Create(DiagnosticIds.MediaTypeChosen, DiagnosticSeverity.Info);
    public static readonly DiagnosticDescriptor ServersIgnored = Create(DiagnosticIds.ServersIgnored, DiagnosticSeverity.Info);
    public static readonly DiagnosticDescriptor InvalidYaml = Create(DiagnosticIds.InvalidYaml, DiagnosticSeverity.Error);
    public static readonly DiagnosticDescriptor CallbacksIgnored = Create(DiagnosticIds.CallbacksIgnored, DiagnosticSeverity.Info);
    public static readonly DiagnosticDescriptor ParameterStyle = Create(DiagnosticIds.ParameterStyle, DiagnosticSeverity.Info);
    public static readonly DiagnosticDescriptor NoSuccessResponse = Create(DiagnosticIds.NoSuccessResponse, DiagnosticSeverity.Info);
    public static readonly DiagnosticDescriptor ArgumentRenamed = Create(DiagnosticIds.ArgumentRenamed, DiagnosticSeverity.Info);
    public static readonly DiagnosticDescriptor StyleNotAllowed = Create(DiagnosticIds.StyleNotAllowed, DiagnosticSeverity.Warning);
    public static readonly DiagnosticDescriptor InputSchemaTooDeep = Create(DiagnosticIds.InputSchemaTooDeep, DiagnosticSeverity.Info);
    public static readonly DiagnosticDescriptor GroupNotFound = Create(DiagnosticIds.GroupNotFound, DiagnosticSeverity.Warning);

    public static DiagnosticDescriptor Get(string id) => id switch
    {
        DiagnosticIds.Swagger2 => Swagger2,
        DiagnosticIds.PathParameterMismatch => PathParameterMismatch,
        DiagnosticIds.ExternalRef => ExternalRef,
        DiagnosticIds.ParameterNotSent => ParameterNotSent,
        DiagnosticIds.MediaTypeChosen => MediaTypeChosen,
        DiagnosticIds.ServersIgnored => ServersIgnored,
        DiagnosticIds.InvalidYaml => InvalidYaml,
        DiagnosticIds.CallbacksIgnored => CallbacksIgnored,
        DiagnosticIds.ParameterStyle => ParameterStyle,
        DiagnosticIds.NoSuccessResponse => NoSuccessResponse,
        DiagnosticIds.ArgumentRenamed => ArgumentRenamed,
        DiagnosticIds.StyleNotAllowed => StyleNotAllowed,
        DiagnosticIds.InputSchemaTooDeep => InputSchemaTooDeep,
        DiagnosticIds.GroupNotFound => GroupNotFound,
        DiagnosticIds.InvalidJson => InvalidJson,
        DiagnosticIds.DanglingRef => DanglingRef,
        DiagnosticIds.RefCycle => RefCycle,
        DiagnosticIds.MissingOperationName => MissingOperationName,
        DiagnosticIds.NameClash => NameClash,
        DiagnosticIds.NameShortened => NameShortened,
        DiagnosticIds.NotOpenApi => NotOpenApi,
        DiagnosticIds.NoSpec => NoSpec,
        _ => Unsupported,
    };

    private static DiagnosticDescriptor Create(string id, DiagnosticSeverity severity) =>
        new(id, DiagnosticIds.Title(id), "{0}", DiagnosticIds.Category, severity, isEnabledByDefault: true);
}
