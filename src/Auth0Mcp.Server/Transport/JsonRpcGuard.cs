using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Server.Transport;

/// <summary>The limits both transports apply to every incoming JSON-RPC message, before the MCP server sees it.</summary>
/// <param name="MaxRequestBytes">The largest message, in bytes (<c>Server:MaxRequestBytes</c>, default 4 MiB).</param>
/// <param name="MaxDepth">The deepest nesting of objects and arrays (64: what the MCP server's JSON reader accepts).</param>
internal sealed record TransportLimits(int MaxRequestBytes, int MaxDepth)
{
    public const int DefaultMaxRequestBytes = 4 * 1024 * 1024;
    public const int DefaultMaxDepth = 64;

    /// <summary>The limits <paramref name="settings"/> set (validated at start: at least 1024 bytes).</summary>
    public static TransportLimits From(ServerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new TransportLimits(settings.MaxRequestBytes, DefaultMaxDepth);
    }
}

/// <summary>Why a message was refused, what to answer and what to audit.</summary>
/// <param name="Code">The JSON-RPC error code: -32700 (not JSON), -32600 (not a valid request, or too large) or -32000 (too many requests).</param>
/// <param name="DenialCode">The audit denial code: <c>request-too-large</c>, <c>malformed-request</c>, <c>transport-refused</c> or <c>too-many-requests</c>.</param>
/// <param name="Message">The error text for the client and the audit (never quotes the message's content).</param>
/// <param name="IdJson">The request's id as JSON, or <c>null</c>.</param>
/// <param name="Method">The JSON-RPC method, when it could be read.</param>
/// <param name="Tool">For <c>tools/call</c>, the tool name, when it could be read.</param>
internal sealed record JsonRpcRefusal(int Code, string DenialCode, string Message, string IdJson, string? Method, string? Tool)
{
    public const string TooLarge = "request-too-large";
    public const string Malformed = "malformed-request";

    /// <summary>The MCP SDK's transport refused the request (HTTP 400 or more) before governance saw it.</summary>
    public const string TransportRefused = "transport-refused";

    /// <summary>The caller already had as many requests in progress and waiting as it may (HTTP 429): <see cref="CallerConcurrency"/>.</summary>
    public const string TooManyRequests = "too-many-requests";

