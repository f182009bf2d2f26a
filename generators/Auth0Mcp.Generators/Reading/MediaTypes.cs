using System;
using System.Collections.Generic;
using Auth0Mcp.Generators.Model;

namespace Auth0Mcp.Generators.Reading;

/// <summary>
/// The one rule for choosing among the media types a body offers, best first:
/// <c>application/json</c>; a vendor JSON type (<c>+json</c>, <c>json-patch</c>…); form-urlencoded; multipart;
/// text and XML (sent as a string); anything else as binary. Ties keep the spec's order.
/// </summary>
internal static class MediaTypes
{
    /// <summary>The encoding a media type is sent or read with.</summary>
    public static BodyEncoding EncodingOf(string mediaType)
    {
        var type = Essence(mediaType);
        if (type == "application/json" || type == "*/*" || type.EndsWith("+json", StringComparison.Ordinal)
            || (type.StartsWith("application/", StringComparison.Ordinal) && type.EndsWith("json", StringComparison.Ordinal)))
        {
            return BodyEncoding.Json;
        }

        if (type == "application/x-www-form-urlencoded")
        {
            return BodyEncoding.Form;
        }

        if (type.StartsWith("multipart/", StringComparison.Ordinal))
        {
            return BodyEncoding.Multipart;
        }

        if (type.StartsWith("text/", StringComparison.Ordinal) || type.EndsWith("xml", StringComparison.Ordinal)
            || type.EndsWith("yaml", StringComparison.Ordinal) || type.EndsWith("javascript", StringComparison.Ordinal)
            || type.EndsWith("graphql", StringComparison.Ordinal) || type.EndsWith("csv", StringComparison.Ordinal)
            || type.EndsWith("x-ndjson", StringComparison.Ordinal) || type.EndsWith("sql", StringComparison.Ordinal))
        {
            return BodyEncoding.Text;
        }

        return BodyEncoding.Binary;
    }

    /// <summary>Picks the media type to use from <paramref name="offered"/> (in spec order); null when none is offered.</summary>
    public static string? Choose(IReadOnlyList<string> offered)
    {
        string? best = null;
        var bestRank = int.MaxValue;
        foreach (var mediaType in offered)
        {
            var rank = Rank(mediaType);
            if (rank < bestRank)
            {
                best = mediaType;
                bestRank = rank;
            }
        }

        return best;
    }

    private static int Rank(string mediaType)
    {
        var type = Essence(mediaType);
        if (type == "application/json")
        {
            return 0;
        }

        return EncodingOf(mediaType) switch
        {
            BodyEncoding.Json => type == "*/*" ? 6 : 1,
            BodyEncoding.Form => 2,
            BodyEncoding.Multipart => 3,
            BodyEncoding.Text => 4,
            _ => 5,
        };
    }

    /// <summary>The type/subtype without parameters, lower-cased: <c>Application/JSON; charset=utf-8</c> → <c>application/json</c>.</summary>
    public static string Essence(string mediaType)
    {
        var semicolon = mediaType.IndexOf(';');
        return (semicolon >= 0 ? mediaType.Substring(0, semicolon) : mediaType).Trim().ToLowerInvariant();
    }
}
