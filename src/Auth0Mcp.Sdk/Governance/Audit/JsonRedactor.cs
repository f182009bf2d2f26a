using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The one redactor. It replaces the values of secret JSON properties at any depth (it reads the token stream
/// with <see cref="Utf8JsonReader"/>: no depth limit, a leading byte-order mark tolerated, duplicate keys each
/// masked), masks secrets inside every string value and inside free text (registered credential values, JWTs
/// and a JWT's signature alone, PEM private keys, <c>client_secret=…</c>, <c>password: …</c>, JSON inside HTML),
/// and fails closed: a text that starts like JSON but cannot be read is withheld (<see cref="Withheld"/>), never
/// passed through. Used for tool results, errors and audit reasons; a call's arguments, as an approver and the audit
/// see them, go through <see cref="RedactCallArguments"/>, which masks only values that are secrets (docs/security.md).
/// </summary>
public sealed partial class JsonRedactor
{
    /// <summary>The text that replaces a masked value.</summary>
    public const string Mask = "[REDACTED]";

    /// <summary>What replaces a whole text that looks like JSON but could not be read, so could not be checked for secrets.</summary>
    public const string Withheld = "[WITHHELD: the content is not valid JSON, so it could not be checked for secrets]";

    /// <summary>
    /// Property names whose values are secrets in Auth0 payloads. Compared by words, whatever the spelling:
    /// <c>client_secret</c>, <c>clientSecret</c> and <c>Client-Secret</c> are the same name. <c>connection_string</c>
    /// (an Azure email provider's <c>credentials.connectionString</c>, <c>endpoint=…;accesskey=…</c>), and the key names
    /// inside such strings (<c>accesskey</c>, <c>sharedaccesskey</c>; <c>SharedAccessKey</c> ends in <c>_access_key</c>,
    /// <c>AccountKey</c> is <c>account_key</c>), so a connection string quoted in free text has its key masked too.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultSecretNames =
    [
        "client_secret", "signing_secret", "secret", "private_key", "signing_keys", "signing_key",
        "password", "passwd", "new_password", "token", "access_token", "refresh_token", "id_token", "api_key",
        "apikey", "authorization", "client_assertion", "shared_secret", "secret_key", "pkcs8", "key_material",
        "recovery_code", "otp_secret", "totp_secret", "connection_string", "accesskey", "sharedaccesskey", "account_key",
    ];

    /// <summary>
    /// Name endings (by words) that mark a secret too: <c>*_secret</c>, <c>*_token</c>, <c>*_password</c>,
    /// <c>*_passwd</c>, <c>*_private_key</c>, <c>*_api_key</c>, <c>*_secret_key</c>, <c>*_access_key</c>
    /// (so <c>servicePassword</c>, <c>datadogApiKey</c>, <c>storageAccessKey</c>, <c>splunkToken</c> match).
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultSecretSuffixes =
        ["_secret", "_token", "_password", "_passwd", "_private_key", "_api_key", "_secret_key", "_access_key"];

    /// <summary>
    /// Personal data fields of Auth0 users and log events, redacted by the PII hook when it is on. Only field names are
    /// checked: personal data in a field of another name (a free-text <c>description</c>, a log's <c>details</c> under
    /// names not listed here) is not found. From the log event schema: <c>user_name</c>, <c>ip</c>, <c>user_agent</c>,
    /// <c>location_info</c> (city, coordinates, time zone; masked whole) and <c>security_context</c> (the TLS
    /// fingerprints of the user's device).
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultPiiNames =
    [
        "email", "phone_number", "name", "given_name", "family_name", "nickname", "picture", "username",
        "last_ip", "ip", "user_agent", "address", "birthdate", "user_metadata",
        "user_name", "location_info", "security_context",
    ];

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = int.MaxValue, CommentHandling = JsonCommentHandling.Disallow };
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = int.MaxValue };
    private static readonly byte[] MaskJson = Encoding.UTF8.GetBytes("\"" + Mask + "\"");
    private static readonly JsonRedactor SecretsInstance = new(DefaultSecretNames, DefaultSecretSuffixes, maskJwts: true);

    // Names the spec marks as secret (the generated Auth0SecretFields list registers them at start).
    private static volatile HashSet<string> s_registeredNames = new(StringComparer.Ordinal);
    private static readonly Lock RegistrationGate = new();

    private readonly HashSet<string> _names;
    private readonly string[] _suffixes;
    private readonly bool _secrets;

    /// <summary>Creates a redactor for exact <paramref name="names"/> and name <paramref name="suffixes"/>.</summary>
    /// <param name="names">Property names (any spelling); <c>parent.name</c> restricts a name to a parent property.</param>
    /// <param name="suffixes">Name endings, by words (e.g. <c>_secret</c>).</param>
    /// <param name="maskJwts">
    /// True for the secrets redactor: also masks secrets inside free text and string values, and honours the names
    /// registered with <see cref="RegisterSecretNames"/>.
    /// </param>
    public JsonRedactor(IEnumerable<string> names, IEnumerable<string>? suffixes = null, bool maskJwts = false)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = new HashSet<string>(names.Select(CanonicalPath), StringComparer.Ordinal);
        _suffixes = suffixes?.Select(s => Canonical(s)).Where(s => s.Length > 0).ToArray() ?? [];
        _secrets = maskJwts;
    }

    /// <summary>The redactor for the default secret names and suffixes, the spec's secret fields and secret-shaped text.</summary>
    public static JsonRedactor Secrets => SecretsInstance;

    /// <summary>The names registered from the spec (canonical spelling: lower case words joined by <c>_</c>).</summary>
    public static IReadOnlyCollection<string> RegisteredSecretNames => s_registeredNames;

    /// <summary>
    /// Adds secret values the secrets redactor masks wherever they appear (results, errors, audit records, logs of
    /// failures), for the life of the process: credentials a host holds that the Auth0 connection does not see, such as
    /// a token a rotation replaced before the connection was built. Values shorter than 8 characters are ignored.
    /// </summary>
    public static void RegisterSecretValues(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var value in values)
        {
            SecretText.Register(value, configured: true);
        }
    }

    /// <summary>
    /// Adds property names the secrets redactor masks (the generated <c>Auth0SecretFields</c> calls this with every
    /// property the spec marks as a secret). A <c>parent.name</c> entry masks <c>name</c> only inside <c>parent</c>.
    /// </summary>
    public static void RegisterSecretNames(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        lock (RegistrationGate)
        {
            var next = new HashSet<string>(s_registeredNames, StringComparer.Ordinal);
            foreach (var name in names)
            {
                if (!string.IsNullOrWhiteSpace(name))
                {
                    next.Add(CanonicalPath(name));
                }
            }

            s_registeredNames = next;
        }
    }

    /// <summary>Whether a property called <paramref name="name"/> is redacted (wherever it appears).</summary>
    public bool IsRedacted(string name) => IsRedacted(null, name);

    /// <summary>Whether a property called <paramref name="name"/> inside a property called <paramref name="parent"/> is redacted.</summary>
    public bool IsRedacted(string? parent, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var canonical = Canonical(name);
        if (canonical.Length == 0)
        {
            return false;
        }

        var qualified = parent is null ? null : Canonical(parent) + "." + canonical;
        if (_names.Contains(canonical) || (qualified is not null && _names.Contains(qualified)))
        {
            return true;
        }

        if (_secrets)
        {
            var registered = s_registeredNames;
            if (registered.Contains(canonical) || (qualified is not null && (registered.Contains(qualified) || SecretMapNames.Contains(qualified))))
            {
                return true;
            }
        }

        foreach (var suffix in _suffixes)
        {
            // By words: "_secret" matches client_secret and clientSecret, not "secretive".
            if (canonical.EndsWith(suffix, StringComparison.Ordinal) && (canonical.Length == suffix.Length || canonical[^(suffix.Length + 1)] == '_'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Redacts in place; returns how many values were masked.</summary>
    public int Redact(JsonNode? node)
    {
        // An explicit stack: no recursion, so no depth limit.
        var count = 0;
        var pending = new Stack<(JsonNode Node, string? Owner)>();
        if (node is not null)
        {
            pending.Push((node, null));
        }

        while (pending.Count > 0)
        {
            var (current, owner) = pending.Pop();
            if (current is JsonObject obj)
            {
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    var child = obj[key];
                    if (child is null)
                    {
                        continue;
                    }

                    if (IsRedacted(owner, key) && !IsBooleanOrNull(child))
                    {
                        obj[key] = Mask;
                        count++;
                    }
                    else if (MaskValue(child) is { } masked)
                    {
                        obj[key] = masked.Text;
                        count += masked.Count;
                    }
                    else
                    {
                        pending.Push((child, key));
                    }
                }
            }
            else if (current is JsonArray array)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is not { } child)
                    {
                        continue;
                    }

                    if (MaskValue(child) is { } masked)
                    {
                        array[i] = masked.Text;
                        count += masked.Count;
                    }
                    else
                    {
                        pending.Push((child, owner));
                    }
                }
            }
        }

        return count;
    }

    /// <summary>
    /// Redacts a text: JSON (an object or array, a leading BOM allowed) has secret properties and secrets inside
    /// string values masked and is otherwise unchanged byte for byte; a text that starts like JSON but is not is
    /// replaced whole by <see cref="Withheld"/> (counted as one); other text has secret-shaped runs masked.
    /// </summary>
    public string RedactText(string text, out int count)
    {
        ArgumentNullException.ThrowIfNull(text);
        count = 0;
        var body = text.StartsWith('\uFEFF') ? text[1..] : text;
        var trimmed = body.AsSpan().TrimStart();
        if (trimmed.Length > 0 && (trimmed[0] == '{' || trimmed[0] == '['))
        {
            var json = Utf8Bom.Skip(Encoding.UTF8.GetBytes(body).AsSpan());
            var edits = Edits(json, out count);
            if (edits is null)
            {
                count = 1;
                return Withheld;
            }

            return count == 0 ? text : Encoding.UTF8.GetString(Splice(json, edits));
        }

        if (!_secrets)
        {
            return text;
        }

        try
        {
            var result = SecretText.Mask(text, IsSecretWord, out count);
            return count == 0 ? text : result;
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            count = 1;
            return Withheld;
        }
    }

    /// <summary>
    /// Redacts UTF-8 JSON (a leading BOM allowed) at any depth. Returns the redacted JSON (the input itself when
    /// nothing was masked), or null when the input is not one valid JSON value: the caller must then withhold it.
    /// </summary>
    public byte[]? RedactUtf8(ReadOnlySpan<byte> json, out int count)
    {
        json = Utf8Bom.Skip(json);
        return Edits(json, out count) is not { } edits ? null : edits.Count == 0 ? json.ToArray() : Splice(json, edits);
    }

    /// <summary>
    /// <see cref="RedactUtf8(ReadOnlySpan{byte}, out int)"/> for JSON already in an array of its own (no BOM): the same
    /// array when nothing is masked, not a copy (a tool's answer can be a mebibyte).
    /// </summary>
    internal byte[]? RedactUtf8Array(byte[] json, out int count) =>
        Utf8Bom.LengthAt(json) > 0 ? RedactUtf8(json, out count)
        : Edits(json, out count) is not { } edits ? null : edits.Count == 0 ? json : Splice(json, edits);

    /// <summary>
    /// The one pass of the redactor over JSON (its BOM, if any, cut off first: <see cref="Utf8Bom"/>): the (start,
    /// end, replacement) byte ranges to splice into <paramref name="json"/> (none when nothing is masked), or null when
    /// it is not one valid JSON value. Nothing is copied: a caller that finds no edits keeps what it has.
    /// </summary>
    private List<(long Start, long End, byte[] Replacement)>? Edits(ReadOnlySpan<byte> json, out int count)
    {
        count = 0;
        var edits = new List<(long Start, long End, byte[] Replacement)>();
        try
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: true, new JsonReaderState(ReaderOptions));
            // The owner of each open container: the property that holds it (arrays pass theirs on to their items).
            var owners = new Stack<string?>();
            string? property = null;
            var any = false;
            while (reader.Read())
            {
                any = true;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        owners.Push(property ?? (owners.Count > 0 ? owners.Peek() : null));
                        property = null;
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        owners.Pop();
                        property = null;
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        if (IsRedacted(owners.Count > 0 ? owners.Peek() : null, name))
                        {
                            reader.Read();
                            if (reader.TokenType is JsonTokenType.Null or JsonTokenType.True or JsonTokenType.False)
                            {
                                break;
                            }

                            var start = reader.TokenStartIndex;
                            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                            {
                                reader.Skip();
                            }

                            edits.Add((start, reader.BytesConsumed, MaskJson));
                            count++;
                        }
                        else
                        {
                            property = name;
                        }

                        break;
                    case JsonTokenType.String:
                        property = null;
                        if (_secrets)
                        {
                            var value = reader.GetString()!;
                            var masked = SecretText.Mask(value, IsSecretWord, out var n);
                            if (n > 0)
                            {
                                edits.Add((reader.TokenStartIndex, reader.BytesConsumed, EncodeString(masked)));
                                count += n;
                            }
                        }
                        else if (EmbeddedJson(ref reader) is { } embedded
                            && Utf8Bom.Skip(Encoding.UTF8.GetBytes(embedded).AsSpan()) is var inside && Edits(inside, out var inner) is { Count: > 0 } innerEdits)
                        {
                            // A string that holds a JSON object or array (structuredContent gives the parts nested deeper
                            // than it keeps as their JSON text): its fields are checked by name too.
                            edits.Add((reader.TokenStartIndex, reader.BytesConsumed, EncodeString(Encoding.UTF8.GetString(Splice(inside, innerEdits)))));
                            count += inner;
                        }

                        break;
                    default:
                        property = null;
                        break;
                }
            }

            if (!any)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException or System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            count = 0;
            return null;
        }

        return edits;
    }

    /// <summary>
    /// Redacts <paramref name="text"/>, then cuts what is left to <paramref name="maxChars"/> characters (adding
    /// <paramref name="ellipsis"/>). In this order: a cut made first can remove a secret's closing quote or its end, and
    /// the part left no longer looks like a secret. <paramref name="fragment"/>: the text is a part of a larger one (a
    /// message quoted in an error), masked as free text even when it starts with <c>{</c> or <c>[</c>.
    /// </summary>
    internal string RedactThenCut(string text, int maxChars, string ellipsis = "…", bool fragment = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        string redacted;
        if (fragment && _secrets)
        {
            try
            {
                redacted = SecretText.Mask(text, IsSecretWord, out _);
            }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                redacted = Withheld;
            }
        }
        else
        {
            redacted = RedactText(text, out _);
        }

        return redacted.Length > maxChars ? redacted[..maxChars] + ellipsis : redacted;
    }

    /// <summary>Redacts a JSON element, returning a new element (or the same one when nothing matched).</summary>
    public JsonElement RedactElement(JsonElement element, out int count)
    {
        // The element's own UTF-8 text, read where it is: nothing is copied unless something is masked.
        var json = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element);
        var edits = Edits(json, out count);
        if (edits is null)
        {
            // Cannot happen for an element that was parsed, but fail closed all the same.
            count = 1;
            using var withheld = JsonDocument.Parse("{\"withheld\":" + Encoding.UTF8.GetString(EncodeString(Withheld)) + "}");
            return withheld.RootElement.Clone();
        }

        if (count == 0)
        {
            return element;
        }

        using var doc = JsonDocument.Parse(Splice(json, edits), DocumentOptions);
        return doc.RootElement.Clone();
    }

    /// <summary>Lower-case words joined by <c>_</c>: <c>clientSecret</c>, <c>client-secret</c>, <c>CLIENT_SECRET</c> → <c>client_secret</c>.</summary>
    public static string Canonical(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsLetterOrDigit(c))
            {
                if (sb.Length > 0 && sb[^1] != '_')
                {
                    sb.Append('_');
                }

                continue;
            }

            if (char.IsUpper(c) && i > 0 && sb.Length > 0 && sb[^1] != '_'
                && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        if (sb.Length > 0 && sb[^1] == '_')
        {
            sb.Length--;
        }

        return sb.ToString();
    }

    private static string CanonicalPath(string name)
    {
        var dot = name.LastIndexOf('.');
        return dot <= 0 ? Canonical(name) : Canonical(name[..dot]) + "." + Canonical(name[(dot + 1)..]);
    }

    private bool IsSecretWord(string name) => IsRedacted(null, name);

    // The value of the string token at the reader when it holds a JSON object or array (by its first character), else null.
    private static string? EmbeddedJson(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan.TrimStart(" \t\r\n"u8);
        if (!reader.ValueIsEscaped && (raw.IsEmpty || raw[0] is not ((byte)'{' or (byte)'[')))
        {
            return null;
        }

        var value = reader.GetString()!;
        var trimmed = value.AsSpan().TrimStart();
        return trimmed.Length > 0 && trimmed[0] is '{' or '[' ? value : null;
    }

    private static bool IsBooleanOrNull(JsonNode node) =>
        node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null;

    private (string Text, int Count)? MaskValue(JsonNode node)
    {
        if (!_secrets || node is not JsonValue v || !v.TryGetValue<string>(out var s))
        {
            return null;
        }

        var masked = SecretText.Mask(s, IsSecretWord, out var n);
        return n > 0 ? (masked, n) : null;
    }

    /// <summary>
    /// <paramref name="value"/> as a JSON string, readable (non-ASCII letters as they are) but with each control, format
    /// and separator character escaped (<see cref="TerminalText.EscapeJson"/>): the relaxed encoder leaves bidirectional
    /// overrides, isolates and zero-width characters raw, and a masked argument shown to an approver could then reorder
    /// or hide the rest of the call. The unmasked arguments (canonical JSON, default encoder) escape them too.
    /// </summary>
    internal static byte[] EncodeString(string value)
    {
        var buffer = new ArrayBufferWriter<byte>(value.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStringValue(value);
        }

        return value.Any(TerminalText.IsUnprintable)
            ? Encoding.UTF8.GetBytes(TerminalText.EscapeJson(Encoding.UTF8.GetString(buffer.WrittenSpan))!)
            : buffer.WrittenSpan.ToArray();
    }

    /// <summary>The JSON with each (start, end) byte range, in order and not overlapping, replaced.</summary>
    internal static byte[] Splice(ReadOnlySpan<byte> json, List<(long Start, long End, byte[] Replacement)> edits)
    {
        // Its exact length first, so the output is written into one array (no buffer that grows, no copy at the end).
        var length = (long)json.Length;
        foreach (var (start, end, replacement) in edits)
        {
            length += replacement.Length - (end - start);
        }

        var output = new byte[length];
        var position = 0;
        var written = 0;
        foreach (var (start, end, replacement) in edits)
        {
            json[position..(int)start].CopyTo(output.AsSpan(written));
            written += (int)start - position;
            replacement.CopyTo(output.AsSpan(written));
            written += replacement.Length;
            position = (int)end;
        }

        json[position..].CopyTo(output.AsSpan(written));
        return output;
    }
}
