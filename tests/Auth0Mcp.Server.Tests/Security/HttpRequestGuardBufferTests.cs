using System.Text;
using Auth0Mcp.Server.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Auth0Mcp.Server.Tests.Security;

/// <summary>
/// What the HTTP request guard allocates to hold a body it passes on: one array of the body's size when the request
/// declares its length (no growing buffer, no copy of it), about two when it does not (blocks, then one array).
/// The guard runs on this thread from start to end (a body in memory, a handler that completes at once), so the
/// thread's allocation count is the guard's.
/// </summary>
public sealed class HttpRequestGuardBufferTests
{
    private const int BodyBytes = 4 * 1024 * 1024 - 1024;
    private const long Slack = 256 * 1024;

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    public async Task Body_PassedOn_IsHeldInAboutAsManyBytesAsItHas(bool declared, int copies)
    {
        var (guard, endpoint) = Guard(out var seen);
        var body = Body(BodyBytes);
        // Once first, so what running it the first time costs (compiling, caches) is not counted.
        await guard(Request(endpoint, Body(2048), declared));

        var context = Request(endpoint, body, declared);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var running = guard(context);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(running.IsCompleted, "the guard went off this thread: the count would miss what it allocated there");
        await running;
        Assert.Equal(body.Length, seen.Length);
        Assert.True(allocated < (copies * (long)body.Length) + Slack, $"{allocated} bytes allocated for a body of {body.Length} ({(declared ? "Content-Length" : "chunked")})");
    }

    /// <summary>The guard before a handler that records the length of the body it is given, and the guarded endpoint.</summary>
    private static (RequestDelegate Guard, Endpoint Endpoint) Guard(out StrongBox seen)
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        app.UseJsonRpcGuard(new TransportLimits(TransportLimits.DefaultMaxRequestBytes, TransportLimits.DefaultMaxDepth));
        var box = new StrongBox();
        app.Run(context =>
        {
            box.Length = context.Request.Body.Length;
            return Task.CompletedTask;
        });

        var conventions = new Conventions();
        conventions.GuardedByJsonRpc();
        var endpoint = new RouteEndpointBuilder(_ => Task.CompletedTask, RoutePatternFactory.Parse("/mcp"), 0);
        conventions.Apply(endpoint);
        seen = box;
        return (((IApplicationBuilder)app).Build(), endpoint.Build());
    }

    private static DefaultHttpContext Request(Endpoint endpoint, byte[] body, bool declared)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(body, writable: false);
        context.Request.ContentLength = declared ? body.Length : null;
        context.Response.Body = new MemoryStream();
        context.SetEndpoint(endpoint);
        return context;
    }

    /// <summary>A valid JSON-RPC ping of <paramref name="size"/> bytes.</summary>
    private static byte[] Body(int size)
    {
        const string Start = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"params\":{\"pad\":\"";
        const string End = "\"}}";
        return Encoding.UTF8.GetBytes(Start + new string('x', size - Start.Length - End.Length) + End);
    }

    private sealed class StrongBox
    {
        public long Length { get; set; } = -1;
    }

    internal sealed class Conventions : IEndpointConventionBuilder
    {
        private readonly List<Action<EndpointBuilder>> _conventions = [];

        public void Add(Action<EndpointBuilder> convention) => _conventions.Add(convention);

        public void Apply(EndpointBuilder builder) => _conventions.ForEach(c => c(builder));
    }
}
