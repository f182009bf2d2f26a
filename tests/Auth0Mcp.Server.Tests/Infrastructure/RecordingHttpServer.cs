using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Auth0Mcp.Server.Tests.Infrastructure;

/// <summary>
/// A scripted HTTP/1.1 server on 127.0.0.1 that records each request's raw request line and headers exactly as they
/// arrived on the wire, and answers every request with a fixed status and JSON body.
/// </summary>
internal sealed class RecordingHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly int _status;
    private readonly string _body;
    private readonly Func<Task>? _hold;

    /// <param name="status">The status of every answer.</param>
    /// <param name="body">The body of every answer.</param>
    /// <param name="hold">Awaited before each answer (after the request is recorded): an Auth0 that takes its time.</param>
    public RecordingHttpServer(int status = 200, string body = "{}", Func<Task>? hold = null)
    {
        _status = status;
        _body = body;
        _hold = hold;
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Each request's head: the request line then the header lines, as received.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            while (true)
            {
                var head = new StringBuilder();
                string? line;
                var contentLength = 0;
                while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
                {
                    head.Append(line).Append('\n');
                    if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    {
                        contentLength = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    }
                }

                if (head.Length == 0)
                {
                    return;
                }

                if (contentLength > 0)
                {
                    var buffer = new char[contentLength];
                    var read = 0;
                    while (read < contentLength)
                    {
                        var n = await reader.ReadAsync(buffer.AsMemory(read));
                        if (n == 0)
                        {
                            break;
                        }

                        read += n;
                    }
                }

                Requests.Enqueue(head.ToString());
                if (_hold is not null)
                {
                    await _hold();
                }

                var payload = Encoding.UTF8.GetBytes(_body);
                var response = $"HTTP/1.1 {_status} X\r\nContent-Type: application/json\r\nContent-Length: {payload.Length}\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
                await stream.WriteAsync(payload);
                await stream.FlushAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
