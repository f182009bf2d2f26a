using System.Text;
using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// A client that writes its requests and closes stdin at once (<c>printf … | auth0-mcp serve</c>, a script, a health
/// check) gets every answer: the real server answers what it read before it exits (Transport/StdioGuard.cs). And a
/// server whose home folder cannot be written still starts (CredentialSettings.cs).
/// </summary>
public sealed class StdinEndTests
{
    [Fact]
    public async Task Serve_RequestsThenStdinClosedAtOnce_AnswersEveryRequestAndExits()
    {
        using var home = new TestHome();
        await home.GrantEverythingAsync("piper");
        await using var auth0 = new RecordingHttpServer(body: """[{"user_id":"auth0|1"}]""");
        using var server = Repo.StartServer(home.Environment(auth0.BaseUrl, "piper"), "serve");
        var stderr = server.StandardError.ReadToEndAsync();
        var output = server.StandardOutput.ReadToEndAsync();
        var requests = string.Join("\n",
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}""",
            """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
            """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""",
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"auth0_users_list","arguments":{"q":"piped"}}}""") + "\n";
        await server.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(requests));
        server.StandardInput.Close();

        var lines = (await output.WaitAsync(TimeSpan.FromSeconds(90))).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(server.WaitForExit(30_000), "the server did not exit after its answers");
        var answers = lines.Select(l => JsonDocument.Parse(l).RootElement).Where(m => m.TryGetProperty("id", out _)).ToDictionary(m => m.GetProperty("id").GetInt32());
        Assert.True(answers.Keys.Order().SequenceEqual([1, 2, 3]), $"answers {string.Join(",", answers.Keys)}; stderr: {await stderr}");
        Assert.NotEqual(0, answers[2].GetProperty("result").GetProperty("tools").GetArrayLength());
        Assert.Contains("auth0|1", answers[3].GetProperty("result").GetRawText(), StringComparison.Ordinal);
        Assert.Single(auth0.Requests);
        Assert.Equal(0, server.ExitCode);
        Assert.DoesNotContain("standard input ended before any request", await stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_StdinEmpty_ExitsZeroSayingHowToConnect()
    {
        // `docker run` without -i, or a service manager with stdin on /dev/null: the server must not end silently.
        using var home = new TestHome();
        var (code, stdout, stderr) = await Processes.RunAsync(Repo.ServerFile, Repo.ServerArgs("serve"), home.Environment(user: "piper"), TimeSpan.FromMinutes(1));

        Assert.Equal(0, code);
        Assert.Empty(stdout);
        Assert.Contains("auth0-mcp: standard input ended before any request", stderr, StringComparison.Ordinal);
        Assert.Contains("docker run -i", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_HomeWhereNoFolderCanBeCreated_StartsAndWarnsThatRotationIsOff()
    {
        // A read-only or missing home (a hardened container): the default credentials file cannot be watched, and
        // that alone must not stop the server. HOME is a regular file here, so this holds for root too.
        using var home = new TestHome();
        var notAFolder = Path.Combine(home.Dir, "plain-file");
        await File.WriteAllTextAsync(notAFolder, "x");
        var environment = home.Environment(new Uri("http://127.0.0.1:9/"), "piper");
        environment["AUTH0_MCP_CREDENTIALS_FILE"] = null;
        environment["HOME"] = notAFolder;
        using var server = Repo.StartServer(environment, "serve");
        var stderr = server.StandardError.ReadToEndAsync();
        var output = server.StandardOutput.ReadToEndAsync();
        await server.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}""" + "\n"));
        server.StandardInput.Close();

        var answer = await output.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(server.WaitForExit(30_000));
        Assert.Contains("\"protocolVersion\"", answer, StringComparison.Ordinal);
        var warnings = await stderr;
        Assert.Contains("auth0-mcp: warning: the credentials file's folder '" + Path.Combine(notAFolder, ".config", "auth0-mcp") + "' cannot be created", warnings, StringComparison.Ordinal);
        Assert.Contains("AUTH0_MCP_CREDENTIALS_FILE", warnings, StringComparison.Ordinal);
        Assert.Equal(0, server.ExitCode);
    }
}
