using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Auth0Mcp.Sdk;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Server.Transport;

/// <summary>
/// Sits between the process's stdin/stdout and the MCP server's stream transport. Each incoming line is checked by
/// <see cref="JsonRpcGuard"/>: a line over the size limit is never held whole (its start and end are kept to answer
/// with its id; the rest is hashed and dropped), and a refused line never reaches the server: the guard answers it
/// with a JSON-RPC error and reports it (the audit). Output lines are written whole, so the server's answers and the
/// guard's never interleave.
/// <para>
/// Back-pressure: the guard keeps the ids of the requests it passed and the server has not answered (owed), at most
/// <see cref="DefaultMaxOwed"/>. A request beyond them is held, in order, and goes to the server as answers go out;
/// meanwhile stdin is still read, so a notification (a <c>notifications/cancelled</c>) or a client's answer to the
/// server's own request (elicitation, sampling, roots) reaches the server at once, and a call that waits for one is
/// not stalled behind the held requests. A cancellation of a held request takes it out (the server never sees it; a
/// cancelled request gets no answer); a cancellation of an owed one frees its place; a cancellation of an id not owed
/// frees nothing. Only the held requests' bytes (each counted with <see cref="HeldOverhead"/> more) bound the reading:
/// once they reach the request size limit (<see cref="TransportLimits.MaxRequestBytes"/>), stdin is not read until a
/// held request goes on, so a client that reads no answers and keeps writing has its writes blocked instead of filling
/// the server's memory (at most the limit, plus one line, plus the line being read).
/// </para>
/// <para>
/// When stdin ends, the held requests still go to the server as answers go out (each wait at most
/// <see cref="DefaultDrain"/>), and the server's input ends only once every request that passed has been answered (or
/// cancelled by the client), within <see cref="DefaultDrain"/>: a client that writes its requests and closes its end at
/// once (<c>printf … | auth0-mcp serve</c>) still gets every answer. When the drain runs out with answers still owed
/// (a call waiting on the client that left, for its confirmation by elicitation), the guard calls its
/// <c>overdue</c> action: the end of the server's input cancels nothing that runs (the SDK's session waits for every
/// handler), so the host must stop the session, which cancels what still runs (<see cref="ServeCommand"/>).
/// </para>
/// </summary>
internal sealed class StdioGuard
{
    /// <summary>How long the end of stdin waits for the answers still owed.</summary>
    public static readonly TimeSpan DefaultDrain = TimeSpan.FromSeconds(30);

    /// <summary>The most answers owed at once: a request beyond them is held until one goes out.</summary>
    public const int DefaultMaxOwed = 64;

    /// <summary>What a held request costs beside its bytes (its queue node, array and id), counted against the bound.</summary>
    internal const int HeldOverhead = 128;

    private const int HeadBytes = 8192;
    private const int TailBytes = 512;
    private readonly Stream _stdin;
    private readonly LineWriter _output;
    private readonly TransportLimits _limits;
    private readonly Func<JsonRpcRefusal, long, string, Task> _refused;
    // The reader (the SDK's transport) continues on the pump's thread when a line is flushed: one thread hop less
    // per request than resuming it on the thread pool. Only the pump writes to it.
    private readonly Pipe _pipe = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
    private readonly TimeSpan _drain;
    private readonly int _maxOwed;
    // The requests held beyond the most owed, oldest first, and their cost: only the pump touches them.
    private readonly LinkedList<HeldRequest> _held = new();
    private long _heldBytes;
    private readonly Lock _owedLock = new();
    // The ids owed an answer (JsonRpcGuard.IdKey), each with how many requests passed with it (a client that repeats
    // an id still counts each request), and their total.
    private readonly Dictionary<string, int> _owedIds = new(StringComparer.Ordinal);
    private int _owed;
    private TaskCompletionSource? _settled;
    private TaskCompletionSource? _room;
    private readonly Action? _overdue;

