namespace Auth0Mcp.Generators.Tests.Infrastructure;

/// <summary>The small specs under Fixtures/ that the snapshot and compile tests run on.</summary>
internal static class SmallSpecs
{
    public const string Schemas = nameof(Schemas);
    public const string Operations = nameof(Operations);
    public const string Legacy30 = nameof(Legacy30);
    public const string Constructs = nameof(Constructs);
    public const string Classification = nameof(Classification);

    public static string Namespace(string name) => "Fixtures." + name;

    public static string Text(string name) => TestPaths.ReadFixture(name + ".json");

    /// <summary>A generated file's name as a snapshot part: <c>Clients/IUsersApi.g.cs</c> → <c>Clients.IUsersApi</c>.</summary>
    public static string Part(string fileName) =>
        (fileName.EndsWith(".g.cs", StringComparison.Ordinal) ? fileName[..^".g.cs".Length] : fileName).Replace('/', '.').Replace('\\', '.');
}
