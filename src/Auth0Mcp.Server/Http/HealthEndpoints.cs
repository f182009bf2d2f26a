using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Server.Http;

/// <summary>
/// The probes of both HTTP hosts (<c>serve --http</c>, <c>admin</c>), unauthenticated: <c>/healthz</c>, liveness (the
/// process serves HTTP: always <c>ok</c>), and <c>/readyz</c>, readiness (the governance store takes writes and the state
/// can be read: 200 <c>ready</c>, else 503 with one line naming the store and what failed). Readiness does not check the
/// Auth0 credential: a server with a wrong one still lists its tools, and says what is wrong on the call.
/// </summary>
internal static class HealthEndpoints
{
    /// <summary>The least time between two of readiness's writes to a failing store, in milliseconds.</summary>
    internal const long ProbeWriteSpacingMs = 1000;

    /// <summary>How long <c>/readyz</c> waits for the store before it answers 503.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Maps <c>/healthz</c> and <c>/readyz</c> on <paramref name="app"/>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/healthz", () => Results.Text("ok")).AllowAnonymous();
        // Without governance (AUTH0_MCP_GOVERNANCE=off) there is no store, and nothing else to wait for.
        var readiness = new Readiness(app.ServiceProvider.GetService<IGovernanceStore>());
        app.MapGet("/readyz", async () => await readiness.CheckAsync().ConfigureAwait(false) is { } problem
            ? Results.Text(problem, statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ready")).AllowAnonymous();
    }

    /// <summary>
    /// The readiness check. First the outcome of the store's latest write (<see cref="DbGovernanceStore.LatestWrite"/>,
    /// kept by its writer, read without writing): when it failed, every call is refused (its audit intent cannot be
    /// written, fail closed) although reads still answer (a full disk; another process holding SQLite's write lock, which
    /// WAL readers pass). Only then does readiness write, once (<see cref="DbGovernanceStore.ProbeWriteAsync"/>, a write
    /// that records nothing), to see the store take writes again: a server that is not ready is sent no calls, so no call
    /// would. Then the store's cheapest read (the state's revision and tag, what a server reads before every decision).
    /// Each is bounded by <see cref="ReadyTimeout"/>; probes that arrive while a write or a read is under way share it,
    /// so a store that does not answer is not asked again by every probe.
    /// </summary>
    internal sealed class Readiness(IGovernanceStore? store)
    {
        private readonly Lock _gate = new();
        private Task<string?>? _running;
        private Task? _writing;
        private long _writeStarted = long.MinValue / 2; // long ago, without overflow in the subtraction

        /// <summary>Null when ready; else one line naming the store and what failed.</summary>
        public async Task<string?> CheckAsync()
        {
            if (store is null)
            {
                return null;
            }

            if (store is DbGovernanceStore db && db.LatestWrite is { Failed: true })
            {
                Task write;
                lock (_gate)
                {
                    // One write at a time, and at most one a second: the probe is unauthenticated, and each write is a
                    // durable commit (an fsync) on a store that is already failing. A probe sooner than that waits for
                    // the next write's turn (shared by the probes meanwhile), so the fault it reads is never older.
                    if (_writing is { IsCompleted: false } writing)
                    {
                        write = writing;
                    }
                    else
                    {
                        var now = Environment.TickCount64;
                        var wait = Math.Max(0, ProbeWriteSpacingMs - (now - _writeStarted));
                        _writeStarted = now + wait;
                        write = _writing = ProbeWriteAsync(db, TimeSpan.FromMilliseconds(wait));
                    }
                }

                try
                {
                    await write.WaitAsync(ReadyTimeout).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // still waiting (for another process's lock): the latest write's fault stands
                }

                if (db.LatestWrite is { Fault: { } fault } failed)
                {
                    return OneLine(string.Create(CultureInfo.InvariantCulture, $"{fault.Message} (the latest write, at {failed.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z; none has succeeded since)"));
                }
            }

            Task<string?> read;
            lock (_gate)
            {
                read = _running is { IsCompleted: false } running ? running : _running = ReadAsync(store);
            }

            try
            {
                return await read.WaitAsync(ReadyTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return OneLine($"governance store {store.Description}: no answer within {ReadyTimeout.TotalSeconds:0} s");
            }
        }

        /// <summary>One write that records nothing; its outcome is the store's <see cref="DbGovernanceStore.LatestWrite"/>.</summary>
        private static async Task ProbeWriteAsync(DbGovernanceStore store, TimeSpan after)
        {
            try
            {
                if (after > TimeSpan.Zero)
                {
                    await Task.Delay(after).ConfigureAwait(false);
                }

                await store.ProbeWriteAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (GovernanceStoreException)
            {
                // kept as the store's latest write, which the check reads
            }
        }

        private static async Task<string?> ReadAsync(IGovernanceStore store)
        {
            try
            {
                await store.GetStateVersionAsync(CancellationToken.None).ConfigureAwait(false);
                return null;
            }
            catch (Exception ex) when (GovernanceStoreException.Find(ex) is { } fault)
            {
                // The store's message names it by its description (never a password) and says what failed.
                return OneLine(fault.Message);
            }
            catch (Exception ex)
            {
                return OneLine($"governance store {store.Description}: {ex.GetType().Name}");
            }
        }

        private static string OneLine(string text) => TerminalText.Escape(text)!;
    }
}
