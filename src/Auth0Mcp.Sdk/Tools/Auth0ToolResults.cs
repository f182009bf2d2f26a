using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Http;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tools;

/// <summary>
/// Maps Auth0 answers and failures to MCP tool results: a success keeps Auth0's body as it came (plus a hint for
/// the next page); an error is one concise <c>isError</c> text. Every text is redacted of known secrets.
/// </summary>
public static class Auth0ToolResults
{
    /// <summary>The result for arguments that do not fit the input schema; no request was sent.</summary>
    public static CallToolResult InvalidArguments(string toolName, IReadOnlyList<string> errors) => Error(
        $"Invalid arguments for {toolName} (no request was sent to Auth0):\n- " + string.Join("\n- ", errors));

    /// <summary>The result for a call refused before sending because the token lacks required scopes.</summary>
    public static CallToolResult MissingScopes(Auth0ToolDescriptor descriptor, IReadOnlyList<string> missing)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(missing);
        var plural = missing.Count == 1 ? "scope" : "scopes";
        return Error(
            $"{descriptor.Name} was not called: the Auth0 token lacks the {plural} {string.Join(", ", missing)} that {descriptor.Method} {descriptor.Path} requires. " +
            "Grant them to the application (Auth0 Dashboard > Applications > APIs > Auth0 Management API > Machine to Machine Applications) or use a token that has them; no request was sent to Auth0.");
    }

    /// <summary>The result for a call that got no HTTP response (no credential, network failure, timeout).</summary>
    public static CallToolResult Failure(Auth0ToolDescriptor descriptor, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(exception);

        // Refit wraps what the HTTP pipeline throws (ApiRequestException): report the pipeline's own reason.
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is Auth0CredentialException or Auth0HttpException)
            {
                exception = inner;
                break;
            }
        }

        if (exception is not (Auth0CredentialException or Auth0HttpException) && exception.InnerException is HttpRequestException or TimeoutException)
        {
            exception = exception.InnerException;
        }

        var reason = exception switch
        {
            Auth0CredentialException or Auth0HttpException or InvalidOperationException => exception.Message,
            HttpRequestException http => $"Auth0 could not be reached: {http.Message}",
            TimeoutException or TaskCanceledException => "Auth0 did not answer in time.",
            _ => $"The call failed: {exception.GetType().Name}: {exception.Message}",
        };
        return Error($"{descriptor.Name} failed: {reason}");
    }

    /// <summary>The result for an HTTP response: Auth0's body as it came, or an error result for a non-2xx status.</summary>
    public static CallToolResult FromResponse(Auth0ToolDescriptor descriptor, Auth0ResponseCapture capture)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(capture);
        var status = (int)capture.StatusCode;
        var text = capture.Body.Length == 0 ? "" : Auth0Redaction.Redact(Encoding.UTF8.GetString(capture.Body));
        JsonNode? json = null;
        if (text.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                json = null;
            }
        }

        if (status is >= 200 and < 300)
        {
            if (text.Length == 0)
            {
                return new CallToolResult
                {
                    Content = [new TextContentBlock { Text = $"Done: Auth0 answered {status} {capture.StatusCode} with no content." }],
                };
            }

            // structuredContent must be an object: arrays and scalars are wrapped as {"result": …}.
            var structured = json switch
            {
                JsonObject => text,
                null => null,
                _ => "{\"result\":" + text + "}",
            };
            var result = new CallToolResult
            {
                Content = [new TextContentBlock { Text = text }],
                StructuredContent = structured is null ? null : ParseElement(structured),
            };
            if (PagingHint(json as JsonObject) is { } hint)
            {
                result.Content.Add(new TextContentBlock { Text = hint });
            }

            return result;
        }

        return Error(DescribeError(descriptor, capture, json as JsonObject, text));
    }

    /// <summary>
    /// How to get the next page, from the body of a list answer: offset paging (<c>include_totals</c> gives
    /// <c>total</c>, <c>start</c>, <c>limit</c>) or checkpoint paging (<c>from</c>/<c>take</c> gives <c>next</c>).
    /// Null when the body says nothing about pages.
    /// </summary>
    public static string? PagingHint(JsonObject? body)
    {
        if (body is null)
        {
            return null;
        }

        if (body["next"] is JsonValue next && next.TryGetValue<string>(out var checkpoint) && !string.IsNullOrEmpty(checkpoint))
        {
            return $"More results: call again with from=\"{checkpoint}\" (and the same take).";
        }

        if (TryGetLong(body, "total", out var total) && TryGetLong(body, "start", out var start) && TryGetLong(body, "limit", out var limit) && limit > 0)
        {
            var returned = body.Select(kv => kv.Value).OfType<JsonArray>().FirstOrDefault()?.Count ?? (int)Math.Min(limit, Math.Max(0, total - start));
            var seen = start + returned;
            if (seen < total)
            {
                var page = (start / limit) + 1;
                return string.Create(CultureInfo.InvariantCulture,
                    $"More results: {total - seen} of {total} remain; call again with page={page}, per_page={limit}, include_totals=true.");
            }

            return string.Create(CultureInfo.InvariantCulture, $"This is the last page ({total} in total).");
        }

        return null;
    }

    private static string DescribeError(Auth0ToolDescriptor descriptor, Auth0ResponseCapture capture, JsonObject? body, string text)
    {
        var status = capture.StatusCode;
        var sb = new StringBuilder();
        sb.Append(descriptor.Name).Append(": Auth0 returned ").Append((int)status).Append(' ').Append(status);
        var message = Str(body, "message") ?? Str(body, "error_description");
        var error = Str(body, "error");
        var code = Str(body, "errorCode");
        if (!string.IsNullOrEmpty(error) && !string.Equals(error, status.ToString(), StringComparison.OrdinalIgnoreCase)
            && !string.Equals(error.Replace(" ", "", StringComparison.Ordinal), status.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            sb.Append(" (").Append(error).Append(')');
        }

        if (!string.IsNullOrEmpty(message))
        {
            sb.Append(": ").Append(Shorten(message));
        }
        else if (body is null && text.Length > 0)
        {
            sb.Append(": ").Append(Shorten(text));
        }

        if (!string.IsNullOrEmpty(code))
        {
            sb.Append(" [errorCode ").Append(code).Append(']');
        }

        if (!(sb[^1] is '.' or '!' or '?'))
        {
            sb.Append('.');
        }

        switch (status)
        {
            case HttpStatusCode.Unauthorized:
                sb.Append(" Auth0 did not accept the credential (expired, revoked, or for another tenant or audience); the call was retried once with a renewed token where one could be had. Run `auth0-mcp doctor`.");
                break;
            case HttpStatusCode.Forbidden when descriptor.Scopes.Count > 0:
                sb.Append(" This operation needs the ").Append(descriptor.Scopes.Count == 1 ? "scope " : "scopes ")
                    .Append(string.Join(", ", descriptor.Scopes)).Append(": grant ").Append(descriptor.Scopes.Count == 1 ? "it" : "them")
                    .Append(" to the application or use a token that has ").Append(descriptor.Scopes.Count == 1 ? "it." : "them.");
                break;
            case HttpStatusCode.TooManyRequests:
                sb.Append(" Rate limit reached");
                if (capture.Headers.TryGetValue("x-ratelimit-reset", out var reset)
                    && long.TryParse(reset, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch) && epoch > 0)
                {
                    sb.Append("; it resets at ").Append(DateTimeOffset.FromUnixTimeSeconds(epoch).ToString("HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
                }
                else if (capture.Headers.TryGetValue("retry-after", out var after))
                {
                    sb.Append("; retry after ").Append(after).Append(" s");
                }

                sb.Append(capture.Attempts > 1 ? $" ({capture.Attempts} attempts made; waiting longer would exceed the call's time budget)." : ".");
                break;
            case >= HttpStatusCode.InternalServerError:
                sb.Append(capture.Attempts > 1
                    ? $" Auth0 failed on all {capture.Attempts} attempts; try again later."
                    : Auth0RetryPolicy.IsIdempotent(new HttpMethod(descriptor.Method))
                        ? " Try again later."
                        : $" {descriptor.Method} is not retried automatically because the request may have taken effect: check before calling again.");
                break;
        }

        return sb.ToString();
    }

    private static string? Str(JsonObject? body, string name) =>
        body?[name] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s
        : body?[name] is JsonValue n ? n.ToJsonString()
        : null;

    private static bool TryGetLong(JsonObject body, string name, out long value)
    {
        value = 0;
        return body[name] is JsonValue v && (v.TryGetValue(out value) || (v.TryGetValue<double>(out var d) && (value = (long)d) == d));
    }

    private static string Shorten(string text) => text.Length > 500 ? text[..500] + "…" : text;

    private static JsonElement ParseElement(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    private static CallToolResult Error(string text) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = Auth0Redaction.Redact(text) }],
    };
}
