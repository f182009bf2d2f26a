using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Progressive.Search;

/// <summary>
/// A BM25F index over a set of tool descriptors: each tool's name, title, group and path nouns, description,
/// parameter names, request-body field names (boolean flags such as <c>blocked</c> apart) and enum values are
/// weighted fields of one document. Queries are stemmed like the documents and widened with the curated
/// vocabulary (<see cref="SearchVocabulary"/>); a query verb also matches the tools of its action.
/// </summary>
/// <remarks>Immutable after <see cref="Build"/>; safe to search from many threads.</remarks>
public sealed class ToolSearchIndex
{
    // BM25 saturation; per-field weight and length normalisation (b) are in Fields.
    private const float K1 = 1.2f;

    // A vocabulary alternative scores this share of the word itself; a verb's action, this share.
    private const float ConceptWeight = 0.8f;
    private const float ActionWeight = 0.6f;

    private static readonly (string Name, float Weight, float B)[] Fields =
    [
        ("name", 3.0f, 0.3f),
        ("title", 2.0f, 0.5f),
        ("where", 1.5f, 0.3f),
        ("description", 1.0f, 0.75f),
        ("parameters", 0.6f, 0.5f),
        ("flags", 1.2f, 0.5f),
        ("fields", 0.5f, 0.75f),
        ("values", 0.3f, 0.75f),
        ("action", 1.0f, 0f),
    ];

    private readonly Auth0ToolDescriptor[] _tools;
    private readonly Dictionary<Auth0ToolDescriptor, int> _position;
    private readonly Dictionary<string, (int Doc, float Weight)[]> _postings;
    private readonly int[] _nameLength;
    private readonly SearchVocabulary _vocabulary;

    private ToolSearchIndex(Auth0ToolDescriptor[] tools, Dictionary<string, (int, float)[]> postings, int[] nameLength, SearchVocabulary vocabulary)
    {
        _tools = tools;
        _postings = postings;
        _nameLength = nameLength;
        _vocabulary = vocabulary;
        _position = new Dictionary<Auth0ToolDescriptor, int>(tools.Length, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < tools.Length; i++)
        {
            _position.TryAdd(tools[i], i);
        }
    }

    /// <summary>The tools in the index.</summary>
    public IReadOnlyList<Auth0ToolDescriptor> Tools => _tools;

    /// <summary>Indexes <paramref name="tools"/> with the built-in Auth0 vocabulary.</summary>
    public static ToolSearchIndex Build(IEnumerable<Auth0ToolDescriptor> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var docs = tools.ToArray();
        var vocabulary = SearchVocabulary.Default;

        // Term counts per field per document, then BM25F: tf' = Σ weight·tf / (1 − b + b·length/average length).
        var counts = new Dictionary<string, int>[docs.Length][];
        var lengths = new int[docs.Length][];
        var totals = new double[Fields.Length];
        var nameLength = new int[docs.Length];
        for (var d = 0; d < docs.Length; d++)
        {
            var fieldTexts = FieldTerms(docs[d]);
            counts[d] = new Dictionary<string, int>[Fields.Length];
            lengths[d] = new int[Fields.Length];
            for (var f = 0; f < Fields.Length; f++)
            {
                var bag = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var term in fieldTexts[f])
                {
                    bag[term] = bag.GetValueOrDefault(term) + 1;
                }

                counts[d][f] = bag;
                lengths[d][f] = fieldTexts[f].Count;
                totals[f] += fieldTexts[f].Count;
            }

            nameLength[d] = fieldTexts[0].Count;
        }

        var average = totals.Select(t => docs.Length == 0 ? 1 : Math.Max(1, t / docs.Length)).ToArray();
        var weights = new Dictionary<string, List<(int, float)>>(StringComparer.Ordinal);
        for (var d = 0; d < docs.Length; d++)
        {
            var doc = new Dictionary<string, float>(StringComparer.Ordinal);
            for (var f = 0; f < Fields.Length; f++)
            {
                var (_, weight, b) = Fields[f];
                var norm = (float)(1 - b + (b * lengths[d][f] / average[f]));
                foreach (var (term, tf) in counts[d][f])
                {
                    doc[term] = doc.GetValueOrDefault(term) + (weight * tf / norm);
                }
            }

            foreach (var (term, tf) in doc)
            {
                if (!weights.TryGetValue(term, out var list))
                {
                    weights[term] = list = [];
                }

                list.Add((d, tf));
            }
        }

        // Store each posting's final contribution: idf · tf'(k1 + 1) / (tf' + k1).
        var postings = new Dictionary<string, (int, float)[]>(weights.Count, StringComparer.Ordinal);
        foreach (var (term, list) in weights)
        {
            var idf = (float)Math.Log(1 + ((docs.Length - list.Count + 0.5) / (list.Count + 0.5)));
            postings[term] = list.Select(p => (p.Item1, idf * p.Item2 * (K1 + 1) / (p.Item2 + K1))).ToArray();
        }

