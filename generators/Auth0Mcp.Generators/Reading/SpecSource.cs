using System;
using System.IO;
using System.Text;

namespace Auth0Mcp.Generators.Reading;

/// <summary>
/// The spec's content as the reader and the diagnostic locator take it: UTF-8 bytes, text, or both, each made from the
/// other only when first asked for. A file read as bytes is parsed without a UTF-16 copy of it (Microsoft Graph's
/// spec is 47 MB: its text would be 94 MB, and the parser turns text back into UTF-8 anyway).
/// </summary>
internal sealed class SpecSource
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private string? _text;
    private byte[]? _utf8;
    private int _utf8Start;

    private SpecSource(string? text, byte[]? utf8, int utf8Start)
    {
        _text = text;
        _utf8 = utf8;
        _utf8Start = utf8Start;
    }

    /// <summary>Spec text (as an <c>AdditionalText</c> or a YAML conversion gives it).</summary>
    public static SpecSource FromText(string text) => new(text, null, 0);

    /// <summary>
    /// A spec file's bytes, read as <see cref="File.ReadAllText(string)"/> would read them: a UTF-8 byte order mark is
    /// skipped; a UTF-16/UTF-32 one, or bytes that are not valid UTF-8, make it text first (decoded with replacement
    /// characters exactly as that method does), so both forms always say the same.
    /// </summary>
    public static SpecSource FromFile(byte[] bytes)
    {
        var start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        var otherBom = start == 0 && bytes.Length >= 2 && ((bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE));
        if (!otherBom)
        {
            try
            {
                StrictUtf8.GetCharCount(bytes, start, bytes.Length - start);
                return new SpecSource(null, bytes, start);
            }
            catch (DecoderFallbackException)
            {
                // Not valid UTF-8: the text (with U+FFFD where bytes were invalid) is the spec, as for ReadAllText.
            }
        }

        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return FromText(reader.ReadToEnd());
    }

    /// <summary>Whether the UTF-8 form is at hand (else asking for it encodes the text).</summary>
    public bool HasUtf8 => _utf8 is not null;

    /// <summary>The text; decoded from the bytes on first use.</summary>
    public string Text => _text ??= Encoding.UTF8.GetString(_utf8!, _utf8Start, _utf8!.Length - _utf8Start);

    /// <summary>The UTF-8 bytes (no byte order mark); encoded from the text on first use.</summary>
    public ReadOnlyMemory<byte> Utf8
    {
        get
        {
            if (_utf8 is null)
            {
                _utf8 = Encoding.UTF8.GetBytes(_text!);
                _utf8Start = 0;
            }

            return new ReadOnlyMemory<byte>(_utf8, _utf8Start, _utf8.Length - _utf8Start);
        }
    }
}
