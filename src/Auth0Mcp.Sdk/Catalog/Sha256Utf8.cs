using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Auth0Mcp.Sdk.Catalog;

/// <summary>
/// A sha256 (lower-case hex) of text appended piece by piece, exactly as of the UTF-8 bytes of the pieces joined
/// into one string, without building that string: the descriptors' content hashes and the catalogue hash are taken at
/// every start-up over about 1.3 MB of tool text, and joining it first allocated about 3 MB that start-up then had to
/// collect.
/// </summary>
internal sealed class Sha256Utf8 : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Appends the UTF-8 bytes of <paramref name="text"/>.</summary>
    public Sha256Utf8 Append(string text)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            _hash.AppendData(buffer, 0, Encoding.UTF8.GetBytes(text, buffer));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return this;
    }

    /// <summary>Appends one ASCII separator.</summary>
    public Sha256Utf8 Append(byte ascii)
    {
        ReadOnlySpan<byte> one = [ascii];
        _hash.AppendData(one);
        return this;
    }

    /// <summary>Appends <paramref name="parts"/> with <paramref name="separator"/> between them (as <see cref="string.Join(char, string[])"/>).</summary>
    public Sha256Utf8 AppendJoined(byte separator, IEnumerable<string> parts) =>
        AppendJoined(separator, parts, static (hash, part) => hash.Append(part));

    /// <summary>Appends each of <paramref name="items"/> with <paramref name="appendItem"/>, <paramref name="separator"/> between them.</summary>
    public Sha256Utf8 AppendJoined<T>(byte separator, IEnumerable<T> items, Action<Sha256Utf8, T> appendItem)
    {
        var first = true;
        foreach (var item in items)
        {
            if (!first)
            {
                Append(separator);
            }

            appendItem(this, item);
            first = false;
        }

        return this;
    }

    /// <summary>The hash of everything appended, lower-case hex.</summary>
    public string ToHex() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    /// <inheritdoc />
    public void Dispose() => _hash.Dispose();
}
