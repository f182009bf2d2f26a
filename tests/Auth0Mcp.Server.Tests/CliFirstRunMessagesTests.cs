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

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
