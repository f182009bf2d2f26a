using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;

namespace Auth0Mcp.Server.Transport;

/// <summary>
/// Sits between the process's stdin/stdout and the MCP server's stream transport. Each incoming line is checked by
/// <see cref="JsonRpcGuard"/>: a line over the size limit is never held whole (its start and end are kept to answer
/// with its id; the rest is hashed and dropped), and a refused line never reaches the server: the guard answers it
/// with a JSON-RPC error and reports it (the audit). Output lines are written whole, so the server's answers and the
/// guard's never interleave. When stdin ends, the server's input ends only once every request that passed has been
/// answered (or cancelled by the client), within <see cref="DefaultDrain"/>: a client that writes its requests and
/// closes its end at once (<c>printf … | auth0-mcp serve</c>) still gets every answer.
/// </summary>
internal sealed class StdioGuard
{
    /// <summary>How long the end of stdin waits for the answers still owed.</summary>
    public static readonly TimeSpan DefaultDrain = TimeSpan.FromSeconds(30);

    private const int HeadBytes = 8192;
    private const int TailBytes = 512;
    private readonly Stream _stdin;
    private readonly LineAtomicStream _output;
    private readonly TransportLimits _limits;
    private readonly Func<JsonRpcRefusal, long, string, Task> _refused;
    // The reader (the SDK's transport) continues on the pump's thread when a line is flushed: one thread hop less
    // per request than resuming it on the thread pool.
    private readonly Pipe _pipe = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
    private readonly TimeSpan _drain;
    private readonly Lock _owedLock = new();
    private int _owed;
    private TaskCompletionSource? _settled;

    /// <param name="stdin">The process's input.</param>
    /// <param name="stdout">The process's output.</param>
    /// <param name="limits">The limits.</param>
    /// <param name="refused">Called for each refused line with its size and sha256 (hex), after the client was answered.</param>
    /// <param name="drain">How long the end of stdin waits for owed answers (<see cref="DefaultDrain"/> when null).</param>
    public StdioGuard(Stream stdin, Stream stdout, TransportLimits limits, Func<JsonRpcRefusal, long, string, Task> refused, TimeSpan? drain = null)
    {
        _stdin = stdin;
        _output = new LineAtomicStream(stdout, answers => Owe(-answers));
        _limits = limits;
        _refused = refused;
        _drain = drain ?? DefaultDrain;
        Input = _pipe.Reader.AsStream();
    }

    /// <summary>Whether stdin ended before any byte came (a client never connected: e.g. a container run without -i).</summary>
    public bool EndedEmpty { get; private set; }

    /// <summary>The requests passed to the server and not yet answered.</summary>
    internal int Owed
    {
        get
        {
            lock (_owedLock)
            {
                return _owed;
            }
        }
    }

    /// <summary>What the MCP server reads: only lines that passed.</summary>
    public Stream Input { get; }

    /// <summary>What the MCP server writes to.</summary>
    public Stream Output => _output;

