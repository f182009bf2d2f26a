using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.Options;

namespace Auth0Mcp.Sdk.Auth;

/// <summary>
/// The default <see cref="IAuth0TokenProvider"/>. For a static token it returns the configured token (refusing an
/// expired JWT up front). For client credentials it obtains tokens at the token endpoint, caches them per
/// credential version, renews them before expiry, and runs one renewal at a time however many calls wait.
/// </summary>
internal sealed class Auth0TokenProvider : IAuth0TokenProvider
{
    /// <summary>The <see cref="IHttpClientFactory"/> client used for the token endpoint.</summary>
    public const string TokenClientName = "Auth0Mcp.Token";

    /// <summary>
    /// The most of a token endpoint's answer that is read (64 KiB; Auth0's answers are a few kilobytes). A longer
    /// answer is refused unread, whatever its status: memory stays bounded whatever the endpoint (or a proxy) sends.
    /// </summary>
    internal const int MaxTokenResponseBytes = 64 * 1024;

    /// <summary>
    /// The longest lifetime a token's <c>expires_in</c> is taken for: 30 days (2,592,000 s), the longest Auth0 lets an
    /// API's access tokens live. A larger value is read as 30 days (a token Auth0 refuses before then is renewed after
    /// its 401, as any other).
    /// </summary>
    internal static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromDays(30);

    private static readonly SearchValues<char> BearerTokenCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");

