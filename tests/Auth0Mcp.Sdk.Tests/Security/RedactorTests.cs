using System.Text;
using System.Text.Json;
using Auth0Mcp.Sdk.Auth;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Security;

/// <summary>Issue 11 items 1-3: the one redactor cannot be switched off by depth, a BOM or odd spellings, and fails closed.</summary>
public sealed class RedactorTests
{
    private const string Planted = "pl4nted-s3cret-VALUE-9f8e7d";

    private static string Deep(int depth, string inner)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            sb.Append("{\"n\":");
        }

        sb.Append(inner);
        sb.Append('}', depth);
        return sb.ToString();
    }

    [Theory]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(1000)]
    [InlineData(20000)]
    public void RedactText_UsersListWithOneDeeplyNestedMetadata_OtherUsersTokensMasked(int depth)
    {
        // Item 1: one user's user_metadata nested deep must not switch masking off for the others.
        var body = "[{\"user_id\":\"a\",\"user_metadata\":" + Deep(depth, "1") + "},"
            + "{\"user_id\":\"b\",\"identities\":[{\"provider\":\"google\",\"access_token\":\"" + Planted + "A\",\"refresh_token\":\"" + Planted + "R\"}]}]";

        var redacted = JsonRedactor.Secrets.RedactText(body, out var count);

        Assert.Equal(2, count);
        Assert.DoesNotContain(Planted, redacted, StringComparison.Ordinal);
        Assert.Contains("\"user_id\":\"b\"", redacted, StringComparison.Ordinal);
        Assert.EndsWith(body[body.IndexOf("1}", StringComparison.Ordinal)..body.IndexOf(",{\"user_id\":\"b\"", StringComparison.Ordinal)] + ",{\"user_id\":\"b\",\"identities\":[{\"provider\":\"google\",\"access_token\":\"[REDACTED]\",\"refresh_token\":\"[REDACTED]\"}]}]", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void RedactText_BodyStartingWithBom_ClientSecretMasked()
    {
        var body = "\uFEFF{\"client_id\":\"abc\",\"client_secret\":\"" + Planted + "\"}";

        var redacted = JsonRedactor.Secrets.RedactText(body, out var count);

        Assert.Equal(1, count);
        Assert.Equal("{\"client_id\":\"abc\",\"client_secret\":\"[REDACTED]\"}", redacted);
    }

    [Fact]
    public void RedactUtf8_BodyStartingWithUtf8Bom_ClientSecretMasked()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("{\"client_secret\":\"" + Planted + "\"}")];

        var redacted = JsonRedactor.Secrets.RedactUtf8(bytes, out var count);

        Assert.NotNull(redacted);
        Assert.Equal(1, count);
        Assert.Equal("{\"client_secret\":\"[REDACTED]\"}", Encoding.UTF8.GetString(redacted));
    }

    [Theory]
    [InlineData("{\"client_secret\":\"" + Planted + "\"")]               // truncated
    [InlineData("{\"client_secret\":\"" + Planted + "\"} trailing")]     // two values
    [InlineData("[{\"client_secret\":\"" + Planted + "\",}]")]           // trailing comma
    [InlineData("{'client_secret':'" + Planted + "'}")]                  // not JSON quotes
    public void RedactText_TextThatStartsLikeJsonButIsNot_WithheldWhole(string body)
    {
        var redacted = JsonRedactor.Secrets.RedactText(body, out var count);

        Assert.Equal(JsonRedactor.Withheld, redacted);
        Assert.Equal(1, count);
    }

    [Fact]
    public void RedactText_NothingSecret_ReturnedByteForByte()
    {
        var body = "{ \"name\" : \"caf\\u00e9 ü\",  \"n\": 1.50e3, \"ok\": true }";

        var redacted = JsonRedactor.Secrets.RedactText(body, out var count);

        Assert.Equal(0, count);
        Assert.Same(body, redacted);
    }

    [Fact]
    public void RedactText_DuplicateSecretKeys_EachMasked()
    {
        var body = "{\"password\":\"" + Planted + "1\",\"password\":\"" + Planted + "2\"}";

        var redacted = JsonRedactor.Secrets.RedactText(body, out var count);

        Assert.Equal(2, count);
        Assert.DoesNotContain(Planted, redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("storageAccessKey")]
    [InlineData("servicePassword")]
    [InlineData("datadogApiKey")]
    [InlineData("splunkToken")]
    [InlineData("mixpanelServiceAccountPassword")]
    [InlineData("aws_secret_access_key")]
    [InlineData("clientSecret")]
    [InlineData("secretAccessKey")]
    [InlineData("Client-Secret")]
    public void IsRedacted_SecretNamesInAnySpelling_True(string name)
    {
        // Item 2 without the generated list: the runtime patterns compare by words.
        Assert.True(JsonRedactor.Secrets.IsRedacted(name));
    }

    [Theory]
    [InlineData("secret_base64_encoded")]
    [InlineData("token_lifetime")]
    [InlineData("public_key")]
    [InlineData("key")]
    [InlineData("password_policy")]
    public void IsRedacted_NamesThatMerelyMentionASecret_False(string name) => Assert.False(JsonRedactor.Secrets.IsRedacted(name));

    [Fact]
    public void RegisterSecretNames_QualifiedName_MasksOnlyUnderThatParent()
    {
        // A parent the spec does not mark (the generated Auth0SecretFields registers names process-wide when the
        // generated assembly loads, e.g. decryptionKey as a whole): the qualified rule alone decides here.
        JsonRedactor.RegisterSecretNames(["widgetVault.key"]);
        var body = "{\"widgetVault\":{\"key\":\"" + Planted + "\",\"cert\":\"c\"},\"rules\":[{\"key\":\"MY_RULES_CONFIG_KEY\"}]}";

        var redacted = JsonRedactor.Secrets.RedactText(body, out var count);

        Assert.Equal(1, count);
        Assert.Equal("{\"widgetVault\":{\"key\":\"[REDACTED]\",\"cert\":\"c\"},\"rules\":[{\"key\":\"MY_RULES_CONFIG_KEY\"}]}", redacted);
    }

    [Fact]
    public void RedactText_BooleanUnderSecretName_Kept()
    {
        var redacted = JsonRedactor.Secrets.RedactText("{\"client_secret\":null,\"secret\":false,\"token\":{\"a\":1}}", out var count);

        Assert.Equal(1, count);
        Assert.Equal("{\"client_secret\":null,\"secret\":false,\"token\":\"[REDACTED]\"}", redacted);
    }

    [Fact]
    public void RedactText_ErrorMessageQuotingClientSecretAndPassword_BothMasked()
    {
        // Item 3: a 400 whose message quotes the secrets it refused.
        var body = "{\"statusCode\":400,\"error\":\"Bad Request\",\"message\":\"Payload validation error: client_secret=" + Planted
            + "C is too short; password: '" + Planted + "P' is weak\"}";

        var redacted = JsonRedactor.Secrets.RedactText(body, out var count);

        Assert.Equal(2, count);
        Assert.DoesNotContain(Planted, redacted, StringComparison.Ordinal);
        Assert.Contains("client_secret=[REDACTED] is too short", redacted, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(redacted);
    }

    [Fact]
    public void RedactText_HtmlPageWithJsonInside_SecretsMasked()
    {
        var html = "<html><body><h1>502 Bad Gateway</h1><pre>upstream said {\"client_id\":\"x\",\"client_secret\":\"" + Planted + "1\"} and "
            + "{&quot;access_token&quot;:&quot;" + Planted + "2&quot;}</pre></body></html>";

        var redacted = JsonRedactor.Secrets.RedactText(html, out var count);

        Assert.Equal(2, count);
        Assert.DoesNotContain(Planted, redacted, StringComparison.Ordinal);
        Assert.Contains("\"client_secret\":\"[REDACTED]\"", redacted, StringComparison.Ordinal);
        Assert.Contains("&quot;access_token&quot;:&quot;[REDACTED]&quot;", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void RedactText_PemPrivateKeyInAnyField_Masked()
    {
        var pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow" + Planted + "\n-----END RSA PRIVATE KEY-----\n";
        var body = JsonSerializer.Serialize(new Dictionary<string, string> { ["blob"] = pem, ["cert"] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" });

        var redacted = JsonRedactor.Secrets.RedactText(body, out var count);

        Assert.Equal(1, count);
        Assert.DoesNotContain(Planted, redacted, StringComparison.Ordinal);
        Assert.Contains("BEGIN CERTIFICATE", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void RedactText_PemPrivateKeyCutOff_MaskedToTheEnd()
    {
        var redacted = JsonRedactor.Secrets.RedactText("error near -----BEGIN PRIVATE KEY-----\nMIIE" + Planted, out var count);

        Assert.Equal(1, count);
        Assert.Equal("error near [REDACTED]", redacted);
    }

    [Fact]
    public void Register_JwtCredential_SignatureAloneMasked()
    {
        var signature = "sig" + Guid.NewGuid().ToString("N") + "XYZ";
        var token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0." + signature;
        Auth0Redaction.Register(token);

        var text = "upstream rejected the signature " + signature + " (kid unknown)";

        Assert.True(Auth0Redaction.ContainsSecret(text));
        Assert.DoesNotContain(signature, Auth0Redaction.Redact(text), StringComparison.Ordinal);
        Assert.DoesNotContain(signature, JsonRedactor.Secrets.RedactText(text, out _), StringComparison.Ordinal);
    }

    [Fact]
    public void Register_ManyIssuedTokensAfterAConfiguredSecret_TheConfiguredSecretIsStillMasked()
    {
        // A long-running server renews its access token for ever; the client secret and the configured token it was
        // given must not be pushed out of the list by them.
        var secret = "configured-secret-" + Guid.NewGuid().ToString("N");
        var hostSecret = "host-secret-" + Guid.NewGuid().ToString("N");
        Auth0Redaction.Register(secret, configured: true);
        JsonRedactor.RegisterSecretValues([hostSecret]);
        for (var i = 0; i < 200; i++)
        {
            Auth0Redaction.Register("issued-token-" + Guid.NewGuid().ToString("N"));
        }

        var lastIssued = "issued-token-" + Guid.NewGuid().ToString("N");
        Auth0Redaction.Register(lastIssued);
        var text = $"echoed: {secret} and {hostSecret} and {lastIssued}";
        var masked = JsonRedactor.Secrets.RedactText(text, out var count);
        Assert.DoesNotContain(secret, masked, StringComparison.Ordinal);
        Assert.DoesNotContain(hostSecret, masked, StringComparison.Ordinal);
        Assert.DoesNotContain(lastIssued, masked, StringComparison.Ordinal);
        Assert.Equal(3, count);
    }

    [Fact]
    public void RedactText_JwtAndBearerInFreeText_Masked()
    {
        var text = "Authorization: Bearer abcdefgh" + Planted + " failed; token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXBhcnQ";

        var redacted = JsonRedactor.Secrets.RedactText(text, out _);

        Assert.DoesNotContain(Planted, redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void RedactText_AuditArgumentsWithClientSecretAndLuceneQuery_Masked()
    {
        // Item 3: what the audit stores for {"body":{"clientSecret":…}} and {"q":"password:…"}.
        var arguments = "{\"id\":\"con_1\",\"body\":{\"clientSecret\":\"" + Planted + "1\"},\"q\":\"email:a@b.c AND password:" + Planted + "2\"}";

        var redacted = JsonRedactor.Secrets.RedactText(arguments, out var count);

        Assert.Equal(2, count);
        Assert.DoesNotContain(Planted, redacted, StringComparison.Ordinal);
        Assert.Contains("email:a@b.c AND password:[REDACTED]", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void RedactText_JsonStringHoldingJson_InnerSecretMasked()
    {
        var inner = JsonSerializer.Serialize(new Dictionary<string, string> { ["client_secret"] = Planted });
        var outer = JsonSerializer.Serialize(new Dictionary<string, string> { ["payload"] = inner });

        var redacted = JsonRedactor.Secrets.RedactText(outer, out var count);

        Assert.Equal(1, count);
        Assert.DoesNotContain(Planted, redacted, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(redacted);
    }

    [Fact]
    public void RedactElement_DeepStructuredContent_MaskedAndStillAnElement()
    {
        var json = "{\"users\":[{\"m\":" + Deep(200, "1") + "},{\"access_token\":\"" + Planted + "\"}]}";
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 1000 });

        var redacted = JsonRedactor.Secrets.RedactElement(doc.RootElement, out var count);

        Assert.Equal(1, count);
        Assert.DoesNotContain(Planted, redacted.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void RedactText_PiiRedactorOnDeepJson_Masks()
    {
        var pii = new JsonRedactor(JsonRedactor.DefaultPiiNames);
        var body = Deep(500, "{\"email\":\"someone@example.com\"}");

        var redacted = pii.RedactText(body, out var count);

        Assert.Equal(1, count);
        Assert.DoesNotContain("someone@example.com", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_JsonNodeDeepArray_MasksWithoutRecursionLimit()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse("{\"a\":[{\"b\":{\"client_secret\":\"" + Planted + "\"}},\"x client_secret=" + Planted + "\"]}");

        var count = JsonRedactor.Secrets.Redact(node);

        Assert.Equal(2, count);
        Assert.DoesNotContain(Planted, node!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RedactText_HostileRegexInput_AnsweredQuickly()
    {
        // Long runs that make naive patterns backtrack: bounded quantifiers keep this linear.
        var text = "a=" + new string('"', 200_000) + " password:" + new string('x', 100_000);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var redacted = JsonRedactor.Secrets.RedactText(text, out _);

        Assert.DoesNotContain(new string('x', 5000), redacted, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"took {started.Elapsed}");
    }

    [Fact]
    public void PiiRedactor_Auth0LogEvent_UserNameLocationAndDeviceFingerprintsRedacted()
    {
        var pii = new JsonRedactor(JsonRedactor.DefaultPiiNames);
        const string Log = """[{"date":"2026-01-01","type":"f","user_name":"alice@example.com","user_id":"auth0|1","ip":"1.2.3.4","location_info":{"city_name":"Paris","latitude":48.8},"security_context":{"ja3":"771,4865","ja4":"t13d1516h2"},"client_name":"app"}]""";

        var redacted = pii.RedactText(Log, out var count);

        Assert.Equal(4, count);
        Assert.Equal("""[{"date":"2026-01-01","type":"f","user_name":"[REDACTED]","user_id":"auth0|1","ip":"[REDACTED]","location_info":"[REDACTED]","security_context":"[REDACTED]","client_name":"app"}]""", redacted);
    }

    [Fact]
    public void PiiRedactor_StringHoldingJson_FieldsInsideRedactedOtherStringsKept()
    {
        var pii = new JsonRedactor(JsonRedactor.DefaultPiiNames);
        const string Body = """{"user_id":"u1","deep":"{\"n\":{\"email\":\"inner@example.com\",\"plan\":\"pro\"}}","note":"{not json","list":"[1,2]"}""";

        var redacted = pii.RedactText(Body, out var count);

        Assert.Equal(1, count);
        Assert.Equal("""{"user_id":"u1","deep":"{\"n\":{\"email\":\"[REDACTED]\",\"plan\":\"pro\"}}","note":"{not json","list":"[1,2]"}""", redacted);
    }
}
