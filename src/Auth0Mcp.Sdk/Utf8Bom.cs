namespace Auth0Mcp.Sdk;

/// <summary>
/// The UTF-8 byte order mark, which is not JSON: every reader of JSON bytes here (settings and credentials files, stdio
/// lines, HTTP bodies, token responses, audited bodies) skips one leading mark through this, as the configuration's JSON
/// provider does, so a file or message an editor or a client wrote with it reads the same everywhere.
/// </summary>
internal static class Utf8Bom
{
    private static ReadOnlySpan<byte> Mark => "\uFEFF"u8;

    /// <summary>The length of the byte order mark <paramref name="bytes"/> start with: 3, or 0 without one.</summary>
    public static int LengthAt(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Mark) ? Mark.Length : 0;

    /// <summary><paramref name="bytes"/> without a leading byte order mark.</summary>
    public static ReadOnlySpan<byte> Skip(ReadOnlySpan<byte> bytes) => bytes[LengthAt(bytes)..];

    /// <summary><paramref name="bytes"/> without a leading byte order mark.</summary>
    public static ReadOnlyMemory<byte> Skip(ReadOnlyMemory<byte> bytes) => bytes[LengthAt(bytes.Span)..];
}
