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
    public DiagnosticInfo WithPosition(int line, int column) => this with { Line = line, Column = column };
}
