using System.Text;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Microsoft.Extensions.Time.Testing;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// A user or group bound to a profile is a name a caller can present: one that differs from the name it prints as
/// (decomposed Unicode, a lone surrogate) would be denied to the caller it looks like, so it is refused, naming the form
/// to write, and nothing is stored.
/// </summary>
public sealed class ProfileMemberNameTests : IAsyncLifetime
{
    private const string Decomposed = "jose\u0301"; // NFD: e + combining acute accent
    private const string Composed = "jos\u00e9"; // NFC: é

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "auth0mcp-members-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero));
    private SqliteGovernanceStore _store = null!;
    private ToolGovernance _governance = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _store = new SqliteGovernanceStore(Path.Combine(_dir, "governance.db"));
        _governance = new ToolGovernance(_store, _clock);
        await _store.InitializeAsync();
        await _governance.SyncCatalogAsync([Descriptors.UsersList], "system");
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData("user")]
    [InlineData("group")]
    public async Task CreateAndBind_NameWithSpacesAtAnEnd_IsRefusedGivingTheTrimmedForm(string what)
    {
        // Through the library (the CLI trims): a bound "carol " matched no caller and listed as "carol".
        string[] names = ["carol "];
        string[] users = what == "user" ? names : [];
        string[] groups = what == "group" ? names : [];

        var created = await Assert.ThrowsAsync<GovernanceException>(() =>
            _governance.CreateProfileAsync("carol-one", [Toolset.AllApproved], users, groups, AccessPolicy.AutoApprove, null, "admin"));

        Assert.Equal($"invalid {what} 'carol ': no spaces at either end: write it as 'carol'", created.Message);
        Assert.Empty((await _governance.GetStateAsync()).Profiles);
    }

    [Theory]
    [InlineData("user")]
    [InlineData("group")]
    public async Task CreateAndBind_NameNotInNormalizationFormC_IsRefusedGivingTheNfcForm(string what)
    {
        Assert.False(Decomposed.IsNormalized(NormalizationForm.FormC));
        string[] names = [Decomposed];
        string[] users = what == "user" ? names : [];
        string[] groups = what == "group" ? names : [];

        var created = await Assert.ThrowsAsync<GovernanceException>(() =>
            _governance.CreateProfileAsync("jose-one", [Toolset.AllApproved], users, groups, AccessPolicy.AutoApprove, null, "admin"));

        Assert.Equal($"invalid {what} '{Decomposed}': not in Unicode normalization form C (a letter and a combining mark where one character is usual), "
            + $"so a caller whose name looks the same would not match it: write it as '{Composed}' (NFC)", created.Message);
        Assert.Empty((await _governance.GetStateAsync()).Profiles);

        await _governance.CreateProfileAsync("jose-two", [Toolset.AllApproved], [], [], AccessPolicy.AutoApprove, null, "admin");
        var bound = await Assert.ThrowsAsync<GovernanceException>(() => _governance.BindProfileAsync("jose-two", bind: true, [], users, groups, "admin"));

        Assert.Contains($"write it as '{Composed}' (NFC)", bound.Message, StringComparison.Ordinal);
        var profile = Assert.Single((await _governance.GetStateAsync()).Profiles);
        Assert.Empty(profile.Users);
        Assert.Empty(profile.Groups);
    }

    [Fact]
    public async Task Create_NameInNormalizationFormC_IsBoundAsWritten()
    {
        await _governance.CreateProfileAsync("jose-one", [Toolset.AllApproved], [Composed], [], AccessPolicy.AutoApprove, null, "admin");

        var profile = Assert.Single((await _governance.GetStateAsync()).Profiles);
        Assert.Equal([Composed], profile.Users);
    }

    [Fact]
    public async Task Create_LoneSurrogate_IsAGovernanceRefusal_NotACrash()
    {
        // Not theory data: a lone surrogate would reach the test as U+FFFD.
        foreach (var name in new[] { "bob\ud800", "\udc00bob", "b\ud800ob" })
        {
            var refused = await Assert.ThrowsAsync<GovernanceException>(() =>
                _governance.CreateProfileAsync("p", [Toolset.AllApproved], [name], [], AccessPolicy.AutoApprove, null, "admin"));

            Assert.EndsWith("not valid Unicode (a lone surrogate)", refused.Message, StringComparison.Ordinal);
            Assert.Empty((await _governance.GetStateAsync()).Profiles);
        }
    }

    [Fact]
    public async Task Create_ASurrogatePair_IsAName()
    {
        await _governance.CreateProfileAsync("p", [Toolset.AllApproved], ["bob\U0001F600"], [], AccessPolicy.AutoApprove, null, "admin");

        Assert.Equal(["bob\U0001F600"], Assert.Single((await _governance.GetStateAsync()).Profiles).Users);
    }
}
