using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using Auth0Mcp.Packaging.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Packaging.Tests;

/// <summary>
/// SLOW: the packed packages, used the way a user would, from a local folder feed (see <see cref="PackageFeed"/>).
/// One collection, so the consumer builds run one after another (the machine has 2 cores).
/// </summary>
[Collection(PackagingCollection.Name)]
[Trait("Category", "Packaging")]
public sealed class PackageTests(PackageFeed feed)
{
    private const string Token = "pkg-test-token-4b1d";
    private const string HostingVersion = "10.0.15";
    private const string RefitVersion = "16.4.0";

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [PackagingFact]
    public void Packages_CarryTheirPartsMetadataAndSymbols()
    {
        // Auth0Mcp.Sdk: the runtime and the prebuilt generated API, with XML docs; pdbs in the .snupkg.
        var sdk = Entries(feed.Package("Auth0Mcp.Sdk"));
        Assert.Contains("lib/net10.0/Auth0Mcp.Sdk.dll", sdk);
        Assert.Contains("lib/net10.0/Auth0Mcp.Sdk.xml", sdk);
        Assert.Contains("lib/net10.0/Auth0Mcp.ManagementApi.dll", sdk);
        Assert.Contains("lib/net10.0/Auth0Mcp.ManagementApi.xml", sdk);
        Assert.Contains("README.md", sdk);
        var symbols = Entries(feed.SymbolPackage("Auth0Mcp.Sdk"));
        Assert.Contains("lib/net10.0/Auth0Mcp.Sdk.pdb", symbols);
        Assert.Contains("lib/net10.0/Auth0Mcp.ManagementApi.pdb", symbols);
        var sdkSpec = Nuspec(feed.Package("Auth0Mcp.Sdk"));
        Assert.Equal("README.md", Meta(sdkSpec, "readme"));
        Assert.Equal("MIT", Meta(sdkSpec, "license"));
        Assert.False(string.IsNullOrWhiteSpace(Meta(sdkSpec, "description")));
        Assert.Matches("^[0-9a-f]{40}$", sdkSpec.Descendants().Single(e => e.Name.LocalName == "repository").Attribute("commit")?.Value ?? ""); // SourceLink's git data
        var dependencies = sdkSpec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).ToList();
        Assert.Contains("ModelContextProtocol", dependencies);
        Assert.Contains("Refit", dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("Auth0Mcp.", StringComparison.Ordinal));
        Assert.DoesNotContain("Microsoft.Data.Sqlite", dependencies); // no database driver in the runtime package
        Assert.DoesNotContain("Npgsql", dependencies);

