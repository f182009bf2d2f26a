using System.Globalization;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Admin;

/// <summary>
/// The columns of one audit record the console filters and lists by. <paramref name="Unreadable"/>: the record's body
/// is not a readable record (<see cref="AuditChain.TryRead"/>), so it has no sealed values; its time is
/// the store's unsealed <c>time</c> column (the minimum when there is none), its kind and event are empty.
/// </summary>
/// <remarks>
/// The index holds one for every record for the console's life, so it is kept small: the time as UTC ticks (the
/// instant; the page shows UTC), and its strings shared with the other entries of its index (<see cref="AuditIndex"/>
/// pools them), so an entry costs its own fields only.
/// </remarks>
internal sealed record AuditEntry(long Sequence, long TimeUtcTicks, string Kind, string Event, string? User, string? Tool, string? Outcome, string? DenialCode, bool Unreadable = false)
{
    public AuditEntry(long sequence, DateTimeOffset time, string kind, string @event, string? user, string? tool, string? outcome, string? denialCode, bool unreadable = false)
        : this(sequence, time.UtcTicks, kind, @event, user, tool, outcome, denialCode, unreadable)
    {
    }

    /// <summary>The record's time, in UTC.</summary>
    public DateTimeOffset Time => new(TimeUtcTicks, TimeSpan.Zero);

    /// <summary>An entry for the record at <paramref name="row"/> whose body cannot be read.</summary>
    public static AuditEntry ForUnreadable(AuditRow row) =>
        new(row.Sequence, row.Columns?.Time ?? DateTimeOffset.MinValue, "", "", null, null, null, null, unreadable: true);
}

/// <summary>
/// Filters of the Audit page (all optional; text filters match a part, ignoring case). <paramref name="From"/> and
/// <paramref name="To"/> are both inclusive: a record at exactly either instant matches (the page passes the end of
/// the unit a "To" names, <see cref="AuditTime.End"/>). Not sealed: a test's filter stands still in
/// <see cref="Matches"/> to show that a long search holds up no other reader.
/// </summary>
internal record AuditFilter(string? User = null, string? Tool = null, string? Outcome = null, string? Kind = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public virtual bool Matches(AuditEntry e) =>
        (string.IsNullOrEmpty(User) || (e.User?.Contains(User, StringComparison.OrdinalIgnoreCase) ?? false))
        && (string.IsNullOrEmpty(Tool) || (e.Tool?.Contains(Tool, StringComparison.OrdinalIgnoreCase) ?? false))
        && (string.IsNullOrEmpty(Outcome) || string.Equals(e.Outcome, Outcome, StringComparison.Ordinal))
        && (string.IsNullOrEmpty(Kind) || string.Equals(e.Kind, Kind, StringComparison.Ordinal))
        && (From is null || e.Time >= From)
        && (To is null || e.Time <= To);
}

