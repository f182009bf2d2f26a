using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>
/// A misconfigured connection fails where the developer looks: at the host's start, each problem named with its
/// setting; a tenant that is not set (discovery needs none) is said by the first call's result.
/// </summary>
public sealed class ConnectionOptionsTests
{
    [Fact]
    public void HostStart_InvalidOptions_EachProblemNamedWithItsSetting()
    {
        using var services = new ServiceCollection()
            .AddAuth0Connection(o =>
            {
                o.Token = "t";
                o.MaxRetryAttempts = 20;
                o.AttemptTimeout = TimeSpan.Zero;
                o.Domain = "not a domain";
            })
            .BuildServiceProvider();

        // What a generic host runs before it starts (ValidateOnStart).
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Auth0 connection: MaxRetryAttempts must be between 0 and 10 (is 20)", error.Failures);
        Assert.Contains("Auth0 connection: AttemptTimeout must be positive (is 00:00:00)", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Auth0 connection: Domain (AUTH0_DOMAIN) is not a tenant domain", StringComparison.Ordinal));
        Assert.Equal(3, error.Failures.Count());
    }

    [Fact]
    public void HostStart_NoTenantNorCredential_Starts()
    {
        // Discovery works without a tenant or a credential: neither is a start-up error.
        using var services = new ServiceCollection().AddAuth0Connection().BuildServiceProvider();

        services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public async Task Call_NoTenantConfigured_TheResultSaysWhatToSet()
    {
        await using var services = new ServiceCollection()
            .AddAuth0Connection(o => o.Token = "st-TOKEN-no-tenant-0000")
            .BuildServiceProvider();
        var tool = TestTool.Get();

        var result = await tool.InvokeAsync(TestTool.DefaultArguments(tool), services, null, CancellationToken.None);

        Assert.True(result.IsError);
        Assert.Contains("No Auth0 tenant is configured: set AUTH0_DOMAIN", result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_ClientIdWithoutSecret_TheResultNamesTheMissingSecret()
    {
        await using var h = await Harness.StartAsync(o => o.ClientId = Harness.ClientId);

        var result = await h.CallAsync(TestTool.Get());

        Assert.True(result.IsError);
        Assert.Contains("a client id is set, but no client secret (set AUTH0_CLIENT_SECRET", result.Text(), StringComparison.Ordinal);
        Assert.Equal(0, h.Server.TokenCount);
    }
}
