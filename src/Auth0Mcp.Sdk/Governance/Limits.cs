using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Size and content limits for what a call carries and what the audit stores (issue 11 item 5 and 7), as pure
/// checks the call path applies before anything is sent or stored: a global cap on a call's arguments (on top of
/// each schema's <c>maxLength</c>), header values without control characters, and large audit arguments stored as a
/// prefix plus the hash of the whole. Each check returns the refusal text (naming the argument, never quoting its
/// value) or null when the input is within the limits.
/// </summary>
internal static class Limits
{
    /// <summary>The default cap on a call's arguments, as UTF-8 JSON (1 MiB).</summary>
    public const int DefaultMaxArgumentBytes = 1024 * 1024;

    /// <summary>The default cap on a single string argument or string anywhere inside one (256 KiB).</summary>
    public const int DefaultMaxStringBytes = 256 * 1024;

    /// <summary>The default number of characters of arguments kept in an audit record before the rest is replaced by its hash.</summary>
    public const int DefaultAuditArgumentChars = 8 * 1024;

    /// <summary>
    /// Checks a call's arguments against <paramref name="maxBytes"/> in total and <paramref name="maxStringBytes"/> per
    /// string; returns why they are refused (naming the largest argument), or null.
    /// </summary>
    public static string? CheckArguments(IReadOnlyDictionary<string, JsonElement> arguments, int maxBytes = DefaultMaxArgumentBytes, int maxStringBytes = DefaultMaxStringBytes)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        long total = 0;
        string? largest = null;
        long largestBytes = -1;
        foreach (var (name, value) in arguments)
        {
            var bytes = Encoding.UTF8.GetByteCount(value.GetRawText()) + Encoding.UTF8.GetByteCount(name);
            total += bytes;
            if (bytes > largestBytes)
            {
                (largest, largestBytes) = (name, bytes);
            }

            var longest = LongestString(value);
            if (longest < 0)
            {
                // A transport in front (the server's guard) refuses these already; a host's own transport may not.
                return $"argument '{TerminalText.Escape(name)}' holds a string that is not valid Unicode (a lone surrogate); nothing was sent";
            }

            if (longest > maxStringBytes)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"argument '{TerminalText.Escape(name)}' holds a string of {longest} bytes, over the {maxStringBytes}-byte limit; nothing was sent");
            }
        }

        return total > maxBytes
            ? string.Create(CultureInfo.InvariantCulture,
                $"the arguments are {total} bytes, over the {maxBytes}-byte limit (largest: '{TerminalText.Escape(largest)}', {largestBytes} bytes); nothing was sent")
            : null;
    }

    /// <summary>
    /// Checks a value bound for an HTTP header (e.g. <c>auth0-custom-domain</c>): control characters (NUL, CR, LF,
    /// DEL, C1 such as U+0085) and every character outside ASCII are refused (the HTTP handler cannot send them), and so
    /// are spaces or tabs around the value: every HTTP parser strips them (RFC 9110 §5.5), so Auth0 would act on a value
    /// that a policy, an approval and the audit did not see. Returns why, or null.
    /// </summary>
    public static string? CheckHeaderValue(string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (value is null)
        {
            return null;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c < 0x20 && c != '\t' || c >= 0x7f)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"header '{name}' may not contain the character U+{(int)c:X4} (position {i}); nothing was sent");
            }
        }

        return value.Length > 0 && (IsHeaderSpace(value[0]) || IsHeaderSpace(value[^1]))
            ? $"header '{name}' may not start or end with a space or a tab (Auth0 would read the value without them); nothing was sent"
            : null;

        static bool IsHeaderSpace(char c) => c is ' ' or '\t';
    }

    /// <summary>
    /// What an audit record stores for (already redacted) arguments: the text itself when it has at most
    /// <paramref name="maxChars"/> characters, else its first <paramref name="maxChars"/> characters followed by
    /// <c>…[truncated: N chars, sha256 H]</c>, where H is the hash of the whole redacted text.
    /// </summary>
    public static string AuditArguments(string redacted, int maxChars = DefaultAuditArgumentChars)
    {
        ArgumentNullException.ThrowIfNull(redacted);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChars, 16);
        if (redacted.Length <= maxChars)
        {
            return redacted;
        }

        var cut = char.IsHighSurrogate(redacted[maxChars - 1]) ? maxChars - 1 : maxChars;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(redacted)));
        return string.Concat(redacted.AsSpan(0, cut), string.Create(CultureInfo.InvariantCulture, $"…[truncated: {redacted.Length} chars, sha256 {hash}]"));
    }

    /// <summary>
    /// A name the caller chose (a tool name, a client's name or version) as the audit and an answer keep it: whole up
    /// to <paramref name="maxChars"/>, otherwise its start and the hash of the whole, so that one caller's long names
    /// cannot grow every record it causes.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(name))]
    public static string? AuditName(string? name, int maxChars = 128)
    {
        if (name is null || name.Length <= maxChars)
        {
            return name;
        }

        var keep = Math.Max(16, maxChars - 90);
        var cut = char.IsHighSurrogate(name[keep - 1]) ? keep - 1 : keep;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..16];
        return string.Concat(name.AsSpan(0, cut), string.Create(CultureInfo.InvariantCulture, $"…[{name.Length} chars, sha256 {hash}…]"));
    }

    /// <summary>The UTF-8 length of the longest string (value or property name) in <paramref name="element"/>; -1 when one is not valid Unicode.</summary>
    private static long LongestString(JsonElement element)
    {
        try
        {
            return LongestValidString(element);
        }
        catch (InvalidOperationException)
        {
            return -1; // JsonElement.GetString throws on an escaped lone surrogate
        }
    }

    // Without recursion: an explicit stack of the elements still to visit.
    private static long LongestValidString(JsonElement element)
    {
        long longest = 0;
        var pending = new Stack<JsonElement>();
        pending.Push(element);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            switch (current.ValueKind)
            {
                case JsonValueKind.String:
                    longest = Math.Max(longest, Encoding.UTF8.GetByteCount(current.GetString() ?? ""));
                    break;
                case JsonValueKind.Object:
                    foreach (var p in current.EnumerateObject())
                    {
                        longest = Math.Max(longest, Encoding.UTF8.GetByteCount(p.Name));
                        pending.Push(p.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in current.EnumerateArray())
                    {
                        pending.Push(item);
                    }

                    break;
            }
        }

        return longest;
    }
}
