using System.Runtime.InteropServices;
using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;

using Auth0Mcp.Sdk.Progressive;
using Auth0Mcp.Sdk.Progressive.Search;

namespace Auth0Mcp.Sdk.Tests.Progressive;

/// <summary>
/// The search index as it was before one index of the whole catalogue served every caller (commit a296287): built over
/// exactly the tools given. Kept as the reference the shared index must agree with, hit for hit and score for score
/// (<c>ToolSearchCorpusTests</c>).
/// </summary>
/// <remarks>
/// The original's summary: a BM25F index over a set of tool descriptors: each tool's name, title, group and path nouns, description,
/// parameter names, request-body field names (boolean flags such as <c>blocked</c> apart) and enum values are
/// weighted fields of one document. Queries are stemmed like the documents and widened with the curated
/// vocabulary (<see cref="SearchVocabulary"/>); a query verb also matches the tools of its action.
/// Immutable after <see cref="Build"/>; safe to search from many threads.
/// </remarks>
internal sealed class ReferenceToolSearchIndex
{
    // BM25 saturation; per-field weight and length normalisation (b) are in Fields.
    private const float K1 = 1.2f;

    // Multipliers: a tool of the action the query's verbs ask for; of the list/get shape it asks for; and the share
    // of the tool's name (its nouns) that the query covers.
    private const float ActionBoost = 0.5f;
    private const float ShapeBoost = 0.3f;
    private const float NameCoverageBoost = 0.5f;

    private static readonly (string Name, float Weight, float B)[] Fields =
    [
        ("name", 3.0f, 0.75f),
        ("title", 2.0f, 0.75f),
        ("where", 1.5f, 0.5f),
        ("description", 1.0f, 0.75f),
        ("parameters", 0.6f, 0.5f),
        ("body", 1.0f, 0.75f),
        ("nested", 0.3f, 0.75f),
        ("values", 0.3f, 0.75f),
    ];

    // The position of "body" in Fields.
    private const int BodyField = 5;

    private readonly Auth0ToolDescriptor[] _tools;
    private readonly Dictionary<string, (int Doc, float Weight)[]> _postings;
    private readonly string[][] _nouns;
    private readonly string[][] _labels;
    private readonly SearchVocabulary _vocabulary;

    private ReferenceToolSearchIndex(Auth0ToolDescriptor[] tools, Dictionary<string, (int, float)[]> postings, string[][] nouns, string[][] labels, SearchVocabulary vocabulary)
    {
        _tools = tools;
        _postings = postings;
        _nouns = nouns;
        _labels = labels;
        _vocabulary = vocabulary;
    }

    /// <summary>The tools in the index.</summary>
    public IReadOnlyList<Auth0ToolDescriptor> Tools => _tools;

    /// <summary>Indexes <paramref name="tools"/> with the built-in Auth0 vocabulary.</summary>
    public static ReferenceToolSearchIndex Build(IEnumerable<Auth0ToolDescriptor> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var docs = tools.ToArray();
        var vocabulary = SearchVocabulary.Default;

        // Term counts per field per document, then BM25F: tf' = Σ weight·tf / (1 − b + b·length/average length).
        var counts = new Dictionary<string, int>[docs.Length][];
        var lengths = new int[docs.Length][];
        var totals = new double[Fields.Length];
        var nouns = new string[docs.Length][];
        var labels = new string[docs.Length][];
        var analysis = new Analysis();
        var terms = docs.Select(d => FieldTerms(d, analysis)).ToArray();

        // A GET reads the fields its resource's PUT/PATCH writes (a spec-derived link: "session lifetime" finds
        // tenants_settings_get through tenants_settings_update's body).
        var written = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (var d = 0; d < docs.Length; d++)
        {
            if (docs[d].Method is "PUT" or "PATCH")
            {
                CollectionsMarshal.GetValueRefOrAddDefault(written, docs[d].Path, out _) ??= [];
                written[docs[d].Path].AddRange(terms[d][BodyField]);
            }
        }

        for (var d = 0; d < docs.Length; d++)
        {
            if (docs[d].Method == "GET" && written.TryGetValue(docs[d].Path, out var fields))
            {
                terms[d][BodyField] = [.. terms[d][BodyField], .. fields];
            }
        }

        for (var d = 0; d < docs.Length; d++)
        {
            var fieldTexts = terms[d];
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

            nouns[d] = fieldTexts[0].Where(t => !vocabulary.IsVerb(t)).Distinct(StringComparer.Ordinal).ToArray();
            labels[d] = SearchVocabulary.ActionLabels(docs[d]).ToArray();
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

        return new ReferenceToolSearchIndex(docs, postings, nouns, labels, vocabulary);
    }

    /// <summary>
    /// The tools that match <paramref name="query"/>, best first, among those that pass <paramref name="include"/>
    /// (all when null). A blank query returns every included tool by name.
    /// </summary>
    public IReadOnlyList<ToolSearchHit> Search(string? query, Func<Auth0ToolDescriptor, bool>? include = null)
    {
        var parsed = _vocabulary.Expand(query ?? "", _postings.ContainsKey);
        var scores = new float[_tools.Length];
        var matched = new int[_tools.Length];
        var best = new float[_tools.Length];
        var alternative = new float[_tools.Length];
        var present = new int[_tools.Length];
        var countable = 0;
        foreach (var word in parsed.Words)
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
                        present[doc]++;
                    }
                }

