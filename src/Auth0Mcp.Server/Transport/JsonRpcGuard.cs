using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
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

    /// <summary>
    /// The caller already had as many requests in progress and waiting as it may (<see cref="CallerConcurrency"/>), or as
    /// many sessions open (<see cref="CallerSessions"/>): HTTP 429.
    /// </summary>
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
/// duplicate keys at any depth, no lone surrogates, <c>jsonrpc</c> "2.0", <c>method</c> a string, <c>id</c> a string
/// or a 64-bit integer (never null on a request), <c>params</c> an object whose members the MCP server reads are of the
/// types it reads them as (-32602). A message that passes is what the MCP server can read without failing;
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
    public static JsonRpcRefusal? Check(ReadOnlySpan<byte> message, TransportLimits limits, out JsonRpcKind kind, out string? idKey) =>
        Check(message, limits, out kind, out idKey, out _);

    /// <summary>
    /// As <see cref="Check(ReadOnlySpan{byte}, TransportLimits, out JsonRpcKind, out string?)"/>, with the message's
    /// <paramref name="method"/> as the walk read it, wherever it stands in the message (null when it has none).
    /// </summary>
    public static JsonRpcRefusal? Check(ReadOnlySpan<byte> message, TransportLimits limits, out JsonRpcKind kind, out string? idKey, out string? method)
    {
        kind = JsonRpcKind.Other;
        idKey = null;
        var refusal = Inspect(message, limits, out var header);
        method = header.Method;
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

    // The key of the string or 64-bit integer the reader is on; null for any other token, and for a number the MCP
    // server cannot read as an id (1.5, 1e3, past 64 bits): no answer can carry one.
    private static string? ValueKey(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => StringKey(reader.GetString()!),
        JsonTokenType.Number when reader.TryGetInt64(out var number) => number.ToString(CultureInfo.InvariantCulture),
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
                            return header.ParamsProblem
                                ? Refuse(-32602, JsonRpcRefusal.Malformed, "Invalid params: " + problem, header)
                                : Refuse(-32600, JsonRpcRefusal.Malformed, "Invalid Request: " + problem, header);
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

        // MCP: "Unlike base JSON-RPC, the ID MUST NOT be null". The MCP server drops such a request unanswered.
        if (header.Method is not null && header.IdIsNull)
        {
            return Refuse(-32600, JsonRpcRefusal.Malformed, "Invalid Request: a request's \"id\" must not be null; leave the id out to send a notification.", header);
        }

        if (header.Id is not null && header.MetaNotObject)
        {
            return Refuse(-32602, JsonRpcRefusal.Malformed, "Invalid params: \"params._meta\" must be an object.", header);
        }

        if (header.Method == "tools/call" && header.Tool is null)
        {
            return Refuse(-32602, JsonRpcRefusal.Malformed, "Invalid params: tools/call needs \"params.name\", the tool's name.", header);
        }

        return header.Id is not null && UnreadableParams(message, header) is { } unreadable
            ? Refuse(-32602, JsonRpcRefusal.Malformed, "Invalid params: " + unreadable, header)
            : null;
    }

    /// <summary>
    /// What the MCP server will fail to read in a request's params, read as it reads them (its own types and options):
    /// the per-request <c>_meta</c> fields it reads before any filter from a request that names its protocol version there
    /// (client info, capabilities, log level), and the whole params of the methods whose params it reads into types with required members
    /// (<see cref="ParamsTypes"/>). Null when all is readable. <c>tools/call</c> is not read twice here (its arguments
    /// can be megabytes): its name, arguments and <c>_meta</c> are type-checked on the walk.
    /// </summary>
    private static string? UnreadableParams(ReadOnlySpan<byte> message, Header header)
    {
        var read = "params";
        try
        {
            if (header.MetaStart is { } meta)
            {
                var reader = new Utf8JsonReader(message[meta..]);
                var fields = JsonNode.Parse(ref reader)!.AsObject();
                // The server reads these per-request fields only from a request that names its protocol version there
                // (a 2026-07-28 client's); in a session begun with initialize they are ignored, and so not checked.
                foreach (var (key, type) in fields.ContainsKey(MetaKeys.ProtocolVersion) ? MetaTypes : [])
                {
                    if (fields[key] is { } field)
                    {
                        read = "params._meta." + key;
                        _ = JsonSerializer.Deserialize(field, McpJsonUtilities.DefaultOptions.GetTypeInfo(type));
                    }
                }
            }

            if (header.Method is { } method && ParamsTypes.TryGetValue(method, out var paramsType))
            {
                read = "params";
                if (header.ParamsStart is { } start)
                {
                    var reader = new Utf8JsonReader(message[start..]);
                    _ = JsonSerializer.Deserialize(ref reader, McpJsonUtilities.DefaultOptions.GetTypeInfo(paramsType.Type));
                }
                else if (paramsType.Required)
                {
                    return $"{method} needs \"params\".";
                }
            }
            else if (header.Method == RequestMethods.ToolsCall && header.OtherParamsMembers && header.ParamsStart is { } start)
            {
                // Members beside the name, the arguments and _meta (inputResponses, requestState, task …): read as the
                // server reads them, with the arguments (already checked to be an object, and perhaps megabytes) left out.
                read = "params";
                var reader = new Utf8JsonReader(WithoutArguments(message[start..]));
                _ = JsonSerializer.Deserialize(ref reader, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolRequestParams)));
            }
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            return $"\"{read}\" cannot be read as {header.Method} takes it{(ex is JsonException { Path: { Length: > 1 } path } ? " (at " + Shorten(path) + ")" : "")}.";
        }

        return null;
    }

    /// <summary>The params object that starts <paramref name="json"/>, its top-level <c>arguments</c> left out.</summary>
    private static byte[] WithoutArguments(ReadOnlySpan<byte> json)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var reader = new Utf8JsonReader(json);
            reader.Read();
            writer.WriteStartObject();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                var from = (int)reader.TokenStartIndex;
                reader.Skip();
                if (name != "arguments")
                {
                    writer.WritePropertyName(name);
                    writer.WriteRawValue(json[from..(int)reader.BytesConsumed], skipInputValidation: true);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    // Logging is deprecated in the 2026-07-28 revision (MCP9005), but clients of the earlier revisions still set a level,
    // and the server still reads it.
#pragma warning disable MCP9005
    // The per-request _meta fields the MCP server reads into types (McpSessionHandler.PopulateContextFromMeta).
    private static readonly (string Key, Type Type)[] MetaTypes =
    [
        (MetaKeys.ClientInfo, typeof(Implementation)),
        (MetaKeys.ClientCapabilities, typeof(ClientCapabilities)),
        (MetaKeys.LogLevel, typeof(LoggingLevel)),
    ];

    // The methods whose params the MCP server reads into a type with required members (Required: the params cannot be
    // left out), or whose members are typed in ways a client gets wrong (a cursor, a log level); a request of one of
    // them is answered only if its params can be read.
    private static readonly Dictionary<string, (Type Type, bool Required)> ParamsTypes = new(StringComparer.Ordinal)
    {
        [RequestMethods.Initialize] = (typeof(InitializeRequestParams), true),
        [RequestMethods.LoggingSetLevel] = (typeof(SetLevelRequestParams), true),
        [RequestMethods.ToolsList] = (typeof(ListToolsRequestParams), false),
        [RequestMethods.PromptsList] = (typeof(ListPromptsRequestParams), false),
        [RequestMethods.ResourcesList] = (typeof(ListResourcesRequestParams), false),
        [RequestMethods.ResourcesTemplatesList] = (typeof(ListResourceTemplatesRequestParams), false),
    };
#pragma warning restore MCP9005

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

        /// <summary>Whether the message has an explicit <c>"id": null</c>.</summary>
        public bool IdIsNull { get; private set; }

        /// <summary>Whether the problem <see cref="Take"/> found is in the params (-32602) rather than the envelope (-32600).</summary>
        public bool ParamsProblem { get; private set; }

        /// <summary>Where the params object starts in the message, when it is one.</summary>
        public int? ParamsStart { get; private set; }

        /// <summary>Where <c>params._meta</c> starts in the message, when it is an object.</summary>
        public int? MetaStart { get; private set; }

        /// <summary>Whether <c>params._meta</c> is there and neither an object nor null.</summary>
        public bool MetaNotObject { get; private set; }

        /// <summary>Whether params has a member other than <c>name</c>, <c>arguments</c> and <c>_meta</c>.</summary>
        public bool OtherParamsMembers { get; private set; }

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
                            problem = "\"id\" must be a string or an integer.";
                            return false;
                        }

                        IdIsNull = reader.TokenType == JsonTokenType.Null;
                        // Echoed whole (the message's size limit bounds it), so the client can match the answer.
                        Id = IdIsNull ? null
                            : reader.TokenType == JsonTokenType.Number ? Encoding.UTF8.GetString(reader.ValueSpan)
                            : "\"" + JsonEncodedText.Encode(reader.GetString()!).ToString() + "\"";
                        IdKey = ValueKey(ref reader);
                        if (reader.TokenType == JsonTokenType.Number && IdKey is null)
                        {
                            // 1.5, 1e3, or past 64 bits: the MCP server reads no such id, and would drop the message unanswered.
                            problem = "\"id\" must be a string or an integer of at most 64 bits.";
                            return false;
                        }

                        return true;
                    case "params":
                        var save = reader;
                        // MCP's params are always named (an object); JSON-RPC's positional array is not MCP.
                        if (reader.Read() && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.Null))
                        {
                            problem = "\"params\" must be an object.";
                            return false;
                        }

                        ParamsStart = reader.TokenType == JsonTokenType.StartObject ? (int)reader.TokenStartIndex : null;
                        reader = save;
                        return true;
                    case "result" or "error":
                        HasResult = true;
                        return true;
                }
            }
            else if (depth == 2 && _inParams && name is not ("name" or "arguments" or "_meta"))
            {
                // Read as the server reads it once the walk knows the method (tools/call: UnreadableParams); for a
                // cancellation, requestId names the request it cancels (whatever the method, only read).
                OtherParamsMembers = true;
                var save = reader;
                if (name == "requestId" && reader.Read() && ValueKey(ref reader) is { } key)
                {
                    _requestIdKey = key;
                }
                else
                {
                    reader = save;
                }
            }
            else if (depth == 2 && _inParams && name == "_meta")
            {
                // A request's params._meta is an object (the MCP server reads it so; a notification's it ignores): noted
                // here, refused once the walk knows whether the message has an id.
                var save = reader;
                if (reader.Read() && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.Null))
                {
                    MetaNotObject = true;
                }

                MetaStart = reader.TokenType == JsonTokenType.StartObject ? (int)reader.TokenStartIndex : null;
                reader = save;
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
                    (problem, ParamsProblem) = ("\"params.name\" must be a string.", true);
                    return false;
                }

                if (name == "arguments" && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.Null))
                {
                    (problem, ParamsProblem) = ("\"params.arguments\" must be an object.", true);
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
    }
}
