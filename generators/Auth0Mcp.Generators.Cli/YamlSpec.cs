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
                Write(writer, root, 0);
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
                    var child = pointer + "/" + SpecReader.Escape(KeyText(key));
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

    private static void Write(Utf8JsonWriter writer, YamlNode node, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"it nests deeper than {MaxDepth} levels (or an alias refers to itself) at line {node.Start.Line}.");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Children)
                {
                    var name = KeyText(key);
                    if (!seen.Add(name))
                    {
                        continue; // JSON keeps one member per name: the first, as the JSON reader would.
                    }

                    writer.WritePropertyName(name);
                    Write(writer, value, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static string KeyText(YamlNode key) => key is YamlScalarNode scalar ? scalar.Value ?? "" : key.ToString();

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
