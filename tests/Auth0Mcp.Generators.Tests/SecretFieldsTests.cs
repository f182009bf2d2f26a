using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Generators.Binding;
using Auth0Mcp.Generators.Tests.Infrastructure;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Generators.Tests;

/// <summary>
/// Issue 11 item 2: the generator marks the spec's secret properties, and the runtime redactor with that list masks
/// every secret-looking property of every response schema, request body and parameter of the pinned spec (a secret
/// that is only ever sent, such as an email provider's connection string, reaches the audit and the approver).
/// </summary>
public sealed partial class SecretFieldsTests(FullSpecFixture spec) : IClassFixture<FullSpecFixture>
{
    /// <summary>The properties the issue found unmasked in the spec's own 2xx schemas.</summary>
    public static TheoryData<string> MissedByTheOldList =>
    [
        "sasKey", "storageAccessKey", "servicePassword", "httpAuthorization", "datadogApiKey", "splunkToken",
        "mixpanelServiceAccountPassword", "segmentWriteKey", "aws_secret_access_key", "skey", "pem", "clientSecret",
        "secretAccessKey", "smtp_pass",
    ];

    /// <summary>
    /// Secret-looking names (by the broad test pattern below) that are reviewed as NOT secret, each with its reason.
    /// A new spec that adds a secret-looking property fails the walk until it is marked or reviewed here.
    /// </summary>
    private static readonly Dictionary<string, string> ReviewedNotSecret = new(StringComparer.Ordinal)
    {
        ["public_key"] = "a public key",
        ["site_key"] = "a captcha site key is public (embedded in pages)",
        ["header_key"] = "the name of an HTTP header, not its value",
        ["key"] = "a rules-config or form-field name; PEM keys under *Key.key are marked qualified",
        ["key_id"] = "an identifier", ["keyId"] = "an identifier", ["private_key_id"] = "an identifier",
        ["sasKeyName"] = "the name of the SAS key", ["aws_access_key_id"] = "an AWS access key id (not the secret)",
        ["accessKeyId"] = "an AWS access key id (not the secret)", ["ikey"] = "the Duo integration key (an identifier)",
        ["token_id"] = "an identifier", ["subject_token_type"] = "a URI naming a token type",
        ["token_endpoint"] = "a URL", ["tokenEndpointUrl"] = "a URL", ["tokenURL"] = "a URL", ["requestTokenURL"] = "a URL",
        ["accessTokenURL"] = "a URL", ["authorizationURL"] = "a URL", ["userAuthorizationURL"] = "a URL",
        ["authorization_endpoint"] = "a URL", ["token_endpoint_auth_method"] = "an enum", ["token_dialect"] = "an enum",
        ["token_endpoint_auth_signing_alg"] = "an algorithm name", ["token_endpoint_jwtca_aud_format"] = "an enum",
        ["key_use"] = "an enum", ["auth_method"] = "an enum", ["passwordPolicy"] = "a policy name",
        ["challenge_password_policy"] = "an enum", ["challenge_password_reset_policy"] = "an enum",
        ["challenge_passwordless_policy"] = "an enum", ["last_password_reset"] = "a date", ["change_password"] = "a custom script",
        ["credential_type"] = "an enum", ["credential_device_type"] = "an enum", ["preferred_authentication_method"] = "an enum",
        ["authentication_flow"] = "an enum", ["last_auth"] = "a date", ["last_auth_at"] = "a date", ["cert"] = "a public certificate",
        ["signingCert"] = "a public certificate", ["certificate_authority"] = "a public certificate authority",
        ["custom_certificate_authority"] = "a public certificate", ["authnContextClassRef"] = "a SAML class reference",
        ["client_authorizequery"] = "a query string of public parameters", ["admin_access_token_expiresin"] = "a duration",
        ["global_token_revocation_jwt_iss"] = "an issuer", ["global_token_revocation_jwt_sub"] = "a subject",
        ["dpop_signing_alg"] = "an algorithm name", ["signing_alg"] = "an algorithm name", ["auth0"] = "an attribute mapping",
        ["auth0_mapping"] = "an attribute mapping", ["authenticated_at"] = "a date", ["signatureAlgorithm"] = "an algorithm name",
        ["webhook_authorization"] = "a oneOf of objects that carry the method and a user name, never the secret",

        // Found by the walk of request bodies and parameters.
        ["auth0-custom-domain"] = "a header parameter: a host name", ["authentication_method_id"] = "an identifier (a path parameter)",
        ["credential_id"] = "an identifier (a path parameter)", ["tokenId"] = "an identifier (a path parameter)",
        ["tokenset_id"] = "an identifier (a path parameter)",
        ["credentials"] = "a phone provider's credentials, an anyOf of objects (no type, so the walk's string test admits it): each member judged by its own name (auth_token)",
    };

