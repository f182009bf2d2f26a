using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Server.Http;

/// <summary>
/// The probes of both HTTP hosts (<c>serve --http</c>, <c>admin</c>), unauthenticated: <c>/healthz</c>, liveness (the
/// process serves HTTP: always <c>ok</c>), and <c>/readyz</c>, readiness (the governance state can be read: 200
/// <c>ready</c>, else 503 with one line naming the store and what failed). Readiness does not check the Auth0 credential:
/// a server with a wrong one still lists its tools, and says what is wrong on the call.
/// </summary>
internal static class HealthEndpoints
{
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
    /// The readiness check: the store's cheapest read (the state's revision and tag, what a server reads before every
    /// decision), bounded by <see cref="ReadyTimeout"/>. Probes that arrive while a read is under way share it, so a store
    /// that does not answer is not asked again by every probe.
    /// </summary>
    internal sealed class Readiness(IGovernanceStore? store)
    {
        private readonly Lock _gate = new();
        private Task<string?>? _running;

        /// <summary>Null when ready; else one line naming the store and what failed.</summary>
        public async Task<string?> CheckAsync()
        {
            if (store is null)
            {
                return null;
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
