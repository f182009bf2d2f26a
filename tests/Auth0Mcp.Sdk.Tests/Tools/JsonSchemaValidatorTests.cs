using System.Text.Json;
using Auth0Mcp.Sdk.Tools;

namespace Auth0Mcp.Sdk.Tests.Tools;

public sealed class JsonSchemaValidatorTests
{
    private const string Schema = """
        {
          "type": "object",
          "properties": {
            "id": { "type": "string", "minLength": 1 },
            "per_page": { "type": "integer", "minimum": 1, "maximum": 100 },
            "sort": { "type": "string", "enum": ["asc", "desc"] },
            "body": {
              "type": "object",
              "properties": { "email": { "type": ["string", "null"] }, "tags": { "type": "array", "items": { "type": "string" } } },
              "required": ["email"]
            }
          },
          "required": ["id"],
          "additionalProperties": false
        }
        """;

    private static IReadOnlyList<string> Validate(string args)
    {
        using var schema = JsonDocument.Parse(Schema);
        using var instance = JsonDocument.Parse(args);
        return JsonSchemaValidator.Validate(schema.RootElement, instance.RootElement);
    }

    [Fact]
    public void Validate_ValidArguments_ReturnsNoErrors()
    {
        Assert.Empty(Validate("""{"id":"auth0|1","per_page":50,"sort":"asc","body":{"email":null,"tags":["a"]}}"""));
    }

    [Fact]
    public void Validate_WrongType_NamesTheField()
    {
        var errors = Validate("""{"id":"x","per_page":"10"}""");
        Assert.Equal(["per_page: expected integer, got string \"10\""], errors);
    }

    [Fact]
    public void Validate_MissingRequiredAndUnknownField_ReportsBoth()
    {
        var errors = Validate("""{"perpage":1}""");
        Assert.Contains("id: is required", errors);
        Assert.Contains("perpage: is not a known argument", errors);
    }

    [Theory]
    [InlineData("""{"id":"x","per_page":0}""", "per_page: must be >= 1")]
    [InlineData("""{"id":"x","per_page":1.5}""", "per_page: expected integer, got number 1.5")]
    [InlineData("""{"id":"x","sort":"up"}""", "sort: \"up\" is not one of \"asc\", \"desc\"")]
    [InlineData("""{"id":"x","body":{}}""", "body.email: is required")]
    [InlineData("""{"id":"x","body":{"email":"a","tags":[1]}}""", "body.tags[0]: expected string, got number 1")]
    [InlineData("""{"id":""}""", "id: must be at least 1 characters")]
    public void Validate_BadValue_ReportsPathAndReason(string args, string expected)
    {
        Assert.Equal([expected], Validate(args));
    }
}