    [Theory]
    [MemberData(nameof(MissedByTheOldList))]
    public void Collect_FullSpec_MarksWhatTheIssueFoundUnmasked(string name)
    {
        var names = SecretFields.Collect(spec.Text);

        Assert.Contains(name, names);
    }

    [Fact]
    public void Collect_FullSpec_MarksThePemPrivateKeyUnderASigningKeyQualified()
    {
        var names = SecretFields.Collect(spec.Text);

        Assert.Contains(names, n => n.EndsWith(".key", StringComparison.Ordinal) && JsonRedactor.Canonical(n[..^4]) == "signing_key");
        Assert.DoesNotContain("key", names);
    }

    [Fact]
    public void Redactor_WithTheGeneratedList_MasksEverySecretLookingResponseProperty()
    {
        var (walked, missed) = Unmasked(Properties(spec.Text, requests: false));

        Assert.True(walked > 1000, $"only {walked} response properties walked");
        Assert.True(missed.Count == 0, "Secret-looking response properties neither masked nor reviewed: " + string.Join(", ", missed));
    }

    [Fact]
    public void Redactor_WithTheGeneratedList_MasksEverySecretLookingRequestProperty()
    {
        // Request bodies and parameters: what a caller sends is what the audit and the approver see (the arguments' view
        // judges names as the redactor does). connectionString, only ever sent, was found here.
        var (walked, missed) = Unmasked(Properties(spec.Text, requests: true));

        Assert.True(walked > 1000, $"only {walked} request properties walked");
        Assert.True(missed.Count == 0, "Secret-looking request properties neither masked nor reviewed: " + string.Join(", ", missed));
    }

    [Fact]
    public void Collect_FullSpec_MarksTheValueOfAnActionSecretQualified()
    {
        var names = SecretFields.Collect(spec.Text);

        Assert.Contains("secrets.value", names);
        Assert.DoesNotContain("value", names);
    }

    [Fact]
    public void Collect_ValueInsideASecretsProperty_MarkedQualifiedOnlyThere()
    {
        var text = """
            {"openapi":"3.1.0","paths":{},"components":{"schemas":{"A":{"type":"object","properties":{
              "secrets":{"type":"array","items":{"$ref":"#/components/schemas/S"}},
              "client_secret":{"type":"object","properties":{"value":{"type":"string"}}},
              "tags":{"type":"array","items":{"type":"object","properties":{"value":{"type":"string"}}}}}},
              "S":{"type":"object","properties":{"name":{"type":"string"},"value":{"type":"string"}}}}}}
            """;

        var names = SecretFields.Collect(text);

        Assert.Equal(["client_secret.value", "secrets.value"], names);
    }

