using System.Security;

namespace Auth0Mcp.Packaging.Tests.Infrastructure;

/// <summary>The nuget.config the packaging tests write: a local folder feed for some packages, nuget.org for the rest.</summary>
internal static class NuGetConfig
{
    /// <summary>
    /// A configuration whose only source for <paramref name="pattern"/> is the folder <paramref name="feed"/> (package
    /// source mapping), nuget.org for every other package, and <paramref name="fallbackFolder"/> as a read-only
    /// package folder when given.
    /// </summary>
    public static string MappedFeed(string key, string feed, string pattern, string? fallbackFolder = null)
    {
        var fallback = fallbackFolder is null ? "" : $"""

              <fallbackPackageFolders>
                <add key="machine" value="{SecurityElement.Escape(fallbackFolder)}" />
              </fallbackPackageFolders>
            """;
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="{key}" value="{SecurityElement.Escape(feed)}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="{key}"><package pattern="{pattern}" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>{fallback}
            </configuration>
            """;
    }
}
