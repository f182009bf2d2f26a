using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Admin;

/// <summary>
/// The columns of one audit record the console filters and lists by. <paramref name="Unreadable"/>: the record's body
/// is not a readable record (<see cref="AuditChain.TryRead"/>), so it has no sealed values; its <paramref name="Time"/> is
/// the store's unsealed <c>time</c> column (the minimum when there is none), its kind and event are empty.
/// </summary>
internal sealed record AuditEntry(long Sequence, DateTimeOffset Time, string Kind, string Event, string? User, string? Tool, string? Outcome, string? DenialCode, bool Unreadable = false)
{
    /// <summary>An entry for the record at <paramref name="row"/> whose body cannot be read.</summary>
    public static AuditEntry ForUnreadable(AuditRow row) =>
        new(row.Sequence, row.Columns?.Time ?? DateTimeOffset.MinValue, "", "", null, null, null, null, Unreadable: true);
}

/// <summary>Filters of the Audit page (all optional; text filters match a part, ignoring case).</summary>
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

/// <summary>One page of the audit, newest first; <see cref="Before"/> is the keyset cursor of the next (older) page.</summary>
internal sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long? Before);

/// <summary>
/// An in-memory index of the audit chain for the console: the filterable columns of every record, in sequence
/// order, caught up from the store (<see cref="IGovernanceStore.ReadAuditAsync"/> after the last sequence seen, a
/// primary-key range read) before each page. A page is a keyset scan backwards from a sequence, so the newest page
/// of 100,000 records costs the same as of 100. Bodies are read from the store only for a record's detail.
/// Also remembers where each tool version's content was recorded (<see cref="ToolGovernance.ToolContentEvent"/>), and
/// which record is the outcome of a call's intent (<see cref="AuditRecord.IntentSequence"/>).
/// </summary>
internal sealed class AuditIndex(ToolGovernance governance)
{
    private const string ContentPrefix = "{\"contentHash\":\"";
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly object _lock = new();
    private readonly List<AuditEntry> _entries = [];
    private readonly Dictionary<string, long> _content = new(StringComparer.Ordinal);
    private readonly Dictionary<long, long> _outcomes = [];

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

                batch.Add(new AuditEntry(row.Sequence, r.Time, r.Kind, r.Event, r.User, r.Tool, r.Outcome, r.DenialCode));
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
