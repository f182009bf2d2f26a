using System.Text.Json;
using Auth0Mcp.Sdk.Tools;

namespace Auth0Mcp.Sdk.Tests.Tools;

public sealed class ArgumentValidatorTests
{
    private const string Schema = """
        {
          "type": "object",
          "properties": {
            "id": { "type": "string", "minLength": 1 },
            "per_page": { "type": "integer", "minimum": 1, "maximum": 100 },
            "sort": { "type": "string", "enum": ["asc", "desc"] },
            "name": { "type": "string", "maxLength": 2 },
            "email": { "type": "string", "format": "email" },
            "client": { "type": "string", "format": "client-id" },
            "either": { "oneOf": [ { "type": "integer" }, { "type": "number" } ] },
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

    private static readonly Auth0ArgumentValidator Validator = new(Schema);

    private static IReadOnlyList<string> Validate(string args)
    {
        using var doc = JsonDocument.Parse(args);
        return Validator.Validate(doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()));
    }

    [Fact]
    public void Validate_ValidArguments_ReturnsNoErrors() =>
        Assert.Empty(Validate("""{"id":"auth0|1","per_page":50,"sort":"asc","email":"a@example.com","client":"anything","either":1.5,"body":{"email":null,"tags":["a"]}}"""));

    [Fact]
    public void Validate_MissingRequiredAndUnknownField_ReportsBothByName()
    {
        var errors = Validate("""{"perpage":1}""");

        Assert.Contains("id: is required", errors);
        Assert.Contains(errors, e => e.StartsWith("perpage: is not a known argument", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"id":"x","per_page":500}""", "per_page")]
    [InlineData("""{"id":"x","per_page":0}""", "per_page")]
    [InlineData("""{"id":"x","per_page":1.5}""", "per_page")]
    [InlineData("""{"id":"x","sort":"up"}""", "sort")]
    [InlineData("""{"id":"x","body":{}}""", "body")]
    [InlineData("""{"id":"x","body":{"email":"a","tags":[1]}}""", "body.tags[0]")]
    [InlineData("""{"id":""}""", "id")]
    public void Validate_BadValue_NamesTheField(string args, string field)
    {
        var error = Assert.Single(Validate(args));

        Assert.StartsWith(field + ": ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OneOf_RefusesAValueThatMatchesTwoBranches() =>
        Assert.Contains(Validate("""{"id":"x","either":3}"""), e => e.StartsWith("either", StringComparison.Ordinal));

    [Theory]
    [InlineData("\"\\ud83d\\ude00\\ud83d\\ude00\"", true)] // two code points, four UTF-16 units
    [InlineData("\"e\\u0301x\"", false)] // three code points, two graphemes
    public void Validate_StringLength_CountsCodePoints(string value, bool valid) =>
        Assert.Equal(valid, Validate($$"""{"id":"x","name":{{value}}}""").Count == 0);

    [Fact]
    public void Validate_StandardFormat_IsAssertedAndAuth0FormatsAreAnnotations()
    {
        Assert.StartsWith("email: ", Assert.Single(Validate("""{"id":"x","email":"not an address"}""")), StringComparison.Ordinal);
        Assert.Empty(Validate("""{"id":"x","client":"not checked"}"""));
    }

    [Fact]
    public async Task Construct_ManyValidatorsAtOnce_EveryOneBuildsAndValidates()
    {
        // Validators are built on a tool's first call, so concurrent first calls build them at the same time; the
        // schema library's registry is not safe for concurrent writers when options are shared.
        using var start = new ManualResetEventSlim();
        var builders = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
        {
            start.Wait();
            var errors = new List<string>();
            for (var i = 0; i < 150; i++)
            {
                errors.AddRange(new Auth0ArgumentValidator(Schema).Validate(new Dictionary<string, JsonElement>()));
            }

            return errors;
        }, TaskCreationOptions.LongRunning)).ToList();
        start.Set();

        foreach (var errors in await Task.WhenAll(builders))
        {
            Assert.Equal(150, errors.Count);
            Assert.All(errors, e => Assert.StartsWith("id:", e, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("+15551234567", true)]
    [InlineData("+15551234567\n", false)] // .NET's $ alone would match before the final newline
    [InlineData("+15551234567\nX", false)]
    [InlineData("+1$", false)]
    public void Validate_Pattern_HasItsEcmaMeaning(string phone, bool valid)
    {
        var validator = new Auth0ArgumentValidator("""{"type":"object","properties":{"phone":{"type":"string","pattern":"^\\+\\d{1,15}$"},"price":{"type":"string","pattern":"^[0-9$]+$"}}}""");
        var errors = validator.Validate(new Dictionary<string, JsonElement> { ["phone"] = JsonSerializer.SerializeToElement(phone) });

        Assert.Equal(valid, errors.Count == 0);
        if (!valid)
        {
            Assert.Equal(@"phone: does not match the pattern ^\+\d{1,15}$", Assert.Single(errors));
        }

        Assert.Empty(validator.Validate(new Dictionary<string, JsonElement> { ["price"] = JsonSerializer.SerializeToElement("12$") })); // a $ in a class is a dollar
    }

    [Theory]
    [InlineData("name", true)]
    [InlineData("\u00A0name", false)] // a no-break space is white space (\S refuses it), in ECMA-262 and .NET alike
    [InlineData("name\u3000", false)]
    [InlineData("a\u00A0b", true)]
    public void Validate_NonSpacePattern_RefusesUnicodeWhiteSpaceAtTheEnds(string name, bool valid)
    {
        var validator = new Auth0ArgumentValidator("""{"type":"object","properties":{"name":{"type":"string","pattern":"^(?!.*\\x00)\\S(.*\\S)?$"}}}""");

        Assert.Equal(valid, validator.Validate(new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement(name) }).Count == 0);
    }

    private static readonly Auth0ArgumentValidator Combinators = new("""
        {
          "type": "object",
          "properties": {
            "body": {
              "type": "object",
              "properties": {
                "user_id": { "oneOf": [ { "type": "string", "maxLength": 255 }, { "type": "integer" } ] },
                "connection_id": { "type": "string", "pattern": "^con_[A-Za-z0-9]{16}$" },
                "kind": { "anyOf": [ { "type": "string" }, { "type": "null" } ] },
                "match": {
                  "type": "object",
                  "properties": {
                    "ipv4_cidrs": { "type": "array", "items": { "oneOf": [ { "type": "string", "format": "ipv4" }, { "type": "string", "format": "cidr" } ] } }
                  }
                }
              }
            }
          }
        }
        """);

    private static IReadOnlyList<string> ValidateCombinators(string args)
    {
        using var doc = JsonDocument.Parse(args);
        return Combinators.Validate(doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()));
    }

    [Fact]
    public void Validate_AnotherFieldWrong_DoesNotBlameAValueThatMatchedItsOneOf()
    {
        // Before: "body.user_id: Value is "string" but should be "integer"" beside the real error, from the branch of
        // user_id's oneOf that did not match, so an agent following the text changed the user it was linking.
        var errors = ValidateCombinators("""{"body":{"user_id":"auth0|2","kind":"x","connection_id":"con_1"}}""");

        Assert.Equal(["body.connection_id"], errors.Select(e => e[..e.IndexOf(':', StringComparison.Ordinal)]));
    }

    [Fact]
    public void Validate_AValueMatchingTwoAlternatives_NamesItsPlace()
    {
        // Before: "body: does not match its schema", naming no field.
        var errors = ValidateCombinators("""{"body":{"match":{"ipv4_cidrs":["192.0.2.1"]}}}""");

        Assert.Contains(errors, e => e.StartsWith("body.match.ipv4_cidrs[0]: ", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.StartsWith("body: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_AValueMatchingNoAlternative_SaysWhatEachWanted()
    {
        var errors = ValidateCombinators("""{"body":{"user_id":true}}""");

        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.StartsWith("body.user_id", e, StringComparison.Ordinal));
    }
}
