using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>One stored audit row: the sealed record's canonical JSON, its chain hashes and the indexed columns.</summary>
/// <param name="Sequence">The position in the chain.</param>
/// <param name="Body">The canonical JSON of the record: every property except <see cref="AuditRecord.Hash"/>.</param>
/// <param name="PreviousHash">The previous row's hash.</param>
/// <param name="Hash">The seal: <c>hmac-sha256:KEYID:HEX</c> (keyed), or a bare SHA-256 hex of rows sealed before keys existed.</param>
public sealed record AuditRow(long Sequence, string Body, string PreviousHash, string Hash)
{
    /// <summary>The indexed columns as stored beside the body (null when the reader did not read them).</summary>
    public AuditRowColumns? Columns { get; init; }
}

/// <summary>The columns a store keeps beside an audit row's body for queries; each must equal the sealed body's value.</summary>
/// <param name="Time">The <c>time</c> column.</param>
/// <param name="Kind">The <c>kind</c> column.</param>
/// <param name="Event">The <c>event</c> column.</param>
/// <param name="User">The <c>user_name</c> column.</param>
/// <param name="Tool">The <c>tool</c> column.</param>
/// <param name="Outcome">The <c>outcome</c> column.</param>
public sealed record AuditRowColumns(DateTimeOffset Time, string Kind, string Event, string? User, string? Tool, string? Outcome);

/// <summary>The result of checking the audit chain.</summary>
/// <param name="IsValid">Whether every check passed.</param>
/// <param name="Count">How many records were checked.</param>
/// <param name="Problems">
/// What is wrong, one line per problem: verify keeps the first 1,000 problems found in the records and the checkpoint
/// file as lines, and every finding about the chain as a whole (its end, its head, its checkpoint file or key missing);
/// past that each problem is only counted (<see cref="ProblemCount"/>), by its kind.
/// </param>
public sealed record AuditVerification(bool IsValid, long Count, IReadOnlyList<string> Problems)
{
    private readonly long? _problemCount;

    /// <summary>
    /// How many problems were found, exactly: more than <see cref="Problems"/> holds when verify kept only the first of
    /// them as lines.
    /// </summary>
    public long ProblemCount
    {
        get => _problemCount ?? Problems.Count;
        init => _problemCount = value;
    }

    /// <summary>Each kind of problem found, with how many of it, in the order first found (empty when not counted by kind).</summary>
    internal IReadOnlyList<(string Kind, long Count)> ProblemKinds { get; init; } = [];

    /// <summary>The kind of each line of <see cref="Problems"/> (as <see cref="ProblemKinds"/> names it), or empty.</summary>
    internal IReadOnlyList<string> ProblemLineKinds { get; init; } = [];

    /// <summary>What was checked, in words (each holds when <see cref="IsValid"/>).</summary>
    public IReadOnlyList<string> Checked { get; init; } = [];

    /// <summary>What these checks cannot prove.</summary>
    public IReadOnlyList<string> CannotProve { get; init; } = [];

    /// <summary>
    /// Why the keyed seals and the checkpoints were not checked (the audit key file is missing: a reader never creates
    /// it), or null. Set when the chain has keyed records or the checkpoint file holds any line (only a writer with the
    /// key writes it), and then also one of <see cref="Problems"/>: such a chain is not shown intact, but this is not a
    /// finding that anything is wrong (what the unsigned checkpoints name is still compared with the chain, and a
    /// mismatch is a problem of its own).
    /// </summary>
    public string? SealsNotChecked { get; init; }

    /// <summary>
    /// The sequences of the call intents (<c>tool.call.intent</c>) that no outcome record names: calls whose result the
    /// chain does not hold (in flight while it was read, the server stopped mid-call, or the intent was committed but
    /// could not be made durable and the call was refused with nothing sent). Not a problem of the chain.
    /// </summary>
    public IReadOnlyList<long> IntentsWithoutOutcome { get; init; } = [];

    /// <summary>The problems that are findings: every one but <see cref="SealsNotChecked"/>.</summary>
    internal IReadOnlyList<string> Tampered => Problems.Where(p => !ReferenceEquals(p, SealsNotChecked)).ToList();

    /// <summary>How many of the problems are findings (every one but <see cref="SealsNotChecked"/>), exactly.</summary>
    private long TamperedCount => ProblemCount - (SealsNotChecked is null ? 0 : 1);

