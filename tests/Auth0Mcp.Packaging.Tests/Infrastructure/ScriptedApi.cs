using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Auth0Mcp.Packaging.Tests.Infrastructure;

/// <summary>A tiny HTTP server on 127.0.0.1 that answers from a script (method + path → status, JSON) and records requests.</summary>
internal sealed class ScriptedApi : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, (int Status, string Json)> _script;
    private readonly Task _loop;

    public ScriptedApi(Dictionary<string, (int Status, string Json)> script)
    {
        _script = script;
        var port = FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUrl { get; }

    /// <summary>"METHOD /path?query | Authorization header" of every request, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }

            var key = $"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath}";
            Requests.Enqueue($"{key}{context.Request.Url.Query} | {context.Request.Headers["Authorization"]}");
            var (status, json) = _script.TryGetValue(key, out var answer) ? answer : (404, """{"statusCode":404,"error":"Not Found","message":"not scripted"}""");
            var bytes = Encoding.UTF8.GetBytes(json);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