    /// <summary>The JSON-RPC error response, one line of UTF-8 without the line end.</summary>
    public byte[] Response()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WritePropertyName("id");
            writer.WriteRawValue(IdJson, skipInputValidation: false);
            writer.WriteStartObject("error");
            writer.WriteNumber("code", Code);
            writer.WriteString("message", Message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>What a message that passed the guard asks of the server.</summary>
internal enum JsonRpcKind
{
    /// <summary>A notification, or a client's answer to a server request: nothing is answered.</summary>
    Other,

    /// <summary>A request with an id: the server answers it once.</summary>
    Request,

    /// <summary><c>notifications/cancelled</c>: the request it names will not be answered.</summary>
    Cancellation,
}

/// <summary>
/// Checks one incoming JSON-RPC message: valid UTF-8 JSON, one object (no batch), no deeper than the limit, no
/// duplicate keys at any depth, no lone surrogates, <c>jsonrpc</c> "2.0", <c>method</c> a string, <c>id</c> a string,
/// number or null, <c>params</c> an object. A message that passes is what the MCP server can read without failing;
/// one that does not is refused with a clear error and audited, never answered with -32603 and no record.
/// </summary>
internal static class JsonRpcGuard
{
    private const string NullId = "null";

    /// <summary>The longest string id kept as it is in a key; a longer one is keyed by its sha256.</summary>
    private const int LongIdChars = 128;

    /// <summary>Null when <paramref name="message"/> may pass; else the refusal.</summary>
    public static JsonRpcRefusal? Check(ReadOnlySpan<byte> message, TransportLimits limits) => Check(message, limits, out JsonRpcKind _);

    /// <summary>
    /// Null when <paramref name="message"/> may pass, with <paramref name="kind"/> saying what it asks of the server;
    /// else the refusal.
    /// </summary>
    public static JsonRpcRefusal? Check(ReadOnlySpan<byte> message, TransportLimits limits, out JsonRpcKind kind) => Check(message, limits, out kind, out _);

    /// <summary>
    /// Null when <paramref name="message"/> may pass, with <paramref name="kind"/> saying what it asks of the server
    /// and <paramref name="idKey"/> the <see cref="IdKey(RequestId)"/> of the id it concerns: a request's own id, or the
    /// <c>params.requestId</c> a cancellation names (null when it names none that is a string or a number); else the refusal.
    /// </summary>
    public static JsonRpcRefusal? Check(ReadOnlySpan<byte> message, TransportLimits limits, out JsonRpcKind kind, out string? idKey)
    {
        kind = JsonRpcKind.Other;
        idKey = null;
        var refusal = Inspect(message, limits, out var header);
        if (refusal is null)
        {
            kind = header switch
            {
                // A message with an id is a request, whatever its method: the server answers it (a "cancellation" with
                // an id is answered -32601 and cancels nothing, so it must not free the place of the call it names).
                { Method: not null, Id: not null } => JsonRpcKind.Request,
                { Method: "notifications/cancelled" } => JsonRpcKind.Cancellation,
                _ => JsonRpcKind.Other,
            };
            idKey = kind switch
            {
                JsonRpcKind.Request => header.IdKey,
                JsonRpcKind.Cancellation => header.CancelledKey,
                _ => null,
            };
        }

        return refusal;
    }

    /// <summary>
    /// The key that names <paramref name="id"/> as the server answers it, equal to the key <see cref="Check(ReadOnlySpan{byte}, TransportLimits, out JsonRpcKind, out string?)"/>
    /// gives for the same id read from a client's message: a number is its decimal text, a string is a quote and the
    /// string (a string of more than <see cref="LongIdChars"/> characters: an apostrophe and its sha256), so the
    /// string "1" and the number 1 stay apart. Null for an id that is neither.
    /// </summary>
    public static string? IdKey(RequestId id) => id.Id switch
    {
        long number => number.ToString(CultureInfo.InvariantCulture),
        string text => StringKey(text),
        _ => null,
    };

    private static string StringKey(string text) => text.Length <= LongIdChars ? "\"" + text
        : "'" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    // The key of the string or number the reader is on; null for any other token. A number that is not an integer
    // (1.5, 1e3) keeps its text behind a '#': the MCP server reads no such id, so no answer can match it.
    private static string? ValueKey(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => StringKey(reader.GetString()!),
        JsonTokenType.Number => reader.TryGetInt64(out var number) ? number.ToString(CultureInfo.InvariantCulture) : "#" + Encoding.UTF8.GetString(reader.ValueSpan),
        _ => null,
    };

    private static JsonRpcRefusal? Inspect(ReadOnlySpan<byte> message, TransportLimits limits, out Header header)
    {
        header = new Header();
        if (message.Length > limits.MaxRequestBytes)
        {
            return TooLarge(message.Length, limits, Peek(message[..Math.Min(message.Length, 8192)]));
        }

        // The depth is checked here, not by the reader (whose limit is one more), so that a reader exception is only
        // ever a parse error: its messages are not parsed back (an unfinished message also mentions "depth").
        var reader = new Utf8JsonReader(message, new JsonReaderOptions { MaxDepth = limits.MaxDepth + 1 });
        var keys = new Stack<HashSet<string>>();
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= limits.MaxDepth)
                {
                    return Refuse(-32600, JsonRpcRefusal.Malformed, $"Invalid Request: nested deeper than {limits.MaxDepth} levels.", header);
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        keys.Push(new HashSet<string>(StringComparer.Ordinal));
                        break;
                    case JsonTokenType.StartArray:
                        if (reader.CurrentDepth == 0)
                        {
                            return Refuse(-32600, JsonRpcRefusal.Malformed, "Invalid Request: batches are not supported; send one JSON-RPC object per message.", header);
                        }

                        break;
                    case JsonTokenType.EndObject:
                        keys.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!; // throws on invalid UTF-8 or a lone surrogate: caught as NotUtf8
                        if (!keys.Peek().Add(name))
                        {
                            return Refuse(-32600, JsonRpcRefusal.Malformed, $"Invalid Request: the key '{Shorten(name)}' appears twice in one object.", header);
                        }

                        if (!header.Take(ref reader, name, out var problem))
                        {
                            return Refuse(-32600, JsonRpcRefusal.Malformed, "Invalid Request: " + problem, header);
                        }

                        break;
                    case JsonTokenType.String:
                        if (!IsValidText(ref reader))
                        {
                            return NotUtf8(header);
                        }

                        break;
                    default:
                        if (reader.CurrentDepth == 0 && reader.TokenType != JsonTokenType.EndArray)
                        {
                            return Refuse(-32600, JsonRpcRefusal.Malformed, "Invalid Request: a message must be a JSON object.", header);
                        }

                        break;
                }
            }
        }
        catch (JsonException)
        {
            return Refuse(-32700, JsonRpcRefusal.Malformed, $"Parse error: not valid JSON (byte {reader.BytesConsumed}).", header);
        }
        catch (InvalidOperationException)
        {
            return NotUtf8(header);
        }

