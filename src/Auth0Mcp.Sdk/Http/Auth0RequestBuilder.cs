using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// The one place where a tool call becomes an HTTP request: reads the tool's <see cref="Auth0RequestPlan"/> and the
/// validated arguments (a JSON object) and builds the <see cref="HttpRequestMessage"/> straight from them. Path and
/// header values are sent in their style (<c>simple</c>, or for a path <c>label</c> or <c>matrix</c>; in a path each
/// key and value is percent-encoded on its own, the separators literal; an empty, <c>.</c> or <c>..</c> path value is
/// refused: it would change the path's shape); query arrays are repeated or comma-joined (each item escaped, the
/// commas not), query objects are sent in their style (each property a pair, keys and values comma-joined, or
/// <c>name[key]=value</c>); every argument goes under its parameter's wire name; a JSON body is copied byte for byte; form, multipart, text and binary (base64)
/// bodies are encoded from the argument by media type.
/// </summary>
internal static class Auth0RequestBuilder
{
    /// <summary>Builds the request for <paramref name="descriptor"/> with <paramref name="arguments"/> (validated), relative to <paramref name="baseAddress"/>.</summary>
    /// <exception cref="Auth0HttpException">A path value would change the path's shape (<see cref="Auth0FailureKind.RefusedPath"/>), or a header value holds a control character (<see cref="Auth0FailureKind.RefusedHeader"/>).</exception>
    public static HttpRequestMessage Build(Auth0ToolDescriptor descriptor, IReadOnlyDictionary<string, JsonElement> arguments, Uri baseAddress)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(baseAddress);
        var plan = descriptor.Request;
        var path = new StringBuilder(descriptor.Path);
        var query = new StringBuilder();
        List<(string Name, string Value)>? headers = null;
        foreach (var argument in plan.Arguments)
        {
            if (!TryGet(arguments, argument.Name, out var value))
            {
                if (IsPath(argument.Location))
                {
                    throw RefusedPath(descriptor, argument.Name, "is missing");
                }

                continue;
            }

            switch (argument.Location)
            {
                case var location when IsPath(location):
                    var segment = Styled(location, argument.WireName, value, escape: true);
                    if (segment is "" or "." or "..")
                    {
                        throw RefusedPath(descriptor, argument.Name, segment.Length == 0 ? "is empty" : $"is '{segment}'");
                    }

                    path.Replace("{" + argument.WireName + "}", segment);
                    break;
                case Auth0ArgumentLocation.QueryDeepObject when value.ValueKind == JsonValueKind.Object:
                    AppendDeepObject(query, Uri.EscapeDataString(argument.WireName), value);
                    break;
                case Auth0ArgumentLocation.Query when value.ValueKind == JsonValueKind.Object:
                    // Form style without explode: keys and values joined by literal commas, each escaped on its own.
                    AppendEscapedQuery(query, argument.WireName, string.Join(',', Properties(value).SelectMany(p => new[] { Uri.EscapeDataString(p.Name), Uri.EscapeDataString(Scalar(p.Value)) })));
                    break;
                case Auth0ArgumentLocation.QueryMulti when value.ValueKind == JsonValueKind.Object:
                    // Form style with explode: each property is a pair of its own (the parameter's name is not sent).
                    foreach (var property in Properties(value))
                    {
                        AppendRepeated(query, property.Name, property.Value);
                    }

                    break;
                case Auth0ArgumentLocation.Query or Auth0ArgumentLocation.QueryMulti or Auth0ArgumentLocation.QueryDeepObject when value.ValueKind == JsonValueKind.Array:
                    if (argument.Location != Auth0ArgumentLocation.Query)
                    {
                        foreach (var item in value.EnumerateArray())
                        {
                            AppendQuery(query, argument.WireName, Scalar(item));
                        }
                    }
                    else
                    {
                        // Form style without explode: the items joined by literal commas, each escaped on its own, so a
                        // comma inside an item (%2C) is not taken for a separator.
                        AppendEscapedQuery(query, argument.WireName, string.Join(',', value.EnumerateArray().Select(v => Uri.EscapeDataString(Scalar(v)))));
                    }

                    break;
                case Auth0ArgumentLocation.Query or Auth0ArgumentLocation.QueryMulti or Auth0ArgumentLocation.QueryDeepObject:
                    AppendQuery(query, argument.WireName, Scalar(value));
                    break;
                case Auth0ArgumentLocation.Header or Auth0ArgumentLocation.HeaderExploded:
                    // Simple style, not escaped (a header is no URL): the value is checked for control characters instead.
                    var header = Styled(argument.Location, argument.WireName, value, escape: false);
                    if (Governance.Limits.CheckHeaderValue(argument.WireName, header) is { } refused)
                    {
                        throw new Auth0HttpException(Auth0FailureKind.RefusedHeader, $"The request was not sent: {refused}.", 0);
                    }

                    (headers ??= []).Add((argument.WireName, header));
                    break;
            }
        }

