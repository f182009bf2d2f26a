using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Server.Tests.Http;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// A server that starts without a usable Auth0 credential (none configured, a secret not mounted; a static token that
/// expired, or expires within a day) says so on stderr at start, in one line and never with the token, and still starts
/// and lists its tools: discovery needs no credential, and nothing is sent to Auth0 at start (CredentialSettings.cs).
/// </summary>
public sealed class CredentialStartupWarningTests : IDisposable
{
    private const string NoCredential =
        "auth0-mcp: warning: no Auth0 credential configured: tools are listed, every call will fail until AUTH0_TOKEN / AUTH0_CLIENT_ID+SECRET is set or `auth0-mcp credentials rotate` supplies one";

    private readonly string _folder = Directory.CreateTempSubdirectory("auth0-mcp-startcred-").FullName;

    private string File => Path.Combine(_folder, "credentials.json");

    [Fact]
    public async Task Serve_NoCredential_WarnsOnceAtStart_ListsTheTools_AndTheCallSaysWhy()
    {
        using var home = new TestHome();
        await home.GrantEverythingAsync("piper");
        await using var auth0 = new RecordingHttpServer();
        var environment = home.Environment(auth0.BaseUrl, "piper", token: null);

        var (answers, stderr, exitCode) = await ServeAsync(environment, withCall: true);

        Assert.Equal(0, exitCode);
        Assert.Single(stderr.Split('\n'), l => l == NoCredential);
        Assert.NotEqual(0, answers[2].GetProperty("result").GetProperty("tools").GetArrayLength());
        Assert.Contains("No Auth0 credential is configured", answers[3].GetProperty("result").GetRawText(), StringComparison.Ordinal);
        Assert.Empty(auth0.Requests);
    }

