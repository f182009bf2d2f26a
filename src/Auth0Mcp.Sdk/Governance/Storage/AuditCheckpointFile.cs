using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>A signed statement that the chain had record <paramref name="Sequence"/> with <paramref name="Hash"/> at <paramref name="Time"/>.</summary>
/// <param name="Sequence">The head's sequence when the checkpoint was written.</param>
/// <param name="Hash">The head's hash.</param>
/// <param name="Time">When it was written.</param>
/// <param name="KeyId">The audit key that signed it.</param>
/// <param name="Mac">HMAC-SHA256 over the other fields.</param>
internal sealed record AuditCheckpoint(long Sequence, string Hash, DateTimeOffset Time, string KeyId, string Mac);

/// <summary>What was read from a checkpoint file.</summary>
/// <param name="Exists">Whether the file exists.</param>
/// <param name="Valid">The checkpoints whose signature verified (read without the key: every line that reads as a checkpoint).</param>
/// <param name="Problems">Lines that are forged, unreadable or signed with an unknown key.</param>
/// <param name="Notes">Harmless findings (a line torn by a crash while it was appended).</param>
internal sealed record AuditCheckpointRead(bool Exists, IReadOnlyList<AuditCheckpoint> Valid, IReadOnlyList<string> Problems, IReadOnlyList<string> Notes)
{
    /// <summary>
    /// Whether the signatures of <see cref="AuditCheckpointRead.Valid"/> were checked: false when the file was read without
    /// the key (<see cref="AuditCheckpointFile.ReadUnsigned"/>), when it holds every line that reads as a checkpoint,
    /// whoever wrote it.
    /// </summary>
    public bool SignaturesChecked { get; init; } = true;

    /// <summary>How many non-empty lines the file holds (readable or not).</summary>
    public int Lines { get; init; }
}

/// <summary>
/// The checkpoint file: one JSON line per flushed batch, each signing the chain head (sequence, hash, time) with the
/// audit key. Kept outside the store, so removing the newest records, or everything, from the database is caught
/// by a checkpoint that names a record the database no longer has.
/// </summary>
/// <remarks>
/// <para>Appends are not fsync'd: after a crash the file may lag the store by the last batches, never lead it.
/// When the file passes <see cref="CompactBytes"/> it is replaced by its oldest and newest checkpoints (<see cref="Compact"/>).</para>
/// <para>Several writers (the server and the command line, or two servers on one machine) may share the file. Each
/// append, and each compaction (read, write a new file, rename it over the old), runs holding an exclusive lock on
/// the lock file beside it (<c>FILE.lock</c>, created once, never replaced or removed): without it, a line appended
/// while another writer compacted went to the file being replaced, or a compaction that read before it dropped it.
/// The lock is an OS file lock (<c>flock</c> on Linux and macOS, a share-mode lock on Windows, through
/// <see cref="FileShare.None"/>); the OS drops it when its holder exits, however it exits. Readers take no lock: the
/// rename swaps whole files.</para>
/// <para>A writer stopped mid-append leaves a torn line without its newline. The next append (holding the lock) ends
/// it with a newline before its own line, so the new checkpoint is never glued onto the torn one and lost. Reading, a
/// torn last line, or an unreadable line anywhere that is a strict prefix of a checkpoint line as this class writes it
/// (<see cref="IsTornCheckpoint"/>), is a note, not a problem. This forgives nothing an attacker who can write the file
/// could not already do: a line is unsigned until it is whole, and deleting a checkpoint line outright is not
/// detectable either (lines are not chained; the newest checkpoint protects the end of the chain, and rolling the
/// file back is among what verify says it cannot prove). Any other unreadable line stays a problem.</para>
/// <para>The file, its lock file and their folder are created owner-only (<see cref="PrivateFiles"/>), and a file or lock
/// file that is a symbolic link is refused. Lines are appended through an <c>O_APPEND</c> handle (the last byte is
/// read through another), so the file may be made append-only (<c>chattr +a</c>); then compaction cannot replace it,
/// and the writer goes on appending (<see cref="Read"/> notes a file past twice the compaction size).</para>
/// </remarks>
internal sealed class AuditCheckpointFile(string path, long compactBytes = AuditCheckpointFile.CompactBytes)
{
    internal const long CompactBytes = 1 << 20;

