namespace Auth0Mcp.Generators.Model;

// What the Binder decides once: names, C# types, rendered input schemas. Emitters only print it.

internal sealed record BindOptions(string Namespace, EquatableArray<string> Groups)
{
    /// <summary>
    /// Whether each tool's input schema is rendered (the Roslyn front end emits them). The pre-compile step, which
    /// emits only clients, turns it off: the schemas are then only walked for the diagnostics rendering would report.
    /// </summary>
    public bool InputSchemas { get; init; } = true;
}

internal sealed record ApiModel(
    string Namespace,
    EquatableArray<ToolModel> Tools,
    EquatableArray<ClientGroupModel> Clients,
    EquatableArray<DtoModel> Dtos,
    EquatableArray<JsonTypeModel> JsonTypes)
{
    /// <summary>The spec's own <c>info</c>: what generated headers and documentation call the API.</summary>
    public ApiInfoModel Info { get; init; } = ApiInfoModel.Empty;
}

/// <summary>The spec's <c>info.title</c>/<c>version</c>/<c>description</c> and the default base URL from <c>servers</c>.</summary>
internal sealed record ApiInfoModel(string Title, string Version, string Description, string BaseUrl)
{
    public static readonly ApiInfoModel Empty = new("API", "", "", "");
}

/// <summary>One operation as an MCP tool: its name, MCP surface, governance metadata and request plan.</summary>
/// <param name="HandleName">The tool's C# name, unique in the API (<c>UsersList</c>): its typed handle and arguments record are named after it.</param>
internal sealed record ToolModel(
    string Name,
    string HandleName,
    string Title,
    string Description,
    string Method,
    string Path,
    string OperationId,
    EquatableArray<string> Group,
    string GroupKey,
    EquatableArray<string> Scopes,
    string Action,
    string Lifecycle,
    string InputSchema,
    bool ReadOnly,
    bool Destructive,
    bool Idempotent,
    RequestPlanModel Request)
{
    /// <summary>
    /// The whole cleaned description when <see cref="Description"/> (what tools/list shows) had to be cut; null when
    /// nothing was cut, so that only the few long descriptions are carried twice. <c>auth0_describe_tool</c> shows it.
    /// </summary>
    public string? FullDescription { get; init; }
}

/// <summary>
/// How a tool's validated arguments become the HTTP request: each argument's location and the body's media type.
/// The runtime's one request builder reads it; no per-tool code is emitted for the call.
/// </summary>
internal sealed record RequestPlanModel(
    EquatableArray<RequestArgumentModel> Arguments,
    string? BodyArgument,
    string? BodyMediaType,
    EquatableArray<string> FileParts);

/// <summary>One non-body argument: its name in the input schema and where it goes.</summary>
internal sealed record RequestArgumentModel(string Name, RequestLocation Location)
{
    /// <summary>The parameter's name on the wire: <see cref="Name"/> unless the argument was renamed apart from a parameter of the same name in another location.</summary>
    public string WireName { get; init; } = Name;
}

/// <summary>Where an argument goes (<c>Auth0ArgumentLocation</c> at run time).</summary>
internal enum RequestLocation
{
    /// <summary>Path, <c>simple</c> style without <c>explode</c> (the default): <c>1,2,3</c>, <c>x,1,y,2</c>.</summary>
    Path,

    /// <summary>Query, <c>form</c> style without <c>explode</c>: an array's items or an object's keys and values comma-joined.</summary>
    Query,

    /// <summary>Query, <c>form</c> style with <c>explode</c>: an array's items repeated, an object's properties each a pair.</summary>
    QueryMulti,

    /// <summary>Header, <c>simple</c> style without <c>explode</c> (the default): <c>1,2,3</c>, <c>x,1,y,2</c>.</summary>
    Header,

    /// <summary>Query, <c>deepObject</c> style: an object's properties as <c>name[key]=value</c>.</summary>
    QueryDeepObject,

    /// <summary>Path, <c>simple</c> style with <c>explode</c>: an object as <c>x=1,y=2</c>.</summary>
    PathExploded,

    /// <summary>Path, <c>label</c> style: <c>.1,2,3</c>, <c>.x,1,y,2</c>.</summary>
    PathLabel,

    /// <summary>Path, <c>label</c> style with <c>explode</c>: <c>.1.2.3</c>, <c>.x=1.y=2</c>.</summary>
    PathLabelExploded,

    /// <summary>Path, <c>matrix</c> style: <c>;p=1,2,3</c>, <c>;p=x,1,y,2</c>.</summary>
    PathMatrix,

