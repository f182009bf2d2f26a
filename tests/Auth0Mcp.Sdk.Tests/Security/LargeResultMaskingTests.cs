using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Sdk.Governance;
using ModelContextProtocol.Protocol;

namespace Auth0Mcp.Sdk.Tests.Security;

/// <summary>
/// Masking a large result does work in proportion to its size: a result of several MiB made of long words (a hex
/// fingerprint, an echoed argument) is masked exactly, not withheld because a scan ran out of time (docs/security.md).
/// </summary>
public sealed class LargeResultMaskingTests
{
    private const string Secret = "K9xvQ2-large-result-client-secret";

    [Fact]
    public void ResultRedaction_AFourMebibyteResultWithOneSecret_MasksExactlyThatSecret()
    {
        // 3 MiB of hex after "sha256:" and 1 MiB of an echoed argument in quotes: long runs of name characters with a
        // colon or a quote in the same string, which the assignment scan used to try at each letter, up to 64 lengths
        // of name each (seconds per MiB: the scan's 2 s limit then withheld the whole result).
        var hex = new StringBuilder(3 * 1024 * 1024);
        while (hex.Length < hex.Capacity)
        {
            hex.Append("0123456789abcdef");
        }

        var echoed = "\"" + new string('x', 1024 * 1024) + "\"";
        var original = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["fingerprint"] = "sha256:" + hex,
            ["echo"] = echoed,
            ["client_secret"] = Secret,
        });
        var expected = original.Replace(Secret, JsonRedactor.Mask, StringComparison.Ordinal);
        Assert.InRange(original.Length, 4 * 1024 * 1024, 5 * 1024 * 1024);
        var result = new CallToolResult
        {
            Content = [new TextContentBlock { Text = original }],
            StructuredContent = JsonDocument.Parse(original).RootElement.Clone(),
        };

        var masked = ResultRedaction.Apply(result, JsonRedactor.Secrets);

        Assert.Equal(2, masked); // once in the text, once in structuredContent
        Assert.Equal(expected, Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(expected, result.StructuredContent!.Value.GetRawText());
    }

    [Fact]
    public void ResultRedaction_ALargeResultWithNothingToMask_IsLeftAsItWas()
    {
        var original = JsonSerializer.Serialize(new Dictionary<string, string> { ["echo"] = "\"" + new string('x', 1024 * 1024) + "\"" });
        var block = new TextContentBlock { Text = original };
        var structured = JsonDocument.Parse(original).RootElement.Clone();
        var result = new CallToolResult { Content = [block], StructuredContent = structured };

        var masked = ResultRedaction.Apply(result, JsonRedactor.Secrets);

        Assert.Equal(0, masked);
        Assert.Same(block, result.Content[0]);
        Assert.Same(original, block.Text);
        Assert.Equal(original, result.StructuredContent!.Value.GetRawText());
    }

    [Fact]
    public void NextAssignment_FindsWhatTheUnanchoredPatternFinds()
    {
        // The reference: the same pattern tried at every position, as the scan did before it skipped ahead.
        var reference = new Regex(SecretText.AssignmentBody, RegexOptions.Compiled, TimeSpan.FromSeconds(10));
        var random = new Random(31);
        string[] pieces =
        [
            "a", "Z", "_", "9", ".", "-", "=", ":", " ", "\t", "\"", "\\\"", "'", "&quot;", ",", ";", "<", "}", "]", "\\",
            "\n", "password", "client.secret", "x1-y2", new string('k', 63), new string('k', 64), new string('k', 65), new string('q', 130),
        ];
        var texts = new List<string> { "", "password=1", "a.b.c: \"v\"", new string('n', 100) + "=v", "9" + new string('n', 63) + "=v", "--" + new string('n', 64) + " 'v'" };
        for (var i = 0; i < 1000; i++)
        {
            var sb = new StringBuilder();
            for (var n = random.Next(1, 12); n > 0; n--)
            {
                sb.Append(pieces[random.Next(pieces.Length)]);
            }

            texts.Add(sb.ToString());
        }

        foreach (var text in texts)
        {
            // From the start, from the end, and from a few places between (the scan resumes at a value's start).
            int[] starts = [0, text.Length, random.Next(text.Length + 1), random.Next(text.Length + 1), random.Next(text.Length + 1)];
            foreach (var start in starts)
            {
                var expected = reference.Match(text, start);
                var actual = SecretText.NextAssignment(text, start);
                Assert.True(expected.Success == actual is not null, $"start {start} of \"{text}\"");
                if (expected.Success)
                {
                    Assert.Equal((expected.Index, expected.Length), (actual!.Index, actual.Length));
                    Assert.Equal(expected.Groups["name"].Value, actual.Groups["name"].Value);
                    Assert.Equal(expected.Groups["value"].Index, actual.Groups["value"].Index);
                    Assert.Equal(expected.Groups["value"].Value, actual.Groups["value"].Value);
                }
            }
        }
    }

    [Fact]
    public void MaskRegistered_ARegisteredValueRepeatedThroughALargeText_IsMaskedAtEachOccurrence()
    {
        const string Registered = "r3gistered-Value-for-large-text";
        JsonRedactor.RegisterSecretValues([Registered]);
        var text = string.Join(", ", Enumerable.Repeat(Registered, 20_000)) + " and " + Registered + Registered;

        var masked = SecretText.MaskRegistered(text, JsonRedactor.Mask, out var count);

        Assert.Equal(20_002, count);
        Assert.Equal(string.Join(", ", Enumerable.Repeat(JsonRedactor.Mask, 20_000)) + " and " + JsonRedactor.Mask + JsonRedactor.Mask, masked);
    }

    [Fact]
    public void ResultRedaction_ALongRunOfJwtPrefixesWithoutDots_IsLeftWholeAndATokenAfterItMasked()
    {
        // 300 KiB of "eyJ" without a dot: the JWT pattern tried at each "eyJ" read the rest of the run again each time,
        // into its 2 s limit, and the harmless result was withheld.
        var run = string.Concat(Enumerable.Repeat("eyJ", 100_000));
        const string Jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        var original = JsonSerializer.Serialize(new Dictionary<string, string> { ["blob"] = run + " then " + Jwt });
        var result = new CallToolResult { Content = [new TextContentBlock { Text = original }] };

        var masked = ResultRedaction.Apply(result, JsonRedactor.Secrets);

        Assert.Equal(1, masked);
        Assert.Equal(original.Replace(Jwt, JsonRedactor.Mask, StringComparison.Ordinal), Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public void NextJwt_FindsWhatThePatternFinds()
    {
        var reference = new Regex(SecretText.JwtBody, RegexOptions.Compiled, TimeSpan.FromSeconds(10));
        var random = new Random(47);
        string[] pieces = ["eyJ", "e", "y", "J", "a", "Z", "0", "_", "-", ".", " ", "=", "\"", "abcdefgh", "eyJabcdefgh", "eyJhbGciOiJIUzI1NiJ9"];
        var texts = new List<string> { "", "eyJ", "eyJabcdefgh.abcdefgh.", "eyJabcdefg.abcdefgh.x", "eyJabcdefgh.abcdefg.x", "x.eyJabcdefgh.eyJabcdefgh.eyJabcdefgh.z" };
        for (var i = 0; i < 2000; i++)
        {
            var sb = new StringBuilder();
            for (var n = random.Next(1, 14); n > 0; n--)
            {
                sb.Append(pieces[random.Next(pieces.Length)]);
            }

            texts.Add(sb.ToString());
        }

        foreach (var text in texts)
        {
            int[] starts = [0, text.Length, random.Next(text.Length + 1), random.Next(text.Length + 1)];
            foreach (var start in starts)
            {
                var expected = reference.Match(text, start);
                var (index, length) = SecretText.NextJwt(text, start);
                Assert.True(expected.Success == length > 0, $"start {start} of \"{text}\"");
                if (expected.Success)
                {
                    Assert.Equal((expected.Index, expected.Length), (index, length));
                }
            }
        }
    }
}
