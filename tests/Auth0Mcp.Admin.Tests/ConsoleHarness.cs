using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Server;
using Auth0Mcp.Server.Http;
using Auth0Mcp.Server.Tests.Http;
using Auth0Mcp.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Auth0Mcp.Admin.Tests;

/// <summary>
/// Debian's headless Chromium (<c>apt-get install -y chromium</c>; no browser download) driven by Playwright for .NET,
/// one browser for a test collection. <c>AUTH0_MCP_CHROMIUM</c> overrides the executable.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public static string Executable => Environment.GetEnvironmentVariable("AUTH0_MCP_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"Chromium not found at {Executable}: install Debian's package (apt-get install -y chromium) or set AUTH0_MCP_CHROMIUM.");
        }

        Assertions.SetDefaultExpectTimeout((float)ActionTimeout.TotalMilliseconds / 4);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            // Root in CI containers: Chromium's sandbox needs user namespaces it often does not have there.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>How long a browser action or navigation may take before it fails: generous, because CI runs the test
    /// assemblies side by side on two cores, and Playwright's default (30 s) once failed a page there.</summary>
    public static readonly TimeSpan ActionTimeout = TimeSpan.FromSeconds(120);

    /// <summary>A fresh browser context (its own cookies) whose pages use <see cref="ActionTimeout"/>.</summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions? options = null)
    {
        var context = await Browser.NewContextAsync(options);
        context.SetDefaultTimeout((float)ActionTimeout.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)ActionTimeout.TotalMilliseconds);
        return context;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<PrismFixture>, ICollectionFixture<ChromiumFixture>
{
    public const string Name = "admin-console";
}

/// <summary>
/// The real HTTP host (<c>serve --http</c> with <c>AUTH0_MCP_ADMIN=on</c>) in this process on a free loopback port,
/// with a temp store, API keys for the admin, alice and bob, and Auth0 calls going to Prism.
/// </summary>
internal sealed class ConsoleServer : IAsyncDisposable
{
    public const string AdminKey = "admin-key-0123456789abcdef";
    public const string AliceKey = "alice-key-0123456789abcdef";
    public const string BobKey = "bob-key-0123456789abcdef01";

    private ConsoleServer(TempGovernance governance, InProcessServer server)
    {
        Governance = governance;
        Server = server;
    }

    public TempGovernance Governance { get; }

    public InProcessServer Server { get; }

    /// <summary>The console's address, e.g. http://127.0.0.1:PORT/admin.</summary>
    public string Admin => $"{Server.Url.GetLeftPart(UriPartial.Authority)}/admin";

