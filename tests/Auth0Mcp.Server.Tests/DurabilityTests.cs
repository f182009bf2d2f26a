using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>Every call that was answered has its audit record on disk, even when the server is killed with SIGKILL.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task Serve_KilledWithSigkillUnderLoad_EveryAnsweredCallIsInTheAuditLog()
    {
        using var home = new TestHome();
        await home.GrantEverythingAsync("alice");
        await using var auth0 = new RecordingHttpServer(body: "[]");

        var psi = new ProcessStartInfo(Repo.ServerFile)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in Repo.ServerArgs())
        {
            psi.ArgumentList.Add(arg);
        }

        psi.ArgumentList.Add("serve");
        foreach (var (key, value) in home.Environment(auth0.BaseUrl, "alice"))
        {
            psi.Environment[key] = value;
        }

        using var server = Process.Start(psi)!;
        _ = server.StandardError.ReadToEndAsync();
        var stdin = server.StandardInput;
        var stdout = server.StandardOutput;
        async Task SendAsync(JsonObject message)
        {
            await stdin.WriteLineAsync(message.ToJsonString());
            await stdin.FlushAsync();
        }

        await SendAsync(new JsonObject
        {
            ["jsonrpc"] = "2.0", ["id"] = 0, ["method"] = "initialize",
            ["params"] = new JsonObject { ["protocolVersion"] = "2025-06-18", ["capabilities"] = new JsonObject(), ["clientInfo"] = new JsonObject { ["name"] = "durability", ["version"] = "1" } },
        });
        Assert.Contains("\"id\":0", await stdout.ReadLineAsync());
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" });

        // Pipeline many calls, each marked by a unique search term, and kill the server once some are answered.
        const int calls = 60;
        for (var i = 1; i <= calls; i++)
        {
            await SendAsync(new JsonObject
            {
                ["jsonrpc"] = "2.0", ["id"] = i, ["method"] = "tools/call",
                ["params"] = new JsonObject { ["name"] = "auth0_users_list", ["arguments"] = new JsonObject { ["q"] = $"durability-{i:D3}" } },
            });
        }

        var answered = new List<int>();
        while (answered.Count < 20)
        {
            var line = await stdout.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.NotNull(line);
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("id", out var id) && doc.RootElement.TryGetProperty("result", out var result))
            {
                Assert.False(result.TryGetProperty("isError", out var isError) && isError.GetBoolean(), line);
                answered.Add(id.GetInt32());
            }
        }

        server.Kill(entireProcessTree: false); // SIGKILL: no shutdown, no flush
        await server.WaitForExitAsync();

        var export = Path.Combine(home.Dir, "after-kill.jsonl");
        await home.AdminAsync("audit", "export", "--output", export);
        var audit = await File.ReadAllTextAsync(export);
        foreach (var id in answered)
        {
            Assert.Contains($"durability-{id:D3}", audit, StringComparison.Ordinal);
        }

        Assert.StartsWith("audit chain intact", await home.AdminAsync("audit", "verify"), StringComparison.Ordinal);
    }
}
