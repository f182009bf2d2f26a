namespace Auth0Mcp.Sdk.Catalog;

/// <summary>Where a tool argument goes in the HTTP request.</summary>
public enum Auth0ArgumentLocation
{
    /// <summary>
    /// A path value in the <c>simple</c> style without <c>explode</c> (the default), percent-encoded: an array's items
    /// comma-separated (<c>1,2,3</c>), an object's keys and values likewise (<c>x,1,y,2</c>), each escaped on its own.
    /// </summary>
    Path,

    /// <summary>
    /// A query parameter in the <c>form</c> style without <c>explode</c>: an array's items comma-separated
    /// (<c>ids=1,2</c>), an object's keys and values likewise (<c>point=x,1,y,2</c>).
    /// </summary>
    Query,

    /// <summary>
    /// A query parameter in the <c>form</c> style with <c>explode</c> (the default): repeated once per array item
    /// (<c>ids=1&amp;ids=2</c>); an object's properties each their own pair (<c>x=1&amp;y=2</c>).
    /// </summary>
    QueryMulti,

    /// <summary>
    /// A request header in the <c>simple</c> style without <c>explode</c> (the default): an array's items
    /// comma-separated (<c>1,2,3</c>), an object's keys and values likewise (<c>x,1,y,2</c>).
    /// </summary>
    Header,

    /// <summary>A query parameter in the <c>deepObject</c> style: an object's properties as <c>point[x]=1&amp;point[y]=2</c>.</summary>
    QueryDeepObject,

    /// <summary>A path value in the <c>simple</c> style with <c>explode</c>: an object's properties as <c>x=1,y=2</c> (an array as <see cref="Path"/>).</summary>
    PathExploded,

    /// <summary>A path value in the <c>label</c> style: <c>.5</c>, an array as <c>.1,2,3</c>, an object as <c>.x,1,y,2</c>.</summary>
    PathLabel,

    /// <summary>A path value in the <c>label</c> style with <c>explode</c>: an array as <c>.1.2.3</c>, an object as <c>.x=1.y=2</c>.</summary>
    PathLabelExploded,

    /// <summary>A path value in the <c>matrix</c> style: <c>;p=5</c>, an array as <c>;p=1,2,3</c>, an object as <c>;p=x,1,y,2</c>.</summary>
    PathMatrix,

    /// <summary>A path value in the <c>matrix</c> style with <c>explode</c>: an array as <c>;p=1;p=2;p=3</c>, an object as <c>;x=1;y=2</c>.</summary>
    PathMatrixExploded,

    /// <summary>A request header in the <c>simple</c> style with <c>explode</c>: an object's properties as <c>x=1,y=2</c> (an array as <see cref="Header"/>).</summary>
    HeaderExploded,
}

/// <summary>One non-body argument of a tool: its name in the input schema, where it goes and its name there.</summary>
/// <param name="Name">The argument's name in the tool's input schema (and, unless <see cref="WireName"/> says otherwise, the parameter's name on the wire).</param>
/// <param name="Location">Where it goes.</param>
public sealed record Auth0RequestArgument(string Name, Auth0ArgumentLocation Location)
{
    /// <summary>
    /// The parameter's name on the wire: the path placeholder, query name or header name. <see cref="Name"/> unless
    /// the spec has parameters of one name in two locations (<c>/tokens/{token}?token=…</c>): the path parameter's
    /// argument keeps the name and the other's is renamed (<c>token_query</c>), with this wire name.
    /// </summary>
    public string WireName { get; init; } = Name;
}

/// <summary>
/// How a tool's validated arguments become its HTTP request: the non-body arguments with their locations, and the
/// body argument with its media type. Generated from the spec beside the descriptor; read by the one request builder
/// (<c>Auth0RequestBuilder</c>), so no tool carries code of its own for the call.
/// </summary>
public sealed class Auth0RequestPlan
{
    /// <summary>A plan with no arguments and no body.</summary>
    public static Auth0RequestPlan Empty { get; } = new([]);

    /// <summary>Creates a plan. Called by generated code.</summary>
    /// <param name="arguments">The path, query and header arguments.</param>
    /// <param name="body">The name of the argument that holds the request body, if the operation has one.</param>
    /// <param name="mediaType">The body's media type (<c>application/json</c>, <c>multipart/form-data</c>, ...).</param>
    /// <param name="fileParts">For a multipart body: the parts that are files (their string value is the file's content).</param>
    public Auth0RequestPlan(IReadOnlyList<Auth0RequestArgument> arguments, string? body = null, string? mediaType = null, IReadOnlyList<string>? fileParts = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        Arguments = arguments;
        Body = body;
        MediaType = body is null ? null : mediaType ?? "application/json";
        FileParts = fileParts ?? [];
    }

    /// <summary>The path, query and header arguments.</summary>
    public IReadOnlyList<Auth0RequestArgument> Arguments { get; }

    /// <summary>The name of the argument that holds the body, or null when the operation takes none.</summary>
    public string? Body { get; }

    /// <summary>The body's media type, or null when the operation takes no body.</summary>
    public string? MediaType { get; }

    /// <summary>For a multipart body: the parts sent as files.</summary>
    public IReadOnlyList<string> FileParts { get; }
}
