using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Auth0Mcp.Generators.Binding;

/// <summary>Every naming rule in one place: snake_case tool names, PascalCase C# names, safe identifiers.</summary>
internal static class Names
{
    public const int MaxToolNameLength = 64;

    /// <summary>The JSON context's class name, in the models namespace (a DTO may not take it).</summary>
    public const string JsonContextClass = "Auth0ApiJsonContext";

    /// <summary>The converters' namespace, beside the models (a DTO may not take its name).</summary>
    public const string ConvertersNamespace = "Converters";

    /// <summary>
    /// The tools class's name: the namespace's last segment without a trailing <c>Api</c>, plus <c>Tools</c> (a tool's
    /// handle may not take it).
    /// </summary>
    public static string HandlesClass(string ns)
    {
        var last = ns.Substring(ns.LastIndexOf('.') + 1);
        var stem = last.Length > 3 && last.EndsWith("Api", StringComparison.Ordinal) ? last.Substring(0, last.Length - 3) : last;
        var name = Pascal(stem) + "Tools";
        return name == last ? name + "Handles" : name;
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
        // Undocumented keywords the compiler still reserves (an identifier spelled so does not compile).
        "__arglist", "__makeref", "__reftype", "__refvalue",
    };

    /// <summary>Splits on non-alphanumerics and on lower→upper and letter→digit-word boundaries.</summary>
    public static List<string> Words(string text)
    {
        // A word is always a run of adjacent characters: each is cut out once, where it ends.
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!char.IsLetterOrDigit(c) || c > 127)
            {
                Cut(i);
                continue;
            }

            if (start >= 0)
            {
                var prev = text[i - 1];
                var boundary = (char.IsUpper(c) && (char.IsLower(prev) || char.IsDigit(prev)))
                    || (char.IsUpper(c) && i + 1 < text.Length && char.IsLower(text[i + 1]) && char.IsUpper(prev));
                if (boundary)
                {
                    Cut(i);
                }
            }

            if (start < 0)
            {
                start = i;
            }
        }

        Cut(text.Length);
        return words;

        void Cut(int end)
        {
            if (start >= 0)
            {
                words.Add(text.Substring(start, end - start));
                start = -1;
            }
        }
    }

    public static string Snake(string text) => string.Join("_", Words(text).Select(w => w.ToLowerInvariant()));

    public static string Pascal(string text)
    {
        var words = Words(text);
        if (words.Count == 0)
        {
            return "Value";
        }

        var sb = new StringBuilder(text.Length + 1);
        if (char.IsDigit(words[0][0]))
        {
            sb.Append('N');
        }

        foreach (var word in words)
        {
            sb.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
        }

        return sb.ToString();
    }

    /// <summary>A valid C# identifier close to <paramref name="text"/> (parameters keep the spec's name where they can).</summary>
    public static string Identifier(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(char.IsLetterOrDigit(c) && c < 128 ? c : '_');
        }

        var id = sb.Length == 0 ? "value" : sb.ToString();
        if (char.IsDigit(id[0]))
        {
            id = "_" + id;
        }

        return Keywords.Contains(id) ? "@" + id : id;
    }

    /// <summary>
    /// Shortens a snake_case name to <paramref name="max"/> characters deterministically, keeping its first word
    /// (the prefix), its last word and its <paramref name="verb"/> whole: the longest other words are clipped
    /// (to 3 characters at least), then middle words dropped; only a name that still does not fit gets a hash.
    /// </summary>
    public static string Shorten(string name, string? verb = null, int max = MaxToolNameLength)
    {
        if (name.Length <= max)
        {
            return name;
        }

        var words = name.Split(new[] { '_' }, StringSplitOptions.RemoveEmptyEntries).ToList();
        var keep = new HashSet<int> { 0, words.Count - 1 };
        var verbIndex = verb is null ? -1 : words.IndexOf(verb, 1);
        if (verbIndex > 0)
        {
            keep.Add(verbIndex);
        }

        // The joined length, kept as words are clipped and dropped (summing it afresh per clipped character was quadratic).
        var length = words.Sum(w => w.Length) + words.Count - 1;
        while (length > max)
        {
            var longest = -1;
            for (var i = 0; i < words.Count; i++)
            {
                if (!keep.Contains(i) && words[i].Length > 3 && (longest < 0 || words[i].Length >= words[longest].Length))
                {
                    longest = i;
                }
            }

            if (longest < 0)
            {
                break;
            }

            words[longest] = words[longest].Substring(0, words[longest].Length - 1);
            length--;
        }

        // Still too long: drop middle words, nearest the end first (the start says what the tool is about).
        for (var i = words.Count - 2; i > 0 && length > max; i--)
        {
            if (!keep.Contains(i))
            {
                length -= words[i].Length + 1;
                words.RemoveAt(i);
                keep = new HashSet<int>(keep.Select(k => k > i ? k - 1 : k));
            }
        }

        var shortened = string.Join("_", words);
        if (shortened.Length <= max)
        {
            return shortened;
        }

        var hash = Fnv1a(name).ToString("x8").Substring(0, 4);
        return shortened.Substring(0, max - hash.Length - 1).TrimEnd('_') + "_" + hash;
    }

    public static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return hash;
    }

    /// <summary>Returns <paramref name="name"/>, or it with 2, 3, … appended, whichever is not yet in <paramref name="taken"/>; records it.</summary>
    public static string Unique(string name, HashSet<string> taken)
    {
        var candidate = name;
        for (var i = 2; !taken.Add(candidate); i++)
        {
            candidate = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }
}
