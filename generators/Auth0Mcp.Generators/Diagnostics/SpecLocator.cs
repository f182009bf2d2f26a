using System;

namespace Auth0Mcp.Generators.Diagnostics;

/// <summary>Gives a diagnostic its line and column in the spec text, from its search key when it has no position yet.</summary>
internal static class SpecLocator
{
    public static DiagnosticInfo Locate(DiagnosticInfo info, string text)
    {
        if (info.Line > 0 || info.SearchKey is null)
        {
            return info.Line > 0 ? info : info.WithPosition(1, 1);
        }

        var index = text.IndexOf(info.SearchKey, StringComparison.Ordinal);
        if (index < 0)
        {
            return info.WithPosition(1, 1);
        }

        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return info.WithPosition(line, index - lineStart + 1);
    }
}
