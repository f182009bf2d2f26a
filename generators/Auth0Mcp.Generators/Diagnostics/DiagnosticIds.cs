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

    /// <summary>The document is Swagger 2.0, not OpenAPI 3.</summary>
    public const string Swagger2 = "A0MG010";

    /// <summary>A path placeholder has no path parameter, or a path parameter has no placeholder.</summary>
    public const string PathParameterMismatch = "A0MG011";

    /// <summary>A <c>$ref</c> to another document; the generator reads one document only.</summary>
    public const string ExternalRef = "A0MG012";

    /// <summary>A parameter that is not sent (cookie parameters).</summary>
    public const string ParameterNotSent = "A0MG013";

    /// <summary>A request body offers several media types; one was chosen by the media-type rule.</summary>
    public const string MediaTypeChosen = "A0MG014";

    /// <summary><c>servers</c> beside a path or operation; calls go to the document's base URL.</summary>
    public const string ServersIgnored = "A0MG015";

    /// <summary>The YAML document could not be read.</summary>
    public const string InvalidYaml = "A0MG016";

    /// <summary>Callbacks and webhooks are requests the API sends, not operations: no tool is generated.</summary>
    public const string CallbacksIgnored = "A0MG017";

    /// <summary>A parameter style the generated client (or, for a path <c>label</c> or <c>matrix</c>, the typed Refit client) does not serialize as the spec says.</summary>
    public const string ParameterStyle = "A0MG018";

    /// <summary>An operation has no success (2xx) or redirect (3xx) response; any 2xx is reported as success.</summary>
    public const string NoSuccessResponse = "A0MG019";

    /// <summary>A parameter shares its name with a parameter in another location; its tool argument has another name.</summary>
    public const string ArgumentRenamed = "A0MG020";

    /// <summary>A parameter's style is not one OpenAPI allows in its location (<c>deepObject</c> on a path, <c>form</c> in a header); it is sent in the location's default style.</summary>
    public const string StyleNotAllowed = "A0MG021";

    /// <summary>A tool's input schema would nest deeper than JSON parsers take by default; the deeper part is a placeholder.</summary>
    public const string InputSchemaTooDeep = "A0MG022";

    /// <summary>A group requested by <c>Auth0McpGroups</c> matches no operation.</summary>
    public const string GroupNotFound = "A0MG023";

    public static string Title(string id) => id switch
    {
        GroupNotFound => "A requested operation group matches no operation",
        InputSchemaTooDeep => "A tool's input schema nests too deeply and is cut",
        Swagger2 => "The document is Swagger 2.0, not OpenAPI 3",
        PathParameterMismatch => "A path placeholder and the path parameters do not match",
        ExternalRef => "A $ref points into another document",
        ParameterNotSent => "A parameter is not sent",
        MediaTypeChosen => "One of several request media types was chosen",
        ServersIgnored => "Path- or operation-level servers are not used",
        InvalidYaml => "The OpenAPI spec is not valid YAML",
        CallbacksIgnored => "Callbacks and webhooks are not generated",
        ParameterStyle => "A parameter style is sent in the default style",
        NoSuccessResponse => "An operation documents no success response",
        ArgumentRenamed => "A parameter's tool argument is renamed",
        StyleNotAllowed => "A parameter style is not allowed in its location",
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
