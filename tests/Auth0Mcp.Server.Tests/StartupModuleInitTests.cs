using System.Text.RegularExpressions;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// Native AOT runs every module initializer before <c>Main</c>; the server's publish defers JsonSchema.Net's (its 20
/// meta-schemas) to the argument validator's first use, as under the JIT (src/Auth0Mcp.Sdk/buildTransitive/Auth0Mcp.Sdk.Substitutions.xml,
/// <c>Auth0ArgumentValidator.CreateDialect</c>). Seen with gdb on the published executable: the library builds its
/// meta-schemas exactly once, from the validator of the first <c>tools/call</c>, not at start; and that call's
/// arguments are still checked (a <c>per_page</c> over the schema's maximum is refused with the field named). The
/// other end-to-end tests run against the same executable. Category NativeAot (gdb: build/test.sh installs it).
/// </summary>
[Trait("Category", "NativeAot")]
public sealed partial class StartupModuleInitTests
{
    [Fact]
    public async Task JsonSchemaNet_IsInitializedByTheFirstValidation_NotAtStart()
    {
        Assert.True(Repo.NativeServer is not null, "a Native AOT test: set AUTH0_MCP_TEST_SERVER to the executable (build/test.sh does)");
        using var home = new TestHome();
        await home.GrantEverythingAsync("nina");
        await using var auth0 = new RecordingHttpServer(body: "[]");

        var work = Directory.CreateTempSubdirectory("module-init-").FullName;
        try
        {
            var input = Path.Combine(work, "in.jsonl");
            var output = Path.Combine(work, "out.jsonl");
            await File.WriteAllLinesAsync(input,
            [
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
                """{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}""",
                """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"auth0_users_list","arguments":{"per_page":500}}}""",
            ]);
            var (stdout, stderr) = await Gdb.RunAsync($"""
                set pagination off
                set confirm off
                handle SIGUSR1 SIGUSR2 SIG34 SIG35 SIGPIPE nostop noprint pass
                break JsonSchema_Net_Json_Schema___ModuleInitialization__LoadMetaSchemas
                commands
                silent
                echo ==meta-schemas==\n
                bt 40
                echo ==end==\n
                continue
                end
                run serve < {input} > {output}
                quit
                """, Repo.NativeServer!, home.Environment(auth0.BaseUrl, "nina"), TimeSpan.FromMinutes(3));

            var answers = await File.ReadAllTextAsync(output);
            Assert.Contains("\"id\":2", answers, StringComparison.Ordinal);
            Assert.Contains("per_page: 500 should be at most 100", answers, StringComparison.Ordinal);
            Assert.Empty(auth0.Requests);

            var hits = Hits().Matches(stdout).Select(m => m.Groups[1].Value).ToList();
            Assert.True(hits.Count == 1, $"JsonSchema.Net built its meta-schemas {hits.Count} times (once expected):\n{stdout}\n{stderr}");
            Assert.Contains("Auth0ArgumentValidator", hits[0], StringComparison.Ordinal);
            Assert.DoesNotContain("RunModuleInitializers", hits[0], StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [GeneratedRegex("==meta-schemas==\n(.*?)==end==", RegexOptions.Singleline)]
    private static partial Regex Hits();
}
