using System.Text.Json;
using System.Text.RegularExpressions;
using Auth0Mcp.Generators.Diagnostics;
using Auth0Mcp.Generators.Model;
using Auth0Mcp.Generators.Tests.Infrastructure;

namespace Auth0Mcp.Generators.Tests;

/// <summary>Reads, binds and emits the spec once for the whole class (≈1 s), and shares it.</summary>
public sealed class FullSpecFixture
{
    public FullSpecFixture()
    {
        var path = TestPaths.FullSpec;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The pinned Auth0 Management API spec was not found at {path}. It lives beside the repository in ../shared/openapi/ " +
                "(see openapi/README.md), or set AUTH0_MCP_SPEC to its path. CI always has it.",
                path);
        }

        Text = File.ReadAllText(path);
        Run = CoreRun.From(Text, "Auth0Mcp.ManagementApi");
    }

    public string Text { get; }

    internal CoreRun Run { get; }

    internal ApiModel Model => Run.RequiredModel;
}

/// <summary>Invariants of the tools generated from the real, pinned Auth0 Management API spec.</summary>
public sealed partial class FullSpecTests(FullSpecFixture spec) : IClassFixture<FullSpecFixture>
{
    [Fact]
    public void FullSpec_Bound_Has452ToolsAndNoErrors()
    {
        Assert.Equal(452, spec.Model.Tools.Count);
        Assert.DoesNotContain(spec.Run.Diagnostics, d => d.Severity == Severity.Error);
    }

    [Fact]
    public void FullSpec_ToolNames_UniqueShortAndSnakeCase()
    {
        var names = spec.Model.Tools.Select(t => t.Name).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, n => Assert.True(n.Length <= 64, $"{n} has {n.Length} characters"));
        Assert.All(names, n => Assert.Matches(ToolName(), n));
        Assert.Equal(names.Count, spec.Model.Tools.Select(t => t.HandleName).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("auth0_users_list", "GET", "/users")]
    [InlineData("auth0_users_roles_assign", "POST", "/users/{id}/roles")]
    [InlineData("auth0_clients_list", "GET", "/clients")]
    public void FullSpec_WellKnownTool_MapsToItsOperation(string name, string method, string path)
    {
        var tool = Assert.Single(spec.Model.Tools, t => t.Name == name);

        Assert.Equal(method, tool.Method);
        Assert.Equal(path, tool.Path);
    }

    [Fact]
    public void FullSpec_InputSchemas_AreSelfContainedJsonObjects()
    {
        Assert.All(spec.Model.Tools, tool =>
        {
            using var schema = JsonDocument.Parse(tool.InputSchema);
            var root = schema.RootElement;
            Assert.Equal("object", root.GetProperty("type").GetString());
            Assert.Equal(JsonValueKind.Object, root.GetProperty("properties").ValueKind);
            var reference = FindRef(root, "#");
            Assert.True(reference is null, $"{tool.Name}: $ref left at {reference}");
        });
    }

    [Fact]
    public void FullSpec_Annotations_FollowTheHttpMethod()
    {
        Assert.All(spec.Model.Tools, tool =>
        {
            if (tool.Method == "GET")
            {
                Assert.True(tool.ReadOnly, $"{tool.Name} (GET) is not readOnly");
                Assert.False(tool.Destructive, $"{tool.Name} (GET) is destructive");
            }
            else
            {
                Assert.False(tool.ReadOnly, $"{tool.Name} ({tool.Method}) is readOnly");
            }

            if (tool.Method is "DELETE" or "PUT" or "PATCH")
            {
                Assert.True(tool.Destructive, $"{tool.Name} ({tool.Method}) is not destructive");
            }
        });
    }

    [Fact]
    public void FullSpec_OverlongName_ShortenedDeterministically()
    {
        var shortened = Assert.Single(spec.Run.Diagnostics, d => d.Id == DiagnosticIds.NameShortened);
        var match = Shortened().Match(shortened.Message);
        Assert.True(match.Success, shortened.Message);
        var original = match.Groups["original"].Value;
        var name = match.Groups["name"].Value;

        Assert.Equal(65, original.Length);
        Assert.InRange(name.Length, 50, 64);
        // Clipped, not hashed: the prefix, the verb and the last word survive whole, and the words keep their order.
        var words = original.Split('_');
        var kept = name.Split('_');
        Assert.Equal(words[0], kept[0]);
        Assert.Equal(words[^1], kept[^1]);
        Assert.Contains("list", kept);
        Assert.All(kept.Zip(words), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));
        Assert.Single(spec.Model.Tools, t => t.Name == name);
        Assert.True(shortened.Line > 1, "The diagnostic points at the operation.");

        var again = CoreRun.From(spec.Text, "Auth0Mcp.ManagementApi");
        Assert.Contains(again.RequiredModel.Tools, t => t.Name == name);
    }

    [Fact]
    public void FullSpec_GeneratedTwice_ByteIdentical()
    {
        var again = CoreRun.From(spec.Text, "Auth0Mcp.ManagementApi");

        Assert.Equal(spec.Run.ClientFiles(), again.ClientFiles());
        Assert.Equal(spec.Run.ToolFiles(), again.ToolFiles());
        Assert.Equal(spec.Model, again.RequiredModel);
    }

    [Fact]
    public void FullSpec_ToolGenerator_EmitsOneFilePerGroupAndTheCatalogue()
    {
        var (_, result) = GeneratorHost.Run(spec.Text, "Auth0Mcp.ManagementApi");

        Assert.Null(result.Exception);
        Assert.DoesNotContain(result.Diagnostics, d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning);
        Assert.Equal(spec.Run.ToolFiles(), result.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())).ToList());
    }

    private static string? FindRef(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "$ref")
                    {
                        return path;
                    }

                    if (FindRef(property.Value, path + "/" + property.Name) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindRef(item, $"{path}/{index++}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    [GeneratedRegex("^auth0_[a-z0-9_]+$")]
    private static partial Regex ToolName();

    [GeneratedRegex("'(?<original>auth0_[a-z0-9_]+)' has 65 characters; it is shortened to '(?<name>auth0_[a-z0-9_]+)'")]
    private static partial Regex Shortened();
}
