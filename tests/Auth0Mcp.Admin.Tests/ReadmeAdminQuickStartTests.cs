using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Auth0Mcp.Server.Tests.Http;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// README.md's admin quick start, the console block, as written: its variables and its <c>serve</c> line start the
/// real HTTP host (Prism as Auth0, a temp store, a free port instead of 8080), then the steps its text gives are done
/// in a browser (sign in with the key, approve <c>auth0_users_list</c>, a profile with <c>all-approved</c> for the
/// key's user), and an MCP client with the key's <c>X-API-Key</c> header lists and calls the tool, audited under
/// the key's user.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class ReadmeAdminQuickStartTests(PrismFixture prism, ChromiumFixture chromium)
{
    [Fact]
    public async Task ReadmeAdminQuickStart_ConsoleBlockAsWritten_FirstApprovedCallIsAuditedUnderTheKeysUser()
    {
        var (block, prose) = AdminBlock();
        var lines = block.Split('\n').Select(l => Comment().Replace(l, "").Trim()).Where(l => l.Length > 0).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Matches(@"^export AUTH0_DOMAIN=\S+ AUTH0_TOKEN=\S+$", lines[0]);

        // The key line: a fresh random key for a user in a group, as `openssl rand -hex 20` makes it.
        var keyLine = KeyLine().Match(lines[1]);
        Assert.True(keyLine.Success, lines[1]);
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var user = keyLine.Groups["user"].Value;
        var group = keyLine.Groups["group"].Value;

        // The serve line: its variables and its URL (the port becomes a free one).
        var serve = ServeLine().Match(lines[2]);
        Assert.True(serve.Success, lines[2]);
        using var governance = new TempGovernance();
        var environment = new Dictionary<string, string?>
        {
            ["AUTH0_MCP_BASE_URL"] = prism.BaseUrl.ToString().TrimEnd('/'),
            ["AUTH0_TOKEN"] = "test-token-readme-admin",
            ["AUTH0_MCP_STORE"] = governance.Store,
            [keyLine.Groups["name"].Value] = $"{key}={user}:{group}",
        };
        foreach (Capture assignment in serve.Groups["env"].Captures)
        {
            var (name, value) = (assignment.Value.Trim().Split('=', 2)[0], assignment.Value.Trim().Split('=', 2)[1]);
            environment[name] = value;
        }

        var url = new UriBuilder(serve.Groups["url"].Value) { Port = 0 }.Uri.ToString();
        await using var server = await InProcessServer.StartAsync(Settings.Load(environment, "--http", url));
        var admin = $"{server.Url.GetLeftPart(UriPartial.Authority)}/admin";
        Assert.Contains(new Uri(serve.Groups["url"].Value).GetLeftPart(UriPartial.Authority) + "/admin", prose, StringComparison.Ordinal);

        // The steps of the text, in a browser.
        foreach (var words in new[] { "sign in with the key", "Approve selected", "all-approved", $"the user `{user}`", "X-API-Key", $"under `{user}`" })
        {
            Assert.Contains(words, prose, StringComparison.Ordinal);
        }

        await using var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await ConsolePages.SignInAsync(page, admin, key);
        await page.GotoAsync(admin + "/tools?q=auth0_users_list");
        await page.Locator("input[name=names][value=auth0_users_list]").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve selected" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("approve: 1 tool(s) changed");

        await page.GotoAsync(admin + "/profiles");
        var create = page.Locator("form[aria-labelledby=create]");
        await create.GetByLabel("Name").FillAsync("mine");
        await create.Locator("input[name=toolsets][value=all-approved]").CheckAsync();
        await create.GetByLabel("Users (comma-separated)").FillAsync(user);
        await create.GetByRole(AriaRole.Button, new() { Name = "Create profile" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("created profile mine");

        // The MCP client with the key: exactly the approved tool, and a call that reaches Auth0 (Prism).
        await using (var client = await McpUser.ConnectAsync(server.Url, key))
        {
            Assert.Equal(["auth0_users_list"], await client.ListAsync());
            var call = await client.SendAsync("call auth0_users_list {\"per_page\":2}");
            Assert.False(call.GetProperty("isError").GetBoolean(), call.ToString());
        }

        // Audit shows the call under the key's user.
        await page.GotoAsync(admin + $"/audit?user={user}&kind=call");
        await Assertions.Expect(page.Locator("tbody tr").Filter(new() { HasText = "auth0_users_list" }).Filter(new() { HasText = "success" })).ToHaveCountAsync(1);
    }

    /// <summary>The bash block after "**An admin**" and the text after it, up to the next quick start.</summary>
    private static (string Block, string Prose) AdminBlock()
    {
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md")).ReplaceLineEndings("\n");
        var section = Markdown.Between(readme, "## Quick starts", "**An admin**", "**A CI maintainer**");
        var block = Markdown.Blocks(section).FirstOrDefault(b => b.Language == "bash").Text;
        Assert.True(block is not null, "the admin quick start has no bash block");
        return (block, section[(section.IndexOf(block, StringComparison.Ordinal) + block.Length + "```".Length)..]);
    }

    /// <summary>A shell comment: from a <c>#</c> at the start or after a space to the end of the line.</summary>
    [GeneratedRegex(@"(^|\s)#.*$")]
    private static partial Regex Comment();

    [GeneratedRegex(@"^export (?<name>AUTH0_MCP_API_KEYS)=""\$\(openssl rand -hex 20\)=(?<user>[a-z]+):(?<group>[a-z-]+)""$")]
    private static partial Regex KeyLine();

    [GeneratedRegex(@"^(?:(?<env>[A-Z0-9_]+=\S+) )+auth0-mcp serve --http (?<url>\S+)$")]
    private static partial Regex ServeLine();
}
