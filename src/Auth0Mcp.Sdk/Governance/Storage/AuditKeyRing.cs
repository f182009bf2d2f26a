using System.Security.Cryptography;
using System.Text;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// The keys that seal the audit chain (HMAC-SHA256), kept outside the database: the newest key seals new records,
/// older ones stay to verify what they sealed. A key is identified by a short fingerprint (its key id), which
/// every sealed record and checkpoint carries.
/// </summary>
/// <remarks>
/// Sources: <see cref="Parse"/> (base64 keys separated by commas, the last is current; the server reads
/// <c>AUTH0_MCP_AUDIT_KEY</c> so), or a key file (one base64 key per line, the last is current, <c>#</c> comments), created with mode
/// 0600 and a random 256-bit key by the store's first write (a store that only reads never creates one). Rotate by
/// appending a key (<see cref="RotateFile"/>).
/// </remarks>
public sealed class AuditKeyRing
{
    private const int MinimumKeyBytes = 32;
    private readonly Dictionary<string, byte[]> _keys;

    private AuditKeyRing(IReadOnlyList<byte[]> keys, string source)
    {
        _keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            _keys[IdOf(key)] = key;
        }

        CurrentKeyId = IdOf(keys[^1]);
        Source = source;
    }

    /// <summary>The id of the key that seals new records.</summary>
    public string CurrentKeyId { get; }

    /// <summary>Where the keys came from, for messages (a file path or the environment variable's name; never a key).</summary>
    public string Source { get; }

    /// <summary>The ids of every key in the ring.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>
    /// What to do when a key the chain was sealed with is not among the keys at hand (a key file older than the store, or
    /// another machine's): one wording for the writer's refusal and for <c>audit verify</c>.
    /// </summary>
    internal static string RestoreKeyAdvice(string keyId) =>
        $"restore the key file that holds key {keyId} (the one the writer used: AUTH0_MCP_AUDIT_KEY_FILE), or give the keys inline with that one among them (AUTH0_MCP_AUDIT_KEY, the key to seal with last)";

    /// <summary>A ring over <paramref name="keys"/> (each at least 32 bytes; the last is current).</summary>
    public static AuditKeyRing FromKeys(IReadOnlyList<byte[]> keys, string source)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(source);
        if (keys.Count == 0 || keys.Any(k => k is null || k.Length < MinimumKeyBytes))
        {
            throw new ArgumentException($"audit keys must be at least {MinimumKeyBytes} bytes", nameof(keys));
        }

        return new AuditKeyRing(keys, source);
    }

    /// <summary>Parses keys written as base64 separated by commas or new lines (<c>#</c> starts a comment line).</summary>
    /// <exception cref="FormatException">A key is not base64 or shorter than 32 bytes; the message names <paramref name="source"/>, never the key.</exception>
    public static AuditKeyRing Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var keys = new List<byte[]>();
        var position = 0;
        var items = text.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .SelectMany(line => line.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (var item in items)
        {
            position++;

            byte[] key;
            try
            {
                key = Convert.FromBase64String(item);
            }
            catch (FormatException)
            {
                throw new FormatException($"audit key {position} in {source} is not base64");
            }

            if (key.Length < MinimumKeyBytes)
            {
                throw new FormatException($"audit key {position} in {source} is {key.Length} bytes; at least {MinimumKeyBytes} are needed");
            }

            keys.Add(key);
        }

        return keys.Count == 0 ? throw new FormatException($"{source} holds no audit key") : new AuditKeyRing(keys, source);
    }

    /// <summary>Reads the key file at <paramref name="path"/>, creating it (mode 0600, one random key) when it does not exist.</summary>
    public static AuditKeyRing OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            CreateFile(path);
        }

        return Parse(File.ReadAllText(path), "key file " + path);
    }

    /// <summary>
    /// Reads the key file at <paramref name="path"/> (a full path), or returns null when it does not exist: what a reader
    /// of the chain uses, which must never create key material (a new key would not be the writer's, and every seal
    /// would look forged).
    /// </summary>
    internal static AuditKeyRing? ReadFileIfExists(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        return Parse(text, "key file " + path);
    }

    /// <summary>Appends a new random key to the key file (creating it if needed); returns the new current key id.</summary>
    public static string RotateFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            CreateFile(path);
        }

        var key = RandomNumberGenerator.GetBytes(MinimumKeyBytes);
        using (var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\n"));
            stream.Flush(flushToDisk: true);
        }

        return IdOf(key);
    }

    /// <summary>The id of <paramref name="key"/>: the first 16 hex digits of a SHA-256 of a label and the key.</summary>
    public static string IdOf(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var label = Encoding.ASCII.GetBytes("auth0-mcp audit key id\n");
        return Convert.ToHexStringLower(SHA256.HashData([.. label, .. key]))[..16];
    }

    /// <summary>
    /// Whether <paramref name="text"/> has the shape <see cref="IdOf"/> gives a key id: 16 lowercase hex digits. A seal or
    /// checkpoint naming anything else is malformed (and its text, which messages would quote, is not shown).
    /// </summary>
    internal static bool IsKeyId(ReadOnlySpan<char> text)
    {
        if (text.Length != 16)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A key derived from the current key for another use than sealing: HMAC-SHA256 of <paramref name="label"/> under
    /// it, so the sealing key itself is never used for anything else, and each label gets its own key (a digest under
    /// the derived key tells nothing about the seal key).
    /// </summary>
    internal byte[] DeriveFromCurrent(string label) => HMACSHA256.HashData(_keys[CurrentKeyId], Encoding.UTF8.GetBytes(label));

    /// <summary>HMAC-SHA256 (hex) of <paramref name="message"/> under the key <paramref name="keyId"/>; false when the ring lacks that key.</summary>
    internal bool TryMac(string keyId, string message, out string mac) => TryMac(keyId, message, [], out mac);

    /// <summary>
    /// HMAC-SHA256 (hex) of the UTF-8 of <paramref name="message"/> followed by <paramref name="then"/> (UTF-8 already),
    /// under the key <paramref name="keyId"/>: the same value as for the two joined, without joining them.
    /// </summary>
    internal bool TryMac(string keyId, string message, ReadOnlySpan<byte> then, out string mac)
    {
        if (!_keys.TryGetValue(keyId, out var key))
        {
            mac = "";
            return false;
        }

        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes(message));
        hmac.AppendData(then);
        Span<byte> value = stackalloc byte[HMACSHA256.HashSizeInBytes];
        hmac.GetHashAndReset(value);
        mac = Convert.ToHexStringLower(value);
        return true;
    }

    private static void CreateFile(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        PrivateFiles.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var options = PrivateFiles.Options(FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        options.Options = FileOptions.WriteThrough;

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(
                "# auth0-mcp audit keys (HMAC-SHA256): one base64 key per line, the last seals new records.\n"
                + "# Keep every old line: it verifies what it sealed. Keep this file away from the database's writers.\n"
                + Convert.ToBase64String(RandomNumberGenerator.GetBytes(MinimumKeyBytes)) + "\n"));
            stream.Flush(flushToDisk: true);
        }

        // Atomic: when another writer created the file first, its key wins (the caller reads the file after this).
        PrivateFiles.PublishNew(temp, path);
    }
}
