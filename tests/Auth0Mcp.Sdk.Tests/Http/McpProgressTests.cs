using System.Collections.Concurrent;
using System.IO.Pipelines;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>Through a real MCP client and server pair (in-memory streams): retry waits reach the client as progress.</summary>
public sealed class McpProgressTests
{
    [Fact]
    public async Task ToolCallWithProgressToken_WhileWaitingOnA429_ClientReceivesProgressNotification()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, n) => n == 1
            ? ScriptedAuth0Server.Json(ctx, 429, "{}", ("Retry-After", "1"))
            : ScriptedAuth0Server.Json(ctx, 200, """{"users":[]}""");
        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var options = new McpServerOptions { ToolCollection = [TestTool.Get()] };
        await using var server = McpServer.Create(
            new StreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream()), options, null, h.Services);
        var running = server.RunAsync(stop.Token);
        await using var client = await McpClient.CreateAsync(
            new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()), cancellationToken: stop.Token);
        var received = new ConcurrentQueue<ProgressNotificationValue>();
        var progress = new SyncProgress(received.Enqueue);

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?>(), progress, cancellationToken: stop.Token);

        Assert.True(result.IsError != true, result.Text());
        Assert.Equal(2, h.Server.ApiCount);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (received.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        var report = Assert.Single(received);
        Assert.Contains("429", report.Message, StringComparison.Ordinal);
        await stop.CancelAsync();
    }

    [Fact]
    public async Task ToolCallCancelledByTheClient_CancelsTheAuth0Request()
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, _) => h.Server.Stall(ctx);
        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var server = McpServer.Create(
            new StreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream()), new McpServerOptions { ToolCollection = [TestTool.Get()] }, null, h.Services);
        var running = server.RunAsync(stop.Token);
        await using var client = await McpClient.CreateAsync(
            new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()), cancellationToken: stop.Token);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CallToolAsync("auth0_users_list", new Dictionary<string, object?>(), cancellationToken: cancel.Token).AsTask());

        await h.Server.ClientAborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
    }

    private sealed class SyncProgress(Action<ProgressNotificationValue> report) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => report(value);
    }
}