    /// <summary>How long a writer waits for another writer's lock before the append fails (closed).</summary>
    internal static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The lock file that serializes the writers of <see cref="Path"/>.</summary>
    public string LockPath => Path + ".lock";

    /// <summary>
    /// Opens the file for appending, as <see cref="Append"/> does, and writes nothing: whether a checkpoint could be
    /// appended now (readiness's write probe, which records nothing, asks it).
    /// </summary>
    /// <exception cref="IOException">The file cannot be written (or it, or its lock file, is a symbolic link).</exception>
    public void CheckWritable()
    {
        using var writers = AcquireLock();
        PrivateFiles.RefuseLink(Path, "audit checkpoint file");
        PrivateFiles.CreateIfMissing(Path);
        using var file = PrivateFiles.OpenAppend(Path);
    }

    /// <summary>Appends a checkpoint of (<paramref name="sequence"/>, <paramref name="hash"/>) signed with the current key.</summary>
    /// <exception cref="IOException">The file cannot be written (or it, or its lock file, is a symbolic link).</exception>
    public void Append(AuditKeyRing keys, long sequence, string hash, DateTimeOffset time)
    {
        var line = Format(keys, sequence, hash, time);
        using var writers = AcquireLock();
        long length;
        PrivateFiles.RefuseLink(Path, "audit checkpoint file");
        PrivateFiles.CreateIfMissing(Path);
        // Opened for appending only (O_APPEND): a file made append-only (chattr +a) takes the line. Writers are
        // serialized by the lock, so the end read here is where the line goes.
        using (var file = PrivateFiles.OpenAppend(Path))
        {
            var end = RandomAccess.GetLength(file);
            if (end > 0 && LastByte(end) != (byte)'\n')
            {
                // A writer stopped mid-append (a crash, a kill) left a line without its newline: end it first, in the
                // same write, so this line is not glued onto it. The torn line stays, on a line of its own, where
                // Read recognizes it (IsTornCheckpoint) and ignores it.
                var ended = new byte[line.Length + 1];
                ended[0] = (byte)'\n';
                line.CopyTo(ended, 1);
                line = ended;
            }

            RandomAccess.Write(file, line, end);
            length = end + line.Length;
        }

        if (length > Math.Max(compactBytes, _retryCompactionAt))
        {
            // Still holding the lock: no other writer appends or compacts until the new file is in place. A file that
            // cannot be replaced (append-only, a folder this user may not write) is appended to as it is: the
            // checkpoint is written, only the file grows. Tried again after another CompactBytes, and verify notes it.
            try
            {
                Compact(keys);
                _retryCompactionAt = 0;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _retryCompactionAt = length + compactBytes;
            }
        }
    }

    // After a compaction failed: the size past which the next one is tried (0: compactBytes, as usual).
    private long _retryCompactionAt;

    /// <summary>The file's byte before <paramref name="end"/>, read through a handle of its own (the append handle cannot read).</summary>
    private int LastByte(long end)
    {
        using var read = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> last = stackalloc byte[1];
        return RandomAccess.Read(read, last, end - 1) == 1 ? last[0] : -1;
    }

