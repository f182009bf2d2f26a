using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>
/// Replaces the values of chosen JSON properties, at any depth and inside arrays, with a mask. Used by the
/// secret-masking and PII hooks on results and, always, on the arguments written to the audit log.
/// </summary>
public sealed partial class JsonRedactor
{
    /// <summary>The text that replaces a masked value.</summary>
    public const string Mask = "[REDACTED]";

    /// <summary>
    /// Property names whose values are secrets in Auth0 payloads (compared case-insensitively): client and
    /// signing secrets, private and signing keys, passwords, tokens.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultSecretNames =
    [
        "client_secret", "signing_secret", "secret", "private_key", "privateKey", "signing_keys", "signing_key",
        "password", "passwd", "new_password", "token", "access_token", "refresh_token", "id_token", "api_key",
        "apikey", "authorization", "client_assertion", "shared_secret", "secret_key", "pkcs8", "key_material",
        "recovery_code", "otp_secret", "totp_secret",
    ];

    /// <summary>Name endings that mark a secret too (<c>*_secret</c>, <c>*_token</c>, <c>*_password</c>, <c>*_private_key</c>, <c>*_api_key</c>).</summary>
    public static readonly IReadOnlyList<string> DefaultSecretSuffixes = ["_secret", "_token", "_password", "_private_key", "_api_key", "_secret_key"];

    /// <summary>Personal data fields of Auth0 users and logs, redacted by the PII hook when it is on.</summary>
    public static readonly IReadOnlyList<string> DefaultPiiNames =
    [
        "email", "phone_number", "name", "given_name", "family_name", "nickname", "picture", "username",
        "last_ip", "ip", "user_agent", "address", "birthdate", "user_metadata",
    ];

    private static readonly JsonRedactor SecretsInstance = new(DefaultSecretNames, DefaultSecretSuffixes, maskJwts: true);

    private readonly HashSet<string> _names;
    private readonly string[] _suffixes;
    private readonly bool _maskJwts;

    /// <summary>Creates a redactor for exact <paramref name="names"/> and name <paramref name="suffixes"/>.</summary>
    public JsonRedactor(IEnumerable<string> names, IEnumerable<string>? suffixes = null, bool maskJwts = false)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
        _suffixes = suffixes?.ToArray() ?? [];
        _maskJwts = maskJwts;
    }

    /// <summary>The redactor for the default secret names, suffixes and JWT-shaped values.</summary>
    public static JsonRedactor Secrets => SecretsInstance;

    /// <summary>Whether a property called <paramref name="name"/> is redacted.</summary>
    public bool IsRedacted(string name)
    {
        if (_names.Contains(name))
        {
            return true;
        }

        foreach (var suffix in _suffixes)
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Redacts in place; returns how many values were masked.</summary>
    public int Redact(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
            {
                var count = 0;
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    var child = obj[key];
                    if (IsRedacted(key) && child is not null)
                    {
                        obj[key] = Mask;
                        count++;
                    }
                    else if (_maskJwts && child is JsonValue v && v.TryGetValue<string>(out var s) && LooksLikeJwt(s))
                    {
                        obj[key] = Mask;
                        count++;
                    }
                    else
                    {
                        count += Redact(child);
                    }
                }

                return count;
            }

            case JsonArray array:
            {
                var count = 0;
                for (var i = 0; i < array.Count; i++)
                {
                    if (_maskJwts && array[i] is JsonValue v && v.TryGetValue<string>(out var s) && LooksLikeJwt(s))
                    {
                        array[i] = Mask;
                        count++;
                    }
                    else
                    {
                        count += Redact(array[i]);
                    }
                }

                return count;
            }

            default:
                return 0;
        }
    }

    /// <summary>Redacts a JSON text; text that is not JSON has only JWT-shaped runs masked (when enabled).</summary>
    public string RedactText(string text, out int count)
    {
        ArgumentNullException.ThrowIfNull(text);
        count = 0;
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.Length > 0 && (trimmed[0] == '{' || trimmed[0] == '['))
        {
            try
            {
                var node = JsonNode.Parse(text);
                count = Redact(node);
                return count == 0 ? text : node!.ToJsonString();
            }
            catch (JsonException)
            {
                // not JSON after all: fall through to the plain-text rule
            }
        }

        if (!_maskJwts)
        {
            return text;
        }

        var masked = 0;
        var result = JwtPattern().Replace(text, _ =>
        {
            masked++;
            return Mask;
        });
        // "client_secret=…", "password: …" in free text.
        result = AssignmentPattern().Replace(result, m =>
        {
            if (!IsRedacted(m.Groups["name"].Value) || m.Groups["value"].Value == Mask)
            {
                return m.Value;
            }

            masked++;
            return m.Groups["name"].Value + m.Groups["sep"].Value + Mask;
        });
        count = masked;
        return result;
    }

    /// <summary>Redacts a JSON element, returning a new element (or the same one when nothing matched).</summary>
    public JsonElement RedactElement(JsonElement element, out int count)
    {
        var node = JsonNode.Parse(element.GetRawText());
        count = Redact(node);
        if (count == 0)
        {
            return element;
        }

        using var doc = JsonDocument.Parse(node!.ToJsonString());
        return doc.RootElement.Clone();
    }

    private static bool LooksLikeJwt(string value) => value.Length > 30 && value.StartsWith("eyJ", StringComparison.Ordinal) && JwtPattern().IsMatch(value);

    [GeneratedRegex(@"(?<name>[A-Za-z_][A-Za-z0-9_]*)(?<sep>\s*[=:]\s*)(?<value>""[^""]*""|[^\s,;&]+)")]
    private static partial Regex AssignmentPattern();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")]
    private static partial Regex JwtPattern();
}