    /// <summary>
    /// The line that closes a list of the first <paramref name="shown"/> of <see cref="Problems"/>: how many more were
    /// found and of which kinds (<c>and 2,999,000 more: 2,999,000 record(s) sealed with key …</c>), or null when every
    /// problem was shown.
    /// </summary>
    internal string? MoreThan(int shown)
    {
        shown = Math.Clamp(shown, 0, Problems.Count);
        var more = ProblemCount - shown;
        if (more <= 0)
        {
            return null;
        }

        if (ProblemLineKinds.Count != Problems.Count)
        {
            return string.Create(CultureInfo.InvariantCulture, $"and {more:N0} more");
        }

        var omitted = ProblemKinds
            .Select(k => (k.Kind, Count: k.Count - ProblemLineKinds.Take(shown).LongCount(l => string.Equals(l, k.Kind, StringComparison.Ordinal))))
            .Where(k => k.Count > 0)
            .Select(k => string.Create(CultureInfo.InvariantCulture, $"{k.Count:N0} {k.Kind}"));
        return string.Create(CultureInfo.InvariantCulture, $"and {more:N0} more: {string.Join("; ", omitted)}");
    }

    /// <summary>
    /// The verdict in one line, as <c>audit verify</c> and the console say it (the one wording): intact, BROKEN (with
    /// the findings' count), or NOT VERIFIED when nothing was found but the seals and checkpoints could not be checked.
    /// </summary>
    internal string Verdict =>
        IsValid ? $"audit chain intact: {Count} record(s)"
        : TamperedCount is var tampered and > 0 ? $"audit chain BROKEN: {tampered} problem(s) in {Count} record(s)"
        : $"audit chain NOT VERIFIED: {Count} record(s) linked without a gap, but the seals and checkpoints were not checked (the audit key file is missing)";
}

/// <summary>
/// Seals audit records into a keyed hash chain and verifies a chain. Each record's seal is an HMAC-SHA256, under
/// a key kept outside the database, over its sequence, the previous seal and its canonical JSON (every property
/// of <see cref="AuditRecord"/>, whatever it is called, except the seal itself).
/// </summary>
public static class AuditChain
{
    /// <summary>The previous hash of the first record.</summary>
    public static readonly string Genesis = new('0', 64);

    private const string KeyedPrefix = "hmac-sha256:";

