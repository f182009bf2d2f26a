using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>
/// The rate limit is the credential's, shared by every caller: after one 429 that names its reset, no call on the
/// connection sends before that reset (each waits, with a jitter, or ends at once when the wait does not fit its budget).
/// A scripted Auth0 on 127.0.0.1 that answers 429 to any request before the reset, on a fake clock.
/// </summary>
public sealed class RateLimitGateTests
{
    private const string Ok = """{"users":[{"user_id":"auth0|1"}]}""";
    private const string Limited = """{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached"}""";

    [Fact]
    public async Task ConcurrentCalls_AfterOne429_NoneSendsBeforeTheReset_AndOnly429dOnce()
    {
        var (time, reset) = Clock(resetIn: 2);
        await using var h = await Harness.StartAsync(Generous, time);
        var answers = Upstream(h, time, reset);
        await using var calls = new Calls(h);

        // The first call is told the reset and waits for it (its retry).
        var told = new ProgressLog();
        var first = calls.SendAsync(told);
        await Until(() => !told.Reports.IsEmpty, "the first call's 429 and retry");

        // Eight more calls start before the reset: none may reach Auth0 until then.
        var others = Enumerable.Range(0, 8).Select(_ => calls.SendAsync()).ToArray();
        await Task.Delay(300);
        Assert.Single(answers);

        var all = others.Prepend(first).ToArray();
        await AdvanceUntilDone(time, all);

        Assert.All(await Task.WhenAll(all), r => Assert.True(r.Outcome.Succeeded, r.Outcome.FailureMessage ?? r.Outcome.Status?.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(1, answers.Count(a => a.Status == 429));
        Assert.Equal(all.Length + 1, answers.Count);
        Assert.All(answers.Where(a => a.Status != 429), a => Assert.True(a.At >= reset, $"sent at {a.At:O}, before the reset {reset:O}"));
    }

    [Fact]
    public async Task CallWhoseBudgetEndsBeforeTheReset_FailsFastWithoutARequest_WithTheRateLimitError()
    {
        var (time, reset) = Clock(resetIn: 2);
        await using var h = await Harness.StartAsync(
            o =>
            {
                o.Token = Harness.StaticToken;
                o.AttemptTimeout = TimeSpan.FromSeconds(1);
                o.RetryBudget = TimeSpan.FromSeconds(1.5);
            },
            time);
        Upstream(h, time, reset);

        // The first call is told a reset 2 s ahead, past its 1.5 s budget: it ends with Auth0's 429 (as before).
        var told = await h.CallAsync(TestTool.Get()).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(told.IsError == true, told.Text());
        Assert.Equal(1, h.Server.ApiCount);

        // The next call's budget ends before that reset too: it is not sent, and says why as a final 429 does.
        var result = await h.CallAsync(TestTool.Get()).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, h.Server.ApiCount);
        Assert.True(result.IsError == true, result.Text());
        var text = result.Text();
        Assert.Contains(": not sent to Auth0, held back with 429 TooManyRequests", text, StringComparison.Ordinal);
        Assert.Contains("Not sent: an earlier call on this connection reached Auth0's rate limit", text, StringComparison.Ordinal);
        Assert.Contains("Rate limit reached; it resets at " + reset.ToString("HH:mm:ss 'UTC'", CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        Assert.Contains("(0 attempts made; the reset is 2 s more, which would exceed the call's time budget)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallWhoseBudgetEndsBeforeTheReset_OutcomeSaysNoAttemptWasMade()
    {
        var (time, reset) = Clock(resetIn: 2);
        await using var h = await Harness.StartAsync(
            o =>
            {
                o.Token = Harness.StaticToken;
                o.AttemptTimeout = TimeSpan.FromSeconds(1);
                o.RetryBudget = TimeSpan.FromSeconds(1.5);
            },
            time);
        Upstream(h, time, reset);
        await using var calls = new Calls(h);
        Assert.Equal(429, (await calls.SendAsync().WaitAsync(TimeSpan.FromSeconds(20))).Outcome.Status);

        var refused = (await calls.SendAsync().WaitAsync(TimeSpan.FromSeconds(20))).Outcome;

        Assert.Equal(1, h.Server.ApiCount);
        Assert.Equal(429, refused.Status);
        Assert.Equal(0, refused.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.RefusedWait);
        Assert.Empty(refused.RetryDelays);
    }

    [Fact]
    public async Task WaitsForTheReset_AreJittered_WithinAQuarterSecond_AndRecorded()
    {
        var (time, reset) = Clock(resetIn: 2);
        await using var h = await Harness.StartAsync(Generous, time);
        Upstream(h, time, reset);
        await using var calls = new Calls(h);
        var told = new ProgressLog();
        var first = calls.SendAsync(told);
        await Until(() => !told.Reports.IsEmpty, "the first call's 429 and retry");
        var others = Enumerable.Range(0, 10).Select(_ => calls.SendAsync()).ToArray();
        await Task.Delay(200);

        await AdvanceUntilDone(time, [first, .. others]);

        // The call told of the reset retries after it, plus a jitter; it did not wait at the gate.
        var retried = (await first).Outcome;
        Assert.InRange(Assert.Single(retried.RetryDelays), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.25));
        Assert.Equal(TimeSpan.Zero, retried.RateLimitWait);

        // The others waited at the gate for the same reset, each with its own jitter, and made one attempt.
        var waits = (await Task.WhenAll(others)).Select(r => r.Outcome).ToArray();
        Assert.All(waits, o => Assert.Equal(1, o.Attempts));
        Assert.All(waits, o => Assert.Empty(o.RetryDelays));
        Assert.All(waits, o => Assert.InRange(o.RateLimitWait, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.25)));
        Assert.True(waits.Select(o => o.RateLimitWait).Distinct().Count() > 1, "every waiter woke at the same instant");
    }

    [Fact]
    public async Task RetryDelayAfterA429_IsTheServersWaitPlusABoundedJitter()
    {
        var (time, _) = Clock(resetIn: 0);
        await using var h = await Harness.StartAsync(Generous, time);
        // Every call is answered 429 "Retry-After: 1" once, then 200.
        h.Server.Api = (ctx, n) => n % 2 == 1
            ? ScriptedAuth0Server.Json(ctx, 429, Limited, ("Retry-After", "1"))
            : ScriptedAuth0Server.Json(ctx, 200, Ok);
        await using var calls = new Calls(h);

        var delays = new List<TimeSpan>();
        for (var i = 0; i < 10; i++)
        {
            var call = calls.SendAsync();
            await AdvanceUntilDone(time, [call]);
            var outcome = (await call).Outcome;
            Assert.True(outcome.Succeeded);
            delays.Add(Assert.Single(outcome.RetryDelays));
        }

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.25)));
        Assert.True(delays.Distinct().Count() > 1, "no jitter: " + string.Join(", ", delays));
    }

