using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Reading;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

/// <summary>
/// YAML specs, read in the pre-compile step only: the document becomes JSON text (YAML 1.2 core schema for plain
/// scalars; anchors, aliases and merge keys resolved) that the generation core and the Roslyn front end read, and
/// diagnostics are placed back on the YAML's own lines by JSON pointer. YamlDotNet thus never loads inside the
/// compiler, where another analyzer may bring a different version of it.
/// </summary>
internal static partial class YamlSpec
{
    private const int MaxDepth = 256;

    /// <summary>
    /// What the conversion may write, counted as one per JSON value and per member name plus the characters of each
    /// scalar and name, besides <see cref="WrittenPerCharacter"/> per character of the YAML: an alias is expanded
    /// wherever it appears, so ten levels of anchors that each repeat the one before ten times (500 bytes) would otherwise
    /// write ten billion values, and one long string aliased many times a text the square of the YAML's size. Without
    /// aliases every value and name stands in the YAML with at least its own characters and one more (a member name and
    /// its null value: `a:` and a newline), so no document without aliases reaches the budget, whatever its size; with
    /// them, the JSON stays linear in the YAML.
    /// </summary>
    internal const long MaxWritten = 1_000_000;

    /// <summary>What the conversion may write per character of the YAML, beyond <see cref="MaxWritten"/>.</summary>
    internal const long WrittenPerCharacter = 2;

    /// <summary>True for a .yaml/.yml file, or a spec whose first significant character does not open JSON (decoded only then).</summary>
    public static bool IsYaml(string path, SpecSource source)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension is ".yaml" or ".yml" || (extension != ".json" && IsYaml(path, source.Text));
    }

    /// <summary>True for a .yaml/.yml file, or text whose first significant character does not open JSON.</summary>
    public static bool IsYaml(string path, string text)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".yaml" or ".yml")
        {
            return true;
        }

        if (extension == ".json")
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c) && c != '\uFEFF')
            {
                return c is not ('{' or '[');
            }
        }

        return false;
    }

    /// <summary>The YAML document as JSON text, or null and an error diagnostic at the YAML's line.</summary>
    public static string? ToJson(string yaml, out DiagnosticInfo? error)
    {
        error = null;
        try
        {
            var root = Load(yaml);
            if (root is null)
            {
                error = new DiagnosticInfo(DiagnosticIds.InvalidYaml, Severity.Error, "The YAML spec is empty.", null, 1, 1);
                return null;
            }

            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream))
            {
                var budget = MaxWritten + (WrittenPerCharacter * yaml.Length);
                Write(writer, root, 0, ref budget);
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }
        catch (YamlException ex)
        {
            error = new DiagnosticInfo(DiagnosticIds.InvalidYaml, Severity.Error, "The spec is not valid YAML: " + (ex.InnerException?.Message ?? ex.Message), null, (int)ex.Start.Line, (int)ex.Start.Column);
            return null;
        }
        catch (InvalidOperationException ex)
        {
            error = new DiagnosticInfo(DiagnosticIds.InvalidYaml, Severity.Error, "The YAML spec cannot be read as JSON: " + ex.Message, null, 1, 1);
            return null;
        }
    }

    /// <summary>The YAML position (1-based) of each wanted JSON pointer: a mapping key, or a sequence item.</summary>
    public static Dictionary<string, (int Line, int Column)> FindPointers(string yaml, ISet<string> wanted)
    {
        var found = new Dictionary<string, (int Line, int Column)>(StringComparer.Ordinal);
        YamlNode? root;
        try
        {
            root = Load(yaml);
        }
        catch (YamlException)
        {
            return found;
        }

        if (root is not null)
        {
            Walk(root, "", wanted, found, 0);
        }

        return found;
    }

    private static YamlNode? Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(new StringReader(yaml))));
        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    private static void Walk(YamlNode node, string pointer, ISet<string> wanted, Dictionary<string, (int Line, int Column)> found, int depth)
    {
        if (depth > MaxDepth || found.Count == wanted.Count)
        {
            return;
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode scalarKey)
                    {
                        continue; // no JSON form: the conversion refuses it (A0MG016)
                    }

                    var child = pointer + "/" + SpecReader.Escape(scalarKey.Value ?? "");
                    if (wanted.Contains(child))
                    {
                        found.TryAdd(child, ((int)key.Start.Line, (int)key.Start.Column));
                    }

                    Walk(value, child, wanted, found, depth + 1);
                }

                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    var child = pointer + "/" + i.ToString(CultureInfo.InvariantCulture);
                    if (wanted.Contains(child))
                    {
                        found.TryAdd(child, ((int)sequence.Children[i].Start.Line, (int)sequence.Children[i].Start.Column));
                    }

                    Walk(sequence.Children[i], child, wanted, found, depth + 1);
                }

                break;
        }
    }

    /// <summary>Writes a node, counting it, each member name and their characters against <paramref name="budget"/> (<see cref="MaxWritten"/>).</summary>
    private static void Write(Utf8JsonWriter writer, YamlNode node, int depth, ref long budget)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"it nests deeper than {MaxDepth} levels (or an alias refers to itself) at line {node.Start.Line}.");
        }

        if (--budget < 0)
        {
            throw AliasesTooLarge(node);
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode scalarKey)
                    {
                        // A sequence or mapping as a key (`? [a, b]`) has no JSON form; its text, written before, also
                        // expanded the aliases in it past any budget (a 60 MB name from a few hundred bytes).
                        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"a mapping key at line {key.Start.Line} is a {(key is YamlSequenceNode ? "sequence" : "mapping")}, which JSON cannot have as a name (OpenAPI's names are strings)."));
                    }

                    var name = scalarKey.Value ?? "";
                    if (!seen.Add(name))
                    {
                        continue; // JSON keeps one member per name: the first, as the JSON reader would.
                    }

                    if ((budget -= 1 + name.Length) < 0)
                    {
                        throw AliasesTooLarge(key);
                    }

                    writer.WritePropertyName(name);
                    Write(writer, value, depth + 1, ref budget);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item, depth + 1, ref budget);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                if ((budget -= scalar.Value?.Length ?? 0) < 0)
                {
                    throw AliasesTooLarge(scalar);
                }

                WriteScalar(writer, scalar);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static InvalidOperationException AliasesTooLarge(YamlNode at) => new(string.Create(CultureInfo.InvariantCulture,
        $"its aliases expand past the limit of {MaxWritten:N0} JSON values and characters plus {WrittenPerCharacter} per character of the YAML (at line {at.Start.Line}): an anchor repeated many times, or inside anchors that are themselves repeated, grows the document past its own size."));

    /// <summary>Plain scalars typed by the YAML 1.2 core schema; quoted and block scalars are strings.</summary>
    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == "tag:yaml.org,2002:str"))
        {
            writer.WriteStringValue(value);
            return;
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                writer.WriteNullValue();
                return;
            case "true" or "True" or "TRUE":
                writer.WriteBooleanValue(true);
                return;
            case "false" or "False" or "FALSE":
                writer.WriteBooleanValue(false);
                return;
        }

        if (IntegerPattern().IsMatch(value) || FloatPattern().IsMatch(value))
        {
            // JSON has no leading '+' and no '.5': normalize through a number that keeps the digits.
            if (decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                writer.WriteNumberValue(number);
                return;
            }

            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
            {
                writer.WriteNumberValue(d);
                return;
            }
        }

        writer.WriteStringValue(value);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
