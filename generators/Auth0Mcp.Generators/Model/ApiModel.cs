namespace Auth0Mcp.Generators.Model;

// What the Binder decides once: names, C# types, rendered input schemas. Emitters only print it.

internal sealed record BindOptions(string Namespace, EquatableArray<string> Groups);

internal sealed record ApiModel(
    string Namespace,
    EquatableArray<ToolModel> Tools,
    EquatableArray<ClientGroupModel> Clients,
    EquatableArray<DtoModel> Dtos,
    EquatableArray<JsonTypeModel> JsonTypes);

internal sealed record ToolModel(
    string Name,
    string ClassName,
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
    string InterfaceName,
    ClientMethodModel Call);

/// <summary>The tools of one operation group: the unit that the Roslyn front end emits one file for.</summary>
internal sealed record ToolGroupModel(string Namespace, string GroupKey, string FileName, EquatableArray<ToolModel> Tools);

internal sealed record ClientGroupModel(string InterfaceName, string GroupKey, EquatableArray<ClientMethodModel> Methods);

internal enum ParamKind
{
    Path,
    Query,
    QueryMulti,
    Header,
    Body,
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
    string? TypeInfoName);

internal sealed record ClientMethodModel(
    string HttpMethod,
    string Path,
    string MethodName,
    string Summary,
    string? ResponseType,
    bool Multipart,
    string BodyArgument,
    EquatableArray<ClientParamModel> Parameters);

internal sealed record DtoModel(string Name, string? Description, EquatableArray<DtoPropertyModel> Properties, string ExtensionDataName);

internal sealed record DtoPropertyModel(string JsonName, string CsName, string CsType, string? Description);

internal sealed record JsonTypeModel(string CsType, string InfoName);
