using System.Text;
using System.Text.Json;

namespace Auth0Mcp.Sdk.Governance;

/// <summary>The arguments' view: what an approver and the audit see of a call's arguments (docs/security.md).</summary>
public sealed partial class JsonRedactor
{
    /// <summary>
    /// Names of objects whose members are named after things, not secrets: the member names are the object's keys, so
    /// the name rules do not apply to them. <c>customScripts</c> holds Auth0's custom database scripts by name
    /// (<c>login</c>, <c>get_user</c>, <c>create</c>, <c>verify</c>, <c>change_password</c>, <c>delete</c>,
    /// <c>change_email</c>): <c>change_password</c> there is JavaScript an approver must read, not a password.
    /// Canonical spelling (see <see cref="Canonical"/>). Honoured by the arguments' view only: answers keep their masks.
    /// </summary>
    private static readonly HashSet<string> NamedMembersParents = new(StringComparer.Ordinal) { "custom_scripts" };

    /// <summary>
    /// Maps of secrets by name (<c>parent.name</c>, canonical): objects whose every member is a secret stored under a name
    /// the user chose, so no name rule can find it. <c>options.configuration</c> is a connection's (a custom database's)
    /// settings, "encrypted string only configurations" (<c>{"MONGO_URI": "mongodb://admin:pw@…", "STRIPE_KEY": …}</c>),
    /// like a hook's secrets. The secrets redactor masks such an object whole in answers and prose (it is a secret name:
    /// <see cref="IsRedacted(string?, string)"/>); the arguments' view masks each member's string and keeps the names, so
    /// the approver and the audit see which settings were sent. (Maps of secrets that are a whole argument, such as a
    /// hook's secrets, are found from the tool's descriptor instead: <c>SecretMaps</c>.)
    /// </summary>
    private static readonly HashSet<string> SecretMapNames = new(StringComparer.Ordinal) { "options.configuration" };

    /// <summary>
    /// Redacts a call's arguments (a JSON text) for the people who judge them, an approver and the audit, so that they
    /// see everything that is sent except values that really are secrets; unlike <see cref="RedactText"/>, no mask can
    /// hide content a caller chose:
    /// <list type="bullet">
    /// <item>under a secret name (<see cref="IsRedacted(string?, string)"/>; the members of a <c>customScripts</c>
    /// object excepted), only a string is masked, whole (or each string of an array), unless it is nothing but public
    /// PEM blocks (a public key or certificate: <see cref="PemBlocks.PublicLabels"/>); an object or array there is
    /// never masked whole but read on, each member judged by its own name; numbers, booleans and null are shown;</item>
    /// <item>in every other string only what has a credential's shape is masked: the registered credential values,
    /// JWT-shaped runs, a <c>Bearer</c>/<c>Basic</c> token, the value of a secret-named assignment when it is one run
    /// of token characters (<c>api_key=…</c>, <c>password: "s3cr3t"</c>: no spaces, quotes, brackets, parentheses or
    /// colons, so it cannot be code or a URL), and a string that is nothing but PEM blocks with a private key among them. The full
    /// free-text patterns (a quoted value of any content, a PEM block to its END line) apply only to an argument that is
    /// itself a string (a query such as <c>q</c>): inside a body (an action's code, a page's HTML) they would hide
    /// whatever a caller puts between the quotes.</item>
    /// </list>
    /// A text that is not one valid JSON value is replaced by <see cref="Withheld"/> (counted as one). Maps of secrets
    /// (values under names the user chose) are masked before this, from the tool's descriptor (<c>SecretMaps</c>), or
    /// here when named by their parent (<see cref="SecretMapNames"/>: every member's string masked, the names shown).
    /// The argument <paramref name="bodyArgument"/> is the request body (<see cref="Auth0Mcp.Sdk.Catalog.Auth0RequestPlan.Body"/>):
    /// when it is a string (a text body, a template) it is judged like a string inside a body, without the free-text
    /// patterns. Null when the tool has no body (or is not known: every string argument is then judged as typed text).
    /// </summary>
    internal string RedactCallArguments(string json, string? bodyArgument, out int count)
    {
        ArgumentNullException.ThrowIfNull(json);
        var redacted = RedactArgumentsUtf8(Encoding.UTF8.GetBytes(json), bodyArgument, out count);
        if (redacted is null)
        {
            count = 1;
            return Withheld;
        }

        return count == 0 ? json : Encoding.UTF8.GetString(redacted);
    }

