using System.Formats.Tar;
using System.Text.Json;
using Auth0Mcp.Server.Tests.Infrastructure;
using ModelContextProtocol.Client;

namespace Auth0Mcp.Server.Tests;

/// <summary>
/// The container image built from the root's Dockerfile (<c>build/container.sh</c>; <c>build/test.sh</c> builds it on a
/// stand-in base with the same package set, since this machine cannot pull the real one) run as its users would:
/// the app user, a read-only root, the store and the rotated credentials on the <c>/data</c> volume. Needs
/// <c>AUTH0_MCP_TEST_IMAGE</c> (the image), and takes the engine from <c>AUTH0_MCP_TEST_CONTAINER_ENGINE</c> (podman
/// unless set) and extra <c>run</c> options from <c>AUTH0_MCP_TEST_CONTAINER_OPTIONS</c>.
/// </summary>
[Trait("Category", "Container")]
public sealed class ContainerImageTests
{
    private const string AppUid = "1654";
    private static readonly string Image = Environment.GetEnvironmentVariable(ContainerFactAttribute.Variable) ?? "";
    private static readonly string Engine = Environment.GetEnvironmentVariable("AUTH0_MCP_TEST_CONTAINER_ENGINE") is { Length: > 0 } engine ? engine : "podman";
    private static readonly string[] RunOptions = (Environment.GetEnvironmentVariable("AUTH0_MCP_TEST_CONTAINER_OPTIONS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [ContainerFact]
    public async Task Image_Configuration_AppUserAndTheStoreAndCredentialsOnTheVolume()
    {
        var (code, stdout, stderr) = await ChildProcess.RunAsync(Engine, ["image", "inspect", Image], timeout: TimeSpan.FromMinutes(1));
        Assert.True(code == 0, stderr);
        var config = JsonDocument.Parse(stdout).RootElement[0].GetProperty("Config");

        Assert.Equal(AppUid, config.GetProperty("User").GetString());
        Assert.Equal(["/app/auth0-mcp"], config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["serve"], config.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()));
        var env = config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("AUTH0_MCP_STORE=/data/governance.db", env);
        Assert.Contains("AUTH0_MCP_CREDENTIALS_FILE=/data/credentials.json", env);
        Assert.True(config.GetProperty("Volumes").TryGetProperty("/data", out _));
    }

    [ContainerFact]
    public async Task Image_Layers_VolumeFolderBelongsToTheAppUserAndOnlyTheExecutableIsAdded()
    {
        // A new named volume takes its folder's owner from the image (Docker): a root-owned /data would refuse the store.
        var archive = Path.Combine(Path.GetTempPath(), $"auth0-mcp-image-{Guid.NewGuid():N}.tar");
        try
        {
            string[] format = Engine.EndsWith("podman", StringComparison.Ordinal) ? ["--format", "docker-archive"] : [];
            var (code, _, stderr) = await ChildProcess.RunAsync(Engine, ["image", "save", .. format, "-o", archive, Image], timeout: TimeSpan.FromMinutes(2));
            Assert.True(code == 0, stderr);
            var entries = new Dictionary<string, (int Uid, UnixFileMode Mode)>(StringComparer.Ordinal);
            await using (var file = File.OpenRead(archive))
            {
                using var outer = new TarReader(file);
                while (await outer.GetNextEntryAsync(copyData: true) is { } layer)
                {
                    // Layers: "<id>.tar" in a docker-archive, "blobs/sha256/<digest>" in an OCI layout (Docker 25+),
                    // beside JSON manifests and configs, which are not tar files.
                    if (layer.DataStream is null || !(layer.Name.EndsWith(".tar", StringComparison.Ordinal) || layer.Name.StartsWith("blobs/", StringComparison.Ordinal)))
                    {
                        continue;
                    }

                    try
                    {
                        using var inner = new TarReader(layer.DataStream);
                        while (await inner.GetNextEntryAsync() is { } entry)
                        {
                            entries[entry.Name.TrimStart('.', '/').TrimEnd('/')] = (((PosixTarEntry)entry).Uid, entry.Mode);
                        }
                    }
                    catch (InvalidDataException)
                    {
                    }
                }
            }

            Assert.Equal(1654, entries["data"].Uid);
            Assert.Equal(1654, entries["data/README"].Uid);
            Assert.Equal(0, entries["app/auth0-mcp"].Uid);
            Assert.False(entries["app/auth0-mcp"].Mode.HasFlag(UnixFileMode.UserWrite), "the executable is writable");
            Assert.Equal(["app/auth0-mcp", "app/libe_sqlite3.so"], entries.Keys.Where(k => k.StartsWith("app/", StringComparison.Ordinal)).Order());
        }
        finally
        {
            File.Delete(archive);
        }
    }

    [ContainerFact]
    public async Task Image_ReadOnlyRoot_GovernedCallsAuditedOnTheVolumeAndACredentialRotatedThroughIt()
    {
        var volume = $"auth0-mcp-test-{Guid.NewGuid():N}";
        await using var auth0 = new RecordingHttpServer(body: """[{"user_id":"auth0|container"}]""");
        try
        {
            await GrantUsersListToAliceAsync(volume);

            var transport = new StdioClientTransport(new StdioClientTransportOptions
            {
                Name = "auth0-mcp-container",
                Command = Engine,
                Arguments = ["run", "-i", "--rm", .. RunOptions, "--read-only", "--network", "host", "-v", $"{volume}:/data",
                    "-e", $"AUTH0_MCP_BASE_URL={auth0.BaseUrl.ToString().TrimEnd('/')}", "-e", "AUTH0_TOKEN=first-token-5b1e", "-e", "AUTH0_MCP_USER=alice", Image],
            });
            await using (var client = await McpClient.CreateAsync(transport))
            {
                var tools = await client.ListToolsAsync();
                Assert.Equal(["auth0_users_list"], tools.Select(t => t.Name));

                var first = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["q"] = "container" });
                Assert.True(first.IsError is not true, JsonSerializer.Serialize(first.Content));
                Assert.Contains("auth0|container", JsonSerializer.Serialize(first.Content), StringComparison.Ordinal);

                // `credentials rotate` in another container writes the volume's credentials file; the running server uses it next.
                await AdminWithInputAsync(volume, "second-token-9c4d\n", "credentials", "rotate", "--token-stdin");
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (true)
                {
                    var again = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["q"] = "rotated" });
                    Assert.True(again.IsError is not true, JsonSerializer.Serialize(again.Content));
                    if (auth0.Requests.Last().Contains("Bearer second-token-9c4d", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
                    {
                        break;
                    }

                    await Task.Delay(500);
                }
            }

            var heads = auth0.Requests.ToList();
            Assert.Contains("Bearer first-token-5b1e", heads[0], StringComparison.Ordinal);
            Assert.Contains("Bearer second-token-9c4d", heads[^1], StringComparison.Ordinal);

            Assert.Contains("intact", await AdminAsync(volume, "audit", "verify"), StringComparison.OrdinalIgnoreCase);
            var records = (await AdminAsync(volume, "audit", "tail", "-n", "50", "--json"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var calls = records.Where(r => r.TryGetProperty("tool", out var t) && t.GetString() == "auth0_users_list" && r.GetProperty("user").GetString() == "alice").ToList();
            Assert.True(calls.Count >= 2, string.Join("\n", records));
            Assert.DoesNotContain(records, r => r.GetRawText().Contains("token-", StringComparison.Ordinal));
        }
        finally
        {
            await ChildProcess.RunAsync(Engine, ["volume", "rm", "-f", volume], timeout: TimeSpan.FromMinutes(1));
        }
    }

    [ContainerFact]
    public async Task Image_StreamableHttpDetached_HealthyServesAnApiKeyCallerAndStopsCleanlyOnSigterm()
    {
        // Detached, as an orchestrator runs it: Kestrel in the native image, then `stop` (SIGTERM to PID 1).
        var volume = $"auth0-mcp-test-{Guid.NewGuid():N}";
        var name = $"auth0-mcp-test-{Guid.NewGuid():N}";
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            try
            {
                await GrantUsersListToAliceAsync(volume);
                var (code, _, stderr) = await ChildProcess.RunAsync(Engine,
                    ["run", "-d", "--name", name, .. RunOptions, "--read-only", "--network", "host", "-v", $"{volume}:/data",
                        "-e", "AUTH0_TOKEN=http-token-2f8a", "-e", "AUTH0_MCP_BASE_URL=http://127.0.0.1:9", "-e", "AUTH0_MCP_API_KEYS=container-key-7d3e=alice",
                        Image, "serve", "--http", $"http://127.0.0.1:{port}/mcp"], timeout: TimeSpan.FromMinutes(1));
                Assert.True(code == 0, stderr);

                using var http = new HttpClient();
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (true)
                {
                    try
                    {
                        Assert.Equal("ok", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/healthz")));
                        break;
                    }
                    catch (HttpRequestException) when (DateTime.UtcNow < deadline)
                    {
                        await Task.Delay(250);
                    }
                }

                await using (var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
                {
                    Endpoint = new Uri($"http://127.0.0.1:{port}/mcp"),
                    TransportMode = HttpTransportMode.StreamableHttp,
                    AdditionalHeaders = new Dictionary<string, string> { ["X-API-Key"] = "container-key-7d3e" },
                })))
                {
                    Assert.Equal(["auth0_users_list"], (await client.ListToolsAsync()).Select(t => t.Name));
                }

                var clock = System.Diagnostics.Stopwatch.StartNew();
                (code, _, stderr) = await ChildProcess.RunAsync(Engine, ["stop", "-t", "30", name], timeout: TimeSpan.FromMinutes(1));
                Assert.True(code == 0, stderr);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"stop took {clock.Elapsed}: SIGTERM was not handled");
                var (_, exit, _) = await ChildProcess.RunAsync(Engine, ["inspect", name, "--format", "{{.State.ExitCode}}"], timeout: TimeSpan.FromMinutes(1));
                Assert.Equal("0", exit.Trim());
                Assert.Contains("intact", await AdminAsync(volume, "audit", "verify"), StringComparison.OrdinalIgnoreCase);
            }
            finally
            {
                await ChildProcess.RunAsync(Engine, ["rm", "-f", name], timeout: TimeSpan.FromMinutes(1));
                await ChildProcess.RunAsync(Engine, ["volume", "rm", "-f", volume], timeout: TimeSpan.FromMinutes(1));
            }
        }
    }

    /// <summary>On <paramref name="volume"/>: approves <c>auth0_users_list</c> and grants the approved tools to alice.</summary>
    private static async Task GrantUsersListToAliceAsync(string volume)
    {
        await AdminAsync(volume, "tools", "approve", "auth0_users_list");
        await AdminAsync(volume, "profiles", "create", "support", "--toolsets", "all-approved", "--users", "alice");
    }

    /// <summary>Runs <c>auth0-mcp ARGS</c> in a container on <paramref name="volume"/> as the admin, and fails the test when it exits non-zero.</summary>
    private static Task<string> AdminAsync(string volume, params string[] args) => AdminWithInputAsync(volume, null, args);

    /// <summary>As <see cref="AdminAsync(string, string[])"/>, with <paramref name="input"/> on the command's standard input (a secret).</summary>
    private static async Task<string> AdminWithInputAsync(string volume, string? input, params string[] args)
    {
        string[] interactive = input is null ? [] : ["-i"];
        var (code, stdout, stderr) = await ChildProcess.RunAsync(Engine,
            ["run", "--rm", .. interactive, .. RunOptions, "--read-only", "-v", $"{volume}:/data", "-e", "AUTH0_MCP_USER=admin", Image, .. args],
            timeout: TimeSpan.FromMinutes(2), input: input);
        Assert.True(code == 0, $"{string.Join(' ', args)}: exit {code}\n{stdout}\n{stderr}");
        return stdout;
    }
}

/// <summary>A fact that needs <c>AUTH0_MCP_TEST_IMAGE</c> (<c>build/container.sh</c>); skipped, with the reason, otherwise.</summary>
public sealed class ContainerFactAttribute : FactAttribute
{
    /// <summary>The environment variable with the image's name.</summary>
    public const string Variable = "AUTH0_MCP_TEST_IMAGE";

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when no image is given.</summary>
    public ContainerFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"{Variable} is not set: build the image with `bash build/container.sh` and set it to the name printed";
        }
    }
}
