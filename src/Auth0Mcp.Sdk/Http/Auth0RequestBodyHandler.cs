namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// Shapes request bodies the way Auth0 and every HTTP parser expect.
/// JSON: an absent optional body (Refit writes the literal <c>null</c>) is sent as no body at all, and a present one
/// is buffered so that it goes out with a Content-Length instead of chunked.
/// Multipart: buffered once too (so a 429 can be answered by sending it again, whatever stream a part came from), and
/// each part written the way browsers do and RFC 7578 shows, which every multipart parser accepts:
/// <c>Content-Disposition</c> first with quoted <c>name</c> and <c>filename</c>, then <c>Content-Type</c> for file
/// parts only (a text field's type is <c>text/plain</c> by default). .NET writes token-like values unquoted and
/// puts a string part's <c>Content-Type</c> first and quotes the boundary, which some parsers (Prism's among them)
/// cannot read.
/// </summary>
internal sealed class Auth0RequestBodyHandler : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Content is { Headers.ContentType.MediaType: "application/json" } json and not ByteArrayContent)
        {
            var bytes = await json.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (bytes.AsSpan().Trim(" \t\r\n"u8).SequenceEqual("null"u8))
            {
                request.Content = null;
            }
            else
            {
                request.Content = Buffered(json, bytes);
            }

            json.Dispose();
        }

        if (request.Content is MultipartContent multipart)
        {
            // A GUID boundary is a plain token; quoting it (as .NET does) trips parsers that compare it verbatim.
            foreach (var parameter in multipart.Headers.ContentType?.Parameters ?? [])
            {
                if (string.Equals(parameter.Name, "boundary", StringComparison.OrdinalIgnoreCase) && parameter.Value is { Length: > 2 } b
                    && b[0] == '"' && b[^1] == '"' && b[1..^1].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                {
                    parameter.Value = b[1..^1];
                }
            }

            foreach (var part in multipart)
            {
                if (part.Headers.ContentDisposition is { } disposition)
                {
                    disposition.Name = Quote(disposition.Name);
                    disposition.FileName = Quote(disposition.FileName);
                    disposition.FileNameStar = null;
                    var type = part.Headers.ContentType;
                    part.Headers.ContentType = null;
                    part.Headers.ContentDisposition = null;
                    part.Headers.ContentDisposition = disposition;
                    if (disposition.FileName is not null)
                    {
                        part.Headers.ContentType = type;
                    }
                }
            }

            // Buffered once, like JSON: a part read from a stream that cannot seek (a host's upload) can then be sent
            // again when Auth0 answers 429, and goes out with a Content-Length instead of chunked.
            request.Content = Buffered(multipart, await multipart.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            multipart.Dispose();
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    // The bytes of `content` with its headers, and a Content-Length: sent again as they are on a retry.
    private static ByteArrayContent Buffered(HttpContent content, byte[] bytes)
    {
        var buffered = new ByteArrayContent(bytes);
        foreach (var header in content.Headers)
        {
            buffered.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        buffered.Headers.ContentLength = bytes.Length;
        return buffered;
    }

    private static string? Quote(string? value) =>
        value is null || (value.Length >= 2 && value[0] == '"' && value[^1] == '"') ? value : "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
