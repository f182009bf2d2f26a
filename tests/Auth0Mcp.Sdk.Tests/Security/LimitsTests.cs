using System.Text.Json;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Security;

/// <summary>Issue 11 items 5 and 7: the limits the call path applies before sending or storing.</summary>
public sealed class LimitsTests
{
    private static Dictionary<string, JsonElement> Args(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Fact]
    public void CheckArguments_TenMegabyteBodyName_RefusedNamingTheArgumentNotQuotingIt()
    {
        var huge = new string('n', 10 * 1024 * 1024);
        var refusal = Limits.CheckArguments(Args("{\"id\":\"x\",\"body\":{\"name\":\"" + huge + "\"}}"));

        Assert.NotNull(refusal);
        Assert.Contains("'body'", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("nnnnnnnn", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckArguments_OneStringOverThePerStringLimit_UnderTheTotal_Refused()
    {
        // 300 KiB: over the 256 KiB per string, under the 1 MiB of all the arguments (review AH: no test reached it).
        var refusal = Limits.CheckArguments(Args("{\"q\":\"" + new string('q', 300 * 1024) + "\"}"));

        Assert.NotNull(refusal);
        Assert.Contains($"over the {Limits.DefaultMaxStringBytes}-byte limit", refusal, StringComparison.Ordinal);
        Assert.Null(Limits.CheckArguments(Args("{\"q\":\"" + new string('q', 200 * 1024) + "\"}")));
    }

    [Fact]
    public void CheckArguments_OneMegabytePathId_Refused()
    {
        Assert.NotNull(Limits.CheckArguments(Args("{\"id\":\"" + new string('u', 1024 * 1024) + "\"}")));
    }

    [Fact]
    public void CheckArguments_ManyModestArgumentsOverTheTotal_RefusedNamingTheLargest()
    {
        var args = Args("{\"a\":\"" + new string('a', 3000) + "\",\"b\":\"" + new string('b', 5000) + "\"}");

        var refusal = Limits.CheckArguments(args, maxBytes: 6000, maxStringBytes: 10_000);

        Assert.NotNull(refusal);
        Assert.Contains("largest: 'b'", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"id\":\"\\ud800x\"}")]
    [InlineData("{\"body\":{\"\\udc00\":1}}")]
    public void CheckArguments_AStringThatIsNotValidUnicode_RefusedNamingTheArgument(string json)
    {
        // JsonDocument keeps an escaped lone surrogate; reading it as a string throws. The check refuses it instead.
        using var doc = JsonDocument.Parse(json);
        var args = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);

        var refusal = Limits.CheckArguments(args);

        Assert.NotNull(refusal);
        Assert.Contains("not valid Unicode", refusal, StringComparison.Ordinal);
        Assert.Contains($"'{args.Keys.Single()}'", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckArguments_Ordinary_Null() =>
        Assert.Null(Limits.CheckArguments(Args("{\"q\":\"email:a@b.c\",\"per_page\":50,\"fields\":[\"user_id\",\"email\"]}")));

    [Theory]
    [InlineData("login.example.com\0evil")]
    [InlineData("login.example.com\r\nX-Injected: 1")]
    [InlineData("login.example.com\u0085")]
    [InlineData("login.example.com\u007f")]
    [InlineData("login.\u2028example.com")]
    [InlineData("\u00e9vil.example.com")]
    [InlineData("login.example.com\u00a0")]
    [InlineData(" login.example.com")]
    [InlineData("login.example.com\t")]
    public void CheckHeaderValue_ControlCharacters_Refused(string value)
    {
        var refusal = Limits.CheckHeaderValue("auth0-custom-domain", value);

        Assert.NotNull(refusal);
        Assert.Contains("auth0-custom-domain", refusal, StringComparison.Ordinal);
        Assert.Contains("nothing was sent", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckHeaderValue_PlainDomain_Null() => Assert.Null(Limits.CheckHeaderValue("auth0-custom-domain", "login.example.com"));

    [Fact]
    public void AuditArguments_Large_PrefixPlusHashOfTheWhole()
    {
        var text = "{\"name\":\"" + new string('x', 100_000) + "\"}";

        var stored = Limits.AuditArguments(text, 1024);

        Assert.True(stored.Length < 1200, $"{stored.Length} chars");
        Assert.StartsWith(text[..1024], stored, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))), stored, StringComparison.Ordinal);
    }

    [Fact]
    public void AuditArguments_Small_Unchanged()
    {
        const string Text = "{\"id\":\"usr_1\"}";

        Assert.Same(Text, Limits.AuditArguments(Text));
    }

    [Fact]
    public void RedactText_ValidationMessageQuotingARedactedField_ValueMasked()
    {
        // Item 7: a validation message must not carry a secret field's value into the audit reason.
        var reason = JsonRedactor.Secrets.RedactText("Invalid arguments: body.password: 'hunter2-and-more' is shorter than 20; body.client_secret = \"abcdefgh12345678\"", out var count);

        Assert.Equal(2, count);
        Assert.DoesNotContain("hunter2", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdefgh12345678", reason, StringComparison.Ordinal);
    }
}
