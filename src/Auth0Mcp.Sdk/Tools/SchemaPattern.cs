using System.Text;
using System.Text.RegularExpressions;

namespace Auth0Mcp.Sdk.Tools;

/// <summary>
/// Regular expressions with the meaning JSON Schema gives <c>$</c> (ECMA-262: the end of the input): .NET's <c>$</c>
/// also matches before a final newline, so <c>^\+[0-9]{1,15}$</c> would accept <c>"+15551234567\n"</c>. Used by the
/// schema validator's <c>pattern</c> and by the <c>matches</c> argument rule, so both judge a value alike. The other
/// differences stay .NET's: <c>\d</c> and <c>\w</c> also take non-ASCII digits and letters, and <c>\s</c> is
/// Unicode white space (as ECMA-262's, U+FEFF aside) — compiling under <see cref="RegexOptions.ECMAScript"/> would
/// make <c>\s</c> ASCII and let <c>^\S(.*\S)?$</c> accept a leading no-break space.
/// </summary>
internal static class SchemaPattern
{
    /// <summary>How long one match may take before the value is refused, unless the caller gives its own.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Compiles <paramref name="pattern"/> with <c>$</c> matching only at the end of the input. Throws
    /// <see cref="ArgumentException"/> for a pattern that is not a regular expression.
    /// </summary>
    public static Regex Compile(string pattern, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return new Regex(EndAnchored(pattern), RegexOptions.CultureInvariant, timeout ?? Timeout);
    }

    /// <summary>
    /// <paramref name="pattern"/> with each <c>$</c> outside a character class (and not escaped) written as
    /// <c>(?!\n)$</c>: the end of the input, never the place before a final newline.
    /// </summary>
    public static string EndAnchored(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (!pattern.Contains('$', StringComparison.Ordinal))
        {
            return pattern;
        }

        var sb = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                sb.Append(c).Append(pattern[++i]);
                continue;
            }

            if (inClass)
            {
                inClass = c != ']';
            }
            else if (c == '[')
            {
                inClass = true;
            }
            else if (c == '$')
            {
                sb.Append(@"(?!\n)$");
                continue;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
