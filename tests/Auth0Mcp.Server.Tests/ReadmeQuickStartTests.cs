using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Server.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// README.md's admin quick start, "Running the server", run line by line as written against the built server with
/// Prism as Auth0. <see cref="GovernanceStdioTests"/> proves the governance rules end to end with its own commands;
/// this test proves the README's commands themselves (their globs, options and order) still work and do what the
/// README says. The block's first lines (the tenant, the token, the <c>dotnet run</c> alias) are the reader's set-up:
/// here the tenant is Prism, the token a test token and <c>auth0-mcp</c> the server built beside these tests.
/// </summary>
[Collection(PrismCollection.Name)]
public sealed partial class ReadmeQuickStartTests(PrismFixture prism)
{
    private const string Token = "test-token-7f3a9c1e";
    private const string NewToken = "rotated-token-5d0c2b";

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Fact]
    public async Task ReadmeRunningTheServer_CommandsAsWritten_AliceCallsAnOpsToolAndTheAuditShowsIt()
    {
        var lines = RunningTheServerBlock().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Contains(lines, l => l.StartsWith("export AUTH0_DOMAIN=", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("export AUTH0_TOKEN=", StringComparison.Ordinal));
        Assert.Contains("alias auth0-mcp='dotnet run --project src/Auth0Mcp.Server --'", lines);

        using var home = new TestHome();
        var environment = home.Environment(prism.BaseUrl, token: Token);
        environment["NEW_TOKEN"] = NewToken;
        var outputs = new List<(string Line, string Output)>();
        var served = false;
        foreach (var line in lines.Where(l => !l.StartsWith("export AUTH0_", StringComparison.Ordinal) && !l.StartsWith("alias auth0-mcp=", StringComparison.Ordinal)))
        {
            var serve = ServeLine().Match(line);
            if (serve.Success)
            {
                // "AUTH0_MCP_USER=alice auth0-mcp serve": an MCP client starts it with the line's variables.
                var serverEnvironment = new Dictionary<string, string?>(environment);
                foreach (Capture assignment in serve.Groups[1].Captures)
                {
                    var parts = assignment.Value.Split('=', 2);
                    serverEnvironment[parts[0]] = parts[1];
                }

                Assert.Equal("alice", serverEnvironment["AUTH0_MCP_USER"]);
                await using var alice = await ServerProcess.ConnectAsync(serverEnvironment);
                var tools = (await alice.ListToolsAsync()).Select(t => t.Name).ToList();
                var call = await alice.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 2 });

                // "alice sees and may call exactly the ops tools": auth0_users_list and every auth0_roles_* tool.
                Assert.Contains("auth0_users_list", tools);
                Assert.Contains("auth0_roles_list", tools);
                Assert.All(tools, t => Assert.True(t == "auth0_users_list" || t.StartsWith("auth0_roles_", StringComparison.Ordinal), t));
                Assert.True(call.IsError is not true, Text(call));
                Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(Text(call)).RootElement.ValueKind);
                served = true;
                continue;
            }

            Assert.Contains("auth0-mcp ", line, StringComparison.Ordinal);
            var (code, stdout, stderr) = await ChildProcess.RunAsync(
                "bash", ["-c", $"set -euo pipefail\nauth0-mcp() {{ {Repo.ServerCommandLine} \"$@\"; }}\n{line}"], env: environment, timeout: TimeSpan.FromMinutes(2));
            Assert.True(code == 0, $"{line}\nexit {code}\n{stderr}{stdout}");
            outputs.Add((line, stdout + stderr));
        }

        Assert.True(served, "the README serves as alice");
        string Output(string command) => outputs.Single(o => o.Line.Contains(command, StringComparison.Ordinal)).Output;

        using (var catalog = JsonDocument.Parse(Output("auth0-mcp catalog list --json")))
        {
            Assert.Contains(catalog.RootElement.EnumerateArray(), t => t.GetProperty("name").GetString() == "auth0_users_list");
        }

        Assert.Contains("Auth0 connection: healthy", Output("auth0-mcp doctor"), StringComparison.Ordinal);
        Assert.Matches(@"^approved \d+ tool\(s\): auth0_users_list, auth0_roles_", Output("auth0-mcp tools approve"));
        Assert.Contains("read:users", Output("auth0-mcp toolsets grants ops"), StringComparison.Ordinal);
        Assert.Contains("read:roles", Output("auth0-mcp toolsets grants ops"), StringComparison.Ordinal);
        Assert.Contains(Output("auth0-mcp audit tail").Split('\n'), l => l.Contains("alice", StringComparison.Ordinal) && l.Contains("auth0_users_list", StringComparison.Ordinal));
        Assert.StartsWith("audit chain intact", Output("auth0-mcp audit verify"), StringComparison.Ordinal);
        Assert.Contains("Rotated", Output("credentials rotate --token-stdin"), StringComparison.Ordinal);
        Assert.Equal(NewToken, JsonDocument.Parse(File.ReadAllText(home.CredentialsFile)).RootElement.GetProperty("Auth0").GetProperty("Token").GetString());
        Assert.All(outputs, o => Assert.DoesNotContain(Token, o.Output, StringComparison.Ordinal));
        Assert.All(outputs, o => Assert.DoesNotContain(NewToken, o.Output, StringComparison.Ordinal));
    }

    /// <summary>The first shell block under README.md's "## Running the server".</summary>
    private static string RunningTheServerBlock()
    {
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md")).ReplaceLineEndings("\n");
        var blocks = Markdown.Blocks(Markdown.Between(readme, "\n## Running the server\n", "```bash\n", "\n## "));
        Assert.True(blocks.Count > 0, "no ```bash block under '## Running the server'");
        return blocks[0].Text;
    }

    [GeneratedRegex(@"^(?:(\w+=\S+) )*auth0-mcp serve(?:\s|$)")]
    private static partial Regex ServeLine();
}