    /// <summary>
    /// Starts the host; <paramref name="config"/>, when given, is its settings file (AUTH0_MCP_CONFIG); <paramref name="services"/>
    /// runs last on its services. Returns once the console has read the audit (it does in the background after start:
    /// <see cref="AdminStartup"/>), so that a test's records follow the start's, unless <paramref name="waitForIndex"/> is false.
    /// </summary>
    public static async Task<ConsoleServer> StartAsync(Uri auth0, string? config = null, Action<IServiceCollection>? services = null, bool waitForIndex = true)
    {
        var governance = new TempGovernance();
        string? configFile = null;
        if (config is not null)
        {
            configFile = Path.Combine(Path.GetDirectoryName(governance.Store) ?? Path.GetTempPath(), "auth0-mcp.json");
            await File.WriteAllTextAsync(configFile, config);
        }

        var settings = Settings.Load(new Dictionary<string, string?>
        {
            ["AUTH0_MCP_CONFIG"] = configFile,
            ["AUTH0_MCP_BASE_URL"] = auth0.ToString().TrimEnd('/'),
            ["AUTH0_TOKEN"] = "test-token-admin-console",
            ["AUTH0_MCP_STORE"] = governance.Store,
            ["AUTH0_MCP_API_KEYS"] = $"{AdminKey}=admin:admins;{AliceKey}=alice:support;{BobKey}=bob:support,admins-not",
            ["AUTH0_MCP_ADMIN"] = "on",
            ["AUTH0_MCP_ADMIN_GROUPS"] = "admins",
        }, "--http", "http://127.0.0.1:0/mcp");
        var server = new ConsoleServer(governance, await InProcessServer.StartAsync(settings, services));
        try
        {
            if (waitForIndex)
            {
                await IndexedAsync(server.Server.App.Services);
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Waits (a minute at most) until the console of <paramref name="services"/> has read the audit and recorded its tool versions.</summary>
    public static Task IndexedAsync(IServiceProvider services) =>
        services.GetRequiredService<AuditIndex>().Ready.WaitAsync(TimeSpan.FromMinutes(1));

    /// <summary>The stored governance state, read as the CLI reads it.</summary>
    public async Task<GovernanceState> StateAsync()
    {
        await using var store = GovernanceStores.Open(Governance.Store);
        return await store.LoadStateAsync();
    }

    /// <summary>Every audit record, read from the store.</summary>
    public async Task<List<AuditRecord>> AuditAsync()
    {
        await using var store = GovernanceStores.Open(Governance.Store);
        var records = new List<AuditRecord>();
        await foreach (var row in store.ReadAuditAsync())
        {
            records.Add(AuditChain.Read(row));
        }

        return records;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Governance.Dispose();
    }
}

/// <summary>Browser steps the tests share.</summary>
internal static partial class ConsolePages
{
    /// <summary>Signs in with an API key on the sign-in page (reached by opening <paramref name="admin"/>).</summary>
    public static async Task SignInAsync(IPage page, string admin, string key)
    {
        await page.GotoAsync(admin);
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // The click submits the form; waiting for the page's load after it raced with that navigation (a wait begun
        // after the load never ended: two CI failures, at 30 and 120 s). The URL is awaited instead, with retries.
        try
        {
            await Assertions.Expect(page).Not.ToHaveURLAsync(SignInPage());
        }
        catch (PlaywrightException)
        {
            Assert.Fail($"sign-in failed at {page.Url}: {await page.ContentAsync()}");
        }
    }

    [GeneratedRegex("/admin/signin")]
    private static partial Regex SignInPage();

    /// <summary>Saves a full-page screenshot as a test artifact (artifacts/admin-screenshots) and, with AUTH0_MCP_DOCS_SCREENSHOTS=1, into docs/admin.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var artifacts = Path.Combine(Repo.Root, "artifacts", "admin-screenshots");
        Directory.CreateDirectory(artifacts);
        var file = Path.Combine(artifacts, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = false });
        if (Environment.GetEnvironmentVariable("AUTH0_MCP_DOCS_SCREENSHOTS") == "1")
        {
            var docs = Path.Combine(Repo.Root, "docs", "admin");
            Directory.CreateDirectory(docs);
            File.Copy(file, Path.Combine(docs, name + ".png"), overwrite: true);
        }
    }
}

/// <summary>alice-client.cjs: an MCP TypeScript SDK client that stays connected and answers commands, one JSON line each.</summary>
internal sealed class McpUser : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringWriter _stderr = new();

    private McpUser(Process process) => _process = process;

    public static async Task<McpUser> ConnectAsync(Uri mcp, string apiKey)
    {
        await Peers.EnsureInstalledAsync();
        var psi = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "alice-client.cjs"));
        psi.ArgumentList.Add(mcp.ToString());
        psi.Environment["MCP_HEADERS"] = JsonSerializer.Serialize(new Dictionary<string, string> { ["X-API-Key"] = apiKey });
        psi.Environment["PEERS_DIR"] = Peers.Dir;
        var user = new McpUser(Process.Start(psi)!);
        _ = Task.Run(async () => user._stderr.Write(await user._process.StandardError.ReadToEndAsync()));
        var first = await user.ReadAsync(TimeSpan.FromSeconds(60));
        Assert.True(first.GetProperty("step").GetString() == "connected", first.ToString());
        return user;
    }

    /// <summary>Sends one command and returns its JSON answer.</summary>
    public async Task<JsonElement> SendAsync(string command, TimeSpan? timeout = null)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        var answer = await ReadAsync(timeout ?? TimeSpan.FromSeconds(60));
        Assert.False(answer.GetProperty("step").GetString() == "error", $"{command}: {answer}");
        return answer;
    }

    public async Task<List<string>> ListAsync() =>
        (await SendAsync("list")).GetProperty("tools").EnumerateArray().Select(t => t.GetString()!).ToList();

    private async Task<JsonElement> ReadAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var line = await _process.StandardOutput.ReadLineAsync(cts.Token)
            ?? throw new InvalidOperationException($"alice-client.cjs ended: {_stderr}");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await _process.StandardInput.WriteLineAsync("quit");
                await _process.StandardInput.FlushAsync();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}

/// <summary><c>auth0-mcp admin</c>'s host (the console alone on a store) in this process, started on a free port.</summary>
internal sealed class AdminApp : IAsyncDisposable
{
    private readonly Microsoft.AspNetCore.Builder.WebApplication _app;

