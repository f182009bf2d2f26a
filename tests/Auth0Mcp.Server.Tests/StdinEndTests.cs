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
    public async Task Serve_StdinClosedWhileACallWaitsForItsConfirmation_ExitsAfterTheDrainAndTheCallNeverRuns()
    {
        // The client declares elicitation, calls a delete that needs its confirmation, and leaves when the server asks:
        // the call waits on an answer that cannot come. The end of the server's input cancels nothing, so without the
        // guard stopping the host after its drain (30 s) the process never exits.
        using var home = new TestHome();
        await home.GrantEverythingAsync("alice");
        var config = Path.Combine(home.Dir, "auth0-mcp.json");
        await File.WriteAllTextAsync(config, """{ "Governance": { "CallApproval": { "Default": "elicit", "ElicitationTimeout": "5m" } } }""");
        await using var auth0 = new RecordingHttpServer();
        var environment = home.Environment(auth0.BaseUrl, "alice");
        environment["AUTH0_MCP_CONFIG"] = config;
        using var server = Repo.StartServer(environment, "serve");
        var stderr = server.StandardError.ReadToEndAsync();
        var stdin = server.StandardInput.BaseStream;
        async Task SendAsync(string line)
        {
            await stdin.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
            await stdin.FlushAsync();
        }

        async Task ReadUntilAsync(Func<JsonElement, bool> wanted)
        {
            while (true)
            {
                var line = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
                Assert.True(line is not null, "the server closed its output: " + (server.HasExited ? await stderr : ""));
                using var message = JsonDocument.Parse(line);
                if (wanted(message.RootElement))
                {
                    return;
                }
            }
        }

        await SendAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"elicitation":{}},"clientInfo":{"name":"leaves","version":"1"}}}""");
        await ReadUntilAsync(m => m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.GetInt32() == 1);
        await SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        await SendAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"auth0_users_delete","arguments":{"id":"auth0|left-behind"}}}""");
        await ReadUntilAsync(m => m.TryGetProperty("method", out var method) && method.GetString() == "elicitation/create");
        server.StandardInput.Close();

        // The drain (30 s), then the host stops as on SIGTERM; before, it waited for the answer forever.
        var exited = server.WaitForExit(90_000);
        if (!exited)
        {
            server.Kill(entireProcessTree: true);
        }

        Assert.True(exited, "the server did not exit after stdin ended with a confirmation pending");
        Assert.Equal(0, server.ExitCode);
        Assert.Empty(auth0.Requests);
        var export = Path.Combine(home.Dir, "audit.jsonl");
        await home.AdminAsync("audit", "export", "--output", export);
        var audit = File.ReadAllLines(export).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        static string? Event(JsonElement r) => r.TryGetProperty("event", out var e) ? e.GetString() : null;
        Assert.Contains(audit, r => Event(r) == "approval.requested");
        Assert.DoesNotContain(audit, r => Event(r) == "approval.used");
        Assert.DoesNotContain(audit, r => Event(r) == "tool.call" && r.GetProperty("outcome").GetString() == "success");
    }

    [Fact]
    public async Task Serve_StdinEmpty_ExitsZeroSayingHowToConnect()
    {
        // `docker run` without -i, or a service manager with stdin on /dev/null: the server must not end silently.
        using var home = new TestHome();
        var (code, stdout, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("serve"), env: home.Environment(user: "piper"), timeout: TimeSpan.FromMinutes(1));

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
        var (answer, warnings, exitCode) = await ServeOneInitializeAsync(environment);

        Assert.Contains("\"protocolVersion\"", answer, StringComparison.Ordinal);
        Assert.Contains("auth0-mcp: warning: the credentials file's folder '" + Path.Combine(notAFolder, ".config", "auth0-mcp") + "' cannot be created", warnings, StringComparison.Ordinal);
        Assert.Contains("AUTH0_MCP_CREDENTIALS_FILE", warnings, StringComparison.Ordinal);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Serve_DefaultCredentialsFileIsAFolder_StartsWarningThatRotationIsOff_AndRotateSaysSo()
    {
        // Not given in any setting (a given one is refused with the settings): the server used to ignore the folder
        // without a word, and `credentials rotate` called it "not a valid JSON settings file".
        using var home = new TestHome();
        var environment = home.Environment(new Uri("http://127.0.0.1:9/"), "piper");
        environment["AUTH0_MCP_CREDENTIALS_FILE"] = null;
        environment["HOME"] = home.Dir;
        var folder = Path.Combine(home.Dir, ".config", "auth0-mcp", "credentials.json");
        Directory.CreateDirectory(folder);

        var (answer, warnings, exitCode) = await ServeOneInitializeAsync(environment);

        Assert.Contains("\"protocolVersion\"", answer, StringComparison.Ordinal);
        Assert.Contains($"auth0-mcp: warning: the credentials file '{folder}' is a folder; `auth0-mcp credentials rotate` cannot reach this server", warnings, StringComparison.Ordinal);
        Assert.Equal(0, exitCode);
        var (code, _, stderr) = await ChildProcess.RunAsync(Repo.ServerFile, Repo.ServerArgs("credentials", "rotate", "--token-stdin"), env: environment, timeout: TimeSpan.FromMinutes(1), input: "new.tok.en\n");
        Assert.NotEqual(0, code);
        Assert.Contains($"the credentials file '{folder}' is a folder", stderr, StringComparison.Ordinal);
    }

    private static async Task<(string Answer, string Warnings, int ExitCode)> ServeOneInitializeAsync(Dictionary<string, string?> environment)
    {
        using var server = Repo.StartServer(environment, "serve");
        var stderr = server.StandardError.ReadToEndAsync();
        var output = server.StandardOutput.ReadToEndAsync();
        await server.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}""" + "\n"));
        server.StandardInput.Close();

        var answer = await output.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(server.WaitForExit(30_000));
        return (answer, await stderr, server.ExitCode);
    }
}
