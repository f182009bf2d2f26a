namespace Auth0Mcp.Sdk.Http;

/// <summary>
/// Checks that a request path has the shape of its operation's path template. <see cref="Uri"/> removes dot
/// segments, so a path parameter of <c>..</c> or <c>.</c> (which percent-encoding leaves as it is) would make
/// <c>DELETE /users/{id}/roles</c> reach <c>DELETE /roles</c>: such a request is refused before it is sent.
/// </summary>
public static class Auth0PathTemplate
{
    /// <summary>
    /// Whether <paramref name="requestPath"/> (the encoded absolute path, e.g. <c>/api/v2/users/auth0%7C1</c>) is
    /// <paramref name="basePath"/> followed by <paramref name="template"/> (e.g. <c>/users/{id}</c>) with every
    /// parameter a non-empty single segment that is not a dot segment.
    /// </summary>
    public static bool Matches(string template, string basePath, string requestPath)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(basePath);
        ArgumentNullException.ThrowIfNull(requestPath);
        var prefix = basePath.TrimEnd('/');
        if (!requestPath.StartsWith(prefix + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var actual = requestPath[prefix.Length..].Split('/');
        var expected = template.Split('/');
        if (actual.Length != expected.Length)
        {
            return false;
        }

        for (var i = 0; i < expected.Length; i++)
        {
            var e = expected[i];
            var a = actual[i];
            if (e.StartsWith('{') && e.EndsWith('}'))
            {
                var value = Uri.UnescapeDataString(a);
                if (a.Length == 0 || value is "." or "..")
                {
                    return false;
                }
            }
            else if (!string.Equals(e, a, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
