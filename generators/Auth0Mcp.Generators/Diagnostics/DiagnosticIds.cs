namespace Auth0Mcp.Generators.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. Ids are never reused; see AnalyzerReleases.*.md.
/// </summary>
internal static class DiagnosticIds
{
    public const string Category = "Auth0Mcp.Generator";

    /// <summary>The spec is not valid JSON.</summary>
    public const string InvalidJson = "A0MG001";

    /// <summary>A <c>$ref</c> points at nothing.</summary>
    public const string DanglingRef = "A0MG002";

    /// <summary>A chain of <c>$ref</c>s loops back on itself without any structure in between.</summary>
    public const string RefCycle = "A0MG003";

    /// <summary>An operation has neither an operationId nor x-operation-group/x-operation-name.</summary>
    public const string MissingOperationName = "A0MG004";

    /// <summary>Two operations map to the same tool name.</summary>
    public const string NameClash = "A0MG005";

    /// <summary>A tool name was longer than 64 characters and was shortened.</summary>
    public const string NameShortened = "A0MG006";

    /// <summary>The spec is not an OpenAPI 3 document (no <c>paths</c>).</summary>
    public const string NotOpenApi = "A0MG007";

    /// <summary>A construct the generator does not support; it falls back to raw JSON.</summary>
    public const string Unsupported = "A0MG008";

    /// <summary>No spec file was given to the generator.</summary>
    public const string NoSpec = "A0MG009";

    public static string Title(string id) => id switch
    {
        InvalidJson => "The OpenAPI spec is not valid JSON",
        DanglingRef => "A $ref points at a schema that does not exist",
        RefCycle => "A $ref chain refers to itself",
        MissingOperationName => "An operation has no name",
        NameClash => "Two operations have the same tool name",
        NameShortened => "A tool name was shortened to 64 characters",
        NotOpenApi => "The file is not an OpenAPI 3 document",
        Unsupported => "Unsupported OpenAPI construct",
        NoSpec => "No OpenAPI spec was given",
        _ => id,
    };
}
