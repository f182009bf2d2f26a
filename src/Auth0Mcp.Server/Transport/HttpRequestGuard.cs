using System.Globalization;
using System.Security.Cryptography;
using Auth0Mcp.Sdk;
using Auth0Mcp.Sdk.Governance;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Server.Transport;

/// <summary>
/// The HTTP side of the transport guard: a POST to the MCP endpoint larger than the limit is refused with 413 (from
/// its Content-Length before reading, or while reading a chunked body), and a body that <see cref="JsonRpcGuard"/>
/// refuses gets 400, a body not declared <c>application/json</c> in UTF-8 gets 415; each with a JSON-RPC error body,
/// each audited with the authenticated caller. It runs after
/// authentication and authorization, so anonymous requests are refused (401) before they can fill the audit. A
/// request the client cancels ends its POST (<see cref="WithCancelledRequestsEnded"/>), releasing its place.
/// </summary>
internal static class HttpRequestGuard
{
    private const int BlockBytes = 64 * 1024;

    /// <summary>
    /// Marks the endpoints the guard covers (the MCP endpoint): it goes by the endpoint routing chose, not by a spelling
    /// of its path, since routing also matches the path in another case or with a trailing slash.
    /// </summary>
    public static TBuilder GuardedByJsonRpc<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(GuardedEndpoint.Instance);

    public static void UseJsonRpcGuard(this WebApplication app, TransportLimits limits)
    {
        GuardedRoutes? routes = null;
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<GuardedEndpoint>() is null)
            {
                // Routing's own answer for the MCP endpoint's path (405 to another method, 415 to a POST it finds of
                // the wrong media type) carries none of the endpoint's metadata: it is still the MCP endpoint's
                // refusal, recorded like the SDK's for an authenticated caller (never for an anonymous one).
                routes ??= new GuardedRoutes(context.RequestServices);
                if (!routes.Match(context.Request.Path))
                {
                    await next(context).ConfigureAwait(false);
                    return;
                }

                if (!HttpMethods.IsPost(context.Request.Method) || context.User.Identity?.IsAuthenticated != true)
                {
                    await next(context).ConfigureAwait(false);
                    if (context.Response.StatusCode >= StatusCodes.Status400BadRequest && context.User.Identity?.IsAuthenticated == true)
                    {
                        await TransportAudit.RecordAsync(context.RequestServices, SdkRefusal(context, default), 0, "", Caller(context), ClaimedSession(context)).ConfigureAwait(false);
                    }

                    return;
                }
            }

            var body = ReadOnlyMemory<byte>.Empty;
            IDisposable? place = null;
            CallerSessions? sessions = null;
            try
            {
                if (HttpMethods.IsPost(context.Request.Method))
                {
                    // The body is read as UTF-8 JSON and checked so: anything else is refused before it is read (the SDK
                    // would fail on no media type, and re-decode another charset after the checks).
                    if (MediaTypeRefusal(context) is { } refusal)
                    {
                        await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, refusal, context.Request.ContentLength ?? 0, "").ConfigureAwait(false);
                        return;
                    }

                    // The caller's place (CallerConcurrency): taken before a large or chunked body is read, so a request
                    // over the limit holds none of it; a small one is read first, and takes a place only if it is a
                    // request (the client's answer to an elicitation must not wait behind the calls that wait for it).
                    var places = context.RequestServices?.GetService<CallerConcurrency>();
                    var reading = places is not null && context.Request.ContentLength is > 0 and <= CallerConcurrency.ReadFirstBytes ? places.TryRead(context) : null;
                    if (places is not null && reading is null && (place = await places.EnterAsync(context).ConfigureAwait(false)) is null)
                    {
                        return;
                    }

                    (ArraySegment<byte> Body, JsonRpcKind Kind, string? Method)? message;
                    using (reading)
                    {
                        message = await ReadBodyAsync(context, limits).ConfigureAwait(false);
                    }

                    if (message is null)
                    {
                        return;
                    }

                    var (read, kind, method) = message.Value;

                    if (places is not null && place is null && kind == JsonRpcKind.Request
                        && (place = await places.EnterAsync(context).ConfigureAwait(false)) is null)
                    {
                        return;
                    }

                    // An initialize opens a session: the caller's sessions are counted (CallerSessions).
                    // (Only an initialize looks the count up: a call does not.)
                    if (kind == JsonRpcKind.Request && CallerSessions.OpensSession(context, method)
                        && (sessions = context.RequestServices?.GetService<CallerSessions>()) is not null
                        && !await sessions.TryReserveAsync(context, read).ConfigureAwait(false))
                    {
                        return;
                    }

                    // The buffer the body was read into is the one the request keeps: no copy.
                    body = read;
                    context.Request.Body = new MemoryStream(read.Array!, read.Offset, read.Count, writable: false);
                    context.Request.ContentLength = read.Count;
                }

