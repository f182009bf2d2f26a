using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.Time.Testing;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// The one "admit N per window per key, count the rest" (WindowedAdmission.cs) behind the sign-in refusal lines, the
/// credential warning, the console's failed sign-in records and the transport's refusal records: a fixed window per
/// key, the suppressed counted until the key's next admitted event, and a bounded number of keys (they are often what a
/// client sends from or as).
/// </summary>
public sealed class WindowedAdmissionTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public void NPerWindowPerKey_TheRestCounted_TheNextAdmittedOneIsToldHowMany()
    {
        var admission = new WindowedAdmission<string>(3, TimeSpan.FromMinutes(1), _time);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(admission.TryAdmit("alice", out var none));
            Assert.Equal(0, none);
        }

        for (var i = 0; i < 5; i++)
        {
            Assert.False(admission.TryAdmit("alice", out var zero));
            Assert.Equal(0, zero);
        }

        // Another key has its own window.
        Assert.True(admission.TryAdmit("bob", out var bobs));
        Assert.Equal(0, bobs);

        // Just before the minute is over, still full; at the minute, a new window: the first is told of the five.
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(admission.TryAdmit("alice", out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(admission.TryAdmit("alice", out var suppressed));
        Assert.Equal(6, suppressed);
        Assert.True(admission.TryAdmit("alice", out var since));
        Assert.Equal(0, since);
    }

    [Fact]
    public void TheWindowOpensWithTheFirstEventAfterTheLastEnded_NotOnAFixedClock()
    {
        var admission = new WindowedAdmission<string>(1, TimeSpan.FromMinutes(1), _time);
        Assert.True(admission.TryAdmit("peer", out _));
        _time.Advance(TimeSpan.FromSeconds(90));
        Assert.True(admission.TryAdmit("peer", out _)); // opens a window at 90 s

        _time.Advance(TimeSpan.FromSeconds(40)); // 130 s: within the window opened at 90 s
        Assert.False(admission.TryAdmit("peer", out _));
        _time.Advance(TimeSpan.FromSeconds(20)); // 150 s
        Assert.True(admission.TryAdmit("peer", out var suppressed));
        Assert.Equal(1, suppressed);
    }

    [Fact]
    public void ClockSetBack_TheOpenWindowEnds_NotHeldOpenUntilTheClockCatchesUp()
    {
        var wall = new WallClock { Now = DateTimeOffset.UtcNow }; // (FakeTimeProvider never goes back)
        var admission = new WindowedAdmission<string>(1, TimeSpan.FromMinutes(1), wall);
        Assert.True(admission.TryAdmit("peer", out _));
        Assert.False(admission.TryAdmit("peer", out _));

        wall.Now = wall.Now.AddHours(-1);
        Assert.True(admission.TryAdmit("peer", out var suppressed));
        Assert.Equal(1, suppressed);
        Assert.False(admission.TryAdmit("peer", out _));
    }

    [Fact]
    public void Suppress_CountsForTheNextAdmitted_OpensTheWindowButTakesNoPlaceInIt()
    {
        var admission = new WindowedAdmission<int>(2, TimeSpan.FromMinutes(1), _time);
        admission.Suppress(7);
        admission.Suppress(7);
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.True(admission.TryAdmit(7, out var first));
        Assert.Equal(2, first);
        Assert.True(admission.TryAdmit(7, out var second));
        Assert.Equal(0, second);
        Assert.False(admission.TryAdmit(7, out _));

        // The window opened with the first suppressed event (at 0 s), so it is over at 60 s, not 90 s.
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(admission.TryAdmit(7, out var next));
        Assert.Equal(1, next);
    }

    [Fact]
    public void KeyBound_ThoseWhoseWindowIsOverAreForgottenFirst_ThenAll()
    {
        var admission = new WindowedAdmission<string>(1, TimeSpan.FromMinutes(1), _time, maxKeys: 3);
        Assert.True(admission.TryAdmit("a", out _));
        Assert.True(admission.TryAdmit("b", out _));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(admission.TryAdmit("c", out _));
        Assert.Equal(3, admission.KeyCount);

        // A fourth key: a and b, whose minute is over, are forgotten; c, within its minute, is kept.
        Assert.True(admission.TryAdmit("d", out _));
        Assert.Equal(2, admission.KeyCount);
        Assert.False(admission.TryAdmit("c", out _));
        Assert.True(admission.TryAdmit("e", out _));
        Assert.Equal(3, admission.KeyCount);

        // c, d and e all within their minute: the next key clears them all (memory stays bounded; each may be admitted again).
        Assert.True(admission.TryAdmit("f", out _));
        Assert.Equal(1, admission.KeyCount);
        Assert.True(admission.TryAdmit("c", out var forgotten));
        Assert.Equal(0, forgotten);
    }

    [Fact]
    public void ManyKeysFromAFlood_NeverMoreThanTheBoundKept()
    {
        var admission = new WindowedAdmission<string>(10, TimeSpan.FromMinutes(1), _time);
        for (var i = 0; i < 25_000; i++)
        {
            admission.TryAdmit($"198.51.{i / 256}.{i % 256}", out _);
            Assert.True(admission.KeyCount <= 10_000);
        }
    }

    [Fact]
    public void KeysCompareAsTold()
    {
        var admission = new WindowedAdmission<string>(1, TimeSpan.FromMinutes(1), _time, comparer: StringComparer.OrdinalIgnoreCase);
        Assert.True(admission.TryAdmit("Alice", out _));
        Assert.False(admission.TryAdmit("alice", out _));
    }

    private sealed class WallClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
