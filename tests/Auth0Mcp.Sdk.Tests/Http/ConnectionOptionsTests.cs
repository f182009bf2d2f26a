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

    [Theory]
    [InlineData("bearer", "Token is the token itself, without the \"Bearer \" prefix")]
    [InlineData("newline", "Token has characters a bearer token cannot carry")] // before: accepted, then every call failed with a FormatException
    [InlineData("ftp", "BaseUrl (AUTH0_MCP_BASE_URL) must be an absolute https URL (is ftp URL)")]
    [InlineData("file", "TokenEndpoint must be an absolute https URL (is file URL;")]
    public void HostStart_AConnectionThatCannotWorkAsMeant_IsRefusedNamingTheOption(string how, string expected)
    {
        using var services = new ServiceCollection()
            .AddAuth0Connection(o =>
            {
                o.Domain = "tenant.example";
                o.Token = how switch { "bearer" => "Bearer tok-0123456789", "newline" => "tok-01234\n56789", _ => "tok-0123456789" };
                if (how == "ftp")
                {
                    o.BaseUrl = new Uri("ftp://mock.example/api/v2");
                }

                if (how == "file")
                {
                    o.TokenEndpoint = new Uri("file:///etc/passwd");
                }
            })
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("Auth0 connection: " + expected, failure, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-0123456789", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCredentials_BaseUrlButNoDomainOrAudience_TheErrorNamesWhatIsMissing()
    {
        var options = new Auth0ConnectionOptions { BaseUrl = new Uri("http://127.0.0.1:9/api/v2"), TokenEndpoint = new Uri("http://127.0.0.1:9/oauth/token"), ClientId = "c", ClientSecret = "s" };

        var error = Assert.Throws<InvalidOperationException>(() => options.GetAudience());

        Assert.Contains("set Domain (AUTH0_DOMAIN", error.Message, StringComparison.Ordinal);
        Assert.Contains("or Audience; BaseUrl alone does not name it", error.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData("BaseUrl", "http://10.0.0.5:8080/api/v2", "the bearer token")]
    [InlineData("BaseUrl", "http://mock.example.internal/api/v2", "the bearer token")]
    [InlineData("TokenEndpoint", "http://login.example.com/oauth/token", "the client secret")]
    [InlineData("TokenEndpoint", "http://127.0.0.1.example.com/oauth/token", "the client secret")]
    public void HostStart_PlainHttpOffLoopback_IsRefusedNamingTheOptionAndTheFix(string option, string url, string what)
    {
        using var services = new ServiceCollection()
            .AddAuth0Connection(o =>
            {
                o.Domain = "tenant.example";
                o.ClientId = "client";
                o.ClientSecret = "cs-SECRET-0123456789abcdef";
                if (option == "BaseUrl")
                {
                    o.BaseUrl = new Uri(url);
                }
                else
                {
                    o.TokenEndpoint = new Uri(url);
                }
            })
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith($"Auth0 connection: {option}", failure, StringComparison.Ordinal);
        Assert.Contains($"must be https, not plain http to {new Uri(url).Host}: {what} would cross the network in clear text", failure, StringComparison.Ordinal);
        Assert.Contains("plain http only to a loopback address: 127.0.0.1 (any of 127.0.0.0/8), ::1 or localhost", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:4010/api/v2")]
    [InlineData("http://127.8.9.10:4010/api/v2")]
    [InlineData("http://[::1]:4010/api/v2")]
    [InlineData("http://localhost:4010/api/v2")]
    [InlineData("https://mock.example/api/v2")]
    public void HostStart_HttpsOrPlainHttpToLoopback_Starts(string url)
    {
        using var services = new ServiceCollection()
            .AddAuth0Connection(o =>
            {
                o.BaseUrl = new Uri(url);
                o.TokenEndpoint = new Uri(new Uri(url), "/oauth/token");
            })
            .BuildServiceProvider();

        services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void HostStart_SpecDefaultBaseUrlPlainHttpOffLoopback_IsRefusedOnlyWhileInEffect()
    {
        using var alone = new ServiceCollection().AddAuth0Connection(o => o.DefaultBaseUrl = "http://api.widgets.example/v4").BuildServiceProvider();
        using var withDomain = new ServiceCollection().AddAuth0Connection(o =>
        {
            o.DefaultBaseUrl = "http://api.widgets.example/v4";
            o.Domain = "tenant.example";
        }).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => alone.GetRequiredService<IStartupValidator>().Validate());

        Assert.StartsWith("Auth0 connection: DefaultBaseUrl (the spec's server, in effect while neither BaseUrl nor Domain is set) must be https", Assert.Single(error.Failures), StringComparison.Ordinal);
        withDomain.GetRequiredService<IStartupValidator>().Validate();
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
