using System.Text;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Progressive;

/// <summary>
/// Pages a <c>tools/list</c> answer: tools sorted by name, <c>nextCursor</c> names the last tool sent (opaque,
/// base64url), so a page boundary survives tools appearing or vanishing between two pages.
/// </summary>
internal static class ToolListPaging
{
    private const string Prefix = "after:";

    /// <summary>One page of <paramref name="tools"/> after <paramref name="cursor"/> (null: the first page).</summary>
    /// <exception cref="McpProtocolException">The cursor is not one this server issued.</exception>
    public static (List<Tool> Page, string? NextCursor) Page(IEnumerable<Tool> tools, string? cursor, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var sorted = tools.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        if (pageSize <= 0 && cursor is null)
        {
            return (sorted, null);
        }

        var start = 0;
        if (cursor is not null)
        {
            var after = DecodeCursor(cursor);
            start = sorted.FindIndex(t => string.CompareOrdinal(t.Name, after) > 0);
            if (start < 0)
            {
                start = sorted.Count;
            }
        }

        var size = pageSize <= 0 ? sorted.Count : pageSize;
        var page = sorted.Skip(start).Take(size).ToList();
        var next = start + page.Count < sorted.Count && page.Count > 0 ? EncodeCursor(page[^1].Name) : null;
        return (page, next);
    }

    /// <summary>The cursor that continues after the tool named <paramref name="lastName"/>.</summary>
    public static string EncodeCursor(string lastName) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(Prefix + lastName)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string DecodeCursor(string cursor)
    {
        try
        {
            var b64 = cursor.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
            if (text.StartsWith(Prefix, StringComparison.Ordinal))
            {
                return text[Prefix.Length..];
            }
        }
        catch (FormatException)
        {
        }

        throw new McpProtocolException($"Invalid tools/list cursor '{cursor}': pass the nextCursor of the previous page.", McpErrorCode.InvalidParams);
    }
}