        return new ToolSearchIndex(docs, postings, nameLength, vocabulary);
    }

    /// <summary>
    /// The tools that match <paramref name="query"/>, best first, among those that pass <paramref name="include"/>
    /// (all when null). A blank query returns every included tool by name.
    /// </summary>
    public IReadOnlyList<ToolSearchHit> Search(string? query, Func<Auth0ToolDescriptor, bool>? include = null)
    {
        var words = _vocabulary.Expand(query ?? "");
        var scores = new float[_tools.Length];
        var matched = new int[_tools.Length];
        var best = new float[_tools.Length];
        var alternative = new float[_tools.Length];
        var countable = 0;
        foreach (var word in words)
        {
            Array.Clear(best);
            var any = false;
            foreach (var (stems, weight) in word)
            {
                foreach (var stem in stems)
                {
                    if (!_postings.TryGetValue(stem, out var list))
                    {
                        continue;
                    }

                    any = true;
                    var share = weight / stems.Length;
                    foreach (var (doc, score) in list)
                    {
                        // Accumulate the alternative's stems in place, then keep the best alternative below.
                        alternative[doc] += share * score;
                    }
                }

                for (var d = 0; d < alternative.Length; d++)
                {
                    if (alternative[d] > best[d])
                    {
                        best[d] = alternative[d];
                    }
                }

                Array.Clear(alternative);
            }

            if (!any)
            {
                continue; // a word no tool has (a name, a value) says nothing about which tool is meant
            }

            countable++;
            for (var d = 0; d < best.Length; d++)
            {
                if (best[d] > 0)
                {
                    scores[d] += best[d];
                    matched[d]++;
                }
            }
        }

        var hits = new List<ToolSearchHit>();
        for (var d = 0; d < _tools.Length; d++)
        {
            if ((words.Count == 0 || scores[d] > 0) && (include is null || include(_tools[d])))
            {
                hits.Add(new ToolSearchHit(_tools[d], Math.Round(scores[d], 3), matched[d] == countable));
            }
        }

        hits.Sort((x, y) =>
        {
            var c = y.Score.CompareTo(x.Score);
            if (c == 0)
            {
                c = _nameLength[_position[x.Tool]].CompareTo(_nameLength[_position[y.Tool]]);
            }

            return c != 0 ? c : string.CompareOrdinal(x.Tool.Name, y.Tool.Name);
        });
        return hits;
    }

    // The terms of each field of Fields, in order, for one tool.
    private static List<string>[] FieldTerms(Auth0ToolDescriptor tool)
    {
        var name = tool.Name.StartsWith("auth0_", StringComparison.Ordinal) ? tool.Name[6..] : tool.Name;
        var where = string.Join(' ', tool.Group) + " " + string.Join(' ', tool.Path.Split('/').Where(s => !s.StartsWith('{')));
        var parameters = new List<string>();
        var flags = new List<string>();
        var fields = new List<string>();
        var values = new List<string>();
        using (var schema = JsonDocument.Parse(tool.InputSchema))
        {
            if (schema.RootElement.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in properties.EnumerateObject())
                {
                    if (property.Name == "body")
                    {
                        WalkBody(property.Value, 0, flags, fields, values);
                    }
                    else
                    {
                        parameters.AddRange(SearchText.Terms(property.Name));
                        CollectEnum(property.Value, values);
                    }
                }
            }
        }

        return
        [
            SearchText.Terms(name.Replace('_', ' ')).ToList(),
            SearchText.Terms(tool.Title).ToList(),
            SearchText.Terms(where).ToList(),
            SearchText.Terms(tool.Description).ToList(),
            parameters,
            flags,
            fields,
            values,
            SearchVocabulary.ActionLabels(tool).ToList(),
        ];
    }

    // Property names of the request body at any depth (booleans directly in the body are flags) and enum values.
    private static void WalkBody(JsonElement schema, int depth, List<string> flags, List<string> fields, List<string> values)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > 6)
        {
            return;
        }

        CollectEnum(schema, values);
        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                var target = depth == 0 && IsBoolean(property.Value) ? flags : fields;
                target.AddRange(SearchText.Terms(property.Name));
                WalkBody(property.Value, depth + 1, flags, fields, values);
            }
        }

        if (schema.TryGetProperty("items", out var items))
        {
            WalkBody(items, depth + 1, flags, fields, values);
        }
    }

    private static void CollectEnum(JsonElement schema, List<string> values)
    {
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("enum", out var e) && e.ValueKind == JsonValueKind.Array)
        {
            foreach (var value in e.EnumerateArray())
            {
                if (value.ValueKind == JsonValueKind.String)
                {
                    values.AddRange(SearchText.Terms(value.GetString()!));
                }
            }
        }
        else if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("items", out var items))
        {
            CollectEnum(items, values);
        }
    }

    private static bool IsBoolean(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type) &&
        (type.ValueKind == JsonValueKind.String ? type.GetString() == "boolean" : type.ValueKind == JsonValueKind.Array && type.EnumerateArray().Any(t => t.GetString() == "boolean"));
}
