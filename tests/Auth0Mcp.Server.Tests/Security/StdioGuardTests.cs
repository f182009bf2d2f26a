using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Server.Transport;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

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
        // Nobody answers here: the end of stdin waits for no answer (drain zero).
        var guard = new StdioGuard(stdin, stdout, Limits, (_, bytes, _) => { refused.Add(bytes); return Task.CompletedTask; }, TimeSpan.Zero);

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
    public async Task Pump_StdinEndsWithRequestsOwed_InputEndsOnlyAfterEveryAnswerIsOut()
    {
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""" + "\n" +
            """{"jsonrpc":"2.0","method":"notifications/initialized"}""" + "\n" +
            """{"jsonrpc":"2.0","id":"two","method":"tools/call","params":{"name":"x"}}""" + "\n"));
        var stdout = new RecordingStream();
        var guard = new StdioGuard(stdin, stdout, Limits, (_, _, _) => Task.CompletedTask);

        // A server that answers late, after a notification of its own (which answers nothing), while it keeps reading.
        Task? answering = null;
        var serving = Task.Run(async () =>
        {
            using var reader = new StreamReader(guard.Input, Encoding.UTF8);
            var seen = 0;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (++seen == 3)
                {
                    answering = Task.Run(async () =>
                    {
                        await Task.Delay(300);
                        await guard.Output.WriteMessageAsync(new JsonRpcNotification { Method = "notifications/message", Params = JsonNode.Parse("""{"level":"info","data":"x"}""") });
                        await guard.Output.WriteMessageAsync(new JsonRpcResponse { Id = new RequestId(1), Result = JsonNode.Parse("""{"tools":[]}""") });
                        await Task.Delay(300);
                        await guard.Output.WriteMessageAsync(new JsonRpcError { Id = new RequestId("two"), Error = new JsonRpcErrorDetail { Code = -32602, Message = "no" } });
                    });
                }
            }

            // The input has ended: count what had gone out by then.
            lock (stdout.Writes)
            {
                return stdout.Writes.Count;
            }
        });

        await guard.PumpAsync(CancellationToken.None);
        var writtenBeforeTheEnd = await serving.WaitAsync(TimeSpan.FromSeconds(10));
        await answering!.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(3, writtenBeforeTheEnd);
        Assert.Equal(0, guard.Owed);
    }

    [Fact]
    public async Task Pump_ClientReadsNoAnswers_NoMoreThanTheMostOwedReachTheServer_AndEveryRequestIsAnsweredOnceItReads()
    {
        // 200 requests written at once by a client that does not read its output (stdout's writes wait until it does).
        const int Requests = 200;
        const int MaxOwed = 64; // StdioGuard.DefaultMaxOwed
        var stdin = new System.IO.Pipelines.Pipe();
        foreach (var id in Enumerable.Range(1, Requests))
        {
            await stdin.Writer.WriteAsync(Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","id":{{id}},"method":"tools/list"}""" + "\n"));
        }

        var stdout = new HeldStream();
        var guard = new StdioGuard(stdin.Reader.AsStream(), stdout, Limits, (_, _, _) => Task.CompletedTask);
        var received = 0;
        var answering = new ConcurrentBag<Task>();
        var serving = Task.Run(async () =>
        {
            // A server that answers each request it reads at once (each answer waits on stdout).
            using var reader = new StreamReader(guard.Input, Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                Interlocked.Increment(ref received);
                var id = JsonNode.Parse(line)!["id"]!.GetValue<int>();
                answering.Add(Task.Run(() => guard.Output.WriteMessageAsync(new JsonRpcResponse { Id = new RequestId(id), Result = new JsonObject() })));
            }
        });
        var pump = guard.PumpAsync(CancellationToken.None);

        await Until(() => Volatile.Read(ref received) >= MaxOwed);
        // A moment for anything more to come through: nothing does while the answers owed are not read.
        await Task.Delay(500);
        Assert.Equal(MaxOwed, Volatile.Read(ref received));
        Assert.Equal(MaxOwed, guard.Owed);

        // The client reads: the rest are read and every request is answered once.
        stdout.Release();
        await Until(() => stdout.Lines >= Requests);
        stdin.Writer.Complete();
        await pump.WaitAsync(TimeSpan.FromSeconds(30));
        await serving.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(answering).WaitAsync(TimeSpan.FromSeconds(30));
        var ids = stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["id"]!.GetValue<int>()).Order();
        Assert.Equal(Enumerable.Range(1, Requests), ids);
        Assert.Equal(0, guard.Owed);
    }

    /// <summary>Waits (at most 30 s) until <paramref name="condition"/> holds.</summary>
    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come about in 30 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Pump_RequestsWithIdsTheServerCannotRead_AreAnsweredAndNeverOwed()
    {
        // The MCP server drops a request whose id it cannot read (1.5, 1e3, past 64 bits, null) with no answer: passed
        // on, each took one of the places owed for good, and once they were all taken every later request was held.
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n',
            """{"jsonrpc":"2.0","id":1.5,"method":"ping"}""",
            """{"jsonrpc":"2.0","id":1e3,"method":"ping"}""",
            """{"jsonrpc":"2.0","id":9223372036854775808,"method":"ping"}""",
            """{"jsonrpc":"2.0","id":null,"method":"ping"}""",
            """{"jsonrpc":"2.0","id":7,"method":"ping"}""") + "\n"));
        var stdout = new MemoryStream();
        var refused = new List<JsonRpcRefusal>();
        var guard = new StdioGuard(stdin, stdout, Limits, (refusal, _, _) => { refused.Add(refusal); return Task.CompletedTask; }, TimeSpan.Zero, maxOwed: 2);
        var (seen, serving) = Serve(guard);

        await guard.PumpAsync(CancellationToken.None);
        await serving.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["""{"jsonrpc":"2.0","id":7,"method":"ping"}"""], Seen(seen));
        Assert.Equal(1, guard.Owed);
        Assert.Equal(4, refused.Count);
        Assert.All(refused, r => Assert.Equal(-32600, r.Code));
        var answers = Encoding.UTF8.GetString(stdout.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonNode.Parse(l)!["id"]?.ToJsonString() ?? "null");
        Assert.Equal(["1.5", "1e3", "9223372036854775808", "null"], answers);
    }

    [Fact]
    public async Task Pump_RequestsBeyondTheMostOwed_AreHeldWhileANotificationOrAnAnswerToTheServerWrittenAfterThemReachesItAtOnce()
    {
        // With call approval, a tools/call waits for the client's answer to an elicitation: that answer (and any
        // cancellation) must not sit unread behind requests held for want of room.
        var stdin = new System.IO.Pipelines.Pipe();
        var guard = new StdioGuard(stdin.Reader.AsStream(), new RecordingStream(), Limits, (_, _, _) => Task.CompletedTask, TimeSpan.Zero, maxOwed: 2);
        var (seen, serving) = Serve(guard);
        var pump = guard.PumpAsync(CancellationToken.None);
        const string elicited = """{"jsonrpc":"2.0","id":"elicit-1","result":{"action":"accept","content":{}}}""";

        await WriteLinesAsync(stdin, Request(1), Request(2), Request(3), Request(4));
        await WriteLinesAsync(stdin, elicited);
        await Until(() => Seen(seen).Contains(elicited));
        Assert.Equal([Request(1), Request(2), elicited], Seen(seen));

        // The cancellation of an owed request frees its place: the oldest held request goes on, the next still waits.
        await WriteLinesAsync(stdin, Cancel("2"));
        await Until(() => Seen(seen).Length >= 5);
        Assert.Equal([Request(1), Request(2), elicited, Cancel("2"), Request(3)], Seen(seen));
        Assert.Equal(2, guard.Owed);

        stdin.Writer.Complete();
        await pump.WaitAsync(TimeSpan.FromSeconds(10));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(Request(4), Seen(seen));
    }

    [Fact]
    public async Task Pump_CancellationOfAHeldRequest_TheServerNeverSeesTheRequestNorTheCancellation()
    {
        var stdin = new System.IO.Pipelines.Pipe();
        var stdout = new RecordingStream();
        var guard = new StdioGuard(stdin.Reader.AsStream(), stdout, Limits, (_, _, _) => Task.CompletedTask, maxOwed: 1);
        // The server answers every request but the first at once; the first when the test says.
        var (seen, serving) = Serve(guard, line => Id(line) is { } id and not 1 ? AnswerAsync(guard, id) : Task.CompletedTask);
        var pump = guard.PumpAsync(CancellationToken.None);

        await WriteLinesAsync(stdin, Request(1), Request(2), Cancel("2"), Marker);
        await Until(() => Seen(seen).Contains(Marker));
        Assert.Equal([Request(1), Marker], Seen(seen));

        // Room again: nothing is held any more, and the next request goes on.
        await AnswerAsync(guard, 1);
        await WriteLinesAsync(stdin, Request(3));
        stdin.Writer.Complete();

        // Nothing owed is left for the 30 s drain to wait for.
        await pump.WaitAsync(TimeSpan.FromSeconds(10));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([Request(1), Marker, Request(3)], Seen(seen));
        Assert.Equal([1L, 3L], AnsweredIds(stdout));
        Assert.Equal(0, guard.Owed);
    }

    [Fact]
    public async Task Pump_CancellationOfAnIdNotOwed_FreesNoPlace_AndTheStringIdIsNotTheNumber()
    {
        var stdin = new System.IO.Pipelines.Pipe();
        var guard = new StdioGuard(stdin.Reader.AsStream(), new RecordingStream(), Limits, (_, _, _) => Task.CompletedTask, TimeSpan.Zero, maxOwed: 1);
        var (seen, serving) = Serve(guard);
        var pump = guard.PumpAsync(CancellationToken.None);

        // Request 1 is owed; "1" (a string) and 99 are not: their cancellations pass on (the server ignores them)
        // and free nothing, so request 2 waits.
        await WriteLinesAsync(stdin, Request(1), Cancel("99"), Cancel("\"1\""), Request(2), Marker);
        await Until(() => Seen(seen).Contains(Marker));
        Assert.Equal([Request(1), Cancel("99"), Cancel("\"1\""), Marker], Seen(seen));
        Assert.Equal(1, guard.Owed);

        await AnswerAsync(guard, 1);
        await Until(() => Seen(seen).Contains(Request(2)));
        Assert.Equal(1, guard.Owed);

        stdin.Writer.Complete();
        await pump.WaitAsync(TimeSpan.FromSeconds(10));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Pump_ACancellationWithAnIdOfItsOwn_IsARequestAndFreesNoPlace()
    {
        // The server answers a "notifications/cancelled" that has an id (-32601) and cancels nothing. Before, the guard
        // freed the named call's place anyway: a call plus such a message, over and over, ran any number of calls.
        var stdin = new System.IO.Pipelines.Pipe();
        var guard = new StdioGuard(stdin.Reader.AsStream(), new RecordingStream(), Limits, (_, _, _) => Task.CompletedTask, TimeSpan.Zero, maxOwed: 2);
        var (seen, serving) = Serve(guard);
        var pump = guard.PumpAsync(CancellationToken.None);
        const string FakeCancel = """{"jsonrpc":"2.0","id":"c1","method":"notifications/cancelled","params":{"requestId":1}}""";

        await WriteLinesAsync(stdin, Request(1), FakeCancel, Request(2), Marker);
        await Until(() => Seen(seen).Contains(Marker));

        Assert.Equal([Request(1), FakeCancel, Marker], Seen(seen));
        Assert.Equal(2, guard.Owed);

        await AnswerAsync(guard, 1);
        await Until(() => Seen(seen).Contains(Request(2)));
        stdin.Writer.Complete();
        await pump.WaitAsync(TimeSpan.FromSeconds(10));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Pump_AnswerToARequestAlreadyCancelled_FreesNoSecondPlace()
    {
        var stdin = new System.IO.Pipelines.Pipe();
        var guard = new StdioGuard(stdin.Reader.AsStream(), new RecordingStream(), Limits, (_, _, _) => Task.CompletedTask, TimeSpan.Zero, maxOwed: 2);
        var (seen, serving) = Serve(guard);
        var pump = guard.PumpAsync(CancellationToken.None);

        await WriteLinesAsync(stdin, Request(1), Request(2), Cancel("1"), Marker);
        await Until(() => Seen(seen).Contains(Marker));
        Assert.Equal(1, guard.Owed);

        // The server's answer to the cancelled request still comes (it was under way): it frees nothing more.
        await AnswerAsync(guard, 1);
        Assert.Equal(1, guard.Owed);
        const string second = """{"jsonrpc":"2.0","method":"notifications/roots/list_changed","params":{"n":2}}""";
        await WriteLinesAsync(stdin, Request(3), Request(4), second);
        await Until(() => Seen(seen).Contains(second));
        Assert.Equal([Request(1), Request(2), Cancel("1"), Marker, Request(3), second], Seen(seen));
        Assert.Equal(2, guard.Owed);

        stdin.Writer.Complete();
        await pump.WaitAsync(TimeSpan.FromSeconds(10));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Pump_ClientWritesAndNeverReads_StdinIsNotReadOnceTheHeldRequestsReachTheByteBound()
    {
        // The byte bound is the request size limit: here 1024 bytes.
        const int MaxOwed = 4;
        var limits = new TransportLimits(1024, TransportLimits.DefaultMaxDepth);
        var stdin = new EndlessRequests();
        var guard = new StdioGuard(stdin, new RecordingStream(), limits, (_, _, _) => Task.CompletedTask, TimeSpan.Zero, maxOwed: MaxOwed);
        var (seen, serving) = Serve(guard);
        using var stop = new CancellationTokenSource();
        var pump = guard.PumpAsync(stop.Token);

        await Until(() => Seen(seen).Length >= MaxOwed);
        var stopped = await Settled(() => stdin.Lines);
        Assert.Equal(MaxOwed, Seen(seen).Length);
        // Read past the most owed (the rest is held), and no further than the held requests' bound.
        Assert.True(stopped > MaxOwed + 1, $"{stopped} lines read");
        Assert.InRange(stdin.Bytes, 0, (MaxOwed * EndlessRequests.LineBytes) + limits.MaxRequestBytes + EndlessRequests.LineBytes);

        // An answer goes out: a held request goes on, and reading resumes.
        await AnswerAsync(guard, Id(Seen(seen)[0])!.Value);
        await Until(() => Seen(seen).Length > MaxOwed && stdin.Lines > stopped);
        Assert.Equal(EndlessRequests.Line(MaxOwed + 1), Seen(seen)[MaxOwed]);

        await stop.CancelAsync();
        await pump.WaitAsync(TimeSpan.FromSeconds(10));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Pump_HeldRequests_GoToTheServerInTheirOrderAsRoomAppears()
    {
        var stdin = new System.IO.Pipelines.Pipe();
        var stdout = new RecordingStream();
        var guard = new StdioGuard(stdin.Reader.AsStream(), stdout, Limits, (_, _, _) => Task.CompletedTask, maxOwed: 1);
        // A server that answers nothing until a notification comes, then every request it has and gets.
        var open = false;
        var unanswered = new List<long>();
        var (seen, serving) = Serve(guard, async line =>
        {
            if (line == Marker)
            {
                open = true;
                foreach (var waiting in unanswered)
                {
                    await AnswerAsync(guard, waiting);
                }
            }
            else if (Id(line) is { } id)
            {
                if (open)
                {
                    await AnswerAsync(guard, id);
                }
                else
                {
                    unanswered.Add(id);
                }
            }
        });
        var pump = guard.PumpAsync(CancellationToken.None);

        await WriteLinesAsync(stdin, Request(1), Request(2), Request(3), Request(4), Request(5), Marker);
        await Until(() => Seen(seen).Length >= 6);
        stdin.Writer.Complete();
        await pump.WaitAsync(TimeSpan.FromSeconds(10));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([Request(1), Marker, Request(2), Request(3), Request(4), Request(5)], Seen(seen));
        Assert.Equal([1L, 2L, 3L, 4L, 5L], AnsweredIds(stdout));
        Assert.Equal(0, guard.Owed);
    }

    [Fact]
    public async Task Pump_StdinEndsWithRequestsHeld_EveryOneIsPassedAndAnsweredWithinTheDrain()
    {
        // printf … | auth0-mcp serve with more requests than the most owed, and a server that answers only once
        // stdin has ended: the held requests are passed as the answers go out, and every one is answered.
        const int Requests = 10;
        var stdin = new EndNoticed(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, Requests).Select(id => Request(id) + "\n"))));
        var stdout = new RecordingStream();
        var guard = new StdioGuard(stdin, stdout, Limits, (_, _, _) => Task.CompletedTask, maxOwed: 2);
        var answering = new ConcurrentBag<Task>();
        var (seen, serving) = Serve(guard, line =>
        {
            answering.Add(Task.Run(async () =>
            {
                await stdin.Ended;
                await AnswerAsync(guard, Id(line)!.Value);
            }));
            return Task.CompletedTask;
        });

        await guard.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.WhenAll(answering).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Enumerable.Range(1, Requests).Select(Request), Seen(seen));
        Assert.Equal(Enumerable.Range(1, Requests).Select(id => (long)id), AnsweredIds(stdout).Order());
        Assert.Equal(0, guard.Owed);
    }

    private const string Marker = """{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}""";

    private static string Request(int id) => $$$"""{"jsonrpc":"2.0","id":{{{id}}},"method":"tools/call","params":{"name":"x"}}""";

    private static string Cancel(string idJson) => $$$"""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":{{{idJson}}}}}""";

    /// <summary>A request's numeric id; null for anything else.</summary>
    private static long? Id(string line) =>
        JsonNode.Parse(line) is JsonObject message && message.ContainsKey("method") && message["id"] is JsonValue id && id.TryGetValue<long>(out var number) ? number : null;

    private static Task AnswerAsync(StdioGuard guard, long id) =>
        guard.Output.WriteMessageAsync(new JsonRpcResponse { Id = new RequestId(id), Result = new JsonObject() });

    private static long[] AnsweredIds(RecordingStream stdout)
    {
        lock (stdout.Writes)
        {
            return [.. stdout.Writes.Select(w => JsonNode.Parse(w)!["id"]!.GetValue<long>())];
        }
    }

    private static async Task WriteLinesAsync(System.IO.Pipelines.Pipe stdin, params string[] lines) =>
        await stdin.Writer.WriteAsync(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));

    /// <summary>A server that reads what the guard passes: each line is recorded, then given to <paramref name="onLine"/>.</summary>
    private static (List<string> Seen, Task Serving) Serve(StdioGuard guard, Func<string, Task>? onLine = null)
    {
        var seen = new List<string>();
        var serving = Task.Run(async () =>
        {
            using var reader = new StreamReader(guard.Input, Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (seen)
                {
                    seen.Add(line);
                }

                if (onLine is not null)
                {
                    await onLine(line);
                }
            }
        });
        return (seen, serving);
    }

    private static string[] Seen(List<string> seen)
    {
        lock (seen)
        {
            return [.. seen];
        }
    }

    /// <summary>Waits (at most 30 s) until <paramref name="value"/> stays the same for 300 ms, and returns it.</summary>
    private static async Task<long> Settled(Func<long> value)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var last = value();
        while (true)
        {
            await Task.Delay(300);
            var now = value();
            if (now == last)
            {
                return now;
            }

            Assert.True(DateTime.UtcNow < deadline, "the value did not settle in 30 s");
            last = now;
        }
    }

    /// <summary>A client that writes requests without end, one line per read, and never reads: counts what was read.</summary>
    private sealed class EndlessRequests : Stream
    {
        public const int LineBytes = 75;
        private long _lines;
        private long _bytes;

        public long Lines => Interlocked.Read(ref _lines);

        public long Bytes => Interlocked.Read(ref _bytes);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        /// <summary>The <paramref name="n"/>th line (from 1), without its end: all of <see cref="LineBytes"/> with it.</summary>
        public static string Line(long n) => $$$"""{"jsonrpc":"2.0","id":{{{1_000_000 + n}}},"method":"tools/call","params":{"name":"x"}}""";

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            var line = Encoding.UTF8.GetBytes(Line(Interlocked.Increment(ref _lines)) + "\n");
            Assert.Equal(LineBytes, line.Length);
            line.CopyTo(buffer);
            Interlocked.Add(ref _bytes, line.Length);
            return line.Length;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A stdin of fixed content whose <see cref="Ended"/> completes once a read has found its end.</summary>
    private sealed class EndNoticed(byte[] content) : MemoryStream(content)
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Ended => _ended.Task;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                _ended.TrySetResult();
            }

            return read;
        }
    }

    [Fact]
    public async Task Pump_StdinEndsAfterACancelledRequest_DoesNotWaitForItsAnswer()
    {
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"x"}}""" + "\n" +
            """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}""" + "\n"));
        var guard = new StdioGuard(stdin, new MemoryStream(), Limits, (_, _, _) => Task.CompletedTask);
        var draining = Task.Run(async () =>
        {
            using var reader = new StreamReader(guard.Input, Encoding.UTF8);
            return await reader.ReadToEndAsync();
        });

        // With the 30 s default drain, a wait for the cancelled request's answer would fail the 10 s bound.
        await guard.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await draining.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, guard.Owed);
    }

    [Fact]
    public async Task Pump_StdinEndsAndNoAnswerComes_InputEndsAfterTheDrainTime()
    {
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"ping"}""" + "\n"));
        var guard = new StdioGuard(stdin, new MemoryStream(), Limits, (_, _, _) => Task.CompletedTask, TimeSpan.FromMilliseconds(400));
        var reading = Task.Run(async () =>
        {
            using var reader = new StreamReader(guard.Input, Encoding.UTF8);
            return await reader.ReadToEndAsync();
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await guard.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await reading.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(350), TimeSpan.FromSeconds(10));
        Assert.Equal(1, guard.Owed);
    }

    [Fact]
    public async Task Pump_StdinEndsAndAnAnswerIsStillOwedAfterTheDrain_CallsOverdueOnce()
    {
        // A call waiting on the client that left (its confirmation): the end of the server's input cancels nothing, so
        // the guard must say so, and the host stops what still runs.
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}""" + "\n"));
        var overdue = 0;
        var guard = new StdioGuard(stdin, new MemoryStream(), Limits, (_, _, _) => Task.CompletedTask, TimeSpan.FromMilliseconds(200), overdue: () => Interlocked.Increment(ref overdue));
        var reading = Task.Run(async () =>
        {
            using var reader = new StreamReader(guard.Input, Encoding.UTF8);
            return await reader.ReadToEndAsync();
        });

        await guard.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await reading.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, overdue);
        Assert.Equal(1, guard.Owed);
    }

    [Fact]
    public async Task Pump_StdinEndsWithRequestsHeldAndNoAnswerComes_CallsOverdueAfterOneDrain()
    {
        // The most owed are waiting and one more is held: no answer in the drain means nothing moves; the held request
        // never runs, and what runs is overdue at once (not after a second drain for the owed answers).
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}""" + "\n" +
            """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x"}}""" + "\n"));
        var overdue = 0;
        var guard = new StdioGuard(stdin, new MemoryStream(), Limits, (_, _, _) => Task.CompletedTask, TimeSpan.FromMilliseconds(300), maxOwed: 1, overdue: () => Interlocked.Increment(ref overdue));
        var reading = Task.Run(async () =>
        {
            using var reader = new StreamReader(guard.Input, Encoding.UTF8);
            return await reader.ReadToEndAsync();
        });

        await guard.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var passed = await reading.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, overdue);
        Assert.DoesNotContain("\"id\":2", passed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pump_StdinEndsAndEveryAnswerGoesOut_DoesNotCallOverdue()
    {
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"ping"}""" + "\n"));
        var overdue = 0;
        var guard = new StdioGuard(stdin, new MemoryStream(), Limits, (_, _, _) => Task.CompletedTask, overdue: () => Interlocked.Increment(ref overdue));
        var serving = Task.Run(async () =>
        {
            using var reader = new StreamReader(guard.Input, Encoding.UTF8);
            while (await reader.ReadLineAsync() is not null)
            {
                await guard.Output.WriteMessageAsync(new JsonRpcResponse { Id = new RequestId(1), Result = new JsonObject() });
            }
        });

        await guard.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, overdue);
    }

    [Fact]
    public async Task Pump_RefusedLines_RecordTheSha256OfEachWholeLineAndPassedOnesNone()
    {
        // One malformed line held whole, one valid line, and one far over the limit that streams past in many reads.
        var limits = new TransportLimits(1024, TransportLimits.DefaultMaxDepth);
        var malformed = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}\r";
        var valid = """{"jsonrpc":"2.0","id":2,"method":"ping"}""";
        var oversized = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"x\",\"arguments\":{\"q\":\"" + new string('A', 200_000) + "\"}}}";
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes(malformed + "\n" + valid + "\n" + oversized + "\n"));
        var digests = new List<(long Bytes, string Sha256)>();
        var guard = new StdioGuard(stdin, new MemoryStream(), limits, (_, bytes, sha256) => { digests.Add((bytes, sha256)); return Task.CompletedTask; }, TimeSpan.Zero);
        var reading = Task.Run(async () =>
        {
            using var reader = new StreamReader(guard.Input, Encoding.UTF8);
            return await reader.ReadToEndAsync();
        });

        await guard.PumpAsync(CancellationToken.None);

        Assert.Equal(valid + "\n", await reading.WaitAsync(TimeSpan.FromSeconds(10)));
        static string Sha256(string line) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(line)));
        Assert.Equal([(malformed.Length, Sha256(malformed)), (oversized.Length, Sha256(oversized))], digests);
    }

    [Fact]
    public async Task Output_Message_IsTheSdksSerializationAndALineEnd()
    {
        var inner = new RecordingStream();
        using var output = new LineWriter(inner);
        var page = new ListToolsResult
        {
            Tools = [new Tool { Name = "auth0_users_list", Description = "Lists users <b>&</b> \"ünïcode\" \u2028", InputSchema = JsonElement.Parse("""{"type":"object","properties":{"q":{"type":"string","maxLength":3}}}""") }],
            NextCursor = "abc",
        };
        JsonRpcMessage message = new JsonRpcResponse { Id = new RequestId(7), Result = JsonSerializer.SerializeToNode(page, McpJsonUtilities.DefaultOptions) };

        await output.WriteMessageAsync(message);

        var sdk = JsonSerializer.SerializeToUtf8Bytes(message, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)));
        Assert.Equal([Encoding.UTF8.GetString(sdk) + "\n"], inner.Writes);
    }

    [Fact]
    public async Task Output_LargeMessage_GoesOutWholeInOneWriteAndItsBufferIsDropped()
    {
        var inner = new RecordingStream();
        using var output = new LineWriter(inner);
        var tools = Enumerable.Range(0, 4000).Select(i => new Tool { Name = $"t{i}", InputSchema = JsonElement.Parse("""{"type":"object"}""") }).ToList();
        var page = new JsonRpcResponse { Id = new RequestId(1), Result = JsonSerializer.SerializeToNode(new ListToolsResult { Tools = tools }, McpJsonUtilities.DefaultOptions) };

        await output.WriteMessageAsync(page);

        var line = Assert.Single(inner.Writes);
        Assert.True(line.Length > LineWriter.KeptBytes, $"{line.Length} bytes");
        Assert.Equal(4000, JsonNode.Parse(line)!["result"]!["tools"]!.AsArray().Count);
        Assert.Equal(0, output.BufferedCapacity);
        await output.WriteMessageAsync(new JsonRpcResponse { Id = new RequestId(2), Result = new JsonObject() });
        Assert.Equal("""{"result":{},"id":2,"jsonrpc":"2.0"}""" + "\n", inner.Writes[^1]);
        Assert.InRange(output.BufferedCapacity, 1, LineWriter.KeptBytes);
    }

    [Fact]
    public async Task Output_Answers_AreCountedAndNotificationsAndServerRequestsAreNot()
    {
        var answered = 0;
        var ids = new ConcurrentQueue<RequestId>();
        using var output = new LineWriter(new RecordingStream(), id => { ids.Enqueue(id); Interlocked.Increment(ref answered); });

        await output.WriteMessageAsync(new JsonRpcNotification { Method = "notifications/progress" });
        await output.WriteMessageAsync(new JsonRpcRequest { Id = new RequestId(9), Method = "roots/list" });
        await output.WriteLineAsync(Encoding.UTF8.GetBytes("""{"result":{},"id":3,"jsonrpc":"2.0"}"""));
        Assert.Equal(0, answered);
        await output.WriteMessageAsync(new JsonRpcResponse { Id = new RequestId(1), Result = new JsonObject() });
        await output.WriteMessageAsync(new JsonRpcError { Id = new RequestId("two"), Error = new JsonRpcErrorDetail { Code = -32602, Message = "no" } });
        Assert.Equal(2, answered);
        Assert.Equal([new RequestId(1), new RequestId("two")], ids);
    }

    [Fact]
    public async Task Output_WriteFails_NothingOfItIsLeftForTheNextLine()
    {
        var inner = new RecordingStream { FailNext = true };
        using var output = new LineWriter(inner);

        await Assert.ThrowsAsync<IOException>(() => output.WriteMessageAsync(new JsonRpcResponse { Id = new RequestId(1), Result = new JsonObject() }));
        await output.WriteLineAsync(Encoding.UTF8.GetBytes("""{"b":2}"""));

        Assert.Equal(["""{"b":2}""" + "\n"], inner.Writes);
    }

    [Fact]
    public async Task Output_ManyConcurrentWriters_EveryWriteHoldsWholeLinesOnly()
    {
        var inner = new RecordingStream();
        using var output = new LineWriter(inner);
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

    /// <summary>A stdout whose reader reads nothing until <see cref="Release"/>: every write waits until then.</summary>
    private sealed class HeldStream : Stream
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StringBuilder _text = new();

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public int Lines
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString().Count(c => c == '\n');
                }
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Release() => _released.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _released.Task.WaitAsync(cancellationToken);
            lock (_text)
            {
                _text.Append(Encoding.UTF8.GetString(buffer.Span));
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
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

        /// <summary>Whether the next write fails (as a closed pipe would), once.</summary>
        public bool FailNext { get; set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new IOException("Broken pipe");
            }

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