    /// <summary>Path, <c>matrix</c> style with <c>explode</c>: <c>;p=1;p=2;p=3</c>, <c>;x=1;y=2</c>.</summary>
    PathMatrixExploded,

    /// <summary>Header, <c>simple</c> style with <c>explode</c>: an object as <c>x=1,y=2</c>.</summary>
    HeaderExploded,
}

/// <summary>
/// The tools of one operation group: the unit that the Roslyn front end emits one file for, a method of the catalogue
/// (<see cref="MethodName"/>) that returns the group's descriptors.
/// </summary>
internal sealed record ToolGroupModel(string Namespace, string ApiTitle, string GroupKey, string FileName, string MethodName, EquatableArray<ToolModel> Tools);

internal sealed record ClientGroupModel(string InterfaceName, string GroupKey, EquatableArray<ClientMethodModel> Methods);

internal enum ParamKind
{
    Path,
    Query,
    QueryMulti,

    /// <summary>Header, <c>simple</c> style without <c>explode</c> (the default): <c>1,2,3</c>, <c>x,1,y,2</c>.</summary>
    Header,
    Body,
    /// <summary>A query array sent comma-separated (<c>explode: false</c>).</summary>
    QueryCsv,
    Part,
    FilePart,
}

/// <summary>How a tool reads an argument before it calls the client.</summary>
internal enum ArgumentReader
{
    String,
    Int32,
    Int64,
    Double,
    Boolean,
    StringArray,
    Json,
    Object,
}

internal sealed record ClientParamModel(
    string CsName,
    string CsType,
    ParamKind Kind,
    string WireName,
    bool Required,
    ArgumentReader Reader,
    string? TypeInfoName)
{
    /// <summary>
    /// The name of the tool argument that carries it: <see cref="WireName"/>, unless a parameter of the same name in
    /// another location keeps that (a query parameter beside a path parameter of its name is <c>token_query</c>).
    /// </summary>
    public string ArgumentName { get; init; } = WireName;
}

internal sealed record ClientMethodModel(
    string HttpMethod,
    string Path,
    string MethodName,
    string Summary,
    string? ResponseType,
    bool Multipart,
    string BodyArgument,
    EquatableArray<ClientParamModel> Parameters)
{
    /// <summary>The request body's media type as the spec names it (null without a body).</summary>
    public string? BodyMediaType { get; init; }

    /// <summary>How the request body is encoded on the wire.</summary>
    public BodyEncoding BodyEncoding { get; init; }

    /// <summary>The status the tool reports as success (<c>200</c>, <c>204</c>, or <c>302</c> for a redirect).</summary>
    public string SuccessStatus { get; init; } = "200";

    /// <summary>The success response's media type; null when it has no content.</summary>
    public string? ResponseMediaType { get; init; }

    /// <summary>How the success response's body reads (<see cref="BodyEncoding.None"/> without content).</summary>
    public BodyEncoding ResponseEncoding { get; init; }

    /// <summary>True when success is a redirect: report the status and <c>Location</c>, never follow it off the API host.</summary>
    public bool Redirect { get; init; }

    public bool Deprecated { get; init; }
}

internal sealed record DtoModel(string Name, string? Description, EquatableArray<DtoPropertyModel> Properties, string ExtensionDataName);

internal sealed record DtoPropertyModel(string JsonName, string CsName, string CsType, string? Description)
{
    /// <summary>
    /// Whether the property's schema allows <c>null</c> (a <c>"null"</c> type, OpenAPI 3.0's <c>nullable</c>, an
    /// <c>anyOf</c>/<c>oneOf</c> member). Such a property remembers being set: set to null it is written as <c>null</c>
    /// (which clears the field in a PATCH), never set it is left out; a <c>null</c> read counts as set.
    /// </summary>
    public bool AllowsNull { get; init; }

    /// <summary>The private field behind a property that <see cref="AllowsNull"/> (<c>_logoUrl</c>).</summary>
    /// <remarks>
    /// A property's C# name is letters and digits from an upper-case letter (<c>Names.Pascal</c>), so these names, with
    /// their underscores, are never another member's and never each other's.
    /// </remarks>
    public string BackingField => "_" + char.ToLowerInvariant(CsName[0]) + CsName.Substring(1);

    /// <summary>The DTO's internal flag that the property was set (<c>_logoUrl_set</c>), which its converter reads.</summary>
    public string SetFlag => BackingField + "_set";
}

internal sealed record JsonTypeModel(string CsType, string InfoName);
