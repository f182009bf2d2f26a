using System.Reflection;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Progressive.Search;

/// <summary>One way a query word may match: stems that must all be there (their scores averaged), and how much it counts.</summary>
internal readonly record struct Alternative(string[] Stems, float Weight);

/// <summary>
/// The curated Auth0 vocabulary (<c>vocabulary.txt</c>, embedded): concept links from what operators say to what the
/// API calls it (app → client), and verbs for each action (give → assign/create). Also the action labels a tool is
/// indexed under, from its method and path.
/// </summary>
internal sealed class SearchVocabulary
{
    /// <summary>A concept alternative counts this much of the word itself.</summary>
    public const float ConceptWeight = 0.8f;

    /// <summary>A verb's action label counts this much of a word.</summary>
    public const float ActionWeight = 0.6f;

    private static readonly Lazy<SearchVocabulary> Builtin = new(() =>
    {
        var assembly = typeof(SearchVocabulary).Assembly;
        using var stream = assembly.GetManifestResourceStream("Auth0Mcp.Sdk.Progressive.Search.vocabulary.txt")
            ?? throw new InvalidOperationException("The embedded search vocabulary is missing from " + assembly.GetName().Name + ".");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    });

    private readonly Dictionary<string, List<string[]>> _concepts;
    private readonly Dictionary<string, List<string>> _verbs;

    private SearchVocabulary(Dictionary<string, List<string[]>> concepts, Dictionary<string, List<string>> verbs)
    {
        _concepts = concepts;
        _verbs = verbs;
    }

    /// <summary>The built-in vocabulary.</summary>
    public static SearchVocabulary Default => Builtin.Value;

    /// <summary>Parses the vocabulary format (see <c>vocabulary.txt</c>).</summary>
    public static SearchVocabulary Parse(string text)
    {
        var concepts = new Dictionary<string, List<string[]>>(StringComparer.Ordinal);
        var verbs = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var section = "";
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1];
                continue;
            }

            if (section == "concepts" && line.Split('=', 2) is [var left, var right])
            {
                var key = KeyOf(left);
                if (!concepts.TryGetValue(key, out var list))
                {
                    concepts[key] = list = [];
                }

                list.AddRange(right.Split(',').Select(a => SearchText.Terms(a).ToArray()).Where(a => a.Length > 0));
            }
            else if (section == "verbs" && line.Split(':', 2) is [var action, var words])
            {
                var label = ActionLabel(action.Trim());
                foreach (var word in SearchText.Words(words))
                {
                    var stem = PorterStemmer.Stem(word);
                    if (!verbs.TryGetValue(stem, out var labels))
                    {
                        verbs[stem] = labels = [];
                    }

                    labels.Add(label);
                }
            }
            else
            {
                throw new FormatException($"search vocabulary line {lineNumber}: '{line}' is not 'word = alternative, ...' under [concepts] nor 'action: verb verb ...' under [verbs]");
            }
        }

        return new SearchVocabulary(concepts, verbs);
    }

    /// <summary>The label of an action in the index (not a word any text can contain).</summary>
    public static string ActionLabel(string action) => "@" + action;

    /// <summary>
    /// The action labels of <paramref name="tool"/>: read (GET), create (POST), update (PUT, PATCH), delete (DELETE),
    /// and assign for a change to a sub-collection of one resource (<c>POST /users/{id}/roles</c>).
    /// </summary>
    public static IEnumerable<string> ActionLabels(Auth0ToolDescriptor tool)
    {
        yield return ActionLabel(tool.Method switch
        {
            "GET" => "read",
            "POST" => "create",
            "DELETE" => "delete",
            _ => "update",
        });

        var segments = tool.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (tool.Method != "GET" && segments.Length >= 3 && segments[^2].StartsWith('{') && !segments[^1].StartsWith('{'))
        {
            yield return ActionLabel("assign");
        }
    }

    /// <summary>
    /// The query's words, each with the ways it may match: itself, its concept alternatives, and the action labels
    /// of a verb. Values pasted into the query (emails, IPs, ids) become the word for what they are; stop words go.
    /// </summary>
    public List<List<Alternative>> Expand(string query)
    {
        var words = new List<List<Alternative>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in SearchText.Words(SearchText.ReplaceValues(query)))
        {
            if (SearchText.IsStopWord(word))
            {
                continue;
            }

            var stem = PorterStemmer.Stem(word);
            if (!seen.Add(stem))
            {
                continue;
            }

            var alternatives = new List<Alternative> { new([stem], 1f) };
            if (_concepts.TryGetValue(stem, out var concepts))
            {
                alternatives.AddRange(concepts.Select(c => new Alternative(c, ConceptWeight)));
            }

            if (_verbs.TryGetValue(stem, out var labels))
            {
                alternatives.AddRange(labels.Select(l => new Alternative([l], ActionWeight)));
            }

            words.Add(alternatives);
        }

        return words;
    }

    private static string KeyOf(string left)
    {
        var terms = SearchText.Words(left).Select(PorterStemmer.Stem).ToArray();
        return terms.Length == 1 ? terms[0] : throw new FormatException($"search vocabulary: '{left.Trim()}' must be one word");
    }
}
