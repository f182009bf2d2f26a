using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Http;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tools;

/// <summary>Maps Auth0 answers and failures to MCP tool results.</summary>
public static class Auth0ToolResults
{
    /// <summary>The result for arguments that do not fit the input schema; no request was sent.</summary>
    public static CallToolResult InvalidArguments(string toolName, IReadOnlyList<string> errors) => Error(
        $"Invalid arguments for {toolName} (no request was sent to Auth0):\n- " + string.Join("\n- ", errors));

    /// <summary>The result for a call that got no HTTP response (no credential, network failure, timeout).</summary>
    public static CallToolResult Failure(Auth0ToolDescriptor descriptor, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(exception);
        var reason = exception switch
        {
            Auth0CredentialException or InvalidOperationException => exception.Message,
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
        var text = capture.Body.Length == 0 ? "" : Encoding.UTF8.GetString(capture.Body);
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
            return new CallToolResult
            {
                Content = [new TextContentBlock { Text = text }],
                StructuredContent = structured is null ? null : ParseElement(structured),
            };
        }

        return Error(DescribeError(descriptor, capture.StatusCode, json as JsonObject, text));
    }

    private static string DescribeError(Auth0ToolDescriptor descriptor, HttpStatusCode status, JsonObject? body, string text)
    {
        var sb = new StringBuilder();
        sb.Append("Auth0 returned ").Append((int)status).Append(' ').Append(status);
        var message = body?["message"]?.ToString();
        var error = body?["error"]?.ToString();
        var code = body?["errorCode"]?.ToString();
        if (!string.IsNullOrEmpty(error))
        {
            sb.Append(" (").Append(error).Append(')');
        }

        if (!string.IsNullOrEmpty(message))
        {
            sb.Append(": ").Append(message);
        }
        else if (body is null && text.Length > 0)
        {
            sb.Append(": ").Append(text.Length > 500 ? text[..500] + "…" : text);
        }

        if (!string.IsNullOrEmpty(code))
        {
            sb.Append(" [errorCode ").Append(code).Append(']');
        }

        if (status == HttpStatusCode.Forbidden && descriptor.Scopes.Count > 0)
        {
            sb.Append(". This operation needs the scopes: ").Append(string.Join(", ", descriptor.Scopes));
        }

        return sb.ToString();
    }

    private static JsonElement ParseElement(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    private static CallToolResult Error(string text) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = text }],
    };
}