    [Fact]
    public void Collect_BooleanOrIntegerWithSecretName_NotMarked()
    {
        var text = """
            {"openapi":"3.1.0","paths":{},"components":{"schemas":{"S":{"type":"object","properties":{
              "secret_encoded":{"type":"boolean"},"token_lifetime":{"type":"integer"},"client_secret":{"type":"string"},
              "hidden":{"type":"string","format":"password"},"sealed":{"type":"string","writeOnly":true},
              "blob":{"$ref":"#/components/schemas/W"},"loop":{"$ref":"#/components/schemas/S"}}},
              "W":{"type":"string","writeOnly":true}}}}
            """;

        var names = SecretFields.Collect(text);

        Assert.Equal(["blob", "client_secret", "hidden", "sealed"], names);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"paths\":[],\"components\":{\"schemas\":{\"A\":{\"$ref\":\"#/components/schemas/A\"}}}}")]
    [InlineData("{\"paths\":{\"/x\":{\"get\":{\"responses\":{\"200\":{\"content\":{\"a/b\":{\"schema\":{\"properties\":{\"password\":7}}}}}}}}}}")]
    public void Collect_MalformedSpec_NoThrow(string text) => _ = SecretFields.Collect(text);

    // How many properties were walked, and those that look secret, can hold a string, are not reviewed and are not masked.
    private (int Walked, SortedSet<string> Missed) Unmasked(List<(string? Owner, string Name, JsonElement Schema)> properties)
    {
        JsonRedactor.RegisterSecretNames(SecretFields.Collect(spec.Text));
        var missed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (owner, name, schema) in properties)
        {
            if (BroadSecretLooking().IsMatch(name) && AdmitsString(schema) && !ReviewedNotSecret.ContainsKey(name)
                && !JsonRedactor.Secrets.IsRedacted(owner, name))
            {
                missed.Add(owner is null ? name : owner + "." + name);
            }
        }

        return (properties.Count, missed);
    }

    // Every property reachable from a 2xx response schema (or, with requests, from a request body or a parameter, a
    // parameter being a property of its own), with the name of the property that holds it.
    private static List<(string? Owner, string Name, JsonElement Schema)> Properties(string text, bool requests)
    {
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement.Clone();
        var components = root.GetProperty("components").GetProperty("schemas");
        var found = new List<(string?, string, JsonElement)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<(JsonElement Schema, string? Owner, int Depth)>();
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object))
            {
                if (requests)
                {
                    if (operation.Value.TryGetProperty("requestBody", out var body))
                    {
                        PushContent(body);
                    }

                    foreach (var list in new[] { path.Value, operation.Value })
                    {
                        if (list.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Array)
                        {
                            foreach (var parameter in parameters.EnumerateArray().Where(p => p.TryGetProperty("name", out _) && p.TryGetProperty("schema", out _)))
                            {
                                found.Add((null, parameter.GetProperty("name").GetString()!, Deref(components, parameter.GetProperty("schema"))));
                                pending.Push((parameter.GetProperty("schema"), parameter.GetProperty("name").GetString(), 0));
                            }
                        }
                    }

                    continue;
                }

                if (!operation.Value.TryGetProperty("responses", out var responses))
                {
                    continue;
                }

                foreach (var response in responses.EnumerateObject().Where(r => r.Name.StartsWith('2')))
                {
                    PushContent(response.Value);
                }
            }
        }

        void PushContent(JsonElement holder)
        {
            if (holder.TryGetProperty("content", out var content))
            {
                foreach (var media in content.EnumerateObject())
                {
                    if (media.Value.TryGetProperty("schema", out var schema))
                    {
                        pending.Push((schema, null, 0));
                    }
                }
            }
        }

        while (pending.Count > 0)
        {
            var (schema, owner, depth) = pending.Pop();
            if (schema.ValueKind != JsonValueKind.Object || depth > 64)
            {
                continue;
            }

            if (schema.TryGetProperty("$ref", out var r))
            {
                var name = r.GetString()!.Split('/')[^1];
                if (seen.Add(name + "|" + owner) && components.TryGetProperty(name, out var target))
                {
                    pending.Push((target, owner, depth + 1));
                }

                continue;
            }

            if (schema.TryGetProperty("properties", out var properties))
            {
                foreach (var p in properties.EnumerateObject())
                {
                    found.Add((owner, p.Name, Deref(components, p.Value)));
                    pending.Push((p.Value, p.Name, depth + 1));
                }
            }

            foreach (var keyword in new[] { "items", "additionalProperties" })
            {
                if (schema.TryGetProperty(keyword, out var child))
                {
                    pending.Push((child, owner, depth + 1));
                }
            }

            foreach (var keyword in new[] { "allOf", "anyOf", "oneOf" })
            {
                if (schema.TryGetProperty(keyword, out var members))
                {
                    foreach (var m in members.EnumerateArray())
                    {
                        pending.Push((m, owner, depth + 1));
                    }
                }
            }
        }

        return found;
    }

    private static JsonElement Deref(JsonElement components, JsonElement schema)
    {
        for (var i = 0; i < 8 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var r); i++)
        {
            schema = components.GetProperty(r.GetString()!.Split('/')[^1]);
        }

        return schema;
    }

    private static bool AdmitsString(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && (!schema.TryGetProperty("type", out var type)
            ? !schema.TryGetProperty("properties", out _)
            : type.ValueKind == JsonValueKind.String ? type.GetString() == "string" : type.EnumerateArray().Any(t => t.GetString() == "string"));

    // Deliberately broader than the generator's patterns: anything that mentions a secret-ish stem.
    [GeneratedRegex("secret|passw|pass$|_pass|token|key|pem|auth|credential|cert|signature|bearer|connection_?string", RegexOptions.IgnoreCase)]
    private static partial Regex BroadSecretLooking();
}
