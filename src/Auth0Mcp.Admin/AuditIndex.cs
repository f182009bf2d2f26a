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
/// the unit a "To" names, <see cref="AuditTime.End"/>).
/// </summary>
internal sealed record AuditFilter(string? User = null, string? Tool = null, string? Outcome = null, string? Kind = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public bool Matches(AuditEntry e) =>
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
/// An in-memory index of the audit chain for the console: the filterable columns of every record, in sequence
/// order, caught up from the store (<see cref="IGovernanceStore.ReadAuditAsync"/> after the last sequence seen, a
/// primary-key range read) before each page. A page is a keyset scan backwards from a sequence, so the newest page
/// of 100,000 records costs the same as of 100. Bodies are read from the store only for a record's detail.
/// Also remembers where each tool version's content was recorded (<see cref="ToolGovernance.ToolContentEvent"/>), and
/// which record is the outcome of a call's intent (<see cref="AuditRecord.IntentSequence"/>). The index is not capped: it
/// grows with the audit (docs/admin.md gives the measured bytes a record). The strings of its entries come from a small
/// pool of its own (<see cref="Share"/>), so a tool name, event, outcome, denial code or user is held once, not once a record.
/// </summary>
internal sealed class AuditIndex(ToolGovernance governance)
{
    private const string ContentPrefix = "{\"contentHash\":\"";
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly object _lock = new();
    private readonly List<AuditEntry> _entries = [];
    private readonly Dictionary<string, long> _content = new(StringComparer.Ordinal);
    private readonly Dictionary<long, long> _outcomes = [];

    /// <summary>
    /// How many distinct strings <see cref="_strings"/> holds at most. The columns' vocabularies are small (tool names,
    /// events, outcomes, denial codes; users): past this many, as when callers' tool names or subjects are many,
    /// further ones are kept unshared, which costs what they did before, and the pool stays bounded.
    /// </summary>
    internal const int MaxSharedStrings = 16_384;

    /// <summary>One instance of each column's text, shared by the entries; used under <see cref="_refresh"/> only.</summary>
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);

    public long LastSequence
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count == 0 ? 0 : _entries[^1].Sequence;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
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
    public AuditPage Query(AuditFilter filter, long? before, int size)
    {
        var result = new List<AuditEntry>(size);
        lock (_lock)
        {
            var i = before is { } b ? LowerBound(b) - 1 : _entries.Count - 1;
            for (; i >= 0 && result.Count < size; i--)
            {
                if (filter.Matches(_entries[i]))
                {
                    result.Add(_entries[i]);
                }
            }

            var more = false;
            for (; i >= 0 && !more; i--)
            {
                more = filter.Matches(_entries[i]);
            }

            return new AuditPage(result, more && result.Count > 0 ? result[^1].Sequence : null);
        }
    }

    /// <summary>The newest records about exactly <paramref name="tool"/>, except its content records.</summary>
    public IReadOnlyList<AuditEntry> ForTool(string tool, int max)
    {
        var result = new List<AuditEntry>();
        lock (_lock)
        {
            for (var i = _entries.Count - 1; i >= 0 && result.Count < max; i--)
            {
                var e = _entries[i];
                if (string.Equals(e.Tool, tool, StringComparison.Ordinal) && e.Event != ToolGovernance.ToolContentEvent)
                {
                    result.Add(e);
                }
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

    /// <summary>One stored row, as it is (null when there is none).</summary>
    public async Task<AuditRow?> ReadRowAsync(long sequence, CancellationToken cancellationToken = default)
    {
        await foreach (var row in governance.Store.ReadAuditAsync(sequence - 1, cancellationToken).ConfigureAwait(false))
        {
            return row.Sequence == sequence ? row : null;
        }

        return null;
    }

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
            _entries.AddRange(batch);
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

        batch.Clear();
        content.Clear();
        outcomes.Clear();
    }

    private int LowerBound(long sequence)
    {
        int lo = 0, hi = _entries.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_entries[mid].Sequence < sequence)
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
