using System.Text.RegularExpressions;
using Auth0Mcp.Server.Tests.Infrastructure;

namespace Auth0Mcp.Server.Tests;

/// <summary>docs/packages.md names generated types a host writes in its code: they are where the generator puts them.</summary>
public sealed partial class PackagesDocTests
{
    [Fact]
    public void TypedClientsSnippet_RefitSettingsHolder_NamedInTheNamespaceItIsGeneratedIn()
    {
        var holder = typeof(Auth0Mcp.ManagementApi.Clients.IUsersApi).Assembly.GetTypes().Single(t => t.Name == "Auth0ApiRefit");
        var relative = holder.FullName!["Auth0Mcp.ManagementApi".Length..]; // ".Clients.Auth0ApiRefit"
        var named = Holder().Matches(File.ReadAllText(Path.Combine(Repo.Root, "docs", "packages.md"))).Select(m => m.Value).Distinct().ToList();

        Assert.Contains("Auth0Mcp.ManagementApi" + relative, named); // the prebuilt clients' settings
        Assert.Contains("MyApp.Auth0" + relative, named);            // a host's, generated with Auth0McpNamespace MyApp.Auth0
        Assert.All(named, n => Assert.True(n is "Auth0Mcp.ManagementApi.Clients.Auth0ApiRefit" or "MyApp.Auth0.Clients.Auth0ApiRefit", n));
    }

    /// <summary>A namespace-qualified <c>Auth0ApiRefit</c>.</summary>
    [GeneratedRegex(@"[A-Za-z0-9]+(\.[A-Za-z0-9]+)*\.Auth0ApiRefit\b")]
    private static partial Regex Holder();
}
