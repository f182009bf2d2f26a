namespace Auth0Mcp.Server;

/// <summary>The bytes of a JSON file as the server's own parsers read them.</summary>
internal static class JsonFiles
{
    /// <summary>
    /// <paramref name="bytes"/> without a leading UTF-8 byte order mark: the configuration's JSON provider skips one, so
    /// a file an editor saved with it (Notepad, PowerShell's <c>-Encoding utf8</c>) must read the same in every parse.
    /// </summary>
    public static ReadOnlyMemory<byte> WithoutBom(byte[] bytes) =>
        bytes.AsMemory(bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0);
}
