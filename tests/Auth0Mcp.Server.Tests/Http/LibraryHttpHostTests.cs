using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Server.Tests.Http;

/// <summary>
/// A host developer's own ASP.NET Core host, built from the libraries as the packages' docs show (not the
/// <c>auth0-mcp</c> server, which always puts authentication in front of MCP).
/// </summary>
public sealed class LibraryHttpHostTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "auth0mcp-libhttp-" + Guid.NewGuid().ToString("N"));

    public LibraryHttpHostTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnUnauthenticatedHttpCaller_NeverGetsTheStdioIdentity(bool stateless)
    {
        // The host sets a stdio identity (as the quick start does) and serves Streamable HTTP with no authentication.
        // The MCP SDK hands an anonymous HTTP request no principal, just as it hands a stdio message none: the caller
        // must still have no identity, see no tools and be refused, with nothing sent to Auth0.
        await using var upstream = new RecordingHttpServer(200, "[]");
        var db = Path.Combine(_dir, "governance.db");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddMcpServer().WithHttpTransport(o => o.Stateless = stateless)
            .WithAuth0ManagementTools(o =>
            {
                o.BaseUrl = new Uri(upstream.BaseUrl, "/api/v2/");
                o.Token = "tok-library-host";
            })
            .WithToolGovernance(g =>
            {
                g.UseSqlite(db);
                g.StdioIdentity = new CallerIdentity("root", []);
            });
        await using var app = builder.Build();
        app.MapMcp();
        await app.StartAsync();
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(app.Urls.First()),
            TransportMode = HttpTransportMode.StreamableHttp,
        }));
        await client.ListToolsAsync(); // the catalogue is synced into the store by now

        // The stdio identity is entitled: approved tool, toolset, a profile bound to it.
        await using (var store = new SqliteGovernanceStore(db))
        {
            await store.InitializeAsync();
            var admin = new ToolGovernance(store);
            await admin.ApproveAsync(["auth0_users_list"], "admin");
            await admin.CreateToolsetAsync("reads", ["auth0_users_list"], null, "admin");
            await admin.CreateProfileAsync("local", ["reads"], ["root"], [], AccessPolicy.AutoApprove, null, "admin");
        }

        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?>());

        Assert.Empty(tools);
        Assert.True(result.IsError);
        Assert.Contains("[no-identity]", string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text)), StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
        await app.StopAsync();
    }
}
