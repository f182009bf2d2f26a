using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Tools;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>What an <see cref="ArgumentPolicy"/> demands of the value at its path.</summary>
public enum ArgumentOperator
{
    /// <summary>The value is present and equal (as JSON) to the operand.</summary>
    EqualTo,

    /// <summary>The value is present and equal to one of the operand's items.</summary>
    In,

    /// <summary>The value, when present, equals none of the operand's items.</summary>
    NotIn,

    /// <summary>
    /// The value is absent: not given, or a null argument (which is not sent). A null inside an argument is present: a
    /// JSON body sends it, and in a PATCH it unsets the field (form and multipart bodies leave nulls out; the rule
    /// refuses there too, failing closed).
    /// </summary>
    Absent,

    /// <summary>The value is a present string matching the operand (a .NET regular expression; anchor it yourself).</summary>
    Matches,

    /// <summary>The value, when present, is a number at most the operand.</summary>
    Max,

    /// <summary>The value, when present, is an object whose fields are all among the operand's names.</summary>
    OnlyTheseFields,
}

/// <summary>
/// One typed rule on a tool's arguments: for the tools matching <see cref="Tools"/>, the value at the JSON pointer
/// <see cref="Path"/> (e.g. <c>/body/connection</c>, <c>/id</c>, <c>/per_page</c>) must satisfy <see cref="Operator"/>.
/// A call that breaks a rule is refused as <c>policy-denied: NAME</c>. Rules are checked at start against each
/// tool's input schema (<see cref="Validate"/>).
/// </summary>
public sealed class ArgumentPolicy : ArgumentRule
{
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);
    private Regex? _regex;

    /// <summary>Creates a rule; see the static factories for the common shapes.</summary>
    /// <param name="name">The rule's name, shown in refusals, the audit and <c>tools show</c>.</param>
    /// <param name="tools">Tool names or globs (e.g. <c>auth0_connections_*</c>).</param>
    /// <param name="path">A JSON pointer into the tool's arguments.</param>
    /// <param name="op">The operator.</param>
    /// <param name="operand">The operand as JSON (none for <see cref="ArgumentOperator.Absent"/>).</param>
    public ArgumentPolicy(string name, IReadOnlyList<string> tools, string path, ArgumentOperator op, JsonElement? operand = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(path);
        Name = name;
        Tools = tools;
        Path = path;
        Operator = op;
        Operand = operand is { } value ? Compact(value) : null;
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>Tool names or globs the rule applies to.</summary>
    public IReadOnlyList<string> Tools { get; }

    /// <summary>The JSON pointer into the arguments (the first segment is the argument name).</summary>
    public string Path { get; }

    /// <summary>The operator.</summary>
    public ArgumentOperator Operator { get; }

    /// <summary>The operand (null for <see cref="ArgumentOperator.Absent"/>).</summary>
    public JsonElement? Operand { get; }

    /// <summary>The operator's name in settings files: <c>equals</c>, <c>in</c>, <c>not-in</c>, <c>absent</c>, <c>matches</c>, <c>max</c>, <c>only-these-fields</c>.</summary>
    public string OperatorName => NameOf(Operator);

    /// <summary>The rule in words, e.g. <c>/per_page max 50</c>.</summary>
    public override string ToString() => Operator == ArgumentOperator.Absent ? $"{Path} absent" : $"{Path} {OperatorName} {Operand?.GetRawText()}";

    // ------------------------------------------------------------ factories

    /// <summary>The value at <paramref name="path"/> must equal <paramref name="value"/>.</summary>
    public static ArgumentPolicy EqualTo(string name, string tools, string path, JsonElement value) =>
        new(name, [tools], path, ArgumentOperator.EqualTo, value);

    /// <summary>The string at <paramref name="path"/> must equal <paramref name="value"/>.</summary>
    public static ArgumentPolicy EqualTo(string name, string tools, string path, string value) =>
        new(name, [tools], path, ArgumentOperator.EqualTo, JsonSerializer.SerializeToElement(value, GovernanceJsonContext.Default.String));

    /// <summary>The value at <paramref name="path"/> must be one of <paramref name="values"/>.</summary>
    public static ArgumentPolicy In(string name, string tools, string path, params string[] values) =>
        new(name, [tools], path, ArgumentOperator.In, Strings(values));

    /// <summary>The value at <paramref name="path"/>, when present, must be none of <paramref name="values"/>.</summary>
    public static ArgumentPolicy NotIn(string name, string tools, string path, params string[] values) =>
        new(name, [tools], path, ArgumentOperator.NotIn, Strings(values));

    /// <summary>The value at <paramref name="path"/> must be absent.</summary>
    public static ArgumentPolicy Absent(string name, string tools, string path) =>
        new(name, [tools], path, ArgumentOperator.Absent);

    /// <summary>The string at <paramref name="path"/> must be present and match <paramref name="pattern"/>.</summary>
    public static ArgumentPolicy Matches(string name, string tools, string path, string pattern) =>
        new(name, [tools], path, ArgumentOperator.Matches, JsonSerializer.SerializeToElement(pattern, GovernanceJsonContext.Default.String));

    /// <summary>The number at <paramref name="path"/>, when present, must be at most <paramref name="max"/>.</summary>
    public static ArgumentPolicy Max(string name, string tools, string path, double max) =>
        new(name, [tools], path, ArgumentOperator.Max, JsonSerializer.SerializeToElement(max, GovernanceJsonContext.Default.Double));

    /// <summary>The object at <paramref name="path"/>, when present, may carry only <paramref name="fields"/>.</summary>
    public static ArgumentPolicy OnlyTheseFields(string name, string tools, string path, params string[] fields) =>
        new(name, [tools], path, ArgumentOperator.OnlyTheseFields, Strings(fields));

    // ------------------------------------------------------------ settings

    /// <summary>
    /// Reads rules from a settings array: <c>[{"Name": "...", "Tools": "glob" | ["glob", ...], "Path": "/per_page", "Max": 50}, ...]</c>,
    /// exactly one operator key per rule (<c>Equals</c>, <c>In</c>, <c>NotIn</c>, <c>Absent</c>, <c>Matches</c>, <c>Max</c>,
    /// <c>OnlyTheseFields</c>; case and dashes ignored). Problems are added to <paramref name="errors"/>, naming the rule.
    /// </summary>
    internal static IReadOnlyList<ArgumentPolicy> Parse(JsonElement rules, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var result = new List<ArgumentPolicy>();
        if (rules.ValueKind != JsonValueKind.Array)
        {
            errors.Add("argument policies must be an array of rules");
            return result;
        }

        var index = 0;
        foreach (var rule in rules.EnumerateArray())
        {
            index++;
            var label = $"argument policy #{index}";
            if (rule.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{label} must be an object");
                continue;
            }

            string? name = null, path = null;
            var tools = new List<string>();
            var operators = new List<(ArgumentOperator Op, JsonElement Value)>();
            foreach (var p in rule.EnumerateObject())
            {
                switch (GovernanceNames.Normalize(p.Name))
                {
                    case "name": name = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null; break;
                    case "path": path = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null; break;
                    case "tools" or "tool":
                        if (p.Value.ValueKind == JsonValueKind.String)
                        {
                            tools.Add(p.Value.GetString()!);
                        }
                        else if (p.Value.ValueKind == JsonValueKind.Array && p.Value.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String))
                        {
                            tools.AddRange(p.Value.EnumerateArray().Select(t => t.GetString()!));
                        }
                        else
                        {
                            errors.Add($"{label}: Tools must be a tool name or glob, or an array of them");
                        }

                        break;
                    default:
                        if (TryParseOperator(p.Name, out var op))
                        {
                            operators.Add((op, p.Value));
                        }
                        else
                        {
                            errors.Add($"{label}: unknown key '{p.Name}' (Name, Tools, Path and one of equals, in, not-in, absent, matches, max, only-these-fields)");
                        }

                        break;
                }
            }

            if (string.IsNullOrWhiteSpace(name))
            {
                errors.Add($"{label} needs a Name (a string)");
                continue;
            }

            label = $"argument policy '{name}'";
            if (result.Any(r => r.Name == name))
            {
                errors.Add($"{label} is defined twice");
            }

            if (tools.Count == 0)
            {
                errors.Add($"{label} needs Tools (a tool name or glob, or an array of them)");
            }

            if (string.IsNullOrEmpty(path))
            {
                errors.Add($"{label} needs a Path (a JSON pointer such as /per_page or /body/connection)");
            }

            if (operators.Count != 1)
            {
                errors.Add($"{label} needs exactly one operator (equals, in, not-in, absent, matches, max, only-these-fields), found {operators.Count}");
            }

            if (tools.Count == 0 || string.IsNullOrEmpty(path) || operators.Count != 1)
            {
                continue;
            }

            var (oper, value) = operators[0];
            if (oper == ArgumentOperator.Absent && value.ValueKind != JsonValueKind.True)
            {
                errors.Add($"{label}: absent takes the value true");
                continue;
            }

            result.Add(new ArgumentPolicy(name, tools, path, oper, oper == ArgumentOperator.Absent ? null : value));
        }

        return result;
    }

    /// <summary>
    /// Checks every rule against the input schemas of <paramref name="catalog"/>: the tool patterns match a tool, the
    /// path exists in the schema of every named tool (for a glob: of at least one matching tool, and the rule then
    /// applies to those only), and the operator and operand fit the type there. Each problem names its rule.
    /// </summary>
    public static IReadOnlyList<string> Validate(IEnumerable<ArgumentPolicy> policies, IEnumerable<Auth0ToolDescriptor> catalog)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(catalog);
        var tools = catalog.ToList();
        var errors = new List<string>();
        foreach (var policy in policies)
        {
            var label = $"argument policy '{policy.Name}'";
            var own = policy.CheckOperand();
            if (own is not null)
            {
                errors.Add($"{label}: {own}");
                continue;
            }

            foreach (var pattern in policy.Tools)
            {
                var matched = tools.Where(t => Glob.IsMatch(pattern, t.Name)).ToList();
                if (matched.Count == 0)
                {
                    errors.Add($"{label}: no tool matches '{pattern}'");
                    continue;
                }

                var withPath = 0;
                foreach (var tool in matched)
                {
                    var problem = policy.CheckAgainst(tool, out var hasPath);
                    if (hasPath)
                    {
                        withPath++;
                    }

                    if (problem is not null && (hasPath || !Glob.HasWildcard(pattern)))
                    {
                        errors.Add($"{label}: {problem}");
                    }
                }

                if (withPath == 0 && Glob.HasWildcard(pattern))
                {
                    errors.Add($"{label}: {policy.Path} is in the input schema of no tool matching '{pattern}'");
                }
            }
        }

        return errors;
    }

    /// <summary>Whether the rule applies to <paramref name="tool"/>: a pattern matches it and its schema has the path.</summary>
    public override bool AppliesTo(Auth0ToolDescriptor tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        if (!Glob.MatchesAny(Tools, tool.Name))
        {
            return false;
        }

        // An exact name always applies (a missing path is a start-up error); a glob applies where the path exists.
        return Tools.Any(p => !Glob.HasWildcard(p) && p == tool.Name) || SchemaPath.Resolve(tool.InputSchema, Path) is not null;
    }

    /// <inheritdoc />
    public override string? Check(IReadOnlyDictionary<string, JsonElement> arguments) => Check(arguments, null);

    /// <summary>
    /// <see cref="Check(IReadOnlyDictionary{string, JsonElement})"/> for a call of <paramref name="tool"/>: a refusal
    /// never quotes a secret value, one under a secret name (the path's last name inside its parent, or any name on
    /// the way to it, as the redactor judges names) or inside one of the tool's maps of secrets (<see cref="SecretMaps"/>).
    /// </summary>
    internal string? Check(IReadOnlyDictionary<string, JsonElement> arguments, Auth0ToolDescriptor? tool)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var present = TryFind(arguments, out var value, out var secret);
        secret |= tool is not null && SecretMaps.ArgumentsOf(tool).Contains(SchemaPath.Segments(Path) is [var first, ..] ? first : "", StringComparer.Ordinal);
        string Short(JsonElement v) => secret ? JsonRedactor.Mask : ShortValue(v);
        switch (Operator)
        {
            case ArgumentOperator.Absent:
                return present ? $"{Path} must be absent" : null;
            case ArgumentOperator.EqualTo:
                return !present ? $"{Path} is required and must be {Operand!.Value.GetRawText()}"
                    : JsonElement.DeepEquals(value, Operand!.Value) ? null
                    : $"{Path} must be {Operand.Value.GetRawText()}, got {Short(value)}";
            case ArgumentOperator.In:
                return !present ? $"{Path} is required and must be one of {Operand!.Value.GetRawText()}"
                    : Operand!.Value.EnumerateArray().Any(o => JsonElement.DeepEquals(o, value)) ? null
                    : $"{Path} must be one of {Operand.Value.GetRawText()}, got {Short(value)}";
            case ArgumentOperator.NotIn:
                return present && Operand!.Value.EnumerateArray().Any(o => JsonElement.DeepEquals(o, value))
                    ? $"{Path} must not be {Short(value)}"
                    : null;
            case ArgumentOperator.Matches:
                if (!present || value.ValueKind != JsonValueKind.String)
                {
                    return $"{Path} is required and must be a string matching {Operand!.Value.GetRawText()}";
                }

                try
                {
                    return Pattern().IsMatch(value.GetString()!) ? null : $"{Path} must match {Operand!.Value.GetRawText()}, got {Short(value)}";
                }
                catch (RegexMatchTimeoutException)
                {
                    return $"{Path} took too long to match {Operand!.Value.GetRawText()}";
                }

            case ArgumentOperator.Max:
                if (!present)
                {
                    return null;
                }

                return value.ValueKind == JsonValueKind.Number && value.GetDouble() <= Operand!.Value.GetDouble()
                    ? null
                    : $"{Path} must be at most {Operand!.Value.GetRawText()}, got {Short(value)}";
            case ArgumentOperator.OnlyTheseFields:
                if (!present)
                {
                    return null;
                }

                if (value.ValueKind != JsonValueKind.Object)
                {
                    return $"{Path} must be an object";
                }

                var allowed = Operand!.Value.EnumerateArray().Select(f => f.GetString()).ToHashSet(StringComparer.Ordinal);
                var extra = value.EnumerateObject().Select(p => p.Name).Where(n => !allowed.Contains(n)).ToList();
                return extra.Count == 0 ? null : $"{Path} may set only {string.Join(", ", allowed)}; not {string.Join(", ", extra)}";
            default:
                return $"unknown operator {Operator}";
        }
    }

    // ------------------------------------------------------------ internals

    /// <summary>
    /// A compact copy, so that the operand reads the same in refusals and <c>tools show</c> however it was written; with
    /// only what JSON needs escaped (quotes, backslashes, control characters), so <c>^(a+)+$</c> or <c>é</c> reads as
    /// written, not <c>\u002B</c>.
    /// </summary>
    private static JsonElement Compact(JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            value.WriteTo(writer);
        }

        using var doc = JsonDocument.Parse(buffer.ToArray());
        return doc.RootElement.Clone();
    }

    private static JsonElement Strings(string[] values) => JsonSerializer.SerializeToElement(values, GovernanceJsonContext.Default.StringArray);

    private static string NameOf(ArgumentOperator op) => op switch
    {
        ArgumentOperator.EqualTo => "equals",
        ArgumentOperator.In => "in",
        ArgumentOperator.NotIn => "not-in",
        ArgumentOperator.Absent => "absent",
        ArgumentOperator.Matches => "matches",
        ArgumentOperator.Max => "max",
        _ => "only-these-fields",
    };

    private static bool TryParseOperator(string text, out ArgumentOperator op)
    {
        foreach (var candidate in Enum.GetValues<ArgumentOperator>())
        {
            if (GovernanceNames.Normalize(NameOf(candidate)) == GovernanceNames.Normalize(text))
            {
                op = candidate;
                return true;
            }
        }

        op = default;
        return false;
    }

    private Regex Pattern() => _regex ??= SchemaPattern.Compile(Operand!.Value.GetString()!, PatternTimeout);

    private static string ShortValue(JsonElement value)
    {
        var text = JsonRedactor.Secrets.RedactText(value.GetRawText(), out _);
        return text.Length > 80 ? text[..80] + "…" : text;
    }

    /// <summary>The operand's own problem (shape, regex), independent of any schema.</summary>
    private string? CheckOperand()
    {
        if (!Path.StartsWith('/') || Path.Length < 2)
        {
            return $"Path '{Path}' is not a JSON pointer to an argument (it starts with '/', e.g. /per_page)";
        }

        var operand = Operand;
        switch (Operator)
        {
            case ArgumentOperator.Absent:
                return null;
            case ArgumentOperator.EqualTo:
                return operand is null ? "equals needs a value" : null;
            case ArgumentOperator.In or ArgumentOperator.NotIn:
                return operand is { ValueKind: JsonValueKind.Array } a && a.GetArrayLength() > 0 ? null : $"{OperatorName} needs a non-empty array of values";
            case ArgumentOperator.Matches:
                if (operand is not { ValueKind: JsonValueKind.String } s)
                {
                    return "matches needs a regular expression (a string)";
                }

                try
                {
                    _ = SchemaPattern.Compile(s.GetString()!, PatternTimeout);
                    return null;
                }
                catch (ArgumentException ex)
                {
                    return $"matches: invalid regular expression: {ex.Message}";
                }

            case ArgumentOperator.Max:
                return operand is { ValueKind: JsonValueKind.Number } ? null : "max needs a number";
            default:
                return operand is { ValueKind: JsonValueKind.Array } f && f.GetArrayLength() > 0 && f.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String)
                    ? null
                    : "only-these-fields needs a non-empty array of field names";
        }
    }

    /// <summary>Whether the rule fits <paramref name="tool"/>'s schema; null when it does.</summary>
    private string? CheckAgainst(Auth0ToolDescriptor tool, out bool hasPath)
    {
        var target = SchemaPath.Resolve(tool.InputSchema, Path);
        hasPath = target is not null;
        if (target is null)
        {
            return $"{Path} is not in the input schema of {tool.Name}";
        }

        var types = target.Types;
        bool Fits(JsonElement value) => types.Count == 0 || types.Contains(KindName(value)) || (value.ValueKind == JsonValueKind.Number && types.Contains("integer") && value.TryGetInt64(out _));
        string Type() => types.Count == 0 ? "any" : string.Join("|", types.Order(StringComparer.Ordinal));

        switch (Operator)
        {
            case ArgumentOperator.Absent:
                return target.Required ? $"absent can never hold on {tool.Name}: its schema requires {Path}" : null;
            case ArgumentOperator.EqualTo:
                return Fits(Operand!.Value) ? null : $"equals {Operand.Value.GetRawText()} does not fit {Path} of {tool.Name} ({Type()})";
            case ArgumentOperator.In or ArgumentOperator.NotIn:
                var misfit = Operand!.Value.EnumerateArray().FirstOrDefault(v => !Fits(v));
                return misfit.ValueKind == JsonValueKind.Undefined ? null : $"{OperatorName} value {misfit.GetRawText()} does not fit {Path} of {tool.Name} ({Type()})";
            case ArgumentOperator.Matches:
                return types.Count == 0 || types.Contains("string") ? null : $"matches needs a string, but {Path} of {tool.Name} is {Type()}";
            case ArgumentOperator.Max:
                return types.Count == 0 || types.Contains("number") || types.Contains("integer") ? null : $"max needs a number, but {Path} of {tool.Name} is {Type()}";
            default:
                if (types.Count > 0 && !types.Contains("object"))
                {
                    return $"only-these-fields needs an object, but {Path} of {tool.Name} is {Type()}";
                }

                var unknown = Operand!.Value.EnumerateArray().Select(f => f.GetString()!).Where(f => target.Properties is { } props && !props.Contains(f)).ToList();
                return unknown.Count == 0 ? null : $"only-these-fields names {string.Join(", ", unknown)}, not properties of {Path} of {tool.Name}";
        }
    }

    private static string KindName(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        _ => "null",
    };

    // The value at Path, and whether it is secret by name: a property name on the way (with the property that holds it;
    // an array passes its own name on to its items, as the redactor reads JSON) is one JsonRedactor.Secrets masks.
    // Present means sent: a null argument is left out of the request, but a null inside a body goes as written (a JSON
    // body is sent byte for byte, and in a PATCH a null unsets the field), so there it is present.
    private bool TryFind(IReadOnlyDictionary<string, JsonElement> arguments, out JsonElement value, out bool secret)
    {
        value = default;
        var segments = SchemaPath.Segments(Path);
        secret = segments.Count > 0 && JsonRedactor.Secrets.IsRedacted(null, segments[0]);
        if (segments.Count == 0 || !arguments.TryGetValue(segments[0], out var current))
        {
            return false;
        }

        var owner = segments[0];
        for (var i = 1; i < segments.Count; i++)
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segments[i], out var child))
            {
                secret |= JsonRedactor.Secrets.IsRedacted(owner, segments[i]);
                owner = segments[i];
                current = child;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return false;
            }
        }

        value = current;
        return current.ValueKind != JsonValueKind.Undefined && (current.ValueKind != JsonValueKind.Null || segments.Count > 1);
    }
}
