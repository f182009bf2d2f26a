using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;

namespace Auth0Mcp.Sdk.Progressive.Search;

/// <summary>
/// A BM25F index over a set of tool descriptors: each tool's name, title, group and path nouns, description,
/// parameter names, request-body field names (boolean flags such as <c>blocked</c> apart) and enum values are
/// weighted fields of one document. Queries are stemmed like the documents and widened with the curated
/// vocabulary (<see cref="SearchVocabulary"/>); a query verb also matches the tools of its action.
/// </summary>
/// <remarks>
/// The index holds each tool's raw term counts per field; a search ranks within a subset of its tools (a caller's
/// entitled ones) exactly as an index built over that subset alone would: the statistics BM25F takes from the set
/// (how many tools, the average field lengths, each term's document frequency, and which PUT/PATCH bodies a GET
/// reads) are worked out for that subset during the search, from the postings of the query's terms. So one index
/// of the whole catalogue serves every caller. Immutable after <see cref="Build"/>; safe to search from many threads.
/// </remarks>
internal sealed class ToolSearchIndex
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
    private readonly Dictionary<Auth0ToolDescriptor, int> _ids;

    // Per tool: its own term count per field (term → counts by field), the length of each field, its body's terms,
    // and for a GET the PUT/PATCH tools of the same path (whose body fields it reads when they are in the set).
    private readonly Dictionary<string, (int Doc, int[] Counts)[]> _postings;
    private readonly Dictionary<string, int[]> _readers;
    private readonly int[][] _lengths;
    private readonly Dictionary<string, int>[] _bodies;
    private readonly int[][] _writers;
    private readonly string[][] _nouns;
    private readonly string[][] _labels;
    private readonly SearchVocabulary _vocabulary;

    private ToolSearchIndex(Auth0ToolDescriptor[] tools, Dictionary<string, (int, int[])[]> postings, Dictionary<string, int[]> readers, int[][] lengths, Dictionary<string, int>[] bodies, int[][] writers, string[][] nouns, string[][] labels, SearchVocabulary vocabulary)
    {
        _tools = tools;
        _ids = new Dictionary<Auth0ToolDescriptor, int>(tools.Length, ReferenceEqualityComparer.Instance);
        for (var d = 0; d < tools.Length; d++)
        {
            _ids[tools[d]] = d;
        }

        _postings = postings;
        _readers = readers;
        _lengths = lengths;
        _bodies = bodies;
        _writers = writers;
        _nouns = nouns;
        _labels = labels;
        _vocabulary = vocabulary;
    }

    /// <summary>The tools in the index (each once).</summary>
    public IReadOnlyList<Auth0ToolDescriptor> Tools => _tools;

    /// <summary>Whether <paramref name="tool"/> (this instance) is in the index.</summary>
    public bool Contains(Auth0ToolDescriptor tool) => _ids.ContainsKey(tool);

    /// <summary>Indexes <paramref name="tools"/> (each instance once) with the built-in Auth0 vocabulary.</summary>
    public static ToolSearchIndex Build(IEnumerable<Auth0ToolDescriptor> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var docs = tools.Distinct(ReferenceEqualityComparer.Instance).Cast<Auth0ToolDescriptor>().ToArray();
        var vocabulary = SearchVocabulary.Default;
        var analysis = new Analysis();
        var lengths = new int[docs.Length][];
        var bodies = new Dictionary<string, int>[docs.Length];
        var nouns = new string[docs.Length][];
        var labels = new string[docs.Length][];
        var postings = new Dictionary<string, List<(int, int[])>>(StringComparer.Ordinal);
        for (var d = 0; d < docs.Length; d++)
        {
            var terms = FieldTerms(docs[d], analysis);
            var counts = new Dictionary<string, int[]>(StringComparer.Ordinal);
            lengths[d] = new int[Fields.Length];
            for (var f = 0; f < Fields.Length; f++)
            {
                foreach (var term in terms[f])
                {
                    if (!counts.TryGetValue(term, out var byField))
                    {
                        counts[term] = byField = new int[Fields.Length];
                    }

                    byField[f]++;
                }

                lengths[d][f] = terms[f].Count;
            }

            foreach (var (term, byField) in counts)
            {
                if (!postings.TryGetValue(term, out var list))
                {
                    postings[term] = list = [];
                }

                list.Add((d, byField));
            }

            bodies[d] = counts.Where(c => c.Value[BodyField] > 0).ToDictionary(c => c.Key, c => c.Value[BodyField], StringComparer.Ordinal);
            nouns[d] = terms[0].Where(t => !vocabulary.IsVerb(t)).Distinct(StringComparer.Ordinal).ToArray();
            labels[d] = SearchVocabulary.ActionLabels(docs[d]).ToArray();
        }

        // A GET reads the fields its resource's PUT/PATCH writes (a spec-derived link: "session lifetime" finds
        // tenants_settings_get through tenants_settings_update's body), when that PUT/PATCH is in the searched set.
        var writersOf = docs.Select((t, d) => (t, d)).Where(x => x.t.Method is "PUT" or "PATCH")
            .ToLookup(x => x.t.Path, x => x.d, StringComparer.Ordinal);
        var writers = new int[docs.Length][];
        var readers = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        for (var d = 0; d < docs.Length; d++)
        {
            writers[d] = docs[d].Method == "GET" ? [.. writersOf[docs[d].Path]] : [];
            foreach (var w in writers[d])
            {
                foreach (var term in bodies[w].Keys)
                {
                    if (!readers.TryGetValue(term, out var set))
                    {
                        readers[term] = set = [];
                    }

                    set.Add(d);
                }
            }
        }

        return new ToolSearchIndex(
            docs,
            postings.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal),
            readers.ToDictionary(r => r.Key, r => r.Value.Order().ToArray(), StringComparer.Ordinal),
            lengths,
            bodies,
            writers,
            nouns,
            labels,
            vocabulary);
    }

    /// <summary>
    /// The tools that match <paramref name="query"/>, best first, among those that pass <paramref name="include"/>
    /// (all when null), ranked over every tool of the index. A blank query returns every included tool by name.
    /// </summary>
    public IReadOnlyList<ToolSearchHit> Search(string? query, Func<Auth0ToolDescriptor, bool>? include = null) =>
        Search(_tools, query, include);

    /// <summary>
    /// The tools of <paramref name="tools"/> (a subset of the index's, each once) that match <paramref name="query"/>,
    /// best first, among those that pass <paramref name="include"/> (all when null): ranked as an index built over
    /// exactly <paramref name="tools"/> would rank them. A blank query returns every included tool by name.
    /// </summary>
    public IReadOnlyList<ToolSearchHit> Search(IReadOnlyList<Auth0ToolDescriptor> tools, string? query, Func<Auth0ToolDescriptor, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var set = new SetView(this, tools);
        var parsed = _vocabulary.Expand(query ?? "", set.IsKnown);
        var n = tools.Count;
        var scores = new float[n];
        var matched = new int[n];
        var best = new float[n];
        var alternative = new float[n];
        var present = new int[n];
        var countable = 0;
        foreach (var word in parsed.Words)
        {
            Array.Clear(best);
            var any = false;
            foreach (var (stems, weight) in word)
            {
                foreach (var stem in stems)
                {
                    var list = set.Postings(stem);
                    if (list is null)
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
        for (var d = 0; d < n; d++)
        {
            if (!(parsed.Words.Count == 0 || scores[d] > 0) || (include is not null && !include(tools[d])))
            {
                continue;
            }

            var id = set.Ids[d];
            var nouns = _nouns[id];
            var covered = nouns.Length == 0 ? 0f : (float)nouns.Count(parsed.Stems.Contains) / nouns.Length;
            var boost = 1 + (NameCoverageBoost * covered);
            if (wantsAction.Any(_labels[id].Contains))
            {
                boost *= 1 + ActionBoost;
            }

            if (wantsShape.Any(_labels[id].Contains))
            {
                boost *= 1 + ShapeBoost;
            }

            hits.Add((new ToolSearchHit(tools[d], Math.Round(scores[d] * boost, 3), matched[d] == countable), nouns.Length));
        }

        // Equal scores: the tool with fewer name nouns (the more general one) first, then by name.
        return hits
            .OrderByDescending(h => h.Hit.Score)
            .ThenBy(h => h.Nouns)
            .ThenBy(h => h.Hit.Tool.Name, StringComparer.Ordinal)
            .Select(h => h.Hit)
            .ToList();
    }

    /// <summary>
    /// One search's subset of the index: each tool's position in it, the set's field lengths and their averages,
    /// and each query term's postings within it (position, final BM25F contribution), worked out once per term.
    /// </summary>
    private sealed class SetView
    {
        private readonly ToolSearchIndex _index;
        private readonly int[] _positions;
        private readonly int[] _bodyLengths;
        private readonly double[] _average;
        private readonly Dictionary<string, (int Doc, float Score)[]?> _terms = new(StringComparer.Ordinal);

        public SetView(ToolSearchIndex index, IReadOnlyList<Auth0ToolDescriptor> tools)
        {
            _index = index;
            Ids = new int[tools.Count];
            _positions = new int[index._tools.Length];
            Array.Fill(_positions, -1);
            for (var p = 0; p < tools.Count; p++)
            {
                if (!index._ids.TryGetValue(tools[p], out var id))
                {
                    throw new ArgumentException($"tool '{tools[p].Name}' is not in the index", nameof(tools));
                }

                if (_positions[id] >= 0)
                {
                    throw new ArgumentException($"tool '{tools[p].Name}' is in the set twice", nameof(tools));
                }

                Ids[p] = id;
                _positions[id] = p;
            }

            // Field lengths over the set (a GET's body with the bodies of the set's PUT/PATCH of its path), then BM25F's
            // averages: tf' = Σ weight·tf / (1 − b + b·length/average length).
            _bodyLengths = new int[tools.Count];
            var totals = new double[Fields.Length];
            for (var p = 0; p < tools.Count; p++)
            {
                var lengths = index._lengths[Ids[p]];
                var body = lengths[BodyField];
                foreach (var w in index._writers[Ids[p]])
                {
                    if (_positions[w] >= 0)
                    {
                        body += index._lengths[w][BodyField];
                    }
                }

                _bodyLengths[p] = body;
                for (var f = 0; f < Fields.Length; f++)
                {
                    totals[f] += f == BodyField ? body : lengths[f];
                }
            }

            _average = totals.Select(t => tools.Count == 0 ? 1 : Math.Max(1, t / tools.Count)).ToArray();
        }

        /// <summary>The index's id of each tool of the set, by position.</summary>
        public int[] Ids { get; }

        /// <summary>Whether some tool of the set has <paramref name="stem"/>.</summary>
        public bool IsKnown(string stem) => Postings(stem) is not null;

        /// <summary>The postings of <paramref name="stem"/> within the set, by position; null when no tool of it has the stem.</summary>
        public (int Doc, float Score)[]? Postings(string stem)
        {
            if (_terms.TryGetValue(stem, out var known))
            {
                return known;
            }

            var weights = new List<(int Position, float Weight)>();
            var counts = new int[Fields.Length];
            var seen = new HashSet<int>();
            void Add(int id, int[]? own)
            {
                var p = _positions[id];
                if (p < 0 || !seen.Add(p))
                {
                    return;
                }

                if (own is null)
                {
                    Array.Clear(counts);
                }
                else
                {
                    own.CopyTo(counts, 0);
                }

                foreach (var w in _index._writers[id])
                {
                    if (_positions[w] >= 0)
                    {
                        counts[BodyField] += _index._bodies[w].GetValueOrDefault(stem);
                    }
                }

                var tf = 0f;
                var any = false;
                for (var f = 0; f < Fields.Length; f++)
                {
                    if (counts[f] == 0)
                    {
                        continue;
                    }

                    var (_, weight, b) = Fields[f];
                    var length = f == BodyField ? _bodyLengths[p] : _index._lengths[id][f];
                    var norm = (float)(1 - b + (b * length / _average[f]));
                    tf = tf + (weight * counts[f] / norm);
                    any = true;
                }

                if (any)
                {
                    weights.Add((p, tf));
                }
            }

            if (_index._postings.TryGetValue(stem, out var postings))
            {
                foreach (var (id, own) in postings)
                {
                    Add(id, own);
                }
            }

            if (_index._readers.TryGetValue(stem, out var readers))
            {
                foreach (var id in readers)
                {
                    if (_positions[id] >= 0 && !seen.Contains(_positions[id]))
                    {
                        Add(id, null);
                    }
                }
            }

            (int, float)[]? result = null;
            if (weights.Count > 0)
            {
                // Each posting's final contribution: idf · tf'(k1 + 1) / (tf' + k1).
                var n = Ids.Length;
                var idf = (float)Math.Log(1 + ((n - weights.Count + 0.5) / (weights.Count + 0.5)));
                result = weights.Select(w => (w.Position, idf * w.Weight * (K1 + 1) / (w.Weight + K1))).ToArray();
            }

            return _terms[stem] = result;
        }
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