    /// <param name="stdin">The process's input.</param>
    /// <param name="stdout">The process's output.</param>
    /// <param name="limits">The limits (<see cref="TransportLimits.MaxRequestBytes"/> also bounds the held requests).</param>
    /// <param name="refused">Called for each refused line with its size and sha256 (hex), after the client was answered.</param>
    /// <param name="drain">How long the end of stdin waits for owed answers (<see cref="DefaultDrain"/> when null).</param>
    /// <param name="maxOwed">The most answers owed at once (<see cref="DefaultMaxOwed"/> when null).</param>
    /// <param name="overdue">
    /// Called once when stdin has ended and the drain ran out with answers still owed: what still runs waits on a client
    /// that has gone, and must be cancelled (the server's input ending does not).
    /// </param>
    public StdioGuard(Stream stdin, Stream stdout, TransportLimits limits, Func<JsonRpcRefusal, long, string, Task> refused, TimeSpan? drain = null, int? maxOwed = null, Action? overdue = null)
    {
        _overdue = overdue;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOwed ?? DefaultMaxOwed, 1);
        _maxOwed = maxOwed ?? DefaultMaxOwed;
        _stdin = stdin;
        _output = new LineWriter(stdout, Answered);
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

    /// <summary>What the MCP server writes to (<see cref="StdioGuardTransport"/>).</summary>
    public LineWriter Output => _output;

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
        // On the pinned-object heap: a read of stdin waits with the buffer pinned, and a pinned buffer amid the ordinary
        // heap keeps the collection from compacting what lies before it (the start-up trim would leave megabytes
        // committed in front of it).
        var buffer = GC.AllocateUninitializedArray<byte>(64 * 1024, pinned: true);
        var any = false;
        // While requests are held: the read of stdin under way, kept across the waits for room (never cancelled and
        // begun again: what it reads would be lost).
        Task<int>? reading = null;

        // A line over the limit, never held whole: answered with the id read from its start or its end.
        Task RefuseOversizedAsync()
        {
            var header = JsonRpcGuard.Peek(head.AsSpan(0, headLength));
            JsonRpcGuard.PeekTail(Ordered(tail, tailWritten), header);
            return RefuseAsync(JsonRpcGuard.TooLarge(length, _limits, header), length, Convert.ToHexStringLower(hash!.GetHashAndReset()));
        }

        try
        {
            while (true)
            {
                int read;
                if (reading is null && _held.Count == 0)
                {
                    read = await _stdin.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Requests are held: pass what there is room for, then wait for stdin or for room, whichever comes first.
                    await PassHeldAsync(cancellationToken).ConfigureAwait(false);
                    if (reading is null)
                    {
                        if (_held.Count == 0)
                        {
                            continue;
                        }

                        if (_heldBytes >= _limits.MaxRequestBytes)
                        {
                            // The memory bound: stdin is not read until a held request goes on.
                            await RoomAsync(cancellationToken).ConfigureAwait(false);
                            continue;
                        }

                        reading = _stdin.ReadAsync(buffer, cancellationToken).AsTask();
                    }

                    if (!reading.IsCompleted && _held.Count > 0)
                    {
                        await Task.WhenAny(reading, RoomTask()).ConfigureAwait(false);
                        if (!reading.IsCompleted)
                        {
                            continue;
                        }
                    }

                    read = await reading.ConfigureAwait(false);
                    reading = null;
                }

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
                        await RefuseOversizedAsync().ConfigureAwait(false);
                    }
                    else
                    {
                        await PassOrRefuseAsync(line.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    }

                    line.Clear();
                    (length, oversized, tailWritten, headLength) = (0, false, 0, 0);
                }
            }

