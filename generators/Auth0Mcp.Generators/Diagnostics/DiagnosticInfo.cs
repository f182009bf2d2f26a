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

    /// <summary>A diagnostic about the construct at <paramref name="pointer"/>; the message names the pointer.</summary>
    public static DiagnosticInfo At(string id, Severity severity, string message, string pointer) =>
        new(id, severity, message + " (#" + pointer + ")", null) { Pointer = pointer };

    public DiagnosticInfo WithPosition(int line, int column) => this with { Line = line, Column = column };
}
