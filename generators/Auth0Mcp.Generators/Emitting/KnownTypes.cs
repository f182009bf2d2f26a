namespace Auth0Mcp.Generators.Emitting;

/// <summary>The runtime and library types that generated code names. The generator knows them by name only.</summary>
internal static class KnownTypes
{
    public const string ToolBase = "global::Auth0Mcp.Sdk.Tools.Auth0ApiTool";
    public const string Descriptor = "global::Auth0Mcp.Sdk.Catalog.Auth0ToolDescriptor";
    public const string ToolAction = "global::Auth0Mcp.Sdk.Catalog.Auth0ToolAction";
    public const string RefitSettingsFactory = "global::Auth0Mcp.Sdk.Tools.Auth0Refit";
    public const string CancellationToken = "global::System.Threading.CancellationToken";
    public const string Task = "global::System.Threading.Tasks.Task";
    public const string RequestPlan = "global::Auth0Mcp.Sdk.Catalog.Auth0RequestPlan";
    public const string RequestArgument = "global::Auth0Mcp.Sdk.Catalog.Auth0RequestArgument";
    public const string RequestLocation = "global::Auth0Mcp.Sdk.Catalog.Auth0ArgumentLocation";
    public const string JsonElement = "global::System.Text.Json.JsonElement";
    public const string ArgumentReader = "global::Auth0Mcp.Sdk.Governance.ToolArgumentReader";
    public const string TypedTool = "global::Auth0Mcp.Sdk.Governance.TypedTool";
    public const string McpServerBuilder = "global::Microsoft.Extensions.DependencyInjection.IMcpServerBuilder";
    public const string ConnectionOptions = "global::Auth0Mcp.Sdk.Http.Auth0ConnectionOptions";
    public const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"Auth0Mcp.Generators\", \"1.0.0\")]";

    /// <summary>The JSON context's class name, in the models namespace.</summary>
    public const string JsonContextName = Binding.Names.JsonContextClass;

    /// <summary>The Refit settings holder's class name, in the clients namespace.</summary>
    public const string RefitHolderName = "Auth0ApiRefit";

    /// <summary>The tool catalogue's class name, in the root namespace.</summary>
    public const string CatalogName = "Auth0ToolCatalog";

    /// <summary>The file of the registration extension (<c>With&lt;Name&gt;Tools</c>).</summary>
    public const string RegistrationFileName = "Auth0McpServerBuilderExtensions.g.cs";
}
