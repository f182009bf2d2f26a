using System.Net;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// The raw Auth0 response of the current tool call, kept byte for byte so that the tool result loses no
/// field, even one that the spec does not list. A tool call opens a capture with <see cref="Begin"/>;
/// <see cref="Auth0ResponseCaptureHandler"/> fills it in.
/// </summary>
public sealed class Auth0ResponseCapture
{
    private static readonly AsyncLocal<Auth0ResponseCapture?> CurrentSlot = new();

    /// <summary>The capture of the call in progress on this async flow, if any.</summary>
    public static Auth0ResponseCapture? Current => CurrentSlot.Value;

    /// <summary>Starts capturing for the current async flow and returns the capture.</summary>
    public static Auth0ResponseCapture Begin()
    {
        var capture = new Auth0ResponseCapture();
        CurrentSlot.Value = capture;
        return capture;
    }

    /// <summary>Whether a response arrived.</summary>
    public bool HasResponse { get; private set; }

    /// <summary>The HTTP status of the final response.</summary>
    public HttpStatusCode StatusCode { get; private set; }

    /// <summary>The response body.</summary>
    public byte[] Body { get; private set; } = [];

    /// <summary>The response media type, e.g. <c>application/json</c>.</summary>
    public string? MediaType { get; private set; }

    /// <summary>The response headers that matter to a caller (rate limits, paging), lower-case names.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; private set; } = new Dictionary<string, string>();

    /// <summary>How many HTTP attempts were made (1 plus retries).</summary>
    public int Attempts { get; internal set; }

    internal void Record(HttpStatusCode status, byte[] body, string? mediaType, IReadOnlyDictionary<string, string> headers)
    {
        HasResponse = true;
        StatusCode = status;
        Body = body;
        MediaType = mediaType;
        Headers = headers;
    }
}

/// <summary>
/// Buffers each Auth0 response and records it into <see cref="Auth0ResponseCapture.Current"/>; the body stays
/// readable for Refit afterwards. Place it outermost so that it sees the final response after retries.
/// </summary>
public sealed class Auth0ResponseCaptureHandler : DelegatingHandler
{
    private static readonly string[] KeptHeaders =
        ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after", "link"];

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var capture = Auth0ResponseCapture.Current;
        if (capture is null)
        {
            return response;
        }

        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in KeptHeaders)
        {
            if (response.Headers.TryGetValues(name, out var values))
            {
                headers[name] = string.Join(",", values);
            }
        }

        capture.Record(response.StatusCode, body, response.Content.Headers.ContentType?.MediaType, headers);
        return response;
    }
}
