using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Tests.Governance;
using Auth0Mcp.Sdk.Tests.Http;
using Auth0Mcp.Sdk.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace Auth0Mcp.Sdk.Tests.Security;

/// <summary>
/// Secrets that the name rules missed (review 32): the operator's token echoed into an upstream error's code, an Azure
/// email provider's connection string, a custom database connection's <c>options.configuration</c>, and an action's
/// <c>secrets[].value</c> in an answer cut at the output limit. Each through the real tools (catalog descriptors),
/// the governed call path and the audit, against a scripted Auth0.
/// </summary>
public sealed class SecretsOutsideNameRulesTests : IAsyncLifetime
{
    private const string AccessKey = "q1w2e3R4t5y6U7i8o9p0aSdFgHjKl+zXcVbNm/QWErtYuIoP1234567890abcdEFGH==";
    private const string ConnectionString = "endpoint=https://acs-prod.communication.azure.com/;accesskey=" + AccessKey;

    private static readonly string[] Tools = ["auth0_users_get", "auth0_emails_provider_update", "auth0_connections_create"];

    private ScriptedAuth0Server _auth0 = null!;
    private GovernanceHarness _governance = null!;
    private McpClient _client = null!;

    public async Task InitializeAsync()
    {
        _auth0 = await ScriptedAuth0Server.StartAsync();
        _auth0.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 201, "{}");
        _governance = await GovernanceHarness.StartWithToolsAsync(
            [.. Tools.Select(t => new Auth0ApiTool(Descriptor(t)))],
            services: s => s.AddAuth0Connection(o =>
            {
                o.Domain = "tenant.example";
                o.BaseUrl = _auth0.ApiBase;
                o.Token = Harness.StaticToken;
                o.MaxRetryAttempts = 0;
            }));
        await _governance.AllowAsync(["alice"], Tools);
        _client = await _governance.ConnectAsync(GovernanceHarness.User("alice"));
    }

    public async Task DisposeAsync()
    {
        await _governance.DisposeAsync();
        await _auth0.DisposeAsync();
    }

    [Theory]
    [InlineData("rejected Bearer " + Harness.StaticToken)]
    [InlineData("rejected Bearer tok-OPERATOR-SECRET-9f8e7d")]
    [InlineData("Authorization: Bearer tok-OPERATOR-SECRET-9f8e7d")]
    public async Task ErrorCode_UpstreamEchoesTheBearerToken_TheAuditRecordNeverHasIt(string error)
    {
        _auth0.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 400, JsonSerializer.Serialize(new { statusCode = 400, error, message = "Bad Request" }));

        var result = await _client.CallToolAsync("auth0_users_get", new Dictionary<string, object?> { ["id"] = "echocode" });

        Assert.True(result.IsError);
        var record = Assert.Single(await _governance.CallRecordsAsync());
        Assert.Contains(JsonRedactor.Mask, record.Auth0ErrorCode, StringComparison.Ordinal);
        var audit = JsonSerializer.Serialize(await _governance.AuditAsync());
        Assert.DoesNotContain(Harness.StaticToken, audit, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-OPERATOR-SECRET", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorCode_Unbounded_CutAfterItIsRedacted()
    {
        var error = new string('e', 4000) + " Bearer tok-OPERATOR-SECRET-9f8e7d";
        _auth0.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 400, JsonSerializer.Serialize(new { statusCode = 400, error }));

        await _client.CallToolAsync("auth0_users_get", new Dictionary<string, object?> { ["id"] = "echocode" });

        var record = Assert.Single(await _governance.CallRecordsAsync());
        Assert.Equal(new string('e', 128) + "…", record.Auth0ErrorCode);
    }

    [Theory]
    [InlineData("invalid_body")]
    [InlineData("insufficient_scope")]
    [InlineData("too_many_requests")]
    [InlineData("inexistent_user")]
    [InlineData("Bad Request")]
    [InlineData("operation_not_supported")]
    public async Task ErrorCode_AuthZeroCodes_KeptAsTheyAre(string code)
    {
        _auth0.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 400, JsonSerializer.Serialize(new { statusCode = 400, error = "Bad Request", errorCode = code, message = "m" }));

        await _client.CallToolAsync("auth0_users_get", new Dictionary<string, object?> { ["id"] = "u1" });

        Assert.Equal(code, Assert.Single(await _governance.CallRecordsAsync()).Auth0ErrorCode);
    }

    [Fact]
    public async Task Call_AzureEmailProviderConnectionString_MaskedInTheAuditAndTheApproversView()
    {
        var body = new Dictionary<string, object?>
        {
            ["name"] = "azure_cs",
            ["credentials"] = new Dictionary<string, object?> { ["connectionString"] = ConnectionString },
        };

        var result = await _client.CallToolAsync("auth0_emails_provider_update", new Dictionary<string, object?> { ["body"] = body });

        Assert.NotEqual(true, result.IsError);
        Assert.DoesNotContain(AccessKey, JsonSerializer.Serialize(await _governance.AuditAsync()), StringComparison.Ordinal);
        var view = JsonNode.Parse(ApproversView("auth0_emails_provider_update", new { body }))!["body"]!;
        Assert.Equal(JsonRedactor.Mask, (string?)view["credentials"]!["connectionString"]);
        Assert.Equal("azure_cs", (string?)view["name"]);
    }

    [Theory]
    [InlineData("Endpoint=sb://bus.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=" + AccessKey)]
    [InlineData("endpoint=https://acs.communication.azure.com/;sharedaccesskey=" + AccessKey)]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=store;AccountKey=" + AccessKey)]
    [InlineData(ConnectionString)]
    public void ConnectionStringKeys_InFreeTextAndInsideAnArgument_Masked(string text)
    {
        var prose = JsonRedactor.Secrets.RedactText("the provider rejected " + text, out _);
        var view = ApproversView("auth0_emails_provider_update", new { body = new { name = "azure_cs", settings = new { note = text } } });

        Assert.DoesNotContain(AccessKey, prose, StringComparison.Ordinal);
        Assert.DoesNotContain(AccessKey, view, StringComparison.Ordinal);
        Assert.Contains("endpoint", view, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Call_CustomDatabaseConfiguration_EachValueMaskedNamesKeptInTheAuditAndTheApproversView()
    {
        var body = new Dictionary<string, object?>
        {
            ["name"] = "db",
            ["strategy"] = "auth0",
            ["options"] = new Dictionary<string, object?>
            {
                ["configuration"] = new Dictionary<string, object?> { ["MONGO_URI"] = "mongodb://admin:S3cretDbPw@db.example:27017", ["STRIPE_KEY"] = "sk_live_ABCDEF123", ["EMPTY"] = null },
                ["disable_signup"] = true,
            },
        };

        var result = await _client.CallToolAsync("auth0_connections_create", new Dictionary<string, object?> { ["body"] = body });

        Assert.NotEqual(true, result.IsError);
        var record = Assert.Single(await _governance.CallRecordsAsync());
        var recorded = JsonNode.Parse(record.Arguments!)!["body"]!["options"]!;
        var shown = JsonNode.Parse(ApproversView("auth0_connections_create", new { body }))!["body"]!["options"]!;
        foreach (var options in new[] { recorded, shown })
        {
            Assert.Equal(JsonRedactor.Mask, (string?)options["configuration"]!["MONGO_URI"]);
            Assert.Equal(JsonRedactor.Mask, (string?)options["configuration"]!["STRIPE_KEY"]);
            Assert.Null(options["configuration"]!["EMPTY"]);
            Assert.True((bool)options["disable_signup"]!);
        }

        var audit = JsonSerializer.Serialize(await _governance.AuditAsync());
        Assert.DoesNotContain("S3cretDbPw", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("sk_live_ABCDEF123", audit, StringComparison.Ordinal);
    }

    [Fact]
    public void CustomDatabaseConfiguration_InAnAnswer_MaskedWhole_AndAPolicyNeverQuotesIt()
    {
        var answer = """{"id":"con_1","options":{"configuration":{"MONGO_URI":"mongodb://admin:S3cretDbPw@db"}},"configuration":{"kept":"yes"}}""";

        var masked = JsonNode.Parse(JsonRedactor.Secrets.RedactText(answer, out _))!;

        Assert.Equal(JsonRedactor.Mask, (string?)masked["options"]!["configuration"]);
        Assert.Equal("yes", (string?)masked["configuration"]!["kept"]);
        Assert.True(JsonRedactor.Secrets.IsRedacted("options", "configuration"));
    }

    [Fact]
    public void ConfigurationElsewhere_JudgedByItsMembersNames()
    {
        // A phone provider's or an event stream's configuration declares its members: they keep the name rules.
        var json = """{"body":{"configuration":{"delivery_methods":["text"],"sid":"AC123","auth_token":"PLANTED"}}}""";

        var view = JsonNode.Parse(JsonRedactor.Secrets.RedactCallArguments(json, "body", out _))!["body"]!["configuration"]!;

        Assert.Equal("text", (string?)view["delivery_methods"]![0]);
        Assert.Equal("AC123", (string?)view["sid"]);
        Assert.Equal(JsonRedactor.Mask, (string?)view["auth_token"]);
    }

    [Fact]
    public async Task TruncatedAnswer_ActionSecretsCutInsideTheList_ValuesMaskedAsInTheWholeAnswer()
    {
        var secrets = string.Join(",", Enumerable.Range(0, 200).Select(i => $$"""{"name":"S{{i}}","value":"sk_live_TRUNCATED_{{i:D4}}"}"""));
        var answer = "{\"id\":\"act1\",\"secrets\":[" + secrets + "],\"code\":\"x\"}";
        await using var h = await Harness.StaticAsync(o => o.MaxResponseBytes = 2048);
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, answer);

        var result = await h.CallAsync(new Auth0ApiTool(Descriptor("auth0_actions_get")), """{"id":"act1"}""");

        Assert.DoesNotContain("sk_live_TRUNCATED", result.Text(), StringComparison.Ordinal);
        var kept = result.StructuredContent!.Value.GetProperty("result");
        Assert.True(kept.GetArrayLength() > 10);
        Assert.Equal("S0", kept[0].GetProperty("name").GetString());
        Assert.Equal(JsonRedactor.Mask, kept[0].GetProperty("value").GetString());
        Assert.True(result.StructuredContent!.Value.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task TruncatedAnswer_CutInsideAListUnderASecretName_MaskedWholeAsInTheWholeAnswer()
    {
        var keys = string.Join(",", Enumerable.Range(0, 200).Select(i => $"\"AKPLANTED{i:D4}xxxxxxxx\""));
        await using var h = await Harness.StaticAsync(o => o.MaxResponseBytes = 1024);
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, "{\"id\":\"x\",\"api_key\":[" + keys + "]}");

        var result = await h.CallAsync(new Auth0ApiTool(Descriptor("auth0_actions_get")), """{"id":"act1"}""");

        Assert.DoesNotContain("AKPLANTED", result.Text(), StringComparison.Ordinal);
        Assert.Equal(JsonRedactor.Mask, result.StructuredContent!.Value.GetProperty("result").GetString());
    }

    [Fact]
    public async Task TruncatedAnswer_ListUnderANameThatIsNoText_NothingOfItShown()
    {
        var items = string.Join(",", Enumerable.Range(0, 200).Select(i => $"\"PLANTED{i:D4}xxxxxxxxxxxx\""));
        await using var h = await Harness.StaticAsync(o => o.MaxResponseBytes = 1024);
        h.Server.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 200, "{\"\\ud800\":[" + items + "]}");

        var result = await h.CallAsync(new Auth0ApiTool(Descriptor("auth0_actions_get")), """{"id":"act1"}""");

        // As the whole answer, which the redactor withholds: nothing of the list, and no failure of the tool.
        Assert.NotEqual(true, result.IsError);
        Assert.DoesNotContain("PLANTED", result.Text(), StringComparison.Ordinal);
    }

    private static Auth0ToolDescriptor Descriptor(string name) => Auth0Mcp.ManagementApi.Auth0ToolCatalog.Descriptors.Single(d => d.Name == name);

    /// <summary>What the approval hook shows (its <c>Shown</c>): the tool's maps of secrets masked, then the arguments' view.</summary>
    private static string ApproversView(string tool, object arguments)
    {
        var descriptor = Descriptor(tool);
        var parsed = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(JsonSerializer.Serialize(arguments))!;
        var masked = SecretMaps.MaskArguments(descriptor, parsed);
        return JsonRedactor.Secrets.RedactCallArguments(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(masked)), descriptor.Request.Body, out _);
    }
}
