namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Admits at most <see cref="PerWindow"/> events of each key in a fixed window of <see cref="Window"/> and counts the
/// rest: the one place for "say N a minute, count the others" (a log line per peer address, an audit record per caller
/// and denial code). A key's window opens with its first event after its last window ended. The events not admitted are
/// counted, across windows, until the key's next admitted one, which is told how many (to say in its line or record).
/// Keys are often what a client controls (a peer address, a user name): at most <c>maxKeys</c> are kept. When a new
/// window would pass that, the keys whose window is over are forgotten (with their counts), and if that is not enough,
/// every key (each may be admitted again at once; that many keys within one window already say there is a flood).
/// Time is the clock's UTC now; a clock set back ends the windows open. Thread-safe.
/// </summary>
/// <typeparam name="TKey">What the events are counted by.</typeparam>
internal sealed class WindowedAdmission<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, Entry> _keys;
    private readonly int _maxKeys;

    /// <summary>Creates the admission.</summary>
    /// <param name="perWindow">The most events of one key admitted in one window (at least 1).</param>
    /// <param name="window">The length of a window.</param>
    /// <param name="time">The clock.</param>
    /// <param name="maxKeys">The most keys kept (10,000 unless told).</param>
    /// <param name="comparer">How keys compare (the type's default unless told).</param>
    public WindowedAdmission(int perWindow, TimeSpan window, TimeProvider time, int maxKeys = 10_000, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perWindow);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxKeys);
        PerWindow = perWindow;
        Window = window;
        Time = time;
        _maxKeys = maxKeys;
        _keys = new Dictionary<TKey, Entry>(comparer);
    }

    /// <summary>The most events of one key admitted in one window.</summary>
    public int PerWindow { get; }

    /// <summary>The length of a window.</summary>
    public TimeSpan Window { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>How many keys are kept now (at most the bound given).</summary>
    internal int KeyCount
    {
        get
        {
            lock (_keys)
            {
                return _keys.Count;
            }
        }
    }

    /// <summary>
    /// Whether this event of <paramref name="key"/> is admitted (fewer than <see cref="PerWindow"/> of the key were in
    /// its window); when it is, <paramref name="suppressed"/> is how many of the key were not since its last admitted
    /// one (0 when not admitted: it is counted for the next).
    /// </summary>
    public bool TryAdmit(TKey key, out int suppressed)
    {
        var now = Time.GetUtcNow().UtcTicks;
        lock (_keys)
        {
            var entry = Current(key, now);
            if (entry.Admitted < PerWindow)
            {
                suppressed = entry.Suppressed;
                _keys[key] = entry with { Admitted = entry.Admitted + 1, Suppressed = 0 };
                return true;
            }

            suppressed = 0;
            _keys[key] = entry with { Suppressed = entry.Suppressed + 1 };
            return false;
        }
    }

    /// <summary>
    /// Counts an event of <paramref name="key"/> that is not to be admitted at all (one the caller never records), for
    /// the key's next admitted one; it opens the key's window as any event does, but takes no place in it.
    /// </summary>
    public void Suppress(TKey key)
    {
        var now = Time.GetUtcNow().UtcTicks;
        lock (_keys)
        {
            var entry = Current(key, now);
            _keys[key] = entry with { Suppressed = entry.Suppressed + 1 };
        }
    }

    // The key's entry in the window open at `now`: a new window, its count of the suppressed carried, when the key has
    // none or its window is over (room made for it first). Under the lock.
    private Entry Current(TKey key, long now)
    {
        if (_keys.TryGetValue(key, out var entry) && !IsOver(entry, now))
        {
            return entry;
        }

        if (_keys.Count >= _maxKeys)
        {
            foreach (var over in _keys.Where(k => IsOver(k.Value, now)).Select(k => k.Key).ToList())
            {
                _keys.Remove(over);
            }

            if (_keys.Count >= _maxKeys)
            {
                _keys.Clear(); // that many keys within one window: each may be admitted again
            }
        }

        return new Entry(now, 0, entry.Suppressed);
    }

    // Whether the entry's window is over at `now`: its length has passed, or the clock was set back past its start (a
    // window is never held open by a clock set back).
    private bool IsOver(Entry entry, long now)
    {
        var elapsed = now - entry.Start;
        return elapsed < 0 || elapsed >= Window.Ticks;
    }

    // Start: when the window opened, in UTC ticks of the clock's GetUtcNow (the time a test's TimeProvider moves).
    private readonly record struct Entry(long Start, int Admitted, int Suppressed);
}
