using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Http;
using Auth0Mcp.Sdk.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>The connection under test: the real DI registration pointed at a <see cref="ScriptedAuth0Server"/>.</summary>
internal sealed class Harness : IAsyncDisposable
{
    public const string ClientId = "client-abc";
    public const string ClientSecret = "cs-SECRET-0a1b2c3d4e5f6a7b8c9d";
    public const string StaticToken = "st-TOKEN-9f8e7d6c5b4a39281706";

    private Harness(ScriptedAuth0Server server, ServiceProvider services)
    {
        Server = server;
        Services = services;
    }

    public ScriptedAuth0Server Server { get; }

    public ServiceProvider Services { get; }

    public RecordingEvents Events => (RecordingEvents)Services.GetRequiredService<IAuth0CredentialEvents>();

    public Auth0CredentialStore Store => Services.GetRequiredService<Auth0CredentialStore>();

    public static Task<Harness> StaticAsync(Action<Auth0ConnectionOptions>? configure = null, string token = StaticToken) =>
        StartAsync(o =>
        {
            o.Token = token;
            configure?.Invoke(o);
        });

    public static Task<Harness> ClientCredentialsAsync(Action<Auth0ConnectionOptions>? configure = null, TimeProvider? time = null) =>
        StartAsync(
            o =>
            {
                o.ClientId = ClientId;
                o.ClientSecret = ClientSecret;
                configure?.Invoke(o);
            },
            time);

    public static async Task<Harness> StartAsync(Action<Auth0ConnectionOptions> configure, TimeProvider? time = null, Action<IServiceCollection>? more = null)
    {
        var server = await ScriptedAuth0Server.StartAsync();
        var services = new ServiceCollection();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddSingleton<IAuth0CredentialEvents, RecordingEvents>();
        services.AddAuth0Connection(o =>
        {
            o.Domain = "tenant.example";
            o.BaseUrl = server.ApiBase;
            o.TokenEndpoint = server.TokenEndpoint;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
            o.AttemptTimeout = TimeSpan.FromSeconds(5);
            o.RetryBudget = TimeSpan.FromSeconds(10);
            configure(o);
        });
        more?.Invoke(services);
        return new Harness(server, services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
    }

    /// <summary>Answers the token endpoint with a fresh JWT per request granting <paramref name="scopes"/>.</summary>
    public void IssueTokens(int expiresIn = 86400, params string[] scopes)
    {
        var granted = scopes.Length == 0 ? new[] { "read:users", "create:users" } : scopes;
        Server.Token = (ctx, n) => ScriptedAuth0Server.Json(ctx, 200, TestTokens.TokenResponse(TestTokens.Jwt(granted, DateTimeOffset.UtcNow.AddSeconds(expiresIn), "t" + n), expiresIn));
    }

    public async Task<CallToolResult> CallAsync(Auth0ApiTool tool, CancellationToken cancellationToken = default, IProgress<ProgressNotificationValue>? progress = null) =>
        await tool.InvokeAsync(TestTool.DefaultArguments(tool), Services, progress, cancellationToken);

    public async Task<CallToolResult> CallAsync(Auth0ApiTool tool, string arguments, CancellationToken cancellationToken = default) =>
        await tool.InvokeAsync(TestTool.Args(arguments), Services, null, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>Collects credential events (as the audit log would).</summary>
internal sealed class RecordingEvents : IAuth0CredentialEvents
{
    public System.Collections.Concurrent.ConcurrentQueue<object> All { get; } = new();

    public void CredentialRotated(Auth0CredentialRotation rotation) => All.Enqueue(rotation);

    public void TokenIssued(Auth0TokenIssued issued) => All.Enqueue(issued);

    public void TokenRequestFailed(Auth0TokenFailure failure) => All.Enqueue(failure);
}

/// <summary>Collects progress reports synchronously.</summary>
internal sealed class ProgressLog : IProgress<ProgressNotificationValue>
{
    public System.Collections.Concurrent.ConcurrentQueue<ProgressNotificationValue> Reports { get; } = new();

    public void Report(ProgressNotificationValue value) => Reports.Enqueue(value);
}

internal static class ResultText
{
    public static string Text(this CallToolResult result) =>
        string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text));
}
