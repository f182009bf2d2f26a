using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests.Security;

/// <summary>
/// Issue 11 items 1-3 through the real <c>auth0-mcp serve</c> (stdio, governance on, SQLite store) against a scripted
/// upstream: a deep answer, a BOM, secrets the old list missed, a 502 HTML page quoting secrets, and secret arguments.
/// Nothing planted reaches the client's output or the audit; the server's own token never does either.
/// </summary>
public sealed class SecretLeakEndToEndTests
{
    private static readonly string Run = Guid.NewGuid().ToString("N")[..10];
    private static readonly string Token = "e2e-auth0-token-" + Run + "-xyz";

    private static string Deep(int depth) => string.Concat(Enumerable.Repeat("{\"n\":", depth)) + "1" + new string('}', depth);

    public static TheoryData<string, int, string, string[]> Answers => new()
    {
        {
            "deep-users", 200,
            "[{\"user_id\":\"a\",\"user_metadata\":" + Deep(70) + "},{\"user_id\":\"b\",\"identities\":[{\"access_token\":\"AT" + Run + "\",\"refresh_token\":\"RT" + Run + "\"}]}]",
            ["AT" + Run, "RT" + Run]
        },
        { "bom", 200, "\uFEFF{\"client_id\":\"c\",\"client_secret\":\"CS" + Run + "\"}", ["CS" + Run] },
        {
            "missed-fields", 200,
            "{\"addons\":{\"azure_sb\":{\"sasKey\":\"SAS" + Run + "\"},\"sap_api\":{\"servicePassword\":\"SP" + Run + "\"}},\"sink\":{\"splunkToken\":\"ST" + Run + "\",\"datadogApiKey\":\"DD" + Run + "\"},"
            + "\"credentials\":{\"smtp_pass\":\"SMTP" + Run + "\",\"clientSecret\":\"CSX" + Run + "\"},\"options\":{\"signingKey\":{\"key\":\"-----BEGIN PRIVATE KEY-----\\nPEM" + Run + "\\n-----END PRIVATE KEY-----\"}}}",
            ["SAS" + Run, "SP" + Run, "ST" + Run, "DD" + Run, "SMTP" + Run, "CSX" + Run, "PEM" + Run]
        },
        {
            "html-502", 502,
            "<html><body><h1>502</h1><pre>{\"client_secret\":\"H1" + Run + "\"} client_secret=H2" + Run + " password: H3" + Run + "</pre></body></html>",
            ["H1" + Run, "H2" + Run, "H3" + Run]
        },
        { "400-quoting", 400, "{\"statusCode\":400,\"message\":\"Payload validation error: client_secret=Q1" + Run + " rejected; password: 'Q2" + Run + "'\"}", ["Q1" + Run, "Q2" + Run] },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task ToolCall_UpstreamAnswerWithSecrets_NothingPlantedReachesClientOrAudit(string name, int status, string body, string[] planted)
    {
        using var home = new TestHome();
        await home.GrantEverythingAsync("alice");
        await using var auth0 = new RecordingHttpServer(status, body);

        var output = await CallOverStdioAsync(home, auth0.BaseUrl, "auth0_users_list",
            new JsonObject { ["q"] = "email:a@b.c AND password:ARGPW" + Run, ["fields"] = "user_id" });
        var audit = await home.AdminAsync("audit", "export");

        Assert.Contains("\"id\":1", output);
        foreach (var secret in planted.Append("ARGPW" + Run).Append(Token))
        {
            Assert.False(output.Contains(secret, StringComparison.Ordinal), $"{name}: {secret} in the client output: {output}");
            Assert.False(audit.Contains(secret, StringComparison.Ordinal), $"{name}: {secret} in the audit");
        }

        Assert.NotEmpty(auth0.Requests); // 5xx answers to a GET are retried
    }

    private static async Task<string> CallOverStdioAsync(TestHome home, Uri upstream, string tool, JsonObject arguments)
    {
        var psi = new ProcessStartInfo(Repo.ServerFile) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in Repo.ServerArgs("serve"))
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in home.Environment(upstream, "alice", Token))
        {
            psi.Environment[key] = value;
        }

        using var server = Process.Start(psi)!;
        var stderr = server.StandardError.ReadToEndAsync();
        var stdin = new StreamWriter(server.StandardInput.BaseStream, new UTF8Encoding(false)) { NewLine = "\n" };
        try
        {
            await stdin.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"leak\",\"version\":\"1\"}}}");
            await stdin.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            var call = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "tools/call", ["params"] = new JsonObject { ["name"] = tool, ["arguments"] = arguments } };
            await stdin.WriteLineAsync(call.ToJsonString());
            await stdin.FlushAsync();
            var lines = new StringBuilder();
            while (true)
            {
                var line = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
                Assert.NotNull(line);
                lines.AppendLine(line);
                if (line.Contains("\"id\":1", StringComparison.Ordinal))
                {
                    break;
                }
            }

            stdin.Close();
            await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var log = await stderr;
            Assert.DoesNotContain(Token, log, StringComparison.Ordinal);
            return lines.ToString() + log;
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
            }
        }
    }
}
