using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Http;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tools;

/// <summary>
/// Maps Auth0 answers and failures to MCP tool results: a success keeps Auth0's body as it came (plus a hint for
/// the next page); a redirect gives its status and <c>Location</c> (never followed); an error is one concise
/// <c>isError</c> text. Every text goes through the one redactor
/// (<see cref="JsonRedactor.Secrets"/>), with or without governance, and a body it cannot read is withheld.
/// </summary>
internal static class Auth0ToolResults
{
    /// <summary>
    /// The nesting structuredContent keeps. The MCP SDK's serializer stops at 64 levels, the JSON-RPC envelope included:
    /// a deeper object or array is given there as its JSON text (a string); the text content always has the whole body.
    /// </summary>
    internal const int StructuredDepth = 48;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = int.MaxValue };
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = int.MaxValue };

    /// <summary>The result for arguments that do not fit the input schema; no request was sent.</summary>
    public static CallToolResult InvalidArguments(string toolName, IReadOnlyList<string> errors) => Error(
        $"Invalid arguments for {toolName} (no request was sent to Auth0):\n- " + string.Join("\n- ", errors));

    /// <summary>The result for a call that got no HTTP response (no credential, network failure, timeout, refused path).</summary>
    public static CallToolResult Failure(Auth0ToolDescriptor descriptor, Auth0CallOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(outcome);
        return Error($"{descriptor.Name} failed: {outcome.FailureMessage ?? "no answer from Auth0."}");
    }

    /// <summary>
    /// The result for Auth0's answer: the body as it came for a 2xx (with a hint for the next page; when the body was cut
    /// at the output limit, the whole items that fit and how to ask for less), or one error text for any other status.
    /// </summary>
    public static CallToolResult FromResponse(Auth0ToolDescriptor descriptor, Auth0Response response)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(response);
        var outcome = response.Outcome;
        if (outcome.Status is not { } status)
        {
            return Failure(descriptor, outcome);
        }

        if (status is >= 300 and < 400 && response.Headers.TryGetValue("location", out var location))
        {
            return Redirected(status, location);
        }

        if (status is < 200 or >= 300)
        {
            return Error(DescribeError(descriptor, response));
        }

        if (response.Body.IsEmpty)
        {
            return new CallToolResult
            {
                Content = [new TextContentBlock { Text = $"Done: Auth0 answered {status} {(HttpStatusCode)status} with no content." }],
            };
        }

        if (outcome.Truncated)
        {
            return Truncated(descriptor, response);
        }

        // The one redactor, on the token stream (any depth, a BOM tolerated), with or without governance; a body that
        // looks like JSON but cannot be read is withheld, never passed on unchecked.
        var body = Redacted(response.Body);
        if (body is null)
        {
            return Withheld(descriptor, status);
        }

        var (text, json) = body.Value;
        if (json is not null && SecretMaps.IsSecretsPath(descriptor))
        {
            // A collection of secrets (e.g. GET /hooks/{id}/secrets): a map of names the user chose to secret values.
            json = SecretMaps.MaskValues(json, out var masked);
            text = masked == 0 ? text : Encoding.UTF8.GetString(json);
        }

        var structured = json is null ? (JsonElement?)null : Structured(json);
        var result = new CallToolResult
        {
            Content = [new TextContentBlock { Text = text }],
            StructuredContent = structured,
        };
        // An object body is structuredContent itself (deep parts capped far below the paging fields).
        if (json is not null && IsObject(json) && PagingHint(JsonObject.Create(structured!.Value)) is { } hint)
        {
            result.Content.Add(new TextContentBlock { Text = hint });
        }

        return result;
    }

    /// <summary>
    /// A redirect (3xx with a <c>Location</c>) is the answer, not a hop to take: the runtime never follows one (the
    /// connection's handler does not), so the caller gets the status and where it points, as text and as
    /// <c>{"status": …, "location": …}</c>. The address goes through the one redactor like any other text.
    /// </summary>
    private static CallToolResult Redirected(int status, string location)
    {
        var target = JsonRedactor.Secrets.RedactText(location, out _);
        var json = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteNumber("status", status);
            writer.WriteString("location", target);
            writer.WriteEndObject();
        }

        return new CallToolResult
        {
            Content =
            [
                new TextContentBlock
                {
                    Text = string.Create(CultureInfo.InvariantCulture, $"Auth0 answered {status} {(HttpStatusCode)status}: a redirect to {target}. It was not followed; fetch that address yourself if you need what it points at."),
                },
            ],
            StructuredContent = Structured(json.WrittenSpan.ToArray()),
        };
    }

    /// <summary>
    /// A 2xx body through the one redactor: JSON (any value, a leading BOM allowed) masked, as text and as UTF-8, or other
    /// text with secret-shaped runs masked (no JSON then). Null when it starts like a JSON object or array but cannot be read.
    /// </summary>
    private static (string Text, byte[]? Json)? Redacted(ReadOnlyMemory<byte> body)
    {
        // The answer's own array when it is one (nothing is masked in it; a masked answer is a new array): no copy.
        var json = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body, out var whole) && whole is { Offset: 0, Array: { } array } && whole.Count == array.Length
            ? JsonRedactor.Secrets.RedactUtf8Array(array, out _)
            : JsonRedactor.Secrets.RedactUtf8(body.Span, out _);
        if (json is not null)
        {
            return (Encoding.UTF8.GetString(json), json);
        }

        var text = Encoding.UTF8.GetString(body.Span);
        var redacted = JsonRedactor.Secrets.RedactText(text, out _);
        return string.Equals(redacted, JsonRedactor.Withheld, StringComparison.Ordinal) ? null : (redacted, null);
    }

    /// <summary>The answer for a 2xx body the redactor could not read: withheld, saying why (nothing of it is shown).</summary>
    private static CallToolResult Withheld(Auth0ToolDescriptor descriptor, int status) => Error(string.Create(CultureInfo.InvariantCulture,
        $"{descriptor.Name}: Auth0 answered {status} {(HttpStatusCode)status}, so the request succeeded, but the body starts like JSON and is not valid JSON: it could not be checked for secrets and is withheld. Check the result in the Auth0 Dashboard rather than calling again."));

    /// <summary>
    /// A body cut at the output limit: the whole items of its first list that arrived (as a JSON array), or, for an
    /// object whose list has no whole item (or that has no list), the object's whole leading fields; then what was cut
    /// and how to ask for less. Not an error: the caller gets what fits and the way to the rest.
    /// </summary>
    private static CallToolResult Truncated(Auth0ToolDescriptor descriptor, Auth0Response response)
    {
        // Worked on as UTF-8 ranges of the body: the kept part is copied once into the JSON that is redacted, once into
        // the text, and once into structuredContent (each copy of a 1 MiB part lands on the large object heap).
        var prefix = response.Body.Span;
        var (items, kept, closed, parent) = WholeItems(prefix);
        var shown = string.Create(CultureInfo.InvariantCulture, $"shown are the first {kept} whole items");
        var close = (byte)']';
        // The list is what was cut when the cut fell inside it; an object whose list ended before the cut (a client's
        // callbacks) was cut in another field.
        if ((kept == 0 || closed) && WholeFields(prefix) is { } fields)
        {
            (items, kept, parent, close) = (fields.Range, fields.Count, null, (byte)'}');
            shown = string.Create(CultureInfo.InvariantCulture, $"shown are the object's first {kept} whole fields") +
                (fields.CutAt is { } cut ? $", up to \"{cut}\", which was cut with the fields after it" : "");
        }

        var limit = response.Body.Length;
        // Through the one redactor, and for a collection of secrets their values masked too, as a whole answer's are;
        // what the redactor cannot read is not shown. A list that was an object's field is masked inside that field,
        // as in the whole answer: a name that is secret only in its parent (secrets[].value) needs the parent's name,
        // and a list under a secret name is masked whole.
        var empty = close == (byte)'}' ? "{}" : "[]";
        ArraySegment<byte> shownJson = default;
        if (kept > 0)
        {
            var json = Joined(parent is null ? [] : [(byte)'{', .. JsonRedactor.EncodeString(parent), (byte)':'], prefix[items], parent is null ? [close] : [close, (byte)'}']);
            // A byte that is not UTF-8 is read as U+FFFD, as the whole answer's text reads it (the redactor reads UTF-8 only).
            var redacted = JsonRedactor.Secrets.RedactUtf8Array(System.Text.Unicode.Utf8.IsValid(json) ? json : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(json)), out _);
            if (redacted is not null && SecretMaps.IsSecretsPath(descriptor))
            {
                redacted = SecretMaps.MaskValues(redacted, out _);
            }

            shownJson = redacted is null ? default : parent is null ? redacted : OnlyValue(redacted);
        }

        var text = kept == 0 || shownJson.Array is null ? empty : Encoding.UTF8.GetString(shownJson);
        var paging = descriptor.InputSchema.Contains("\"per_page\"", StringComparison.Ordinal) ? " a smaller per_page (and page for the next ones),"
            : descriptor.InputSchema.Contains("\"take\"", StringComparison.Ordinal) ? " a smaller take (and from for the next ones),"
            : "";
        var only = descriptor.InputSchema.Contains("\"fields\"", StringComparison.Ordinal) ? " fields=... to return only the fields you need," : "";
        var note = string.Create(CultureInfo.InvariantCulture,
            $"Truncated: Auth0's answer ({(response.Outcome.Bytes > limit ? response.Outcome.Bytes.ToString(CultureInfo.InvariantCulture) + " bytes, " : "")}more than the {limit}-byte output limit) was cut; {shown}. Ask for less:{paging}{only} or narrower filters.");
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = text }, new TextContentBlock { Text = note }],
            StructuredContent = Structured(Joined("{\"result\":"u8, shownJson.Array is null ? Encoding.UTF8.GetBytes(text) : shownJson, ",\"truncated\":true}"u8)),
        };
    }

    /// <summary>Three UTF-8 parts as one array, copied once.</summary>
    private static byte[] Joined(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> third)
    {
        var joined = new byte[first.Length + second.Length + third.Length];
        first.CopyTo(joined);
        second.CopyTo(joined.AsSpan(first.Length));
        third.CopyTo(joined.AsSpan(first.Length + second.Length));
        return joined;
    }

    /// <summary>
    /// The whole leading fields of a JSON object prefix (where they are in it, from its <c>{</c>; the closing brace is the
    /// caller's to add), with the name of the field the cut fell in (null when the cut fell between fields). Null when
    /// the prefix is not an object.
    /// </summary>
    private static (Range Range, int Count, string? CutAt)? WholeFields(ReadOnlySpan<byte> prefix)
    {
        var reader = new Utf8JsonReader(prefix, isFinalBlock: false, default);
        long start;
        long end = -1;
        var count = 0;
        string? name = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            start = reader.TokenStartIndex;
            while (reader.Read() && reader.CurrentDepth > 0)
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    name = reader.GetString();
                    continue;
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    break;
                }

                (count, end, name) = (count + 1, reader.BytesConsumed, null);
            }
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        var cutAt = name is null ? null : Limits.AuditName(JsonRedactor.Secrets.RedactText(name, out _), 64);
        return (count == 0 ? default : (int)start..(int)end, count, cutAt);
    }

    /// <summary>
    /// The complete items of the first array in a JSON prefix (a top-level array, or an object's first array property:
    /// where they are in it, from its <c>[</c>; the closing bracket is the caller's to add), whether that array ended
    /// within the prefix, and the name of the property that holds it (null for a top-level array).
    /// </summary>
    private static (Range Items, int Count, bool Closed, string? Parent) WholeItems(ReadOnlySpan<byte> prefix)
    {
        var reader = new Utf8JsonReader(prefix, isFinalBlock: false, default);
        var arrayDepth = -1;
        long start = -1;
        var count = 0;
        long end = -1;
        var closed = false;
        string? name = null;
        string? parent = null;
        try
        {
            while (reader.Read())
            {
                if (arrayDepth < 0)
                {
                    if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                    {
                        name = reader.GetString();
                    }
                    else if (reader.TokenType == JsonTokenType.StartArray && reader.CurrentDepth <= 1)
                    {
                        arrayDepth = reader.CurrentDepth;
                        start = reader.TokenStartIndex;
                        parent = arrayDepth == 1 ? name : null;
                    }

                    continue;
                }

                if (reader.CurrentDepth == arrayDepth + 1 && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                {
                    count++;
                    end = reader.BytesConsumed;
                }
                else if (reader.CurrentDepth == arrayDepth && reader.TokenType == JsonTokenType.EndArray)
                {
                    closed = true;
                    break;
                }
            }
        }
        catch (JsonException)
        {
            // A cut inside a token: the items before it stand.
        }
        catch (InvalidOperationException)
        {
            // A name before the list that is no text ("\ud800"): nothing of the list is shown, as the redactor withholds it.
        }

        return start < 0 || count == 0 ? (default, 0, closed, parent) : ((int)start..(int)end, count, closed, parent);
    }

    /// <summary>The value of the one property of a JSON object (the list <see cref="Truncated"/> wrapped in its parent's name).</summary>
    private static ArraySegment<byte> OnlyValue(byte[] json)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        reader.Read();
        reader.Read();
        reader.Read();
        var start = reader.TokenStartIndex;
        reader.Skip();
        return new ArraySegment<byte>(json, (int)start, (int)(reader.BytesConsumed - start));
    }

    /// <summary>
    /// How to get the next page, from the body of a list answer: offset paging (<c>include_totals</c> gives
    /// <c>total</c>, <c>start</c>, <c>limit</c>; the Actions API gives <c>total</c>, <c>page</c>, <c>per_page</c>) or checkpoint paging (<c>from</c>/<c>take</c> gives <c>next</c>).
    /// Null when the body says nothing about pages.
    /// </summary>
    public static string? PagingHint(JsonObject? body)
    {
        if (body is null)
        {
            return null;
        }

        if (body["next"] is JsonValue next && next.TryGetValue<string>(out var checkpoint) && !string.IsNullOrEmpty(checkpoint))
        {
            return $"More results: call again with from=\"{checkpoint}\" (and the same take).";
        }

        if (TryGetLong(body, "total", out var total) && TryGetLong(body, "start", out var start) && TryGetLong(body, "limit", out var limit) && limit > 0)
        {
            var returned = body.Select(kv => kv.Value).OfType<JsonArray>().FirstOrDefault()?.Count ?? (int)Math.Min(limit, Math.Max(0, total - start));
            var seen = start + returned;
            if (seen < total)
            {
                var page = (start / limit) + 1;
                return string.Create(CultureInfo.InvariantCulture,
                    $"More results: {total - seen} of {total} remain; call again with page={page}, per_page={limit}, include_totals=true.");
            }

            return string.Create(CultureInfo.InvariantCulture, $"This is the last page ({total} in total).");
        }

        // The Actions API's shape: total, page (the index, 0 first) and per_page.
        if (TryGetLong(body, "total", out total) && TryGetLong(body, "page", out var index) && TryGetLong(body, "per_page", out var size) && size is > 0 and <= int.MaxValue && index is >= 0 and <= int.MaxValue)
        {
            var returned = body.Select(kv => kv.Value).OfType<JsonArray>().FirstOrDefault()?.Count ?? (int)Math.Min(size, Math.Max(0, total - (index * size)));
            var seen = (index * size) + returned;
            return seen < total
                ? string.Create(CultureInfo.InvariantCulture, $"More results: {total - seen} of {total} remain; call again with page={index + 1}, per_page={size}.")
                : string.Create(CultureInfo.InvariantCulture, $"This is the last page ({total} in total).");
        }

        return null;
    }

    private static string DescribeError(Auth0ToolDescriptor descriptor, Auth0Response response)
    {
        var outcome = response.Outcome;
        var status = outcome.StatusCode!.Value;
        var sb = new StringBuilder();
        // The connection's rate-limit gate held the last attempt back (Auth0RateLimitGate): the 429 is the gate's.
        sb.Append(descriptor.Name).Append(outcome.NotSentAtGate ? ": not sent to Auth0, held back with " : ": Auth0 returned ").Append((int)status).Append(' ').Append(status);
        if (outcome.ErrorMessage is { } message)
        {
            sb.Append(": ").Append(Shorten(message));
        }
        else if (!response.Body.IsEmpty && response.Body.Span[0] != (byte)'{')
        {
            sb.Append(": ").Append(Shorten(Encoding.UTF8.GetString(response.Body.Span)));
        }

        if (outcome.ErrorCode is { } code && !string.Equals(code.Replace(" ", "", StringComparison.Ordinal), status.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            sb.Append(" [errorCode ").Append(code).Append(']');
        }

        if (!(sb[^1] is '.' or '!' or '?'))
        {
            sb.Append('.');
        }

        switch (status)
        {
            case HttpStatusCode.Unauthorized:
                sb.Append(" Auth0 did not accept the credential (expired, revoked, or for another tenant or audience); the call was retried once with a renewed token where one could be had. Run `auth0-mcp doctor`.");
                break;
            case HttpStatusCode.Forbidden when descriptor.Scopes.Count > 0:
                // The listed scopes are alternatives: Auth0 accepts a token that has any one of them (the primary named first).
                var alternatives = Auth0ScopePlanner.Alternatives(descriptor);
                sb.Append(alternatives.Count == 0 ? ""
                    : alternatives.Count == 1
                    ? $" This operation needs the scope {alternatives[0]}: grant it to the application or use a token that has it."
                    : $" This operation needs one of the scopes {string.Join(", ", alternatives)} (any one will do): grant one to the application or use a token that has one.");
                break;
            case HttpStatusCode.TooManyRequests:
                sb.Append(" Rate limit reached");
                var now = DateTimeOffset.UtcNow;
                if (Auth0RetryPolicy.ResetAt(response.Headers.GetValueOrDefault("x-ratelimit-reset")) is { } resets)
                {
                    // Said as the time left, as well: an agent reads the answer later than it was written.
                    var left = resets - now;
                    sb.Append("; it resets at ").Append(resets.ToString("HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))
                        .Append(left > TimeSpan.Zero ? string.Create(CultureInfo.InvariantCulture, $" (in {Math.Ceiling(left.TotalSeconds)} s)") : " (already past: call again)");
                }
                else if (Auth0RetryPolicy.RetryAfter(response.Headers.GetValueOrDefault("retry-after"), now) is { } after)
                {
                    // Seconds, or an HTTP date (said as the seconds left); anything else is not repeated.
                    sb.Append(CultureInfo.InvariantCulture, $"; retry after {Math.Ceiling(after.TotalSeconds)} s");
                }

                // Why the retries stopped: a wait that would end past the call's budget, or the most retries allowed.
                sb.Append(outcome.Attempts <= 1 && outcome.RefusedWait is null ? "."
                    : outcome.RefusedWait is { } wait ? string.Create(CultureInfo.InvariantCulture, $" ({outcome.Attempts} {(outcome.Attempts == 1 ? "attempt" : "attempts")} made; {(outcome.NotSentAtGate ? "the reset is" : "Auth0 asked for")} {Math.Ceiling(wait.TotalSeconds)} s more, which would exceed the call's time budget).")
                    : string.Create(CultureInfo.InvariantCulture, $" ({outcome.Attempts} attempts made, the most allowed)."));
                break;
            case >= HttpStatusCode.InternalServerError:
                sb.Append(outcome.Attempts > 1
                    ? $" Auth0 failed on all {outcome.Attempts} attempts; try again later."
                    : Auth0RetryPolicy.IsIdempotent(new HttpMethod(descriptor.Method))
                        ? " Try again later."
                        : $" {descriptor.Method} is not retried automatically because the request may have taken effect: check before calling again.");
                break;
        }

        return sb.ToString();
    }

    private static bool TryGetLong(JsonObject body, string name, out long value)
    {
        value = 0;
        return body[name] is JsonValue v && (v.TryGetValue(out value) || (v.TryGetValue<double>(out var d) && (value = (long)d) == d));
    }

    // Redacted before it is cut: a cut first can remove a secret's closing quote, and the rest then passes as plain text.
    private static string Shorten(string text) => JsonRedactor.Secrets.RedactThenCut(text, 500, fragment: true);

    /// <summary>
    /// structuredContent from UTF-8 JSON: an object as it is, any other value wrapped as <c>{"result": …}</c> (it must be
    /// an object); objects and arrays nested deeper than <see cref="StructuredDepth"/> become their JSON text.
    /// </summary>
    private static JsonElement Structured(byte[] utf8)
    {
        var wrap = !IsObject(utf8);
        var edits = new List<(long Start, long End, byte[] Replacement)>();
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth + (wrap ? 1 : 0) >= StructuredDepth)
            {
                var start = reader.TokenStartIndex;
                reader.Skip();
                edits.Add((start, reader.BytesConsumed, JsonRedactor.EncodeString(Encoding.UTF8.GetString(utf8.AsSpan((int)start, (int)(reader.BytesConsumed - start))))));
            }
        }

        var capped = edits.Count == 0 ? utf8 : JsonRedactor.Splice(utf8, edits);
        byte[] value = wrap ? [.. "{\"result\":"u8, .. capped, (byte)'}'] : capped;
        using var doc = JsonDocument.Parse(value, DocumentOptions);
        return doc.RootElement.Clone();
    }

    /// <summary>Whether the JSON in <paramref name="utf8"/> is an object (structuredContent must be one: others are wrapped).</summary>
    private static bool IsObject(ReadOnlySpan<byte> utf8) => utf8.TrimStart(" \t\r\n"u8) is [(byte)'{', ..];

    // Every text of an error or a refusal goes through the one redactor (registered credentials, secret-shaped runs).
    private static CallToolResult Error(string text) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = JsonRedactor.Secrets.RedactText(text, out _) }],
    };
}
