using System.Net;
using System.Net.Sockets;

namespace Auth0Mcp.Generators.Tests.Infrastructure;

/// <summary>
/// Serves the same bytes at every path of http://127.0.0.1:port/ (quotes and all), as a hostile host would; <see cref="Body"/>
/// can be changed between requests (a mirror that served other bytes once), and <see cref="Requests"/> counts them.
/// </summary>
internal sealed class SpecServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private int _requests;
    private readonly Task _loop;

    public SpecServer(byte[] body)
    {
        Body = body;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public byte[] Body { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // the listener closed under a pending GetContextAsync
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            Interlocked.Increment(ref _requests);
            var body = Body;
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }
}
