using System.Reflection;
using System.Runtime.Loader;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Generators.Tests.Infrastructure;

/// <summary>
/// Fixtures/Constructs.json compiled with both front ends, as a consumer's build compiles it, and loaded once per test
/// run. Its references (Auth0Mcp.Sdk, Refit, the MCP SDK) resolve to the ones this test process has loaded, so its
/// generated registration runs on the real runtime. One place for RegistrationTests and WireTests.
/// </summary>
internal static class CompiledConstructs
{
    private static readonly Lazy<Assembly> Image = new(Compile);

    private static readonly Lazy<MethodInfo> Registration = new(() =>
        Type("Microsoft.Extensions.DependencyInjection.ConstructsToolsMcpServerBuilderExtensions").GetMethod("WithConstructsTools", BindingFlags.Public | BindingFlags.Static)!);

    /// <summary>A public type of the compiled fixture (typed clients, DTOs, JSON context, tools), by its full name, or its name when it sits in the fixture's namespace itself.</summary>
    public static Type Type(string name) =>
        Image.Value.GetType(name.Contains('.', StringComparison.Ordinal) ? name : SmallSpecs.Namespace(SmallSpecs.Constructs) + "." + name, throwOnError: true)!;

    /// <summary>The generated <c>builder.WithConstructsTools(configure)</c>, called on <paramref name="builder"/>; returns what it returned.</summary>
    public static object? WithConstructsTools(IMcpServerBuilder builder, Action<Auth0ConnectionOptions>? configure) =>
        Registration.Value.Invoke(null, [builder, configure]);

    private static Assembly Compile()
    {
        var text = SmallSpecs.Text(SmallSpecs.Constructs);
        var ns = SmallSpecs.Namespace(SmallSpecs.Constructs);
        var result = GeneratedCompilation.Compile("ConstructsHost", CoreRun.From(text, ns).ClientFiles(), text, ns);
        Assert.True(result.Image is not null, "The generated code did not compile:\n" + GeneratedCompilation.Result.Format(result.Problems));
        return new AssemblyLoadContext("generated-consumer", isCollectible: true).LoadFromStream(new MemoryStream(result.Image));
    }
}
