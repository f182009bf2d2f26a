using System.Reflection;
using System.Runtime.Loader;

namespace Auth0Mcp.Generators.Tests.Infrastructure;

/// <summary>
/// Fixtures/Constructs.json compiled with both front ends, as a consumer's build compiles it, and loaded once per test
/// run. Its references (Auth0Mcp.Sdk, Refit, the MCP SDK) resolve to the ones this test process has loaded, so its
/// descriptors and registration run on the real runtime.
/// </summary>
internal static class CompiledConstructs
{
    private static readonly Lazy<Assembly> Loaded = new(Compile);

    public static Assembly Assembly => Loaded.Value;

    /// <summary>A public type of the compiled fixture, by its name in the fixture's namespace or a full name.</summary>
    public static Type Type(string name) =>
        Assembly.GetType(name.Contains('.', StringComparison.Ordinal) ? name : SmallSpecs.Namespace(SmallSpecs.Constructs) + "." + name, throwOnError: true)!;

    private static Assembly Compile()
    {
        var text = SmallSpecs.Text(SmallSpecs.Constructs);
        var ns = SmallSpecs.Namespace(SmallSpecs.Constructs);
        var result = GeneratedCompilation.Compile("ConstructsHost", CoreRun.From(text, ns).ClientFiles(), text, ns);
        Assert.True(result.Image is not null, "The generated code did not compile:\n" + GeneratedCompilation.Result.Format(result.Problems));
        return new AssemblyLoadContext("generated-consumer", isCollectible: true).LoadFromStream(new MemoryStream(result.Image));
    }
}
