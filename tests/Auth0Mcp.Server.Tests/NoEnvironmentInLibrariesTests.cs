using System.Reflection;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// "No library reads process environment variables; the server does": the IL of every library assembly (hand-written
/// and generated code, lambdas and state machines included) calls no <see cref="Environment"/> variable reader.
/// </summary>
public sealed class NoEnvironmentInLibrariesTests
{
    private static readonly HashSet<string> Readers = ["GetEnvironmentVariable", "GetEnvironmentVariables", "ExpandEnvironmentVariables"];

    public static TheoryData<string> Libraries => new()
    {
        typeof(Sdk.Governance.ToolGovernance).Assembly.GetName().Name!,
        typeof(Sdk.Governance.SqliteGovernanceStore).Assembly.GetName().Name!,
        typeof(Sdk.Governance.PostgresGovernanceStore).Assembly.GetName().Name!,
        typeof(ManagementApi.Auth0ToolCatalog).Assembly.GetName().Name!,
        "Auth0Mcp.Admin", // the admin console's Razor Pages library (beside the server in every non-AOT build)
    };

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Library_ReadsNoEnvironmentVariable(string assembly)
    {
        var reads = EnvironmentReads(Assembly.Load(assembly));

        Assert.True(reads.Count == 0, $"{assembly} reads the environment in: {string.Join(", ", reads)} (take an option; the server reads the environment)");
    }

    [Fact]
    public void Server_ReadsTheEnvironment_TheScanSeesIt()
    {
        // The control: the same scan finds the server's reads (its configuration's environment source).
        Assert.Contains(EnvironmentReads(typeof(Cli).Assembly), m => m.StartsWith("Auth0Mcp.Server.HostConfiguration.", StringComparison.Ordinal));
    }

    /// <summary>The methods whose IL calls (or takes the address of) an environment variable reader.</summary>
    private static List<string> EnvironmentReads(Assembly assembly)
    {
        var found = new List<string>();
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                var il = method.GetMethodBody()?.GetILAsByteArray();
                if (il is not null && Calls(method, il).Any(m => m.DeclaringType == typeof(Environment) && Readers.Contains(m.Name)))
                {
                    found.Add($"{type.FullName}.{method.Name}");
                }
            }
        }

        return found;
    }

    /// <summary>The methods that call, callvirt and ldftn instructions in <paramref name="il"/> name (a byte-wise scan; tokens that do not resolve are skipped).</summary>
    private static IEnumerable<MethodBase> Calls(MethodBase method, byte[] il)
    {
        var typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i + 4 < il.Length; i++)
        {
            var at = il[i] is 0x28 or 0x6F ? i + 1 : il[i] == 0xFE && il[i + 1] is 0x06 or 0x07 && i + 5 < il.Length ? i + 2 : -1;
            if (at < 0 || il[at + 3] != 0x0A && il[at + 3] != 0x2B)
            {
                continue; // not a MethodRef (0x0A) or MethodSpec (0x2B) token... or not a call
            }

            MethodBase? target = null;
            try
            {
                target = method.Module.ResolveMethod(BitConverter.ToInt32(il, at), typeArgs, methodArgs);
            }
            catch (Exception ex) when (ex is ArgumentException or BadImageFormatException or TypeLoadException or MissingMethodException)
            {
            }

            if (target is not null)
            {
                yield return target;
            }
        }
    }
}
