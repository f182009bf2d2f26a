using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using Auth0Mcp.ManagementApi;
using Auth0Mcp.Sdk.Governance;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// Typed argument rules as a C# host writes them: the host's source is compiled here (Roslyn, against the real
/// generated Auth0Mcp.ManagementApi), loaded, and its rule judges calls through a real MCP client and server pair.
/// </summary>
public sealed class TypedArgumentPolicyTests
{
    private const string Host = """
        using Auth0Mcp.ManagementApi;
        using Auth0Mcp.Sdk.Governance;

        namespace Host;

        public static class Rules
        {
            public static void Configure(ToolGovernanceOptions options) =>
                options.AddArgumentPolicies(policies => policies
                    .For(ManagementTools.UsersUpdate, a => a.Body?.Email is null, "no-email-change")
                    .For(ManagementTools.UsersList, a => a.PerPage is null or <= 50, "users-page-50"));
        }
        """;

    private static readonly Lazy<Action<ToolGovernanceOptions>> CompiledHost = new(() =>
    {
        var (assembly, errors) = Compile(Host);
        Assert.True(assembly is not null, string.Join("\n", errors));
        var method = assembly.GetType("Host.Rules")!.GetMethod("Configure", BindingFlags.Public | BindingFlags.Static)!;
        return method.CreateDelegate<Action<ToolGovernanceOptions>>();
    });

    private static Auth0Mcp.Sdk.Catalog.Auth0ToolDescriptor Generated(string name) => Auth0ToolCatalog.Descriptors.Single(d => d.Name == name);

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Fact]
    public async Task TypedRule_HostCompiledWithRule_AllowsOneCallAndRefusesTheOther()
    {
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Generated("auth0_users_update")), new FakeTool(Generated("auth0_users_list"))],
            CompiledHost.Value);
        await h.AllowAsync(["alice"], "auth0_users_update", "auth0_users_list");
        var alice = await h.ConnectAsync(GovernanceHarness.User("alice"));

        var blocked = await alice.CallToolAsync("auth0_users_update", new Dictionary<string, object?> { ["id"] = "auth0|1", ["body"] = new Dictionary<string, object?> { ["blocked"] = true } });
        var email = await alice.CallToolAsync("auth0_users_update", new Dictionary<string, object?> { ["id"] = "auth0|1", ["body"] = new Dictionary<string, object?> { ["email"] = "new@example.com" } });
        var page = await alice.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 50 });
        var bigPage = await alice.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 51 });

        Assert.True(blocked.IsError is not true, Text(blocked));
        Assert.True(page.IsError is not true, Text(page));
        Assert.Contains("policy-denied: no-email-change (a => a.Body?.Email is null is false)", Text(email), StringComparison.Ordinal);
        Assert.Contains("[policy-denied]", Text(email), StringComparison.Ordinal);
        Assert.Contains("policy-denied: users-page-50", Text(bigPage), StringComparison.Ordinal);
        Assert.Equal(1, h.Tools["auth0_users_update"].Calls);
        Assert.Equal(1, h.Tools["auth0_users_list"].Calls);

        var denied = (await h.CallRecordsAsync()).Where(r => r.Outcome == AuditOutcomes.Denied).ToList();
        Assert.Equal(2, denied.Count);
        Assert.All(denied, r => Assert.Equal(DenialCodes.PolicyDenied, r.DenialCode));
        Assert.Contains(denied, r => r.Reason!.Contains("policy-denied: no-email-change", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TypedRule_InTheRuntime_IsNamedAndShowsItsCondition()
    {
        // What 'auth0-mcp tools show' prints for a typed rule: its name, and its condition as the rule (operator "code").
        await using var h = await GovernanceHarness.StartAsync([new FakeTool(Generated("auth0_users_update"))], CompiledHost.Value);

        var rule = Assert.Single(h.Runtime.Hooks.OfType<ArgumentPolicyHook>().Single().Rules, r => r.AppliesTo(Generated("auth0_users_update")));

        Assert.IsNotType<ArgumentPolicy>(rule);
        Assert.Equal("no-email-change", rule.Name);
        Assert.Equal("a => a.Body?.Email is null", rule.ToString());
    }

    [Fact]
    public void TypedRule_WrongProperty_IsACompileError()
    {
        var (assembly, errors) = Compile(Host.Replace("a.Body?.Email", "a.Body?.Emial", StringComparison.Ordinal));

        Assert.Null(assembly);
        Assert.Contains(errors, e => e.Contains("CS1061", StringComparison.Ordinal) && e.Contains("Emial", StringComparison.Ordinal));
    }

    [Fact]
    public void TypedRule_ArgumentsOfTheWrongType_FailsClosed()
    {
        var rule = Assert.Single(new ArgumentPolicyBuilder().For(Auth0Mcp.ManagementApi.ManagementTools.UsersList, a => a.PerPage is null or <= 50, "page").Rules);
        var arguments = new Dictionary<string, JsonElement> { ["per_page"] = JsonSerializer.SerializeToElement("many") };

        Assert.Contains("do not read as UsersListArguments", rule.Check(arguments), StringComparison.Ordinal);
        Assert.Null(rule.Check(new Dictionary<string, JsonElement> { ["per_page"] = JsonSerializer.SerializeToElement(10) }));
    }

    [Fact]
    public async Task TypedRule_ToolNotGoverned_StopsTheStartNamingTheRule()
    {
        await using var h = await GovernanceHarness.StartAsync(
            [new FakeTool(Generated("auth0_users_list"))],
            o => o.AddArgumentPolicies(p => p.For(Auth0Mcp.ManagementApi.ManagementTools.UsersDelete, a => a.Id.StartsWith("auth0|", StringComparison.Ordinal), "only-db-users")));

        // What a generic host runs when it starts (GovernanceStartup).
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            foreach (var service in h.Services.GetServices<IHostedService>())
            {
                await service.StartAsync(CancellationToken.None);
            }
        });

        Assert.Contains("argument policy 'only-db-users': auth0_users_delete is not in the governed catalogue", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Compiles <paramref name="source"/> as a host library against what this test process runs on.</summary>
    private static (Assembly? Assembly, IReadOnlyList<string> Errors) Compile(string source)
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var local = Directory.GetFiles(AppContext.BaseDirectory, "*.dll");
        var references = platform.Concat(local)
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => MetadataReference.CreateFromFile(g.First()))
            .ToList();
        var compilation = CSharpCompilation.Create(
            "Host" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.CSharp12))],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var pe = new MemoryStream();
        var emit = compilation.Emit(pe);
        var errors = emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        if (!emit.Success)
        {
            return (null, errors);
        }

        pe.Position = 0;
        return (AssemblyLoadContext.Default.LoadFromStream(pe), errors);
    }
}
