using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Auth0Mcp.Generators.Reading;

namespace Auth0Mcp.Generators.Diagnostics;

/// <summary>
/// Gives diagnostics their line and column in the spec text: from the JSON pointer when they have one (one pass of
/// a JSON reader over the text finds every pointer), else from their search key, else the first line.
/// </summary>
internal static class SpecLocator
{
    public static DiagnosticInfo Locate(DiagnosticInfo info, string text) => LocateAll([info], text)[0];

    /// <summary>Places every diagnostic; the text is scanned once, and only when some diagnostic has a pointer.</summary>
    public static IReadOnlyList<DiagnosticInfo> LocateAll(IReadOnlyList<DiagnosticInfo> diagnostics, string text) =>
        LocateAll(diagnostics, SpecSource.FromText(text));

    /// <summary>
    /// Places every diagnostic: pointers are found in the UTF-8 form (the text is decoded only for a diagnostic that
    /// has a search key instead).
    /// </summary>
    public static IReadOnlyList<DiagnosticInfo> LocateAll(IReadOnlyList<DiagnosticInfo> diagnostics, SpecSource source)
    {
        var pointers = new HashSet<string>(diagnostics.Where(d => d.Line == 0 && d.Pointer is not null).Select(d => d.Pointer!), StringComparer.Ordinal);
        var found = pointers.Count > 0 ? FindPointers(source.Utf8.Span, pointers) : new Dictionary<string, (int Line, int Column)>();
        var located = new List<DiagnosticInfo>(diagnostics.Count);
        foreach (var info in diagnostics)
        {
            if (info.Line > 0)
            {
                located.Add(info);
            }
            else if (info.Pointer is { } pointer && found.TryGetValue(pointer, out var position))
            {
                located.Add(info.WithPosition(position.Line, position.Column));
            }
            else
            {
                located.Add(BySearchKey(info, source));
            }
        }

        return located;
    }

    private static DiagnosticInfo BySearchKey(DiagnosticInfo info, SpecSource source)
    {
        if (info.SearchKey is null)
        {
            return info.WithPosition(1, 1);
        }

        var text = source.Text;
        var index = text.IndexOf(info.SearchKey, StringComparison.Ordinal);
        if (index < 0)
        {
            index = IndexOfLoosely(text, info.SearchKey);
        }

        if (index < 0)
        {
            return info.WithPosition(1, 1);
        }

        var (line, column) = Position(text, index);
        return info.WithPosition(line, column);
    }

    /// <summary>
    /// Where a search key that starts or ends with a double quote (a JSON string, <c>"#/components/schemas/X"</c>)
    /// stands in YAML: the quote may be a single quote, or absent from a plain value (before it a space, after it the
    /// line's end or a space, comma or closing bracket). Before, such a reference was placed at line 1.
    /// </summary>
    private static int IndexOfLoosely(string text, string key)
    {
        var lead = key.Length > 1 && key[0] == '"';
        var trail = key.Length > 1 && key[key.Length - 1] == '"';
        var stem = key.Substring(lead ? 1 : 0, key.Length - (lead ? 1 : 0) - (trail ? 1 : 0));
        if ((!lead && !trail) || stem.Length == 0)
        {
            return -1;
        }

        for (var i = text.IndexOf(stem, StringComparison.Ordinal); i >= 0; i = text.IndexOf(stem, i + 1, StringComparison.Ordinal))
        {
            var after = i + stem.Length;
            var before = !lead || (i > 0 && text[i - 1] is '"' or '\'' or ' ' or '\t');
            var behind = !trail || after == text.Length || text[after] is '"' or '\'' or '\r' or '\n' or ' ' or '\t' or ',' or '}' or ']';
            if (before && behind)
            {
                return lead ? i - 1 : i;
            }
        }

        return -1;
    }

    private static (int Line, int Column) Position(string text, int index)
    {
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

        return (line, index - lineStart + 1);
    }

    /// <summary>
    /// The position of each wanted pointer in UTF-8 JSON: a member's name, or an array item's first token.
    /// Pointers that are not in the text (or text that is not JSON) are left out.
    /// </summary>
    public static Dictionary<string, (int Line, int Column)> FindPointers(ReadOnlySpan<byte> bytes, ISet<string> wanted)
    {
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        // The containers on the way to a wanted pointer; any other container is skipped unread (a 47 MB spec has
        // millions of tokens, and its diagnostics point into a few thousand places).
        var prefixes = new HashSet<string>(StringComparer.Ordinal) { "" };
        foreach (var pointer in wanted)
        {
            for (var slash = pointer.Length > 1 ? pointer.IndexOf('/', 1) : -1; slash > 0; slash = pointer.IndexOf('/', slash + 1))
            {
                prefixes.Add(pointer.Substring(0, slash));
            }

            prefixes.Add(pointer);
        }

        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        // Each open container: its pointer and, for arrays, the next item's index.
        var stack = new List<(string Pointer, int NextIndex)>();
        string? pendingMember = null;
        try
        {
            while (reader.Read() && offsets.Count < wanted.Count)
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    pendingMember = stack[stack.Count - 1].Pointer + "/" + Reading.SpecReader.Escape(reader.GetString()!);
                    if (wanted.Contains(pendingMember) && !offsets.ContainsKey(pendingMember))
                    {
                        offsets[pendingMember] = reader.TokenStartIndex;
                    }

                    continue;
                }

                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    stack.RemoveAt(stack.Count - 1);
                    continue;
                }

                // A value: its pointer is the pending member's, or the enclosing array's next index.
                string pointer;
                if (stack.Count == 0)
                {
                    pointer = "";
                }
                else if (pendingMember is not null)
                {
                    pointer = pendingMember;
                    pendingMember = null;
                }
                else
                {
                    var top = stack[stack.Count - 1];
                    pointer = top.Pointer + "/" + top.NextIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    stack[stack.Count - 1] = (top.Pointer, top.NextIndex + 1);
                    if (wanted.Contains(pointer) && !offsets.ContainsKey(pointer))
                    {
                        offsets[pointer] = reader.TokenStartIndex;
                    }
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    if (prefixes.Contains(pointer))
                    {
                        stack.Add((pointer, 0));
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a YAML original, say): positions come from elsewhere.
        }
        catch (InvalidOperationException)
        {
            // A member name that is no text (a lone surrogate escape, which the reader reports): the rest is unplaced.
        }

        var result = new Dictionary<string, (int Line, int Column)>(StringComparer.Ordinal);
        if (offsets.Count == 0)
        {
            return result;
        }

        // Byte offsets → 1-based line and column (columns in bytes: exact for ASCII, close otherwise).
        var sorted = offsets.OrderBy(o => o.Value).ToList();
        int line = 1, next = 0;
        long lineStart = 0;
        for (var i = 0; i < bytes.Length && next < sorted.Count; i++)
        {
            while (next < sorted.Count && sorted[next].Value == i)
            {
                result[sorted[next].Key] = (line, (int)(i - lineStart) + 1);
                next++;
            }

            if (bytes[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return result;
    }
}