            // The last line, when stdin ended without its line end: handled as any other line, refused if too large.
            if (oversized)
            {
                await RefuseOversizedAsync().ConfigureAwait(false);
            }
            else if (line.WrittenCount > 0)
            {
                await PassOrRefuseAsync(line.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }

            // No answer within the drain while requests were held, or answers still owed after it: what still runs
            // waits on a client that has gone.
            if (!await HeldAtTheEndAsync(cancellationToken).ConfigureAwait(false) || !await AnswersOwedAsync(cancellationToken).ConfigureAwait(false))
            {
                _overdue?.Invoke();
            }
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
        var message = Utf8Bom.Skip(line);

        if (message.Span.Trim(" \t\r"u8).IsEmpty)
        {
            return;
        }

        if (JsonRpcGuard.Check(message.Span, _limits, out var kind, out var idKey) is { } refusal)
        {
            await RefuseAsync(refusal, message.Length, Convert.ToHexStringLower(SHA256.HashData(line.Span))).ConfigureAwait(false);
            return;
        }

        if (kind == JsonRpcKind.Request && (_held.Count > 0 || !TryOwe(idKey!)))
        {
            // As many answers owed as allowed, or requests held before it: held, in order, until there is room.
            var held = new HeldRequest(message.ToArray(), idKey!);
            _held.AddLast(held);
            _heldBytes += held.Cost;
            return;
        }

        if (kind == JsonRpcKind.Cancellation && idKey is not null)
        {
            if (RemoveHeld(idKey))
            {
                // The server never saw the request: nothing to cancel there, and no answer is owed for it.
                return;
            }

            // A request passed is owed no answer once cancelled (MCP's cancellation); any other id frees nothing.
            Release(idKey);
        }

        await WriteToServerAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The line and its end in one flush, so the reader wakes once per message. Only the pump calls it.</summary>
    private async Task WriteToServerAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        _pipe.Writer.Write(message.Span);
        _pipe.Writer.Write("\n"u8);
        await _pipe.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Passes the held requests, oldest first, while there is room for them.</summary>
    private async Task PassHeldAsync(CancellationToken cancellationToken)
    {
        while (_held.First is { } first && TryOwe(first.Value.IdKey))
        {
            _held.RemoveFirst();
            _heldBytes -= first.Value.Cost;
            await WriteToServerAsync(first.Value.Message, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the oldest held request with this id out of the queue; false when none is held.</summary>
    private bool RemoveHeld(string idKey)
    {
        for (var node = _held.First; node is not null; node = node.Next)
        {
            if (node.Value.IdKey == idKey)
            {
                _held.Remove(node);
                _heldBytes -= node.Value.Cost;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// At the end of stdin: the held requests still go to the server as room appears, each wait at most the drain time;
    /// false when a wait ran out (what is still held is dropped).
    /// </summary>
    private async Task<bool> HeldAtTheEndAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await PassHeldAsync(cancellationToken).ConfigureAwait(false);
            if (_held.Count == 0)
            {
                return true;
            }

            try
            {
                await RoomTask().WaitAsync(_drain, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // No answer went out in the drain time: the server's input ends, and what is still held never runs.
                _held.Clear();
                _heldBytes = 0;
                return false;
            }
        }
    }

    /// <summary>Owes an answer to the request with this id, if fewer than the most allowed are owed.</summary>
    private bool TryOwe(string idKey)
    {
        lock (_owedLock)
        {
            if (_owed >= _maxOwed)
            {
                return false;
            }

            _owedIds[idKey] = _owedIds.GetValueOrDefault(idKey) + 1;
            _owed++;
            return true;
        }
    }

    /// <summary>An answer went out (LineWriter): its request is owed nothing more.</summary>
    private void Answered(RequestId id)
    {
        if (JsonRpcGuard.IdKey(id) is { } idKey)
        {
            Release(idKey);
        }
    }

    /// <summary>Owes one request with this id nothing more, if one is owed (an id answered or cancelled already, or never passed, changes nothing).</summary>
    private void Release(string idKey)
    {
        lock (_owedLock)
        {
            if (!_owedIds.TryGetValue(idKey, out var count))
            {
                return;
            }

            if (count == 1)
            {
                _owedIds.Remove(idKey);
            }
            else
            {
                _owedIds[idKey] = count - 1;
            }

            _owed--;
            if (_owed == 0)
            {
                _settled?.TrySetResult();
            }

            if (_room is not null)
            {
                _room.TrySetResult();
                _room = null;
            }
        }
    }

    /// <summary>Completes when fewer than the most answers allowed are owed (only the pump adds to them, so it stays so).</summary>
    private Task RoomTask()
    {
        lock (_owedLock)
        {
            if (_owed < _maxOwed)
            {
                return Task.CompletedTask;
            }

            _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _room.Task;
        }
    }

    /// <summary>Waits until fewer than the most answers allowed are owed.</summary>
    private Task RoomAsync(CancellationToken cancellationToken) => RoomTask().WaitAsync(cancellationToken);

    /// <summary>At the end of stdin: waits until every passed request is answered, at most the drain time; false when answers are still owed.</summary>
    private async Task<bool> AnswersOwedAsync(CancellationToken cancellationToken)
    {
        Task settled;
        lock (_owedLock)
        {
            if (_owed == 0)
            {
                return true;
            }

            _settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            settled = _settled.Task;
        }

        try
        {
            await settled.WaitAsync(_drain, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
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

    /// <summary>A request held until there is room for it: its line (without the line end) and its id's key.</summary>
    private sealed record HeldRequest(byte[] Message, string IdKey)
    {
        /// <summary>What it counts against the bound: its bytes, its id's characters and <see cref="HeldOverhead"/>.</summary>
        public long Cost => Message.Length + (2L * IdKey.Length) + HeldOverhead;
    }
}

/// <summary>
/// The process's stdout, written one whole line at a time under one lock, so the server's messages and the guard's own
/// answers never interleave. A message is serialized once, straight into this writer's buffer (on the shared array
/// pool; a buffer grown past <see cref="KeptBytes"/> for a large answer such as a <c>tools/list</c> page goes back to the
/// pool once its line is out), and goes out with its line end in one write. <paramref name="answered"/>, when given,
/// learns of each answer (a response or an error) that went out, with its id, not of notifications or the server's own
/// requests.
/// </summary>
internal sealed class LineWriter(Stream inner, Action<RequestId>? answered = null) : IDisposable
{
    /// <summary>The largest buffer kept between lines.</summary>
    internal const int KeptBytes = 16 * 1024;

    // As JsonSerializer.SerializeToUtf8Bytes writes with the SDK's options (its encoder, depth and indentation).
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType = (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = McpJsonUtilities.DefaultOptions.Encoder,
        Indented = McpJsonUtilities.DefaultOptions.WriteIndented,
        MaxDepth = McpJsonUtilities.DefaultOptions.MaxDepth is > 0 and var depth ? depth : 64,
        SkipValidation = true,
    };

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly LineBuffer _buffer = new();

    /// <summary>The size of the buffer kept for the next message (0 when none).</summary>
    internal int BufferedCapacity => _buffer.Capacity;

    /// <summary>Writes <paramref name="line"/> (no line end in it) and a line end as one unit.</summary>
    public async Task WriteLineAsync(ReadOnlyMemory<byte> line, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _buffer.Write(line.Span);
            await WriteOutAsync(answer: null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Serializes <paramref name="message"/> and writes it and a line end as one unit.</summary>
    public async Task WriteMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            try
            {
                using var writer = new Utf8JsonWriter(_buffer, WriterOptions);
                JsonSerializer.Serialize(writer, message, MessageType);
            }
            catch
            {
                _buffer.Reset();
                throw;
            }

            RequestId? answer = message switch
            {
                JsonRpcResponse response => response.Id,
                JsonRpcError error => error.Id,
                _ => null,
            };
            await WriteOutAsync(answer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Under the gate: the buffered message and its line end in one write; the buffer is emptied whether or not the
    // write succeeded. answer: the id of the answer it is, if it is one.
    private async Task WriteOutAsync(RequestId? answer, CancellationToken cancellationToken)
    {
        try
        {
            _buffer.Write("\n"u8);
            await inner.WriteAsync(_buffer.Written, cancellationToken).ConfigureAwait(false);
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _buffer.Reset();
        }

        if (answer is { } id)
        {
            answered?.Invoke(id);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _gate.Dispose();
        _buffer.Reset();
    }

    /// <summary>A growable buffer rented from the shared array pool; <see cref="Reset"/> keeps at most <see cref="KeptBytes"/>.</summary>
    private sealed class LineBuffer : IBufferWriter<byte>
    {
        private byte[] _array = [];
        private int _count;

        public int Capacity => _array.Length;

        public ReadOnlyMemory<byte> Written => _array.AsMemory(0, _count);

        public void Advance(int count) => _count += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsMemory(_count);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsSpan(_count);
        }

        /// <summary>Empties the buffer; one grown past <see cref="KeptBytes"/> goes back to the pool.</summary>
        public void Reset()
        {
            _count = 0;
            if (_array.Length > KeptBytes)
            {
                ArrayPool<byte>.Shared.Return(_array);
                _array = [];
            }
        }

        private void Ensure(int sizeHint)
        {
            var needed = _count + Math.Max(sizeHint, 1);
            if (needed <= _array.Length)
            {
                return;
            }

            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(_array.Length * 2, 4096)));
            _array.AsSpan(0, _count).CopyTo(grown);
            if (_array.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_array);
            }

            _array = grown;
        }
    }
}