    [Fact]
    public async Task Serve_ExpiredJwt_WarnsWithTheExpiryAtStart_NeverTheToken()
    {
        const string Expired = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln"; // exp = 1: known without asking anyone
        using var home = new TestHome();
        await using var auth0 = new RecordingHttpServer();
        var environment = home.Environment(auth0.BaseUrl, "piper", token: Expired);

        var (answers, stderr, exitCode) = await ServeAsync(environment, withCall: false);

        Assert.Equal(0, exitCode);
        Assert.Contains("\"protocolVersion\"", answers[1].GetRawText(), StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n'), l => l.StartsWith(
            "auth0-mcp: warning: the Auth0 token from the settings' Auth0:Token (AUTH0_TOKEN) expired at 1970-01-01 00:00:01Z: tools are listed, every call will fail until you set a new token", StringComparison.Ordinal));
        Assert.DoesNotContain("eyJ", stderr, StringComparison.Ordinal);
        Assert.Empty(auth0.Requests);
    }

    [Fact]
    public async Task Serve_Auth0Answers401ToEveryCall_OneThrottledWarningOnStderr_NeverTheTokenNorTheAnswer()
    {
        // A revoked token: nothing can tell at start, and every call fails; the operator is told once, with a count.
        const string Revoked = "revoked-token-5d1c0e77";
        using var home = new TestHome();
        await home.GrantEverythingAsync("piper");
        await using var auth0 = new RecordingHttpServer(401, """{"statusCode":401,"error":"Unauthorized","message":"Invalid token answer-marker"}""");
        var environment = home.Environment(auth0.BaseUrl, "piper", token: Revoked);

        var (answers, stderr, exitCode) = await ServeAsync(environment, withCall: true, calls: 3);

        Assert.Equal(0, exitCode);
        Assert.Equal(3, auth0.Requests.Count);
        Assert.All([3, 4, 5], id => Assert.Contains("401", answers[id].GetProperty("result").GetRawText(), StringComparison.Ordinal));
        var warning = Assert.Single(stderr.Split('\n'), l => l.Contains("credential reason", StringComparison.Ordinal));
        Assert.Contains("Auth0 calls fail for a credential reason: the Management API answered 401 Unauthorized to the token", warning, StringComparison.Ordinal);
        Assert.Contains("(1 failed calls since the last such line", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(Revoked, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("answer-marker", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_TokenExpiringWithinADay_SaysWhen()
    {
        var warnings = Start(new() { ["AUTH0_TOKEN"] = Jwt(DateTimeOffset.UtcNow.AddHours(3).AddMinutes(1)) });

        Assert.Matches(@"^auth0-mcp: warning: the Auth0 token from the settings' Auth0:Token \(AUTH0_TOKEN\) expires at \S+ \S+Z \(in (3 h 0|2 h 59) min\): every call will fail from then until you set a new token", warnings);
        Assert.Single(warnings.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Start_TokenWhosePayloadIsNotText_StartsWithoutAWarning()
    {
        // A payload with a lone surrogate escape ("iss":"\ud800") stopped serve at start (exit 1, InvalidOperationException):
        // before the start-up warning, such a token only failed the calls.
        static string Part(string json) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var token = Part("""{"alg":"none"}""") + "." + Part("""{"iss":"\ud800","exp":4102444800}""") + ".c2ln";

        Assert.Equal("", Start(new() { ["AUTH0_TOKEN"] = token }));
    }

    [Fact]
    public void Start_ExpiredTokenInTheCredentialsFile_NamesTheFile()
    {
        System.IO.File.WriteAllText(File, $$$"""{"Auth0":{"Token":"{{{Jwt(DateTimeOffset.UtcNow.AddDays(-2))}}}"}}""");

        var warnings = Start(new() { ["AUTH0_TOKEN"] = Jwt(DateTimeOffset.UtcNow.AddDays(30)) });

        Assert.StartsWith($"auth0-mcp: warning: the Auth0 token from the credentials file {File} expired at ", warnings, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_CredentialsFileSuppliesOne_OrAUsableOneIsSet_SaysNothing()
    {
        Assert.Equal("", Start(new() { ["AUTH0_TOKEN"] = Jwt(DateTimeOffset.UtcNow.AddDays(2)) }));
        Assert.Equal("", Start(new() { ["AUTH0_TOKEN"] = "opaque-token-0123456789" }));
        Assert.Equal("", Start(new() { ["AUTH0_CLIENT_ID"] = "client", ["AUTH0_CLIENT_SECRET"] = "secret-0123456789" }));
        Assert.StartsWith(
            "auth0-mcp: warning: no Auth0 credential configured (AUTH0_CLIENT_ID is set, AUTH0_CLIENT_SECRET is not): tools are listed",
            Start(new() { ["AUTH0_CLIENT_ID"] = "client" }),
            StringComparison.Ordinal);

        // `credentials rotate` wrote one: the server starts with it.
        System.IO.File.WriteAllText(File, """{"Auth0":{"Token":"rotated-token-0123456789"}}""");
        Assert.Equal("", Start(new()));
    }

    [Fact]
    public void Start_CredentialsFileTokenAndAUTH0_TOKENSet_SaysTheFileWins_NeverEitherToken()
    {
        // `credentials rotate` wrote the file; an AUTH0_TOKEN set later is not used, and that is said at start.
        System.IO.File.WriteAllText(File, """{"Auth0":{"Token":"rotated-token-0123456789"}}""");

        var warnings = Start(new() { ["AUTH0_TOKEN"] = "env-token-0123456789" });

        Assert.Equal(
            $"auth0-mcp: warning: the credentials file {File} supplies the Auth0 credential; AUTH0_TOKEN (the settings' Auth0:Token) is not used "
            + "(remove the file, or run `auth0-mcp credentials rotate` to change it)",
            warnings.TrimEnd());
        Assert.DoesNotContain("0123456789", warnings, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_CredentialsFileClientCredentialsAndAUTH0_TOKENSet_TheTokenItClearedIsNotUsed()
    {
        // Client credentials rotated in clear the file's token: the settings' token is hidden by it, and not used.
        System.IO.File.WriteAllText(File, """{"Auth0":{"Token":"","ClientId":"file-client","ClientSecret":"file-secret-0123456789"}}""");

        var warnings = Start(new() { ["AUTH0_TOKEN"] = "env-token-0123456789" });

        Assert.Equal(
            $"auth0-mcp: warning: the credentials file {File} supplies the Auth0 credential; AUTH0_TOKEN (the settings' Auth0:Token) is not used "
            + "(remove the file, or run `auth0-mcp credentials rotate` to change it)",
            warnings.TrimEnd());
        Assert.DoesNotContain("0123456789", warnings, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_CredentialsFileTokenAndSettingsClientCredentials_TheyAreNotUsed()
    {
        System.IO.File.WriteAllText(File, """{"Auth0":{"Token":"rotated-token-0123456789"}}""");

        var warnings = Start(new() { ["AUTH0_CLIENT_ID"] = "env-client", ["AUTH0_CLIENT_SECRET"] = "env-secret-0123456789" });

        Assert.Contains("; AUTH0_CLIENT_ID (the settings' Auth0:ClientId) and AUTH0_CLIENT_SECRET (the settings' Auth0:ClientSecret) are not used", warnings, StringComparison.Ordinal);
        Assert.Single(warnings.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Start(Dictionary<string, string?> environment)
    {
        environment["AUTH0_DOMAIN"] = "t.example.auth0.com";
        environment["AUTH0_MCP_CREDENTIALS_FILE"] = File;
        var settings = Settings.Load(environment);
        using var stderr = new StringWriter();
        CredentialSettings.AddRotatableCredentials(new ServiceCollection(), settings, stderr);
        return stderr.ToString();
    }

    private static string Jwt(DateTimeOffset expires) =>
        "eyJhbGciOiJSUzI1NiJ9." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes($$"""{"exp":{{expires.ToUnixTimeSeconds()}}}""")) + ".c2ln";

    private static async Task<(Dictionary<int, JsonElement> Answers, string Stderr, int ExitCode)> ServeAsync(Dictionary<string, string?> environment, bool withCall, int calls = 1)
    {
        using var server = Repo.StartServer(environment, "serve");
        var stderr = server.StandardError.ReadToEndAsync();
        var output = server.StandardOutput.ReadToEndAsync();
        var requests = new List<string>
        {
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}""",
            """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
        };
        if (withCall)
        {
            requests.Add("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
            for (var id = 3; id < 3 + calls; id++)
            {
                requests.Add("""{"jsonrpc":"2.0","id":""" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ""","method":"tools/call","params":{"name":"auth0_users_list","arguments":{}}}""");
            }
        }

        await server.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(string.Join("\n", requests) + "\n"));
        server.StandardInput.Close();

        var lines = (await output.WaitAsync(TimeSpan.FromSeconds(90))).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(server.WaitForExit(30_000), "the server did not exit after its answers");
        var answers = lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).Where(m => m.TryGetProperty("id", out _)).ToDictionary(m => m.GetProperty("id").GetInt32());
        return (answers, await stderr, server.ExitCode);
    }
}