    private static readonly TimeSpan BackgroundRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a failed token request answers for the same credential: one call asks the token endpoint once (its
    /// scope check and its request would otherwise each ask), and callers right behind it do not ask again.
    /// </summary>
    private static readonly TimeSpan FailureMemory = TimeSpan.FromSeconds(2);

    /// <summary>How long 401 answers stop renewing the token after a token renewed for a 401 was refused too.</summary>
    private static readonly TimeSpan RejectedBackoff = TimeSpan.FromSeconds(60);

    /// <summary>How old a token must be before a call its scopes refuse renews it to see newly granted scopes.</summary>
    private static readonly TimeSpan StaleScopesAge = TimeSpan.FromMinutes(5);

    private readonly Auth0CredentialStore _store;
    private readonly IHttpClientFactory _http;
    private readonly IOptionsMonitor<Auth0ConnectionOptions> _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private Auth0AccessToken? _cached;
    private Auth0AccessToken? _static;
    private Task<Auth0AccessToken>? _renewal;
    private long _renewalVersion;
    private int _requests;
    private long _backgroundRetryAfterTicks;
    private (long Version, string Message, string? Warning, DateTimeOffset Until)? _failure;
    private string? _renewedFor401;
    private (long Version, DateTimeOffset Until)? _rejected;

    /// <summary>Creates the provider.</summary>
    public Auth0TokenProvider(Auth0CredentialStore store, IHttpClientFactory http, IOptionsMonitor<Auth0ConnectionOptions> options, TimeProvider time)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public Auth0CredentialKind Kind => _store.Current.Kind;

    /// <summary>How many token requests were sent (for diagnostics and tests).</summary>
    public int TokenRequestCount => Volatile.Read(ref _requests);

    /// <inheritdoc />
    public async ValueTask<Auth0AccessToken> GetTokenAsync(CancellationToken cancellationToken)
    {
        var credential = _store.Current;
        switch (credential.Kind)
        {
            case Auth0CredentialKind.StaticToken:
                return GetStatic(credential);
            case Auth0CredentialKind.ClientCredentials:
                break;
            default:
                throw credential.ClientId is not null
                    ? new Auth0CredentialException(
                        "The Auth0 client credentials are incomplete: a client id is set, but no client secret (set AUTH0_CLIENT_SECRET, or AUTH0_TOKEN; in a host of your own: Auth0ConnectionOptions.ClientSecret, or Token).",
                        "the Auth0 client credentials are incomplete (a client id, no client secret: AUTH0_CLIENT_SECRET)")
                    : credential.ClientSecret is not null
                    ? new Auth0CredentialException(
                        "The Auth0 client credentials are incomplete: a client secret is set, but no client id (set AUTH0_CLIENT_ID, or AUTH0_TOKEN; in a host of your own: Auth0ConnectionOptions.ClientId, or Token).",
                        "the Auth0 client credentials are incomplete (a client secret, no client id: AUTH0_CLIENT_ID)")
                    : new Auth0CredentialException(
                        "No Auth0 credential is configured: set AUTH0_TOKEN, or AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (in a host of your own: Auth0ConnectionOptions.Token, or Domain, ClientId and ClientSecret).",
                        "no Auth0 credential is configured (AUTH0_TOKEN, or AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET)");
        }

        var now = _time.GetUtcNow();
        var cached = Volatile.Read(ref _cached);
        if (cached is not null && cached.CredentialVersion == credential.Version && !cached.IsExpired(now))
        {
            if (now >= RenewAt(cached) && !Within(now, new DateTimeOffset(Volatile.Read(ref _backgroundRetryAfterTicks), TimeSpan.Zero), BackgroundRetryDelay))
            {
                // Still valid: renew in the background and answer with the current token at once.
                _ = StartRenewal(credential);
            }

            return cached;
        }

        lock (_gate)
        {
            if (_failure is { } failure && failure.Version == credential.Version && Within(now, failure.Until, FailureMemory) && _renewal is null)
            {
                throw new Auth0CredentialException(failure.Message, failure.Warning);
            }
        }

        return await StartRenewal(credential).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The client-credentials token in hand for the current credential, when it is still valid; never contacts Auth0
    /// (discovery reads its scopes).
    /// </summary>
    internal Auth0AccessToken? CachedToken()
    {
        var credential = _store.Current;
        var cached = Volatile.Read(ref _cached);
        return credential.Kind == Auth0CredentialKind.ClientCredentials && cached is not null
            && cached.CredentialVersion == credential.Version && !cached.IsExpired(_time.GetUtcNow()) ? cached : null;
    }

    /// <summary>
    /// A renewed client-credentials token when the one in hand is older than a few minutes, for a call its scopes
    /// refuse: scopes granted in Auth0 since it was issued apply without waiting for its expiry. Null when it is
    /// younger (so a refused tool does not renew it on every call), or for a static token. The token in hand stays
    /// in use until the renewed one arrives, and stays in use when the renewal fails (a 429 or 5xx of the token
    /// endpoint): it is still valid, and only a 401 from the API (<see cref="RefreshAsync"/>) discards it.
    /// </summary>
    internal async ValueTask<Auth0AccessToken?> RenewStaleAsync(CancellationToken cancellationToken)
    {
        if (CachedToken() is not { } cached || _time.GetUtcNow() - cached.ObtainedAt < StaleScopesAge)
        {
            return null;
        }

        return await ReplaceAsync(cached, keepCached: true, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<Auth0AccessToken?> RefreshAsync(Auth0AccessToken rejected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        var credential = _store.Current;
        if (credential.Kind == Auth0CredentialKind.StaticToken)
        {
            var current = GetStatic(credential);
            return string.Equals(current.Value, rejected.Value, StringComparison.Ordinal) ? null : current;
        }

        if (credential.Kind != Auth0CredentialKind.ClientCredentials)
        {
            return null;
        }

        lock (_gate)
        {
            // A token renewed because of a 401 was refused too, within a minute: Auth0 refuses this credential's tokens (the application
            // lost its grant, or the API is misconfigured), and renewing on every call would spend the tenant's monthly
            // M2M token quota. The 401 is the answer until the backoff ends or the credential is rotated.
            var now = _time.GetUtcNow();
            if (string.Equals(_renewedFor401, rejected.Value, StringComparison.Ordinal) && now - rejected.ObtainedAt < RejectedBackoff)
            {
                _rejected = (credential.Version, now + RejectedBackoff);
            }

            if (_rejected is { } backoff && backoff.Version == credential.Version && Within(now, backoff.Until, RejectedBackoff))
            {
                return null;
            }
        }

        // Auth0 refused the token: it is discarded, so that no call sends it again while the renewal runs or after it failed.
        var renewed = await ReplaceAsync(rejected, keepCached: false, cancellationToken).ConfigureAwait(false);
        if (renewed is not null)
        {
            lock (_gate)
            {
                _renewedFor401 = renewed.Value;
            }
        }

        return renewed;
    }

    /// <summary>
    /// A token other than <paramref name="replaced"/> for the current credential (one renewal however many ask), or null.
    /// <paramref name="keepCached"/>: the cached token stays in use while the renewal runs and when it fails (it is
    /// valid, only older than wanted); otherwise it is discarded at once (Auth0 refused it).
    /// </summary>
    private async ValueTask<Auth0AccessToken?> ReplaceAsync(Auth0AccessToken replaced, bool keepCached, CancellationToken cancellationToken)
    {
        var credential = _store.Current;
        Task<Auth0AccessToken> renewal;
        lock (_gate)
        {
            var cached = _cached;
            if (cached is not null && cached.CredentialVersion == credential.Version
                && !string.Equals(cached.Value, replaced.Value, StringComparison.Ordinal))
            {
                // Another call already renewed (or a rotation replaced) the token.
                return cached;
            }

            if (_renewal is not null && _renewalVersion == credential.Version)
            {
                renewal = _renewal;
            }
            else
            {
                if (!keepCached)
                {
                    _cached = null;
                }

                renewal = StartRenewalLocked(credential);
            }
        }

        var renewed = await renewal.WaitAsync(cancellationToken).ConfigureAwait(false);
        return string.Equals(renewed.Value, replaced.Value, StringComparison.Ordinal) ? null : renewed;
    }

    private Auth0AccessToken GetStatic(Auth0CredentialSnapshot credential)
    {
        var token = Volatile.Read(ref _static);
        if (token is null || token.CredentialVersion != credential.Version)
        {
            token = new Auth0AccessToken(credential.Token!, Auth0CredentialKind.StaticToken, credential.Version, credential.Since, null);
            Volatile.Write(ref _static, token);
        }

        var now = _time.GetUtcNow();
        if (token.IsExpired(now))
        {
            var expired = token.ExpiresAt!.Value.ToString("u", CultureInfo.InvariantCulture);
            throw new Auth0CredentialException(
                $"The configured AUTH0_TOKEN expired at {expired}: set a new token (auth0-mcp credentials rotate) or use client credentials, which renew themselves.",
                $"the configured Auth0 token (AUTH0_TOKEN) expired at {expired}");
        }

        return token;
    }

    private DateTimeOffset RenewAt(Auth0AccessToken token)
    {
        if (token.ExpiresAt is not { } expires)
        {
            return DateTimeOffset.MaxValue;
        }

        var lifetime = expires - token.ObtainedAt;
        var margin = _options.CurrentValue.TokenRefreshMargin;
        if (margin > lifetime / 2)
        {
            margin = lifetime / 2;
        }

        return expires - margin;
    }

    private Task<Auth0AccessToken> StartRenewal(Auth0CredentialSnapshot credential)
    {
        lock (_gate)
        {
            var cached = _cached;
            if (cached is not null && cached.CredentialVersion == credential.Version && _time.GetUtcNow() < RenewAt(cached))
            {
                return Task.FromResult(cached);
            }

            return _renewal is not null && _renewalVersion == credential.Version ? _renewal : StartRenewalLocked(credential);
        }
    }

    private Task<Auth0AccessToken> StartRenewalLocked(Auth0CredentialSnapshot credential)
    {
        _renewalVersion = credential.Version;

        // The renewal belongs to no single caller: one caller's cancellation must not fail the others.
        var task = RequestTokenAsync(credential);
        _renewal = task;
        _ = task.ContinueWith(
            t =>
            {
                // Observe a failed renewal. While the cached token is valid, wait a little before trying in the
                // background again, so that a failing token endpoint is not asked on every call.
                _ = t.Exception;
                lock (_gate)
                {
                    Volatile.Write(ref _backgroundRetryAfterTicks, t.IsCompletedSuccessfully ? 0 : (_time.GetUtcNow() + BackgroundRetryDelay).UtcTicks);
                    _failure = t.Exception?.InnerException is Auth0CredentialException failed
                        ? (credential.Version, failed.Message, failed.Warning, _time.GetUtcNow() + FailureMemory)
                        : null;

                    if (t.IsCompletedSuccessfully && (_cached is null || _cached.CredentialVersion <= t.Result.CredentialVersion))
                    {
                        _cached = t.Result;
                    }

                    if (ReferenceEquals(_renewal, t))
                    {
                        _renewal = null;
                    }
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }

    private async Task<Auth0AccessToken> RequestTokenAsync(Auth0CredentialSnapshot credential)
    {
        await Task.Yield();
        var options = _options.CurrentValue;
        Interlocked.Increment(ref _requests);
        var obtainedAt = _time.GetUtcNow();
        try
        {
            Uri endpoint;
            string audience;
            try
            {
                endpoint = options.GetTokenEndpoint();
                audience = options.GetAudience();
            }
            catch (InvalidOperationException ex)
            {
                throw new Auth0CredentialException("Client credentials need the tenant: " + ex.Message);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
            {
                Content = new FormUrlEncodedContent(
                [
                    new("grant_type", "client_credentials"),
                    new("client_id", credential.ClientId!),
                    new("client_secret", credential.ClientSecret!),
                    new("audience", audience),
                ]),
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

            using var timeout = new CancellationTokenSource(options.TokenRequestTimeout, _time);
            var client = _http.CreateClient(TokenClientName);
            HttpResponseMessage response;
            try
            {
                // Headers only: the body is read below, at most MaxTokenResponseBytes of it.
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new Auth0CredentialException(
                    string.Create(CultureInfo.InvariantCulture, $"Could not obtain an Auth0 access token (the token endpoint {endpoint.GetLeftPart(UriPartial.Path)} did not answer within {options.TokenRequestTimeout.TotalSeconds:0.#} s)."));
            }
            catch (HttpRequestException ex)
            {
                throw new Auth0CredentialException(
                    $"Could not obtain an Auth0 access token (the token endpoint {endpoint.GetLeftPart(UriPartial.Path)} could not be reached, {ex.HttpRequestError}).");
            }

            using (response)
            {
                ReadOnlyMemory<byte>? read;
                try
                {
                    read = await ReadBoundedAsync(response.Content, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    throw new Auth0CredentialException(
                        string.Create(CultureInfo.InvariantCulture, $"Could not obtain an Auth0 access token (the token endpoint {endpoint.GetLeftPart(UriPartial.Path)} did not finish its answer within {options.TokenRequestTimeout.TotalSeconds:0.#} s)."));
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    throw new Auth0CredentialException(
                        $"Could not obtain an Auth0 access token (the token endpoint {endpoint.GetLeftPart(UriPartial.Path)} broke off its answer, {(ex as HttpRequestException)?.HttpRequestError.ToString() ?? ex.GetType().Name}).");
                }

                if (read is not { } body)
                {
                    throw new Auth0CredentialException(DescribeTooLarge(response.StatusCode, response.Content.Headers.ContentLength, endpoint));
                }

                if (!response.IsSuccessStatusCode)
                {
                    // Refused (401, 403): every call meets it until the credential changes. Not Auth0's words (its
                    // answer stays in the call's result), only the status.
                    throw new Auth0CredentialException(
                        DescribeTokenError(response.StatusCode, body, endpoint),
                        response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                            ? $"Auth0's token endpoint refused the client credentials of client {credential.ClientId} ({(int)response.StatusCode} {response.StatusCode})"
                            : null);
                }

                var token = ParseToken(body, credential, obtainedAt);
                _store.RaiseIssued(new Auth0TokenIssued(credential.Version, credential.ClientId, token.ExpiresAt, token.Scopes?.Count, obtainedAt));
                return token;
            }
        }
        catch (Auth0CredentialException ex)
        {
            _store.RaiseFailed(new Auth0TokenFailure(credential.Version, credential.ClientId, ex.Message, _time.GetUtcNow()));
            throw;
        }
    }

    /// <summary>
    /// The answer's body, or null when it is longer than <see cref="MaxTokenResponseBytes"/>: then no more than one
    /// byte past the limit is read (nothing when its Content-Length says so up front).
    /// </summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var declared = content.Headers.ContentLength;
        if (declared > MaxTokenResponseBytes)
        {
            return null;
        }

        // One byte more than may be kept, to tell an answer of exactly the limit from a longer one.
        var buffer = new byte[(declared ?? MaxTokenResponseBytes) + 1];
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            ReadOnlyMemory<byte> body = buffer.AsMemory(0, total);
            if (total > MaxTokenResponseBytes)
            {
                return null;
            }

            // A UTF-8 byte-order mark is not JSON; the reader refuses it.
            return Utf8Bom.Skip(body);
        }
    }

    private static string DescribeTooLarge(HttpStatusCode status, long? length, Uri endpoint) =>
        $"Could not obtain an Auth0 access token (the token endpoint {endpoint.GetLeftPart(UriPartial.Path)} answered {(int)status} {status} with a body "
        + (length is { } n ? $"of {n.ToString(CultureInfo.InvariantCulture)} bytes, over" : "over")
        + $" the {MaxTokenResponseBytes / 1024} KiB a token answer may have; it was not read)."
        + (status is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError ? " The next call tries again." : "");

    /// <summary>
    /// The token in a successful answer. Every problem is an <see cref="Auth0CredentialException"/>, which the
    /// failure memory keeps (so callers right behind do not ask again): an answer that is not JSON, no access_token,
    /// one that a bearer header cannot carry, or anything else unexpected.
    /// </summary>
    private static Auth0AccessToken ParseToken(ReadOnlyMemory<byte> body, Auth0CredentialSnapshot credential, DateTimeOffset obtainedAt)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("access_token", out var access) || access.ValueKind != JsonValueKind.String
                || access.GetString() is not { } value || string.IsNullOrWhiteSpace(value))
            {
                throw new Auth0CredentialException("Could not obtain an Auth0 access token (the token endpoint's answer has no access_token).");
            }

            if (!IsBearerToken(value))
            {
                // It would be refused when the Authorization header is set (a line break could add a header of its own).
                throw new Auth0CredentialException(
                    "Could not obtain an Auth0 access token (the token endpoint's access_token has characters a bearer token cannot carry, such as spaces or line breaks; it was not used).");
            }

            DateTimeOffset? expiresAt = null;
            if (root.TryGetProperty("expires_in", out var expiresIn) && expiresIn.ValueKind == JsonValueKind.Number && expiresIn.TryGetDouble(out var seconds) && seconds > 0)
            {
                // expires_in is measured on our clock: robust to a skewed clock, unlike the JWT's exp. At most
                // MaxTokenLifetime: an absurd value (1e300) neither overflows nor keeps a token longer than Auth0 can issue one for.
                expiresAt = obtainedAt + (seconds < MaxTokenLifetime.TotalSeconds ? TimeSpan.FromSeconds(seconds) : MaxTokenLifetime);
            }

            return new Auth0AccessToken(value, Auth0CredentialKind.ClientCredentials, credential.Version, obtainedAt, expiresAt);
        }
        catch (JsonException)
        {
            throw new Auth0CredentialException("Could not obtain an Auth0 access token (the token endpoint's answer is not JSON).");
        }
        catch (Exception ex) when (ex is not Auth0CredentialException)
        {
            // Whatever else the answer holds that cannot be used: a failed token request like any other, never an
            // exception that escapes the call (and is not remembered, so every call would ask again).
            throw new Auth0CredentialException($"Could not obtain an Auth0 access token (the token endpoint's answer could not be used, {ex.GetType().Name}).");
        }
    }

    /// <summary>
    /// What is wrong with a configured static token (<c>AUTH0_TOKEN</c>, the credentials file's <c>Auth0:Token</c>), or
    /// null when a bearer header can carry it (<see cref="IsBearerToken"/>, after the trim the credential snapshot
    /// applies) or it is unset. Never quotes the token: the message may be shown, logged or sent.
    /// </summary>
    /// <summary>
    /// Whether a short window that ends at <paramref name="until"/> (set to now plus <paramref name="length"/>) is still
    /// open. A window that ends further off than its length means the wall clock stepped back since it was set (an NTP
    /// step, a resumed VM): it is over, rather than stretched by the size of the step (an hour of refused calls).
    /// </summary>
    private static bool Within(DateTimeOffset now, DateTimeOffset until, TimeSpan length) => now < until && until - now <= length;

    internal static string? TokenShapeProblem(string? token)
    {
        if (!Auth0CredentialSnapshot.IsSet(token))
        {
            return null;
        }

        var trimmed = token!.Trim();
        if (trimmed.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) && trimmed.Length > 6 && char.IsWhiteSpace(trimmed[6]))
        {
            return "is the token itself, without the \"Bearer \" prefix (it is added when the token is sent)";
        }

        return IsBearerToken(trimmed)
            ? null
            : "has characters a bearer token cannot carry (spaces, line breaks, control or non-ASCII characters; a token is letters, digits and -._~+/ with = at its end)";
    }

    /// <summary>
    /// Whether <paramref name="value"/> is an RFC 6750 <c>b64token</c>, what a bearer header may carry: letters, digits,
    /// <c>-._~+/</c>, then any number of <c>=</c>.
    /// </summary>
    internal static bool IsBearerToken(string value)
    {
        var token = value.AsSpan().TrimEnd('=');
        return token.Length > 0 && !token.ContainsAnyExcept(BearerTokenCharacters);
    }

    // The messages read "Could not obtain an Auth0 access token (the token endpoint …)": never "token: the …", which the
    // secret masker reads as an assignment to a secret name and masks ("token: [REDACTED] token endpoint").
    private static string DescribeTokenError(HttpStatusCode status, ReadOnlyMemory<byte> body, Uri endpoint)
    {
        string? error = null, description = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                error = doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                description = doc.RootElement.TryGetProperty("error_description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            }
        }
        catch (JsonException)
        {
        }

        var what = status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? "Auth0 refused the client credentials"
            : "Could not obtain an Auth0 access token";
        // Both quoted from the answer: each is redacted and cut like any text an answer brings.
        var detail = error is null ? "" : description is null ? $": {Trim(error)}" : $": {Trim(error)}, {Trim(description)}";
        var hint = status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => " Check AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, and that the application is authorized for the Management API.",
            HttpStatusCode.TooManyRequests => " The token endpoint is rate-limited; the next call tries again.",
            >= HttpStatusCode.InternalServerError => " The next call tries again.",
            _ => "",
        };
        return $"{what} (the token endpoint {endpoint.GetLeftPart(UriPartial.Path)} answered {(int)status} {status}{detail}).{hint}";
    }

    // Redacted before it is cut (a cut secret no longer looks like one); the message is redacted again where it is shown.
    private static string Trim(string text) => JsonRedactor.Secrets.RedactThenCut(text, 200, fragment: true);
}