        if (header.JsonRpc != "2.0")
        {
            return Refuse(-32600, JsonRpcRefusal.Malformed, "Invalid Request: \"jsonrpc\" must be \"2.0\".", header);
        }

        // A message is a request or notification (a method) or an answer to the server's own request (a result or
        // an error); anything else is invalid, whatever its id.
        if (header.Method is null && !header.HasResult)
        {
            return Refuse(-32600, JsonRpcRefusal.Malformed, "Invalid Request: no \"method\".", header);
        }

        return header.Method == "tools/call" && header.Tool is null
            ? Refuse(-32602, JsonRpcRefusal.Malformed, "Invalid params: tools/call needs \"params.name\", the tool's name.", header)
            : null;
    }

    /// <summary>
    /// Whether the current string value is valid Unicode: its raw bytes valid UTF-8 (the reader does not check them: a
    /// Latin-1 value would otherwise become U+FFFD in the tool's arguments and be sent so), and, when escaped, no lone
    /// surrogate (<see cref="Utf8JsonReader.GetString"/> throws on one, and on invalid bytes beside an escape). A
    /// property name needs no such check: it is read with <see cref="Utf8JsonReader.GetString"/> anyway, which throws.
    /// </summary>
    private static bool IsValidText(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            _ = reader.GetString(); // throws InvalidOperationException: caught as NotUtf8
            return true;
        }

        return System.Text.Unicode.Utf8.IsValid(reader.ValueSpan);
    }

    private static JsonRpcRefusal NotUtf8(Header header) =>
        Refuse(-32700, JsonRpcRefusal.Malformed, "Parse error: a string is not valid UTF-8 or holds a lone surrogate (\\ud800 to \\udfff alone).", header);

    /// <summary>The refusal for a message of <paramref name="bytes"/> bytes over the limit, answered with the id read from its start or end.</summary>
    public static JsonRpcRefusal TooLarge(long bytes, TransportLimits limits, Header header) =>
        Refuse(-32600, JsonRpcRefusal.TooLarge,
            string.Create(CultureInfo.InvariantCulture, $"Request refused: {bytes} bytes exceed the {limits.MaxRequestBytes}-byte limit (Server:MaxRequestBytes, AUTH0_MCP_MAX_REQUEST_BYTES); nothing was run."),
            header);

    /// <summary>Reads what it can of the top-level fields from the start of a message that is too large (or cut).</summary>
    public static Header Peek(ReadOnlySpan<byte> start)
    {
        var header = new Header();
        var reader = new Utf8JsonReader(start, isFinalBlock: false, new JsonReaderState(new JsonReaderOptions { MaxDepth = 256 }));
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && !header.Take(ref reader, reader.GetString()!, out _))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // what was read so far is all there is
        }

        return header;
    }

    /// <summary>Finds a top-level <c>"id"</c> at the end of a message (clients often write it last).</summary>
    public static void PeekTail(ReadOnlySpan<byte> end, Header header)
    {
        if (header.Id is not null)
        {
            return;
        }

        var text = Encoding.UTF8.GetString(end);
        var at = text.LastIndexOf("\"id\"", StringComparison.Ordinal);
        if (at < 0)
        {
            return;
        }

        var rest = text[(at + 4)..].TrimStart();
        if (!rest.StartsWith(':'))
        {
            return;
        }

        rest = rest[1..].TrimStart();
        var stop = rest.StartsWith('"') ? rest.IndexOf('"', 1) + 1 : rest.IndexOfAny([',', '}', ' ']);
        if (stop <= 0)
        {
            return;
        }

        var candidate = rest[..stop];
        var tail = rest[stop..].Trim();
        if (tail.Length <= 1 && (tail.Length == 0 || tail == "}") && IsIdJson(candidate))
        {
            header.Id = candidate;
        }
    }

    private static bool IsIdJson(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind is JsonValueKind.String or JsonValueKind.Number;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static JsonRpcRefusal Refuse(int code, string denial, string message, Header header) =>
        new(code, denial, message, header.Id ?? NullId, header.Method, header.Tool);

    private static string Shorten(string text) => text.Length > 64 ? text[..64] + "…" : text;

    /// <summary>The top-level fields read so far.</summary>
    internal sealed class Header
    {
        public string? JsonRpc { get; private set; }

        public string? Method { get; private set; }

        public string? Id { get; set; }

        /// <summary>For <c>tools/call</c>: the tool name (params.name), wherever the method came in the message.</summary>
        public string? Tool => Method == "tools/call" ? _paramsName : null;

        public bool HasResult { get; private set; }

        /// <summary>The whole id's key (<see cref="JsonRpcGuard.IdKey(RequestId)"/>), unlike <see cref="Id"/> never shortened.</summary>
        public string? IdKey { get; private set; }

        /// <summary>For <c>notifications/cancelled</c>: the key of the id it cancels (params.requestId).</summary>
        public string? CancelledKey => Method == "notifications/cancelled" ? _requestIdKey : null;

        private bool _inParams;
        private string? _paramsName;
        private string? _requestIdKey;

        /// <summary>Reads the value of <paramref name="name"/> when it is a field of interest; false (and why) when its type is wrong.</summary>
        public bool Take(ref Utf8JsonReader reader, string name, out string? problem)
        {
            problem = null;
            var depth = reader.CurrentDepth;
            if (depth == 1)
            {
                _inParams = name == "params";
                switch (name)
                {
                    case "jsonrpc":
                        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                        {
                            problem = "\"jsonrpc\" must be the string \"2.0\".";
                            return false;
                        }

                        JsonRpc = reader.GetString();
                        return true;
                    case "method":
                        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                        {
                            problem = "\"method\" must be a string.";
                            return false;
                        }

                        Method = Shorten(reader.GetString()!);
                        return true;
                    case "id":
                        if (!reader.Read())
                        {
                            return true;
                        }

                        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Number or JsonTokenType.Null))
                        {
                            problem = "\"id\" must be a string, a number or null.";
                            return false;
                        }

                        Id = reader.TokenType == JsonTokenType.Null ? null
                            : reader.TokenType == JsonTokenType.Number ? Encoding.UTF8.GetString(reader.ValueSpan)
                            : JsonEncodedString(reader.GetString()!);
                        IdKey = ValueKey(ref reader);
                        return true;
                    case "params":
                        var save = reader;
                        // MCP's params are always named (an object); JSON-RPC's positional array is not MCP.
                        if (reader.Read() && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.Null))
                        {
                            problem = "\"params\" must be an object.";
                            return false;
                        }

                        reader = save;
                        return true;
                    case "result" or "error":
                        HasResult = true;
                        return true;
                }
            }
            else if (depth == 2 && _inParams && name == "requestId")
            {
                // notifications/cancelled names the request it cancels here (whatever the method, only read).
                var save = reader;
                if (reader.Read() && ValueKey(ref reader) is { } key)
                {
                    _requestIdKey = key;
                }
                else
                {
                    reader = save;
                }
            }
            else if (depth == 2 && _inParams && name is "name" or "arguments")
            {
                // In every MCP method that has them, params.name is a string and params.arguments an object.
                var save = reader;
                if (!reader.Read())
                {
                    reader = save;
                    return true;
                }

                if (name == "name" && reader.TokenType != JsonTokenType.String)
                {
                    problem = "\"params.name\" must be a string.";
                    return false;
                }

                if (name == "arguments" && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.Null))
                {
                    problem = "\"params.arguments\" must be an object.";
                    return false;
                }

                if (name == "name")
                {
                    _paramsName = Shorten(reader.GetString()!);
                }
                else
                {
                    reader = save;
                }
            }

            return true;
        }

        private static string JsonEncodedString(string value) => "\"" + JsonEncodedText.Encode(value.Length > 200 ? value[..200] : value).ToString() + "\"";
    }
}