/// <summary>
/// A time the Audit page filters by, as it was given: in UTC (the page's times are UTC; a time with an offset,
/// <c>Z</c> or <c>+02:00</c>, is converted to UTC), to the day, the minute, the second or a fraction of a second, by how
/// much of it was written. It names that whole unit: <see cref="Start"/> is its first instant, <see cref="End"/> its
/// last, so <c>to=2026-12-05T21:53</c> includes a record at 21:53:46.
/// </summary>
/// <param name="Start">The first instant of the unit, UTC.</param>
/// <param name="Digits">The unit: <see cref="Day"/>, <see cref="Minute"/>, 0 for a second, 1 to 7 for that many digits of a fraction of a second.</param>
internal readonly record struct AuditTime(DateTimeOffset Start, int Digits)
{
    public const int Day = -2;
    public const int Minute = -1;

    /// <summary>The forms read, each with its unit: the date alone (UTC), or a date and time with <c>T</c> or a space, with or without a zone.</summary>
    private static readonly (string Format, int Digits)[] Forms = [.. Build()];

    /// <summary>The last instant (tick) of the unit: a record at or before it is "to" this time.</summary>
    public DateTimeOffset End => Start.AddTicks(UnitTicks - 1);

    /// <summary>The time as a link keeps it, to the same unit, so that a link's filter is exactly this one (UTC, no zone).</summary>
    public string Text => Start.UtcDateTime.ToString(Format(Digits), CultureInfo.InvariantCulture);

    /// <summary>The <c>step</c> of a <c>datetime-local</c> input holding <see cref="InputValue"/>: seconds, or milliseconds for a fraction.</summary>
    public string Step => Digits > 0 ? "0.001" : "1";

    private long UnitTicks => Digits switch
    {
        Day => TimeSpan.TicksPerDay,
        Minute => TimeSpan.TicksPerMinute,
        _ => TimeSpan.TicksPerSecond / (long)Math.Pow(10, Digits),
    };

    /// <summary>
    /// The value of a <c>datetime-local</c> input (which holds no date alone and at most milliseconds) that filters the
    /// same when the form is sent again: a day is its first minute as a "from", its last minute as a "to"; a finer
    /// fraction is cut to milliseconds, which widens the range by less than a millisecond, never narrows it.
    /// </summary>
    public string InputValue(bool isEnd) => Digits switch
    {
        Day => Start.UtcDateTime.AddMinutes(isEnd ? 1439 : 0).ToString(Format(Minute), CultureInfo.InvariantCulture),
        > 3 => Start.UtcDateTime.ToString(Format(3), CultureInfo.InvariantCulture),
        _ => Text,
    };

    /// <summary>Reads <paramref name="text"/> (null or blank: no time, false).</summary>
    public static bool TryParse(string? text, out AuditTime time)
    {
        time = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        foreach (var (format, digits) in Forms)
        {
            if (DateTimeOffset.TryParseExact(text.Trim(), format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var start))
            {
                time = new AuditTime(start, digits);
                return true;
            }
        }

        return false;
    }

    private static string Format(int digits) => digits switch
    {
        Day => "yyyy-MM-dd",
        Minute => "yyyy-MM-dd'T'HH:mm",
        0 => "yyyy-MM-dd'T'HH:mm:ss",
        _ => "yyyy-MM-dd'T'HH:mm:ss." + new string('f', digits),
    };

    private static IEnumerable<(string, int)> Build()
    {
        yield return (Format(Day), Day);
        for (var digits = Minute; digits <= 7; digits++)
        {
            foreach (var zone in new[] { "", "'Z'", "zzz" })
            {
                var format = Format(digits) + zone;
                yield return (format, digits);
                yield return (format.Replace("'T'", " ", StringComparison.Ordinal), digits);
            }
        }
    }
}

/// <summary>One page of the audit, newest first; <see cref="Before"/> is the keyset cursor of the next (older) page.</summary>
internal sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long? Before);

/// <summary>
/// Where the first reading of the whole audit is (<see cref="AuditIndex.BuildAsync"/>, at start, in the background):
/// <paramref name="Indexed"/> records read of about <paramref name="Of"/> (the head's sequence when it began), and why
/// the last attempt failed, if it did (<see cref="AdminStartup"/> tries again).
/// </summary>
internal sealed record AuditIndexing(int Indexed, long Of, string? Problem);

/// <summary>
/// An in-memory index of the audit chain for the console: the filterable columns of every record, in sequence
/// order, caught up from the store (<see cref="IGovernanceStore.ReadAuditAsync"/> after the last sequence seen, a
/// primary-key range read) before each page. A page is a keyset scan backwards from a sequence, so the newest page
/// of 100,000 records costs the same as of 100. Bodies are read from the store only for a record's detail, one row
/// (<see cref="IGovernanceStore.ReadAuditRecordAsync"/>).
/// Also remembers where each tool version's content was recorded (<see cref="ToolGovernance.ToolContentEvent"/>), and
/// which record is the outcome of a call's intent (<see cref="AuditRecord.IntentSequence"/>). The index is not capped: it
/// grows with the audit (docs/admin.md gives the measured bytes a record). The strings of its entries come from a small
/// pool of its own (<see cref="Share"/>), so a tool name, event, outcome, denial code or user is held once, not once a record.
/// </summary>
/// <remarks>
/// <para>The first reading of a large audit takes a while (about 27 s a million records): <see cref="AdminStartup"/> runs
/// it in the background, the pages wait for <see cref="Ready"/> a moment (<see cref="PageWait"/>) and otherwise say how
/// far it is (<see cref="CatchUpAsync"/>).</para>
/// <para>Readers take no lock while they scan: entries are only appended, into fixed-size chunks that are never moved
/// or replaced (<see cref="AuditEntries"/>), and a reader scans the chunks and count of one published snapshot. A long
/// search therefore holds up neither another administrator's page nor the catch-up.</para>
/// </remarks>
internal sealed class AuditIndex(ToolGovernance governance)
{
    /// <summary>How long a page waits for the first reading of the audit before it shows how far it is instead.</summary>
    public static readonly TimeSpan PageWait = TimeSpan.FromSeconds(2);

