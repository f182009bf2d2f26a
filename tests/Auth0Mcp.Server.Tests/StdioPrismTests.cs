using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Server.Tests;

/// <summary>The real server over stdio, calling Prism (a spec-validating mock of the Auth0 API).</summary>
/// <remarks>Every tool is approved and granted to the test user, so these tests are about the API, not governance.</remarks>
[Collection(PrismCollection.Name)]
public sealed class StdioPrismTests(PrismFixture prism, GrantedHome home) : IClassFixture<GrantedHome>
{
    private const string Token = "test-token-7f3a9c1e";

    private Dictionary<string, string?> Environment(Uri baseUrl) => home.Home.Environment(baseUrl, GrantedHome.User, Token);

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Fact]
    public async Task Serve_ToolsList_ListsAllOperationsWithObjectSchemas()
    {
        await using var client = await ServerProcess.ConnectAsync(Environment(prism.BaseUrl));

        var tools = await client.ListToolsAsync();

        Assert.Equal(452, tools.Count);
        Assert.Equal(tools.Count, tools.Select(t => t.Name).Distinct().Count());
        Assert.All(tools, t => Assert.True(t.Name.Length <= 64, t.Name));
        Assert.All(tools, t => Assert.Equal("object", t.JsonSchema.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task UsersList_WithPerPage_ReachesPrismAndReturnsUsers()
    {
        await using var client = await ServerProcess.ConnectAsync(Environment(prism.BaseUrl));

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 5, ["include_totals"] = false });

        Assert.True(result.IsError is not true, Text(result));
        using var body = JsonDocument.Parse(Text(result));
        Assert.Equal(JsonValueKind.Array, body.RootElement.ValueKind);
        Assert.NotNull(result.StructuredContent);
    }

    [Fact]
    public async Task UsersCreate_WithBody_IsAcceptedByPrism()
    {
        await using var client = await ServerProcess.ConnectAsync(Environment(prism.BaseUrl));

        var result = await client.CallToolAsync("auth0_users_create", new Dictionary<string, object?>
        {
            ["body"] = new Dictionary<string, object?>
            {
                ["connection"] = "Username-Password-Authentication",
                ["email"] = "alice@example.com",
                ["password"] = "correct-horse-battery-staple-1!",
                ["email_verified"] = false,
            },
        });

        Assert.True(result.IsError is not true, Text(result));
        using var body = JsonDocument.Parse(Text(result));
        Assert.Equal(JsonValueKind.Object, body.RootElement.ValueKind);
    }

    [Fact]
    public async Task UsersGet_IdWithSlashDotsAndQuestionMark_IsOnePercentEncodedSegment()
    {
        await using var client = await ServerProcess.ConnectAsync(Environment(prism.BaseUrl));

        // Prism routes /users/{id} only when the id stays one segment: a traversal or a leaked '?' would hit
        // another route (404) or drop the id.
        var result = await client.CallToolAsync("auth0_users_get", new Dictionary<string, object?> { ["id"] = "auth0|abc/../x?y" });

        Assert.True(result.IsError is not true, Text(result));
    }

    [Fact]
    public async Task UsersGet_IdWithSlashDotsAndQuestionMark_ArrivesEncodedOnTheWire()
    {
        await using var server = new RecordingHttpServer(body: "{\"user_id\":\"auth0|abc\",\"unlisted_field\":{\"kept\":true}}");
        await using var client = await ServerProcess.ConnectAsync(Environment(server.BaseUrl));

        var result = await client.CallToolAsync("auth0_users_get", new Dictionary<string, object?> { ["id"] = "auth0|abc/../x?y#z" });

        Assert.True(result.IsError is not true, Text(result));
        var request = Assert.Single(server.Requests);
        Assert.StartsWith("GET /users/auth0%7Cabc%2F..%2Fx%3Fy%23z HTTP/1.1\n", request, StringComparison.Ordinal);
        Assert.Contains($"Authorization: Bearer {Token}", request, StringComparison.Ordinal);
        // A field the spec does not list survives to the tool result.
        Assert.Contains("\"unlisted_field\":{\"kept\":true}", Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsersRolesAssign_WithRoles_IsAcceptedByPrism()
    {
        await using var client = await ServerProcess.ConnectAsync(Environment(prism.BaseUrl));

        var result = await client.CallToolAsync("auth0_users_roles_assign", new Dictionary<string, object?>
        {
            ["id"] = "auth0|123",
            ["body"] = new Dictionary<string, object?> { ["roles"] = new[] { "rol_0000000000000001" } },
        });

        Assert.True(result.IsError is not true, Text(result));
    }

    [Fact]
    public async Task Call_WrongArgumentType_IsRejectedBeforeAnyHttpRequest()
    {
        // A listener that only counts connections stands in for Auth0: any request would show up here.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var connections = 0;
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var socket = await listener.AcceptSocketAsync();
                    Interlocked.Increment(ref connections);
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        });
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var client = await ServerProcess.ConnectAsync(Environment(new Uri($"http://127.0.0.1:{port}")));

        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = "ten" });

        Assert.True(result.IsError);
        Assert.Contains("per_page:", Text(result), StringComparison.Ordinal);
        Assert.Contains("integer", Text(result), StringComparison.Ordinal);
        Assert.Contains("invalid-arguments", Text(result), StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref connections));
        listener.Stop();
        await accepting;
    }

    [Fact]
    public async Task TypeScriptSdkClient_ListsEveryToolWithoutRejectingAny()
    {
        await Peers.EnsureInstalledAsync();
        var env = Environment(prism.BaseUrl);
        var (code, stdout, stderr) = await ChildProcess.RunAsync(
            "node",
            [Path.Combine(Repo.Tools, "mcp-client.cjs"), "--stdio", $"{Repo.ServerCommandLine} serve", "auth0_users_list", "{\"per_page\":2}"],
            env: env,
            timeout: TimeSpan.FromMinutes(3));

        Assert.True(code == 0, $"mcp-client exit {code}\n{stdout}\n{stderr}");
        var list = stdout.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.TryGetProperty("step", out var s) && s.GetString() == "tools/list");
        Assert.Equal(452, list.GetProperty("tools").GetInt32());
    }
}

/// <summary>One store for the class with every tool approved and granted to <see cref="User"/>.</summary>
public sealed class GrantedHome : IAsyncLifetime
{
    public const string User = "tester";

    internal TestHome Home { get; } = new();

    public Task InitializeAsync() => Home.GrantEverythingAsync(User);

    public Task DisposeAsync()
    {
        Home.Dispose();
        return Task.CompletedTask;
    }
}