    /// <summary>Whether a property called <paramref name="name"/> inside <paramref name="parent"/> holds a secret in a call's arguments.</summary>
    private bool IsSecretArgument(string? parent, string name) =>
        (parent is null || !NamedMembersParents.Contains(Canonical(parent))) && IsRedacted(parent, name);

    /// <summary>Whether a property called <paramref name="name"/> inside <paramref name="parent"/> is a map of secrets (<see cref="SecretMapNames"/>).</summary>
    private bool IsSecretMap(string? parent, string name) =>
        _secrets && parent is not null && SecretMapNames.Contains(Canonical(parent) + "." + Canonical(name));

    /// <summary>The token-stream walk of <see cref="RedactCallArguments"/>; null when the input is not one valid JSON value.</summary>
    private byte[]? RedactArgumentsUtf8(ReadOnlySpan<byte> json, string? bodyArgument, out int count)
    {
        count = 0;
        json = Utf8Bom.Skip(json);

        var edits = new List<(long Start, long End, byte[] Replacement)>();
        try
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: true, new JsonReaderState(ReaderOptions));
            // Each open container: the property that holds it (an array's items inherit it), whether that name is secret,
            // and whether it is a map of secrets (each of its members is then secret, whatever its name).
            var owners = new Stack<(string? Name, bool Secret, bool Map)>();
            string? property = null;
            var secret = false;
            var map = false;
            var any = false;
            while (reader.Read())
            {
                any = true;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        owners.Push(property is not null ? (property, secret, map) : owners.Count > 0 ? owners.Peek() : (null, false, false));
                        property = null;
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        owners.Pop();
                        property = null;
                        break;
                    case JsonTokenType.PropertyName:
                        property = reader.GetString()!;
                        var parent = owners.Count > 0 ? owners.Peek() : (null, false, false);
                        secret = parent.Map || IsSecretArgument(parent.Name, property);
                        map = IsSecretMap(parent.Name, property);
                        break;
                    case JsonTokenType.String:
                        var underSecret = property is not null ? secret : owners.Count > 0 && owners.Peek().Secret;
                        // An argument that is itself a string (a query such as q, a path or header value) is short text
                        // a person typed: the free-text patterns apply there, never inside a body.
                        var freeText = owners.Count == 1 && property is not null && property != bodyArgument;
                        property = null;
                        if (MaskArgumentString(reader.GetString()!, underSecret, freeText, out var n) is { } masked)
                        {
                            edits.Add((reader.TokenStartIndex, reader.BytesConsumed, masked));
                            count += n;
                        }

                        break;
                    default:
                        property = null;
                        break;
                }
            }

            if (!any)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException or System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            count = 0;
            return null;
        }

        return edits.Count == 0 ? json.ToArray() : Splice(json, edits);
    }

    /// <summary>
    /// The JSON replacement of one argument string, or null when it is shown as it is: under a secret name masked whole
    /// unless it is only public PEM blocks; anywhere, a private key alone is masked whole, and credentials inside it.
    /// </summary>
    private byte[]? MaskArgumentString(string value, bool underSecretName, bool freeText, out int count)
    {
        count = 0;
        var pem = PemBlocks.Classify(value);
        if (underSecretName ? pem != PemBlocks.Kind.Public : _secrets && pem == PemBlocks.Kind.PrivateKey)
        {
            count = 1;
            return MaskJson;
        }

        if (!_secrets)
        {
            return null;
        }

        var masked = freeText ? SecretText.Mask(value, IsSecretWord, out count) : SecretText.MaskCredentials(value, IsSecretWord, out count);
        return count > 0 ? EncodeString(masked) : null;
    }
}