    [Fact]
    public void Gate_HoldsAtMostAMinute_AndOnlyFor429()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var gate = new Auth0RateLimitGate(time);
        using var unavailable = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        unavailable.Headers.Add("Retry-After", "5");
        gate.Note(unavailable);
        Assert.Equal(TimeSpan.Zero, gate.ClosedFor);

        using var far = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        far.Headers.Add("X-RateLimit-Reset", time.GetUtcNow().AddHours(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        gate.Note(far);
        Assert.Equal(Auth0RateLimitGate.MaxHold, gate.ClosedFor);

        // An earlier reset told later does not reopen it.
        using var near = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        near.Headers.Add("Retry-After", "1");
        gate.Note(near);
        Assert.Equal(Auth0RateLimitGate.MaxHold, gate.ClosedFor);

        time.Advance(Auth0RateLimitGate.MaxHold);
        Assert.Equal(TimeSpan.Zero, gate.ClosedFor);
    }

    [Fact]
    public void Gate_WallClockSetBackAfterA429_DoesNotHoldItLonger()
    {
        // Review K7: the gate kept its reset on the wall clock, so a clock stepped back an hour (NTP, a VM's resume) kept
        // every call refused for that hour. It keeps the monotonic timestamp now.
        var time = new WallClock(new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero));
        var gate = new Auth0RateLimitGate(time);
        using var limited = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        limited.Headers.Add("Retry-After", "2");
        gate.Note(limited);

        time.Now -= TimeSpan.FromHours(1);

        Assert.InRange(gate.ClosedFor, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Gate_LocalClockBehindAuth0s_HoldsUntilTheResetByTheAnswersDate_NotAMinute()
    {
        // Review K7: two minutes behind, a reset one second away by Auth0's clock read as 121 s, and one 429 refused every
        // call on the connection for the 60 s cap. The answer's Date bounds the wait.
        var auth0Now = new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(auth0Now - TimeSpan.FromMinutes(2));
        var gate = new Auth0RateLimitGate(time);
        using var limited = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        limited.Headers.Add("X-RateLimit-Reset", (auth0Now.ToUnixTimeSeconds() + 1).ToString(CultureInfo.InvariantCulture));
        limited.Headers.Date = auth0Now;
        gate.Note(limited);

        Assert.InRange(gate.ClosedFor, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromSeconds(2));
        var state = new Auth0CallState("auth0_users_list");
        state.Start(time, TimeSpan.FromSeconds(25));
        using var request = state.AttachTo(new HttpRequestMessage(HttpMethod.Get, "https://tenant.example/api/v2/users"));
        Assert.Null(await gate.PassAsync(request, CancellationToken.None));
    }

    [Fact]
    public async Task RetryEndedAtTheGate_AfterAuth0s503_SaysItWasHeldBack_NotThatAuth0Returned429()
    {
        // Review K7: call A's first attempt got Auth0's 503; while it backed off, call B got a 429 whose reset is past A's
        // budget, so the gate ended A's retry unsent. A's answer said "Auth0 returned 429" (it had one attempt, so the
        // "no attempt" rule missed it); the outcome now says the gate held it back.
        var (time, _) = Clock(resetIn: 0);
        await using var h = await Harness.StartAsync(Generous, time);
        var reset = time.GetUtcNow().AddSeconds(40);
        h.Server.Api = (ctx, n) => n == 1
            ? ScriptedAuth0Server.Json(ctx, 503, """{"statusCode":503,"error":"Service Unavailable","message":"try later"}""")
            : ScriptedAuth0Server.Json(ctx, 429, Limited, ("X-RateLimit-Reset", reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        var a = Task.Run(() => h.CallAsync(TestTool.Get()));
        await Until(() => h.Server.ApiCount >= 1, "call A's first attempt");
        await Task.Delay(200);
        var b = await h.CallAsync(TestTool.Get()).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("Auth0 returned 429", b.Text(), StringComparison.Ordinal);
        for (var i = 0; i < 400 && !a.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(a, Task.Delay(10));
        }

        var result = await a.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, h.Server.ApiCount);
        Assert.Contains("not sent to Auth0, held back with 429 TooManyRequests", result.Text(), StringComparison.Ordinal);
        Assert.Contains("(1 attempt made; the reset is", result.Text(), StringComparison.Ordinal);
        Assert.DoesNotContain("Auth0 returned 429", result.Text(), StringComparison.Ordinal);
    }

    /// <summary>A wall clock a test sets (back, too); the timestamp stays the system's monotonic one.</summary>
    private sealed class WallClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static void Generous(Auth0ConnectionOptions o)
    {
        o.Token = Harness.StaticToken;
        o.AttemptTimeout = TimeSpan.FromSeconds(20);
        o.RetryBudget = TimeSpan.FromSeconds(30);
    }

    /// <summary>A fake clock at a whole second near now (the tool's answer says the reset's time left by the real clock), and the reset.</summary>
    private static (FakeTimeProvider Time, DateTimeOffset Reset) Clock(int resetIn)
    {
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        return (new FakeTimeProvider(start), start.AddSeconds(resetIn));
    }

    /// <summary>Auth0 as it limits: 429 with the reset to any request before it, 200 from then on; each answer with the fake time it was given.</summary>
    private static ConcurrentQueue<(DateTimeOffset At, int Status)> Upstream(Harness h, FakeTimeProvider time, DateTimeOffset reset)
    {
        var answers = new ConcurrentQueue<(DateTimeOffset At, int Status)>();
        h.Server.Api = (ctx, _) =>
        {
            var now = time.GetUtcNow();
            var limited = now < reset;
            answers.Enqueue((now, limited ? 429 : 200));
            return limited
                ? ScriptedAuth0Server.Json(ctx, 429, Limited, ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)))
                : ScriptedAuth0Server.Json(ctx, 200, Ok);
        };
        return answers;
    }

    /// <summary>Moves the fake clock on in small steps (50 ms every 10 ms) until every call has ended.</summary>
    private static async Task AdvanceUntilDone(FakeTimeProvider time, Task[] calls)
    {
        var all = Task.WhenAll(calls);
        for (var i = 0; i < 1000 && !all.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.WhenAny(all, Task.Delay(10));
        }

        await all.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), "never happened: " + what);
    }

    /// <summary>
    /// Calls through the real pipeline. At the end any call still waiting (on the fake clock) is cancelled and awaited:
    /// the pipeline's disposal waits for executions in progress, on the fake clock too, and would never end.
    /// </summary>
    private sealed class Calls(Harness h) : IAsyncDisposable
    {
        private readonly Auth0ApiClient _client = h.Services.GetRequiredService<Auth0ApiClient>();
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<Task> _started = new();

        public Task<Auth0Response> SendAsync(IProgress<ModelContextProtocol.ProgressNotificationValue>? progress = null)
        {
            var call = Task.Run(() => _client.SendAsync(
                new HttpRequestMessage(HttpMethod.Get, new Uri(h.Server.ApiBase + "/users")),
                new Auth0CallState("gate-test", progress: progress),
                _stop.Token));
            _started.Enqueue(call);
            return call;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await Task.WhenAll(_started).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
            {
            }

            _stop.Dispose();
        }
    }
}