                for (var d = 0; d < alternative.Length; d++)
                {
                    // A multi-word alternative ("user grant") counts only where all its words are.
                    if (present[d] == stems.Length && alternative[d] > best[d])
                    {
                        best[d] = alternative[d];
                    }
                }

                Array.Clear(alternative);
                Array.Clear(present);
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

        var wantsAction = parsed.Actions.Where(a => a is not "@list" and not "@get").ToList();
        var wantsShape = parsed.Actions.Where(a => a is "@list" or "@get").ToList();
        var hits = new List<(ToolSearchHit Hit, int Nouns)>();
        for (var d = 0; d < _tools.Length; d++)
        {
            if (!(parsed.Words.Count == 0 || scores[d] > 0) || (include is not null && !include(_tools[d])))
            {
                continue;
            }

            var nouns = _nouns[d];
            var covered = nouns.Length == 0 ? 0f : (float)nouns.Count(parsed.Stems.Contains) / nouns.Length;
            var boost = 1 + (NameCoverageBoost * covered);
            if (wantsAction.Any(_labels[d].Contains))
            {
                boost *= 1 + ActionBoost;
            }

            if (wantsShape.Any(_labels[d].Contains))
            {
                boost *= 1 + ShapeBoost;
            }

            hits.Add((new ToolSearchHit(_tools[d], Math.Round(scores[d] * boost, 3), matched[d] == countable), nouns.Length));
        }

        // Equal scores: the tool with fewer name nouns (the more general one) first, then by name.
        return hits
            .OrderByDescending(h => h.Hit.Score)
            .ThenBy(h => h.Nouns)
            .ThenBy(h => h.Hit.Tool.Name, StringComparer.Ordinal)
            .Select(h => h.Hit)
            .ToList();
    }

    // The terms of each field of Fields, in order, for one tool.
    private static IReadOnlyList<string>[] FieldTerms(Auth0ToolDescriptor tool, Analysis analysis)
    {
        var name = tool.Name.StartsWith("auth0_", StringComparison.Ordinal) ? tool.Name[6..] : tool.Name;
        var where = string.Join(' ', tool.Group) + " " + string.Join(' ', tool.Path.Split('/').Where(s => !s.StartsWith('{')));
        var parameters = new List<string>();
        var body = new List<string>();
        var nested = new List<string>();
        var values = new List<string>();
        if (tool.InputSchemaElement.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                if (property.Name == "body")
                {
                    WalkBody(property.Value, 0, body, nested, values, analysis);
                }
                else
                {
                    parameters.AddRange(analysis.Terms(property.Name));
                    CollectEnum(property.Value, values, analysis);
                }
            }
        }

        return
        [
            analysis.Terms(name.Replace('_', ' ')),
            analysis.Terms(tool.Title),
            analysis.Terms(where),
            analysis.Terms(tool.Description),
            parameters,
            body,
            nested,
            values,
        ];
    }

    // Property names of the request body (its own fields, then nested ones) and enum values.
    private static void WalkBody(JsonElement schema, int depth, List<string> body, List<string> nested, List<string> values, Analysis analysis)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > 6)
        {
            return;
        }

        CollectEnum(schema, values, analysis);
        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                (depth == 0 ? body : nested).AddRange(analysis.Terms(property.Name));
                WalkBody(property.Value, depth + 1, body, nested, values, analysis);
            }
        }

        if (schema.TryGetProperty("items", out var items))
        {
            WalkBody(items, depth + 1, body, nested, values, analysis);
        }
    }

    private static void CollectEnum(JsonElement schema, List<string> values, Analysis analysis)
    {
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("enum", out var e) && e.ValueKind == JsonValueKind.Array)
        {
            foreach (var value in e.EnumerateArray())
            {
                if (value.ValueKind == JsonValueKind.String)
                {
                    values.AddRange(analysis.Terms(value.GetString()!));
                }
            }
        }
        else if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("items", out var items))
        {
            CollectEnum(items, values, analysis);
        }
    }

    // Terms of texts during one build, remembered: property names, enum values and words repeat across tools.
    private sealed class Analysis
    {
        private readonly Dictionary<string, string[]> _texts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _stems = new(StringComparer.Ordinal);

        public string[] Terms(string text)
        {
            if (_texts.TryGetValue(text, out var terms))
            {
                return terms;
            }

            var list = new List<string>();
            foreach (var word in SearchText.Words(text))
            {
                if (SearchText.IsStopWord(word))
                {
                    continue;
                }

                if (!_stems.TryGetValue(word, out var stem))
                {
                    _stems[word] = stem = PorterStemmer.Stem(word);
                }

                list.Add(stem);
            }

            return _texts[text] = [.. list];
        }
    }
}
