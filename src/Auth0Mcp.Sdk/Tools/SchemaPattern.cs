using System.Text;
using System.Text.RegularExpressions;

namespace Auth0Mcp.Sdk.Tools;

/// <summary>
/// Regular expressions with the meanings JSON Schema gives them (ECMA-262) where .NET's differ in a way that lets a
/// value through: .NET's <c>$</c> also matches before a final newline, so <c>^\+[0-9]{1,15}$</c> would accept
/// <c>"+15551234567\n"</c>; and .NET's <c>\d</c> and <c>\w</c> take any Unicode digit or letter where ECMA-262's
/// take ASCII only. Used by the schema validator's <c>pattern</c> and by the <c>matches</c> argument rule, so both judge a value alike.
/// </summary>
internal static class SchemaPattern
{
    /// <summary>How long one match may take before the value is refused, unless the caller gives its own.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Compiles <paramref name="pattern"/> with <c>$</c> matching only at the end of the input, under
    /// <see cref="RegexOptions.ECMAScript"/> (ASCII <c>\d</c>, <c>\w</c>, <c>\s</c>) when the pattern is written in
    /// what that option accepts, else with .NET's own syntax (e.g. <c>\p{L}</c>). Throws <see cref="ArgumentException"/>
    /// for a pattern that is not a regular expression.
    /// </summary>
    public static Regex Compile(string pattern, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var anchored = EndAnchored(pattern);
        try
        {
            return new Regex(anchored, RegexOptions.ECMAScript, timeout ?? Timeout);
        }
        catch (ArgumentException)
        {
            return new Regex(anchored, RegexOptions.CultureInvariant, timeout ?? Timeout);
        }
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
