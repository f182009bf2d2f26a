using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>
/// Where the connection sends calls: the host's base URL, else the tenant domain, else the spec's own
/// <c>servers</c> URL (the generated <c>DefaultBaseUrl</c>), which also becomes the token audience.
/// </summary>
public sealed class ConnectionAddressTests
{
    private const string SpecServer = "https://api.widgets.example/v4";

    [Fact]
    public void Connection_NoBaseUrlNorDomain_UsesTheSpecDefaultBaseUrlForAddressAndAudience()
    {
        using var services = new ServiceCollection()
            .AddAuth0Connection(o => o.DefaultBaseUrl = SpecServer)
            .BuildServiceProvider();

        using var client = services.GetRequiredService<IAuth0HttpClientSource>().CreateClient();
        var options = new Auth0ConnectionOptions { DefaultBaseUrl = " " + SpecServer + " " };

        Assert.Equal(new Uri(SpecServer), client.BaseAddress);
        Assert.Equal(new Uri(SpecServer), options.GetBaseAddress());
        Assert.Equal(SpecServer, options.GetAudience());
    }

    [Fact]
    public void Connection_Domain_OverridesTheSpecDefaultBaseUrl()
    {
        var options = new Auth0ConnectionOptions { Domain = "tenant.example", DefaultBaseUrl = SpecServer };

        Assert.Equal(new Uri("https://tenant.example/api/v2"), options.GetBaseAddress());
        Assert.Equal("https://tenant.example/api/v2/", options.GetAudience());
    }

    [Fact]
    public void Connection_BaseUrl_OverridesTheSpecDefaultBaseUrl()
    {
        using var services = new ServiceCollection()
            .AddAuth0Connection(o =>
            {
                o.DefaultBaseUrl = SpecServer;
                o.BaseUrl = new Uri("http://127.0.0.1:4010");
            })
            .BuildServiceProvider();

        using var client = services.GetRequiredService<IAuth0HttpClientSource>().CreateClient();

        Assert.Equal(new Uri("http://127.0.0.1:4010"), client.BaseAddress);
    }

    [Theory]
    [InlineData("https://{tenantDomain}/api/v2")] // the Auth0 spec's server, a template: AUTH0_DOMAIN must decide
    [InlineData("/api/v2")]
    [InlineData("ftp://files.example/")]
    [InlineData("")]
    public void Connection_UnusableSpecDefaultBaseUrlAndNoDomain_AsksForTheDomain(string defaultBaseUrl)
    {
        var options = new Auth0ConnectionOptions { DefaultBaseUrl = defaultBaseUrl };

        var address = Assert.Throws<InvalidOperationException>(options.GetBaseAddress);
        var audience = Assert.Throws<InvalidOperationException>(options.GetAudience);

        Assert.Contains("AUTH0_DOMAIN", address.Message, StringComparison.Ordinal);
        Assert.Equal(address.Message, audience.Message);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("x.example.invalid:99999")]
    [InlineData("x.example.invalid/path")]
    [InlineData("http://x.example.invalid")]
    public void Connection_InvalidDomain_RefusedByTheOptionsValidationAndNamedByTheAddress(string domain)
    {
        using var services = new ServiceCollection()
            .AddAuth0Connection(o => o.Domain = domain)
            .BuildServiceProvider();

        var invalid = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Auth0ConnectionOptions>>().Value);
        var address = Assert.Throws<InvalidOperationException>(new Auth0ConnectionOptions { Domain = domain }.GetBaseAddress);

        Assert.Contains("Domain (AUTH0_DOMAIN) is not a tenant domain", invalid.Message, StringComparison.Ordinal);
        Assert.Equal($"The Auth0 tenant domain '{domain}' (AUTH0_DOMAIN) is not a host name: expected a host name with an optional port (1-65535), optionally after https://, e.g. your-tenant.us.auth0.com.", address.Message);
    }

    [Theory]
    [InlineData("tenant.example", "https://tenant.example/api/v2")]
    [InlineData(" https://tenant.example/ ", "https://tenant.example/api/v2")]
    [InlineData("tenant.example:8443", "https://tenant.example:8443/api/v2")]
    public void Connection_ValidDomain_GivesTheAddress(string domain, string expected)
    {
        using var services = new ServiceCollection()
            .AddAuth0Connection(o => o.Domain = domain)
            .BuildServiceProvider();

        Assert.Equal(new Uri(expected), services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Auth0ConnectionOptions>>().Value.GetBaseAddress());
    }
}
