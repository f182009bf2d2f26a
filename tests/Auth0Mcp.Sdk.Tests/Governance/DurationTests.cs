using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>The durations of grants, profiles and call approvals (<c>--expires</c>, the console, the settings).</summary>
public sealed class DurationTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("00:30:00", 1800)]
    [InlineData("1.02:00:00", 93600)]
    public void ParseDuration_WithAUnitOrAsATime_IsThatLong(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), GovernanceNames.ParseDuration(text));

    [Theory]
    [InlineData("30")]
    [InlineData(" 10 ")]
    public void ParseDuration_ABareNumber_IsRefusedAskingForAUnit(string text)
    {
        // Before: TimeSpan read a bare number as days, so "--expires 30" gave a month of access without a word.
        var error = Assert.Throws<GovernanceException>(() => GovernanceNames.ParseDuration(text));

        Assert.Contains("add a unit", error.Message, StringComparison.Ordinal);
    }
}
