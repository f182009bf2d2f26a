using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using Json.Schema.Keywords;

namespace Auth0Mcp.Sdk.Tools;

/// <summary>
/// Validates a tool's arguments against its input schema with JsonSchema.Net (draft 2020-12, System.Text.Json,
/// trimming/AOT friendly): <c>oneOf</c> means exactly one, string lengths count code points, and the standard
/// <c>format</c>s (date-time, email, uri, hostname, ipv4/6, uuid, ...) are asserted; Auth0's own format names
/// (e.g. <c>client-id</c>) stay annotations. The top level of a generated input schema is always an object of named
/// arguments: it is checked here (required, unknown names), each argument against its own subschema, so the arguments
/// are never re-serialized into one document. Every error names the argument, e.g. <c>per_page: 500 should be at most 100</c>.
/// </summary>
internal sealed class Auth0ArgumentValidator
{
    private const int MaxErrors = 10;

    // The first of the static fields (they are initialized in order), so the library is initialized before any use.
    private static readonly Dialect Draft = CreateDialect();

    private static readonly Lock BuildLock = new();

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private readonly Dictionary<string, JsonSchema> _properties = new(StringComparer.Ordinal);
    private readonly string[] _required;
    private readonly bool _closed;

    /// <summary>Compiles <paramref name="inputSchema"/> (a tool's <c>"type": "object"</c> input schema, as text).</summary>
    public Auth0ArgumentValidator(string inputSchema)
        : this(JsonElement.Parse(inputSchema ?? throw new ArgumentNullException(nameof(inputSchema))))
    {
    }

    /// <summary>
    /// Compiles <paramref name="root"/>, a tool's input schema that outlives the validator (the descriptor's
    /// <c>InputSchemaElement</c>, or an element that owns its data): the built schemas keep parts of it, not copies.
    /// </summary>
    public Auth0ArgumentValidator(JsonElement root)
    {
        if (root.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            // Options of their own, so a shared registry does not keep every tool's schemas for the life of the
            // process. And one build at a time: registering a built schema also reads registries the library shares
            // process-wide, which are not safe for concurrent writers (validators are built on first call, by
            // concurrent calls). Once per tool, so the lock is off the hot path.
            var build = new BuildOptions { Dialect = Draft };
            lock (BuildLock)
            {
                foreach (var property in properties.EnumerateObject())
                {
                    _properties[property.Name] = JsonSchema.Build(property.Value, build);
                }
            }
        }

        _required = root.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array
            ? required.EnumerateArray().Select(r => r.GetString()!).ToArray()
            : [];
        _closed = root.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False;
    }

    /// <summary>Validates <paramref name="arguments"/>; returns the errors, each naming the argument (empty when valid).</summary>
    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        var errors = new List<string>();
        foreach (var name in _required)
        {
            if (arguments is null || !arguments.TryGetValue(name, out var value) || value.ValueKind is JsonValueKind.Undefined)
            {
                errors.Add($"{name}: is required");
            }
        }

        foreach (var (name, value) in arguments ?? new Dictionary<string, JsonElement>())
        {
            if (!_properties.TryGetValue(name, out var schema))
            {
                if (_closed)
                {
                    errors.Add($"{name}: is not a known argument (known: {string.Join(", ", _properties.Keys)})");
                }

                continue;
            }

            var result = schema.Evaluate(value, Evaluation);
            if (!result.IsValid)
            {
                Collect(name, result, errors);
            }

            if (errors.Count >= MaxErrors)
            {
                break;
            }
        }

