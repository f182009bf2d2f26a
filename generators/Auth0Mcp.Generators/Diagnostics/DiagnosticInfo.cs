namespace Auth0Mcp.Generators.Diagnostics;

internal enum Severity
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// A problem found in the spec, free of Roslyn types. Its place is either known (<see cref="Line"/>, 1-based) or
/// found later by searching the spec text for <see cref="SearchKey"/>, so that models stay free of positions.
/// </summary>
internal sealed record DiagnosticInfo(string Id, Severity Severity, string Message, string? SearchKey, int Line = 0, int Column = 0)
{
    /// <summary>The JSON pointer (RFC 6901, without the leading <c>#</c>) of what the diagnostic is about, when known.</summary>
    public string? Pointer { get; init; }

    /// <summary>
    /// A diagnostic about the construct at <paramref name="pointer"/>; the message names the pointer, with control and
    /// line-separator characters (a path or key may hold any) written as <c>\uXXXX</c>, so the message stays one line.
    /// </summary>
    public static DiagnosticInfo At(string id, Severity severity, string message, string pointer) =>
        new(id, severity, message + " (#" + OneLine(pointer) + ")", null) { Pointer = pointer };

    private static string OneLine(string text)
    {
        var sb = (System.Text.StringBuilder?)null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029')
            {
                sb ??= new System.Text.StringBuilder(text, 0, i, text.Length + 8);
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb?.Append(c);
            }
        }

        return sb?.ToString() ?? text;
    }

    public DiagnosticInfo WithPosition(int line, int column) => this with { Line = line, Column = column };
}