    private AdminApp(Microsoft.AspNetCore.Builder.WebApplication app) => _app = app;

    /// <summary>The console's address, e.g. http://127.0.0.1:PORT/admin.</summary>
    public string Admin => AdminServe.ConsoleUrls(_app)[0];

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the console on <paramref name="store"/> with the given environment (AUTH0_MCP_STORE is set from it).</summary>
    public static async Task<AdminApp> StartAsync(string store, Dictionary<string, string?> env, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        env["AUTH0_MCP_STORE"] = store;
        var settings = HostConfiguration.Load(["--http", "http://127.0.0.1:0"], name => env.GetValueOrDefault(name), adminOnly: true);
        var admin = new AdminApp(AdminServe.Build(settings, services));
        await admin._app.StartAsync();
        await ConsoleServer.IndexedAsync(admin.Services);
        return admin;
    }

    /// <summary>
    /// A console whose sign-in is OIDC against https://idp.test.invalid/, administrators in group <c>admins</c>; the
    /// authority's metadata is given instead of fetched (no network identity provider in tests).
    /// </summary>
    public static Task<AdminApp> StartWithOidcAsync(string store) =>
        StartAsync(store, new()
        {
            ["AUTH0_MCP_ADMIN_GROUPS"] = "admins",
            ["AUTH0_MCP_OIDC_AUTHORITY"] = "https://idp.test.invalid/",
            ["AUTH0_MCP_ADMIN_CLIENT_ID"] = "console-client",
        }, services => services.Configure<Microsoft.AspNetCore.Authentication.OpenIdConnect.OpenIdConnectOptions>(AdminAuthentication.OidcScheme, o =>
            o.Configuration = new Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectConfiguration { Issuer = "https://idp.test.invalid/", AuthorizationEndpoint = "https://idp.test.invalid/authorize", TokenEndpoint = "https://idp.test.invalid/oauth/token" }));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}

/// <summary>A cookie-keeping HTTP client that follows no redirect, as a browser's session would carry the cookies (no Chromium).</summary>
internal sealed partial class HttpBrowser : IDisposable
{
    private readonly CookieContainer _cookies = new();
    private readonly HttpClient _http;

    public HttpBrowser() => _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = _cookies });

    public Task<HttpResponseMessage> GetAsync(string url) => _http.GetAsync(url);

    /// <summary>The value of the cookie <paramref name="name"/> this browser sends to <paramref name="url"/> (null: none).</summary>
    public string? Cookie(string url, string name) => _cookies.GetCookies(new Uri(url)).FirstOrDefault(c => c.Name == name)?.Value;

    /// <summary>Sets a cookie for the path <c>/admin</c> of <paramref name="url"/>'s host, as a page on another port of that host can.</summary>
    public void PlantCookie(string url, string name, string value) => _cookies.Add(new System.Net.Cookie(name, value, "/admin", new Uri(url).Host));

    /// <summary>The page at <paramref name="url"/> as HTML; fails unless it answers 200.</summary>
    public async Task<string> PageAsync(string url)
    {
        using var response = await _http.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {html}");
        return html;
    }

    /// <summary>Posts <paramref name="fields"/> with the antiforgery token of the form in <paramref name="page"/> (and <paramref name="headers"/>).</summary>
    public Task<HttpResponseMessage> PostAsync(string url, string page, Dictionary<string, string> fields, Dictionary<string, string>? headers = null)
    {
        var match = AntiforgeryField().Match(page);
        Assert.True(match.Success, "no antiforgery token on the page");
        fields["__af"] = WebUtility.HtmlDecode(match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value);
        return PostWithoutTokenAsync(url, fields, headers);
    }

    /// <summary>Posts <paramref name="fields"/> as they are, with the session's cookies: no antiforgery token unless among them (a form from another site).</summary>
    public async Task<HttpResponseMessage> PostWithoutTokenAsync(string url, Dictionary<string, string> fields, Dictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.Add(name, value);
        }

        return await _http.SendAsync(request);
    }

    /// <summary>Signs in with an API key on the sign-in page of the console at <paramref name="admin"/>.</summary>
    public async Task SignInAsync(string admin, string key)
    {
        using var form = await GetAsync(admin + "/signin");
        using var response = await PostAsync(admin + "/signin", await form.Content.ReadAsStringAsync(), new() { ["key"] = key });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex(@"name=""__af""[^>]*value=""([^""]+)""|value=""([^""]+)""[^>]*name=""__af""")]
    private static partial Regex AntiforgeryField();
}
