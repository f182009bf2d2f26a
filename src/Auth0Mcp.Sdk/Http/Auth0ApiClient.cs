using System.Buffers;
using System.Net;
using System.Text.Json;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// Sends one request through the Auth0 pipeline and reads the answer as a stream, up to the output limit
/// (<see cref="Auth0ConnectionOptions.MaxResponseBytes"/>): memory stays bounded whatever Auth0 sends, and one deadline
/// covers the whole exchange (all attempts, retry waits, and the body: a body that stalls or trickles ends the call).
/// Returns the raw answer with its <see cref="Auth0CallOutcome"/>; failures without an answer come back as an outcome too.
/// </summary>
internal sealed class Auth0ApiClient(IAuth0HttpClientSource http, IOptionsMonitor<Auth0ConnectionOptions> options, TimeProvider time)
{
    private static readonly string[] KeptHeaders =
        ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after", "link", "location"];

    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();
    private static readonly TimeSpan HeaderGrace = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest error code kept (Auth0's are short words: <c>invalid_body</c>, <c>inexistent_user</c>).</summary>
    internal const int MaxErrorCodeChars = 128;

    /// <summary>The base address that operation paths are appended to.</summary>
    public Uri BaseAddress => options.CurrentValue.GetBaseAddress();

    /// <summary>
    /// Sends <paramref name="request"/> (the state is attached to it) and reads the answer.
    /// Throws only when <paramref name="cancellationToken"/> is cancelled, or for a credential problem
    /// (<see cref="Auth0Mcp.Sdk.Http.Auth0CredentialException"/>).
    /// </summary>
    public async Task<Auth0Response> SendAsync(HttpRequestMessage request, Auth0CallState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        var o = options.CurrentValue;
        var started = time.GetTimestamp();
        state.AttachTo(request);
        // Until the headers, the resilience pipeline's own budget ends the call (with Auth0's last answer or its reason);
        // this deadline is the backstop, and after the headers it is the one that bounds the body.
        using var deadline = new CancellationTokenSource(o.RetryBudget + HeaderGrace, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        HttpResponseMessage? response = null;
        try
        {
            response = await http.CreateClient().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);

            // The body gets what is left of the budget, and at most one attempt's time.
            var left = o.RetryBudget - time.GetElapsedTime(started);
            deadline.CancelAfter(left < o.AttemptTimeout ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : o.AttemptTimeout);
            var (body, truncated) = await ReadAsync(response, o.MaxResponseBytes, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var (code, message) = status >= 400 ? ErrorOf(body) : (null, null);
            var outcome = new Auth0CallOutcome
            {
                Status = status,
                // Whatever an upstream (or a proxy) put there, as a reason is: redacted, then cut. Auth0's own codes
                // pass unchanged; an Authorization header echoed into "error" does not reach the audit.
                ErrorCode = code is null ? null : JsonRedactor.Secrets.RedactThenCut(code, MaxErrorCodeChars, fragment: true),
                ErrorMessage = message is null ? null : Auth0Mcp.Sdk.Auth.Auth0Redaction.Redact(message),
                Attempts = state.Attempts,
                RetryDelays = [.. state.RetryDelays],
                RateLimitWait = state.RateLimitWait,
                Duration = time.GetElapsedTime(started),
                Bytes = truncated ? Math.Max(body.Length, response.Content.Headers.ContentLength ?? 0) : body.Length,
                Truncated = truncated,
                RefusedWait = state.RefusedWait,
                NotSentAtGate = state.NotSentAtGate,
            };
            return new Auth0Response(outcome, body, response.Content.Headers.ContentType?.MediaType, KeptHeadersOf(response));
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // Still a cancellation, with what had happened by then: the audit says whether the request may have reached Auth0.
            // Attempts as every other outcome counts them (retries + 1; a token renewal's resend is not one), 0 when none left.
            var status = response is null ? (int?)null : (int)response.StatusCode;
            var attempts = state.Sent == 0 ? 0 : state.Retries + 1;
            var message = attempts == 0 ? "cancelled before the request was sent to Auth0"
                : status is { } answered ? $"cancelled while Auth0's answer (HTTP {answered}) was being read"
                : $"cancelled after the request was sent to Auth0 ({attempts} {(attempts == 1 ? "attempt" : "attempts")}): whether Auth0 acted on it is unknown";
            throw new Auth0CallCancelledException(Unanswered(Auth0FailureKind.Cancelled, message, attempts) with { Status = status }, ex);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return Failed(new Auth0HttpException(
                Auth0FailureKind.BudgetExhausted,
                response is null
                    ? Auth0TelemetryHandler.BudgetMessage(state)
                    : $"Auth0 did not finish sending its answer in time ({Auth0TelemetryHandler.Seconds(time.GetElapsedTime(started))} s; {state.AttemptsText()}). Try again later.",
                state.Retries + 1));
        }
        catch (Auth0HttpException ex)
        {
            return Failed(ex);
        }
        catch (HttpRequestException ex)
        {
            return Failed(new Auth0HttpException(Auth0FailureKind.Network, $"Auth0 could not be reached ({ex.Message}).", state.Retries + 1, ex));
        }
        catch (IOException ex)
        {
            return Failed(new Auth0HttpException(Auth0FailureKind.Network, $"The connection to Auth0 broke while reading its answer ({ex.Message}).", state.Retries + 1, ex));
        }
        finally
        {
            response?.Dispose();
        }

        // The outcome of a call that ended without (all of) an answer: why, what was tried, how long it took.
        Auth0CallOutcome Unanswered(Auth0FailureKind kind, string message, int attempts) => new()
        {
            Failure = kind,
            FailureMessage = message,
            Attempts = attempts,
            RetryDelays = [.. state.RetryDelays],
            RateLimitWait = state.RateLimitWait,
            Duration = time.GetElapsedTime(started),
        };

        Auth0Response Failed(Auth0HttpException ex) => new(
            Unanswered(ex.Kind, ex.Message, ex.Attempts),
            ReadOnlyMemory<byte>.Empty,
            null,
            NoHeaders);
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; a longer body is cut there (the connection is then dropped).</summary>
    private static async Task<(byte[] Body, bool Truncated)> ReadAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        var length = response.Content.Headers.ContentLength;
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var capacity = limit + 1L;
            var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(length ?? 16 * 1024, 1024, capacity));
            try
            {
                var count = 0;
                while (true)
                {
                    if (count == buffer.Length)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, capacity));
                        buffer.AsSpan(0, count).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    var room = (int)Math.Min(buffer.Length, capacity) - count;
                    var read = await stream.ReadAsync(buffer.AsMemory(count, room), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return (buffer.AsSpan(0, count).ToArray(), false);
                    }

                    count += read;
                    if (count > limit)
                    {
                        return (buffer.AsSpan(0, limit).ToArray(), true);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Auth0's error shape: <c>{"statusCode":404,"error":"Not Found","message":"…","errorCode":"inexistent_user"}</c>.</summary>
    private static (string? Code, string? Message) ErrorOf(byte[] body)
    {
        if (body.Length == 0 || body[0] != (byte)'{')
        {
            return (null, null);
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var code = Text(root, "errorCode") ?? Text(root, "error");
            var message = Text(root, "message") ?? Text(root, "error_description");
            return (code, message);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()) ? v.GetString() : null;

    private static IReadOnlyDictionary<string, string> KeptHeadersOf(HttpResponseMessage response)
    {
        Dictionary<string, string>? headers = null;
        foreach (var name in KeptHeaders)
        {
            if (response.Headers.TryGetValues(name, out var values))
            {
                (headers ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase))[name] = string.Join(",", values);
            }
        }

        return headers ?? NoHeaders;
    }
}
