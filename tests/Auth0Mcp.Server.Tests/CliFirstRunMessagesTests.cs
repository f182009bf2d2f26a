using System.Text;
using System.Text.Json;
using Auth0Mcp.Server.Tests.Http;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// What a newcomer following the docs is told: a mistyped option on any command (not only where names are taken), a
/// secret option whose standard input is empty, <c>doctor</c> before any store exists, and <c>serve</c> over stdio with
/// no caller identity or no approved tool (docs/cli.md).
/// </summary>
public sealed class CliFirstRunMessagesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("auth0-mcp-firstrun-").FullName;

    [Theory]
    [InlineData("unknown option '--jsn'; did you mean '--json'?", "audit", "tail", "--jsn")]
    [InlineData("unknown option '--tools-mod'; did you mean '--tools-mode'?", "serve", "--tools-mod", "progressive")]
    [InlineData("unknown option '--tools-mod'; did you mean '--tools-mode'?", "serve", "--tools-mod=progressive")]
    [InlineData("unknown option '--jsn'; did you mean '--json'?", "catalog", "list", "--jsn")]
    [InlineData("unknown option '--jsn'; did you mean '--json'?", "doctor", "--jsn")]
    [InlineData("unknown option '--jsn'; did you mean '--json'?", "approvals", "list", "--jsn")]
    [InlineData("unknown option '--jsn'; did you mean '--json'?", "profiles", "list", "--jsn")]
    [InlineData("unknown option '--jsn'", "kill-switch", "status", "--jsn")]
    [InlineData("unknown option '--jsn'", "audit", "verify", "--jsn")]
    [InlineData("unknown option '--confg'; did you mean '--config'?", "--confg", "x.json")]
    public async Task UnknownOption_OnEveryCommand_OneDidYouMeanLine_NotTheFollowingValue(string expected, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await Cli.RunAsync(args, new CliContext { Out = stdout, Error = stderr, OpenStore = () => throw new InvalidOperationException("no store") }, CancellationToken.None);

        Assert.Equal(Cli.Usage, code);
        Assert.Empty(stdout.ToString());
        var path = string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')));
        Assert.Equal(
            [path.Length == 0 ? $"auth0-mcp: {expected}" : $"auth0-mcp: {path}: {expected}", $"Run 'auth0-mcp{(path.Length == 0 ? "" : " " + path)} --help' for usage."],
            stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task UnknownWord_NotAfterAnUnknownOption_IsStillSaid()
    {
        var stderr = new StringWriter();

        var code = await Cli.RunAsync(["audit", "tail", "extra"], new CliContext { Out = new StringWriter(), Error = stderr }, CancellationToken.None);

        Assert.Equal(Cli.Usage, code);
        Assert.Contains("'extra'", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\n", "--token-stdin", "--token-stdin")]
    [InlineData("", "--token-stdin", "--token-stdin")]
    [InlineData("  \n", "--client-secret-stdin", "--client-id", "new-client", "--client-secret-stdin")]
    public async Task Rotate_OptionGivenButStandardInputEmpty_SaysSo_NothingWritten(string input, string option, params string[] args)
    {
        var file = Path.Combine(_folder, "credentials.json");
        var stderr = new StringWriter();
        var context = new CliContext
        {
            Out = new StringWriter(),
            Error = stderr,
            In = new StringReader(input),
            Environment = name => name == "AUTH0_MCP_CREDENTIALS_FILE" ? file : null,
            OpenStore = () => throw new InvalidOperationException("no store"),
        };

        var code = await Cli.RunAsync(["credentials", "rotate", .. args], context, CancellationToken.None);

        Assert.Equal(Cli.Usage, code);
        Assert.Equal($"auth0-mcp: credentials rotate: {option}: standard input was empty (nothing was written)", stderr.ToString().TrimEnd());
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task Doctor_BeforeAnyStoreExists_SaysTheFirstCommandCreatesIt_AndCreatesNothing()
    {
        await using var auth0 = new RecordingHttpServer();
        var store = Path.Combine(_folder, "state", "governance.db");
        var env = new Dictionary<string, string?>
        {
            ["AUTH0_TOKEN"] = "opaque-token-one",
            ["AUTH0_MCP_BASE_URL"] = auth0.BaseUrl.ToString().TrimEnd('/'),
            ["AUTH0_MCP_CREDENTIALS_FILE"] = Path.Combine(_folder, "credentials.json"),
            ["AUTH0_MCP_STORE"] = store,
            ["AUTH0_MCP_AUDIT_KEY_FILE"] = Path.Combine(_folder, "audit.key"),
        };
        var stdout = new StringWriter();

        var code = await Cli.RunAsync(["doctor"], new CliContext { Out = stdout, Error = new StringWriter(), Environment = name => env.GetValueOrDefault(name) }, CancellationToken.None);

        Assert.Equal(Cli.Ok, code);
        var line = Assert.Single(stdout.ToString().Split('\n'), l => l.Contains("tools:", StringComparison.Ordinal));
        Assert.Equal(
            $"[warn] tools: no governance store yet at {store}: the first governance command (auth0-mcp tools approve …) or serve creates it; "
            + "if the server uses another one, set Governance:Store (AUTH0_MCP_STORE) as the server has it",
            line.TrimEnd());
        Assert.False(Directory.Exists(Path.GetDirectoryName(store)));
    }

    [Fact]
    public async Task ServeStdio_NoUserAndNothingApproved_SaysBothOnStderr_StdoutIsOnlyTheProtocol()
    {
        using var home = new TestHome();

        var (stdout, stderr) = await ServeAsync(home.Environment(user: null));

        var lines = stderr.Split('\n');
        Assert.Single(lines, l => l == "auth0-mcp: warning: AUTH0_MCP_USER is not set: over stdio every call is refused as having no caller identity "
            + "(set it, and AUTH0_MCP_GROUPS, to who the client acts for: the user the profiles name)");
        Assert.Single(lines, l => l.StartsWith("auth0-mcp: warning: no tool is approved yet in ", StringComparison.Ordinal)
            && l.EndsWith(": clients list none until one is; run auth0-mcp tools approve NAME|GLOB (e.g. 'auth0_users_list'; auth0-mcp tools list shows them)", StringComparison.Ordinal));
        Assert.All(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Equal("2.0", JsonDocument.Parse(l).RootElement.GetProperty("jsonrpc").GetString()));
    }

    [Fact]
    public async Task ServeStdio_UserSetAndAToolApproved_SaysNeither()
    {
        using var home = new TestHome();
        await home.GrantEverythingAsync("piper");

        var (_, stderr) = await ServeAsync(home.Environment(user: "piper"));

        Assert.DoesNotContain("AUTH0_MCP_USER is not set", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("no tool is approved", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<(string Stdout, string Stderr)> ServeAsync(Dictionary<string, string?> environment)
    {
        using var server = Repo.StartServer(environment, "serve");
        var stderr = server.StandardError.ReadToEndAsync();
        var output = server.StandardOutput.ReadToEndAsync();
        await server.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}""" + "\n"));
        server.StandardInput.Close();
        var stdout = await output.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(server.WaitForExit(30_000), "the server did not exit after its answer");
        return (stdout, await stderr);
    }
}
