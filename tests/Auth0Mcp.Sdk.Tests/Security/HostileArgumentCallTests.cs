using System.Text.Json;
using Auth0Mcp.Sdk.Catalog;
using Auth0Mcp.Sdk.Governance;
using Auth0Mcp.Sdk.Tests.Governance;
using Auth0Mcp.Sdk.Tests.Http;
using ResultText = Auth0Mcp.Sdk.Tests.Governance.ResultText;
using Auth0Mcp.Sdk.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace Auth0Mcp.Sdk.Tests.Security;

/// <summary>
/// Issue 11 items 3, 5 and 7 through the governed call path with real tools (validation, request builder, HTTP
/// pipeline) against a scripted Auth0: the attack's input, then nothing leaked, nothing sent, the record present.
/// </summary>
public sealed class HostileArgumentCallTests : IAsyncLifetime
{
    private const string Planted = "pw-PLANTED-3e9d1c7b5a";
    private const string SecretSchema = """{"type":"object","properties":{"id":{"type":"string"},"q":{"type":"string"},"password":{"type":"string","minLength":40},"body":{"type":"object"}}}""";

    private ScriptedAuth0Server _auth0 = null!;
    private GovernanceHarness _governance = null!;
    private McpClient _client = null!;

    public async Task InitializeAsync()
    {
        _auth0 = await ScriptedAuth0Server.StartAsync();
        _auth0.Api = (ctx, _) => ScriptedAuth0Server.Json(ctx, 201, "{}");
        _governance = await GovernanceHarness.StartWithToolsAsync(
            [TestTool.Post(), TestTool.Delete(), new Auth0ApiTool(WithHeader("auth0_users_import", "POST", "auth0-custom-domain")), new Auth0ApiTool(WithSecretArgument()), new Auth0ApiTool(Multipart())],
            services: s => s.AddAuth0Connection(o =>
            {
                o.Domain = "tenant.example";
                o.BaseUrl = _auth0.ApiBase;
                o.Token = Harness.StaticToken;
                o.MaxRetryAttempts = 0;
            }));
        await _governance.AllowAsync(["mallory"], "auth0_users_create", "auth0_users_delete", "auth0_users_import", "auth0_users_password", "auth0_jobs_users_imports_create");
        _client = await _governance.ConnectAsync(GovernanceHarness.User("mallory"));
    }

    public async Task DisposeAsync()
    {
        await _governance.DisposeAsync();
        await _auth0.DisposeAsync();
    }

    [Fact]
    public async Task Call_TenMegabyteBodyName_RefusedNothingSentAndTheRecordStaysSmall()
    {
        var result = await _client.CallToolAsync("auth0_users_create", new Dictionary<string, object?> { ["body"] = new Dictionary<string, object?> { ["name"] = new string('n', 10 * 1024 * 1024) } });

        Assert.True(result.IsError);
        Assert.Contains("body", ResultText.Of(result), StringComparison.Ordinal);
        await AssertRefusedAndRecordedAsync("auth0_users_create", DenialCodes.InvalidArguments);
    }

    [Fact]
    public async Task Call_OneMegabytePathId_RefusedAndNothingSentUpstream()
    {
        var result = await _client.CallToolAsync("auth0_users_delete", new Dictionary<string, object?> { ["id"] = new string('u', 1024 * 1024) });

        Assert.True(result.IsError);
        await AssertRefusedAndRecordedAsync("auth0_users_delete", DenialCodes.InvalidArguments);
    }

    [Theory]
    [InlineData("login.example.com\0evil")]
    [InlineData("login.example.com\u0085")]
    [InlineData("login.example.com\r\nX-Injected: 1")]
    [InlineData("\u00e9vil.example.com")] // Latin-1: the HTTP handler refuses it, so it had failed as "may have taken effect"
    [InlineData(" evil.example.com")] // spaces and tabs around a value are stripped by every HTTP parser: a not-in
    [InlineData("evil.example.com\t")] // policy on "evil.example.com" would pass the padded value that Auth0 reads
    public async Task Call_CustomDomainHeaderWithControlCharacters_RefusedNothingSentNeverMayHaveTakenEffect(string domain)
    {
        var result = await _client.CallToolAsync("auth0_users_import", new Dictionary<string, object?> { ["auth0-custom-domain"] = domain });

        Assert.True(result.IsError);
        var text = ResultText.Of(result);
        Assert.Contains("auth0-custom-domain", text, StringComparison.Ordinal);
        Assert.DoesNotContain("may have taken effect", text, StringComparison.Ordinal);
        Assert.Equal(0, _auth0.ApiCount);
        var record = Assert.Single(await _governance.CallRecordsAsync());
        Assert.Equal(AuditOutcomes.Error, record.Outcome);
        Assert.Null(record.Auth0Status);
    }