    /// <summary>
    /// Takes the writers' lock: opens the lock file exclusively (an OS lock that conflicts with every other open of it
    /// for writing, in this process or another), retrying for up to <see cref="LockTimeout"/>. The lock file is created
    /// owner-only (0600): an account that could open it could take the lock and hold every writer off.
    /// </summary>
    private FileStream AcquireLock()
    {
        PrivateFiles.RefuseLink(LockPath, "audit checkpoint lock file");
        var deadline = Environment.TickCount64 + (long)LockTimeout.TotalMilliseconds;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(LockPath, PrivateFiles.Options(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (DirectoryNotFoundException)
            {
                // Only the first append (or after the directory was removed) pays for creating it.
                PrivateFiles.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            }
            catch (IOException ex) when (ex is not (FileNotFoundException or PathTooLongException) && Environment.TickCount64 < deadline)
            {
                // Held by another writer (a sharing violation), for one append or one compaction (tens to hundreds of
                // microseconds): yield first, then sleep in growing steps.
                if (attempt < 64)
                {
                    Thread.Yield();
                }
                else
                {
                    Thread.Sleep(Math.Min(attempt - 63, 20));
                }
            }
        }
    }

    /// <summary>Reads and checks every line against <paramref name="keys"/>.</summary>
    public AuditCheckpointRead Read(AuditKeyRing keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return ReadLines(keys);
    }

    /// <summary>
    /// Reads the file without the key (a reader whose key file is missing): every line that reads as a checkpoint, its
    /// signature not checked (<see cref="AuditCheckpointRead.SignaturesChecked"/> false), so what it names is what its
    /// writer, whoever that was, wrote. No problems and no notes.
    /// </summary>
    public AuditCheckpointRead ReadUnsigned() => ReadLines(null);

    private AuditCheckpointRead ReadLines(AuditKeyRing? keys)
    {
        if (!File.Exists(Path))
        {
            return new AuditCheckpointRead(false, [], [], []) { SignaturesChecked = keys is not null };
        }

        var text = File.ReadAllText(Path);
        var lines = text.Split('\n');
        List<AuditCheckpoint> valid = [];
        List<string> problems = [], notes = [];
        HashSet<string> unknownKeys = new(StringComparer.Ordinal);
        var count = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0)
            {
                continue;
            }

            count++;
            if (keys is null)
            {
                if (TryParse(line, out var unsigned))
                {
                    valid.Add(unsigned);
                }

                continue;
            }

            var last = i == lines.Length - 1; // no newline after it: written when the process stopped
            if (!TryParse(line, out var checkpoint))
            {
                if (last)
                {
                    notes.Add($"checkpoint line {i + 1} is unreadable (torn by a crash while writing?); ignored");
                }
                else if (IsTornCheckpoint(line))
                {
                    notes.Add($"checkpoint line {i + 1} is the start of a checkpoint cut short by a crash while writing, ended by the next writer; ignored");
                }
                else
                {
                    problems.Add($"checkpoint line {i + 1} is unreadable");
                }

                continue;
            }

            if (!keys.TryMac(checkpoint.KeyId, MacInput(checkpoint.Sequence, checkpoint.Hash, checkpoint.Time), out var mac))
            {
                // What to do, the first time a key is missing: the writer's words (AuditKeyRing.RestoreKeyAdvice).
                problems.Add($"checkpoint line {i + 1} (record {checkpoint.Sequence}) is signed with key {checkpoint.KeyId}, which is not in the key ring"
                    + (unknownKeys.Add(checkpoint.KeyId) ? $" (a key file older than the checkpoints, or a forged line): {AuditKeyRing.RestoreKeyAdvice(checkpoint.KeyId)}" : ""));
            }
            else if (!string.Equals(mac, checkpoint.Mac, StringComparison.Ordinal))
            {
                problems.Add($"checkpoint line {i + 1} (record {checkpoint.Sequence}) has a wrong signature (forged or edited)");
            }
            else
            {
                valid.Add(checkpoint);
            }
        }

        if (keys is null)
        {
            return new AuditCheckpointRead(true, valid, [], []) { SignaturesChecked = false, Lines = count };
        }

        if (text.Length > 2 * compactBytes)
        {
            // A writer compacts the file past CompactBytes; one this large could not be replaced (made append-only, or
            // in a folder the writer may not write), and each writer appends to it as it is.
            notes.Add($"the checkpoint file is {text.Length} bytes, more than twice the {compactBytes} it is compacted at: it could not be replaced by its oldest and newest checkpoints (an append-only file, or a folder the writer may not write?); it is appended to as it is and grows by one line per batch");
        }

