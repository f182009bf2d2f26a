using System.Text;
using System.Text.RegularExpressions;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The free-text half of <see cref="JsonRedactor"/>: masks secrets inside a text that is not a JSON document (an
/// upstream error message, an HTML error page, an exception message) and inside every JSON string value. In order:
/// the registered credential values (configured tokens and client secrets, issued access tokens, and a JWT's
/// signature alone), PEM private keys, JWTs, <c>Bearer</c>/<c>Basic</c> credentials, and <c>name=value</c>,
/// <c>name: value</c>, <c>"name":"value"</c> (also HTML-escaped) where the name is a secret name.
/// </summary>
internal static partial class SecretText
{
    // Configured credentials (tokens and client secrets a host was given, including ones rotated away: they may still
    // be valid) are kept for the life of the process, up to a generous bound; issued access tokens, which renew for
    // ever, are kept as the most recent IssuedCapacity, so a long-running server never drops a configured secret to
    // make room for a token that has expired.
    private const int ConfiguredCapacity = 256;
    private const int IssuedCapacity = 64;
    private const int MinimumLength = 8;
    private const int MinimumSignatureLength = 16;
    private static readonly Lock Gate = new();
    private static readonly LinkedList<string> Configured = new();
    private static readonly LinkedList<string> Issued = new();
    private static string[] s_snapshot = [];

    /// <summary>
    /// Adds a credential value (shorter than 8 characters: ignored); a JWT's signature is registered on its own too.
    /// <paramref name="configured"/>: a credential the host was given (kept for the process's life) rather than an
    /// access token issued to it (the most recent 64 are kept). Registering a value again makes it the most recent.
    /// </summary>
    public static void Register(string? secret, bool configured = false)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinimumLength)
        {
            return;
        }

        lock (Gate)
        {
            var list = configured ? Configured : Issued;
            Add(list, secret);
            var parts = secret.Split('.');
            if (parts.Length == 3 && parts[2].Length >= MinimumSignatureLength)
            {
                // A token's signature alone (e.g. a log line that split the token) is a secret too.
                Add(list, parts[2]);
            }

            var capacity = configured ? ConfiguredCapacity : IssuedCapacity;
            while (list.Count > capacity)
            {
                list.RemoveLast();
            }

            // Longest first, so that a secret containing another is replaced whole.
            s_snapshot = [.. Configured.Concat(Issued).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)];
        }

        static void Add(LinkedList<string> list, string value)
        {
            list.Remove(value);
            list.AddFirst(value);
        }
    }

    /// <summary>Whether <paramref name="text"/> contains a registered credential value.</summary>
    public static bool ContainsRegistered(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        foreach (var secret in Volatile.Read(ref s_snapshot))
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Replaces every registered credential value in <paramref name="text"/> with <paramref name="mask"/>.</summary>
    public static string MaskRegistered(string text, string mask, out int count)
    {
        count = 0;
        foreach (var secret in Volatile.Read(ref s_snapshot))
        {
            // Counted first, then replaced in one copy: a copy of the whole text per occurrence grew with its square.
            var found = 0;
            var rest = text.AsSpan();
            for (var index = rest.IndexOf(secret, StringComparison.Ordinal); index >= 0; index = rest.IndexOf(secret, StringComparison.Ordinal))
            {
                found++;
                rest = rest[(index + secret.Length)..];
            }

            if (found > 0)
            {
                count += found;
                text = text.Replace(secret, mask, StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>Masks every secret-shaped run of <paramref name="text"/>; <paramref name="isSecretName"/> decides which names are secret.</summary>
    /// <exception cref="RegexMatchTimeoutException">The text is too hostile to scan in time (callers fail closed).</exception>
    public static string Mask(string text, Func<string, bool> isSecretName, out int count)
    {
        var result = MaskRegistered(text, JsonRedactor.Mask, out count);
        var masked = 0;
        result = MaskPrivateKeys(result, ref masked);
        result = MaskJwts(result, ref masked);
        result = MaskSchemes(result, ref masked);

        if (result.AsSpan().IndexOfAny("=:\"'") >= 0)
        {
            result = MaskAssignments(result, isSecretName, ref masked);
        }

        count += masked;
        return result;
    }

    /// <summary>
    /// Masks only what has a credential's shape, wherever it appears: the registered credential values, JWT-shaped
    /// runs, a <c>Bearer</c>/<c>Basic</c> token (token characters only), and the value of an assignment to a secret name
    /// when it is one run of token characters (<see cref="IsCredentialShaped"/>). The arguments' view
    /// (<see cref="JsonRedactor.RedactCallArguments"/>) applies this inside a body: none of these masks can cover a space,
    /// a quote, a bracket or a parenthesis, so none can hide code, where the full patterns of <see cref="Mask"/>
    /// (<c>password: "…"</c> of any content, a PEM block to its END line) could cover any text a caller wraps in them.
    /// </summary>
    /// <exception cref="RegexMatchTimeoutException">The text is too hostile to scan in time (callers fail closed).</exception>
    public static string MaskCredentials(string text, Func<string, bool> isSecretName, out int count)
    {
        var result = MaskRegistered(text, JsonRedactor.Mask, out count);
        var masked = 0;
        result = MaskJwts(result, ref masked);
        result = MaskSchemes(result, ref masked);

        if (result.AsSpan().IndexOfAny("=:") >= 0)
        {
            result = MaskAssignments(result, isSecretName, ref masked, credentialShapedOnly: true);
        }

        count += masked;
        return result;
    }

    /// <summary>
    /// Whether an assignment's value, inside its quotes (<see cref="MaskAssignments"/> finds them), is one run of up
    /// to 512 token characters: letters, digits and <c>. _ ~ + / = - @ % ! $ * # ^</c> (no colon, so no URL with a
    /// scheme). A password, a key or a token has this shape; code does not.
    /// </summary>
    private static bool IsCredentialShaped(ReadOnlySpan<char> unquoted) =>
        unquoted.Length is > 0 and <= 512 && unquoted.IndexOfAnyExcept(CredentialCharacters) < 0;

    private static readonly System.Buffers.SearchValues<char> CredentialCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=-@%!$*#^");

    // A Bearer or Basic credential: the scheme stays, the token (token characters only) is masked.
    private static string MaskSchemes(string text, ref int masked)
    {
        if (!text.Contains("Bearer", StringComparison.OrdinalIgnoreCase) && !text.Contains("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return text;
        }

        var count = 0;
        var result = SchemePattern().Replace(text, m =>
        {
            count++;
            return m.Groups["scheme"].Value + " " + JsonRedactor.Mask;
        });
        masked += count;
        return result;
    }

    // A JWT is three base64url runs joined by dots: a mask never covers a space or any other punctuation.
    private static string MaskJwts(string text, ref int masked)
    {
        StringBuilder? sb = null;
        var position = 0;
        var start = 0;
        while (NextJwt(text, start) is var (index, length) && length > 0)
        {
            masked++;
            sb ??= new StringBuilder(text.Length);
            sb.Append(text, position, index - position).Append(JsonRedactor.Mask);
            position = start = index + length;
        }

        return sb is null ? text : sb.Append(text, position, text.Length - position).ToString();
    }

    /// <summary>
    /// The leftmost match of <see cref="JwtBody"/> at or after <paramref name="start"/> (length 0: none), in one pass:
    /// none of the pattern's runs can end before the first character outside the base64url alphabet, so every
    /// <c>eyJ</c> inside one run fails or succeeds alike, and a failed start skips its whole run. (The pattern tried at
    /// each <c>eyJ</c> of a long run read the run again each time: seconds for a few hundred KiB, into its time limit.)
    /// </summary>
    internal static (int Index, int Length) NextJwt(string text, int start)
    {
        while (start < text.Length && text.IndexOf("eyJ", start, StringComparison.Ordinal) is var index and >= 0)
        {
            var first = RunEnd(text, index);
            if (first - index >= 11 && first < text.Length && text[first] == '.')
            {
                var second = RunEnd(text, first + 1);
                if (second - first - 1 >= 8 && second < text.Length && text[second] == '.')
                {
                    return (index, RunEnd(text, second + 1) - index);
                }

                // A JWT may still begin in the second run.
                start = first + 1;
                continue;
            }

            start = first;
        }

        return (-1, 0);
    }

    private static int RunEnd(string text, int from) =>
        text.AsSpan(from).IndexOfAnyExcept(Base64UrlCharacters) is var length and >= 0 ? from + length : text.Length;

    private static readonly System.Buffers.SearchValues<char> Base64UrlCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    /// <summary>The JWT shape <see cref="NextJwt"/> finds, as a pattern (the tests compare the two).</summary>
    internal const string JwtBody = @"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*";

    // A match whose name is not secret is scanned again from its value on: "message":"bad client_secret=x" must
    // still mask the inner assignment.
    private static string MaskAssignments(string text, Func<string, bool> isSecretName, ref int masked, bool credentialShapedOnly = false)
    {
        StringBuilder? sb = null;
        var position = 0;
        var start = 0;
        while (start < text.Length)
        {
            if (NextAssignment(text, start) is not { } m)
            {
                break;
            }

            var name = m.Groups["name"].Value;
            var valueGroup = m.Groups["value"];
            var value = valueGroup.Value;
            var dot = name.LastIndexOf('.');
            if (dot >= 0)
            {
                name = name[(dot + 1)..];
            }

            var open = value.StartsWith("\\\"", StringComparison.Ordinal) ? "\\\""
                : value.StartsWith("&quot;", StringComparison.Ordinal) ? "&quot;"
                : value.StartsWith('"') ? "\""
                : value.StartsWith('\'') ? "'"
                : "";
            var close = open.Length > 0 && value.Length >= 2 * open.Length && value.EndsWith(open, StringComparison.Ordinal) ? open : "";
            // An unclosed quote stays part of the value, so such a value is never credential-shaped.
            var unquoted = close.Length > 0 ? value.AsSpan(open.Length, value.Length - 2 * open.Length) : value.AsSpan();
            if (!isSecretName(name) || IsHarmless(value) || (credentialShapedOnly && !IsCredentialShaped(unquoted)))
            {
                start = valueGroup.Index;
                continue;
            }

            masked++;
            sb ??= new StringBuilder(text.Length);
            sb.Append(text, position, valueGroup.Index - position).Append(open).Append(JsonRedactor.Mask).Append(close);
            position = start = valueGroup.Index + valueGroup.Length;
        }

        return sb is null ? text : sb.Append(text, position, text.Length - position).ToString();
    }

    /// <summary>
    /// The leftmost match of <see cref="AssignmentBody"/> at or after <paramref name="start"/>, as
    /// <c>new Regex(AssignmentBody).Match(text, start)</c> finds it, but trying one start per run of name characters
    /// instead of every position: a name is followed by a quote (<c>"</c>, <c>\"</c>, <c>&amp;quot;</c>, <c>'</c>),
    /// <c>=</c>, <c>:</c> or a space, none of which starts with a name character, so it must end where its run does,
    /// and (at most 64 characters long) begin in the run's last 64.
    /// Every start in that span gives the same name end, so the same outcome: the leftmost is the one to try. Unanchored,
    /// the pattern tried up to 64 lengths of name at each letter of a long word, seconds on a 1 MiB string.
    /// </summary>
    internal static Match? NextAssignment(string text, int start)
    {
        while (start < text.Length)
        {
            var runStart = text.AsSpan(start).IndexOfAny(NameStartCharacters);
            if (runStart < 0)
            {
                return null;
            }

            runStart += start;
            var runLength = text.AsSpan(runStart).IndexOfAnyExcept(NameCharacters);
            var runEnd = runLength < 0 ? text.Length : runStart + runLength;
            var first = Math.Max(runStart, runEnd - MaxNameLength);
            var candidate = text.AsSpan(first, runEnd - first).IndexOfAny(NameStartCharacters);
            if (candidate >= 0 && AssignmentPattern().Match(text, first + candidate) is { Success: true } m)
            {
                return m;
            }

            start = runEnd;
        }

        return null;
    }

    private const int MaxNameLength = 64;

    private static readonly System.Buffers.SearchValues<char> NameStartCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_");

    private static readonly System.Buffers.SearchValues<char> NameCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");

    private static bool IsHarmless(string value)
    {
        var bare = value.Trim('"', '\'', '\\');
        return bare.Length == 0 || bare is "true" or "false" or "null" || bare.Contains(JsonRedactor.Mask, StringComparison.Ordinal)
            || value == "&quot;&quot;";
    }

    // "-----BEGIN [RSA |EC |ENCRYPTED ]PRIVATE KEY-----" up to its END line, or to the end of the text when cut.
    private static string MaskPrivateKeys(string text, ref int masked)
    {
        const string Begin = "-----BEGIN ";
        var index = text.IndexOf(Begin, StringComparison.Ordinal);
        if (index < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        var position = 0;
        while (index >= 0)
        {
            var headerEnd = text.IndexOf("-----", index + Begin.Length, StringComparison.Ordinal);
            var header = headerEnd < 0 ? "" : text[(index + Begin.Length)..headerEnd];
            if (headerEnd < 0 || header.Length > 40 || !header.EndsWith("PRIVATE KEY", StringComparison.Ordinal))
            {
                index = text.IndexOf(Begin, index + Begin.Length, StringComparison.Ordinal);
                continue;
            }

            var end = text.IndexOf("-----END " + header + "-----", headerEnd, StringComparison.Ordinal);
            var stop = end < 0 ? text.Length : end + "-----END ".Length + header.Length + "-----".Length;
            sb.Append(text, position, index - position).Append(JsonRedactor.Mask);
            masked++;
            position = stop;
            index = stop >= text.Length ? -1 : text.IndexOf(Begin, stop, StringComparison.Ordinal);
        }

        sb.Append(text, position, text.Length - position);
        return sb.ToString();
    }

    [GeneratedRegex(@"\b(?<scheme>Bearer|Basic)\s+(?<value>[A-Za-z0-9._~+/-]{8,}=*)", RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 2000)]
    private static partial Regex SchemePattern();

    /// <summary>
    /// An assignment: a name (a letter or <c>_</c>, then up to 63 of <see cref="NameCharacters"/>), then an optional
    /// closing quote of the name (<c>"</c>, <c>\"</c>, <c>&amp;quot;</c> or <c>'</c>), then <c>=</c> or <c>:</c> (or
    /// spaces before a quoted value), then the value: quoted (<c>"</c>, <c>\"</c>, <c>&amp;quot;</c> or <c>'</c>) or a
    /// bare run. <see cref="NextAssignment"/> finds it; <see cref="AssignmentPattern"/> matches it where that says.
    /// </summary>
    internal const string AssignmentBody =
        @"(?<name>[A-Za-z_][A-Za-z0-9_.\-]{0,63})(?<q>\\""|""|&quot;|')?(?<sep>\s*[=:]\s*|\s+(?=\\?[""']|&quot;))(?<value>\\""(?>(?:[^""\\]|\\[^""])*)\\""|""(?>(?:[^""\\]|\\.)*)""|&quot;(?>(?:(?!&quot;)[^<>])*)&quot;|'(?>[^'\r\n]*)'|(?>[^\s,;&<>""'}\])\\]+))";

    // Anchored (\G): only at the start NextAssignment gives it.
    [GeneratedRegex(@"\G" + AssignmentBody, RegexOptions.None, matchTimeoutMilliseconds: 2000)]
    private static partial Regex AssignmentPattern();
}