    [Theory]
    [InlineData("x\"; name=\"connection_id")] // would end the quoted name: .NET threw, and the call failed opaquely
    [InlineData("x\r\nX-Injected: 1")] // threw inside the send, after the intent was written
    [InlineData("a\\")] // was sent as name="a\", whose backslash escapes the closing quote
    [InlineData("\u00e9")]
    public async Task Call_MultipartPartNameAHeaderCannotCarry_RefusedNothingSent(string name)
    {
        var result = await _client.CallToolAsync("auth0_jobs_users_imports_create", new Dictionary<string, object?>
        {
            ["body"] = new Dictionary<string, object?> { ["users"] = "[]", ["connection_id"] = "con_1", [name] = "y" },
        });

        Assert.True(result.IsError);
        var text = ResultText.Of(result);
        Assert.Contains("multipart part name", text, StringComparison.Ordinal);
        Assert.Contains("not sent", text, StringComparison.Ordinal);
        Assert.DoesNotContain("may have taken effect", text, StringComparison.Ordinal);
        Assert.Equal(0, _auth0.ApiCount);
    }

    [Fact]
    public async Task Call_MultipartWithAnExtraPlainPartName_Sent()
    {
        var result = await _client.CallToolAsync("auth0_jobs_users_imports_create", new Dictionary<string, object?>
        {
            ["body"] = new Dictionary<string, object?> { ["users"] = "[]", ["connection_id"] = "con_1", ["send_completion_email"] = "false" },
        });

        Assert.NotEqual(true, result.IsError);
        var sent = Assert.Single(_auth0.ApiRequests);
        Assert.Contains("name=\"send_completion_email\"", sent.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_ArgumentsHoldingAClientSecretAndALuceneQueryPassword_StoredMaskedInTheAudit()
    {
        var result = await _client.CallToolAsync("auth0_users_create", new Dictionary<string, object?>
        {
            ["q"] = "email:a@b.c AND password:" + Planted,
            ["body"] = new Dictionary<string, object?> { ["name"] = "x", ["clientSecret"] = "cs-" + Planted },
        });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(1, _auth0.ApiCount);
        var audit = JsonSerializer.Serialize(await _governance.AuditAsync());
        Assert.DoesNotContain(Planted, audit, StringComparison.Ordinal);
        Assert.Contains(await _governance.CallRecordsAsync(), r => r.Arguments!.Contains("[REDACTED]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Call_SecretArgumentFailsValidation_NeitherTheAnswerNorTheAuditQuotesIt()
    {
        var result = await _client.CallToolAsync("auth0_users_password", new Dictionary<string, object?> { ["id"] = "auth0|1", ["password"] = Planted });

        Assert.True(result.IsError);
        Assert.Contains("password", ResultText.Of(result), StringComparison.Ordinal);
        Assert.DoesNotContain(Planted, ResultText.Of(result), StringComparison.Ordinal);
        Assert.DoesNotContain(Planted, JsonSerializer.Serialize(await _governance.AuditAsync()), StringComparison.Ordinal);
        await AssertRefusedAndRecordedAsync("auth0_users_password", DenialCodes.InvalidArguments);
    }

    private async Task AssertRefusedAndRecordedAsync(string tool, string code)
    {
        Assert.Equal(0, _auth0.ApiCount);
        var record = Assert.Single(await _governance.CallRecordsAsync());
        Assert.Equal((tool, AuditOutcomes.Denied, code), (record.Tool, record.Outcome, record.DenialCode));
        Assert.True(record.Arguments!.Length <= Limits.DefaultAuditArgumentChars + 200, $"{record.Arguments.Length} characters of arguments in the record");
        Assert.Empty(await _governance.IntentRecordsAsync());
    }

    private static Auth0ToolDescriptor Multipart()
    {
        var d = TestTool.Describe("auth0_jobs_users_imports_create", "POST", "/jobs/users-imports");
        return new(d.Name, d.Title, d.Description, d.Method, d.Path, d.OperationId, d.Group, d.Scopes, d.Action, d.Lifecycle,
            """{"type":"object","properties":{"body":{"type":"object","additionalProperties":true}},"required":["body"]}""", d.ReadOnly, d.Destructive, d.Idempotent,
            new Auth0RequestPlan([], body: "body", mediaType: "multipart/form-data", fileParts: ["users"]));
    }

    private static Auth0ToolDescriptor WithHeader(string name, string method, string header)
    {
        var d = TestTool.Describe(name, method, "/jobs/users-imports");
        return new(d.Name, d.Title, d.Description, d.Method, d.Path, d.OperationId, d.Group, d.Scopes, d.Action, d.Lifecycle,
            """{"type":"object","properties":{"auth0-custom-domain":{"type":"string"}}}""", d.ReadOnly, d.Destructive, d.Idempotent,
            new Auth0RequestPlan([new Auth0RequestArgument(header, Auth0ArgumentLocation.Header)]));
    }

    private static Auth0ToolDescriptor WithSecretArgument()
    {
        var d = TestTool.Describe("auth0_users_password", "PATCH", "/users/{id}");
        return new(d.Name, d.Title, d.Description, d.Method, d.Path, d.OperationId, d.Group, d.Scopes, d.Action, d.Lifecycle,
            SecretSchema, d.ReadOnly, d.Destructive, d.Idempotent,
            new Auth0RequestPlan([new Auth0RequestArgument("id", Auth0ArgumentLocation.Path), new Auth0RequestArgument("password", Auth0ArgumentLocation.Query)]));
    }
}