        // The stores: one package per database, each depending on the runtime and its driver only.
        foreach (var (id, driver) in new[] { ("Auth0Mcp.Governance.Sqlite", "Microsoft.Data.Sqlite"), ("Auth0Mcp.Governance.PostgreSql", "Npgsql") })
        {
            Assert.Contains($"lib/net10.0/{id}.dll", Entries(feed.Package(id)));
            var storeDependencies = Nuspec(feed.Package(id)).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).Order().ToList();
            Assert.Equal(new[] { "Auth0Mcp.Sdk", driver }.Order(), storeDependencies);
        }

        // Auth0Mcp.Generators: analyzer, pre-compile CLI, build targets; a development dependency with no dependencies.
        var generators = Entries(feed.Package("Auth0Mcp.Generators"));
        Assert.Contains("analyzers/dotnet/cs/Auth0Mcp.Generators.dll", generators);
        Assert.Contains("tools/auth0-mcp-gen/auth0-mcp-gen.dll", generators);
        Assert.Contains("tools/auth0-mcp-gen/auth0-mcp-gen.runtimeconfig.json", generators);
        Assert.Contains("tools/auth0-mcp-gen/Auth0Mcp.Generators.dll", generators);
        Assert.Contains("build/Auth0Mcp.Generators.targets", generators);
        Assert.DoesNotContain(generators, e => e.StartsWith("lib/", StringComparison.Ordinal));
        var generatorSpec = Nuspec(feed.Package("Auth0Mcp.Generators"));
        Assert.Equal("true", Meta(generatorSpec, "developmentDependency"));
        Assert.DoesNotContain(generatorSpec.Descendants(), e => e.Name.LocalName == "dependency");

        // auth0-mcp: a .NET tool; the generation core rides along without Roslyn.
        var tool = Entries(feed.Package("Auth0Mcp.Server"));
        Assert.Contains("tools/net10.0/any/auth0-mcp.dll", tool);
        Assert.Contains("tools/net10.0/any/Auth0Mcp.Generators.dll", tool);
        Assert.DoesNotContain(tool, e => e.Contains("Microsoft.CodeAnalysis", StringComparison.Ordinal));
        Assert.Contains(Nuspec(feed.Package("Auth0Mcp.Server")).Descendants(), e => e.Name.LocalName == "packageType" && e.Attribute("name")?.Value == "DotnetTool");
    }

    [PackagingFact]
    public async Task PrebuiltTools_HostFromThePackage_ListsThemAndCallsOneAgainstPrism()
    {
        var dir = feed.WriteConsumer("PrebuiltHost", new Dictionary<string, string>
        {
            ["PrebuiltHost.csproj"] = Project($"""
                <PackageReference Include="Auth0Mcp.Sdk" Version="$(PackageVersion)" />
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="{HostingVersion}" />
                """),
            // The whole host: the prebuilt tools in a few lines.
            ["Program.cs"] = """
                using Microsoft.Extensions.DependencyInjection;
                using Microsoft.Extensions.Hosting;
                using Microsoft.Extensions.Logging;

                var builder = Host.CreateApplicationBuilder(args);
                builder.Logging.ClearProviders();
                builder.Services.AddMcpServer()
                    .WithStdioServerTransport()
                    .WithAuth0ManagementTools(o =>
                    {
                        o.Token = Environment.GetEnvironmentVariable("AUTH0_TOKEN");
                        o.BaseUrl = new Uri(Environment.GetEnvironmentVariable("AUTH0_MCP_BASE_URL")!);
                    });
                await builder.Build().RunAsync();
                """,
        });
        var dll = await feed.BuildAsync(dir, "PrebuiltHost");

        await using var prism = await Prism.StartAsync(Repo.PinnedSpec);
        await using var client = await ConnectAsync(dll, prism.BaseUrl);
        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 3 });

        Assert.Equal(ToolCount(Repo.PinnedSpec), tools.Count);
        Assert.Contains(tools, t => t.Name == "auth0_roles_list");
        Assert.True(result.IsError is not true, Text(result));
        using var body = JsonDocument.Parse(Text(result));
        Assert.Equal(JsonValueKind.Array, body.RootElement.ValueKind);
    }

    [PackagingFact]
    public async Task GovernedHost_SqliteStorePackage_ListsAndCallsOnlyWhatWasApprovedAndAuditsIt()
    {
        var dir = feed.WriteConsumer("GovernedHost", new Dictionary<string, string>
        {
            ["GovernedHost.csproj"] = Project($"""
                <PackageReference Include="Auth0Mcp.Sdk" Version="$(PackageVersion)" />
                <PackageReference Include="Auth0Mcp.Governance.Sqlite" Version="$(PackageVersion)" />
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="{HostingVersion}" />
                """),
            // A host's governance in code: the store chosen with UseSqlite, the stdio caller named by the host.
            ["Program.cs"] = """
                using Auth0Mcp.ManagementApi;
                using Auth0Mcp.Sdk.Governance;
                using Microsoft.Extensions.DependencyInjection;
                using Microsoft.Extensions.Hosting;
                using Microsoft.Extensions.Logging;

                var db = Environment.GetEnvironmentVariable("GOVERNANCE_DB")!;
                if (args is ["approve", var tool])
                {
                    await using var store = new SqliteGovernanceStore(db);
                    var governance = new ToolGovernance(store);
                    await store.InitializeAsync();
                    await governance.SyncCatalogAsync(Auth0ToolCatalog.Descriptors, "owner", null);
                    await governance.ApproveAsync([tool], "owner");
                    await governance.CreateProfileAsync("readers", ["all-approved"], ["alice"], [], AccessPolicy.AutoApprove, null, "owner");
                    return 0;
                }

                var builder = Host.CreateApplicationBuilder(args);
                builder.Logging.ClearProviders();
                builder.Services.AddMcpServer()
                    .WithStdioServerTransport()
                    .WithAuth0ManagementTools(o =>
                    {
                        o.Token = Environment.GetEnvironmentVariable("AUTH0_TOKEN");
                        o.BaseUrl = new Uri(Environment.GetEnvironmentVariable("AUTH0_MCP_BASE_URL")!);
                    })
                    .WithToolGovernance(g =>
                    {
                        g.UseSqlite(db);
                        g.StdioIdentity = new CallerIdentity("alice", []);
                    });
                await builder.Build().RunAsync();
                return 0;
                """,
        });
        var dll = await feed.BuildAsync(dir, "GovernedHost");
        var db = Path.Combine(dir, "governance.db");
        var approve = await Processes.RunAsync("dotnet", [dll, "approve", "auth0_users_list"], env: new Dictionary<string, string?> { ["GOVERNANCE_DB"] = db });
        Assert.True(approve.ExitCode == 0, approve.ToString());

        using var api = new ScriptedApi(new() { ["GET /users"] = (200, """[{"user_id":"auth0|1"}]""") });
        await using var client = await ConnectAsync(dll, api.BaseUrl, new Dictionary<string, string?> { ["GOVERNANCE_DB"] = db });
        var tools = await client.ListToolsAsync();
        var listed = await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["per_page"] = 1 });
        var pending = await client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = "auth0|1" });

        Assert.Equal(["auth0_users_list"], tools.Select(t => t.Name));
        Assert.True(listed.IsError is not true, Text(listed));
        Assert.Contains("auth0|1", Text(listed), StringComparison.Ordinal);
        Assert.True(pending.IsError);
        Assert.Equal(["GET /users"], api.Requests.Select(r => r.Split(" | ")[0].Split('?')[0]));
        Assert.True(File.Exists(db + ".audit-checkpoints"), "the store sealed its audit beside the file");
    }

    [PackagingFact]
    public async Task GeneratorPackage_SmallSpec_GivesWorkingToolsAndClients()
    {
        var dir = feed.WriteConsumer("WidgetsHost", new Dictionary<string, string>
        {
            ["WidgetsHost.csproj"] = Project($"""
                <PackageReference Include="Auth0Mcp.Generators" Version="$(PackageVersion)" PrivateAssets="all" />
                <PackageReference Include="Auth0Mcp.Sdk" Version="$(PackageVersion)" />
                <PackageReference Include="Refit" Version="{RefitVersion}" />
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="{HostingVersion}" />
                """, """
                <Auth0SpecPath>openapi/widgets.json</Auth0SpecPath>
                <Auth0McpNamespace>Widgets.Api</Auth0McpNamespace>
                """),
            ["openapi/widgets.json"] = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "widgets.json")),
            ["Program.cs"] = """
                using Microsoft.Extensions.DependencyInjection;
                using Microsoft.Extensions.Hosting;
                using Microsoft.Extensions.Logging;
                using Refit;

                var baseUrl = new Uri(Environment.GetEnvironmentVariable("AUTH0_MCP_BASE_URL")!);
                if (args is ["refit", var id])
                {
                    // The generated Refit client on its own.
                    using var http = new HttpClient { BaseAddress = baseUrl };
                    http.DefaultRequestHeaders.Authorization = new("Bearer", Environment.GetEnvironmentVariable("AUTH0_TOKEN"));
                    var api = RestService.ForGenerated<Widgets.Api.Clients.IWidgetsApi>(http, Widgets.Api.Clients.Auth0ApiRefit.Settings);
                    var response = await api.GetAsync(id);
                    Console.WriteLine($"{response.StatusCode} {response.Content?.Id} {response.Content?.Name} {Widgets.Api.Auth0ToolCatalog.Descriptors.Count}");
                    return;
                }

                // The generated tools in an MCP host.
                var builder = Host.CreateApplicationBuilder(args);
                builder.Logging.ClearProviders();
                builder.Services.AddAuth0Connection(o =>
                {
                    o.Token = Environment.GetEnvironmentVariable("AUTH0_TOKEN");
                    o.BaseUrl = baseUrl;
                });
                builder.Services.AddMcpServer().WithStdioServerTransport().WithTools(Widgets.Api.Auth0ToolCatalog.CreateTools());
                await builder.Build().RunAsync();
                """,
        });
        var dll = await feed.BuildAsync(dir, "WidgetsHost");

        using var api = new ScriptedApi(new()
        {
            ["GET /widgets/w-1"] = (200, """{"id":"w-1","name":"Sprocket","size":3,"extra":"kept"}"""),
            ["POST /widgets"] = (201, """{"id":"w-2","name":"Gear"}"""),
        });
        var refit = await Processes.RunAsync("dotnet", [dll, "refit", "w-1"], env: new Dictionary<string, string?> { ["AUTH0_MCP_BASE_URL"] = api.BaseUrl.ToString(), ["AUTH0_TOKEN"] = Token });
        Assert.True(refit.ExitCode == 0, refit.ToString());
        Assert.Equal("OK w-1 Sprocket 3", refit.Stdout.Trim());

        await using var client = await ConnectAsync(dll, api.BaseUrl);
        var tools = await client.ListToolsAsync();
        var created = await client.CallToolAsync("auth0_widgets_create", new Dictionary<string, object?> { ["body"] = new Dictionary<string, object?> { ["name"] = "Gear" } });
        var got = await client.CallToolAsync("auth0_widgets_get", new Dictionary<string, object?> { ["id"] = "w-1" });
        var invalid = await client.CallToolAsync("auth0_widgets_create", new Dictionary<string, object?> { ["body"] = new Dictionary<string, object?> { ["name"] = "" } });

        Assert.Equal(["auth0_widgets_create", "auth0_widgets_get", "auth0_widgets_list"], tools.Select(t => t.Name).Order());
        Assert.True(created.IsError is not true, Text(created));
        Assert.Contains("\"w-2\"", Text(created));
        Assert.True(got.IsError is not true, Text(got));
        Assert.Contains("\"extra\":\"kept\"", Text(got).Replace(" ", "", StringComparison.Ordinal));
        Assert.True(invalid.IsError, "minLength 1 on body.name is enforced before any request");
        Assert.Equal(["GET /widgets/w-1", "POST /widgets", "GET /widgets/w-1"], api.Requests.Select(r => r.Split(" | ")[0]));
        Assert.All(api.Requests, r => Assert.EndsWith($"Bearer {Token}", r));
    }

    [PackagingFact]
    public async Task GeneratorPackage_RealSpecWithGroupsUsersAndRoles_GeneratesOnlyThoseTools()
    {
        var dir = feed.WriteConsumer("UsersRoles", new Dictionary<string, string>
        {
            ["UsersRoles.csproj"] = Project($"""
                <PackageReference Include="Auth0Mcp.Generators" Version="$(PackageVersion)" PrivateAssets="all" />
                <PackageReference Include="Auth0Mcp.Sdk" Version="$(PackageVersion)" />
                <PackageReference Include="Refit" Version="{RefitVersion}" />
                """, $"""
                <Auth0SpecPath>{Repo.PinnedSpec}</Auth0SpecPath>
                <Auth0SpecSha256>{Repo.PinProperty("Auth0SpecSha256")}</Auth0SpecSha256>
                <Auth0McpGroups>users;roles</Auth0McpGroups>
                <Auth0McpNamespace>Subset.Auth0</Auth0McpNamespace>
                """),
            ["Program.cs"] = """
                foreach (var tool in Subset.Auth0.Auth0ToolCatalog.Descriptors)
                {
                    Console.WriteLine($"{tool.Name} {tool.GroupName}");
                }

                // A client of the subset exists and is typed.
                Console.WriteLine(typeof(Subset.Auth0.Clients.IUsersApi).FullName);
                """,
        });
        var dll = await feed.BuildAsync(dir, "UsersRoles");

        var run = await Processes.RunAsync("dotnet", [dll]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("Subset.Auth0.Clients.IUsersApi", lines[^1]);
        var tools = lines[..^1];
        Assert.Equal(ToolCount(Repo.PinnedSpec, "users", "roles"), tools.Length);
        Assert.Equal(55, tools.Length); // 2026-06-25: 55 operations in the users and roles groups
        Assert.All(tools, t => Assert.Matches(@"^auth0_(users|roles)_\S+ (users|roles)(\.\S+)?$", t));
    }

    [PackagingFact]
    public async Task ServerTool_InstalledFromTheFeed_ListsTheCatalogueAndDiffsSpecs()
    {
        var toolPath = Path.Combine(feed.Root, "tool");
        var cwd = Directory.CreateTempSubdirectory("auth0mcp-tool-cwd-").FullName; // outside the consumers' nuget.config
        try
        {
            var install = await Processes.RunAsync(
                "dotnet",
                ["tool", "install", "Auth0Mcp.Server", "--tool-path", toolPath, "--version", feed.Version, "--add-source", feed.Feed],
                cwd,
                feed.Environment);
            Assert.True(install.ExitCode == 0, install.ToString());

            var exe = Path.Combine(toolPath, "auth0-mcp");
            var list = await Processes.RunAsync(exe, ["tools", "list", "--json"], cwd, feed.Environment);
            Assert.True(list.ExitCode == 0, list.ToString());
            using var tools = JsonDocument.Parse(list.Stdout);
            Assert.Equal(ToolCount(Repo.PinnedSpec), tools.RootElement.GetArrayLength());

            var diff = await Processes.RunAsync(exe, ["catalog", "diff", Repo.OlderSpec, Repo.PinnedSpec, "--json"], cwd, feed.Environment);
            Assert.True(diff.ExitCode == 0, diff.ToString());
            using var diffJson = JsonDocument.Parse(diff.Stdout);
            Assert.Equal(25, diffJson.RootElement.GetProperty("added").GetArrayLength());
        }
        finally
        {
            Directory.Delete(cwd, recursive: true);
        }
    }

    private static async Task<McpClient> ConnectAsync(string dll, Uri baseUrl, IDictionary<string, string?>? extra = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["AUTH0_MCP_BASE_URL"] = baseUrl.ToString().TrimEnd('/'),
            ["AUTH0_TOKEN"] = Token,
            ["AUTH0_DOMAIN"] = null,
            ["AUTH0_CLIENT_ID"] = null,
            ["AUTH0_CLIENT_SECRET"] = null,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        return await McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = Path.GetFileNameWithoutExtension(dll),
            Command = "dotnet",
            Arguments = [dll],
            EnvironmentVariables = environment,
        }));
    }

    private static string Project(string references, string properties = "") => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            {properties}
          </PropertyGroup>
          <ItemGroup>
            {references}
          </ItemGroup>
        </Project>
        """;

    /// <summary>The number of operations in a spec (optionally only those whose first x-operation-group segment is given).</summary>
    private static int ToolCount(string spec, params string[] groups)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(spec));
        var count = 0;
        foreach (var path in doc.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject().Where(o => o.Name is "get" or "put" or "post" or "delete" or "patch"))
            {
                var group = op.Value.TryGetProperty("x-operation-group", out var g)
                    ? g.ValueKind == JsonValueKind.Array ? g[0].GetString() : g.GetString()
                    : null;
                if (groups.Length == 0 || groups.Contains(group))
                {
                    count++;
                }
            }
        }

        return count;
    }

    private static List<string> Entries(string package)
    {
        Assert.True(File.Exists(package), $"{package} was not packed");
        using var zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    private static XDocument Nuspec(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    private static string? Meta(XDocument nuspec, string name) =>
        nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
}
