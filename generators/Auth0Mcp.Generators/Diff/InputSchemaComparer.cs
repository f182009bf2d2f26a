using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace Auth0Mcp.Generators.Diff;

/// <summary>
/// Compares two rendered tool input schemas (self-contained JSON Schema, see SchemaRenderer) from the caller's side:
/// a change is breaking when arguments that the old schema accepted may be rejected by the new one.
/// Subjects are argument paths: <c>id</c>, <c>body.name</c>, <c>body.identities[]</c>, <c>body.metadata.*</c>.
/// </summary>
internal static class InputSchemaComparer
{
    private static readonly string[] LowerBounds = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"];
    private static readonly string[] UpperBounds = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"];
    private static readonly string[] Exact = ["pattern", "format", "const", "contentMediaType"];
    private const int MaxListed = 5;

    public static IReadOnlyList<ChangeItem> Compare(string oldSchema, string newSchema)
    {
        if (string.Equals(oldSchema, newSchema, StringComparison.Ordinal))
        {
            return Array.Empty<ChangeItem>();
        }

        using var before = JsonDocument.Parse(oldSchema);
        using var after = JsonDocument.Parse(newSchema);
        var changes = new List<ChangeItem>();
        var described = new List<string>();
        CompareNode(before.RootElement, after.RootElement, "", changes, described);
        if (described.Count > 0)
        {
            var listed = string.Join(", ", described.Take(MaxListed)) + (described.Count > MaxListed ? $" (+{described.Count - MaxListed} more)" : "");
            changes.Add(new ChangeItem(ChangeKind.DescriptionChanged, listed, $"description of {described.Count} argument{(described.Count == 1 ? "" : "s")} changed", false));
        }

        if (changes.Count == 0)
        {
            // Something the comparer does not model (a default, an example, key order): still a new content hash.
            changes.Add(new ChangeItem(ChangeKind.SchemaChanged, "", "the input schema changed in keywords that do not affect validation", false));
        }

        return changes;
    }

    private static void CompareNode(JsonElement a, JsonElement b, string subject, List<ChangeItem> changes, List<string> described)
    {
        if (a.ValueKind != JsonValueKind.Object || b.ValueKind != JsonValueKind.Object)
        {
            if (a.GetRawText() != b.GetRawText())
            {
                changes.Add(new ChangeItem(ChangeKind.SchemaChanged, subject, "the schema changed", false));
            }

            return;
        }

        if (!CompareTypes(a, b, subject, changes))
        {
            return; // incompatible type: what is below no longer lines up
        }

        CompareEnum(a, b, subject, changes);
        CompareConstraints(a, b, subject, changes);
        if (subject.Length > 0 && Text(a, "description") != Text(b, "description"))
        {
            described.Add(subject);
        }

        CompareProperties(a, b, subject, changes, described);

        var itemsA = Get(a, "items");
        var itemsB = Get(b, "items");
        if (itemsA is { } ia && itemsB is { } ib)
        {
            CompareNode(ia, ib, subject + "[]", changes, described);
        }
        else if (itemsA is null && itemsB is not null)
        {
            changes.Add(new ChangeItem(ChangeKind.ConstraintChanged, subject, "array items are now constrained", true));
        }

        CompareAdditional(a, b, subject, changes, described);

        foreach (var keyword in new[] { "oneOf", "anyOf", "allOf" })
        {
            var before = Get(a, keyword)?.GetRawText();
            var after = Get(b, keyword)?.GetRawText();
            if (before != after)
            {
                changes.Add(new ChangeItem(ChangeKind.SchemaChanged, subject, $"the {keyword} alternatives changed (review: may be breaking)", false));
            }
        }
    }

    /// <summary>False when the type changed incompatibly (reported), so the caller stops descending.</summary>
    private static bool CompareTypes(JsonElement a, JsonElement b, string subject, List<ChangeItem> changes)
    {
        var before = Types(a);
        var after = Types(b);
        if (before.SetEquals(after))
        {
            return true;
        }

        // Widening (a new accepted type, integer → number, a dropped type keyword) keeps old arguments valid.
        var widened = after.Count == 0 || before.Count > 0 && before.All(t => after.Contains(t) || t == "integer" && after.Contains("number"));
        var detail = $"{Describe(before)} → {Describe(after)}";
        changes.Add(new ChangeItem(ChangeKind.ArgumentTypeChanged, subject, detail, !widened));
        return widened;
    }

    private static void CompareEnum(JsonElement a, JsonElement b, string subject, List<ChangeItem> changes)
    {
        var before = Values(Get(a, "enum"));
        var after = Values(Get(b, "enum"));
        if (before is null && after is null)
        {
            return;
        }

        if (before is null)
        {
            changes.Add(new ChangeItem(ChangeKind.ConstraintChanged, subject, "now limited to " + string.Join(", ", after!), true));
            return;
        }

        if (after is null)
        {
            changes.Add(new ChangeItem(ChangeKind.EnumValuesAdded, subject, "no longer limited to a list of values", false));
            return;
        }

        var removed = before.Where(v => !after.Contains(v)).ToList();
        var added = after.Where(v => !before.Contains(v)).ToList();
        if (removed.Count > 0)
        {
            changes.Add(new ChangeItem(ChangeKind.EnumValuesRemoved, subject, "values removed: " + string.Join(", ", removed), true));
        }

        if (added.Count > 0)
        {
            changes.Add(new ChangeItem(ChangeKind.EnumValuesAdded, subject, "values added: " + string.Join(", ", added), false));
        }
    }

