using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Auth0Mcp.Sdk.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>
/// Runs the fault scenarios and scans every output (tool results, exceptions, progress, credential events,
/// activity tags, trace-level logs, doctor text and JSON) for the client secret and every token.
/// </summary>
public sealed class SecretLeakTests
{
    public static TheoryData<string> Scenarios => new()
    {
        "ok", "429-over-budget", "503-persistent", "post-502", "slow", "reset", "401-refresh", "401-persistent",
        "token-500", "token-401-echoes-secret", "token-stall", "body-echoes-secret", "error-echoes-token", "rotation", "missing-scope",
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task FaultScenario_AllOutputs_ContainNoSecret(string scenario)
    {
        var logs = new CapturingLoggerProvider();
        var output = new StringBuilder();
        var tokens = new ConcurrentQueue<string>();
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == Auth0Mcp.Sdk.Http.Auth0Telemetry.SourceName || s.Name.StartsWith("System.Net", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        await using var h = await Harness.StartAsync(
            o =>
            {
                o.ClientId = Harness.ClientId;
                o.ClientSecret = Harness.ClientSecret;
                o.AttemptTimeout = TimeSpan.FromMilliseconds(300);
                o.RetryBudget = TimeSpan.FromSeconds(2);
                o.TokenRequestTimeout = TimeSpan.FromMilliseconds(300);
                o.MaxRetryAttempts = 2;
            },
            more: s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)));
        h.Server.Token = (ctx, n) =>
        {
            var token = TestTokens.Jwt(["read:users"], DateTimeOffset.UtcNow.AddHours(1), "leak" + n);
            tokens.Enqueue(token);
            return ScriptedAuth0Server.Json(ctx, 200, TestTokens.TokenResponse(token));
        };
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, "{}");
        var tool = TestTool.Get();
        switch (scenario)
        {
            case "429-over-budget":
                h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 429, "{}", ("X-RateLimit-Reset", DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
                break;
            case "503-persistent":
                h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 503, """{"statusCode":503,"message":"down"}""");
                break;
            case "post-502":
                tool = TestTool.Post("/users", "read:users");
                h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 502, "bad gateway");
                break;
            case "slow":
                h.Server.Api = (ctx, _) => h.Server.Stall(ctx);
                break;
            case "reset":
                h.Server.Api = (ctx, _) => ScriptedAuth0Server.Reset(ctx);
                break;
            case "401-refresh":
                h.Server.Api = (ctx, n) => ScriptedAuth0Server.Json(ctx, n == 1 ? 401 : 200, "{}");
                break;
            case "401-persistent":
                h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 401, """{"statusCode":401,"message":"Invalid token"}""");
                break;
            case "token-500":
                h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 500, "{}");
                break;
            case "token-401-echoes-secret":
                h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 401, $$"""{"error":"access_denied","error_description":"bad secret {{Harness.ClientSecret}}"}""");
                break;
            case "token-stall":
                h.Server.Token = (ctx, _) => h.Server.Stall(ctx);
                break;
            case "body-echoes-secret":
                h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, $$"""{"client_id":"{{Harness.ClientId}}","client_secret":"{{Harness.ClientSecret}}"}""");
                break;
            case "error-echoes-token":
                h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 400, $$"""{"statusCode":400,"message":"bad header {{ctx.Request.Headers.Authorization}}"}""");
                break;
            case "rotation":
                h.Store.Rotate(new Auth0CredentialUpdate { ClientSecret = "cs-ROTATED-SECRET-5566778899" }, "admin:test");
                break;
            case "missing-scope":
                tool = TestTool.Post("/users", "create:users");
                break;
        }

        var progress = new ProgressLog();
        try
        {
            var result = await h.CallAsync(tool, progress: progress);
            output.AppendLine(Describe(result));
        }
        catch (Exception ex)
        {
            output.AppendLine(ex.ToString());
        }

        var report = await h.Services.GetRequiredService<Auth0Doctor>().RunAsync([tool.Descriptor]);
        output.AppendLine(report.ToText()).AppendLine(report.ToJson());
        foreach (var p in progress.Reports)
        {
            output.AppendLine(p.Message);
        }

        foreach (var e in h.Events.All)
        {
            output.AppendLine(e.ToString());
        }

        foreach (var a in activities)
        {
            output.AppendLine(a.DisplayName);
            foreach (var (k, v) in a.TagObjects)
            {
                output.Append(k).Append('=').AppendLine(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        output.AppendLine(h.Store.Current.ToString());
        output.AppendLine(logs.Text);

        var all = output.ToString();
        Assert.True(logs.Count > 0, "the logger captured nothing");
        foreach (var secret in tokens.Append(Harness.ClientSecret).Append("cs-ROTATED-SECRET-5566778899"))
        {
            Assert.False(all.Contains(secret, StringComparison.Ordinal), $"{scenario}: a secret leaked:\n{all}");
        }
    }

    private static string Describe(CallToolResult result) =>
        string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text)) + "\n" + result.StructuredContent?.GetRawText();

    /// <summary>
    /// An issued token that is not JWT-shaped
    /// (an opaque access token) and that Auth0 echoes back in an error must not reach the caller: only the registry
    /// masks it (neither the JWT pattern nor the Bearer pattern applies to the bare value). Every existing leak test
    /// issues JWTs, which the JWT pattern masks whether or not they were registered.
    /// </summary>
    [Fact]
    public async Task OpaqueIssuedTokenEchoedInAnError_IsMasked()
    {
        const string Opaque = "opq7Hk2ZqN9xW4vR1tY8uB3mC6dF0gJ5sL";
        await using var h = await Harness.StartAsync(o =>
        {
            o.ClientId = Harness.ClientId;
            o.ClientSecret = Harness.ClientSecret;
        });
        h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, TestTokens.TokenResponse(Opaque));
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 400, $$"""{"statusCode":400,"message":"bad header, rejected {{ctx.Request.Headers.Authorization.ToString()[7..]}} today"}""");

        var result = await h.CallAsync(TestTool.Get());

        var text = string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text)) + result.StructuredContent?.GetRawText();
        Assert.Contains("bad header", text, StringComparison.Ordinal); // the echo reached the answer
        Assert.DoesNotContain(Opaque, text, StringComparison.Ordinal);
    }
}
