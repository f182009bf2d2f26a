using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>
/// Calls that fail for a credential reason (none configured, an expired token, credentials or a token Auth0 refused)
/// are told to the operator in the log, at most once a minute with a count, never with the token, the secret or Auth0's
/// answer; a passing failure (the token endpoint down) is not (Auth0CredentialWarnings.cs, Auth0BearerHandler.cs).
/// </summary>
public sealed class CredentialWarningTests
{
    private static async Task<(Harness Harness, CapturingLoggerProvider Logs, FakeTimeProvider Time)> StartAsync(Action<Auth0ConnectionOptions> configure)
    {
        var logs = new CapturingLoggerProvider();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var h = await Harness.StartAsync(configure, time, s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)));
        return (h, logs, time);
    }

    private static List<string> Warnings(CapturingLoggerProvider logs) =>
        [.. logs.Lines.Where(l => l.StartsWith($"Warning {Auth0CredentialWarnings.Category}:", StringComparison.Ordinal))];

    [Fact]
    public async Task ApiAnswers401_SeveralCalls_OneWarningWithTheCount_ThenOneAMinute_NeverTheToken()
    {
        var (h, logs, time) = await StartAsync(o => o.Token = Harness.StaticToken);
        await using var _ = h;
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 401, """{"statusCode":401,"error":"Unauthorized","message":"Invalid tok3n-body-marker"}""");

        for (var i = 0; i < 4; i++)
        {
            var result = await h.CallAsync(TestTool.Get());
            Assert.True(result.IsError, result.Text());
        }

        var first = Assert.Single(Warnings(logs));
        Assert.Contains("Auth0 calls fail for a credential reason: the Management API answered 401 Unauthorized to the token", first, StringComparison.Ordinal);
        Assert.Contains("(1 failed calls since the last such line; at most one line every 60 s)", first, StringComparison.Ordinal);

        // A minute on: the next failure says how many failed since (the three unsaid and itself).
        time.Advance(TimeSpan.FromSeconds(61));
        await h.CallAsync(TestTool.Get());
        var warnings = Warnings(logs);
        Assert.Equal(2, warnings.Count);
        Assert.Contains("(4 failed calls since the last such line;", warnings[1], StringComparison.Ordinal);
        Assert.DoesNotContain(Harness.StaticToken, logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("tok3n-body-marker", string.Join("\n", warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallsSucceedAgainAfterAWarning_OneLineSayingSo_OncePerFailingToWorkingTransition_NeverTheToken()
    {
        var (h, logs, time) = await StartAsync(o => o.Token = Harness.StaticToken);
        await using var _ = h;
        void Answer(int status) => h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, status, status == 401
            ? """{"statusCode":401,"error":"Unauthorized","message":"Invalid tok3n-body-marker"}"""
            : """[{"user_id":"auth0|1"}]""");
        List<string> WorksAgain() => [.. Warnings(logs).Where(l => l.Contains("Auth0 calls work again", StringComparison.Ordinal))];

        // Success before any failure: nothing to say.
        Answer(200);
        Assert.NotEqual(true, (await h.CallAsync(TestTool.Get())).IsError);
        Assert.Empty(Warnings(logs));

        Answer(401);
        await h.CallAsync(TestTool.Get());
        await h.CallAsync(TestTool.Get());
        Answer(200);
        for (var i = 0; i < 3; i++)
        {
            Assert.NotEqual(true, (await h.CallAsync(TestTool.Get())).IsError);
        }

        var works = Assert.Single(WorksAgain());
        Assert.Equal(
            $"Warning {Auth0CredentialWarnings.Category}: Auth0 calls work again: the Management API answered a call with success after calls had failed for a credential reason ({Auth0BearerHandler.TokenRefused})",
            works.TrimEnd()); // (the capture adds the exception, none, after a space)

        // Failing again within the minute of the warning: counted, not warned, so no second "work again" when it ends.
        Answer(401);
        await h.CallAsync(TestTool.Get());
        Answer(200);
        await h.CallAsync(TestTool.Get());
        Assert.Single(WorksAgain());

        // A minute on, failing is warned again, and its end told again, once.
        time.Advance(TimeSpan.FromSeconds(61));
        Answer(401);
        await h.CallAsync(TestTool.Get());
        Answer(200);
        await h.CallAsync(TestTool.Get());
        await h.CallAsync(TestTool.Get());
        var lines = Warnings(logs);
        Assert.Equal(4, lines.Count); // warned, worked again, warned, worked again
        Assert.Contains("Auth0 calls fail for a credential reason", lines[2], StringComparison.Ordinal);
        Assert.Contains("(3 failed calls since the last such line;", lines[2], StringComparison.Ordinal);
        Assert.Contains("Auth0 calls work again", lines[3], StringComparison.Ordinal);
        Assert.DoesNotContain(Harness.StaticToken, logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoCredential_EveryCallFails_OneWarningSayingSo()
    {
        var (h, logs, _) = await StartAsync(_ => { });
        await using var __ = h;

        for (var i = 0; i < 3; i++)
        {
            var result = await h.CallAsync(TestTool.Get());
            Assert.Contains("No Auth0 credential is configured", result.Text(), StringComparison.Ordinal);
        }

        var warning = Assert.Single(Warnings(logs));
        Assert.Contains("no Auth0 credential is configured (AUTH0_TOKEN, or AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET)", warning, StringComparison.Ordinal);
        Assert.Empty(h.Server.ApiRequests);
    }

    [Fact]
    public async Task ExpiredStaticToken_EveryCallFails_OneWarningWithTheExpiry()
    {
        var expired = TestTokens.Jwt(["read:users"], DateTimeOffset.FromUnixTimeSeconds(1));
        var (h, logs, _) = await StartAsync(o => o.Token = expired);
        await using var __ = h;

        await h.CallAsync(TestTool.Get());
        await h.CallAsync(TestTool.Get());

        var warning = Assert.Single(Warnings(logs));
        Assert.Contains("the configured Auth0 token (AUTH0_TOKEN) expired at 1970-01-01 00:00:01Z", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(expired, logs.Text, StringComparison.Ordinal);
        Assert.Empty(h.Server.ApiRequests);
    }

    [Fact]
    public async Task TokenEndpointRefusesClientCredentials_OneWarningWithTheStatus_NotAuth0sWordsNorTheSecret()
    {
        var (h, logs, time) = await StartAsync(o =>
        {
            o.ClientId = Harness.ClientId;
            o.ClientSecret = Harness.ClientSecret;
        });
        await using var _ = h;
        h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 401, $$"""{"error":"access_denied","error_description":"Unauthorized body-marker {{Harness.ClientSecret}}"}""");

        for (var i = 0; i < 3; i++)
        {
            await h.CallAsync(TestTool.Get());
            time.Advance(TimeSpan.FromSeconds(5)); // past the failure memory: each call asks the token endpoint
        }

        var warning = Assert.Single(Warnings(logs));
        Assert.Contains("Auth0's token endpoint refused the client credentials of client client-abc (401 Unauthorized)", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("body-marker", warning, StringComparison.Ordinal); // (Polly's Debug lines quote the call's result)
        Assert.DoesNotContain(Harness.ClientSecret, logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenEndpointDown_NoCredentialWarning()
    {
        // A 503 is not the credential's fault, and the next call may get a token: only the call is told.
        var (h, logs, _) = await StartAsync(o =>
        {
            o.ClientId = Harness.ClientId;
            o.ClientSecret = Harness.ClientSecret;
        });
        await using var _ = h;
        h.Server.Token = (ctx, _) => ScriptedAuth0Server.Json(ctx, 503, "{}");

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError, result.Text());
        Assert.Empty(Warnings(logs));
    }
}