        var url = new StringBuilder(baseAddress.OriginalString.TrimEnd('/')).Append(path);
        if (query.Length > 0)
        {
            url.Append('?').Append(query);
        }

        var request = new HttpRequestMessage(new HttpMethod(descriptor.Method), new Uri(url.ToString(), UriKind.Absolute));
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (plan.Body is { } bodyName && TryGet(arguments, bodyName, out var body))
        {
            request.Content = Content(plan, body);
        }

        return request;
    }

    // A part's name is written quoted in its Content-Disposition header: a quote or a backslash would end or escape the
    // quoted string (RFC 9110 §5.6.4), and control or non-ASCII characters are what .NET refuses to write, or throws on
    // while sending. A schema with additionalProperties lets the caller choose the names, so they are checked here.
    private static string? PartNameProblem(string name)
    {
        if (name.Length == 0)
        {
            return "is empty";
        }

        foreach (var c in name)
        {
            if (c is '"' or '\\' || c < 0x20 || c >= 0x7f)
            {
                return string.Create(CultureInfo.InvariantCulture, $"may not contain the character U+{(int)c:X4}");
            }
        }

        return null;
    }

    private static HttpContent Content(Auth0RequestPlan plan, JsonElement body)
    {
        // The spec's media type may carry parameters ("application/json; charset=utf-8", "…; version=2"): they are
        // sent as written, and the body is encoded by the type alone.
        var contentType = MediaTypeHeaderValue.Parse(plan.MediaType ?? "application/json");
        var mediaType = contentType.MediaType ?? "application/json";
        if (IsJson(mediaType))
        {
            // The validated JSON goes out as it came: no DTO, no re-serialization.
            var content = new ByteArrayContent(JsonMarshal.GetRawUtf8Value(body).ToArray());
            content.Headers.ContentType = contentType;
            return content;
        }

        if (mediaType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            // Parts as browsers write them; Auth0RequestBodyHandler puts their headers in the order parsers expect.
            var multipart = new MultipartFormDataContent("auth0mcp-" + Guid.NewGuid().ToString("N"));
            foreach (var part in Properties(body))
            {
                if (PartNameProblem(part.Name) is { } problem)
                {
                    throw new Auth0HttpException(Auth0FailureKind.RefusedHeader, $"The request was not sent: the multipart part name '{Governance.TerminalText.Escape(part.Name)}' {problem}.", 0);
                }

                if (plan.FileParts.Contains(part.Name, StringComparer.Ordinal))
                {
                    var file = new ByteArrayContent(Encoding.UTF8.GetBytes(Scalar(part.Value)));
                    file.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    multipart.Add(file, part.Name, part.Name + ".json");
                }
                else
                {
                    multipart.Add(new StringContent(Scalar(part.Value)), part.Name);
                }
            }

            return multipart;
        }

        if (mediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            var fields = new List<KeyValuePair<string, string>>();
            foreach (var field in Properties(body))
            {
                if (field.Value.ValueKind == JsonValueKind.Array)
                {
                    fields.AddRange(field.Value.EnumerateArray().Select(v => new KeyValuePair<string, string>(field.Name, Scalar(v))));
                }
                else
                {
                    fields.Add(new(field.Name, Scalar(field.Value)));
                }
            }

            return new FormUrlEncodedContent(fields);
        }

        if (mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("xml", StringComparison.OrdinalIgnoreCase))
        {
            var text = new StringContent(Scalar(body), Encoding.UTF8, mediaType);
            foreach (var parameter in contentType.Parameters.Where(p => !p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)))
            {
                text.Headers.ContentType!.Parameters.Add(parameter);
            }

            return text;
        }

        // Binary: the argument carries base64 (a string that is not base64 is sent as its UTF-8 bytes).
        var base64 = Scalar(body);
        var buffer = new byte[(base64.Length * 3 / 4) + 3];
        var bytes = Convert.TryFromBase64String(base64, buffer, out var written) ? buffer.AsSpan(0, written).ToArray() : Encoding.UTF8.GetBytes(base64);
        var binary = new ByteArrayContent(bytes);
        binary.Headers.ContentType = contentType;
        return binary;
    }

    private static bool IsJson(string mediaType) =>
        mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<JsonProperty> Properties(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object
            ? body.EnumerateObject().Where(p => p.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            : [];

    private static bool TryGet(IReadOnlyDictionary<string, JsonElement> arguments, string name, out JsonElement value) =>
        arguments.TryGetValue(name, out value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    /// <summary>A value as it goes on the wire: strings as they are, booleans as <c>true</c>/<c>false</c>, numbers and objects as JSON text.</summary>
    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };

    private static bool IsPath(Auth0ArgumentLocation location) => location is Auth0ArgumentLocation.Path or Auth0ArgumentLocation.PathExploded
        or Auth0ArgumentLocation.PathLabel or Auth0ArgumentLocation.PathLabelExploded
        or Auth0ArgumentLocation.PathMatrix or Auth0ArgumentLocation.PathMatrixExploded;

    /// <summary>
    /// A path or header value in its style, as OpenAPI's style examples write them. Its parts: a scalar is one; an
    /// array's items each one; an object's properties <c>key,value</c> (two parts) or, exploded, <c>key=value</c>
    /// (one). <c>simple</c> joins them by commas (<c>x,1,y,2</c>, <c>x=1,y=2</c>); <c>label</c> leads with a dot and
    /// joins by commas, or exploded by dots (<c>.x=1.y=2</c>, <c>.1.2.3</c>); <c>matrix</c> is <c>;name=</c> and the
    /// parts comma-joined, or exploded <c>;name=item</c> per item and <c>;key=value</c> per property (an empty value
    /// is the name alone: <c>;name</c>, <c>;key</c>). With <paramref name="escape"/> (a path) the name, each key and each value are percent-encoded
    /// on their own and the separators are literal, so a comma, <c>=</c> or <c>/</c> inside one is not taken for one.
    /// Null properties are left out; a nested value goes as its JSON text.
    /// </summary>
    private static string Styled(Auth0ArgumentLocation location, string name, JsonElement value, bool escape)
    {
        string E(string text) => escape ? Uri.EscapeDataString(text) : text;
        var explode = location is Auth0ArgumentLocation.PathExploded or Auth0ArgumentLocation.PathLabelExploded
            or Auth0ArgumentLocation.PathMatrixExploded or Auth0ArgumentLocation.HeaderExploded;
        // An object's properties, each key and value escaped once; every style below is written from them.
        var pairs = value.ValueKind == JsonValueKind.Object ? Properties(value).Select(p => (Key: E(p.Name), Value: E(Scalar(p.Value)))).ToList() : [];
        var parts = value.ValueKind switch
        {
            JsonValueKind.Array => value.EnumerateArray().Select(v => E(Scalar(v))).ToList(),
            JsonValueKind.Object when explode => pairs.Select(p => p.Key + "=" + p.Value).ToList(),
            JsonValueKind.Object => pairs.SelectMany(p => new[] { p.Key, p.Value }).ToList(),
            _ => [E(Scalar(value))],
        };
        switch (location)
        {
            case Auth0ArgumentLocation.PathLabel or Auth0ArgumentLocation.PathLabelExploded:
                return "." + string.Join(explode ? "." : ",", parts);
            case Auth0ArgumentLocation.PathMatrix or Auth0ArgumentLocation.PathMatrixExploded:
                var matrixName = E(name);
                if (parts.Count == 0 || (value.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object) && parts[0].Length == 0))
                {
                    return ";" + matrixName;
                }

                return (explode, value.ValueKind) switch
                {
                    // RFC 6570's ';' operator: an empty item or property value is the name alone, without '='.
                    (true, JsonValueKind.Array) => string.Concat(parts.Select(p => ";" + matrixName + (p.Length == 0 ? "" : "=" + p))),
                    (true, JsonValueKind.Object) => string.Concat(pairs.Select(p => ";" + p.Key + (p.Value.Length == 0 ? "" : "=" + p.Value))),
                    _ => ";" + matrixName + "=" + string.Join(",", parts),
                };
            default:
                return string.Join(",", parts);
        }
    }

    /// <summary><paramref name="name"/>=value, or once per item of an array value.</summary>
    private static void AppendRepeated(StringBuilder query, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            AppendQuery(query, name, Scalar(value));
            return;
        }

        foreach (var item in value.EnumerateArray())
        {
            AppendQuery(query, name, Scalar(item));
        }
    }

    /// <summary>
    /// The <c>deepObject</c> style: each property as <c>name[key]=value</c> (name and key escaped, the brackets literal, as
    /// OpenAPI writes them); a nested object goes one level deeper (<c>name[a][b]=value</c>), an array repeats its key.
    /// </summary>
    private static void AppendDeepObject(StringBuilder query, string escapedPrefix, JsonElement value)
    {
        foreach (var property in Properties(value))
        {
            var key = escapedPrefix + "[" + Uri.EscapeDataString(property.Name) + "]";
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                AppendDeepObject(query, key, property.Value);
                continue;
            }

            foreach (var item in property.Value.ValueKind == JsonValueKind.Array ? property.Value.EnumerateArray().ToArray() : [property.Value])
            {
                if (query.Length > 0)
                {
                    query.Append('&');
                }

                query.Append(key).Append('=').Append(Uri.EscapeDataString(Scalar(item)));
            }
        }
    }

    private static void AppendQuery(StringBuilder query, string name, string value) =>
        AppendEscapedQuery(query, name, Uri.EscapeDataString(value));

    private static void AppendEscapedQuery(StringBuilder query, string name, string escapedValue)
    {
        if (query.Length > 0)
        {
            query.Append('&');
        }

        query.Append(Uri.EscapeDataString(name)).Append('=').Append(escapedValue);
    }

    private static Auth0HttpException RefusedPath(Auth0ToolDescriptor descriptor, string name, string why) => new(
        Auth0FailureKind.RefusedPath,
        $"The request was not sent: the path parameter '{name}' of {descriptor.Method} {descriptor.Path} {why}, which would change the path.",
        0);
}