        return errors.Count > MaxErrors ? errors[..MaxErrors] : errors;
    }

    /// <summary>
    /// The errors of a failed evaluation, each at its place. Errors of a branch that did not have to match are left out:
    /// under a part of the schema that passed (a <c>oneOf</c> or <c>anyOf</c> another branch of which matched), a
    /// failing branch says nothing about the value. A part that failed with no message of its own and no failing part
    /// under it (a <c>oneOf</c> that more than one branch matched) is named with what it needed.
    /// </summary>
    private static void Collect(string name, EvaluationResults result, List<string> errors)
    {
        var before = errors.Count;
        var nodes = result.Details ?? [];
        var passed = new HashSet<string>(nodes.Where(n => n.IsValid).Select(n => n.EvaluationPath.ToString()), StringComparer.Ordinal);
        var failed = nodes.Where(n => !n.IsValid && !UnderAPass(n.EvaluationPath.ToString(), passed)).ToList();
        foreach (var node in failed)
        {
            var at = Where(name, node.InstanceLocation.ToString());
            if (node.Errors is { Count: > 0 } messages)
            {
                foreach (var (_, message) in messages)
                {
                    Add(at + ": " + message);
                }

                continue;
            }

            var path = node.EvaluationPath.ToString();
            if (!failed.Any(n => n.EvaluationPath.ToString().StartsWith(path + "/", StringComparison.Ordinal)))
            {
                Add(at + (nodes.Any(n => n.EvaluationPath.ToString().StartsWith(path + "/oneOf/", StringComparison.Ordinal))
                    ? ": matches more than one of its alternatives (oneOf), and must match exactly one"
                    : ": does not match its schema"));
            }
        }

        foreach (var (_, message) in result.Errors ?? new Dictionary<string, string>())
        {
            Add(name + ": " + message);
        }

        if (errors.Count == before)
        {
            errors.Add(name + ": does not match its schema");
        }

        void Add(string line)
        {
            if (!errors.Contains(line, StringComparer.Ordinal))
            {
                errors.Add(line);
            }
        }
    }

    /// <summary>Whether a part of the schema that encloses <paramref name="path"/> (an evaluation path) passed.</summary>
    private static bool UnderAPass(string path, HashSet<string> passed)
    {
        for (var i = path.IndexOf('/', StringComparison.Ordinal); i >= 0; i = path.IndexOf('/', i + 1))
        {
            if (passed.Contains(path[..i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An argument name plus a JSON pointer inside it, as <c>body.tags[0]</c>.</summary>
    private static string Where(string name, string pointer)
    {
        var sb = new StringBuilder(name);
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var s = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (s.All(char.IsAsciiDigit))
            {
                sb.Append('[').Append(s).Append(']');
            }
            else
            {
                sb.Append('.').Append(s);
            }
        }

        return sb.ToString();
    }

    /// <summary><c>maxLength</c>/<c>minLength</c> counted in code points, as JSON Schema defines them (not UTF-16 units or graphemes).</summary>
    private sealed class CodePointLengthKeyword(string name, bool max) : IKeywordHandler
    {
        public string Name => name;

        public object? ValidateKeywordValue(JsonElement value) => value.GetInt64();

        public void BuildSubschemas(KeywordData keyword, BuildContext context)
        {
        }

        public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
        {
            if (context.Instance.ValueKind != JsonValueKind.String)
            {
                return KeywordEvaluation.Ignore;
            }

            var limit = (long)keyword.Value!;
            long length = 0;
            foreach (var _ in context.Instance.GetString()!.EnumerateRunes())
            {
                length++;
            }

            var valid = max ? length <= limit : length >= limit;
            return new KeywordEvaluation
            {
                Keyword = name,
                IsValid = valid,
                Error = valid ? null : $"has {length} characters; {(max ? "at most" : "at least")} {limit} allowed",
            };
        }
    }

    /// <summary><c>pattern</c> with ECMA-262's meanings where .NET's would let a value through (<see cref="SchemaPattern"/>).</summary>
    private sealed class EcmaPatternKeyword : IKeywordHandler
    {
        public string Name => "pattern";

        public object? ValidateKeywordValue(JsonElement value) =>
            value.ValueKind == JsonValueKind.String ? SchemaPattern.Compile(value.GetString()!) : throw new JsonSchemaException("'pattern' must be a string");

        public void BuildSubschemas(KeywordData keyword, BuildContext context)
        {
        }

        public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
        {
            if (context.Instance.ValueKind != JsonValueKind.String)
            {
                return KeywordEvaluation.Ignore;
            }

            var regex = (Regex)keyword.Value!;
            bool valid;
            try
            {
                valid = regex.IsMatch(context.Instance.GetString()!);
            }
            catch (RegexMatchTimeoutException)
            {
                valid = false;
            }

            return new KeywordEvaluation
            {
                Keyword = Name,
                IsValid = valid,
                Error = valid ? null : $"does not match the pattern {keyword.RawValue.GetString()}",
            };
        }
    }

    /// <summary>
    /// Draft 2020-12 with string lengths in code points, and ECMA-262 patterns, once JsonSchema.Net's own initialization (its vocabularies,
    /// dialects and meta-schemas) has run. That initialization is the library's module initializer: under the JIT it runs
    /// when the assembly is first loaded, at the first validation, but Native AOT runs every module initializer before
    /// <c>Main</c>, where it was a fifth of the server's start. A Native AOT publish of any app that uses this package
    /// therefore removes the call from the library's module constructor (buildTransitive/Auth0Mcp.Sdk.Substitutions.xml),
    /// and the validator makes it here, before its first use. The library's method is idempotent: where the module
    /// initializer did run, this does nothing.
    /// </summary>
    private static Dialect CreateDialect()
    {
        JsonSchemaNetInitialize(null);
        return Dialect.Draft202012
            .Without([MaxLengthKeyword.Instance, MinLengthKeyword.Instance, PatternKeyword.Instance])
            .With([new CodePointLengthKeyword("maxLength", max: true), new CodePointLengthKeyword("minLength", max: false), new EcmaPatternKeyword()]);
    }

    [UnsafeAccessor(UnsafeAccessorKind.StaticMethod, Name = "Initialize")]
    private static extern void JsonSchemaNetInitialize([UnsafeAccessorType("Json.Schema.__ModuleInitialization, JsonSchema.Net")] object? library);
}