    /// <summary>
    /// Sets <paramref name="record"/>'s sequence and previous hash, seals it with <paramref name="keys"/>' current
    /// key, and returns the row to store.
    /// </summary>
    public static AuditRow Seal(AuditRecord record, long sequence, string previousHash, AuditKeyRing keys)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(previousHash);
        ArgumentNullException.ThrowIfNull(keys);
        record.Sequence = sequence;
        record.PreviousHash = previousHash;
        record.Hash = null;
        // The indexed text that comes from callers (a tool name as requested, a user name from a token) must fit every
        // store's text columns: PostgreSQL's cannot hold NUL, and one such record would fail its whole batch. The body
        // carries the same value, so the columns still equal the sealed record.
        record.Tool = WithoutNul(record.Tool);
        record.User = WithoutNul(record.User);
        // The body is serialized once, as UTF-8, and sealed as it is (no joined copy of the MAC input on the hot
        // path); the string is made once, for the store.
        var bodyUtf8 = JsonSerializer.SerializeToUtf8Bytes(record, GovernanceJsonContext.Default.AuditRecord);
        keys.TryMac(keys.CurrentKeyId, MacHead(keys.CurrentKeyId, sequence, previousHash), bodyUtf8, out var mac);
        var hash = KeyedPrefix + keys.CurrentKeyId + ":" + mac;
        record.Hash = hash;
        return new AuditRow(sequence, Encoding.UTF8.GetString(bodyUtf8), previousHash, hash) { Columns = ColumnsOf(record) };
    }

    private static string? WithoutNul(string? text) => text is null || !text.Contains('\0', StringComparison.Ordinal) ? text : text.Replace('\0', '\uFFFD');

    /// <summary>The indexed columns of <paramref name="record"/>, as a store writes them.</summary>
    public static AuditRowColumns ColumnsOf(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new AuditRowColumns(record.Time, record.Kind, record.Event, record.User, record.Tool, record.Outcome);
    }

    /// <summary>sha256 (hex) of the previous hash, a newline and the body: the seal of rows written before keyed sealing.</summary>
    public static string ComputeHash(string previousHash, string body) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(previousHash + "\n" + body)));

    /// <summary>Reads a stored row back into a record (with its hash).</summary>
    public static AuditRecord Read(AuditRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var record = JsonSerializer.Deserialize(row.Body, GovernanceJsonContext.Default.AuditRecord)
            ?? throw new InvalidDataException($"Audit record {row.Sequence} is empty.");
        record.Hash = row.Hash;
        return record;
    }

    /// <summary>
    /// Reads a stored row back into a record (with its hash), or false when its body is not a readable record (not
    /// JSON, empty, or JSON that is not an audit record): what verify reports as <c>body is not a readable record</c>,
    /// and what every reader of the rows (<c>audit tail</c>, <c>audit export</c>, the admin console) shows as an
    /// unreadable record rather than failing on it. A body whose only fault is a raw control character (put there by
    /// hand: the store writes every one escaped) is read with those characters as JSON escapes
    /// (<see cref="TerminalText.EscapeJsonLine"/>), the same values: the record is shown, escaped, and its seal says it
    /// was edited.
    /// </summary>
    internal static bool TryRead(AuditRow row, [NotNullWhen(true)] out AuditRecord? record)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (TryReadBody(row, row.Body, out record))
        {
            return true;
        }

        return TerminalText.HasUnprintable(row.Body) && TryReadBody(row, TerminalText.EscapeJsonLine(row.Body)!, out record);
    }

    private static bool TryReadBody(AuditRow row, string body, [NotNullWhen(true)] out AuditRecord? record)
    {
        try
        {
            record = JsonSerializer.Deserialize(body, GovernanceJsonContext.Default.AuditRecord);
            if (record is null)
            {
                return false; // the body is JSON null
            }

            record.Hash = row.Hash;
            return true;
        }
        catch (JsonException)
        {
            record = null;
            return false;
        }
    }

    /// <summary>
    /// Checks links and structure only (sequence, previous hashes, unkeyed seals, columns, head); keyed seals
    /// cannot be checked without the keys: use <see cref="IGovernanceStore.VerifyAuditAsync(CancellationToken)"/>.
    /// </summary>
    public static Task<AuditVerification> VerifyAsync(IAsyncEnumerable<AuditRow> rows, (long Sequence, string Hash) head, CancellationToken cancellationToken = default) =>
        VerifyAsync(rows, head, null, null, cancellationToken);

    /// <summary>How many records pass between two reports of the number checked.</summary>
    internal const int ProgressEvery = 4096;

    /// <summary>
    /// How many problems found in the records and the checkpoint file verify keeps as lines, the first found; past it
    /// each is counted by its kind only, so that a chain with a problem in every record (read with a key file older
    /// than the store) is verified in the memory an intact one takes.
    /// </summary>
    internal const int ProblemLinesKept = 1000;

    /// <summary>How many keys not in the key ring verify names, each a kind of its own; records sealed with further ones are counted together.</summary>
    private const int UnknownKeysNamed = 16;

    /// <summary>
    /// Verifies rows in sequence order against each other, against <paramref name="keys"/> (every keyed seal),
    /// against the stored head, and against the checkpoints written outside the store.
    /// </summary>
    /// <remarks>
    /// For a chain being written while it is read: <paramref name="headNow"/> reads the head again when the rows pass
    /// <paramref name="head"/>, and <paramref name="readAfter"/> reads the rows after a sequence when the head is past
    /// the rows read (committed after the last page).
    /// </remarks>
    internal static async Task<AuditVerification> VerifyAsync(
        IAsyncEnumerable<AuditRow> rows,
        (long Sequence, string Hash) head,
        AuditKeyRing? keys,
        (string Path, AuditCheckpointRead Read)? checkpoints,
        CancellationToken cancellationToken = default,
        IProgress<long>? progress = null,
        Func<CancellationToken, Task<(long Sequence, string Hash)>>? headNow = null,
        (string KeyFile, string CheckpointFile)? missingKey = null,
        Func<long, CancellationToken, IAsyncEnumerable<AuditRow>>? readAfter = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var problems = new Findings(ProblemLinesKept);
        var walk = new ChainWalk(keys, checkpoints, problems, progress);
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            walk.Check(row);
        }

        if (walk.Count == 0 || walk.Count % ProgressEvery != 0)
        {
            progress?.Report(walk.Count); // the last: every record has been checked
        }

        // The head was read before the rows; writers may commit while they are read (a server writing as its chain
        // is verified), each commit moving the rows and the head together. Rows past that head: read the head again,
        // it must reach them. A head past the rows (records committed after the last page was read): read on from
        // the last row, checking each record as before, until the rows reach the head. Only a head that names records
        // that cannot be read — nothing more after the last row — is a deletion.
        if (walk.Last > head.Sequence && headNow is not null)
        {
            head = await headNow(cancellationToken).ConfigureAwait(false);
        }

        var headRowHash = head.Sequence == walk.Last ? walk.Previous : null; // the seal of the record the head names, as read
        while (head.Sequence > walk.Last && readAfter is not null)
        {
            var before = walk.Last;
            await foreach (var row in readAfter(before, cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                walk.Check(row);
                if (row.Sequence == head.Sequence)
                {
                    headRowHash = row.Hash;
                }
            }

            if (walk.Last == before)
            {
                break;
            }

            if (walk.Count % ProgressEvery != 0)
            {
                progress?.Report(walk.Count);
            }
        }

        var (count, last, keyed, unkeyed, lastUnkeyed, matchedCheckpoints, openIntents) =
            (walk.Count, walk.Last, walk.Keyed, walk.Unkeyed, walk.LastUnkeyed, walk.MatchedCheckpoints, walk.OpenIntents);
        var headMatches = false;
        if (head.Sequence > last || (head.Sequence < last && headRowHash is null))
        {
            // Past the rows: records the head names are not there. Behind them without having been read before the
            // rows that pass it: the head was moved back (or, for a caller that gives no way to read it again, rows
            // were added after it).
            problems.AddAlways($"the chain ends at record {last} but the head says {head.Sequence} (records deleted at the end?)");
        }
        else if (head.Sequence > 0 && !string.Equals(head.Hash, headRowHash, StringComparison.Ordinal))
        {
            problems.AddAlways(head.Sequence == last ? "the last record's hash does not match the head" : $"record {head.Sequence}'s hash does not match the head");
        }
        else
        {
            headMatches = true;
        }

        var newest = checkpoints?.Read.Valid.MaxBy(c => c.Sequence);
        if (newest is not null && newest.Sequence > last)
        {
            problems.AddAlways($"the checkpoint of {newest.Time.UtcDateTime:O} names record {newest.Sequence} but the chain ends at record {last} (records deleted at the end, or the chain reset){Unsigned(checkpoints)}");
        }

        if (checkpoints is { } file)
        {
            foreach (var problem in file.Read.Problems)
            {
                problems.Add(FindingKinds.CheckpointFile, problem);
            }

            // Read without the key (another machine's command line, often), the file may well be elsewhere: not a problem.
            if (!file.Read.Exists && keyed > 0 && file.Read.SignaturesChecked)
            {
                problems.AddAlways($"the checkpoint file {file.Path} is missing although {keyed} keyed record(s) exist (deleted? if this machine never wrote to the store, point the store's checkpoint file (AuditSealOptions.CheckpointFile; the server: AUTH0_MCP_AUDIT_CHECKPOINTS) at the file of one that did)");
            }
        }

        // Without the key, a chain with keyed records is not shown intact, and neither is one beside a checkpoint file
        // that holds anything: only a writer with the key writes checkpoints, so such a store was keyed, and a chain
        // emptied, or re-sealed without a key, must not read better than the untouched one.
        string? notChecked = null;
        var checkpointLines = checkpoints?.Read.Lines ?? 0;
        if (missingKey is { } missing && (keyed > 0 || checkpointLines > 0))
        {
            notChecked = (keyed > 0
                    ? $"the {keyed} keyed seal(s) and the checkpoint file {missing.CheckpointFile} were not checked"
                    : $"the checkpoint file {missing.CheckpointFile} ({checkpointLines} line(s); only a writer holding the audit key writes it) was not checked against its signatures")
                + $": the audit key file {missing.KeyFile} is missing "
                + "(a command that only reads never creates it; point this command at the key file the server uses: AUTH0_MCP_AUDIT_KEY_FILE, or AUTH0_MCP_AUDIT_KEY)";
            problems.AddAlways(notChecked);
        }

        var limits = DescribeLimits(keyed, unkeyed, lastUnkeyed, keys, checkpoints, newest, last);
        var checks = DescribeChecks(walk, headMatches, keys, checkpoints, newest);
        if (openIntents.Count > 0)
        {
            checks.Add($"{openIntents.Count} call intent(s) without an outcome record ({string.Join(", ", openIntents.Take(10).Select(s => "#" + s.ToString(CultureInfo.InvariantCulture)))}{(openIntents.Count > 10 ? ", …" : "")}): "
                + "calls whose result is not recorded (in flight while verified, the server stopped mid-call, the call was sent and its outcome could not be written (result withheld), "
                + "or the intent's commit could not be made durable and the call was refused, nothing sent)");
        }

        if (missingKey is { } absent)
        {
            limits.Insert(0, $"the audit key file {absent.KeyFile} is missing: no seal was recomputed and no checkpoint signature checked");
        }

        return new AuditVerification(problems.Total == 0, count, problems.Lines)
        {
            ProblemCount = problems.Total,
            ProblemKinds = problems.Kinds,
            ProblemLineKinds = problems.LineKinds,
            Checked = checks,
            CannotProve = limits,
            SealsNotChecked = notChecked,
            IntentsWithoutOutcome = [.. openIntents],
        };
    }

    /// <summary>The kinds of problem verify tells apart, as the count of them is said (<c>3 record(s) …</c>).</summary>
    private static class FindingKinds
    {
        public const string Gap = "gap(s) in the numbering (records missing)";
        public const string Link = "record(s) whose previous hash does not match the record before";
        public const string Malformed = "record(s) with a malformed seal";
        public const string OtherUnknownKeys = "record(s) sealed with other keys not in the key ring";
        public const string Seal = "record(s) whose content does not match its seal (edited, or forged without the key)";
        public const string UnkeyedAfterKeyed = "record(s) sealed without a key after keyed records (forged or recomputed)";
        public const string Hash = "record(s) whose content does not match its hash (edited)";
        public const string Unreadable = "record(s) whose body is not a readable record";
        public const string Sequence = "record(s) whose sequence in the record does not match its position";
        public const string ReChained = "record(s) whose previous hash in the record does not match its link (re-chained)";
        public const string Columns = "record(s) whose indexed columns differ from the sealed record (edited)";
        public const string Checkpoint = "record(s) that differ from a checkpoint (rewritten)";
        public const string CheckpointFile = "problem(s) in the checkpoint file";
        public const string Chain = "finding(s) about the chain as a whole (its end, head, checkpoint file or key)";

        public static string UnknownKey(string keyId) => $"record(s) sealed with key {keyId}, which is not in the key ring";
    }

    /// <summary>
    /// The problems found: the first <c>keep</c> found in the records and the checkpoint file as lines, each with its
    /// kind, and every one counted by its kind; the findings about the chain as a whole (a handful at most) always as
    /// lines. A chain with a problem in every record is thus verified in the memory of an intact one.
    /// </summary>
    private sealed class Findings(int keep)
    {
        private readonly Dictionary<string, int> _kindIndex = new(StringComparer.Ordinal);
        private readonly List<(string Kind, long Count)> _kinds = [];
        private readonly List<string> _lines = [];
        private readonly List<string> _lineKinds = [];
        private int _kept;

        /// <summary>How many problems were found.</summary>
        public long Total { get; private set; }

        public IReadOnlyList<string> Lines => _lines;

        public IReadOnlyList<string> LineKinds => _lineKinds;

        public IReadOnlyList<(string Kind, long Count)> Kinds => _kinds;

        /// <summary>A problem of <paramref name="kind"/>: kept as a line while fewer than <c>keep</c> are, counted always.</summary>
        public void Add(string kind, string line)
        {
            if (_kept < keep)
            {
                _kept++;
                Keep(kind, line);
            }
            else
            {
                Count(kind);
            }
        }

        /// <summary>A finding about the chain as a whole: always kept as a line.</summary>
        public void AddAlways(string line) => Keep(FindingKinds.Chain, line);

        private void Keep(string kind, string line)
        {
            _lines.Add(line);
            _lineKinds.Add(kind);
            Count(kind);
        }

        private void Count(string kind)
        {
            Total++;
            if (_kindIndex.TryGetValue(kind, out var index))
            {
                _kinds[index] = (kind, _kinds[index].Count + 1);
            }
            else
            {
                _kindIndex.Add(kind, _kinds.Count);
                _kinds.Add((kind, 1));
            }
        }
    }

    /// <summary>The checks of one row after another, in sequence order, and what they found so far.</summary>
    private sealed class ChainWalk(AuditKeyRing? keys, (string Path, AuditCheckpointRead Read)? checkpoints, Findings problems, IProgress<long>? progress)
    {
        private readonly ILookup<long, AuditCheckpoint> _checkpoints = checkpoints?.Read.Valid.ToLookup(c => c.Sequence) ?? Enumerable.Empty<AuditCheckpoint>().ToLookup(c => c.Sequence);
        private readonly HashSet<string> _unknownKeys = new(StringComparer.Ordinal);
        private long _expected = 1;

        public long Count { get; private set; }

        public long Keyed { get; private set; }

        public long Unkeyed { get; private set; }

        public long LastUnkeyed { get; private set; }

        public long MatchedCheckpoints { get; private set; }

        /// <summary>Whether a record is missing or out of order, or a link does not name the previous record's seal.</summary>
        public bool NumberingOrLinksBroken { get; private set; }

        /// <summary>Whether a record's indexed columns differ from its sealed content (or its body is not readable).</summary>
        public bool ContentDiffers { get; private set; }

        public SortedSet<long> OpenIntents { get; } = [];

        /// <summary>The seal of the last row checked (<see cref="Genesis"/> before the first).</summary>
        public string Previous { get; private set; } = Genesis;

        /// <summary>The sequence of the last row checked (0 before the first).</summary>
        public long Last => _expected - 1;

        public void Check(AuditRow row)
        {
            Count++;
            if (row.Sequence != _expected)
            {
                NumberingOrLinksBroken = true;
                problems.Add(FindingKinds.Gap, $"record {_expected}{(row.Sequence > _expected + 1 ? $"..{row.Sequence - 1}" : "")} is missing (next present is {row.Sequence})");
            }

            if (!string.Equals(row.PreviousHash, Previous, StringComparison.Ordinal))
            {
                NumberingOrLinksBroken = true;
                problems.Add(FindingKinds.Link, $"record {row.Sequence}: previous hash does not match record {row.Sequence - 1}");
            }

            if (row.Hash.StartsWith(KeyedPrefix, StringComparison.Ordinal))
            {
                Keyed++;
                CheckKeyed(row, keys, problems, _unknownKeys);
            }
            else
            {
                Unkeyed++;
                LastUnkeyed = row.Sequence;
                if (Keyed > 0)
                {
                    problems.Add(FindingKinds.UnkeyedAfterKeyed, $"record {row.Sequence}: sealed without a key after keyed records (forged or recomputed)");
                }
                else if (!string.Equals(ComputeHash(row.PreviousHash, row.Body), row.Hash, StringComparison.Ordinal))
                {
                    problems.Add(FindingKinds.Hash, $"record {row.Sequence}: content does not match its hash (edited)");
                }
            }

            var found = problems.Total;
            var content = CheckContent(row, problems);
            ContentDiffers |= problems.Total > found;
            if (content is { Kind: AuditKinds.Call } call)
            {
                if (call.Outcome == AuditOutcomes.Intent)
                {
                    OpenIntents.Add(row.Sequence);
                }
                else if (call.IntentSequence is { } intent)
                {
                    OpenIntents.Remove(intent);
                }
            }

            foreach (var checkpoint in _checkpoints[row.Sequence])
            {
                if (string.Equals(checkpoint.Hash, row.Hash, StringComparison.Ordinal))
                {
                    MatchedCheckpoints++;
                }
                else
                {
                    problems.Add(FindingKinds.Checkpoint, $"record {row.Sequence}: differs from the checkpoint of {checkpoint.Time.UtcDateTime:O} (rewritten){Unsigned(checkpoints)}");
                }
            }

            Previous = row.Hash;
            _expected = row.Sequence + 1;
            if (Count % ProgressEvery == 0)
            {
                progress?.Report(Count);
            }
        }
    }

    /// <summary>What a problem found through a checkpoint adds when the checkpoint's signature was not checked.</summary>
    private static string Unsigned((string Path, AuditCheckpointRead Read)? checkpoints) =>
        checkpoints is { Read.SignaturesChecked: false } ? " (the checkpoint's signature not checked: the audit key file is missing)" : "";

    // A keyed seal's input is this head followed by the record's body (its canonical JSON), in UTF-8.
    /// <summary>
    /// The key id of a keyed seal (<c>hmac-sha256:KEYID:HEX</c>), or null for an unkeyed or empty one, or one whose key id
    /// is not a key id's shape (<see cref="AuditKeyRing.IsKeyId"/>: a malformed seal, which verify reports).
    /// </summary>
    internal static string? KeyIdOf(string hash)
    {
        if (!hash.StartsWith(KeyedPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var colon = hash.IndexOf(':', KeyedPrefix.Length);
        return colon > KeyedPrefix.Length && AuditKeyRing.IsKeyId(hash.AsSpan(KeyedPrefix.Length..colon)) ? hash[KeyedPrefix.Length..colon] : null;
    }

    private static string MacHead(string keyId, long sequence, string previousHash) =>
        string.Create(CultureInfo.InvariantCulture, $"auth0-mcp audit record/2\n{keyId}\n{sequence}\n{previousHash}\n");

    /// <summary>
    /// Checks a keyed seal. A key not in the ring is named with what to do the first time (in <paramref name="unknownKeys"/>
    /// after): the writer refuses to go on with the same words. Records sealed with the first few such keys are counted
    /// by key, those of any further one together (a forger may name a new key id in every record).
    /// </summary>
    private static void CheckKeyed(AuditRow row, AuditKeyRing? keys, Findings problems, HashSet<string> unknownKeys)
    {
        var rest = row.Hash.AsSpan(KeyedPrefix.Length);
        var colon = rest.IndexOf(':');
        if (colon <= 0 || !AuditKeyRing.IsKeyId(rest[..colon]))
        {
            problems.Add(FindingKinds.Malformed, $"record {row.Sequence}: malformed seal");
            return;
        }

        var keyId = rest[..colon].ToString();
        if (keys is null)
        {
            return; // reported once, under what cannot be proven
        }

        if (!keys.TryMac(keyId, MacHead(keyId, row.Sequence, row.PreviousHash) + row.Body, out var mac))
        {
            var first = unknownKeys.Count < UnknownKeysNamed && unknownKeys.Add(keyId);
            problems.Add(
                unknownKeys.Contains(keyId) ? FindingKinds.UnknownKey(keyId) : FindingKinds.OtherUnknownKeys,
                $"record {row.Sequence}: sealed with key {keyId}, which is not in the key ring ({keys.Source})"
                + (first ? $" (a key file older than the store, or a forged record): {AuditKeyRing.RestoreKeyAdvice(keyId)}" : ""));
        }
        else if (!rest[(colon + 1)..].SequenceEqual(mac))
        {
            problems.Add(FindingKinds.Seal, $"record {row.Sequence}: content does not match its seal (edited, or forged without the key)");
        }
    }

    /// <summary>The body's sequence must be the row's, and each indexed column must equal the body's value; returns the record (null when unreadable).</summary>
    private static AuditRecord? CheckContent(AuditRow row, Findings problems)
    {
        if (!TryRead(row, out var record))
        {
            problems.Add(FindingKinds.Unreadable, $"record {row.Sequence}: body is not a readable record");
            return null;
        }

        if (record.Sequence != row.Sequence)
        {
            problems.Add(FindingKinds.Sequence, $"record {row.Sequence}: sequence in the record does not match its position");
        }

        if (!string.Equals(record.PreviousHash, row.PreviousHash, StringComparison.Ordinal))
        {
            problems.Add(FindingKinds.ReChained, $"record {row.Sequence}: the previous hash in the record does not match its link (re-chained)");
        }

        if (row.Columns is not { } c)
        {
            return record;
        }

        List<string> differ = [];
        if (Microseconds(c.Time) != Microseconds(record.Time))
        {
            differ.Add("time");
        }

        AddIfDiffers(differ, "kind", c.Kind, record.Kind);
        AddIfDiffers(differ, "event", c.Event, record.Event);
        AddIfDiffers(differ, "user_name", c.User, record.User);
        AddIfDiffers(differ, "tool", c.Tool, record.Tool);
        AddIfDiffers(differ, "outcome", c.Outcome, record.Outcome);
        if (differ.Count > 0)
        {
            problems.Add(FindingKinds.Columns, $"record {row.Sequence}: column(s) {string.Join(", ", differ)} differ from the sealed record (edited)");
        }

        return record;
    }

    private static long Microseconds(DateTimeOffset time) => time.UtcTicks / 10;

    private static void AddIfDiffers(List<string> differ, string name, string? column, string? sealedValue)
    {
        if (!string.Equals(column, sealedValue, StringComparison.Ordinal))
        {
            differ.Add(name);
        }
    }

    /// <summary>
    /// What was checked, in words: a check that held says so; one that failed says only what it compared (its
    /// problems say what is wrong), so that a broken chain is never described as numbered without gaps.
    /// </summary>
    private static List<string> DescribeChecks(ChainWalk walk, bool headMatches, AuditKeyRing? keys, (string Path, AuditCheckpointRead Read)? checkpoints, AuditCheckpoint? newest)
    {
        var (count, last, keyed, unkeyed, matched) = (walk.Count, walk.Last, walk.Keyed, walk.Unkeyed, walk.MatchedCheckpoints);
        const string SeeProblems = "NOT intact (see the problems)";
        List<string> list =
        [
            walk.NumberingOrLinksBroken
                ? $"{count} record(s) read, the last numbered {last}: the numbering and each link to the previous record's seal checked: {SeeProblems}"
                : $"{count} record(s): numbered 1..{last} without gaps, each linking the previous record's seal",
            walk.ContentDiffers
                ? $"each record's sealed content read, and its indexed columns (time, kind, event, user_name, tool, outcome) compared with it: {SeeProblems}"
                : "each record's indexed columns (time, kind, event, user_name, tool, outcome) equal its sealed content",
            headMatches
                ? "the stored head names the last record and its seal"
                : $"the stored head compared with the last record and its seal: {SeeProblems}",
        ];
        if (keyed > 0 && keys is not null)
        {
            list.Add($"{keyed} record(s) sealed with HMAC-SHA256 over every field; seals recomputed with the keys from {keys.Source} ({keys.KeyIds.Count} key(s), current {keys.CurrentKeyId})");
        }

        if (unkeyed > 0)
        {
            list.Add($"{unkeyed} record(s) sealed without a key (plain SHA-256, as before keyed sealing): their SHA-256 chain recomputed");
        }

        if (checkpoints is { } file && file.Read.Exists)
        {
            list.Add((file.Read.SignaturesChecked
                    ? $"{file.Read.Valid.Count} signed checkpoint(s) in {file.Path}"
                    : $"{file.Read.Valid.Count} checkpoint(s) in {file.Path} read WITHOUT checking their signatures (no key)")
                + $", {matched} matching a record; the newest names record {newest?.Sequence ?? 0}"
                + (newest is null ? "" : $" ({newest.Time.UtcDateTime:O})"));
        }

        return list;
    }

    private static List<string> DescribeLimits(long keyed, long unkeyed, long lastUnkeyed, AuditKeyRing? keys, (string Path, AuditCheckpointRead Read)? checkpoints, AuditCheckpoint? newest, long last)
    {
        List<string> list = [];
        if (keys is null)
        {
            if (keyed > 0)
            {
                list.Add($"the {keyed} keyed seal(s) were not recomputed (no key given): an edited record with a recomputed chain would pass");
            }
        }
        else
        {
            list.Add($"whoever holds the audit key ({keys.Source}) can forge records and checkpoints: keep it away from the database's writers");
        }

        if (unkeyed > 0)
        {
            // What is checked: a keyed record's seal covers the previous record's seal, so an edit of the unkeyed records
            // alone breaks the first keyed record after them; but a writer without the key can re-seal them and every
            // record after them unkeyed, and only a checkpoint naming one of the re-sealed records shows that.
            list.Add(keyed > 0
                ? $"records 1..{lastUnkeyed} were sealed without a key: an edit of them alone breaks the seal of the keyed record after them, but re-sealing them and every later record without a key is seen only through a checkpoint naming one of those records (the checkpoint file keeps its oldest and newest checkpoints when compacted)"
                : checkpoints is { Read.Valid.Count: > 0 }
                    ? "no record is keyed: a database writer can edit any record and recompute the whole chain; only the checkpoints, which name keyed records, show it"
                    : "no record is keyed: a database writer can edit any record and recompute the whole chain");
        }

        if (checkpoints is null)
        {
            list.Add("no checkpoint file was read: deleting the newest records (or all of them) and resetting the head cannot be detected");
        }
        else
        {
            if (newest is not null && last > newest.Sequence)
            {
                list.Add($"records {newest.Sequence + 1}..{last} have no checkpoint yet: they could be deleted from the end undetected");
            }

            list.Add($"checkpointed records could be truncated from the end undetected only if the checkpoint file {checkpoints.Value.Path} is also rolled back or removed");
            list.Add("checkpoints are written after each commit without an fsync: after a crash the newest batch may have no checkpoint yet");
        }

        list.Add("the audit proves what governance wrote; a caller or administrator with direct access to Auth0 leaves no record here");
        return list;
    }
}
