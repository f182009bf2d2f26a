using System.Reflection;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Progressive.Search;

/// <summary>One way a query word may match: stems that must all be there (their scores averaged), and how much it counts.</summary>
internal readonly record struct Alternative(string[] Stems, float Weight);

/// <summary>A query as the index sees it: its words (each with its alternatives), the action labels its verbs ask for, and every stem it may match.</summary>
internal sealed record ParsedQuery(List<List<Alternative>> Words, HashSet<string> Actions, HashSet<string> Stems);

/// <summary>
/// The curated Auth0 vocabulary (<c>vocabulary.txt</c>, embedded): concept links from what operators say to what the
/// API calls it (app → client), and verbs for each action (give → assign/create). Also the action labels a tool is
/// indexed under, from its method and path.
/// </summary>
internal sealed class SearchVocabulary
{
    /// <summary>A concept alternative counts this much of the word itself.</summary>
    public const float ConceptWeight = 1.0f;

    private const int MaxPhrase = 3;

    // A verb, as a word to look for, counts this much (its action counts through the index's action boost).
    private const float VerbWeight = 0.5f;

    // A word taken for a person's name stands for "user" this much.
    private const float PersonWeight = 0.5f;

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
    private readonly HashSet<string> _verbStems;

    private SearchVocabulary(Dictionary<string, List<string[]>> concepts, Dictionary<string, List<string>> verbs)
    {
        _concepts = concepts;
        _verbs = verbs;
        _verbStems = verbs.Keys.Where(k => !k.Contains(' ', StringComparison.Ordinal)).Select(PorterStemmer.Stem).ToHashSet(StringComparer.Ordinal);
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
                foreach (var item in words.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var verb = KeyOf(item.Replace('_', ' '));
                    if (!verbs.TryGetValue(verb, out var labels))
                    {
                        verbs[verb] = labels = [];
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
    /// The action labels of <paramref name="tool"/>: read (GET, and get for one item or list otherwise), create (POST),
    /// update (PUT, PATCH), delete (DELETE), and assign for a change to a sub-collection of one resource
    /// (<c>POST /users/{id}/roles</c>).
    /// </summary>
    public static IEnumerable<string> ActionLabels(Auth0ToolDescriptor tool)
    {
        var segments = tool.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        yield return ActionLabel(tool.Method switch
        {
            "GET" => "read",
            "POST" => "create",
            "DELETE" => "delete",
            _ => "update",
        });

        if (tool.Method == "GET")
        {
            // A path that ends with an id reads one thing; any other GET lists (or reads a singleton).
            yield return ActionLabel(segments.Length > 0 && segments[^1].StartsWith('{') ? "get" : "list");
        }

        if (tool.Method != "GET" && segments.Length >= 3 && segments[^2].StartsWith('{') && !segments[^1].StartsWith('{'))
        {
            yield return ActionLabel("assign");
        }
    }

    /// <summary>
    /// The query's words, each with the ways it may match: itself and its concept alternatives (a phrase such as
    /// "one time password" counts as one word), plus the action labels its verbs ask for. Values pasted into the
    /// query (emails, IPs, ids) become the word for what they are; stop words go. A plural noun asks for a list.
    /// </summary>
    /// <param name="query">The query.</param>
    /// <param name="isKnown">Whether a stem is a term of some tool; a word that is not, standing alone (not before
    /// another word: "remove the admin role from jane"), is taken for a person's name, i.e. a user.</param>
    public ParsedQuery Expand(string query, Func<string, bool>? isKnown = null)
    {
        var raw = SearchText.Words(SearchText.ReplaceValues(query));
        var stems = raw.Select(PorterStemmer.Stem).ToArray();
        var words = new List<List<Alternative>>();
        var actions = new HashSet<string>(StringComparer.Ordinal);
        var all = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var plural = false;
        var verbSeen = false;
        var person = false;
        for (var i = 0; i < raw.Count; i++)
        {
            // The longest phrase of the vocabulary that starts here, else the word itself.
            var length = 1;
            for (var n = Math.Min(MaxPhrase, raw.Count - i); n > 1; n--)
            {
                var phrase = string.Join(' ', raw.Skip(i).Take(n));
                if (Find(_concepts, phrase) is not null || Find(_verbs, phrase) is not null)
                {
                    length = n;
                    break;
                }
            }

            var key = string.Join(' ', raw.Skip(i).Take(length));
            var own = Enumerable.Range(i, length).Where(j => !SearchText.IsStopWord(raw[j])).Select(j => stems[j]).ToArray();
            var single = length == 1 ? raw[i] : null;
            i += length - 1;
            var labels = Find(_verbs, key);
            var stop = single is not null && SearchText.IsStopWord(single);
            if ((stop && labels is null) || !seen.Add(key))
            {
                continue;
            }

            if (labels is not null)
            {
                // The first verb is the request's own (later ones are in its clauses: "disable the rule that adds ...").
                if (!verbSeen || labels.All(l => l is "@list" or "@get"))
                {
                    actions.UnionWith(labels);
                }

                verbSeen |= labels.Any(l => l is not "@list" and not "@get");
            }
            else if (single is not null && IsPlural(single, own[0]))
            {
                plural = true;
            }

            // A word that only says "one" or "many" (all, which, details) is no term to look for.
            var alternatives = new List<Alternative>();
            if (own.Length > 0 && (labels is null || labels.Any(l => l is not "@list" and not "@get")))
            {
                // A verb says its action mostly through the action boost; as a word it counts less.
                alternatives.Add(new(own, labels is null ? 1f : VerbWeight));
            }

            var concepts = Find(_concepts, key);
            if (concepts is not null)
            {
                alternatives.AddRange(concepts.Select(c => new Alternative(c, ConceptWeight)));
            }

            foreach (var alternative in alternatives)
            {
                all.UnionWith(alternative.Stems);
            }

            if (alternatives.Count > 0)
            {
                words.Add(alternatives);
            }

            if (isKnown is not null && single is not null && labels is null && concepts is null && !isKnown(own[0])
                && (i + 1 >= raw.Count || SearchText.IsStopWord(raw[i + 1])))
            {
                person = true;
            }
        }

        if (person && seen.Add("@person"))
        {
            words.Add([new(["user"], PersonWeight)]);
            all.Add("user");
        }

        // Shape (one item or a list) matters for reading: a plural noun asks for a list unless a word asks for one item.
        var reading = actions.Count > 0 && !actions.Any(a => a is not "@list" and not "@get" and not "@read");
        if (!reading)
        {
            actions.Remove(ActionLabel("list"));
            actions.Remove(ActionLabel("get"));
        }
        else
        {
            if (plural && !actions.Contains(ActionLabel("get")))
            {
                actions.Add(ActionLabel("list"));
            }

            actions.Add(ActionLabel("read"));
        }

        return new ParsedQuery(words, actions, all);
    }

    /// <summary>Whether <paramref name="stem"/> is the stem of a verb of the vocabulary (a tool's name says its action with one).</summary>
    public bool IsVerb(string stem) => _verbStems.Contains(stem);

    // Keys are lower-case words as written (stemming would merge customer with custom, active with activity).
    private static T? Find<T>(Dictionary<string, T> entries, string key)
        where T : class
    {
        if (entries.TryGetValue(key, out var found))
        {
            return found;
        }

        // Inflections find their base word: apps → app, consented → consent, enrolling → enroll.
        foreach (var ending in (ReadOnlySpan<string>)["s", "ed", "d", "ing"])
        {
            if (key.Length > ending.Length + 2 && key.EndsWith(ending, StringComparison.Ordinal) && entries.TryGetValue(key[..^ending.Length], out found))
            {
                return found;
            }
        }

        return null;
    }

    private static bool IsPlural(string word, string stem) =>
        word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) && !word.EndsWith("us", StringComparison.Ordinal) && stem != word;

    // A key: its lower-case words joined with one space.
    private static string KeyOf(string phrase)
    {
        var terms = SearchText.Words(phrase).ToArray();
        return terms.Length is > 0 and <= MaxPhrase ? string.Join(' ', terms) : throw new FormatException($"search vocabulary: '{phrase.Trim()}' must be 1 to {MaxPhrase} words");
    }
}
