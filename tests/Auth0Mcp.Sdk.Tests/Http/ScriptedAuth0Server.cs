using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>A request as the scripted server saw it.</summary>
internal sealed record RecordedRequest(int Index, string Method, string RawTarget, string Path, string? Authorization, string Body, DateTimeOffset At)
{
    /// <summary>The request's headers as they arrived (Content-Type among them), each name once with its values joined.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A tiny scripted stand-in for Auth0 on 127.0.0.1 (Kestrel, port 0): <c>/oauth/token</c> goes to
/// <see cref="Token"/>, everything else to <see cref="Api"/>. Each handler gets the call's 1-based index.
/// </summary>
internal sealed class ScriptedAuth0Server : IAsyncDisposable
{
    private const string WarmUpPath = "/__warm-up";

    private readonly WebApplication _app;
    private int _apiCount;
    private int _tokenCount;

    private ScriptedAuth0Server(WebApplication app) => _app = app;

    public Uri Root { get; private set; } = null!;

    /// <summary>The Management API base (what <c>BaseUrl</c> is set to): <c>{root}api/v2</c>.</summary>
    public Uri ApiBase => new(Root, "api/v2");

    public Uri TokenEndpoint => new(Root, "oauth/token");

    public ConcurrentQueue<RecordedRequest> ApiRequests { get; } = new();

    public ConcurrentQueue<RecordedRequest> TokenRequests { get; } = new();

    public int ApiCount => Volatile.Read(ref _apiCount);

    public int TokenCount => Volatile.Read(ref _tokenCount);

    public Func<HttpContext, int, Task> Api { get; set; } = (ctx, _) => Json(ctx, 200, "{}");

    public Func<HttpContext, int, Task> Token { get; set; } = (ctx, _) => Json(ctx, 500, "{}");

    /// <summary>Set when a request was aborted by the client (cancellation reached the server).</summary>
    public TaskCompletionSource ClientAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<ScriptedAuth0Server> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ScriptedAuth0Server(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Root = new Uri(address.TrimEnd('/') + "/");

        // One uncounted request before any test's: Kestrel's first request compiles its pipeline, which on a
        // loaded two-core machine can take longer than a test's few-hundred-millisecond attempt timeout.
        using (var warm = new HttpClient())
        {
            using var answer = await warm.GetAsync(new Uri(server.Root, WarmUpPath));
            answer.EnsureSuccessStatusCode();
        }

        return server;
    }

    public static async Task Json(HttpContext ctx, int status, string json, params (string Name, string Value)[] headers)
    {
        ctx.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            ctx.Response.Headers[name] = value;
        }

        ctx.Response.ContentType = "application/json; charset=utf-8";
        await ctx.Response.WriteAsync(json, ctx.RequestAborted);
    }

    /// <summary>Waits far longer than any test's timeout, unless the client gives up first.</summary>
    public async Task Stall(HttpContext ctx)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            ClientAborted.TrySetResult();
        }
    }

    /// <summary>Resets the connection without an answer.</summary>
    public static Task Reset(HttpContext ctx)
    {
        ctx.Abort();
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        if (ctx.Request.Path.Equals(WarmUpPath, StringComparison.Ordinal))
        {
            ctx.Response.StatusCode = 204;
            return;
        }

        // Counted and timed on arrival, before the body is read: a client that gives up early was still seen.
        var isToken = ctx.Request.Path.Equals("/oauth/token", StringComparison.Ordinal);
        var index = isToken ? Interlocked.Increment(ref _tokenCount) : Interlocked.Increment(ref _apiCount);
        var at = DateTimeOffset.UtcNow;
        string body;
        using (var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }

        var raw = ctx.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var record = new RecordedRequest(index, ctx.Request.Method, raw, ctx.Request.Path.Value ?? "", ctx.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, body, at)
        {
            Headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
        };
        (isToken ? TokenRequests : ApiRequests).Enqueue(record);
        await (isToken ? Token : Api)(ctx, index);
    }
}
