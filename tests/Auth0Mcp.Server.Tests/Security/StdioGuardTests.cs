using System.Collections.Concurrent;
using System.Text;
using Auth0Mcp.Server.Transport;

namespace Auth0Mcp.Server.Tests.Security;

/// <summary>
/// The stdio guard in process: what passes reaches the SDK's input as whole lines, one flush per line; what the SDK
/// writes reaches stdout as whole lines, never interleaved.
/// </summary>
public sealed class StdioGuardTests
{
    private static readonly TransportLimits Limits = new(TransportLimits.DefaultMaxRequestBytes, TransportLimits.DefaultMaxDepth);

    [Fact]
    public async Task Pump_ValidAndMalformedLines_PassesOnlyValidOnesWholeAndAnswersTheRest()
    {
        const string first = """{"jsonrpc":"2.0","id":1,"method":"ping"}""";
        const string second = """{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}""";
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes(first + "\n{\"jsonrpc\":\"2.0\",\"id\":3,\n" + second + "\n"));
        var stdout = new MemoryStream();
        var refused = new List<long>();
        var guard = new StdioGuard(stdin, stdout, Limits, (_, bytes, _) => { refused.Add(bytes); return Task.CompletedTask; });

        // The reader runs inline on the pump's thread: reading concurrently must still see each line whole.
        var reading = Task.Run(async () =>
        {
            using var reader = new StreamReader(guard.Input, Encoding.UTF8);
            var lines = new List<string>();
            while (await reader.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }

            return lines;
        });
        await guard.PumpAsync(CancellationToken.None);
        var passed = await reading.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([first, second], passed);
        Assert.Single(refused);
        var answer = Encoding.UTF8.GetString(stdout.ToArray());
        Assert.EndsWith("\n", answer, StringComparison.Ordinal);
        Assert.Contains("\"error\"", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_LineWrittenInPieces_GoesOutOnceComplete()
    {
        var inner = new RecordingStream();
        var output = new LineAtomicStream(inner);

        await output.WriteAsync(Encoding.UTF8.GetBytes("{\"a\":"));
        Assert.Empty(inner.Writes);
        await output.WriteAsync(Encoding.UTF8.GetBytes("1}\n{\"b\""));
        await output.WriteAsync(Encoding.UTF8.GetBytes(":2}\n"));

        Assert.Equal(["{\"a\":1}\n", "{\"b\":2}\n"], inner.Writes);
    }

    [Fact]
    public async Task Output_LargeLineThenItsEnd_GoesOutWholeAndTheBufferIsReleased()
    {
        var inner = new RecordingStream();
        var output = new LineAtomicStream(inner);
        var page = "{\"tools\":[" + string.Join(",", Enumerable.Range(0, 4000).Select(i => $"{{\"name\":\"t{i}\"}}")) + "]}";

        // As the SDK writes a message: the serialized bytes, then the line end on its own.
        await output.WriteAsync(Encoding.UTF8.GetBytes(page[..1000]));
        await output.WriteAsync(Encoding.UTF8.GetBytes(page[1000..]));
        Assert.Empty(inner.Writes);
        Assert.True(output.BufferedCapacity > LineAtomicStream.KeptBytes);
        await output.WriteAsync("\n"u8.ToArray());
        await output.WriteAsync(Encoding.UTF8.GetBytes("{\"b\":2}\n{\"c\""));

        Assert.Equal([page + "\n", "{\"b\":2}\n"], inner.Writes);
        Assert.InRange(output.BufferedCapacity, 1, LineAtomicStream.KeptBytes);
        await output.WriteAsync(Encoding.UTF8.GetBytes(":3}\n"));
        Assert.Equal("{\"c\":3}\n", inner.Writes[^1]);
    }

    [Fact]
    public async Task Output_ManyConcurrentWriters_EveryWriteHoldsWholeLinesOnly()
    {
        var inner = new RecordingStream();
        var output = new LineAtomicStream(inner);
        var expected = new ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                var line = $"{{\"writer\":{writer},\"n\":{i},\"pad\":\"{new string('x', i * 7)}\"}}\n";
                expected.Add(line);
                await output.WriteLineAsync(Encoding.UTF8.GetBytes(line.TrimEnd('\n')));
            }
        })));

        Assert.All(inner.Writes, w => Assert.True(w.EndsWith('\n') && w.IndexOf('\n', StringComparison.Ordinal) == w.Length - 1, w));
        Assert.Equal(expected.Order(StringComparer.Ordinal), inner.Writes.Order(StringComparer.Ordinal));
    }

    /// <summary>Records each write as one string; writes that end without a newline are joined to the next, as a pipe would carry them.</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly StringBuilder _open = new();

        public List<string> Writes { get; } = [];

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Record(buffer.AsSpan(offset, count));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Record(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private void Record(ReadOnlySpan<byte> bytes)
        {
            lock (Writes)
            {
                _open.Append(Encoding.UTF8.GetString(bytes));
                if (_open.Length > 0 && _open[^1] == '\n')
                {
                    Writes.Add(_open.ToString());
                    _open.Clear();
                }
            }
        }
    }
}
