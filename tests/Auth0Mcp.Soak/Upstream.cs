using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Auth0Mcp.Soak;

/// <summary>
/// The scripted Auth0 stand-in: answers every request on 127.0.0.1, injecting faults at the given rate (429 with
/// reset headers, 5xx whose bodies quote secrets, connection resets, stalls) and planting known secrets in every
/// successful answer. It records the path and query of every request it received (that is what "executed" means).
/// </summary>
internal sealed class Upstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly double _faultRate;
    private readonly Random _random = new(1111);
    private readonly Lock _gate = new();

    private Upstream(WebApplication app, double faultRate)
    {
        _app = app;
        _faultRate = faultRate;
    }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Path and query of every request received.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    public ConcurrentDictionary<string, int> Faults { get; } = new(StringComparer.Ordinal);

    public static async Task<Upstream> StartAsync(double faultRate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var upstream = new Upstream(app, faultRate);
        app.Run(upstream.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        upstream.BaseUrl = new Uri(address);
        return upstream;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Received.Enqueue(context.Request.Path + context.Request.QueryString);
        double roll;
        lock (_gate)
        {
            roll = _random.NextDouble();
        }

        if (roll < _faultRate)
        {
            var kind = (int)(roll / _faultRate * 4);
            Faults.AddOrUpdate(Kinds[kind], 1, (_, n) => n + 1);
            switch (kind)
            {
                case 0:
                    context.Response.StatusCode = 429;
                    context.Response.Headers["X-RateLimit-Limit"] = "50";
                    context.Response.Headers["X-RateLimit-Remaining"] = "0";
                    context.Response.Headers["X-RateLimit-Reset"] = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                    context.Response.Headers.RetryAfter = "1";
                    await context.Response.WriteAsJsonAsync(new { statusCode = 429, error = "Too Many Requests", message = "Global limit has been reached" }).ConfigureAwait(false);
                    return;
                case 1:
                    context.Response.StatusCode = roll < _faultRate * 0.375 ? 500 : 502;
                    context.Response.ContentType = "text/html";
                    await context.Response.WriteAsync(Planted.ErrorPage, Encoding.UTF8).ConfigureAwait(false);
                    return;
                case 2:
                    context.Abort();
                    return;
                default:
                    // A stall: the answer comes, late.
                    await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted).ConfigureAwait(false);
                    break;
            }
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(context.Request.Method == "DELETE" ? "" : Planted.UsersBody, Encoding.UTF8).ConfigureAwait(false);
    }

    private static readonly string[] Kinds = ["429", "5xx", "reset", "stall"];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The secrets the upstream plants; none of them may appear in any client output, log or audit record.</summary>
internal static class Planted
{
    private static readonly string Run = Guid.NewGuid().ToString("N")[..12];

    public static readonly string Token = "soak-auth0-token-PLANTED" + Run;
    public static readonly string ClientSecret = "PLANTEDcs" + Run;
    public static readonly string AccessToken = "PLANTEDat" + Run;
    public static readonly string RefreshToken = "PLANTEDrt" + Run;
    public static readonly string SasKey = "PLANTEDsas" + Run;
    public static readonly string SplunkToken = "PLANTEDsplunk" + Run;
    public static readonly string PemBody = "MIIEvgIBADANPLANTEDpem" + Run;
    public static readonly string JwtSignature = "PLANTEDjwtsig" + Run + "abcdefgh";
    public static readonly string NoteSecret = "PLANTEDnote" + Run;
    public static readonly string ErrorSecret = "PLANTEDerr" + Run;
    public static readonly string ErrorPassword = "PLANTEDpw" + Run;
    public static readonly string ErrorHtmlSecret = "PLANTEDhtml" + Run;

    public static IReadOnlyList<string> All =>
    [
        Token, ClientSecret, AccessToken, RefreshToken, SasKey, SplunkToken, PemBody, JwtSignature, NoteSecret, ErrorSecret,
        ErrorPassword, ErrorHtmlSecret,
    ];

    /// <summary>Two users: the first with user_metadata nested 80 deep, the second with secrets in odd places.</summary>
    public static readonly string UsersBody =
        "[{\"user_id\":\"auth0|deep\",\"email\":\"deep@example.com\",\"user_metadata\":" + Deep(80) + ","
        + "\"identities\":[{\"provider\":\"google-oauth2\",\"access_token\":\"" + AccessToken + "\",\"refresh_token\":\"" + RefreshToken + "\"}]},"
        + "{\"user_id\":\"auth0|odd\",\"app_metadata\":{\"sasKey\":\"" + SasKey + "\",\"splunkToken\":\"" + SplunkToken + "\",\"clientSecret\":\"" + ClientSecret + "\","
        + "\"note\":\"rotated: client_secret=" + NoteSecret + "\"},"
        + "\"signingKey\":{\"key\":\"-----BEGIN PRIVATE KEY-----\\n" + PemBody + "\\n-----END PRIVATE KEY-----\\n\"},"
        + "\"last_seen_with\":\"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhdXRoMHxvZGQifQ." + JwtSignature + "\"}]";

    public static readonly string ErrorPage =
        "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><pre>upstream said: "
        + "{\"error\":\"invalid_client\",\"client_secret\":\"" + ErrorHtmlSecret + "\"} while posting client_secret=" + ErrorSecret
        + "&amp;password: " + ErrorPassword + "</pre></body></html>";

    private static string Deep(int depth) => string.Concat(Enumerable.Repeat("{\"n\":", depth)) + "1" + new string('}', depth);
}