    private static void CompareConstraints(JsonElement a, JsonElement b, string subject, List<ChangeItem> changes)
    {
        foreach (var keyword in LowerBounds.Concat(UpperBounds))
        {
            var before = Number(a, keyword);
            var after = Number(b, keyword);
            if (before == after)
            {
                continue;
            }

            var lower = Array.IndexOf(LowerBounds, keyword) >= 0;
            var tightened = after is { } n && (before is not { } o || (lower ? n > o : n < o));
            changes.Add(new ChangeItem(ChangeKind.ConstraintChanged, subject, $"{keyword} {Show(before)} → {Show(after)}", tightened));
        }

        foreach (var keyword in Exact)
        {
            var before = Get(a, keyword)?.GetRawText();
            var after = Get(b, keyword)?.GetRawText();
            if (before != after)
            {
                changes.Add(new ChangeItem(ChangeKind.ConstraintChanged, subject, $"{keyword} {before ?? "(none)"} → {after ?? "(none)"}", after is not null));
            }
        }
    }

    private static void CompareProperties(JsonElement a, JsonElement b, string subject, List<ChangeItem> changes, List<string> described)
    {
        var before = Properties(a);
        var after = Properties(b);
        if (before.Count == 0 && after.Count == 0)
        {
            return;
        }

        var requiredBefore = Strings(Get(a, "required"));
        var requiredAfter = Strings(Get(b, "required"));
        foreach (var pair in before)
        {
            var child = Child(subject, pair.Key);
            if (!after.TryGetValue(pair.Key, out var next))
            {
                changes.Add(new ChangeItem(ChangeKind.ArgumentRemoved, child, requiredBefore.Contains(pair.Key) ? "required argument removed" : "argument removed", true));
                continue;
            }

            if (!requiredBefore.Contains(pair.Key) && requiredAfter.Contains(pair.Key))
            {
                changes.Add(new ChangeItem(ChangeKind.ArgumentNowRequired, child, "optional → required", true));
            }
            else if (requiredBefore.Contains(pair.Key) && !requiredAfter.Contains(pair.Key))
            {
                changes.Add(new ChangeItem(ChangeKind.ArgumentNowOptional, child, "required → optional", false));
            }

            CompareNode(pair.Value, next, child, changes, described);
        }

        foreach (var pair in after)
        {
            if (!before.ContainsKey(pair.Key))
            {
                var required = requiredAfter.Contains(pair.Key);
                var type = Describe(Types(pair.Value));
                changes.Add(new ChangeItem(ChangeKind.ArgumentAdded, Child(subject, pair.Key), required ? $"new required argument ({type})" : $"new optional argument ({type})", required));
            }
        }
    }

    private static void CompareAdditional(JsonElement a, JsonElement b, string subject, List<ChangeItem> changes, List<string> described)
    {
        var before = Get(a, "additionalProperties");
        var after = Get(b, "additionalProperties");
        if (before is { ValueKind: JsonValueKind.Object } sa && after is { ValueKind: JsonValueKind.Object } sb)
        {
            CompareNode(sa, sb, Child(subject, "*"), changes, described);
            return;
        }

        var closedBefore = before is { ValueKind: JsonValueKind.False };
        var closedAfter = after is { ValueKind: JsonValueKind.False };
        if (closedBefore != closedAfter)
        {
            changes.Add(new ChangeItem(ChangeKind.ConstraintChanged, subject, closedAfter ? "no longer accepts unlisted properties" : "now accepts unlisted properties", closedAfter));
        }
    }

    private static string Child(string subject, string name) => subject.Length == 0 ? name : subject + "." + name;

    private static JsonElement? Get(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var value) ? value : null;

    private static string? Text(JsonElement e, string name) =>
        Get(e, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    private static double? Number(JsonElement e, string name) =>
        Get(e, name) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;

    private static string Show(double? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "(none)";

    private static HashSet<string> Types(JsonElement e)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (Get(e, "type") is { } type)
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                set.Add(type.GetString()!);
            }
            else if (type.ValueKind == JsonValueKind.Array)
            {
                foreach (var t in type.EnumerateArray())
                {
                    if (t.ValueKind == JsonValueKind.String)
                    {
                        set.Add(t.GetString()!);
                    }
                }
            }
        }

        return set;
    }

    private static string Describe(HashSet<string> types) =>
        types.Count == 0 ? "any" : string.Join("|", types.OrderBy(t => t, StringComparer.Ordinal));

    private static List<string>? Values(JsonElement? array) =>
        array is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().Select(v => v.GetRawText()).ToList() : null;

    private static HashSet<string> Strings(JsonElement? array) =>
        new(array is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!) : [], StringComparer.Ordinal);

    private static Dictionary<string, JsonElement> Properties(JsonElement e)
    {
        var map = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (Get(e, "properties") is { ValueKind: JsonValueKind.Object } properties)
        {
            foreach (var p in properties.EnumerateObject())
            {
                map[p.Name] = p.Value;
            }
        }

        return map;
    }
}