                await NextAsync(context, next, body).ConfigureAwait(false);
            }
            finally
            {
                place?.Dispose();
                sessions?.ReleaseUnclaimed(context);
            }

            if (context.Response.StatusCode >= StatusCodes.Status400BadRequest
                && !(HttpMethods.IsGet(context.Request.Method) && context.Response.StatusCode == StatusCodes.Status400BadRequest))
            {
                // The MCP SDK refused it before governance saw it (a session of another caller, an unknown session, the
                // Accept or protocol-version headers, …): recorded like the guard's own refusals. Not a GET answered 400:
                // a client's own session reopening its event stream while one is open (a dropped stream the SDK still
                // counts) or a GET without a session id, which carry no message and reach no one else's session.
                var sha256 = body.IsEmpty ? "" : Convert.ToHexStringLower(SHA256.HashData(body.Span));
                await TransportAudit.RecordAsync(context.RequestServices, SdkRefusal(context, body.Span), body.Length, sha256,
                    Caller(context), ClaimedSession(context)).ConfigureAwait(false);
            }
        });
    }

    /// <summary>
    /// The MCP SDK's handling of a request that passed: an exception out of it (which would end in Kestrel's bare 500
    /// and a stack in the log) is answered 500 with a JSON-RPC error when the answer has not started, and logged in one
    /// line; the record follows as for any status of 400 or more. A request the client gave up is not an error.
    /// </summary>
    private static async Task NextAsync(HttpContext context, RequestDelegate next, ReadOnlyMemory<byte> body)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
        {
            context.RequestServices?.GetService<ILoggerFactory>()?.CreateLogger("auth0-mcp.transport")
                .LogError("The MCP transport failed on a {Method} request: {Error}: {Message}", context.Request.Method, ex.GetType().Name, ex.Message);
            if (context.Response.HasStarted)
            {
                // Part of an answer is out: the status cannot change; the connection ends short of it.
                context.Abort();
                return;
            }

            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            context.Response.ContentType = "application/json";
            var header = JsonRpcGuard.Peek(body.Span);
            await context.Response.Body.WriteAsync(new JsonRpcRefusal(-32603, JsonRpcRefusal.TransportRefused,
                "Internal error: the MCP transport failed on this request.", header.Id ?? "null", null, null).Response(), context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Null when the POST's body is declared <c>application/json</c> in UTF-8 (no charset, or utf-8); else the refusal
    /// (415): no media type, another one, or another charset, whose bytes the SDK would decode otherwise than the guard checked them.
    /// </summary>
    private static JsonRpcRefusal? MediaTypeRefusal(HttpContext context)
    {
        var declared = context.Request.ContentType;
        if (MediaTypeHeaderValue.TryParse(declared, out var type)
            && string.Equals(type.MediaType.Value, "application/json", StringComparison.OrdinalIgnoreCase)
            && (type.Charset.Value is null || type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || type.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var what = string.IsNullOrEmpty(declared) ? "no Content-Type"
            : type is not null && string.Equals(type.MediaType.Value, "application/json", StringComparison.OrdinalIgnoreCase) ? "charset " + Shorten(type.Charset.Value)
            : "another media type";
        return new JsonRpcRefusal(-32600, JsonRpcRefusal.Malformed,
            $"Request refused: the body must be sent as Content-Type application/json in UTF-8 (it came with {what}); nothing was run.", "null", null, null);
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length > 32 ? text[..32] + "…" : text;

    /// <summary>
    /// Ends the POST of a request that ended by its cancellation (the client's <c>notifications/cancelled</c>, or its
    /// session closing). MCP answers a cancelled request with nothing, and the SDK keeps a POST's event stream open
    /// until an answer for its id goes out: without this, the stream stayed open for good, and it held one of the
    /// caller's places (<see cref="CallerConcurrency"/>), so with one place the caller's next call never ran. Disposing
    /// the request's own transport (the POST's) ends its stream with no answer, as it ends once an answer is out; the
    /// handler has finished by then (the governed call recorded its cancellation), and the place is released.
    /// </summary>
    public static IMcpServerBuilder WithCancelledRequestsEnded(this IMcpServerBuilder builder) =>
        builder.WithMessageFilters(filters => filters.AddIncomingFilter(next => async (context, cancellationToken) =>
        {
            try
            {
                await next(context, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested
                && context.JsonRpcMessage is JsonRpcRequest { Context.RelatedTransport: { } post })
            {
                await post.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }));

    /// <summary>
    /// Reads a POST's body up to the limit and checks it with <see cref="JsonRpcGuard"/>: the body (a leading BOM
    /// dropped), or null when it was refused, answered and recorded. A body with a Content-Length is read into one array
    /// of that size, the one the request keeps.
    /// </summary>
    private static async Task<(ArraySegment<byte> Body, JsonRpcKind Kind, string? Method)?> ReadBodyAsync(HttpContext context, TransportLimits limits)
    {
        if (context.Request.ContentLength is { } declared && declared > limits.MaxRequestBytes)
        {
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, JsonRpcGuard.TooLarge(declared, limits, new JsonRpcGuard.Header()), declared, "").ConfigureAwait(false);
            return null;
        }

        byte[] whole;
        long total = 0;
        try
        {
            if (context.Request.ContentLength is { } length)
            {
                // Kestrel gives no more than the declared length, and fails a body that ends short of it.
                whole = GC.AllocateUninitializedArray<byte>((int)length);
                int read;
                while (total < whole.Length && (read = await context.Request.Body.ReadAsync(whole.AsMemory((int)total), context.RequestAborted).ConfigureAwait(false)) > 0)
                {
                    total += read;
                }

                if (total < whole.Length)
                {
                    whole = whole[..(int)total];
                }
            }
            else
            {
                // Without a Content-Length: 64 KiB blocks, each filled before the next, at most one past the limit (a body
                // that goes on is refused without reading the rest); then copied once into an array of the body's size.
                var blocks = new List<byte[]>();
                var block = GC.AllocateUninitializedArray<byte>(BlockBytes);
                int filled = 0, read;
                while ((read = await context.Request.Body.ReadAsync(block.AsMemory(filled), context.RequestAborted).ConfigureAwait(false)) > 0)
                {
                    filled += read;
                    total += read;
                    if (total > limits.MaxRequestBytes)
                    {
                        await RefuseTooLargeAsync(context, limits, [.. blocks, block[..filled]], total).ConfigureAwait(false);
                        return null;
                    }

                    if (filled == block.Length)
                    {
                        blocks.Add(block);
                        block = GC.AllocateUninitializedArray<byte>(BlockBytes);
                        filled = 0;
                    }
                }

                whole = GC.AllocateUninitializedArray<byte>((int)total);
                var at = 0;
                foreach (var full in blocks)
                {
                    full.CopyTo(whole, at);
                    at += full.Length;
                }

                block.AsSpan(0, filled).CopyTo(whole.AsSpan(at));
            }
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel gave up on the body (it stalled below the minimum data rate, or broke off): refused and recorded
            // like any other refusal, not an unhandled error with its stack in the log.
            var unread = new JsonRpcRefusal(-32600, JsonRpcRefusal.Malformed, $"Request refused: the body could not be read ({ex.Message}); nothing was run.", "null", null, null);
            try
            {
                await RefuseAsync(context, ex.StatusCode, unread, total, "").ConfigureAwait(false);
            }
            catch (Exception answer) when (answer is IOException or OperationCanceledException or InvalidOperationException)
            {
                // Recorded; the connection is gone or the answer already started: nothing more to say to it.
            }

            return null;
        }

        // Only a refused body's sha256 (of the bytes read) is recorded, so a body that passes is not hashed.
        var body = new ArraySegment<byte>(whole)[Utf8Bom.LengthAt(whole)..];
        if (JsonRpcGuard.Check(body.AsSpan(), limits, out JsonRpcKind kind, out _, out var method) is { } refusal)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, refusal, total, Convert.ToHexStringLower(SHA256.HashData(whole))).ConfigureAwait(false);
            return null;
        }

        return (body, kind, method);
    }

    /// <summary>A chunked body read past the limit: answered 413 with the id from its start, recorded with the sha256 of what was read.</summary>
    private static async Task RefuseTooLargeAsync(HttpContext context, TransportLimits limits, List<byte[]> read, long total)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in read)
        {
            hash.AppendData(part);
        }

        // The id from the start (the first block is filled before the next: it holds the start whole).
        var header = JsonRpcGuard.Peek(read[0].AsSpan(0, Math.Min(read[0].Length, 8192)));
        await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, JsonRpcGuard.TooLarge(total, limits, header), total,
            Convert.ToHexStringLower(hash.GetHashAndReset())).ConfigureAwait(false);
    }

    private static async Task RefuseAsync(HttpContext context, int status, JsonRpcRefusal refusal, long bytes, string sha256)
    {
        await TransportAudit.RecordAsync(context.RequestServices, refusal, bytes, sha256, Caller(context), ClaimedSession(context)).ConfigureAwait(false);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (status == StatusCodes.Status413PayloadTooLarge)
        {
            // The rest of the body is not read: close the connection after the answer.
            context.Response.Headers.Connection = "close";
        }

        await context.Response.Body.WriteAsync(refusal.Response(), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>What the MCP SDK's refusal (a status of 400 or more) is recorded as: the status and what the request was.</summary>
    private static JsonRpcRefusal SdkRefusal(HttpContext context, ReadOnlySpan<byte> body)
    {
        var header = body.IsEmpty ? new JsonRpcGuard.Header() : JsonRpcGuard.Peek(body);
        var status = context.Response.StatusCode;
        var message = string.Create(CultureInfo.InvariantCulture,
            $"Request refused by the MCP transport: HTTP {status} {ReasonPhrases.GetReasonPhrase(status)} to a {context.Request.Method}{Cause(status)}.");
        return new JsonRpcRefusal(0, JsonRpcRefusal.TransportRefused, message, header.Id ?? "null", header.Method, header.Tool);
    }

    // What the SDK refuses with each status (ModelContextProtocol.AspNetCore's StreamableHttpHandler).
    private static string Cause(int status) => status switch
    {
        StatusCodes.Status403Forbidden => " (the session was opened by another caller)",
        StatusCodes.Status404NotFound => " (no such session, or a method this protocol version lacks)",
        StatusCodes.Status405MethodNotAllowed => " (not allowed in this session mode)",
        StatusCodes.Status406NotAcceptable => " (the Accept header must take application/json and text/event-stream)",
        StatusCodes.Status415UnsupportedMediaType => " (the body must be application/json)",
        StatusCodes.Status400BadRequest => " (one of the transport's checks: the session id header, the message, the protocol-version headers)",
        StatusCodes.Status500InternalServerError => " (the MCP transport failed on it)",
        _ => "",
    };

    /// <summary>
    /// The caller as governance reads a call's (<see cref="ClaimsCallerIdentityResolver"/>, with the claims
    /// <see cref="ToolGovernanceOptions"/> names), so a refusal is attributed as a call of the same request would be.
    /// </summary>
    internal static CallerIdentity? Caller(HttpContext context) =>
        new ClaimsCallerIdentityResolver(context.RequestServices.GetRequiredService<IOptions<ToolGovernanceOptions>>().Value).Resolve(context.User);

    /// <summary>
    /// The <c>Mcp-Session-Id</c> the request named. A refused request's session is the client's claim, never checked
    /// (the SDK refuses another caller's session with 403): it goes in the record's reason, not its session field.
    /// </summary>
    internal static string? ClaimedSession(HttpContext context) =>
        context.Request.Headers["Mcp-Session-Id"].FirstOrDefault();

    private sealed class GuardedEndpoint
    {
        public static readonly GuardedEndpoint Instance = new();
    }

    /// <summary>
    /// The paths of the guarded endpoints, read from routing's endpoints once they are all mapped (at the first request
    /// to another endpoint). A path matches as routing matches a literal route: case-insensitively, with or without a
    /// trailing slash.
    /// </summary>
    private sealed class GuardedRoutes(IServiceProvider? services)
    {
        private readonly string[] _paths = [.. (services?.GetService<EndpointDataSource>()?.Endpoints ?? [])
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<GuardedEndpoint>() is not null && e.RoutePattern.Parameters.Count == 0)
            .Select(e => e.RoutePattern.RawText?.Trim('/') ?? "")
            .Distinct(StringComparer.OrdinalIgnoreCase)];

        public bool Match(PathString path)
        {
            var trimmed = (path.Value ?? "").Trim('/');
            return Array.Exists(_paths, p => string.Equals(p, trimmed, StringComparison.OrdinalIgnoreCase));
        }
    }
}
