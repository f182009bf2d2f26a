using Auth0Mcp.Sdk.Http;
using Auth0Mcp.Server.Tests.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// The credentials file is read again when it changes, found by the check in front of each call (no watcher, no timer):
/// the credential a running server uses is the file's from the next check on, and an unchanged file is not read again.
/// </summary>
public sealed class CredentialsFileCheckTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("auth0-mcp-creds-").FullName;

    [Fact]
    public void Check_FileWrittenThenRemoved_TheCredentialFollowsItAtEachCheckOnly()
    {
        var file = Path.Combine(_folder, "credentials.json");
        using var services = Services(file);
        var options = services.GetRequiredService<IOptionsMonitor<Auth0ConnectionOptions>>();
        var check = services.GetRequiredService<CredentialsFileCheck>();
        var changes = 0;
        using var listening = options.OnChange(_ => changes++);
        Assert.Equal("from-settings", options.CurrentValue.Token);

        CredentialSettings.WriteCredentials(file, "rotated-1", null, null);
        Assert.Equal("from-settings", options.CurrentValue.Token);
        check.Check();
        Assert.Equal("rotated-1", options.CurrentValue.Token);

        // Nothing changed: nothing is read again.
        var seen = changes;
        Assert.True(seen > 0);
        check.Check();
        check.Check();
        Assert.Equal(seen, changes);

        // Rewritten within the same clock tick: the size tells it apart.
        var written = File.GetLastWriteTimeUtc(file);
        CredentialSettings.WriteCredentials(file, "rotated-two", null, null);
        File.SetLastWriteTimeUtc(file, written);
        check.Check();
        Assert.Equal("rotated-two", options.CurrentValue.Token);

        File.Delete(file);
        check.Check();
        Assert.Equal("from-settings", options.CurrentValue.Token);
    }

    private static ServiceProvider Services(string file)
    {
        var settings = Settings.Load(new()
        {
            ["AUTH0_DOMAIN"] = "t.example.auth0.com",
            ["AUTH0_TOKEN"] = "from-settings",
            ["AUTH0_MCP_CREDENTIALS_FILE"] = file,
        });
        var services = new ServiceCollection();
        CredentialSettings.AddRotatableCredentials(services, settings);
        return services.BuildServiceProvider();
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