        return new AuditCheckpointRead(true, valid, problems, notes) { Lines = count };
    }

    private static string MacInput(long sequence, string hash, DateTimeOffset time) =>
        string.Create(CultureInfo.InvariantCulture, $"auth0-mcp audit checkpoint/1\n{sequence}\n{hash}\n{time.UtcDateTime:O}");

    private static byte[] Format(AuditKeyRing keys, long sequence, string hash, DateTimeOffset time)
    {
        keys.TryMac(keys.CurrentKeyId, MacInput(sequence, hash, time), out var mac);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq", sequence);
            writer.WriteString("hash", hash);
            writer.WriteString("time", time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteString("key", keys.CurrentKeyId);
            writer.WriteString("mac", mac);
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>The fixed text of a checkpoint line (<see cref="Format"/>) around its five values.</summary>
    private static readonly string[] LineShape = ["{\"seq\":", ",\"hash\":\"", "\",\"time\":\"", "\",\"key\":\"", "\",\"mac\":\"", "\"}"];

    /// <summary>
    /// Whether <paramref name="line"/> is what an append cut short leaves: a strict prefix of a checkpoint line as
    /// <see cref="Format"/> writes it (the fixed text in order, a number, then JSON strings, stopping anywhere before
    /// the closing <c>"}</c>), possibly followed by NUL bytes (a file system that extended the file but never wrote
    /// the data), or NUL bytes alone. Anything else unreadable — a complete line that does not parse, other text — is
    /// not a torn append.
    /// </summary>
    internal static bool IsTornCheckpoint(string line)
    {
        var text = line.AsSpan().TrimEnd('\0');
        var at = 0;
        for (var part = 0; part < LineShape.Length; part++)
        {
            foreach (var expected in LineShape[part])
            {
                if (at == text.Length)
                {
                    return true;
                }

                if (text[at++] != expected)
                {
                    return false;
                }
            }

            if (part == LineShape.Length - 1)
            {
                return false; // complete: not cut short
            }

            if (part == 0)
            {
                if (at < text.Length && text[at] == '-')
                {
                    at++;
                }

                var digits = at;
                while (at < text.Length && char.IsAsciiDigit(text[at]))
                {
                    at++;
                }

                if (at == digits && at < text.Length)
                {
                    return false; // no number
                }
            }
            else
            {
                while (at < text.Length && text[at] != '"')
                {
                    if (char.IsControl(text[at]))
                    {
                        return false;
                    }

                    at += text[at] == '\\' ? 2 : 1;
                }

                if (at > text.Length)
                {
                    return true; // cut after an escape's backslash
                }
            }
        }

        return false;
    }

    private static bool TryParse(string line, out AuditCheckpoint checkpoint)
    {
        checkpoint = null!;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("seq", out var seq) || !seq.TryGetInt64(out var sequence)
                || !root.TryGetProperty("hash", out var hash) || hash.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("time", out var time) || time.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(time.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when)
                || !root.TryGetProperty("key", out var key) || key.ValueKind != JsonValueKind.String || !AuditKeyRing.IsKeyId(key.GetString())
                || !root.TryGetProperty("mac", out var mac) || mac.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            checkpoint = new AuditCheckpoint(sequence, hash.GetString()!, when, key.GetString()!, mac.GetString()!);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Replaces the file by its oldest and its newest valid checkpoint (by sequence), each signed again with the current
    /// key. The newest protects the end of the chain (records removed from it). The oldest names a record a keyed writer
    /// sealed, near the start of the keyed chain: whoever re-seals the chain without the key (plain SHA-256, as stores
    /// from before keyed sealing) must re-seal every record from the one they edit to the end, so either that record
    /// (an edit before it) no longer carries its seal, or an unkeyed record follows keyed ones (an edit after it), and
    /// verify reports both. Keeping the newest alone would let the evidence go with a compaction.
    /// </summary>
    private void Compact(AuditKeyRing keys)
    {
        var valid = Read(keys).Valid;
        var newest = valid.MaxBy(c => c.Sequence);
        if (newest is null)
        {
            return;
        }

        var oldest = valid.MinBy(c => c.Sequence)!;

        // The new file takes the old one's mode (owner-only unless its owner chose otherwise), from the moment it exists.
        var temp = Path + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = PrivateFiles.CreateReplacement(temp, Path))
            {
                if (oldest.Sequence < newest.Sequence)
                {
                    stream.Write(Format(keys, oldest.Sequence, oldest.Hash, oldest.Time));
                }

                stream.Write(Format(keys, newest.Sequence, newest.Hash, newest.Time));
            }

            File.Move(temp, Path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