    private const string ContentPrefix = "{\"contentHash\":\"";
    private readonly SemaphoreSlim _refresh = new(1, 1);

    // Guards _content and _outcomes (the entries are read without it: AuditEntries).
    private readonly object _lock = new();
    private readonly AuditEntries _entries = new();
    private readonly Dictionary<string, long> _content = new(StringComparer.Ordinal);
    private readonly Dictionary<long, long> _outcomes = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _buildOf;
    private volatile string? _buildProblem;

    /// <summary>
    /// How many distinct strings <see cref="_strings"/> holds at most. The columns' vocabularies are small (tool names,
    /// events, outcomes, denial codes; users): past this many, as when callers' tool names or subjects are many,
    /// further ones are kept unshared, which costs what they did before, and the pool stays bounded.
    /// </summary>
    internal const int MaxSharedStrings = 16_384;

    /// <summary>One instance of each column's text, shared by the entries; used under <see cref="_refresh"/> only.</summary>
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);

    public long LastSequence => _entries.Snapshot() is { Count: > 0 } s ? s[s.Count - 1].Sequence : 0;

    public int Count => _entries.Snapshot().Count;

    /// <summary>Completes when the whole audit has been read once and the start's records written (<see cref="MarkReady"/>).</summary>
    public Task Ready => _ready.Task;

    /// <summary>How far the first reading is (meaningful until <see cref="Ready"/> completes).</summary>
    public AuditIndexing Progress => new(Count, Math.Max(Interlocked.Read(ref _buildOf), LastSequence), _buildProblem);

    /// <summary>
    /// The first reading of the audit (or its resumption, after a failed attempt): everything up to the head, with
    /// <see cref="Progress"/> counting as it goes. Run in the background at start (<see cref="AdminStartup"/>).
    /// </summary>
    public async Task BuildAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _buildOf, (await governance.Store.GetAuditHeadAsync(cancellationToken).ConfigureAwait(false)).Sequence);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _buildProblem = null;
    }

    /// <summary>Why the last attempt of <see cref="BuildAsync"/> failed, shown by the pages until one succeeds.</summary>
    public void BuildFailed(string problem) => _buildProblem = problem;

    /// <summary>The first reading is done and what start-up needed of it: the pages list from now on.</summary>
    public void MarkReady() => _ready.TrySetResult();

    /// <summary>
    /// What a page does before it reads the index: waits up to <see cref="PageWait"/> for <see cref="Ready"/>, then reads
    /// the records appended since (null: the index is current); while the first reading is still going, returns how
    /// far it is, for the page to say so, and reads nothing.
    /// </summary>
    public async Task<AuditIndexing?> CatchUpAsync(CancellationToken cancellationToken = default)
    {
        if (!_ready.Task.IsCompleted)
        {
            try
            {
                await _ready.Task.WaitAsync(PageWait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return Progress;
            }
        }

        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>Reads the records appended since the last refresh.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = new List<AuditEntry>();
            var content = new List<(string Key, long Sequence)>();
            var outcomes = new List<(long Intent, long Outcome)>();
            await foreach (var row in governance.Store.ReadAuditAsync(LastSequence, cancellationToken).ConfigureAwait(false))
            {
                if (!AuditChain.TryRead(row, out var r))
                {
                    // One record edited by hand must not stop the console (at start, the host): it is listed as unreadable.
                    batch.Add(AuditEntry.ForUnreadable(row));
                    continue;
                }

                batch.Add(new AuditEntry(row.Sequence, r.Time, Share(r.Kind), Share(r.Event), Share(r.User), Share(r.Tool), Share(r.Outcome), Share(r.DenialCode)));
                if (r.Event == ToolGovernance.ToolContentEvent && r.Tool is not null && r.Details is { } d && d.StartsWith(ContentPrefix, StringComparison.Ordinal) && d.Length >= ContentPrefix.Length + 64)
                {
                    content.Add((ContentKey(r.Tool, d.Substring(ContentPrefix.Length, 64)), row.Sequence));
                }

                if (r.IntentSequence is { } intent)
                {
                    outcomes.Add((intent, row.Sequence));
                }

                if (batch.Count >= 4096)
                {
                    Publish(batch, content, outcomes);
                }
            }

            Publish(batch, content, outcomes);
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>The newest records matching <paramref name="filter"/> older than <paramref name="before"/> (null: from the newest).</summary>
    /// <remarks>
    /// Scans one snapshot without a lock. A chunk none of whose times is in the filter's time range is skipped whole
    /// (each chunk keeps its least and greatest time): times are not in sequence order (callers' clocks, several servers
    /// on one store, unreadable records), so the range cannot be found by a binary search, but a range in the past
    /// skips the chunks after it.
    /// </remarks>
    public AuditPage Query(AuditFilter filter, long? before, int size)
    {
        var entries = _entries.Snapshot();
        var result = new List<AuditEntry>(size);
        var from = filter.From?.UtcTicks ?? long.MinValue;
        var to = filter.To?.UtcTicks ?? long.MaxValue;
        var i = before is { } b ? LowerBound(entries, b) - 1 : entries.Count - 1;
        var more = false;
        while (i >= 0 && !more)
        {
            if (!entries.MayHoldTimes(i, from, to))
            {
                i = entries.ChunkStart(i) - 1;
                continue;
            }

            var e = entries[i--];
            if (filter.Matches(e))
            {
                if (result.Count < size)
                {
                    result.Add(e);
                }
                else
                {
                    more = true;
                }
            }
        }

        return new AuditPage(result, more && result.Count > 0 ? result[^1].Sequence : null);
    }

    /// <summary>The newest records about exactly <paramref name="tool"/>, except its content records.</summary>
    public IReadOnlyList<AuditEntry> ForTool(string tool, int max)
    {
        var entries = _entries.Snapshot();
        var result = new List<AuditEntry>();
        for (var i = entries.Count - 1; i >= 0 && result.Count < max; i--)
        {
            var e = entries[i];
            if (string.Equals(e.Tool, tool, StringComparison.Ordinal) && e.Event != ToolGovernance.ToolContentEvent)
            {
                result.Add(e);
            }
        }

        return result;
    }

    /// <summary>The sequence of the record that holds <paramref name="tool"/>'s content at <paramref name="hash"/>, if recorded.</summary>
    public long? ContentSequence(string tool, string hash)
    {
        lock (_lock)
        {
            return _content.TryGetValue(ContentKey(tool, hash), out var seq) ? seq : null;
        }
    }

    /// <summary>The sequence of the outcome record of the call whose intent record is <paramref name="intent"/>, if one was indexed.</summary>
    public long? OutcomeOf(long intent)
    {
        lock (_lock)
        {
            return _outcomes.TryGetValue(intent, out var seq) ? seq : null;
        }
    }

    /// <summary>One record with its body, read from the store (null when there is none, or its body is not a readable record).</summary>
    public async Task<AuditRecord?> ReadAsync(long sequence, CancellationToken cancellationToken = default) =>
        await ReadRowAsync(sequence, cancellationToken).ConfigureAwait(false) is { } row && AuditChain.TryRead(row, out var record) ? record : null;

    /// <summary>One stored row, as it is (null when there is none): one primary-key read.</summary>
    public Task<AuditRow?> ReadRowAsync(long sequence, CancellationToken cancellationToken = default) =>
        governance.Store.ReadAuditRecordAsync(sequence, cancellationToken);

    /// <summary>The index's one instance of <paramref name="text"/> (null stays null): the first seen, while the pool has room.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    private string? Share(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (_strings.TryGetValue(text, out var shared))
        {
            return shared;
        }

        if (_strings.Count < MaxSharedStrings)
        {
            _strings.Add(text, text);
        }

        return text;
    }

    private void Publish(List<AuditEntry> batch, List<(string Key, long Sequence)> content, List<(long Intent, long Outcome)> outcomes)
    {
        lock (_lock)
        {
            // The content and outcome maps first: an entry a reader sees has its links.
            foreach (var (key, seq) in content)
            {
                _content[key] = seq;
            }

            foreach (var (intent, outcome) in outcomes)
            {
                // The first outcome recorded for an intent is kept.
                _outcomes.TryAdd(intent, outcome);
            }
        }

        _entries.Append(batch);
        batch.Clear();
        content.Clear();
        outcomes.Clear();
    }

    private static int LowerBound(AuditEntriesSnapshot entries, long sequence)
    {
        int lo = 0, hi = entries.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (entries[mid].Sequence < sequence)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static string ContentKey(string tool, string hash) => tool + "\n" + hash;
}

/// <summary>
/// The index's entries, appended by one writer (under the index's refresh) and read by any number of readers without
/// a lock: in chunks of <see cref="ChunkSize"/> that are never moved, replaced or changed below the published count. A
/// reader takes a <see cref="Snapshot"/> (the chunk directory and the count, published together after the entries
/// they count were written) and reads only below its count; a growing directory is copied, the old one left to the
/// readers that hold it, naming the same chunks.
/// </summary>
internal sealed class AuditEntries
{
    /// <summary>Entries per chunk (a power of two).</summary>
    public const int ChunkSize = 4096;

    private volatile AuditEntriesSnapshot _published = new([], 0);

    public AuditEntriesSnapshot Snapshot() => _published;

    /// <summary>Appends <paramref name="batch"/> and publishes it (one writer at a time).</summary>
    public void Append(List<AuditEntry> batch)
    {
        var current = _published;
        var chunks = current.Chunks;
        var count = current.Count;
        foreach (var e in batch)
        {
            var c = count / ChunkSize;
            if (c == chunks.Length)
            {
                var grown = new AuditEntryChunk[Math.Max(4, chunks.Length * 2)];
                Array.Copy(chunks, grown, chunks.Length);
                chunks = grown;
            }

            var chunk = chunks[c] ??= new AuditEntryChunk();
            chunk.Add(count % ChunkSize, e);
            count++;
        }

        if (count != current.Count)
        {
            _published = new AuditEntriesSnapshot(chunks, count);
        }
    }
}

/// <summary>A chunk of <see cref="AuditEntries"/>: its entries, and the least and greatest of their times (UTC ticks).</summary>
internal sealed class AuditEntryChunk
{
    private long _minTicks = long.MaxValue;
    private long _maxTicks = long.MinValue;

    public AuditEntry[] Items { get; } = new AuditEntry[AuditEntries.ChunkSize];

    /// <summary>
    /// Whether an entry of this chunk may have a time in [<paramref name="from"/>, <paramref name="to"/>]. The bounds
    /// only widen as entries are added, so a reader that sees bounds newer than its snapshot skips nothing it should read.
    /// </summary>
    public bool MayHold(long from, long to) => Volatile.Read(ref _minTicks) <= to && Volatile.Read(ref _maxTicks) >= from;

    public void Add(int slot, AuditEntry e)
    {
        Items[slot] = e;
        if (e.TimeUtcTicks < _minTicks)
        {
            Volatile.Write(ref _minTicks, e.TimeUtcTicks);
        }

        if (e.TimeUtcTicks > _maxTicks)
        {
            Volatile.Write(ref _maxTicks, e.TimeUtcTicks);
        }
    }
}

/// <summary>What a reader of <see cref="AuditEntries"/> scans: the chunks and how many entries of them are published.</summary>
internal sealed record AuditEntriesSnapshot(AuditEntryChunk[] Chunks, int Count)
{
    public AuditEntry this[int index] => Chunks[index / AuditEntries.ChunkSize].Items[index % AuditEntries.ChunkSize];

    /// <summary>The index of the first entry of the chunk that holds <paramref name="index"/>.</summary>
    public int ChunkStart(int index) => index - (index % AuditEntries.ChunkSize);

    /// <summary>Whether the chunk that holds <paramref name="index"/> may hold an entry with a time in the range (UTC ticks, inclusive).</summary>
    public bool MayHoldTimes(int index, long from, long to) =>
        (from == long.MinValue && to == long.MaxValue) || Chunks[index / AuditEntries.ChunkSize].MayHold(from, to);
}