    /// <summary>Copies stdin to <see cref="Input"/> line by line until stdin ends or <paramref name="cancellationToken"/> fires.</summary>
    public async Task PumpAsync(CancellationToken cancellationToken)
    {
        var line = new ArrayBufferWriter<byte>(4096);
        var head = new byte[HeadBytes];
        var tail = new byte[TailBytes];
        var headLength = 0;
        long tailWritten = 0;
        long length = 0;
        var oversized = false;
        // Only a refused line's sha256 is recorded: a line held whole is hashed if it is refused; an oversized one,
        // which is never held whole, is hashed as it streams past.
        IncrementalHash? hash = null;
        var buffer = new byte[64 * 1024];
        var any = false;
        try
        {
            while (true)
            {
                var read = await _stdin.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    EndedEmpty = !any;
                    break;
                }

                any = true;

                var chunk = buffer.AsMemory(0, read);
                while (!chunk.IsEmpty)
                {
                    var newline = chunk.Span.IndexOf((byte)'\n');
                    var part = newline < 0 ? chunk : chunk[..newline];
                    length += part.Length;
                    if (!oversized && length > _limits.MaxRequestBytes)
                    {
                        // Too large: stop holding it; keep its start for the id.
                        oversized = true;
                        hash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                        hash.AppendData(line.WrittenSpan);
                        headLength = Math.Min(HeadBytes, line.WrittenCount);
                        line.WrittenSpan[..headLength].CopyTo(head);
                        var more = Math.Min(HeadBytes - headLength, part.Length);
                        part.Span[..more].CopyTo(head.AsSpan(headLength));
                        headLength += more;
                        line.Clear();
                    }

                    if (oversized)
                    {
                        hash!.AppendData(part.Span);
                        foreach (var b in part.Span)
                        {
                            tail[tailWritten++ % TailBytes] = b;
                        }
                    }
                    else
                    {
                        line.Write(part.Span);
                    }

                    if (newline < 0)
                    {
                        break;
                    }

                    chunk = chunk[(newline + 1)..];
                    if (oversized)
                    {
                        var header = JsonRpcGuard.Peek(head.AsSpan(0, headLength));
                        JsonRpcGuard.PeekTail(Ordered(tail, tailWritten), header);
                        await RefuseAsync(JsonRpcGuard.TooLarge(length, _limits, header), length, Convert.ToHexStringLower(hash!.GetHashAndReset())).ConfigureAwait(false);
                    }
                    else
                    {
                        await PassOrRefuseAsync(line.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    }

                    line.Clear();
                    (length, oversized, tailWritten, headLength) = (0, false, 0, 0);
                }
            }

            if (line.WrittenCount > 0 && !oversized)
            {
                await PassOrRefuseAsync(line.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }

            await AnswersOwedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            hash?.Dispose();
            await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async Task PassOrRefuseAsync(ReadOnlyMemory<byte> line, CancellationToken cancellationToken)
    {
        var message = line;
        var span = message.Span;
        if (span.StartsWith("\uFEFF"u8))
        {
            message = message[3..];
        }

        if (message.Span.Trim(" \t\r"u8).IsEmpty)
        {
            return;
        }

        if (JsonRpcGuard.Check(message.Span, _limits, out var kind) is { } refusal)
        {
            await RefuseAsync(refusal, message.Length, Convert.ToHexStringLower(SHA256.HashData(line.Span))).ConfigureAwait(false);
            return;
        }

        // A request is owed an answer from here on; a cancelled one will get none (MCP's cancellation).
        Owe(kind switch { JsonRpcKind.Request => 1, JsonRpcKind.Cancellation => -1, _ => 0 });

        // The line and its end in one flush, so the reader wakes once per message.
        _pipe.Writer.Write(message.Span);
        _pipe.Writer.Write("\n"u8);
        await _pipe.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Changes the count of answers owed: up for a request passed on, down for answers out and cancellations.</summary>
    private void Owe(int change)
    {
        if (change == 0)
        {
            return;
        }

        lock (_owedLock)
        {
            _owed = Math.Max(0, _owed + change);
            if (_owed == 0)
            {
                _settled?.TrySetResult();
            }
        }
    }

    /// <summary>At the end of stdin: waits until every passed request is answered, at most the drain time.</summary>
    private async Task AnswersOwedAsync(CancellationToken cancellationToken)
    {
        Task settled;
        lock (_owedLock)
        {
            if (_owed == 0)
            {
                return;
            }

            _settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            settled = _settled.Task;
        }

        try
        {
            await settled.WaitAsync(_drain, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The server's input ends anyway; what is still running is cancelled with it.
        }
    }

    private async Task RefuseAsync(JsonRpcRefusal refusal, long bytes, string digest)
    {
        await _output.WriteLineAsync(refusal.Response()).ConfigureAwait(false);
        await _refused(refusal, bytes, digest).ConfigureAwait(false);
    }

    private static byte[] Ordered(byte[] ring, long written)
    {
        if (written <= ring.Length)
        {
            return ring[..(int)written];
        }

        var start = (int)(written % ring.Length);
        return [.. ring[start..], .. ring[..start]];
    }
}

/// <summary>
/// A write-only stream that passes whole lines to the inner stream under one lock, so two writers never interleave
/// within a line. A partial line waits in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the SDK writes each
/// message, a <c>tools/list</c> page of up to a few hundred KB, and then its line end as a second write); a buffer
/// grown past <see cref="KeptBytes"/> goes back to the pool once its line is out, so an idle server holds none.
/// <paramref name="answered"/>, when given, learns how many of the lines that went out were answers (a top-level
/// <c>result</c> or <c>error</c>), not notifications or the server's own requests.
/// </summary>
internal sealed class LineAtomicStream(Stream inner, Action<int>? answered = null) : Stream
{
    /// <summary>The largest buffer kept between lines.</summary>
    internal const int KeptBytes = 16 * 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[] _pending = [];
    private int _count;

    /// <summary>The size of the buffer held for a partial line (0 when none).</summary>
    internal int BufferedCapacity => _pending.Length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Writes <paramref name="line"/> and a line end as one unit.</summary>
    public async Task WriteLineAsync(byte[] line)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await inner.WriteAsync(line).ConfigureAwait(false);
            await inner.WriteAsync("\n"u8.ToArray()).ConfigureAwait(false);
            await inner.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // What is pending holds no line end, so only the new bytes are searched.
            var end = buffer.Span.LastIndexOf((byte)'\n');
            if (end < 0)
            {
                Append(buffer.Span);
                return;
            }

            // Complete lines go out at once; only a partial line after them is kept.
            if (_count == 0)
            {
                await inner.WriteAsync(buffer[..(end + 1)], cancellationToken).ConfigureAwait(false);
                Answered(buffer.Span[..(end + 1)]);
            }
            else
            {
                Append(buffer.Span[..(end + 1)]);
                await inner.WriteAsync(_pending.AsMemory(0, _count), cancellationToken).ConfigureAwait(false);
                Answered(_pending.AsSpan(0, _count));
                _count = 0;
                if (_pending.Length > KeptBytes)
                {
                    ArrayPool<byte>.Shared.Return(_pending);
                    _pending = [];
                }
            }

            Append(buffer.Span[(end + 1)..]);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Tells <c>answered</c> how many of the complete <paramref name="lines"/> are answers.</summary>
    private void Answered(ReadOnlySpan<byte> lines)
    {
        if (answered is null)
        {
            return;
        }

        var count = 0;
        while (!lines.IsEmpty)
        {
            var end = lines.IndexOf((byte)'\n');
            var line = end < 0 ? lines : lines[..end];
            count += JsonRpcGuard.IsAnswer(line) ? 1 : 0;
            lines = end < 0 ? default : lines[(end + 1)..];
        }

        answered(count);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        if (_count + bytes.Length > _pending.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_count + bytes.Length, Math.Max(_pending.Length * 2, 4096)));
            _pending.AsSpan(0, _count).CopyTo(grown);
            if (_pending.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_pending);
            }

            _pending = grown;
        }

        bytes.CopyTo(_pending.AsSpan(_count));
        _count += bytes.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
        }

        base.Dispose(disposing);
    }
}
